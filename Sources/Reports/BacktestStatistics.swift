import Agents
import Foundation

/// The performance statistics of one backtest, defined as backtesting.py defines them.
///
/// Built from the run's equity curve (one mark per bar), its closed trades and the close
/// prices. Percentages are in percent (12.5 means 12.5 %), money in account currency,
/// times in microseconds since the Unix epoch (UTC) and durations in microseconds. A
/// statistic that is undefined for the run (no trades, no losing trade, a flat curve) is
/// NaN, or nil for durations, exactly where backtesting.py reports NaN or NaT.
/// docs/statistics.md gives every formula.
public struct BacktestStatistics: Sendable, Equatable {
    public var start: Int64
    public var end: Int64
    public var durationMicros: Int64
    /// Share of bars with an open position, counting entry and exit bars of closed trades.
    public var exposureTimePct: Double
    public var equityFinal: Double
    public var equityPeak: Double
    /// Fees of the closed trades.
    public var commissions: Double
    public var returnFraction: Double
    /// Return of holding the instrument from the first trading bar's close to the last close.
    public var buyAndHoldReturnPct: Double
    public var annualReturnPct: Double
    public var annualVolatilityPct: Double
    public var cagrPct: Double
    public var sharpeRatio: Double
    public var sortinoRatio: Double
    public var calmarRatio: Double
    public var alphaPct: Double
    public var beta: Double
    /// Deepest drawdown, negative (−25 means 25 % below the peak).
    public var maxDrawdownPct: Double
    /// Mean depth of the drawdown periods, negative.
    public var avgDrawdownPct: Double
    public var maxDrawdownDurationMicros: Int64?
    public var avgDrawdownDurationMicros: Int64?
    public var tradeCount: Int
    public var winRatePct: Double
    public var bestTradePct: Double
    public var worstTradePct: Double
    /// Geometric mean of the trade returns.
    public var avgTradePct: Double
    public var maxTradeDurationMicros: Int64?
    public var avgTradeDurationMicros: Int64?
    public var profitFactor: Double
    /// Arithmetic mean of the trade returns.
    public var expectancyPct: Double
    public var sqn: Double
    public var kellyCriterion: Double
    /// Periods per year used to annualise (252 or 365 for daily buckets, 52, 12 or 1).
    public var periodsPerYear: Double

    /// Computes the statistics of one run.
    ///
    /// - Parameters:
    ///   - equity: One point per bar, in time order, open positions marked at the close.
    ///   - trades: The closed trades; positions still open at the end count in the equity
    ///     curve but not here.
    ///   - closes: The instrument's close price for every bar of `equity`.
    ///   - firstTradingBar: The first bar the strategy could act on (its warm-up length);
    ///     buy & hold is measured from this bar's close.
    ///   - riskFreeRate: Annual risk-free rate as a fraction, for Sharpe, Sortino and alpha.
    /// - Throws: `StatisticsInputError` when the inputs do not describe one run.
    public init(
        equity: [EquityPoint], trades: [TradeRecord], closes: [Double],
        firstTradingBar: Int = 0, riskFreeRate: Double = 0
    ) throws(StatisticsInputError) {
        try StatisticsInputError.check(
            equity: equity, closes: closes, firstTradingBar: firstTradingBar)
        var accumulator = StatisticsAccumulator(firstTradingBar: firstTradingBar)
        for (point, close) in zip(equity, closes) { accumulator.add(timestamp: point.timestamp, equity: point.equity, close: close) }
        for trade in trades { accumulator.add(trade: trade) }
        self = try accumulator.statistics(riskFreeRate: riskFreeRate, clampFirstTradingBar: false)
    }

    /// Compound annual growth over calendar time, years of 365.25 days.
    ///
    /// Like backtesting.py, the duration counts whole seconds (microseconds are dropped).
    static func cagr(first: Double, last: Double, durationMicros: Int64) -> Double {
        let days = UTCTime.floorDivide(durationMicros, UTCTime.microsPerDay)
        let seconds = (durationMicros - days * UTCTime.microsPerDay) / UTCTime.microsPerSecond
        let years = (Double(days) + Double(seconds) / 86_400) / 365.25
        guard years != 0 else { return .nan }
        return pow(last / first, 1 / years) - 1
    }

    /// backtesting.py divides by `x or nan`: a zero denominator gives NaN, not infinity.
    static func nanIfZero(_ value: Double) -> Double {
        value == 0 ? .nan : value
    }
}
