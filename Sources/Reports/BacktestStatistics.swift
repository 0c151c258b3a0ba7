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
        let values = equity.map(\.equity)
        let timestamps = equity.map(\.timestamp)
        let first = values[0]
        let last = values[values.count - 1]
        let sampling = SamplingPeriod(timestamps: timestamps)
        let drawdown = Drawdown(equity: equity)

        start = timestamps[0]
        end = timestamps[timestamps.count - 1]
        durationMicros = end - start
        exposureTimePct = Self.exposure(of: trades, bars: equity.count)
        equityFinal = last
        equityPeak = values.max() ?? .nan
        commissions = PairwiseSum.sum(trades.map(\.fees))
        returnFraction = (last - first) / first * 100
        let entryClose = closes[firstTradingBar]
        buyAndHoldReturnPct = (closes[closes.count - 1] - entryClose) / entryClose * 100

        let annual = AnnualisedReturns(equity: equity, sampling: sampling)
        periodsPerYear = sampling.periodsPerYear
        annualReturnPct = annual.annualReturn * 100
        annualVolatilityPct = annual.annualVolatility * 100
        cagrPct = Self.cagr(first: first, last: last, durationMicros: durationMicros) * 100
        sharpeRatio = (annualReturnPct - riskFreeRate * 100) / Self.nanIfZero(annualVolatilityPct)
        sortinoRatio = (annual.annualReturn - riskFreeRate) / annual.annualDownsideDeviation
        calmarRatio = annual.annualReturn / Self.nanIfZero(drawdown.maximum)
        beta = Self.beta(equity: values, closes: closes)
        alphaPct = returnFraction - riskFreeRate * 100 - beta * (buyAndHoldReturnPct - riskFreeRate * 100)

        maxDrawdownPct = -drawdown.maximum * 100
        let depths = drawdown.periods.isEmpty
            // With no complete period backtesting.py averages whatever non-zero drawdown
            // there is (only a drawdown opening on the last bar can be left).
            ? drawdown.fractions.filter { $0 != 0 && !$0.isNaN }
            : drawdown.periods.map(\.depth)
        avgDrawdownPct = -PairwiseSum.mean(depths) * 100
        let drawdownDurations = drawdown.periods.map(\.durationMicros)
        maxDrawdownDurationMicros = drawdownDurations.max().map(sampling.roundedUp)
        avgDrawdownDurationMicros = sampling.roundedUpMean(drawdownDurations)

        let summary = TradeSummary(trades: trades)
        tradeCount = trades.count
        winRatePct = summary.winRate * 100
        bestTradePct = summary.bestReturn * 100
        worstTradePct = summary.worstReturn * 100
        avgTradePct = summary.geometricMeanReturn * 100
        let tradeDurations = trades.map { $0.exitTime - $0.entryTime }
        maxTradeDurationMicros = tradeDurations.max().map(sampling.roundedUp)
        avgTradeDurationMicros = sampling.roundedUpMean(tradeDurations)
        profitFactor = summary.profitFactor
        expectancyPct = summary.meanReturn * 100
        sqn = summary.sqn
        kellyCriterion = summary.kellyCriterion
    }

    /// Percent of bars covered by a closed trade, entry and exit bars included.
    private static func exposure(of trades: [TradeRecord], bars: Int) -> Double {
        var inMarket = [Bool](repeating: false, count: bars)
        for trade in trades {
            let from = Swift.max(trade.entryBar, 0)
            let through = Swift.min(trade.exitBar, bars - 1)
            if from <= through { for bar in from...through { inMarket[bar] = true } }
        }
        return Double(inMarket.count { $0 }) / Double(bars) * 100
    }

    /// Compound annual growth over calendar time, years of 365.25 days.
    ///
    /// Like backtesting.py, the duration counts whole seconds (microseconds are dropped).
    private static func cagr(first: Double, last: Double, durationMicros: Int64) -> Double {
        let days = UTCTime.floorDivide(durationMicros, UTCTime.microsPerDay)
        let seconds = (durationMicros - days * UTCTime.microsPerDay) / UTCTime.microsPerSecond
        let years = (Double(days) + Double(seconds) / 86_400) / 365.25
        guard years != 0 else { return .nan }
        return pow(last / first, 1 / years) - 1
    }

    /// Covariance of equity and market log returns over the market's variance, bar by bar.
    private static func beta(equity: [Double], closes: [Double]) -> Double {
        guard equity.count > 2 else { return .nan }
        let equityReturns = zip(equity.dropFirst(), equity).map { log($0 / $1) }
        let marketReturns = zip(closes.dropFirst(), closes).map { log($0 / $1) }
        return PairwiseSum.sampleCovariance(equityReturns, marketReturns)
            / PairwiseSum.sampleVariance(marketReturns)
    }

    /// backtesting.py divides by `x or nan`: a zero denominator gives NaN, not infinity.
    static func nanIfZero(_ value: Double) -> Double {
        value == 0 ? .nan : value
    }
}
