import Foundation
import ModelRegistry

/// Answers the checker's model questions from a `registry/` folder, verifying checksums.
public struct RegistryModelResolver: ModelResolving {
    public let registry: ModelRegistry

    public init(root: URL) {
        self.registry = ModelRegistry(root: root)
    }

    public func resolve(_ text: String) -> ModelResolution {
        do {
            let reference = try ModelReference(parsing: text)
            let model = try registry.resolve(reference)
            return .resolved(ResolvedModelInfo(name: model.name, version: model.version, features: model.manifest.features,
                                               outputs: model.manifest.output.names, manifestHash: model.manifestHash))
        } catch let error as RegistryError {
            switch error {
            case .unknownModel(_, let known):
                return .unknownModel(known: known)
            case .unknownVersion(let model, _, let known):
                return .unknownSelector(model: model, known: known + ((try? registry.tags(of: model).keys.sorted()) ?? []))
            case .unknownTag(let model, _, let known):
                return .unknownSelector(model: model, known: ((try? registry.versions(of: model)) ?? []) + known.keys.sorted())
            case .checksumMismatch, .missingFile, .unlistedFile:
                return .checksumMismatch("model '\(text)' is refused: \(error.description)")
            default:
                return .unreadable("model '\(text)' cannot be loaded: \(error.description)")
            }
        } catch {
            return .unreadable("model '\(text)' cannot be loaded: \(error)")
        }
    }
}
