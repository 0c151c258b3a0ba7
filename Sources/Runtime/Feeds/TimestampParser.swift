import Agents

/// Reads a bar timestamp straight from bytes: ISO 8601 dates and date-times, or epoch numbers.
///
/// Accepted (docs/data.md):
/// - `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f`
///   (1 to 9 fraction digits, non-zero only down to the microsecond), then optionally `Z` or
///   an offset `±HH:MM`, `±HHMM` or `±HH`. Without `Z` or an offset the time is local to the
///   source's time zone.
/// - A whole number of 9 to 11 digits is epoch seconds (1973 to 5138); of 12 to 14 digits,
///   epoch milliseconds. Shorter numbers are refused: an 8-digit `20240102` is far more likely
///   a compact date than a second of 1970.
enum TimestampParser {
    enum Problem: Sendable {
        case shape, month, day, hour, minute, second, fraction, offset, epochDigits

        /// The sentence an error message uses.
        var explanation: String {
            switch self {
            case .shape: "it is neither an ISO 8601 date or date-time nor an epoch number"
            case .month: "the month is not 01 to 12"
            case .day: "that day does not exist in that month"
            case .hour: "the hour is not 00 to 23"
            case .minute: "the minute is not 00 to 59"
            case .second: "the second is not 00 to 59"
            case .fraction: "the fraction of a second is finer than a microsecond"
            case .offset: "the UTC offset is not Z, ±HH, ±HHMM or ±HH:MM within ±18:00"
            case .epochDigits: "an epoch number must have 9 to 11 digits (seconds) or 12 to 14 (milliseconds)"
            }
        }
    }

    enum Outcome {
        /// Microseconds since the epoch: UTC when `isLocal` is false, wall-clock time otherwise.
        case parsed(microseconds: Int64, isLocal: Bool, end: UnsafePointer<UInt8>)
        case failed(Problem)
    }

    /// The last date seen and its day number: rows of intraday files share a date, so most
    /// rows skip the calendar arithmetic by comparing ten bytes.
    struct DateCache {
        var key: (UInt64, UInt16) = (0, 0)
        var day: Int64 = 0
    }

    @inline(__always)
    static func parse(_ start: UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>, cache: inout DateCache) -> Outcome {
        guard limit - start >= 10, start[4] == UInt8(ascii: "-") else { return parseEpoch(start, limit) }
        guard let day = parseDate(start, cache: &cache) else {
            return .failed(dateProblem(start))
        }
        var p = start + 10
        var microseconds = day * 86_400_000_000
        guard p < limit, p.pointee == UInt8(ascii: "T") || p.pointee == UInt8(ascii: " ") || p.pointee == UInt8(ascii: "t") else {
            return .parsed(microseconds: microseconds, isLocal: true, end: p)
        }
        p += 1
        switch parseTimeOfDay(&p, limit) {
        case .success(let timeOfDay): microseconds += timeOfDay
        case .failure(let problem): return .failed(problem.problem)
        }
        guard p < limit else { return .parsed(microseconds: microseconds, isLocal: true, end: p) }
        let marker = p.pointee
        if marker == UInt8(ascii: "Z") || marker == UInt8(ascii: "z") {
            return .parsed(microseconds: microseconds, isLocal: false, end: p + 1)
        }
        guard marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-") else {
            return .parsed(microseconds: microseconds, isLocal: true, end: p)
        }
        guard let offsetSeconds = parseOffset(&p, limit) else { return .failed(.offset) }
        return .parsed(microseconds: microseconds - offsetSeconds * 1_000_000, isLocal: false, end: p)
    }

    /// A `Problem` wrapped as an Error so time parsing can return `Result` without allocating.
    struct Failure: Error { var problem: Problem }

    @inline(__always)
    private static func digit(_ byte: UInt8) -> Int? {
        let value = byte &- UInt8(ascii: "0")
        return value <= 9 ? Int(value) : nil
    }

    @inline(__always)
    private static func twoDigits(_ p: UnsafePointer<UInt8>) -> Int? {
        guard let tens = digit(p[0]), let ones = digit(p[1]) else { return nil }
        return tens * 10 + ones
    }

    /// The day number of `YYYY-MM-DD` at `p` (ten bytes known to be there), or nil.
    @inline(__always)
    private static func parseDate(_ p: UnsafePointer<UInt8>, cache: inout DateCache) -> Int64? {
        let raw = UnsafeRawPointer(p)
        let key = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        if key == cache.key { return cache.day }
        guard let century = twoDigits(p), let yearOfCentury = twoDigits(p + 2), p[7] == UInt8(ascii: "-"),
              let month = twoDigits(p + 5), let day = twoDigits(p + 8),
              (1...12).contains(month) else { return nil }
        let year = century * 100 + yearOfCentury
        guard day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month) else { return nil }
        let result = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        cache = DateCache(key: key, day: result)
        return result
    }

    /// Why ten bytes that look like a date are not one.
    private static func dateProblem(_ p: UnsafePointer<UInt8>) -> Problem {
        guard twoDigits(p) != nil, twoDigits(p + 2) != nil, p[7] == UInt8(ascii: "-"),
              let month = twoDigits(p + 5), twoDigits(p + 8) != nil else { return .shape }
        return (1...12).contains(month) ? .day : .month
    }

    /// `HH:MM[:SS[.fraction]]` as microseconds after midnight, advancing `p`.
    @inline(__always)
    private static func parseTimeOfDay(_ p: inout UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>) -> Result<Int64, Failure> {
        guard limit - p >= 5, let hour = twoDigits(p), p[2] == UInt8(ascii: ":"), let minute = twoDigits(p + 3) else {
            return .failure(Failure(problem: .shape))
        }
        guard hour < 24 else { return .failure(Failure(problem: .hour)) }
        guard minute < 60 else { return .failure(Failure(problem: .minute)) }
        p += 5
        var second = 0
        if limit - p >= 3 && p.pointee == UInt8(ascii: ":") {
            guard let value = twoDigits(p + 1) else { return .failure(Failure(problem: .shape)) }
            guard value < 60 else { return .failure(Failure(problem: .second)) }
            second = value
            p += 3
        }
        var microseconds = Int64((hour * 60 + minute) * 60 + second) * 1_000_000
        if p < limit && p.pointee == UInt8(ascii: ".") {
            p += 1
            var fraction: Int64 = 0, digits = 0, finerThanMicrosecond = false
            while p < limit, let value = digit(p.pointee) {
                if digits < 6 { fraction = fraction * 10 + Int64(value) } else if value != 0 { finerThanMicrosecond = true }
                digits += 1
                p += 1
            }
            guard digits >= 1 && digits <= 9 else { return .failure(Failure(problem: .shape)) }
            guard !finerThanMicrosecond else { return .failure(Failure(problem: .fraction)) }
            for _ in digits..<max(digits, 6) { fraction *= 10 }
            microseconds += fraction
        }
        return .success(microseconds)
    }

    /// `±HH`, `±HHMM` or `±HH:MM` as signed seconds east of UTC, advancing `p`.
    private static func parseOffset(_ p: inout UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>) -> Int64? {
        let sign: Int64 = p.pointee == UInt8(ascii: "-") ? -1 : 1
        var q = p + 1
        guard limit - q >= 2, let hours = twoDigits(q) else { return nil }
        q += 2
        var minutes = 0
        if limit - q >= 3, q.pointee == UInt8(ascii: ":") {
            guard let value = twoDigits(q + 1) else { return nil }
            minutes = value
            q += 3
        } else if limit - q >= 2, let value = twoDigits(q) {
            minutes = value
            q += 2
        }
        guard minutes < 60, hours * 60 + minutes <= 18 * 60 else { return nil }
        p = q
        return sign * Int64(hours * 3600 + minutes * 60)
    }

    /// Epoch seconds or milliseconds, told apart by the number of digits.
    private static func parseEpoch(_ start: UnsafePointer<UInt8>, _ limit: UnsafePointer<UInt8>) -> Outcome {
        var p = start
        var value: Int64 = 0
        while p < limit, let d = digit(p.pointee), p - start < 15 {
            value = value * 10 + Int64(d)
            p += 1
        }
        let digits = p - start
        guard digits > 0 else { return .failed(.shape) }
        if p < limit, digit(p.pointee) != nil { return .failed(.epochDigits) }
        switch digits {
        case 9...11: return .parsed(microseconds: value * 1_000_000, isLocal: false, end: p)
        case 12...14: return .parsed(microseconds: value * 1_000, isLocal: false, end: p)
        default:
            // A date-shaped field shorter than ten bytes (`2024-1-2`) is a shape problem.
            return (p < limit && p.pointee == UInt8(ascii: "-")) || (p < limit && p.pointee == UInt8(ascii: "/")) ? .failed(.shape) : .failed(.epochDigits)
        }
    }
}
