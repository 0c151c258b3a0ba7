import Foundation

/// Where to put gridlines and labels on a chart's axes, and what to write there.
///
/// Values get "nice" steps (1, 2 or 5 times a power of ten); times get calendar steps
/// (minutes up to decades) aligned to whole units in UTC, labelled only as finely as
/// the step needs (`2005`, `2005-03`, `2005-03-14`, `03-14 12:00`).
enum AxisTicks {
    struct Tick: Equatable {
        var position: Double
        var label: String
    }

    /// About `target` ticks spanning `low…high`.
    static func values(low: Double, high: Double, target: Int = 6) -> [Tick] {
        guard low.isFinite, high.isFinite else { return [] }
        let span = high > low ? high - low : max(abs(high), 1)
        let raw = span / Double(max(target, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let decimals = max(0, -Int((log10(step)).rounded(.down)))
        // Whole multiples of the step, counted as integers so that 0.05-steps land on 0.3.
        let first = Int((low / step - 1e-9).rounded(.up))
        let last = Int((high / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        return (first...last).map { multiple in
            let value = Double(multiple) * step
            return Tick(position: value, label: ValueText.readable(value, decimals: decimals))
        }
    }

    /// Calendar-aligned ticks spanning `start…end` (microseconds UTC), about `target` of them.
    static func times(start: Int64, end: Int64, target: Int = 8) -> [Tick] {
        let span = max(end - start, 1)
        let minute: Int64 = 60_000_000
        let hour = 60 * minute
        let day = UTCTime.microsPerDay
        let fixed: [Int64] = [minute, 5 * minute, 15 * minute, 30 * minute, hour, 3 * hour, 6 * hour,
                              12 * hour, day, 2 * day, 7 * day, 14 * day]
        if let step = fixed.first(where: { span / $0 <= Int64(target) }) {
            var ticks = [Tick]()
            var at = -UTCTime.floorDivide(-start, step) * step
            while at <= end {
                ticks.append(Tick(position: Double(at), label: label(at, dayStep: step >= day)))
                at += step
            }
            return ticks
        }
        let months = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200].first {
            span / (Int64($0) * 30 * day) <= Int64(target)
        } ?? 1200
        var date = UTCTime.civilDate(UTCTime.dayNumber(start))
        var monthIndex = date.year * 12 + date.month - 1
        monthIndex = -UTCTime.floorDivide(-monthIndex, Int64(months)) * Int64(months)
        var ticks = [Tick]()
        while true {
            date = (UTCTime.floorDivide(monthIndex, 12), UTCTime.floorModulo(monthIndex, 12) + 1, 1)
            let at = UTCTime.dayNumber(year: date.year, month: date.month, day: 1) * day
            if at > end { break }
            if at >= start {
                let text = months >= 12 ? "\(date.year)" : String(format: "%lld-%02lld", date.year, date.month)
                ticks.append(Tick(position: Double(at), label: text))
            }
            monthIndex += Int64(months)
        }
        return ticks
    }

    private static func label(_ micros: Int64, dayStep: Bool) -> String {
        let c = UTCTime.civil(micros)
        return dayStep
            ? String(format: "%lld-%02lld-%02lld", c.year, c.month, c.day)
            : String(format: "%02lld-%02lld %02lld:%02lld", c.month, c.day, c.hour, c.minute)
    }
}
