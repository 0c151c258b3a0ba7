/// One reply from Redis, copied out of hiredis's reply tree so it outlives it.
public enum RedisReply: Sendable, Equatable {
    /// A bulk string: bytes, not necessarily UTF-8.
    case bulk([UInt8])
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    /// An error reply (`ERR ...`, `NOGROUP ...`, `BUSYGROUP ...`): the command failed, the connection did not.
    case error(String)

    /// The text of a bulk string or status, nil for anything else.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { return bytes }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The error text when the reply is an error.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
