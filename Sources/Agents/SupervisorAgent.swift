import StrategyCompiler
import StrategyDSL

/// Watches the strategy and turns trouble into commands.
///
/// In every mode: a drawdown breach (unless `kill_switch.on_drawdown` is false), or too many
/// rejects in a row, trips the kill switch into its `kill_switch.action` (halt: cancel every
/// order, HALTED; reduce_only: REDUCING). It follows an operator's resume, which reaches it as a
/// `supervisor.command`, so a later breach trips it again.
///
/// Heartbeats, restarts, breakers and feed silence are ``Supervision``'s duties: paper and live
/// runs drive one in their supervision loop (Runtime's `SupervisionLoop`). ``supervise(_:into:)``
/// and ``takeActions()`` give a runner the same decisions through this agent instead.
public struct SupervisorAgent: Agent {
    public let id = AgentID.supervisor
    let maxRejects: Int?
    let onDrawdown: Bool
    public private(set) var consecutiveRejects = 0
    public private(set) var incidents: [String] = []
    public private(set) var supervision: Supervision
    /// Actions decided but not yet taken by the runner, in order.
    public private(set) var pendingActions: [SupervisionAction] = []
    private var lastTraceId: UInt64 = 0

    /// A Supervisor with the default supervision policy: what a backtest needs.
    public init(maxRejects: Int?, onDrawdown: Bool = true, action: RiskSpec.DrawdownAction = .halt) {
        self.init(maxRejects: maxRejects, onDrawdown: onDrawdown, policy: SupervisionPolicy(killSwitchAction: action), seed: 0)
    }

    /// A Supervisor for a paper or live run.
    ///
    /// - Parameters:
    ///   - policy: From the strategy's `supervisor:` and `execution.kill_switch:` sections.
    ///   - seed: Seeds the restart jitter.
    ///   - killSwitch: The persisted kill switch, so a restarted strategy stays halted.
    public init(maxRejects: Int?, onDrawdown: Bool, policy: SupervisionPolicy, seed: UInt64, killSwitch: KillSwitch = KillSwitch()) {
        self.maxRejects = maxRejects
        self.onDrawdown = onDrawdown
        supervision = Supervision(policy: policy, seed: seed, killSwitch: killSwitch)
    }

    /// The Supervisor of a paper or live run of `plan`: its `supervisor:` and `kill_switch:`
    /// settings, jitter seeded from the strategy's name, and the kill switch as persisted.
    public init(plan: Plan, killSwitch: KillSwitch) {
        let spec = plan.spec
        self.init(maxRejects: spec.execution.killSwitch.maxRejects, onDrawdown: spec.execution.killSwitch.onDrawdown,
                  policy: SupervisionPolicy(supervisor: spec.supervisor, killSwitch: spec.execution.killSwitch),
                  seed: Self.seed(strategy: spec.name.value), killSwitch: killSwitch)
    }

    /// A restart-jitter seed from a strategy name (64-bit FNV-1a): stable across runs and
    /// machines, different between strategies, so strategies that fail together restart apart.
    public static func seed(strategy name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// True once the kill switch has left ACTIVE.
    public var tripped: Bool { supervision.killSwitch.state != .active }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        lastTraceId = message.traceId
        switch message.payload {
        case .alert(let alert) where alert.kind == .drawdown && onDrawdown:
            trip(.drawdown(measured: alert.measured, limit: alert.limit), message, &outbox)
        case .executionError(let failure):
            consecutiveRejects += 1
            if let maxRejects, consecutiveRejects >= maxRejects {
                trip(.rejects(count: consecutiveRejects, lastReason: failure.reason), message, &outbox)
            }
        case .fill:
            consecutiveRejects = 0
        case .command(.resume(let reason)) where tripped:
            // An operator's resume goes through the agents as a command; the kill switch follows
            // it, so a later breach or run of rejects trips it (and cancels open orders) again.
            // The resume is already on its way to the others: nothing is emitted.
            _ = supervision.handle(.resume(reason: reason, actor: "operator", at: message.timestamp))
            consecutiveRejects = 0
        case .heartbeat(let agent):
            supervise(.heartbeat(agent, at: message.timestamp), into: &outbox)
        default:
            break
        }
    }

    /// Passes a runner's event to ``Supervision``; kill-switch changes become commands in
    /// `outbox`, every action is kept for ``takeActions()``.
    public mutating func supervise(_ event: SupervisionEvent, into outbox: inout Outbox) {
        record(supervision.handle(event), at: event.timestamp, traceId: lastTraceId, into: &outbox)
    }

    /// The actions decided since the last call, in order; the runner performs them.
    public mutating func takeActions() -> [SupervisionAction] {
        defer { pendingActions.removeAll() }
        return pendingActions
    }

    private mutating func trip(_ trigger: KillSwitchTrigger, _ message: Envelope, _ outbox: inout Outbox) {
        let actions = supervision.trip(trigger, at: message.timestamp)
        guard !actions.isEmpty else { return }
        incidents.append(trigger.description)
        record(actions, at: message.timestamp, traceId: message.traceId, into: &outbox)
    }

    private mutating func record(_ actions: [SupervisionAction], at timestamp: Int64, traceId: UInt64, into outbox: inout Outbox) {
        for action in actions {
            if case .killSwitch(let transition) = action {
                let command: SupervisorCommand = switch transition.to {
                case .halted: .halt(reason: transition.reason)
                case .reducing: .reduceOnly(reason: transition.reason)
                case .active: .resume(reason: transition.reason)
                }
                outbox.emit(Envelope(timestamp: timestamp, source: id, traceId: traceId, topic: .supervisorCommand, payload: .command(command)))
            }
        }
        pendingActions.append(contentsOf: actions)
    }
}
