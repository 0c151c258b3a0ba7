/// What can go wrong talking to Redis, each with what to do about it.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// No connection could be made (at start, or within the reconnect window after a loss).
    case unreachable(RedisEndpoint, reason: String)
    /// The server answered a command with an error reply.
    case server(command: String, message: String)
    /// The reply had a shape the command never returns.
    case unexpectedReply(command: String, reply: String)
    /// The client was closed while the command waited.
    case closed

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            "'\(url)' is not a Redis URL: \(reason); expected redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0"
        case .unreachable(let endpoint, let reason):
            "cannot reach Redis at \(endpoint): \(reason); start redis-server there, check --bus, or pass --wait-for-bus to wait for it"
        case .server(let command, let message):
            "Redis refused \(command): \(message)"
        case .unexpectedReply(let command, let reply):
            "Redis answered \(command) with an unexpected reply: \(reply)"
        case .closed:
            "the Redis connection is closed"
        }
    }
}
