public import Foundation

/// Converts between wall-clock time in one IANA time zone and UTC, in microseconds.
///
/// Foundation answers "what is the offset at this instant", which costs a lookup in the zone's
/// rules. Bars arrive in time order, so the offset is cached per local day: one pair of lookups
/// per day, and a per-bar lookup only on the day a daylight-saving change happens.
///
/// Times that the change skips or repeats are resolved one fixed way (docs/data.md):
/// a skipped local time (02:30 on a spring-forward day in New York) is read with the offset in
/// force before the change, so it lands one hour later in the new offset (03:30 daylight time);
/// a repeated local time (01:30 on a fall-back day) is its first occurrence (daylight time).
public struct ZonedClock: Sendable {
    public static let microsecondsPerDay: Int64 = 86_400_000_000

    public let timeZone: TimeZone
    /// A zone with a fixed offset skips every lookup.
    private let fixedOffsetSeconds: Int64?

    private var localDayOfCache: Int64 = .min
    private var localDayOffsetSeconds: Int64 = 0
    private var localDayIsUniform = false

    private var utcRangeStart: Int64 = 0
    private var utcRangeEnd: Int64 = 0
    private var utcRangeLocalDay: Int64 = 0

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        // Only zones that are UTC by name are taken as fixed: a zone without daylight saving today
        // may have changed its offset in the past (Moscow did in 2011 and 2014).
        let fixed = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(timeZone.identifier)
        fixedOffsetSeconds = fixed ? Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))) : nil
    }

    /// The UTC instant of a local wall-clock time, both in microseconds since the epoch.
    @inline(__always)
    public mutating func utcMicroseconds(fromLocal local: Int64) -> Int64 {
        if let fixedOffsetSeconds { return local - fixedOffsetSeconds * 1_000_000 }
        let day = Self.floorDivide(local, Self.microsecondsPerDay)
        if day != localDayOfCache { cacheLocalDay(day) }
        if localDayIsUniform { return local - localDayOffsetSeconds * 1_000_000 }
        let seconds = Self.floorDivide(local, 1_000_000)
        return local - offsetSeconds(forLocalSeconds: seconds) * 1_000_000
    }

    /// The local calendar day (days since 1970-01-01) that contains a UTC instant.
    @inline(__always)
    public mutating func localDay(ofUTC utc: Int64) -> Int64 {
        if utc >= utcRangeStart && utc < utcRangeEnd { return utcRangeLocalDay }
        let offset = fixedOffsetSeconds ?? Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.floorDivide(utc, 1_000_000)))))
        let day = Self.floorDivide(utc + offset * 1_000_000, Self.microsecondsPerDay)
        let start = utcMicroseconds(fromLocal: day * Self.microsecondsPerDay)
        let end = utcMicroseconds(fromLocal: (day + 1) * Self.microsecondsPerDay)
        if utc >= start && utc < end {
            (utcRangeStart, utcRangeEnd, utcRangeLocalDay) = (start, end, day)
        }
        return day
    }

    /// The local wall-clock time of a UTC instant, in microseconds since the epoch.
    public func localMicroseconds(fromUTC utc: Int64) -> Int64 {
        let offset = fixedOffsetSeconds ?? Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.floorDivide(utc, 1_000_000)))))
        return utc + offset * 1_000_000
    }

    private mutating func cacheLocalDay(_ day: Int64) {
        let startSeconds = day * 86_400
        let atStart = offsetSeconds(forLocalSeconds: startSeconds)
        let atEnd = offsetSeconds(forLocalSeconds: startSeconds + 86_399)
        localDayOfCache = day
        localDayOffsetSeconds = atStart
        localDayIsUniform = atStart == atEnd
    }

    /// The zone's offset for a local wall-clock second, with the skipped/repeated rule above.
    private func offsetSeconds(forLocalSeconds local: Int64) -> Int64 {
        func offset(atUTC seconds: Int64) -> Int64 {
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
        }
        let guess = offset(atUTC: local)
        let first = offset(atUTC: local - guess)
        if first == guess { return guess }
        let second = offset(atUTC: local - first)
        // Agreement means `first` is consistent; otherwise the local time was skipped and
        // `second` is the offset before the change.
        return second == first ? first : second
    }

    @inline(__always)
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient
    }
}
