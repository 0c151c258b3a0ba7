/// An order's current state; recording the same client order id again updates it.
///
/// Only `status` and `updatedMicros` may change after the first record: the schema refuses
/// any other change, and refuses to move an order out of a final status.
public struct OrderRecord: Sendable, Equatable {
    /// Unique within the run; the key fills and child orders refer to.
    public var clientOrderID: String
    /// The algo order (TWAP, VWAP) that this child slice belongs to.
    public var parentClientOrderID: String?
    public var instrument: String
    public var side: OrderSide
    public var type: OrderType
    /// Ordered quantity in the instrument's base unit; positive.
    public var quantity: Double
    /// Required for `limit` and `stopLimit`, absent otherwise.
    public var limitPrice: Double?
    /// Required for `stop` and `stopLimit`, absent otherwise.
    public var stopPrice: Double?
    public var status: OrderStatus
    /// Microseconds since the Unix epoch (UTC).
    public var createdMicros: Int64
    /// Microseconds since the Unix epoch (UTC); never before `createdMicros`, never moves back.
    public var updatedMicros: Int64
    /// The trace id of the market event (or command) that caused the order.
    public var traceID: String

    public init(
        clientOrderID: String, parentClientOrderID: String? = nil, instrument: String, side: OrderSide,
        type: OrderType, quantity: Double, limitPrice: Double? = nil, stopPrice: Double? = nil,
        status: OrderStatus, createdMicros: Int64, updatedMicros: Int64, traceID: String
    ) {
        self.clientOrderID = clientOrderID
        self.parentClientOrderID = parentClientOrderID
        self.instrument = instrument
        self.side = side
        self.type = type
        self.quantity = quantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.status = status
        self.createdMicros = createdMicros
        self.updatedMicros = updatedMicros
        self.traceID = traceID
    }
}

public enum OrderSide: String, Sendable, CaseIterable {
    case buy
    case sell
}

public enum OrderType: String, Sendable, CaseIterable {
    case market
    case limit
    case stop
    case stopLimit = "stop_limit"
}

/// The order state machine's states; the last four are final.
public enum OrderStatus: String, Sendable, CaseIterable {
    case pending
    case accepted
    case partiallyFilled = "partially_filled"
    case filled
    case cancelled
    case rejected
    case expired
}
