/// Sees every decision, order, fill and alert, and turns each into an audit record; the runner
/// appends them to the hash-chained audit log. Keeps the counts a daily report needs.
public struct ComplianceAgent: Agent {
    public let id = AgentID.compliance
    /// Messages seen, indexed by `Topic.rawValue`: an array, since a runner calls this on every
    /// decision, order and fill.
    var seen = [Int](repeating: 0, count: Topic.allCases.count)
    /// The audited topics as a bit set of `Topic.rawValue`.
    let audited: UInt32

    /// - Parameter enabled: `compliance.audit` in the strategy; counts are kept either way.
    public init(enabled: Bool) {
        let topics: [Topic] = enabled
            ? [.signalLong, .signalShort, .signalFlat, .portfolioTarget, .portfolioTrade, .riskAlert,
               .executionOrder, .executionFill, .executionError, .supervisorCommand]
            : []
        audited = topics.reduce(0) { $0 | 1 << UInt32($1.rawValue) }
    }

    /// Messages seen per topic (topics never seen are absent).
    public var counts: [Topic: Int] {
        var counts: [Topic: Int] = [:]
        for topic in Topic.allCases where seen[Int(topic.rawValue)] > 0 { counts[topic] = seen[Int(topic.rawValue)] }
        return counts
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        seen[Int(message.topic.rawValue)] += 1
        guard audited & 1 << UInt32(message.topic.rawValue) != 0 else { return }
        // The record takes the payload's value straight from the message: one switch, no copy of
        // the envelope or of a record on the way.
        let recorded: AuditRecord.Recorded
        switch message.payload {
        case .signal(let value): recorded = .signal(value)
        case .target(let value): recorded = .target(value)
        case .trade(let value): recorded = .trade(value)
        case .alert(let value): recorded = .alert(value)
        case .order(let order):
            // A fill records the execution; the order's own filled status would say it twice.
            if order.status == .filled || order.status == .partiallyFilled { return }
            recorded = .order(order)
        case .fill(let value): recorded = .fill(value)
        case .executionError(let value): recorded = .executionError(value)
        case .command(let value): recorded = .command(value)
        default: recorded = .other(message.payload)
        }
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .complianceAudit,
                             payload: .audit(AuditRecord(kind: message.topic.name, timestamp: message.timestamp, recorded: recorded))))
    }
}
