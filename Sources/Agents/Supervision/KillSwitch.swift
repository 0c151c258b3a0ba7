import StrategyDSL

/// The kill switch: ACTIVE, REDUCING or HALTED, with who set it, why and when.
///
/// Tripping cancels every open order and enters HALTED (or REDUCING where the strategy's
/// `kill_switch.action` says `reduce_only`); only a resume with a reason leaves it. A runner
/// persists every transition and restores the last one on start, so a restarted strategy stays
/// halted until an operator resumes it.
public struct KillSwitch: Sendable, Equatable {
    /// Who or what changed the state: `supervisor` for automatic trips, an operator's name, `control`.
    public static let supervisorActor = "supervisor"

    public private(set) var state: RiskState
    public private(set) var reason: String?
    public private(set) var actor: String?
    public private(set) var atMicros: Int64?

    public init() {
        state = .active
    }

    /// A kill switch as it was persisted.
    public init(restoring record: KillSwitchTransition) {
        state = record.to
        reason = record.reason
        actor = record.actor
        atMicros = record.atMicros
    }

    /// Trips the switch into `target` (HALTED or REDUCING).
    ///
    /// - Returns: The transition, or nil when the switch is already there or further
    ///   (REDUCING never relaxes a HALTED switch).
    public mutating func trip(to target: RiskState, trigger: KillSwitchTrigger, actor: String, at now: Int64) -> KillSwitchTransition? {
        guard target != .active, Self.severity(target) > Self.severity(state) else { return nil }
        return move(to: target, reason: trigger.description, trigger: trigger, actor: actor, at: now)
    }

    /// Leaves HALTED or REDUCING.
    ///
    /// - Returns: The transition, or a refusal saying why (blank reason, already active).
    public mutating func resume(reason: String, actor: String, at now: Int64) -> Result<KillSwitchTransition, KillSwitchRefusal> {
        let trimmed = reason.trimmingWhitespace
        guard !trimmed.isEmpty else { return .failure(.blankReason) }
        guard state != .active else { return .failure(.notTripped) }
        return .success(move(to: .active, reason: trimmed, trigger: .resume, actor: actor, at: now))
    }

    private mutating func move(to next: RiskState, reason: String, trigger: KillSwitchTrigger, actor: String, at now: Int64) -> KillSwitchTransition {
        let transition = KillSwitchTransition(from: state, to: next, trigger: trigger.kind, reason: reason, actor: actor, atMicros: now)
        state = next
        self.reason = reason
        self.actor = actor
        atMicros = now
        return transition
    }

    private static func severity(_ state: RiskState) -> Int {
        switch state {
        case .active: 0
        case .reducing: 1
        case .halted: 2
        }
    }

    /// The state a trip enters under a strategy's `kill_switch.action`.
    public static func target(for action: RiskSpec.DrawdownAction) -> RiskState {
        action == .halt ? .halted : .reducing
    }
}

/// Why a resume was not applied.
public enum KillSwitchRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case blankReason, notTripped

    public var description: String {
        switch self {
        case .blankReason: "a resume needs a reason; say why trading may start again"
        case .notTripped: "the kill switch is not tripped: the strategy is already ACTIVE"
        }
    }
}

/// What tripped the kill switch.
public enum KillSwitchTrigger: Sendable, Equatable, CustomStringConvertible {
    case feedLost(name: String, silentMicroseconds: Int64)
    case venueLost(name: String, silentMicroseconds: Int64)
    case drawdown(measured: Double, limit: Double)
    case rejects(count: Int, lastReason: String)
    case agentFailed(AgentID, restarts: Int, error: String)
    case command(reason: String)
    case resume

    /// The trigger's stable name, stored with each transition.
    public var kind: String {
        switch self {
        case .feedLost: "feed_lost"
        case .venueLost: "venue_lost"
        case .drawdown: "drawdown"
        case .rejects: "rejects"
        case .agentFailed: "agent_failed"
        case .command: "command"
        case .resume: "resume"
        }
    }

    public var description: String {
        switch self {
        case .feedLost(let name, let silent): "feed \(name) silent for \(Self.seconds(silent)), past the feed timeout"
        case .venueLost(let name, let silent): "venue \(name) unreachable for \(Self.seconds(silent)), past the venue timeout"
        case .drawdown(let measured, let limit): "drawdown \(measured) reached the limit \(limit)"
        case .rejects(let count, let last): "\(count) orders rejected in a row (last: \(last))"
        case .agentFailed(let agent, let restarts, let error): "agent \(agent.operatorName) failed after \(restarts) restarts (last: \(error))"
        case .command(let reason): reason
        case .resume: "resume"
        }
    }

    /// `10s`, `10.5s`, `0.25s`: milliseconds at most, without trailing zeros.
    static func seconds(_ micros: Int64) -> String {
        let whole = micros / 1_000_000
        let milliseconds = (micros % 1_000_000) / 1_000
        guard milliseconds != 0 else { return "\(whole)s" }
        var digits = String(String(milliseconds + 1_000).dropFirst())
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)s"
    }
}

/// One change of the kill switch: what a runner persists and restores.
public struct KillSwitchTransition: Sendable, Equatable, Codable {
    public var from: RiskState
    public var to: RiskState
    /// ``KillSwitchTrigger/kind``.
    public var trigger: String
    public var reason: String
    public var actor: String
    public var atMicros: Int64

    public init(from: RiskState, to: RiskState, trigger: String, reason: String, actor: String, atMicros: Int64) {
        self.from = from
        self.to = to
        self.trigger = trigger
        self.reason = reason
        self.actor = actor
        self.atMicros = atMicros
    }
}

extension String {
    var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
