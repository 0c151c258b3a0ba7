/// Sees every decision, order, fill and alert, and turns each into an audit record; the runner
/// appends them to the hash-chained audit log. Keeps the counts a daily report needs.
public struct ComplianceAgent: Agent {
    public let id = AgentID.compliance
    public internal(set) var counts: [Topic: Int] = [:]
    let audited: Set<Topic>

    /// - Parameter enabled: `compliance.audit` in the strategy; counts are kept either way.
    public init(enabled: Bool) {
        audited = enabled
            ? [.signalLong, .signalShort, .signalFlat, .portfolioTarget, .portfolioTrade, .riskAlert,
               .executionOrder, .executionFill, .executionError, .supervisorCommand]
            : []
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        counts[message.topic, default: 0] += 1
        guard audited.contains(message.topic) else { return }
        // A fill records the execution; the order's own filled status would say it twice.
        if case .order(let order) = message.payload, order.status == .filled || order.status == .partiallyFilled { return }
        let record = AuditRecord(kind: message.topic.name, timestamp: message.timestamp, payload: message.payload)
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .complianceAudit,
                             payload: .audit(record)))
    }
}
