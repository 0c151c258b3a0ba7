/// One execution against an order.
public struct FillRecord: Sendable, Equatable {
    /// Unique within the run (the venue's execution id, or `<client order id>-<n>` in the
    /// simulator), so a fill replayed after a reconnect is refused rather than counted twice.
    public var fillID: String
    public var clientOrderID: String
    /// Microseconds since the Unix epoch (UTC).
    public var timestampMicros: Int64
    /// Filled quantity; positive, and the fills of an order never add up to more than it.
    public var quantity: Double
    /// Execution price; positive.
    public var price: Double
    /// Fee in the quote currency; negative for a rebate.
    public var fee: Double
    public var liquidity: Liquidity

    public init(
        fillID: String, clientOrderID: String, timestampMicros: Int64, quantity: Double, price: Double, fee: Double,
        liquidity: Liquidity
    ) {
        self.fillID = fillID
        self.clientOrderID = clientOrderID
        self.timestampMicros = timestampMicros
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.liquidity = liquidity
    }
}

/// Whether a fill added liquidity to the book or took it.
public enum Liquidity: String, Sendable, CaseIterable {
    case maker
    case taker
}
