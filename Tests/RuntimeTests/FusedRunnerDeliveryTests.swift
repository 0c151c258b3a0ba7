import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// The fused runner moves most bars through the agents' typed entry points without envelopes.
/// The expected run here comes from an independent router written for the test: every message
/// an envelope, delivered by each agent's `handle` from one first-in, first-out queue, with the
/// subscription table of docs/architecture.md. The sink must see the same envelopes in the
/// same order, byte for byte in canonical JSON.
struct FusedRunnerDeliveryTests {
    /// What a sink is handed, kept as comparable text.
    struct Recording: RunSink {
        var lines: [String] = []

        mutating func receive(_ envelope: Envelope) {
            lines.append("\(envelope.topic.name) \(envelope.source) \(envelope.timestamp) \(envelope.traceId) \(envelope.payload.canonicalJSON)")
        }
    }

    /// The reference: one queue, `handle` only.
    struct QueueRouter {
        var agents: AgentSet
        var sink = Recording()
        var sequence: UInt64 = 0
        var lastTimestamp: Int64 = 0

        mutating func push(_ bar: Bar) {
            var outbox = Outbox()
            agents.marketData.handle(Envelope(timestamp: bar.timestamp, source: .runner, traceId: sequence, topic: .marketRaw,
                                              payload: .bar(MarketBar(instrument: 0, bar: bar))), into: &outbox)
            for message in outbox.messages {
                deliver([message])
                deliver([Envelope(timestamp: lastTimestamp, source: .runner, traceId: sequence, topic: .clock,
                                  payload: .barClosed(instrument: 0))])
            }
            sequence += 1
        }

        mutating func finish() {
            let trades = agents.portfolio.closeOut(at: lastTimestamp, barIndex: Int(sequence) - 1)
            deliver(trades.map {
                Envelope(timestamp: lastTimestamp, source: .portfolioRisk, traceId: sequence &- 1, topic: .portfolioTrade, payload: .trade($0))
            })
        }

        mutating func deliver(_ roots: [Envelope]) {
            var queue = roots
            var head = 0
            while head < queue.count {
                let message = queue[head]
                head += 1
                var out = Outbox()
                route(message, into: &out)
                queue.append(contentsOf: out.messages)
            }
        }

        mutating func route(_ message: Envelope, into out: inout Outbox) {
            switch message.topic {
            case .marketRaw:
                lastTimestamp = message.timestamp
                sink.receive(message)
                agents.execution.handle(message, into: &out)
                agents.portfolio.handle(message, into: &out)
                agents.feature.handle(message, into: &out)
            case .featuresCandles, .featuresMicro:
                agents.signal.handle(message, into: &out)
            case .signalLong, .signalShort, .signalFlat:
                sink.receive(message)
                agents.portfolio.handle(message, into: &out)
                agents.compliance.handle(message, into: &out)
            case .portfolioTarget:
                agents.execution.handle(message, into: &out)
                agents.compliance.handle(message, into: &out)
            case .executionFill:
                sink.receive(message)
                agents.portfolio.handle(message, into: &out)
                agents.supervisor.handle(message, into: &out)
                agents.compliance.handle(message, into: &out)
            case .executionError, .riskAlert:
                sink.receive(message)
                agents.supervisor.handle(message, into: &out)
                agents.compliance.handle(message, into: &out)
            case .executionOrder, .portfolioTrade:
                sink.receive(message)
                agents.compliance.handle(message, into: &out)
            case .supervisorCommand:
                sink.receive(message)
                agents.portfolio.handle(message, into: &out)
                agents.execution.handle(message, into: &out)
                agents.compliance.handle(message, into: &out)
            case .portfolioEquity, .complianceAudit:
                sink.receive(message)
            case .clock:
                sink.receive(message)
                agents.portfolio.handle(message, into: &out)
            case .heartbeat:
                break
            }
        }
    }

    static func plan(_ yaml: String) throws -> Plan {
        let result = Linter(models: nil, workingDirectory: packageRoot).lint(text: yaml, path: "delivery.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        return try Planner.plan(try #require(result.checked))
    }

    static func bars() throws -> [Bar] {
        var bars: [Bar] = []
        try CSVBarReader(path: packageRoot.appendingPathComponent("data/GOOG.csv").path).forEachBar { bars.append($0) }
        return bars
    }

    /// The fused runner's and the queue's recordings of one strategy over data/GOOG.csv.
    static func both(_ yaml: String) throws -> (fused: [String], reference: [String]) {
        let plan = try plan(yaml)
        var runner = FusedRunner(plan: plan, evaluators: [:])
        var fused = Recording()
        var reference = QueueRouter(agents: AgentSet(plan: plan, evaluators: [:]))
        for bar in try bars() {
            runner.push(bar, into: &fused)
            reference.push(bar)
        }
        runner.finish(into: &fused)
        reference.finish()
        return (fused.lines, reference.sink.lines)
    }

    static func drawdownHalt(fill: String) -> String {
        BacktestParityTests.smaCross(fill: fill, feeBps: 0)
            .replacingOccurrences(of: "sizing: { equity_fraction: 1.0, lot: 1 }",
                                  with: "sizing: { equity_fraction: 1.0, lot: 1 }\n  max_drawdown: { limit: 0.2, action: halt }")
    }

    @Test("TWAP children, fees, slippage and a participation cap: the same envelopes as the queue")
    func busyVenue() throws {
        let (fused, reference) = try Self.both(FusedRunnerTests.busy)
        #expect(fused.count > 5_000)
        #expect(fused.contains { $0.hasPrefix("execution.fill") })
        #expect(fused == reference)
    }

    @Test("A drawdown halt at the close, with fills at the next open and at the close: the same envelopes as the queue")
    func drawdownHaltAtTheClose() throws {
        for fill in ["next_open", "close"] {
            let (fused, reference) = try Self.both(Self.drawdownHalt(fill: fill))
            #expect(fused.contains { $0.hasPrefix("supervisor.command") }, "the halt happened (\(fill))")
            #expect(fused == reference, "fill: \(fill)")
        }
    }

    @Test("Forward-filled gaps (several bars from one source bar): the same envelopes as the queue")
    func forwardFilledGaps() throws {
        let yaml = BacktestParityTests.smaCross(fill: "next_open", feeBps: 10)
            .replacingOccurrences(of: "interval: 1d }", with: "interval: 1d, calendar: always, gaps: forward_fill }")
        #expect(yaml.contains("forward_fill"))
        let (fused, reference) = try Self.both(yaml)
        let bars = try Self.bars().count
        #expect(fused.count(where: { $0.hasPrefix("market.raw") }) > bars, "weekends were filled")
        #expect(fused == reference)
    }

    @Test("Typed callbacks and the envelope default give a collecting sink the same bars, closes and equity")
    func typedAndEnvelopeSinksAgree() throws {
        struct EnvelopeOnly: RunSink {
            var base = CollectingSink()
            mutating func receive(_ envelope: Envelope) { base.receive(envelope) }
        }
        let plan = try Self.plan(FusedRunnerTests.busy)
        var typed = CollectingSink(), enveloped = EnvelopeOnly()
        var first = FusedRunner(plan: plan, evaluators: [:]), second = FusedRunner(plan: plan, evaluators: [:])
        for bar in try Self.bars() {
            first.push(bar, into: &typed)
            second.push(bar, into: &enveloped)
        }
        first.finish(into: &typed)
        second.finish(into: &enveloped)
        #expect(typed.bars.count > 2_000)
        #expect(typed.bars == enveloped.base.bars)
        #expect(typed.equity == enveloped.base.equity)
        #expect(typed.closes.elementsEqual(enveloped.base.closes) { $0.bitPattern == $1.bitPattern })
        #expect(typed.trades == enveloped.base.trades)
    }
}
