import StrategyDSL

/// What the checker needs to know about a model reference; the registry answers it.
/// Kept as a protocol so the checks can be tested against fixed answers as well as real folders.
public protocol ModelResolving: Sendable {
    func resolve(_ reference: String) -> ModelResolution
}

public enum ModelResolution: Sendable, Equatable {
    case resolved(ResolvedModelInfo)
    case unknownModel(known: [String])
    case unknownSelector(model: String, known: [String])
    case checksumMismatch(String)
    case unreadable(String)
}

public struct ResolvedModelInfo: Sendable, Equatable, Hashable {
    public var name: String
    public var version: String
    public var features: [String]
    public var outputs: [String]
    public var manifestHash: String

    public init(name: String, version: String, features: [String], outputs: [String], manifestHash: String) {
        self.name = name
        self.version = version
        self.features = features
        self.outputs = outputs
        self.manifestHash = manifestHash
    }
}
