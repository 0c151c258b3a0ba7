/// Redis replies in the wire format (RESP2) read directly off the socket: a resumable scan that
/// finds where each reply ends, and a parser over the bytes for those who want `RedisReply`
/// values. The bus reads stream entries straight out of the bytes instead (`RedisReplies`).
enum RESP {
    /// Where complete replies end in a buffer that fills as bytes arrive; it picks up where it
    /// stopped, so a large reply arriving in many reads is scanned once.
    struct Scanner {
        /// The first byte not yet part of a complete element.
        var position: Int
        /// Elements still to come of each array open at `position`, innermost last.
        private var open: [Int] = []
        /// Top-level replies completed since the scanner started.
        private(set) var completed = 0
        /// Whether one of them is an error reply.
        private(set) var sawError = false

        init(position: Int) {
            self.position = position
            open.reserveCapacity(4)
        }

        /// Scans forward through `bytes[..<end]`, stopping at the first incomplete element or once
        /// `wanted` replies are complete.
        ///
        /// - Throws: `ProtocolViolation` when the bytes are not RESP (the connection is unusable).
        mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, end: Int, until wanted: Int) throws(RESP.ProtocolViolation) {
            while completed < wanted {
                guard position < end else { return }
                guard let lineEnd = RESP.lineEnd(bytes, from: position + 1, end: end) else { return }
                var next = lineEnd + 2
                switch bytes[position] {
                case UInt8(ascii: "-"):
                    if open.isEmpty { sawError = true }
                case UInt8(ascii: "+"), UInt8(ascii: ":"):
                    break
                case UInt8(ascii: "$"):
                    let length = try RESP.integer(bytes, position + 1, lineEnd)
                    if length >= 0 {
                        next += length + 2
                        guard next <= end else { return }
                    }
                case UInt8(ascii: "*"):
                    let count = try RESP.integer(bytes, position + 1, lineEnd)
                    if count > 0 {
                        open.append(count)
                        position = next
                        continue
                    }
                default:
                    throw ProtocolViolation(byte: bytes[position], offset: position)
                }
                position = next
                // One element done: it may close the arrays around it.
                while let last = open.last {
                    if last > 1 {
                        open[open.count - 1] = last - 1
                        break
                    }
                    open.removeLast()
                }
                if open.isEmpty { completed += 1 }
            }
        }

        /// Moves the scan back by `offset` bytes, after the buffer dropped that many at its front.
        mutating func shift(by offset: Int) {
            position -= offset
        }
    }

    struct ProtocolViolation: Error {
        var byte: UInt8
        var offset: Int
    }

    /// The index of the `\r` ending the line that starts at `start`, if the line is complete.
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        var index = start
        while index + 1 < end {
            if bytes[index] == 13 { return bytes[index + 1] == 10 ? index : nil }
            index += 1
        }
        return nil
    }

    /// The decimal integer in `bytes[start..<end]` (a length, a count or an integer reply).
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(ProtocolViolation) -> Int {
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < end else { throw ProtocolViolation(byte: bytes[start], offset: start) }
        var value = 0
        while index < end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw ProtocolViolation(byte: bytes[index], offset: index) }
            value = value &* 10 &+ Int(digit)
            index += 1
        }
        return negative ? -value : value
    }

    /// A cursor over complete replies: reads elements one by one without building values.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index: Int

        init(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int = 0) {
            self.bytes = bytes
            self.index = index
        }

        var atEnd: Bool { index >= bytes.count }

        /// The next element's type byte, without moving.
        var type: UInt8 { bytes[index] }

        /// The header line of the next element: its type and the text after it, then moves past it.
        private mutating func header() -> (type: UInt8, start: Int, end: Int) {
            let type = bytes[index]
            // Complete replies only (the scanner checked), so the line ends within the bytes.
            let end = RESP.lineEnd(bytes, from: index + 1, end: bytes.count)!
            defer { index = end + 2 }
            return (type, index + 1, end)
        }

        /// An array's element count (-1 for a null array); any other element reads as nil and is skipped.
        mutating func arrayCount() -> Int? {
            guard bytes[index] == UInt8(ascii: "*") else {
                skip()
                return nil
            }
            let line = header()
            return (try? RESP.integer(bytes, line.start, line.end)) ?? -1
        }

        /// A bulk string's bytes (nil for a null bulk or another type, which is skipped).
        mutating func bulk() -> UnsafeBufferPointer<UInt8>? {
            guard bytes[index] == UInt8(ascii: "$") else {
                skip()
                return nil
            }
            let line = header()
            let length = (try? RESP.integer(bytes, line.start, line.end)) ?? -1
            guard length >= 0 else { return nil }
            defer { index += length + 2 }
            return UnsafeBufferPointer(rebasing: bytes[index..<index + length])
        }

        /// Skips one element, arrays with everything in them.
        mutating func skip() {
            var remaining = 1
            while remaining > 0 {
                remaining -= 1
                let line = header()
                let value = (try? RESP.integer(bytes, line.start, line.end)) ?? -1
                switch line.type {
                case UInt8(ascii: "$"): if value >= 0 { index += value + 2 }
                case UInt8(ascii: "*"): if value > 0 { remaining += value }
                default: break
                }
            }
        }

        /// The next element as a `RedisReply`.
        mutating func reply() -> RedisReply {
            let line = header()
            let text = UnsafeBufferPointer(rebasing: bytes[line.start..<line.end])
            switch line.type {
            case UInt8(ascii: "+"): return .status(String(decoding: text, as: UTF8.self))
            case UInt8(ascii: "-"): return .error(String(decoding: text, as: UTF8.self))
            case UInt8(ascii: ":"): return .integer(Int64((try? RESP.integer(bytes, line.start, line.end)) ?? 0))
            case UInt8(ascii: "$"):
                let length = (try? RESP.integer(bytes, line.start, line.end)) ?? -1
                guard length >= 0 else { return .null }
                defer { index += length + 2 }
                return .bulk(Array(UnsafeBufferPointer(rebasing: bytes[index..<index + length])))
            case UInt8(ascii: "*"):
                let count = (try? RESP.integer(bytes, line.start, line.end)) ?? -1
                guard count >= 0 else { return .null }
                var elements: [RedisReply] = []
                elements.reserveCapacity(count)
                for _ in 0..<count { elements.append(reply()) }
                return .array(elements)
            default:
                return .null
            }
        }

        /// The text of an error reply at the cursor (without moving), nil for any other reply.
        var errorMessage: String? {
            guard bytes[index] == UInt8(ascii: "-"), let end = RESP.lineEnd(bytes, from: index + 1, end: bytes.count) else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]), as: UTF8.self)
        }
    }
}

/// Replies to one request, as the bytes Redis sent: parse them (`parsed()`), or read what you
/// need from them in place (`forEachStreamEntry`), which is what the bus does per message.
public struct RedisReplies: Sendable {
    /// The RESP bytes of `count` complete replies.
    public let bytes: [UInt8]
    public let count: Int
    /// Whether a top-level reply is an error (known from the scan, so checking costs nothing).
    public let hasError: Bool

    init(bytes: [UInt8], count: Int, hasError: Bool) {
        self.bytes = bytes
        self.count = count
        self.hasError = hasError
    }

    /// The replies as values, in order.
    public func parsed() -> [RedisReply] {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = RESP.Cursor(buffer)
            var result: [RedisReply] = []
            result.reserveCapacity(count)
            for _ in 0..<count { result.append(cursor.reply()) }
            return result
        }
    }

    /// The first error reply's text, if any reply is an error.
    public var firstError: String? {
        guard hasError else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var cursor = RESP.Cursor(buffer)
            for _ in 0..<count {
                if let message = cursor.errorMessage { return message }
                cursor.skip()
            }
            return nil
        }
    }

    /// Calls `body` with each reply's position and value, for replies that are integers
    /// (`EXISTS`, `XACK`); any other reply reads as nil.
    public func forEachInteger(_ body: (Int, Int64?) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            var cursor = RESP.Cursor(buffer)
            for index in 0..<count {
                guard !cursor.atEnd else { return }
                if cursor.type == UInt8(ascii: ":") {
                    try body(index, cursor.reply().integer)
                } else {
                    cursor.skip()
                    try body(index, nil)
                }
            }
        }
    }

    /// One entry of an `XREADGROUP`/`XREAD` reply, valid only inside the closure it is passed to.
    public struct StreamEntryView {
        /// Which stream of the reply (0 for the first stream listed), and its name's bytes.
        public let streamIndex: Int
        public let stream: UnsafeBufferPointer<UInt8>
        public let id: UnsafeBufferPointer<UInt8>
        /// The entry's field/value list, nil for an entry deleted while pending (no fields).
        let fields: UnsafeBufferPointer<UInt8>?
        let fieldCount: Int

        /// The value of `name`, nil when the entry has no such field.
        public func value(of name: StaticString) -> UnsafeBufferPointer<UInt8>? {
            guard let fields else { return nil }
            var cursor = RESP.Cursor(fields)
            for _ in 0..<(fieldCount / 2) {
                let key = cursor.bulk()
                let value = cursor.bulk()
                if let key, name.withUTF8Buffer({ $0.elementsEqual(key) }) { return value }
            }
            return nil
        }

        /// Whether the entry has no fields: it was trimmed from the stream while pending.
        public var isDeleted: Bool { fields == nil || fieldCount == 0 }

        /// A copy as a `StreamEntry` (for the rare paths that keep an entry: dead letters).
        public var entry: StreamEntry {
            var copy = StreamEntry(id: String(decoding: id, as: UTF8.self), fields: [:])
            guard let fields else { return copy }
            var cursor = RESP.Cursor(fields)
            for _ in 0..<(fieldCount / 2) {
                let key = cursor.bulk()
                let value = cursor.bulk()
                if let key { copy.fields[String(decoding: key, as: UTF8.self)] = value.map(Array.init) ?? [] }
            }
            return copy
        }
    }

    /// Calls `body` with each entry of the first reply, an `XREADGROUP`/`XREAD` reply (streams,
    /// each with its entries; a timed-out block is null: no entries).
    public func forEachStreamEntry(_ body: (StreamEntryView) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            guard !buffer.isEmpty else { return }
            var cursor = RESP.Cursor(buffer)
            guard let streams = cursor.arrayCount(), streams > 0 else { return }
            for streamIndex in 0..<streams {
                guard cursor.arrayCount() == 2, let name = cursor.bulk(), let entries = cursor.arrayCount(), entries > 0 else { continue }
                for _ in 0..<entries {
                    guard cursor.arrayCount() == 2, let id = cursor.bulk() else { continue }
                    let start = cursor.index
                    let fieldCount = cursor.arrayCount() ?? -1
                    if fieldCount <= 0 {
                        try body(StreamEntryView(streamIndex: streamIndex, stream: name, id: id, fields: nil, fieldCount: 0))
                        continue
                    }
                    let fieldsStart = cursor.index
                    cursor.index = start
                    cursor.skip()
                    let fields = UnsafeBufferPointer(rebasing: buffer[fieldsStart..<cursor.index])
                    try body(StreamEntryView(streamIndex: streamIndex, stream: name, id: id, fields: fields, fieldCount: fieldCount))
                }
            }
        }
    }
}
