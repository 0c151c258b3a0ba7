#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pull reader of JSON over bytes, for the envelope codec: values are read straight into the
/// fields they become, keys in any order, unknown keys skipped (docs/messages.md: readers accept
/// any key order and ignore keys they do not know).
///
/// The bytes must outlive the reader; it never copies them except into the strings it returns.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A reader that starts at `start`, where an earlier pass found a value it skipped.
    init(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) {
        self.bytes = bytes
        index = start
    }

    // MARK: Structure

    /// Reads an object, calling `member` with each key; `member` reads the value and returns true,
    /// or returns false to have it skipped (a key it does not know).
    mutating func object(at path: @autoclosure () -> String, _ member: (inout JSONReader, JSONKey) throws(JSONReadError) -> Bool) throws(JSONReadError) {
        try expect(UInt8(ascii: "{"), path(), "an object")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error(path(), "a key in quotes") }
            let key = try self.key(at: path())
            try expect(UInt8(ascii: ":"), path(), "':' after the key '\(key)'")
            skipWhitespace()
            if try !member(&self, key) { try skipValue(at: path()) }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw error(path(), "',' or '}' after the value of '\(key)'")
            }
        }
    }

    /// Reads an array, calling `element` for each element (which reads it).
    mutating func array(at path: @autoclosure () -> String, _ element: (inout JSONReader) throws(JSONReadError) -> Void) throws(JSONReadError) {
        try expect(UInt8(ascii: "["), path(), "an array")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw error(path(), "',' or ']' between elements")
            }
        }
    }

    /// Skips one value of any kind, checking only what it must to find its end.
    mutating func skipValue(at path: @autoclosure () -> String) throws(JSONReadError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "{"):
            try object(at: path()) { _, _ in false }
        case UInt8(ascii: "["):
            try array(at: path()) { (reader: inout JSONReader) throws(JSONReadError) in try reader.skipValue(at: path()) }
        case UInt8(ascii: "\""):
            try skipString(at: path())
        case UInt8(ascii: "t"): try literal("true", path())
        case UInt8(ascii: "f"): try literal("false", path())
        case UInt8(ascii: "n"): try literal("null", path())
        default:
            _ = try numberToken(at: path())
        }
    }

    /// Whether the next value is `null`; if so it is consumed.
    mutating func takeNull() -> Bool {
        skipWhitespace()
        guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    /// Whether anything but whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    // MARK: Values

    mutating func string(at path: @autoclosure () -> String) throws(JSONReadError) -> String {
        try expect(UInt8(ascii: "\""), path(), "a string")
        let start = index
        // The common case, no escapes: the text is the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error(path(), "no control character inside a string") }
            index += 1
        }
        var text = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try unescape(into: &text, path())
            case 0..<0x20:
                throw error(path(), "no control character inside a string")
            default:
                text.append(byte)
            }
        }
        throw error(path(), "a closing quote")
    }

    /// A key, as the bytes between its quotes when it has no escapes (every key Stratum writes).
    private mutating func key(at path: @autoclosure () -> String) throws(JSONReadError) -> JSONKey {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            index = end + 1
            return JSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), unescaped: nil)
        }
        return JSONKey(bytes: UnsafeBufferPointer(start: nil, count: 0), unescaped: Array(try string(at: path()).utf8))
    }

    mutating func bool(at path: @autoclosure () -> String) throws(JSONReadError) -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "t"): try literal("true", path()); return true
        case UInt8(ascii: "f"): try literal("false", path()); return false
        default: throw error(path(), "true or false")
        }
    }

    /// A number, or one of the strings "NaN", "Infinity", "-Infinity" (non-finite values).
    mutating func double(at path: @autoclosure () -> String) throws(JSONReadError) -> Double {
        skipWhitespace()
        if peek() == UInt8(ascii: "\"") {
            switch try string(at: path()) {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            case let other: throw JSONReadError(path: path(), message: "a number, not the string '\(other)'")
            }
        }
        let token = try numberToken(at: path())
        return try token.double(path())
    }

    /// An integer of type `T`; a number with a fraction or exponent is accepted when it is a whole
    /// number in range (`1e3`, `2.0`), as `JSONDecoder` accepts it.
    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, at path: @autoclosure () -> String) throws(JSONReadError) -> T {
        skipWhitespace()
        let token = try numberToken(at: path())
        if token.isInteger, let value = token.integer(T.self) { return value }
        let value = try token.double(path())
        guard value == value.rounded(.towardZero), let exact = T(exactly: value) else {
            throw JSONReadError(path: path(), message: "a whole number that fits \(T.self), not \(token.text)")
        }
        return exact
    }

    // MARK: Numbers

    /// The text of one JSON number: `-? digits (. digits)? ([eE] [+-]? digits)?`.
    struct NumberToken {
        var bytes: UnsafeBufferPointer<UInt8>
        var negative: Bool
        /// The digits before the point (all of them for an integer).
        var integerDigits: Range<Int>
        var isInteger: Bool

        var text: String { String(decoding: bytes, as: UTF8.self) }

        func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            var magnitude: UInt64 = 0
            for index in integerDigits {
                let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] &- UInt8(ascii: "0")))
                if overflow1 || overflow2 { return nil }
                magnitude = sum
            }
            if negative {
                guard T.isSigned else { return magnitude == 0 ? 0 : nil }
                guard magnitude <= UInt64(T.max) + 1 else { return nil }
                return magnitude == UInt64(T.max) + 1 ? T.min : 0 - T(magnitude)
            }
            return T(exactly: magnitude)
        }

        /// The nearest double: exact by one IEEE operation when the digits fit 2^53 and the power
        /// of ten is at most 10^22 (both exact doubles), else the standard library's parser.
        func double(_ path: @autoclosure () -> String) throws(JSONReadError) -> Double {
            var mantissa: UInt64 = 0
            var digits = 0
            var exponent = 0
            var index = integerDigits.lowerBound
            var fast = true
            while index < bytes.count, bytes[index] != UInt8(ascii: "e"), bytes[index] != UInt8(ascii: "E") {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    index += 1
                    continue
                }
                if index > integerDigits.upperBound { exponent -= 1 }
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                if digits > 19 { fast = false; break }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                index += 1
            }
            if fast, index < bytes.count {
                // The exponent part.
                index += 1
                var sign = 1
                if bytes[index] == UInt8(ascii: "-") { sign = -1; index += 1 } else if bytes[index] == UInt8(ascii: "+") { index += 1 }
                var value = 0
                while index < bytes.count {
                    value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    if value > 1_000 { fast = false; break }
                    index += 1
                }
                exponent += sign * value
            }
            if fast, mantissa <= 1 << 53, (-22...22).contains(exponent) {
                var value = Double(mantissa)
                if exponent < 0 { value /= Self.powersOfTen[-exponent] } else if exponent > 0 { value *= Self.powersOfTen[exponent] }
                return negative ? -value : value
            }
            guard let value = Double(text) else { throw JSONReadError(path: path(), message: "a number, not \(text)") }
            return value
        }

        static let powersOfTen: [Double] = (0...22).map { exponent in
            var value = 1.0
            for _ in 0..<exponent { value *= 10 }
            return value
        }
    }

    mutating func numberToken(at path: @autoclosure () -> String) throws(JSONReadError) -> NumberToken {
        skipWhitespace()
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        try digits(path())
        let integerEnd = index
        // JSON has no leading zeros ("01").
        if integerEnd - digitsStart > 1, bytes[digitsStart] == UInt8(ascii: "0") { throw error(path(), "a number without leading zeros") }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try digits(path())
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            try digits(path())
        }
        return NumberToken(bytes: UnsafeBufferPointer(rebasing: bytes[start..<index]), negative: negative,
                           integerDigits: (digitsStart - start)..<(integerEnd - start), isInteger: isInteger)
    }

    private mutating func digits(_ path: @autoclosure () -> String) throws(JSONReadError) {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        if index == start { throw error(path(), "a number") }
    }

    // MARK: Helpers

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ path: @autoclosure () -> String, _ what: @autoclosure () -> String) throws(JSONReadError) {
        skipWhitespace()
        guard peek() == byte else { throw error(path(), what()) }
        index += 1
    }

    private mutating func literal(_ word: StaticString, _ path: @autoclosure () -> String) throws(JSONReadError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              word.withUTF8Buffer({ $0.elementsEqual(UnsafeBufferPointer(rebasing: bytes[index..<index + count])) }) else {
            throw error(path(), "a JSON value")
        }
        index += count
    }

    private mutating func skipString(at path: @autoclosure () -> String) throws(JSONReadError) {
        try expect(UInt8(ascii: "\""), path(), "a string")
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""): index += 1; return
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        throw error(path(), "a closing quote")
    }

    /// After a backslash: the escaped character, `\uXXXX` with surrogate pairs joined.
    private mutating func unescape(into text: inout [UInt8], _ path: @autoclosure () -> String) throws(JSONReadError) {
        guard let byte = peek() else { throw error(path(), "an escape after '\\'") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(path())
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by `\u` and a low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error(path(), "a low surrogate after \\u\(String(scalar, radix: 16))")
                }
                index += 2
                let low = try hex4(path())
                guard (0xDC00..<0xE000).contains(low) else { throw error(path(), "a low surrogate after \\u\(String(scalar, radix: 16))") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error(path(), "a valid \\u escape") }
            text.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw error(path(), "a valid escape, not '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func hex4(_ path: @autoclosure () -> String) throws(JSONReadError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(path(), "four hex digits after \\u") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(path(), "four hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func error(_ path: @autoclosure () -> String, _ expected: String) -> JSONReadError {
        let found = index < bytes.count ? "'\(Character(Unicode.Scalar(bytes[index])))' at byte \(index)" : "the end of the text at byte \(index)"
        return JSONReadError(path: path(), message: "expected \(expected), found \(found)")
    }
}

/// An object's key, matched against the names a reader knows without becoming a `String`:
/// `switch key { case "close": … }`.
struct JSONKey: CustomStringConvertible {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The key's text when it had escapes (so `bytes` are not its text).
    let unescaped: [UInt8]?

    static func ~= (name: StaticString, key: JSONKey) -> Bool {
        name.withUTF8Buffer { name in
            if let unescaped = key.unescaped { return name.elementsEqual(unescaped) }
            return name.count == key.bytes.count && memcmp(name.baseAddress!, key.bytes.baseAddress!, name.count) == 0
        }
    }

    static func == (key: JSONKey, name: StaticString) -> Bool { name ~= key }

    var description: String {
        unescaped.map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: bytes, as: UTF8.self)
    }
}

/// What is wrong, and where: `path()` names the field (`payload.bar.close`), empty for the envelope.
struct JSONReadError: Error {
    var path: String
    var message: String
    /// Whether `message` says a field is missing (it then reads on from the path: "'payload' lacks …").
    var isMissingField = false

    init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    static func missing(_ key: String, in path: String) -> JSONReadError {
        var error = JSONReadError(path: path, message: "lacks the field '\(key)' (docs/messages.md lists the fields)")
        error.isMissingField = true
        return error
    }
}
