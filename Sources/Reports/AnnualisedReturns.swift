import Foundation

/// Return and risk per year, from the equity's returns over calendar buckets.
///
/// The equity at the last bar of each day (or week, month, year, following the bar
/// spacing) gives one return per bucket. Annual figures compound the geometric mean
/// return over the periods of a year, treating returns as compounded rather than added,
/// which is backtesting.py's choice.
struct AnnualisedReturns: Sendable {
    /// (1 + g)^N − 1 for geometric mean g and N periods a year.
    let annualReturn: Double
    /// √((σ² + (1 + g)²)^N − (1 + g)^(2N)): the standard deviation of an N-period
    /// compounded return whose periods have mean g and sample variance σ².
    let annualVolatility: Double
    /// √(mean(min(r, 0)²)) · √N, the Sortino ratio's denominator.
    let annualDownsideDeviation: Double

    init(equity: [EquityPoint], sampling: SamplingPeriod) {
        var days = DailyCloses()
        for point in equity { days.add(timestamp: point.timestamp, equity: point.equity) }
        self.init(days: days, sampling: sampling)
    }

    /// From the last equity of each UTC day: every bucket (day, week, month, year) is a run of
    /// whole days, so its last equity is its last day's.
    init(days: DailyCloses, sampling: SamplingPeriod) {
        var closingEquity = [Double]()
        var currentKey: Int64?
        for day in days.closes {
            let key = sampling.bucket.key(day.timestamp)
            if key == currentKey {
                closingEquity[closingEquity.count - 1] = day.equity
            } else {
                closingEquity.append(day.equity)
                currentKey = key
            }
        }
        // Simple returns from one bucket's last equity to the next bucket's.
        let periodReturns = zip(closingEquity.dropFirst(), closingEquity).map { $0 / $1 - 1 }.filter { !$0.isNaN }

        let n = sampling.periodsPerYear
        let g = GeometricMean.of(periodReturns)
        annualReturn = pow(1 + g, n) - 1
        let variance = PairwiseSum.sampleVariance(periodReturns)
        annualVolatility = (pow(variance + pow(1 + g, 2), n) - pow(1 + g, 2 * n)).squareRoot()
        let downside = PairwiseSum.mean(periodReturns.map { Swift.min($0, 0) * Swift.min($0, 0) })
        annualDownsideDeviation = downside.squareRoot() * n.squareRoot()
    }
}

/// The last non-NaN equity of each UTC day, in time order: the part of a curve that periodic
/// returns read, a few thousand points for millions of minute bars.
struct DailyCloses: Sendable {
    private(set) var closes: [(timestamp: Int64, equity: Double)] = []
    private var day: Int64?

    mutating func add(timestamp: Int64, equity: Double) {
        guard !equity.isNaN else { return }
        let key = UTCTime.dayNumber(timestamp)
        if key == day {
            closes[closes.count - 1] = (timestamp, equity)
        } else {
            closes.append((timestamp, equity))
            day = key
        }
    }
}
