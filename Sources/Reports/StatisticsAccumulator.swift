import Agents
import Foundation

/// Builds ``BacktestStatistics`` from a run fed one equity point and one trade at a time, so a
/// backtest of any length needs no copy of its curve.
///
/// It keeps what the statistics read and nothing per bar: the running peak and drawdown
/// periods, the last equity of each UTC day (periodic returns), the last 100 timestamps and
/// the weekend count (the bar period), running co-moments of the equity's and the market's log
/// returns (Beta), and four numbers per closed trade. Every statistic is the one
/// ``BacktestStatistics/init(equity:trades:closes:firstTradingBar:riskFreeRate:)`` defines,
/// which is built on this type; only Beta sums its co-moments in a single pass (Welford's
/// update) where pandas takes two.
public struct StatisticsAccumulator: Sendable {
    /// The bar buy & hold is measured from (clamped to the last bar for shorter runs).
    public let firstTradingBar: Int
    public private(set) var count = 0
    fileprivate var start: Int64 = 0
    fileprivate var end: Int64 = 0
    fileprivate var firstEquity = Double.nan
    fileprivate var lastEquity = Double.nan
    fileprivate var peak = Double.nan
    fileprivate var drawdown = DrawdownTracker()
    fileprivate var days = DailyCloses()
    fileprivate var tail = [Int64]()
    fileprivate var tailHead = 0
    fileprivate var weekendBars = 0
    fileprivate var unordered: Int?
    fileprivate var entryClose = Double.nan
    fileprivate var lastClose = Double.nan
    fileprivate var previous: (equity: Double, close: Double)?
    fileprivate var comoments = Comoments()
    fileprivate var trades = ClosedTrades()

    public init(firstTradingBar: Int = 0) {
        self.firstTradingBar = firstTradingBar
    }

    /// Adds the next equity point and the instrument's close at it.
    ///
    /// - Returns: The point's drawdown fraction (0 at a peak, 0.25 when 25 % below it).
    @discardableResult
    public mutating func add(timestamp: Int64, equity: Double, close: Double) -> Double {
        if count == 0 {
            start = timestamp
            firstEquity = equity
            peak = equity
            tail.reserveCapacity(100)
        } else {
            if unordered == nil, timestamp <= end { unordered = count }
            if peak < equity { peak = equity }
        }
        if let previous {
            comoments.add(log(equity / previous.equity), log(close / previous.close))
        }
        previous = (equity, close)
        if count <= firstTradingBar { entryClose = close }
        lastClose = close
        end = timestamp
        lastEquity = equity
        if tail.count < 100 {
            tail.append(timestamp)
        } else {
            tail[tailHead] = timestamp
            tailHead = (tailHead + 1) % 100
        }
        if UTCTime.weekday(timestamp) >= 5 { weekendBars += 1 }
        days.add(timestamp: timestamp, equity: equity)
        count += 1
        return drawdown.add(timestamp: timestamp, equity: equity)
    }

    /// Adds a closed trade (positions still open at the end are not counted).
    public mutating func add(trade: TradeRecord) {
        trades.add(trade)
    }

    /// The statistics of what was added.
    ///
    /// - Parameter riskFreeRate: Annual risk-free rate as a fraction, for Sharpe, Sortino and alpha.
    /// - Throws: `StatisticsInputError` for no points or timestamps that do not increase; when
    ///   `clampFirstTradingBar` is false, also for a first trading bar past the last point.
    public func statistics(riskFreeRate: Double = 0, clampFirstTradingBar: Bool = true) throws(StatisticsInputError) -> BacktestStatistics {
        guard count > 0 else { throw .emptyEquityCurve }
        if !clampFirstTradingBar, firstTradingBar >= count || firstTradingBar < 0 { throw .firstTradingBarOutOfRange(firstTradingBar) }
        if let unordered { throw .timestampsNotIncreasing(atIndex: unordered) }
        let lastTimestamps = Array(tail[tailHead...] + tail[..<tailHead])
        let sampling = SamplingPeriod(lastTimestamps: lastTimestamps, weekendBars: weekendBars, count: count)
        return BacktestStatistics(
            accumulated: self, sampling: sampling, annual: AnnualisedReturns(days: days, sampling: sampling),
            riskFreeRate: riskFreeRate)
    }
}

extension BacktestStatistics {
    init(accumulated run: StatisticsAccumulator, sampling: SamplingPeriod, annual: AnnualisedReturns, riskFreeRate: Double) {
        start = run.start
        end = run.end
        durationMicros = end - start
        exposureTimePct = run.trades.exposure(bars: run.count)
        equityFinal = run.lastEquity
        equityPeak = run.peak
        commissions = PairwiseSum.sum(run.trades.fees)
        returnFraction = (run.lastEquity - run.firstEquity) / run.firstEquity * 100
        buyAndHoldReturnPct = (run.lastClose - run.entryClose) / run.entryClose * 100

        periodsPerYear = sampling.periodsPerYear
        annualReturnPct = annual.annualReturn * 100
        annualVolatilityPct = annual.annualVolatility * 100
        cagrPct = Self.cagr(first: run.firstEquity, last: run.lastEquity, durationMicros: durationMicros) * 100
        sharpeRatio = (annualReturnPct - riskFreeRate * 100) / Self.nanIfZero(annualVolatilityPct)
        sortinoRatio = (annual.annualReturn - riskFreeRate) / annual.annualDownsideDeviation
        let maximum = run.drawdown.maximum
        calmarRatio = annual.annualReturn / Self.nanIfZero(maximum)
        beta = run.count > 2 ? run.comoments.beta : .nan
        alphaPct = returnFraction - riskFreeRate * 100 - beta * (buyAndHoldReturnPct - riskFreeRate * 100)

        maxDrawdownPct = -maximum * 100
        let periods = run.drawdown.periods()
        // With no complete period backtesting.py averages whatever non-zero drawdown
        // there is (only a drawdown opening on the last bar can be left).
        let depths = periods.isEmpty ? run.drawdown.depthsWithoutPeriods() : periods.map(\.depth)
        avgDrawdownPct = -PairwiseSum.mean(depths) * 100
        let drawdownDurations = periods.map(\.durationMicros)
        maxDrawdownDurationMicros = drawdownDurations.max().map(sampling.roundedUp)
        avgDrawdownDurationMicros = sampling.roundedUpMean(drawdownDurations)

        let summary = TradeSummary(pnl: run.trades.pnl, returns: run.trades.returns)
        tradeCount = run.trades.pnl.count
        winRatePct = summary.winRate * 100
        bestTradePct = summary.bestReturn * 100
        worstTradePct = summary.worstReturn * 100
        avgTradePct = summary.geometricMeanReturn * 100
        maxTradeDurationMicros = run.trades.longestMicros.map(sampling.roundedUp)
        avgTradeDurationMicros = run.trades.pnl.isEmpty ? nil
            : sampling.roundedUpMean(total: run.trades.totalMicros, count: run.trades.pnl.count)
        profitFactor = summary.profitFactor
        expectancyPct = summary.meanReturn * 100
        sqn = summary.sqn
        kellyCriterion = summary.kellyCriterion
    }
}

/// Running co-moments of two series (Welford): the sample covariance over the second series'
/// sample variance.
struct Comoments: Sendable {
    private var count = 0.0
    private var meanX = 0.0
    private var meanY = 0.0
    private var cross = 0.0
    private var squaresY = 0.0

    mutating func add(_ x: Double, _ y: Double) {
        count += 1
        let deltaX = x - meanX
        meanX += deltaX / count
        let deltaY = y - meanY
        meanY += deltaY / count
        cross += deltaX * (y - meanY)
        squaresY += deltaY * (y - meanY)
    }

    /// Covariance over variance, both with one delta degree of freedom; NaN below two pairs.
    var beta: Double {
        guard count > 1 else { return .nan }
        return (cross / (count - 1)) / (squaresY / (count - 1))
    }
}

/// What the statistics read of each closed trade: money, return, fees, the bars it covered.
struct ClosedTrades: Sendable {
    private(set) var pnl: [Double] = []
    private(set) var returns: [Double] = []
    private(set) var fees: [Double] = []
    private var spans: [(from: Int, through: Int)] = []
    private(set) var totalMicros: Int64 = 0
    private(set) var longestMicros: Int64?

    mutating func add(_ trade: TradeRecord) {
        pnl.append(trade.pnl)
        returns.append(trade.returnFraction)
        fees.append(trade.fees)
        // Trades that touch or overlap the last span extend it (a reversal enters on the bar the
        // previous trade exits), so the spans stay few for the usual one-position-at-a-time run.
        if let last = spans.last, trade.entryBar <= last.through + 1, trade.exitBar >= last.from {
            spans[spans.count - 1] = (Swift.min(last.from, trade.entryBar), Swift.max(last.through, trade.exitBar))
        } else {
            spans.append((trade.entryBar, trade.exitBar))
        }
        let duration = trade.exitTime - trade.entryTime
        totalMicros += duration
        if let longest = longestMicros { if longest < duration { longestMicros = duration } } else { longestMicros = duration }
    }

    /// Percent of bars covered by a closed trade, entry and exit bars included.
    func exposure(bars: Int) -> Double {
        let clipped = spans.map { (Swift.max($0.from, 0), Swift.min($0.through, bars - 1)) }
            .filter { $0.0 <= $0.1 }.sorted { $0.0 < $1.0 }
        var covered = 0
        var reached = -1
        for (from, through) in clipped where through > reached {
            covered += through - Swift.max(from, reached + 1) + 1
            reached = through
        }
        return Double(covered) / Double(bars) * 100
    }
}
