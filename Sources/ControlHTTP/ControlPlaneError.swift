/// Why the control plane refuses to start.
///
/// Messages name files and addresses, never a token's value: they end up in terminals and logs.
public enum ControlPlaneError: Error, Equatable, CustomStringConvertible {
    /// The address is not loopback and exposing the control plane was not asked for.
    case nonLoopbackAddress(host: String)
    case tokenFileUnreadable(path: String)
    /// Others than the owner and group could read (or replace) the token.
    case tokenFileOpenToOthers(path: String, mode: Int)
    case tokenEmpty(source: String)
    /// Short tokens are guessable, and redacting a short value would mangle every output.
    case tokenTooShort(source: String, minimum: Int)

    public var description: String {
        switch self {
        case .nonLoopbackAddress(let host):
            "control plane address \(host) is not loopback; bind 127.0.0.1 or allow non-loopback addresses explicitly"
        case .tokenFileUnreadable(let path):
            "control token file \(path) cannot be read"
        case .tokenFileOpenToOthers(let path, let mode):
            "control token file \(path) has mode \(String(mode, radix: 8)), open to other users; run chmod 600 \(path)"
        case .tokenEmpty(let source):
            "control token from \(source) is empty"
        case .tokenTooShort(let source, let minimum):
            "control token from \(source) is shorter than \(minimum) characters"
        }
    }
}
