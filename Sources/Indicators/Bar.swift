/// One OHLCV bar, the unit the feature graph pushes through bar-based indicators.
public struct Bar: Sendable, Equatable {
    /// Bar time in microseconds since the Unix epoch, UTC; session VWAP uses it to find day boundaries.
    public var timestamp: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(timestamp: Int64, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.timestamp = timestamp
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

/// Bars stored column by column, the layout batch kernels read fastest.
public struct BarSeries: Sendable, Equatable {
    public var timestamps: [Int64]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    public var volume: [Double]

    /// - Precondition: every column has the same length.
    public init(timestamps: [Int64], open: [Double], high: [Double], low: [Double], close: [Double], volume: [Double]) {
        let count = close.count
        precondition(
            [timestamps.count, open.count, high.count, low.count, volume.count].allSatisfy { $0 == count },
            "BarSeries columns must have the same length"
        )
        self.timestamps = timestamps
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    public init(_ bars: [Bar]) {
        self.init(
            timestamps: bars.map(\.timestamp), open: bars.map(\.open), high: bars.map(\.high),
            low: bars.map(\.low), close: bars.map(\.close), volume: bars.map(\.volume)
        )
    }

    public var count: Int { close.count }

    public subscript(index: Int) -> Bar {
        Bar(
            timestamp: timestamps[index], open: open[index], high: high[index],
            low: low[index], close: close[index], volume: volume[index]
        )
    }
}
