/// Why a set of inputs does not describe one backtest run.
public enum StatisticsInputError: Error, Sendable, Equatable {
    /// The equity curve has no points.
    case emptyEquityCurve
    /// The close series does not have one price per equity point.
    case closeCountMismatch(equityPoints: Int, closes: Int)
    /// The first trading bar is not a bar of the run.
    case firstTradingBarOutOfRange(Int)
    /// Timestamps must increase from one point to the next.
    case timestampsNotIncreasing(atIndex: Int)

    static func check(
        equity: [EquityPoint], closes: [Double], firstTradingBar: Int
    ) throws(StatisticsInputError) {
        guard !equity.isEmpty else { throw .emptyEquityCurve }
        guard closes.count == equity.count else {
            throw .closeCountMismatch(equityPoints: equity.count, closes: closes.count)
        }
        guard equity.indices.contains(firstTradingBar) else {
            throw .firstTradingBarOutOfRange(firstTradingBar)
        }
        if let index = equity.indices.dropFirst().first(where: { equity[$0].timestamp <= equity[$0 - 1].timestamp }) {
            throw .timestampsNotIncreasing(atIndex: index)
        }
    }
}
