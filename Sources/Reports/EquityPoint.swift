/// The account's equity marked at one bar's close.
///
/// An equity curve holds one point per bar, open positions valued at that bar's close,
/// so its last point is the final equity of the run.
public struct EquityPoint: Sendable, Equatable {
    /// Bar time, microseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    /// Cash plus the marked value of open positions, in account currency.
    public var equity: Double

    public init(timestamp: Int64, equity: Double) {
        self.timestamp = timestamp
        self.equity = equity
    }
}
