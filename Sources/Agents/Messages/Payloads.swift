import Indicators

/// A bar of one instrument (`instrument` indexes the plan's instrument list).
public struct MarketBar: Sendable, Equatable, Codable {
    public var instrument: Int
    public var bar: Bar
    /// Anomalies the MarketData agent flagged on this bar (the low byte, `AnomalyKinds`), and
    /// `filledFlag` for a bar synthesised by `gaps: forward_fill`.
    public var flags: UInt32

    public static let filledFlag: UInt32 = 1 << 8

    public init(instrument: Int, bar: Bar, flags: UInt32 = 0) {
        self.instrument = instrument
        self.bar = bar
        self.flags = flags
    }
}

/// The feature program's registers after one bar. Columns name the registers (plan.columns);
/// the envelope's timestamp is the bar's.
public struct FeatureFrame: Sendable {
    public var instrument: Int
    public var barIndex: Int
    public var values: [Double]

    public init(instrument: Int, barIndex: Int, values: [Double]) {
        self.instrument = instrument
        self.barIndex = barIndex
        self.values = values
    }
}

public enum Direction: Int8, Sendable, Codable {
    case short = -1, flat = 0, long = 1

    public var topic: Topic {
        switch self {
        case .long: .signalLong
        case .short: .signalShort
        case .flat: .signalFlat
        }
    }
}

public struct SignalEvent: Sendable, Equatable, Codable {
    /// Index into the plan's signals.
    public var signal: Int
    public var instrument: Int
    public var direction: Direction
    /// 0...1: 1 for a rule, the model's probability margin, or the ensemble's vote share.
    public var confidence: Double
    /// The regime label index in force, when the signal is gated (-1: none).
    public var regime: Int
    /// Bit set of the ensemble members that voted for `direction` (bit i = signal i). On a
    /// shadow event, which model decided: 0 the signal's own model, n its n-th shadow.
    public var members: UInt64
    /// True for shadow evaluations: recorded, never traded.
    public var shadow: Bool

    public init(signal: Int, instrument: Int, direction: Direction, confidence: Double, regime: Int = -1, members: UInt64 = 0, shadow: Bool = false) {
        self.signal = signal
        self.instrument = instrument
        self.direction = direction
        self.confidence = confidence
        self.regime = regime
        self.members = members
        self.shadow = shadow
    }
}

/// Which price of the current bar an order is working against.
public enum PriceReference: UInt8, Sendable, Codable {
    /// Issued as the bar opened: fills at its open (`fill: next_open`).
    case open
    /// Issued at the bar's close: fills at its close (`fill: close`).
    case close
}

/// The position PortfolioRisk wants in an instrument; Execution works the difference.
public struct TargetOrder: Sendable, Equatable, Codable {
    public var id: UInt64
    public var instrument: Int
    /// Signed units: + long, − short, 0 flat.
    public var quantity: Double
    public var reference: PriceReference

    public init(id: UInt64, instrument: Int, quantity: Double, reference: PriceReference) {
        self.id = id
        self.instrument = instrument
        self.quantity = quantity
        self.reference = reference
    }
}

/// A round trip, closed: the blotter's row.
public struct TradeRecord: Sendable, Equatable, Codable {
    public var instrument: Int
    public var entryTime: Int64
    public var exitTime: Int64
    public var entryBar: Int
    public var exitBar: Int
    /// Signed: + long, − short.
    public var size: Double
    public var entryPrice: Double
    public var exitPrice: Double
    /// Entry and exit fees together.
    public var fees: Double
    /// size × (exit − entry) − fees.
    public var pnl: Double
    /// sign × (exit / entry − 1) − fees / (|size| × entry), a fraction.
    public var returnFraction: Double
    /// True when the run ended with the position open and the runner closed it at the last close.
    public var closedAtEnd: Bool

    public init(instrument: Int = 0, entryTime: Int64, exitTime: Int64, entryBar: Int, exitBar: Int, size: Double,
                entryPrice: Double, exitPrice: Double, fees: Double, pnl: Double, returnFraction: Double, closedAtEnd: Bool = false) {
        self.instrument = instrument
        self.entryTime = entryTime
        self.exitTime = exitTime
        self.entryBar = entryBar
        self.exitBar = exitBar
        self.size = size
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.fees = fees
        self.pnl = pnl
        self.returnFraction = returnFraction
        self.closedAtEnd = closedAtEnd
    }

    /// Whether the trade bought first (positive size).
    public var isLong: Bool { size > 0 }
}

public struct EquitySnapshot: Sendable, Equatable, Codable {
    public var barIndex: Int
    public var timestamp: Int64
    public var cash: Double
    public var equity: Double
    public var drawdown: Double
    public var state: RiskState

    public init(barIndex: Int, timestamp: Int64, cash: Double, equity: Double, drawdown: Double, state: RiskState) {
        self.barIndex = barIndex
        self.timestamp = timestamp
        self.cash = cash
        self.equity = equity
        self.drawdown = drawdown
        self.state = state
    }
}

public enum RiskState: String, Sendable, Codable {
    case active = "ACTIVE", reducing = "REDUCING", halted = "HALTED"
}

public struct RiskAlert: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case maxLeverage = "max_leverage", maxPosition = "max_position", maxPositionNotional = "max_position_notional"
        case maxOrderNotional = "max_order_notional", orderRate = "order_rate", valueAtRisk = "var"
        case drawdown, halted, reduceOnly = "reduce_only"
    }

    public var kind: Kind
    public var instrument: Int
    /// What was asked and what was allowed, in units.
    public var requested: Double
    public var allowed: Double
    /// The measured value that breached (leverage, notional, VaR fraction, drawdown).
    public var measured: Double
    public var limit: Double

    public init(kind: Kind, instrument: Int, requested: Double, allowed: Double, measured: Double, limit: Double) {
        self.kind = kind
        self.instrument = instrument
        self.requested = requested
        self.allowed = allowed
        self.measured = measured
        self.limit = limit
    }
}

public struct OrderUpdate: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case accepted, partiallyFilled = "partially_filled", filled, cancelled, rejected, expired
    }

    public enum Kind: String, Sendable, Codable {
        case market, limit
    }

    /// Deterministic: the n-th order of the run.
    public var id: UInt64
    /// The algo parent (TWAP/VWAP), or the order itself.
    public var parent: UInt64
    public var instrument: Int
    public var kind: Kind
    public var quantity: Double
    /// Nil for market orders.
    public var limitPrice: Double?
    public var filled: Double
    public var status: Status

    public init(id: UInt64, parent: UInt64, instrument: Int, kind: Kind, quantity: Double, limitPrice: Double? = nil, filled: Double, status: Status) {
        self.id = id
        self.parent = parent
        self.instrument = instrument
        self.kind = kind
        self.quantity = quantity
        self.limitPrice = limitPrice
        self.filled = filled
        self.status = status
    }
}

public struct Fill: Sendable, Equatable, Codable {
    public var order: UInt64
    public var parent: UInt64
    public var instrument: Int
    public var barIndex: Int
    public var quantity: Double
    public var price: Double
    public var fee: Double
    /// Price of the parent's reference when it was created, for slippage against arrival.
    public var arrivalPrice: Double
    /// The bar price the order worked against (its open or its close).
    public var reference: PriceReference

    public init(order: UInt64, parent: UInt64, instrument: Int, barIndex: Int, quantity: Double, price: Double, fee: Double,
                arrivalPrice: Double, reference: PriceReference) {
        self.order = order
        self.parent = parent
        self.instrument = instrument
        self.barIndex = barIndex
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.arrivalPrice = arrivalPrice
        self.reference = reference
    }
}

public struct ExecutionFailure: Sendable, Equatable, Codable {
    public var order: UInt64
    public var reason: String

    public init(order: UInt64, reason: String) {
        self.order = order
        self.reason = reason
    }
}

public enum SupervisorCommand: Sendable, Equatable, Codable {
    case halt(reason: String)
    case reduceOnly(reason: String)
    case resume(reason: String)
}

/// What the Compliance agent writes to the audit chain: a kind and the message it records.
public struct AuditRecord: Sendable {
    /// The recorded message's payload, kept inline for the payloads Compliance audits on every
    /// order, fill and trade, so that recording them allocates nothing; any other payload is boxed.
    @usableFromInline var recorded: Recorded
    /// The topic of the recorded message, stored as the topic rather than its name: the record
    /// then holds no string, and fits in an envelope of at most 128 bytes with a trade inline.
    /// (Declared after `recorded`, it takes a byte of the padding behind it.)
    public var topic: Topic
    public var timestamp: Int64

    /// The kind of record: the recorded message's topic name (`execution.fill`, ...).
    public var kind: String { topic.name }

    /// - Precondition: `kind` is a topic name (`Topic(name:)`); decoders check this with an error.
    public init(kind: String, timestamp: Int64, payload: Payload) {
        guard let topic = Topic(name: kind) else {
            preconditionFailure("audit record kind '\(kind)' is not a topic name (see docs/messages.md)")
        }
        self.init(topic: topic, timestamp: timestamp, payload: payload)
    }

    public init(topic: Topic, timestamp: Int64, payload: Payload) {
        self.topic = topic
        self.timestamp = timestamp
        self.recorded = Recorded(payload)
    }

    init(topic: Topic, timestamp: Int64, recorded: Recorded) {
        self.topic = topic
        self.timestamp = timestamp
        self.recorded = recorded
    }

    /// The payload of the recorded message.
    public var payload: Payload {
        get { recorded.payload }
        set { recorded = Recorded(newValue) }
    }

    /// The payloads of the audited topics, inline; a payload can hold an audit record, so any
    /// other one sits in a box to keep the type finite. The largest, a trade (89 bytes), keeps
    /// the envelope within 128 bytes, the most a move copies without a call to `memcpy`.
    @usableFromInline
    enum Recorded: Sendable {
        case signal(SignalEvent)
        case target(TargetOrder)
        case trade(TradeRecord)
        case alert(RiskAlert)
        case order(OrderUpdate)
        case fill(Fill)
        case executionError(ExecutionFailure)
        case command(SupervisorCommand)
        indirect case other(Payload)

        init(_ payload: Payload) {
            switch payload {
            case .signal(let value): self = .signal(value)
            case .target(let value): self = .target(value)
            case .trade(let value): self = .trade(value)
            case .alert(let value): self = .alert(value)
            case .order(let value): self = .order(value)
            case .fill(let value): self = .fill(value)
            case .executionError(let value): self = .executionError(value)
            case .command(let value): self = .command(value)
            default: self = .other(payload)
            }
        }

        var payload: Payload {
            switch self {
            case .signal(let value): .signal(value)
            case .target(let value): .target(value)
            case .trade(let value): .trade(value)
            case .alert(let value): .alert(value)
            case .order(let value): .order(value)
            case .fill(let value): .fill(value)
            case .executionError(let value): .executionError(value)
            case .command(let value): .command(value)
            case .other(let payload): payload
            }
        }
    }
}
