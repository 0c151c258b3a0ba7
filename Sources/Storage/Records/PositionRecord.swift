/// A position snapshot: what the portfolio held in one instrument at one time.
public struct PositionRecord: Sendable, Equatable {
    public var instrument: String
    /// Microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    /// Signed quantity: negative when short.
    public var quantity: Double
    /// Volume-weighted entry price of the open quantity; 0 when flat.
    public var averagePrice: Double

    public init(instrument: String, timestampMicros: Int64, quantity: Double, averagePrice: Double) {
        self.instrument = instrument
        self.timestampMicros = timestampMicros
        self.quantity = quantity
        self.averagePrice = averagePrice
    }
}
