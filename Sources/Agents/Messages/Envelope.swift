import Indicators

/// The topics agents publish on. Names are the wire names (Redis streams, the audit log, docs/messages.md).
public enum Topic: UInt8, Sendable, CaseIterable, Codable {
    case marketRaw, featuresCandles, featuresMicro
    case signalLong, signalShort, signalFlat
    case portfolioTarget, portfolioTrade, portfolioEquity, riskAlert
    case executionOrder, executionFill, executionError
    case supervisorCommand, complianceAudit, heartbeat
    /// The end of a bar: every message the bar caused has been handled.
    case clock

    public var name: String {
        switch self {
        case .marketRaw: "market.raw"
        case .featuresCandles: "features.candles"
        case .featuresMicro: "features.micro"
        case .signalLong: "signal.long"
        case .signalShort: "signal.short"
        case .signalFlat: "signal.flat"
        case .portfolioTarget: "portfolio.target"
        case .portfolioTrade: "portfolio.trade"
        case .portfolioEquity: "portfolio.equity"
        case .riskAlert: "risk.alert"
        case .executionOrder: "execution.order"
        case .executionFill: "execution.fill"
        case .executionError: "execution.error"
        case .supervisorCommand: "supervisor.command"
        case .complianceAudit: "compliance.audit"
        case .heartbeat: "heartbeat"
        case .clock: "clock"
        }
    }
}

/// Who sent a message.
public enum AgentID: UInt8, Sendable, CaseIterable, Codable {
    case supervisor, marketData, feature, signal, portfolioRisk, execution, compliance, runner
}

/// One message: when, from whom, which market event it descends from, on which topic, and what.
///
/// In process the payload stays a typed value; it becomes JSON only where it leaves the process.
public struct Envelope: Sendable {
    // The two one-byte fields follow the payload, in the bytes its odd size leaves before the
    // next multiple of eight: the envelope stays within 128 bytes, the most a move copies
    // without a call to `memcpy` (an audit record of a trade, the largest payload, takes 105).
    // Moving that costs less than the allocation, reference counting and release of a boxed payload.

    /// Microseconds since the Unix epoch, UTC: the market time of the event.
    public var timestamp: Int64
    /// The sequence number of the bar that caused this message; fills carry their bar's id.
    public var traceId: UInt64
    public var payload: Payload
    public var source: AgentID
    public var topic: Topic

    public init(timestamp: Int64, source: AgentID, traceId: UInt64, topic: Topic, payload: Payload) {
        self.timestamp = timestamp
        self.source = source
        self.traceId = traceId
        self.topic = topic
        self.payload = payload
    }
}

extension Envelope {
    /// The time and trace id that messages caused by this one carry.
    @inlinable
    public var stamp: Stamp { Stamp(timestamp: timestamp, traceId: traceId) }
}

/// What an agent copies from the message it handles onto every message that message causes:
/// the market time and the bar's trace id. The typed entry points of the bar path (those a
/// runner calls without building an envelope, see docs/architecture.md) take it in place of
/// the message.
public struct Stamp: Sendable, Equatable {
    public var timestamp: Int64
    public var traceId: UInt64

    @inlinable
    public init(timestamp: Int64, traceId: UInt64) {
        self.timestamp = timestamp
        self.traceId = traceId
    }
}

/// The payloads of every topic, each stored inline: an envelope is moved, never allocated, so a
/// reversal's twenty-odd messages cost no malloc or reference count (an audit record keeps the
/// message it records inline too, see `AuditRecord`).
public enum Payload: Sendable {
    case bar(MarketBar)
    case features(FeatureFrame)
    case signal(SignalEvent)
    case target(TargetOrder)
    case trade(TradeRecord)
    case equity(EquitySnapshot)
    case alert(RiskAlert)
    case order(OrderUpdate)
    case fill(Fill)
    case executionError(ExecutionFailure)
    case command(SupervisorCommand)
    case audit(AuditRecord)
    case heartbeat(AgentID)
    case barClosed(instrument: Int)
}

/// A deterministic state machine: reads a message and its own state, writes what follows.
/// No I/O, no clock, no randomness: the same messages in the same order give the same outputs.
public protocol Agent: Sendable {
    var id: AgentID { get }
    mutating func handle(_ message: Envelope, into outbox: inout Outbox)
}
