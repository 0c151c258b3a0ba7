import StrategyDSL

/// Watches the strategy and turns trouble into commands.
///
/// In every mode: a drawdown breach (unless `kill_switch.on_drawdown` is false), or too many
/// rejects in a row, trips the kill switch into its `kill_switch.action` (halt: cancel every
/// order, HALTED; reduce_only: REDUCING). In paper and live runs the runner also feeds it
/// heartbeats and ``SupervisionEvent``s (agent failures, feed and venue contact and errors,
/// operator kill and resume); ``Supervision`` decides restarts with backoff, breaker changes and
/// kill-switch trips, and the runner performs the ``SupervisionAction``s it collects with
/// ``takeActions()``. A backtest sends no heartbeats, so there only the first duty applies.
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
