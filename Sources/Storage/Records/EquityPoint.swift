/// One point of the equity curve, usually one per bar.
public struct EquityPoint: Sendable, Equatable {
    /// Microseconds since the Unix epoch (UTC); one point per timestamp.
    public var timestampMicros: Int64
    /// Cash in the account currency.
    public var cash: Double
    /// Cash plus positions marked to market, in the account currency.
    public var equity: Double
    /// Fall from the running peak of `equity`, as a fraction of that peak (0.05 is 5 %).
    public var drawdown: Double

    public init(timestampMicros: Int64, cash: Double, equity: Double, drawdown: Double) {
        self.timestampMicros = timestampMicros
        self.cash = cash
        self.equity = equity
        self.drawdown = drawdown
    }
}
