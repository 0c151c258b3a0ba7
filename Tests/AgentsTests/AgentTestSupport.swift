import Foundation
import Indicators
import StrategyCompiler
@testable import Agents
@testable import StrategyDSL

/// One day in microseconds: the bar spacing the agent tests use.
let day: Int64 = 86_400_000_000

/// Plans built from a small strategy text, so agent configurations come from the same decoder
/// and planner a real run uses; tests then drive the agents with hand-made messages.
enum AgentFixture {
    /// A one-instrument strategy over a synthetic daily source with the given `risk:` and
    /// `execution:` sections (YAML flow or block text, indented by two spaces).
    static func plan(portfolio: String = "", risk: String = "", execution: String = "") throws -> Plan {
        let yaml = """
        strategy: { name: agents }
        \(portfolio)
        data:
          x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1d }
        features:
          fast: sma(close, 2)
        signals:
          go:
            long: fast > 0
        risk:
        \(risk.isEmpty ? "  max_leverage: 1.0" : risk)
        execution:
        \(execution.isEmpty ? "  algo: market" : execution)
        """
        let result = Linter(models: nil).lint(text: yaml, path: "agents.yaml")
        guard !result.hasErrors, let checked = result.checked else {
            throw FixtureError(message: result.diagnostics.map { "\($0.code): \($0.message)" }.joined(separator: "\n"))
        }
        return try Planner.plan(checked)
    }

    static func portfolio(portfolio: String = "", risk: String, fill: String = "close", feeBps: Double = 0,
                          feeFixed: Double = 0) throws -> PortfolioRiskAgent {
        let plan = try plan(portfolio: portfolio, risk: risk,
                            execution: "  venue: { sim: { fill: \(fill), fee_bps: \(feeBps), fee_fixed: \(feeFixed) } }")
        return PortfolioRiskAgent(config: PortfolioConfig(plan: plan))
    }

    static func execution(_ execution: String) throws -> ExecutionAgent {
        ExecutionAgent(config: ExecutionConfig(plan: try plan(execution: execution)))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Drives one agent with messages the way the fused runner would, one at a time, and keeps
/// what each message produced.
struct Driver<A: Agent> {
    var agent: A
    var bar = -1
    var time: Int64 = 0

    init(_ agent: A) {
        self.agent = agent
    }

    @discardableResult
    mutating func send(_ payload: Payload, topic: Topic, source: AgentID = .runner) -> [Envelope] {
        var outbox = Outbox()
        agent.handle(Envelope(timestamp: time, source: source, traceId: UInt64(max(bar, 0)), topic: topic, payload: payload), into: &outbox)
        return outbox.messages
    }

    /// A new bar of instrument 0 (its index and time advance by one day).
    @discardableResult
    mutating func bar(open: Double, high: Double? = nil, low: Double? = nil, close: Double, volume: Double = 1_000_000) -> [Envelope] {
        bar += 1
        time = Int64(bar) * day
        let b = Bar(timestamp: time, open: open, high: high ?? max(open, close), low: low ?? min(open, close), close: close, volume: volume)
        return send(.bar(MarketBar(instrument: 0, bar: b)), topic: .marketRaw, source: .marketData)
    }

    /// A bar whose open, high, low and close are all `price`.
    @discardableResult
    mutating func flatBar(_ price: Double, volume: Double = 1_000_000) -> [Envelope] {
        bar(open: price, close: price, volume: volume)
    }

    @discardableResult
    mutating func signal(_ direction: Direction) -> [Envelope] {
        send(.signal(SignalEvent(signal: 0, instrument: 0, direction: direction, confidence: 1)), topic: direction.topic, source: .signal)
    }

    @discardableResult
    mutating func fill(_ quantity: Double, at price: Double, fee: Double = 0, reference: PriceReference = .close) -> [Envelope] {
        let fill = Fill(order: 1, parent: 1, instrument: 0, barIndex: bar, quantity: quantity, price: price, fee: fee,
                        arrivalPrice: price, reference: reference)
        return send(.fill(fill), topic: .executionFill, source: .execution)
    }

    @discardableResult
    mutating func closeBar() -> [Envelope] {
        send(.barClosed(instrument: 0), topic: .clock)
    }

    @discardableResult
    mutating func target(_ quantity: Double, reference: PriceReference = .open, id: UInt64 = 1) -> [Envelope] {
        send(.target(TargetOrder(id: id, instrument: 0, quantity: quantity, reference: reference)), topic: .portfolioTarget, source: .portfolioRisk)
    }

    @discardableResult
    mutating func command(_ command: SupervisorCommand) -> [Envelope] {
        send(.command(command), topic: .supervisorCommand, source: .supervisor)
    }
}

extension Array where Element == Envelope {
    var targets: [TargetOrder] { compactMap { if case .target(let t) = $0.payload { t } else { nil } } }
    var alerts: [RiskAlert] { compactMap { if case .alert(let a) = $0.payload { a } else { nil } } }
    var trades: [TradeRecord] { compactMap { if case .trade(let t) = $0.payload { t } else { nil } } }
    var fills: [Fill] { compactMap { if case .fill(let f) = $0.payload { f } else { nil } } }
    var orders: [OrderUpdate] { compactMap { if case .order(let o) = $0.payload { o } else { nil } } }
    var equity: [EquitySnapshot] { compactMap { if case .equity(let e) = $0.payload { e } else { nil } } }
    var errors: [ExecutionFailure] { compactMap { if case .executionError(let e) = $0.payload { e } else { nil } } }
    var commands: [SupervisorCommand] { compactMap { if case .command(let c) = $0.payload { c } else { nil } } }
}

/// Equal within a relative 1e-12: for hand-computed money where the engine's order of
/// floating-point operations may differ from the comment's.
func close(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
