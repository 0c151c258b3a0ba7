import Testing
@testable import Agents

/// What Compliance records, and that an audit record hands back the payload it was given. The
/// expected records are the messages themselves, written out by hand.
@Suite struct ComplianceAuditTests {
    private func envelope(_ topic: Topic, _ source: AgentID, _ payload: Payload, at time: Int64 = 1_000, trace: UInt64 = 7) -> Envelope {
        Envelope(timestamp: time, source: source, traceId: trace, topic: topic, payload: payload)
    }

    private func audited(_ message: Envelope, enabled: Bool = true) -> [Envelope] {
        var compliance = ComplianceAgent(enabled: enabled)
        var outbox = Outbox()
        compliance.handle(message, into: &outbox)
        return outbox.messages
    }

    @Test func aFillIsRecordedWithItsTopicTimeAndTrace() throws {
        let fill = Fill(order: 3, parent: 3, instrument: 0, barIndex: 41, quantity: -12, price: 101.5, fee: 0.25,
                        arrivalPrice: 101, reference: .open)
        let out = audited(envelope(.executionFill, .execution, .fill(fill), at: 5_000, trace: 41))
        try #require(out.count == 1)
        #expect(out[0].topic == .complianceAudit)
        #expect(out[0].source == .compliance)
        #expect(out[0].timestamp == 5_000)
        #expect(out[0].traceId == 41)
        guard case .audit(let record) = out[0].payload else { Issue.record("not an audit record"); return }
        #expect(record.kind == "execution.fill")
        #expect(record.timestamp == 5_000)
        guard case .fill(let recorded) = record.payload else { Issue.record("the record lost its fill"); return }
        #expect(recorded == fill)
    }

    @Test func everyAuditedPayloadComesBackUnchanged() {
        let payloads: [(Topic, Payload)] = [
            (.signalShort, .signal(SignalEvent(signal: 1, instrument: 0, direction: .short, confidence: 0.75, regime: 2, members: 5))),
            (.portfolioTarget, .target(TargetOrder(id: 9, instrument: 0, quantity: -30, reference: .close))),
            (.portfolioTrade, .trade(TradeRecord(entryTime: 1, exitTime: 2, entryBar: 3, exitBar: 4, size: 5, entryPrice: 6,
                                                 exitPrice: 7, fees: 0.5, pnl: 4.5, returnFraction: 0.15))),
            (.riskAlert, .alert(RiskAlert(kind: .maxLeverage, instrument: 0, requested: 10, allowed: 4, measured: 2.5, limit: 1))),
            (.executionOrder, .order(OrderUpdate(id: 4, parent: 4, instrument: 0, kind: .limit, quantity: 8, limitPrice: 99,
                                                 filled: 0, status: .accepted))),
            (.executionError, .executionError(ExecutionFailure(order: 4, reason: "halted"))),
            (.supervisorCommand, .command(.reduceOnly(reason: "drawdown"))),
        ]
        for (topic, payload) in payloads {
            let out = audited(envelope(topic, .runner, payload))
            guard out.count == 1, case .audit(let record) = out[0].payload else {
                Issue.record("\(topic.name) was not recorded")
                continue
            }
            #expect(record.kind == topic.name)
            #expect(record.payload.canonicalJSON == payload.canonicalJSON, "\(topic.name)")
        }
    }

    @Test func filledOrdersUnauditedTopicsAndADisabledLogRecordNothing() {
        let filled = OrderUpdate(id: 4, parent: 4, instrument: 0, kind: .market, quantity: 8, filled: 8, status: .filled)
        let partly = OrderUpdate(id: 4, parent: 4, instrument: 0, kind: .market, quantity: 8, filled: 3, status: .partiallyFilled)
        #expect(audited(envelope(.executionOrder, .execution, .order(filled))).isEmpty)
        #expect(audited(envelope(.executionOrder, .execution, .order(partly))).isEmpty)
        let mark = EquitySnapshot(barIndex: 1, timestamp: 2, cash: 3, equity: 4, drawdown: 0, state: .active)
        #expect(audited(envelope(.portfolioEquity, .portfolioRisk, .equity(mark))).isEmpty)
        let target = TargetOrder(id: 1, instrument: 0, quantity: 1, reference: .open)
        #expect(audited(envelope(.portfolioTarget, .portfolioRisk, .target(target)), enabled: false).isEmpty)
    }

    @Test func aRecordOfAnyOtherPayloadKeepsIt() {
        // Compliance never records these, but a record read back from a bus may carry anything.
        let mark = EquitySnapshot(barIndex: 1, timestamp: 2, cash: 3, equity: 4, drawdown: 0.25, state: .reducing)
        var record = AuditRecord(kind: "portfolio.equity", timestamp: 2, payload: .equity(mark))
        guard case .equity(let kept) = record.payload else { Issue.record("the mark was lost"); return }
        #expect(kept == mark)
        let fill = Fill(order: 1, parent: 1, instrument: 0, barIndex: 0, quantity: 1, price: 2, fee: 0, arrivalPrice: 2, reference: .close)
        record.payload = .fill(fill)
        guard case .fill(let replaced) = record.payload else { Issue.record("the new payload was lost"); return }
        #expect(replaced == fill)
    }
}
