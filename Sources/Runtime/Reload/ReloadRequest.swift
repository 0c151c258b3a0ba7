/// Why a reload was asked for.
public enum ReloadTrigger: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The strategy file was saved (any way an editor saves: in place, by rename, delete and recreate).
    case file
    /// A registry tag of a model the plan reads moved (`stratum registry promote` or `rollback`).
    case tags(model: String)
    /// The process received SIGHUP.
    case signal
    /// An operator asked (`POST /reload`).
    case command

    public var description: String {
        switch self {
        case .file: "file"
        case .tags(let model): "tags:\(model)"
        case .signal: "sighup"
        case .command: "command"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "file": self = .file
        case "sighup": self = .signal
        case "command": self = .command
        case let other where other.hasPrefix("tags:"): self = .tags(model: String(other.dropFirst(5)))
        default: throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown reload trigger '\(text)'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One request to reload, as the watcher emits it: a burst of saves within the debounce
/// interval is one request, listing every trigger of the burst.
public struct ReloadRequest: Sendable, Equatable {
    public var triggers: [ReloadTrigger]

    public init(triggers: [ReloadTrigger]) {
        self.triggers = triggers
    }
}
