import Agents
/// Statistics of the closed trades' outcomes, taken one trade at a time.
///
/// Win rate, SQN and Kelly look at profit in money (`pnl`); best, worst, average,
/// profit factor and expectancy look at each trade's return (`returnFraction`), so a large
/// trade weighs no more than a small one there. Each is NaN where backtesting.py's is:
/// no trades, no losing trade (profit factor, Kelly), a single trade (SQN).
struct TradeSummary: Sendable {
    let winRate: Double
    let bestReturn: Double
    let worstReturn: Double
    let geometricMeanReturn: Double
    let meanReturn: Double
    /// Sum of positive returns over the magnitude of the sum of negative returns.
    let profitFactor: Double
    /// System Quality Number: √n · mean(PnL) / sample standard deviation of PnL.
    let sqn: Double
    /// W − (1 − W) / (mean winning PnL / mean losing PnL magnitude).
    let kellyCriterion: Double

    init(trades: [TradeRecord]) {
        self.init(pnl: trades.map(\.pnl), returns: trades.map(\.returnFraction))
    }

    /// - Parameters:
    ///   - pnl: Each closed trade's profit in money, in trade order.
    ///   - returns: Each trade's return fraction, in the same order (NaN where undefined).
    init(pnl: [Double], returns allReturns: [Double]) {
        let returns = allReturns.filter { !$0.isNaN }
        let count = Double(pnl.count)

        winRate = pnl.isEmpty ? .nan : Double(pnl.count { $0 > 0 }) / count
        bestReturn = returns.max() ?? .nan
        worstReturn = returns.min() ?? .nan
        geometricMeanReturn = GeometricMean.of(allReturns)
        meanReturn = PairwiseSum.mean(returns)

        let gains = PairwiseSum.sum(returns.filter { $0 > 0 })
        let losses = PairwiseSum.sum(returns.filter { $0 < 0 })
        profitFactor = gains / BacktestStatistics.nanIfZero(abs(losses))

        let deviation = PairwiseSum.sampleVariance(pnl).squareRoot()
        sqn = count.squareRoot() * PairwiseSum.mean(pnl) / BacktestStatistics.nanIfZero(deviation)

        let meanWin = PairwiseSum.mean(pnl.filter { $0 > 0 })
        let meanLoss = PairwiseSum.mean(pnl.filter { $0 < 0 })
        kellyCriterion = winRate - (1 - winRate) / (meanWin / -meanLoss)
    }
}
