import Indicators
import Testing
@testable import Agents

/// The short paths of the runner's hot loop: the ordinary bar in Execution and PortfolioRisk
/// with two instruments whose bars interleave (each instrument's orders and decisions work
/// against its own last bar: prices chosen far apart so a mix-up shows), and the outbox handing
/// messages over and ending them case by case.
struct MessagePathTests {
    private static func bar(_ instrument: Int, _ index: Int, open: Double, close: Double) -> MarketBar {
        MarketBar(instrument: instrument, bar: Bar(timestamp: Int64(index) * day, open: open, high: max(open, close),
                                                   low: min(open, close), close: close, volume: 1_000_000))
    }

    private static func stamp(_ index: Int) -> Stamp { Stamp(timestamp: Int64(index) * day, traceId: UInt64(index)) }

    /// The fills a buy of 10 on `instrument` gets at the open.
    private static func fills(_ agent: inout ExecutionAgent, instrument: Int) -> [Fill] {
        var out = Outbox()
        let target = TargetOrder(id: 1, instrument: instrument, quantity: 10, reference: .open)
        agent.handle(Envelope(timestamp: day, source: .portfolioRisk, traceId: 1, topic: .portfolioTarget, payload: .target(target)),
                     into: &out)
        return out.messages.fills
    }

    @Test func executionFillsEachInstrumentAgainstItsOwnLastBar() throws {
        var config = ExecutionConfig(plan: try AgentFixture.plan(
            execution: "  algo: market\n  venue: { sim: { fill: next_open, fee_bps: 0, slippage_bps: 0 } }"))
        config.instruments = 2
        var agent = ExecutionAgent(config: config)
        var outbox = Outbox()
        agent.onBar(Self.bar(0, 0, open: 50, close: 52), stamp: Self.stamp(0), into: &outbox)
        agent.onBar(Self.bar(1, 0, open: 200, close: 210), stamp: Self.stamp(0), into: &outbox)
        agent.onBar(Self.bar(0, 1, open: 51, close: 53), stamp: Self.stamp(1), into: &outbox)
        #expect(outbox.isEmpty, "nothing rests: a bar emits nothing")
        var carried = ExecutionAgent(config: config).carrying(from: agent)
        // Instrument 1's last bar opened at 200, instrument 0's at 51; no slippage, no fees.
        #expect(Self.fills(&agent, instrument: 1).map(\.price) == [200])
        #expect(Self.fills(&agent, instrument: 0).map(\.price) == [51])
        // A reload carries both instruments' last bars over.
        #expect(Self.fills(&carried, instrument: 1).map(\.price) == [200])
        #expect(Self.fills(&carried, instrument: 0).map(\.price) == [51])
    }

    @Test func aDecisionWaitsForItsOwnInstrumentsNextOpen() throws {
        var config = PortfolioConfig(plan: try AgentFixture.plan(
            risk: "  sizing: { fixed: 10 }", execution: "  venue: { sim: { fill: next_open } }"))
        config.instruments = ["X", "Y"]
        var agent = PortfolioRiskAgent(config: config)
        var outbox = Outbox()
        agent.onBar(Self.bar(0, 0, open: 50, close: 52), stamp: Self.stamp(0), into: &outbox)
        agent.onBar(Self.bar(1, 0, open: 200, close: 210), stamp: Self.stamp(0), into: &outbox)
        let long = SignalEvent(signal: 0, instrument: 1, direction: .long, confidence: 1)
        agent.handle(Envelope(timestamp: 0, source: .signal, traceId: 0, topic: .signalLong, payload: .signal(long)), into: &outbox)
        #expect(outbox.isEmpty, "with fill: next_open the decision waits for the next open")
        agent.onBar(Self.bar(0, 1, open: 51, close: 53), stamp: Self.stamp(1), into: &outbox)
        #expect(outbox.isEmpty, "instrument 0's open is not instrument 1's")
        agent.onBar(Self.bar(1, 1, open: 205, close: 206), stamp: Self.stamp(1), into: &outbox)
        // fixed: 10 units; 10 × 205 = 2,050 is within 1 × 10,000 of leverage.
        let targets = outbox.messages.targets
        #expect(targets.map(\.instrument) == [1] && targets.map(\.quantity) == [10] && targets.map(\.reference) == [.open])
        outbox.removeAll()
        agent.onBar(Self.bar(1, 2, open: 207, close: 208), stamp: Self.stamp(2), into: &outbox)
        #expect(outbox.isEmpty, "the decision was taken once")
    }

    @Test func takeAllHandsOverEveryMessageInOrderAndLeavesTheOutboxEmpty() {
        let fill = Fill(order: 3, parent: 3, instrument: 0, barIndex: 4, quantity: -2, price: 10.5, fee: 0.5, arrivalPrice: 10,
                        reference: .open)
        let trade = TradeRecord(entryTime: 1, exitTime: 2, entryBar: 3, exitBar: 4, size: 5, entryPrice: 6, exitPrice: 7,
                                fees: 0.5, pnl: 4.5, returnFraction: 0.15)
        // Every kind of ending: values with references (an array, strings, a boxed record) and without.
        let payloads: [Payload] = [
            .features(FeatureFrame(instrument: 0, barIndex: 4, values: [1.5, 2.5])),
            .fill(fill),
            .command(.halt(reason: "drawdown 30%")),
            .audit(AuditRecord(topic: .portfolioTrade, timestamp: 2, payload: .trade(trade))),
            .executionError(ExecutionFailure(order: 9, reason: "halted")),
            .audit(AuditRecord(topic: .supervisorCommand, timestamp: 3, payload: .command(.resume(reason: "operator")))),
            .audit(AuditRecord(topic: .portfolioEquity, timestamp: 3,
                               payload: .equity(EquitySnapshot(barIndex: 1, timestamp: 3, cash: 4, equity: 5, drawdown: 0, state: .active)))),
        ]
        var outbox = Outbox()
        for (index, payload) in payloads.enumerated() {
            outbox.emit(Envelope(timestamp: Int64(index), source: .runner, traceId: UInt64(index), topic: .heartbeat, payload: payload))
        }
        for round in 0..<2 {
            var received: [Envelope] = []
            outbox.takeAll { received.append($0) }
            #expect(outbox.isEmpty)
            #expect(received.map(\.traceId) == Array(0..<UInt64(payloads.count)), "round \(round)")
            #expect(received.map(\.payload.canonicalJSON) == payloads.map(\.canonicalJSON), "round \(round)")
            guard case .features(let frame) = received.first?.payload else { Issue.record("the frame was lost"); return }
            #expect(frame.values == [1.5, 2.5])
            // The outbox is reused, as the runner reuses it.
            for message in received { outbox.emit(message) }
        }
    }

    @Test func anOutboxIsAValueItsCopiesDoNotShareWrites() {
        func message(_ index: Int) -> Envelope {
            Envelope(timestamp: Int64(index), source: .runner, traceId: UInt64(index), topic: .executionError,
                     payload: .executionError(ExecutionFailure(order: UInt64(index), reason: "reason \(index)")))
        }
        var original = Outbox(capacity: 0)
        var empty = original
        // Past the first capacity (16), so the buffer grows while a copy still holds the old one.
        for index in 0..<20 { original.emit(message(index)) }
        #expect(empty.isEmpty, "a copy made before the emits sees none of them")
        let copy = original
        original.emit(message(20))
        #expect(copy.count == 20 && original.count == 21)
        var taken: [UInt64] = []
        original.takeAll { taken.append($0.traceId) }
        #expect(taken == Array(0...20))
        #expect(copy.messages.map(\.traceId) == Array(0..<20), "taking from one value leaves its copy whole")
        #expect(copy[19].traceId == 19)
        guard case .executionError(let failure) = copy[7].payload else { Issue.record("\(copy[7])"); return }
        #expect(failure.reason == "reason 7")
        var emptied = copy
        emptied.removeAll()
        #expect(emptied.isEmpty && copy.count == 20)
        empty.emit(message(1))
        #expect(empty.count == 1 && Outbox(capacity: 0).isEmpty, "the shared empty buffer is never written")
    }

    @Test func thePayloadsAnOutboxEndsWithoutADestroyHoldNoReferences() {
        // `takeAll` forgets these without a destroy (`Payload.holdsReferences` is false for
        // them): a field with a reference added to one of them would leak. The runtime's own
        // answer, not the outbox's.
        let forgotten = [_isPOD(MarketBar.self), _isPOD(SignalEvent.self), _isPOD(TargetOrder.self), _isPOD(TradeRecord.self),
                         _isPOD(EquitySnapshot.self), _isPOD(RiskAlert.self), _isPOD(OrderUpdate.self), _isPOD(Fill.self),
                         _isPOD(AgentID.self)]
        #expect(forgotten.allSatisfy { $0 }, "\(forgotten)")
        #expect(!_isPOD(FeatureFrame.self) && !_isPOD(ExecutionFailure.self) && !_isPOD(SupervisorCommand.self))
        #expect(!Payload.barClosed(instrument: 0).holdsReferences && Payload.command(.resume(reason: "")).holdsReferences)
        let trade = TradeRecord(entryTime: 1, exitTime: 2, entryBar: 3, exitBar: 4, size: 5, entryPrice: 6, exitPrice: 7,
                                fees: 0, pnl: 5, returnFraction: 0.1)
        #expect(!Payload.audit(AuditRecord(topic: .portfolioTrade, timestamp: 2, payload: .trade(trade))).holdsReferences)
        #expect(Payload.audit(AuditRecord(topic: .portfolioEquity, timestamp: 2,
                                          payload: .heartbeat(.runner))).holdsReferences, "a boxed payload")
    }

    @Test func anEnvelopeWithTheLargestPayloadFitsIn128Bytes() {
        // An audit record of a trade is the largest payload; past 128 bytes every envelope move
        // becomes a call to memcpy.
        #expect(MemoryLayout<Envelope>.size <= 128)
    }

    @Test func anAuditRecordsKindIsItsTopicsName() {
        let record = AuditRecord(kind: "execution.fill", timestamp: 5, payload: .heartbeat(.runner))
        #expect(record.topic == .executionFill && record.kind == "execution.fill")
    }
}
