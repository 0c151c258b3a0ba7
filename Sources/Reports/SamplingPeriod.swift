/// How often the bars come, and what that means for annualising and rounding durations.
///
/// backtesting.py infers the bar period as the median spacing of the last 100 timestamps.
/// From it follow the calendar bucket that returns are measured over (day, week, month or
/// year), how many such periods make a year (252 trading days, or 365 when weekends carry
/// bars), and the unit durations are rounded up to.
struct SamplingPeriod: Sendable, Equatable {
    /// The calendar bucket that periodic returns are measured over.
    enum Bucket: Sendable, Equatable {
        case day, week, month, year

        /// A key that is equal for, and only for, timestamps in the same bucket.
        ///
        /// Weeks run Monday to Sunday (pandas' `W` = `W-SUN`, closed on the right, whose bins
        /// end on Sunday); months and years are calendar months and years, all in UTC.
        func key(_ micros: Int64) -> Int64 {
            let days = UTCTime.dayNumber(micros)
            switch self {
            case .day: return days
            case .week: return UTCTime.floorDivide(days + 3, 7)
            case .month:
                let date = UTCTime.civilDate(days)
                return date.year * 12 + date.month
            case .year: return UTCTime.civilDate(days).year
            }
        }
    }

    var bucket: Bucket
    /// Buckets per year used to annualise returns.
    var periodsPerYear: Double
    /// Durations are rounded up to a whole multiple of this many microseconds.
    var roundingUnitMicros: Int64

    init(timestamps: [Int64]) {
        self.init(lastTimestamps: Array(timestamps.suffix(100)), weekendBars: timestamps.count { UTCTime.weekday($0) >= 5 },
                  count: timestamps.count)
    }

    /// The period of a series known by its last 100 timestamps, how many of its bars fall on a
    /// weekend and its length: all that the inference reads, so a streamed curve need not be kept.
    init(lastTimestamps tail: [Int64], weekendBars: Int, count: Int) {
        let spacings = zip(tail.dropFirst(), tail).map { Double($0 - $1) }.sorted()
        let median: Double
        if spacings.isEmpty {
            median = .nan
        } else if spacings.count % 2 == 1 {
            median = spacings[spacings.count / 2]
        } else {
            median = (spacings[spacings.count / 2 - 1] + spacings[spacings.count / 2]) / 2
        }

        let wholeDays = median.isFinite ? Int64((median / Double(UTCTime.microsPerDay)).rounded(.down)) : 0
        let haveWeekends = Double(weekendBars) / Double(max(count, 1)) > 2.0 / 7.0 * 0.6
        switch wholeDays {
        case 7: (bucket, periodsPerYear) = (.week, 52)
        case 31: (bucket, periodsPerYear) = (.month, 12)
        case 365: (bucket, periodsPerYear) = (.year, 1)
        default: (bucket, periodsPerYear) = (.day, haveWeekends ? 365 : 252)
        }
        roundingUnitMicros = Self.resolution(of: median)
    }

    /// The coarsest unit (day, hour, minute, second, millisecond, microsecond) that divides
    /// the spacing: pandas' `Timedelta.resolution_string`, the finest non-zero component.
    private static func resolution(of spacingMicros: Double) -> Int64 {
        let units: [Int64] = [UTCTime.microsPerDay, 3_600_000_000, 60_000_000, 1_000_000, 1_000, 1]
        guard spacingMicros.isFinite, spacingMicros == spacingMicros.rounded() else { return 1 }
        let spacing = Int64(spacingMicros)
        return units.first { spacing % $0 == 0 } ?? 1
    }

    /// `micros` rounded up to a whole rounding unit, as backtesting.py reports durations.
    func roundedUp(_ micros: Int64) -> Int64 {
        let unit = roundingUnitMicros
        return -UTCTime.floorDivide(-micros, unit) * unit
    }

    /// The mean of `durations` rounded up to a whole rounding unit; nil when there are none.
    ///
    /// Works on the exact rational mean so that a mean of whole days stays whole.
    func roundedUpMean(_ durations: [Int64]) -> Int64? {
        guard !durations.isEmpty else { return nil }
        return roundedUpMean(total: durations.reduce(0, +), count: durations.count)
    }

    /// The mean of `count` durations adding up to `total`, rounded up to a whole rounding unit.
    func roundedUpMean(total: Int64, count: Int) -> Int64 {
        let divisor = Int64(count) * roundingUnitMicros
        return -UTCTime.floorDivide(-total, divisor) * roundingUnitMicros
    }
}
