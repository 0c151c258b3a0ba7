#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a decimal number straight from bytes, correctly rounded, without making a String.
///
/// The fast path (Clinger's): a decimal of at most 19 digits whose integer mantissa m is at most 2^53 and whose decimal exponent e lies in -22…22 is m × 10^e or
/// m ÷ 10^-e, one IEEE operation on two exactly representable numbers, hence correctly rounded.
/// Everything else (long mantissas, large exponents) goes to `strtod` on a copy of the bytes,
/// which is correctly rounded too. Prices and volumes in bar files nearly always take the
/// fast path.
enum DecimalParser {
    /// 10^exponent for 0…22, every one exactly representable as a Double. A switch over
    /// constants compiles to a table load, with no array or global to check on each call.
    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// Parses the number that starts at `start` and ends before `limit` or at the first byte
    /// that cannot continue it. Returns the value and the position after the number, or nil
    /// when no number starts there. The caller checks that the number fills its field.
    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>) -> (value: Double, end: UnsafePointer<UInt8>)? {
        var p = start
        var negative = false
        if p < limit && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
            negative = p.pointee == UInt8(ascii: "-")
            p += 1
        }
        // At most 19 digits cannot overflow 64 bits; longer numbers take the slow path below.
        var mantissa: UInt64 = 0
        let integerStart = p
        while p < limit {
            let digit = p.pointee &- UInt8(ascii: "0")
            if digit > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            p += 1
        }
        var digitCount = p - integerStart
        var fractionDigits = 0
        if p < limit && p.pointee == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            while p < limit {
                let digit = p.pointee &- UInt8(ascii: "0")
                if digit > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                p += 1
            }
            fractionDigits = p - fractionStart
            digitCount += fractionDigits
        }
        guard digitCount > 0 else { return nil }
        var exponent = 0
        if p < limit && (p.pointee | 0x20) == UInt8(ascii: "e") {
            guard let (value, end) = parseExponent(p + 1, limit) else { return nil }
            exponent = value
            p = end
        }
        let decimalExponent = exponent - fractionDigits
        if digitCount <= 19 && mantissa <= 1 << 53 && decimalExponent >= -22 && decimalExponent <= 22 {
            var value = Double(mantissa)
            if decimalExponent < 0 {
                value /= powerOfTen(-decimalExponent)
            } else if decimalExponent > 0 {
                value *= powerOfTen(decimalExponent)
            }
            return (negative ? -value : value, p)
        }
        return (correctlyRounded(start, p), p)
    }

    /// The exponent after `e`: optional sign, then at least one digit (capped to stay finite).
    private static func parseExponent(_ start: UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>) -> (Int, UnsafePointer<UInt8>)? {
        var p = start
        var negative = false
        if p < limit && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
            negative = p.pointee == UInt8(ascii: "-")
            p += 1
        }
        let digitsStart = p
        var value = 0
        while p < limit {
            let digit = p.pointee &- UInt8(ascii: "0")
            if digit > 9 { break }
            value = min(value * 10 + Int(digit), 100_000)
            p += 1
        }
        guard p > digitsStart else { return nil }
        return (negative ? -value : value, p)
    }

    /// `strtod` over a NUL-terminated copy of the number's bytes (already checked to be a
    /// plain decimal, so strtod's extras such as `inf`, `nan` and hex floats never reach it).
    private static func correctlyRounded(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            let bytes = UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self)
            buffer.baseAddress!.update(from: bytes, count: length)
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
