import Agents

/// What report.html draws, gathered point by point: the equity, drawdown and price lines
/// (``ChartSeries``), their value ranges, and the trades to mark.
public struct ReportCurves: Sendable {
    /// One trade's marker: what ``HTMLReport`` draws and its tooltip says.
    struct Mark: Sendable {
        var entryTime: Int64
        var exitTime: Int64
        var entryPrice: Double
        var exitPrice: Double
        var isLong: Bool

        var trade: TradeRecord {
            TradeRecord(entryTime: entryTime, exitTime: exitTime, entryBar: 0, exitBar: 0, size: isLong ? 1 : -1,
                        entryPrice: entryPrice, exitPrice: exitPrice, fees: 0, pnl: 0, returnFraction: 0)
        }
    }

    private(set) var count = 0
    private(set) var firstTime: Int64 = 0
    private(set) var lastTime: Int64 = 1
    var equity = ChartSeries()
    var drawdown = ChartSeries()
    var price = ChartSeries()
    private(set) var equityRange = ValueRange()
    private(set) var drawdownRange = ValueRange()
    private(set) var closeRange = ValueRange()
    private(set) var tradePriceRange = ValueRange()
    private(set) var marks: [Mark] = []
    private(set) var closedAtEnd = 0

    public init() {}

    /// Adds one bar's equity, its drawdown fraction (``StatisticsAccumulator/add(timestamp:equity:close:)``
    /// returns it) and the instrument's close.
    public mutating func add(timestamp: Int64, equity value: Double, drawdownFraction: Double, close: Double) {
        if count == 0 { firstTime = timestamp }
        lastTime = timestamp
        count += 1
        let percent = drawdownFraction == 0 ? 0 : -drawdownFraction * 100
        equity.add(time: timestamp, value: value)
        drawdown.add(time: timestamp, value: percent)
        price.add(time: timestamp, value: close)
        if value.isFinite { equityRange.add(value) }
        if percent.isFinite { drawdownRange.add(percent) }
        if close.isFinite { closeRange.add(close) }
    }

    /// Adds a trade of the run, closed at the end or not.
    public mutating func add(trade: TradeRecord) {
        marks.append(Mark(entryTime: trade.entryTime, exitTime: trade.exitTime, entryPrice: trade.entryPrice,
                          exitPrice: trade.exitPrice, isLong: trade.isLong))
        if trade.closedAtEnd { closedAtEnd += 1 }
        tradePriceRange.add(trade.entryPrice)
        tradePriceRange.add(trade.exitPrice)
    }

    /// Lowest and highest value seen, compared in order as `Sequence.min()`/`max()` do.
    struct ValueRange: Sendable {
        private(set) var low: Double?
        private(set) var high: Double?

        mutating func add(_ value: Double) {
            if let current = low { if value < current { low = value } } else { low = value }
            if let current = high { if current < value { high = value } } else { high = value }
        }

        func merged(_ other: ValueRange) -> ValueRange {
            var range = self
            if let low = other.low { range.add(low) }
            if let high = other.high { range.add(high) }
            return range
        }
    }
}
