/// One OHLCV bar as the run saw it, for replay and for reports.
public struct BarRecord: Sendable, Equatable {
    public var instrument: String
    /// The bar's open time, microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    /// Traded quantity in the instrument's base unit; never negative.
    public var volume: Double

    public init(
        instrument: String, timestampMicros: Int64, open: Double, high: Double, low: Double, close: Double,
        volume: Double
    ) {
        self.instrument = instrument
        self.timestampMicros = timestampMicros
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
