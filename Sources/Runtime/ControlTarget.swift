public import Agents

/// What the control plane can ask of a running strategy.
///
/// The paper/live runtime implements it; the HTTP control plane (ControlHTTP) serves it. Kept
/// here, free of any server dependency, so the runtime never imports Hummingbird and the control
/// plane never depends on how the runtime is built. Every value is Codable with fixed snake_case
/// keys: they are the JSON that operators and their scripts read.
public protocol ControlTarget: Sendable {
    /// A consistent picture of the strategy, taken between two bars.
    func status() async -> StatusSnapshot
    /// Whether the strategy can trade: each check carries its reason when it fails.
    func isReady() async -> ReadinessReport
    /// Reloads the strategy file and the registry tags it references, as a file change would.
    func reload() async -> ReloadOutcome
    /// Cancels every open order and enters HALTED (or REDUCING where configured), persisted.
    func kill(reason: String) async -> CommandOutcome
    /// Leaves HALTED or REDUCING and trades again.
    func resume(reason: String) async -> CommandOutcome
}

/// Paper trades on the simulated venue; live trades on a real one.
public enum TradingMode: String, Sendable, Codable, CaseIterable {
    case paper, live
}

/// The state of a running strategy as `/status` reports it.
public struct StatusSnapshot: Sendable, Equatable, Codable {
    public var strategy: String
    /// The hash of the running plan: it changes exactly when an applied reload changed a node.
    public var planHash: String
    public var mode: TradingMode
    public var state: RiskState
    public var agents: [AgentHealth]
    public var positions: [PositionSnapshot]
    public var pnl: ProfitAndLoss
    /// Cash plus the marked value of every position, in the account currency.
    public var equity: Double
    /// Nil (and absent from the JSON) until the first reload since the process started.
    public var lastReload: ReloadOutcome?
    /// Microseconds since the Unix epoch, UTC, like every timestamp in a message envelope.
    public var startedAt: Int64
    public var barsProcessed: UInt64
    /// The message bus when the agents talk over one (`stratum run --bus`); absent otherwise.
    public var bus: BusStatus? = nil
    /// Breakers, recent incidents, the kill switch's reason; nil (absent) outside a supervised run.
    public var supervision: SupervisionStatus?

    public init(
        strategy: String, planHash: String, mode: TradingMode, state: RiskState, agents: [AgentHealth],
        positions: [PositionSnapshot], pnl: ProfitAndLoss, equity: Double, lastReload: ReloadOutcome?,
        startedAt: Int64, barsProcessed: UInt64, supervision: SupervisionStatus? = nil
    ) {
        self.strategy = strategy
        self.planHash = planHash
        self.mode = mode
        self.state = state
        self.agents = agents
        self.positions = positions
        self.pnl = pnl
        self.equity = equity
        self.lastReload = lastReload
        self.startedAt = startedAt
        self.barsProcessed = barsProcessed
        self.supervision = supervision
    }

    enum CodingKeys: String, CodingKey {
        case strategy, planHash = "plan_hash", mode, state, agents, positions, pnl, equity
        case lastReload = "last_reload", startedAt = "started_at_us", barsProcessed = "bars_processed"
        case bus, supervision
    }
}

/// One agent as the Supervisor sees it.
public struct AgentHealth: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Heartbeats arrive on time.
        case healthy
        /// Heartbeats are late but the agent has not been restarted yet.
        case lagging
        /// Being restarted from its persisted state, with backoff.
        case restarting
        /// Past its restart limit: the strategy is HALTED.
        case failed
    }

    /// The agent's wire name (`market_data`, `portfolio_risk`): see `AgentID.operatorName`.
    public var agent: String
    public var status: Status
    public var restarts: Int
    /// Microseconds since the Unix epoch, UTC; nil before the first heartbeat.
    public var lastHeartbeatAt: Int64?

    public init(agent: AgentID, status: Status, restarts: Int, lastHeartbeatAt: Int64?) {
        self.agent = agent.operatorName
        self.status = status
        self.restarts = restarts
        self.lastHeartbeatAt = lastHeartbeatAt
    }

    enum CodingKeys: String, CodingKey {
        case agent, status, restarts, lastHeartbeatAt = "last_heartbeat_at_us"
    }
}

/// One open position, marked at the last bar.
public struct PositionSnapshot: Sendable, Equatable, Codable {
    public var instrument: String
    /// Signed, in units of the instrument: negative is short.
    public var quantity: Double
    public var averagePrice: Double
    public var markPrice: Double
    /// In the account currency.
    public var unrealizedPnL: Double

    public init(instrument: String, quantity: Double, averagePrice: Double, markPrice: Double, unrealizedPnL: Double) {
        self.instrument = instrument
        self.quantity = quantity
        self.averagePrice = averagePrice
        self.markPrice = markPrice
        self.unrealizedPnL = unrealizedPnL
    }

    enum CodingKeys: String, CodingKey {
        case instrument, quantity, averagePrice = "average_price", markPrice = "mark_price", unrealizedPnL = "unrealized_pnl"
    }
}

/// Profit and loss since the strategy started, in the account currency, after fees.
public struct ProfitAndLoss: Sendable, Equatable, Codable {
    public var realized: Double
    public var unrealized: Double
    public var fees: Double

    public init(realized: Double, unrealized: Double, fees: Double) {
        self.realized = realized
        self.unrealized = unrealized
        self.fees = fees
    }
}

/// The result of a reload: applied with what changed, or refused with why.
///
/// A refused reload leaves the old plan running; its diagnostics are the text `stratum lint`
/// would print for the same file.
public enum ReloadOutcome: Sendable, Equatable, Codable {
    case applied(PlanDiffSummary)
    case refused(diagnostics: String)

    enum CodingKeys: String, CodingKey {
        case result, diff, diagnostics
    }

    private enum Result: String, Codable {
        case applied, refused
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Result.self, forKey: .result) {
        case .applied: self = .applied(try container.decode(PlanDiffSummary.self, forKey: .diff))
        case .refused: self = .refused(diagnostics: try container.decode(String.self, forKey: .diagnostics))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .applied(let diff):
            try container.encode(Result.applied, forKey: .result)
            try container.encode(diff, forKey: .diff)
        case .refused(let diagnostics):
            try container.encode(Result.refused, forKey: .result)
            try container.encode(diagnostics, forKey: .diagnostics)
        }
    }
}

/// Which plan nodes a reload touched, by node id. Unchanged nodes kept their state.
public struct PlanDiffSummary: Sendable, Equatable, Codable {
    public var added: [String]
    public var removed: [String]
    public var changed: [String]
    public var unchangedCount: Int

    public init(added: [String], removed: [String], changed: [String], unchangedCount: Int) {
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchangedCount = unchangedCount
    }

    enum CodingKeys: String, CodingKey {
        case added, removed, changed, unchangedCount = "unchanged_count"
    }
}

/// The three conditions for trading, each with a reason when it does not hold.
public struct ReadinessReport: Sendable, Equatable, Codable {
    public var feedsConnected: ReadinessCheck
    public var stateRestored: ReadinessCheck
    public var planRunning: ReadinessCheck

    public init(feedsConnected: ReadinessCheck, stateRestored: ReadinessCheck, planRunning: ReadinessCheck) {
        self.feedsConnected = feedsConnected
        self.stateRestored = stateRestored
        self.planRunning = planRunning
    }

    /// Ready only when every check passes.
    public var isReady: Bool { feedsConnected.ok && stateRestored.ok && planRunning.ok }

    enum CodingKeys: String, CodingKey {
        case ready, feedsConnected = "feeds_connected", stateRestored = "state_restored", planRunning = "plan_running"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        feedsConnected = try container.decode(ReadinessCheck.self, forKey: .feedsConnected)
        stateRestored = try container.decode(ReadinessCheck.self, forKey: .stateRestored)
        planRunning = try container.decode(ReadinessCheck.self, forKey: .planRunning)
    }

    /// Writes `ready` beside the checks so a probe script needs to read one key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isReady, forKey: .ready)
        try container.encode(feedsConnected, forKey: .feedsConnected)
        try container.encode(stateRestored, forKey: .stateRestored)
        try container.encode(planRunning, forKey: .planRunning)
    }
}

/// One readiness condition.
public struct ReadinessCheck: Sendable, Equatable, Codable {
    public var ok: Bool
    /// Why the check fails, for the operator; nil when it passes.
    public var reason: String?

    public static let passed = ReadinessCheck(ok: true, reason: nil)

    public static func failed(_ reason: String) -> ReadinessCheck {
        ReadinessCheck(ok: false, reason: reason)
    }

    private init(ok: Bool, reason: String?) {
        self.ok = ok
        self.reason = reason
    }
}

/// The answer to a kill or resume command.
public struct CommandOutcome: Sendable, Equatable, Codable {
    /// False when the command cannot apply in the current state (resuming a strategy that runs).
    public var accepted: Bool
    /// The risk state after the command.
    public var state: RiskState
    public var message: String

    public init(accepted: Bool, state: RiskState, message: String) {
        self.accepted = accepted
        self.state = state
        self.message = message
    }
}
