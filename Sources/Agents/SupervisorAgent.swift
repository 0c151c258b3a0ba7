import StrategyDSL

/// Watches alerts and execution errors and turns breaches into commands: a drawdown breach
/// (unless `kill_switch.on_drawdown` is false), or too many rejects in a row, trips the kill
/// switch into its `kill_switch.action` (halt: cancel every order, HALTED; reduce_only: REDUCING).
public struct SupervisorAgent: Agent {
    public let id = AgentID.supervisor
    let maxRejects: Int?
    let onDrawdown: Bool
    let action: RiskSpec.DrawdownAction
    public private(set) var consecutiveRejects = 0
    public private(set) var tripped = false
    public private(set) var incidents: [String] = []

    public init(maxRejects: Int?, onDrawdown: Bool = true, action: RiskSpec.DrawdownAction = .halt) {
        self.maxRejects = maxRejects
        self.onDrawdown = onDrawdown
        self.action = action
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        switch message.payload {
        case .alert(let alert) where alert.kind == .drawdown && onDrawdown:
            trip("drawdown \(alert.measured) reached the limit \(alert.limit)", message, &outbox)
        case .executionError(let failure):
            consecutiveRejects += 1
            if let maxRejects, consecutiveRejects >= maxRejects {
                trip("\(consecutiveRejects) orders rejected in a row (last: \(failure.reason))", message, &outbox)
            }
        case .fill:
            consecutiveRejects = 0
        default:
            break
        }
    }

    private mutating func trip(_ reason: String, _ message: Envelope, _ outbox: inout Outbox) {
        guard !tripped else { return }
        tripped = true
        incidents.append(reason)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .supervisorCommand,
                             payload: .command(action == .halt ? .halt(reason: reason) : .reduceOnly(reason: reason))))
    }
}
