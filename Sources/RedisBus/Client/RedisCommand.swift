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
        buffer.append(13)
        buffer.append(10)
        buffer.append(contentsOf: bytes)
        buffer.append(13)
        buffer.append(10)
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // Digits from the most significant: find the largest power of ten first.
        var power = 10
        while power <= value / 10 { power *= 10 }
        var rest = value
        while power > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest / power))
            rest %= power
            power /= 10
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

/// Commands to send in one write, built straight into their RESP bytes. Besides whole
/// `RedisCommand`s, a command can be written word by word (`begin`, then `argument` for each
/// word), which the bus does for its per-message commands: no array of arguments, no boxing.
public struct RedisPipeline: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// How many commands (so how many replies to expect).
    public private(set) var count = 0

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ command: RedisCommand) {
        bytes.append(contentsOf: command.encoded)
        count += 1
    }

    /// Starts a command of `words` words (its name included); exactly that many `argument`
    /// calls must follow.
    public mutating func begin(words: Int) {
        bytes.append(UInt8(ascii: "*"))
        RedisCommand.appendDecimal(words, to: &bytes)
        bytes.append(13)
        bytes.append(10)
        count += 1
    }

    public mutating func argument(_ word: StaticString) {
        word.withUTF8Buffer { RedisCommand.appendBulk($0, to: &bytes) }
    }

    public mutating func argument(_ word: String) {
        var copy = word
        copy.withUTF8 { RedisCommand.appendBulk($0, to: &bytes) }
    }

    /// One word made of two strings, `first` then `second` (a key prefix and a name).
    public mutating func argument(joining first: String, _ second: String) {
        bytes.append(UInt8(ascii: "$"))
        RedisCommand.appendDecimal(first.utf8.count + second.utf8.count, to: &bytes)
        bytes.append(13)
        bytes.append(10)
        var a = first, b = second
        a.withUTF8 { bytes.append(contentsOf: $0) }
        b.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(13)
        bytes.append(10)
    }

    public mutating func argument(_ word: UnsafeBufferPointer<UInt8>) {
        RedisCommand.appendBulk(word, to: &bytes)
    }

    public mutating func argument(_ word: [UInt8]) {
        word.withUnsafeBufferPointer { RedisCommand.appendBulk($0, to: &bytes) }
    }

    public mutating func argument(_ number: Int) {
        var digits = (UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = number.magnitude
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            if number < 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "-")
            }
            RedisCommand.appendBulk(UnsafeRawBufferPointer(rebasing: scratch[index...]), to: &bytes)
        }
    }

    /// Empties the pipeline and keeps its capacity, to build the next batch.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }
}
