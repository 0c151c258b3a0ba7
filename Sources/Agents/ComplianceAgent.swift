/// Sees every decision, order, fill and alert, and turns each into an audit record; the runner
/// appends them to the hash-chained audit log. Keeps the counts a daily report needs.
public struct ComplianceAgent: Agent {
    public let id = AgentID.compliance
    /// Messages seen, indexed by `Topic.rawValue`: stored inline (no copy-on-write check to
    /// count), since a runner calls this on every decision, order and fill.
    var seen = InlineArray<17, Int>(repeating: 0)
    /// The audited topics as a bit set of `Topic.rawValue`.
    let audited: UInt32

    /// - Parameter enabled: `compliance.audit` in the strategy; counts are kept either way.
    public init(enabled: Bool) {
        precondition(Topic.allCases.count == seen.count, "ComplianceAgent counts \(seen.count) topics; Topic has \(Topic.allCases.count)")
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
        // `Topic` has 17 cases (checked in `init`): the index is always in range.
        seen[unchecked: Int(message.topic.rawValue)] += 1
        guard audited & 1 << UInt32(message.topic.rawValue) != 0 else { return }
        // The record takes the payload's value straight from the message: one switch on the
        // borrowed payload, each value moved into its record, no copy of the envelope.
        switch message.payload {
        case .signal(let value): record(.signal(value), of: message, into: &outbox)
        case .target(let value): record(.target(value), of: message, into: &outbox)
        case .trade(let value): record(.trade(value), of: message, into: &outbox)
        case .alert(let value): record(.alert(value), of: message, into: &outbox)
        case .order(let order):
            // A fill records the execution; the order's own filled status would say it twice.
            if order.status == .filled || order.status == .partiallyFilled { return }
            record(.order(order), of: message, into: &outbox)
        case .fill(let value): record(.fill(value), of: message, into: &outbox)
        case .executionError(let value): record(.executionError(value), of: message, into: &outbox)
        case .command(let value): record(.command(value), of: message, into: &outbox)
        default: recordOther(message, into: &outbox)
        }
    }

    @inline(__always)
    private func record(_ recorded: consuming AuditRecord.Recorded, of message: Envelope, into outbox: inout Outbox) {
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId, topic: .complianceAudit,
                             payload: .audit(AuditRecord(topic: message.topic, timestamp: message.timestamp, recorded: recorded))))
    }

    /// An audited topic carrying a payload of another topic's kind: recorded as it
    /// is, boxed. Kept out of `handle`, whose switch then never copies the whole payload.
    @inline(never)
    private func recordOther(_ message: Envelope, into outbox: inout Outbox) {
        record(.other(message.payload), of: message, into: &outbox)
    }
}
