/// Compact JSON written straight into a byte buffer, exactly as Foundation's `JSONEncoder` writes
/// it with `.sortedKeys` and `.withoutEscapingSlashes` (docs/messages.md): the envelope codec's
/// output stays byte for byte what other programs and the documented examples expect, without the
/// encoder's boxing of every value.
///
/// Callers write keys in sorted order themselves; the writer only adds commas between members.
struct JSONWriter {
    var bytes: [UInt8]
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    /// A writer that appends to `buffer` (pass an emptied buffer to reuse its capacity).
    init(appendingTo buffer: [UInt8] = []) {
        bytes = buffer
    }

    // MARK: Structure

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `"name":`; the member's value follows. Names are the codec's own ASCII field names.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Values

    mutating func null() {
        separate()
        append("null")
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
        needsComma = true
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // The magnitude of the most negative value does not fit T; UInt64 holds every one we write.
            appendDigits(UInt64(value.magnitude))
        } else {
            appendDigits(UInt64(value))
        }
        needsComma = true
    }

    /// A finite number as Swift prints it (the shortest text that reads back as the same value)
    /// without a trailing `.0`, as `JSONEncoder` writes it; non-finite as the strings "NaN",
    /// "Infinity", "-Infinity" (the encoder's `convertToString` strategy the format documents).
    mutating func double(_ value: Double) {
        guard value.isFinite else {
            string(value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity")
            return
        }
        separate()
        // Whole numbers below 2^53 print as their digits: no text formatting needed.
        if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            if value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            appendDigits(UInt64(value.magnitude))
        } else {
            var text = value.description
            text.withUTF8 { utf8 in
                var count = utf8.count
                if count > 2, utf8[count - 2] == UInt8(ascii: "."), utf8[count - 1] == UInt8(ascii: "0") { count -= 2 }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[..<count]))
            }
        }
        needsComma = true
    }

    /// A string with `JSONEncoder`'s escapes: `"` and `\`, the short forms `\b \f \n \r \t`, other
    /// control characters as `\u00xx` (lower-case hex); everything else, `/` included, as is.
    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var text = value
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    // MARK: Helpers

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendDigits(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // At most 20 digits; written backwards into a small stack tuple, then copied in order.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = value
            var index = scratch.count
            while remaining > 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[index...]))
        }
    }
}
