/// One command, already in the Redis wire format (RESP), so a pipeline of many commands is one
/// buffer handed to hiredis.
public struct RedisCommand: Sendable {
    /// The command name, for error messages.
    public let name: String
    /// The RESP bytes: `*<argc>\r\n` then `$<len>\r\n<arg>\r\n` per argument.
    public private(set) var encoded: [UInt8]

    public init(_ name: String, _ arguments: [any RedisArgument]) {
        self.name = name
        encoded = []
        encoded.reserveCapacity(32 + arguments.count * 16)
        encoded.append(UInt8(ascii: "*"))
        Self.appendDecimal(arguments.count + 1, to: &encoded)
        encoded.append(contentsOf: [13, 10])
        Self.appendBulk(Array(name.utf8), to: &encoded)
        for argument in arguments { argument.appendBulk(to: &encoded) }
    }

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments)
    }

    static func appendBulk<C: Collection<UInt8>>(_ bytes: C, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count, to: &buffer)
        buffer.append(contentsOf: [13, 10])
        buffer.append(contentsOf: bytes)
        buffer.append(contentsOf: [13, 10])
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.append(contentsOf: String(value).utf8)
        }
    }
}

/// A value that can be a command argument.
public protocol RedisArgument: Sendable {
    func appendBulk(to buffer: inout [UInt8])
}

extension String: RedisArgument {
    public func appendBulk(to buffer: inout [UInt8]) {
        var copy = self
        copy.withUTF8 { RedisCommand.appendBulk($0, to: &buffer) }
    }
}

extension Substring: RedisArgument {
    public func appendBulk(to buffer: inout [UInt8]) { String(self).appendBulk(to: &buffer) }
}

extension Int: RedisArgument {
    public func appendBulk(to buffer: inout [UInt8]) { RedisCommand.appendBulk(String(self).utf8, to: &buffer) }
}

extension Array: RedisArgument where Element == UInt8 {
    public func appendBulk(to buffer: inout [UInt8]) { RedisCommand.appendBulk(self, to: &buffer) }
}

extension RedisCommand {
    /// The command's words (name first), read back from its RESP bytes.
    public var arguments: [[UInt8]] {
        var result: [[UInt8]] = []
        var index = encoded.startIndex
        func number() -> Int {
            var value = 0
            index += 1 // the '*' or '$'
            while encoded[index] != 13 {
                value = value * 10 + Int(encoded[index] - UInt8(ascii: "0"))
                index += 1
            }
            index += 2
            return value
        }
        let count = number()
        for _ in 0..<count {
            let length = number()
            result.append(Array(encoded[index..<index + length]))
            index += length + 2
        }
        return result
    }
}
