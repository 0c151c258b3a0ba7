public import Foundation
public import StrategyDSL

/// Finds the bars missing between consecutive timestamps, against the interval and a calendar.
///
/// Three regimes, chosen by the interval:
/// - **Daily** (interval of exactly one day): every local trading day of the calendar between
///   two bars is missing, at the previous bar's local time of day. Weekends and, for `nyse`,
///   exchange closures are not gaps.
/// - **Intraday** (shorter than a day): with calendar `always` every interval step between two
///   bars is expected; with `weekdays` or `nyse` only steps within one local day (one session)
///   are, so the night and the weekend between sessions are not gaps.
/// - **Longer than a day** (weekly bars): a bar every interval, without a calendar.
///
/// On a time grid a step counts as missing when it lies at least half an interval before the
/// next bar, so a weekly bar dated a day late after a holiday is not a gap.
public struct GapDetector: Sendable {
    public let intervalMicroseconds: Int64
    public let calendar: DataSourceSpec.Calendar
    /// Missing bars found so far.
    public private(set) var missingBars = 0
    /// Places where at least one bar was missing so far.
    public private(set) var gaps = 0

    private var tradingDays: TradingCalendar
    private var clock: ZonedClock
    private var previous: Int64?

    public init(intervalMicroseconds: Int64, calendar: DataSourceSpec.Calendar, timeZone: TimeZone) {
        self.intervalMicroseconds = max(1, intervalMicroseconds)
        self.calendar = calendar
        tradingDays = TradingCalendar(calendar)
        clock = ZonedClock(timeZone: timeZone)
    }

    /// Records a bar time that is the first or at most one interval after the previous one, and
    /// returns true: nothing can be missing before it. Otherwise returns false, recording
    /// nothing; `observe` then finds what is missing. Most bars are settled here, without the
    /// calendar and its time zone.
    @inline(__always)
    public mutating func followsOnTime(_ timestamp: Int64) -> Bool {
        guard let previous else {
            if timestamp > .min { self.previous = timestamp }
            return true
        }
        guard timestamp - previous <= intervalMicroseconds else { return false }
        if timestamp > previous { self.previous = timestamp }
        return true
    }

    /// The last bar time recorded, nil before the first.
    var lastRecorded: Int64? { previous }

    /// Records the last of a run of bar times that each followed the one before within one
    /// interval and after it (`followsOnTime` true for each): only the last one is kept.
    mutating func recordOnTime(through timestamp: Int64) {
        previous = timestamp
    }

    /// Records a bar time (UTC µs) and returns the times of the bars missing before it, oldest
    /// first; empty for the first bar, for a bar that follows on time, and for a time that is
    /// not after the previous one (the reader refuses those).
    public mutating func observe(_ timestamp: Int64) -> [Int64] {
        defer { if timestamp > previous ?? .min { previous = timestamp } }
        guard let previous, timestamp - previous > intervalMicroseconds else { return [] }
        let missing: [Int64]
        if intervalMicroseconds == ZonedClock.microsecondsPerDay {
            missing = missingTradingDays(after: previous, before: timestamp)
        } else if intervalMicroseconds < ZonedClock.microsecondsPerDay && calendar != .always
            && clock.localDay(ofUTC: previous) != clock.localDay(ofUTC: timestamp) {
            missing = []
        } else {
            missing = missingSteps(after: previous, before: timestamp)
        }
        if !missing.isEmpty {
            gaps += 1
            missingBars += missing.count
        }
        return missing
    }

    private func missingSteps(after previous: Int64, before timestamp: Int64) -> [Int64] {
        var missing: [Int64] = []
        var step = previous + intervalMicroseconds
        while step <= timestamp - intervalMicroseconds / 2 {
            missing.append(step)
            step += intervalMicroseconds
        }
        return missing
    }

    private mutating func missingTradingDays(after previous: Int64, before timestamp: Int64) -> [Int64] {
        let day = ZonedClock.microsecondsPerDay
        let previousDay = clock.localDay(ofUTC: previous)
        let currentDay = clock.localDay(ofUTC: timestamp)
        guard currentDay > previousDay + 1 else { return [] }
        let timeOfDay = clock.localMicroseconds(fromUTC: previous) - previousDay * day
        var missing: [Int64] = []
        for candidate in (previousDay + 1)..<currentDay where tradingDays.isTradingDay(candidate) {
            missing.append(clock.utcMicroseconds(fromLocal: candidate * day + timeOfDay))
        }
        return missing
    }
}
