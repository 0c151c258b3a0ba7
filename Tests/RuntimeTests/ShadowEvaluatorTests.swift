import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// `alpha` at v1 and v2, both reading feature `a`.
private struct AlphaModels: ModelResolving {
    func resolve(_ reference: String) -> ModelResolution {
        let parts = reference.split(separator: "@").map(String.init)
        guard parts.count == 2, parts[0] == "alpha" else { return .unknownModel(known: ["alpha"]) }
        return .resolved(ResolvedModelInfo(name: "alpha", version: parts[1], features: ["a"], outputs: ["prediction"],
                                           manifestHash: String(repeating: "0", count: 64)))
    }
}

/// The shadow books, fed a few hand-made bars and decisions (docs/backtesting.md, "Shadow models").
struct ShadowEvaluatorTests {
    static let strategy = """
        strategy: { name: shadows }
        data:
          x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1d }
        features:
          a: sma(close, 2)
        models:
          live: alpha@v1
          next: alpha@v2
        signals:
          model:
            model: live
            long_above: 0.6
            short_below: 0.4
            shadow: [next]
        risk:
          sizing: { fixed: 10 }
          max_leverage: 1.0
        execution:
          algo: market
          venue: { sim: { fill: close, fee_bps: 0 } }
        """

    static func plan() throws -> Plan {
        let result = Linter(models: AlphaModels()).lint(text: strategy, path: "shadows.yaml")
        return try Planner.plan(try #require(result.checked, "\(result.diagnostics)"))
    }

    /// Feeds one bar (open = close) as the runner would: the bar, the bar's decisions, the close.
    static func bar(_ index: Int, close: Double, live: Direction?, shadow: Direction?, into evaluator: inout ShadowEvaluator) {
        let time = Int64(index) * 86_400_000_000
        let bar = Bar(timestamp: time, open: close, high: close, low: close, close: close, volume: 1_000_000)
        evaluator.observe(Envelope(timestamp: time, source: .marketData, traceId: UInt64(index), topic: .marketRaw,
                                   payload: .bar(MarketBar(instrument: 0, bar: bar))))
        if let live {
            let event = SignalEvent(signal: 0, instrument: 0, direction: live, confidence: 1)
            evaluator.observe(Envelope(timestamp: time, source: .signal, traceId: UInt64(index), topic: live.topic, payload: .signal(event)))
        }
        if let shadow {
            let event = SignalEvent(signal: 0, instrument: 0, direction: shadow, confidence: 1, members: 1, shadow: true)
            evaluator.observe(Envelope(timestamp: time, source: .signal, traceId: UInt64(index), topic: shadow.topic, payload: .signal(event)))
        }
        evaluator.observe(Envelope(timestamp: time, source: .runner, traceId: UInt64(index), topic: .clock,
                                   payload: .barClosed(instrument: 0)))
    }

    @Test func handComputedLiveAndShadow() throws {
        let plan = try Self.plan()
        // sma(close, 2) is valid from the second bar: measures start at bar 1.
        #expect(plan.firstTradingBar == 1)
        var evaluator = ShadowEvaluator(plan: plan)
        // Closes 100, 110, 99, 125. Live: long on bar 0, flat on bar 2. Shadow: short on bar 0,
        // long on bar 1 (held to the end). Fills at the close, no fees, 10 units a position.
        Self.bar(0, close: 100, live: .long, shadow: .short, into: &evaluator)
        Self.bar(1, close: 110, live: nil, shadow: .long, into: &evaluator)
        Self.bar(2, close: 99, live: .flat, shadow: nil, into: &evaluator)
        Self.bar(3, close: 125, live: nil, shadow: nil, into: &evaluator)
        let evaluations = evaluator.evaluations()
        #expect(evaluations.map(\.subject.role) == [.live, .shadow])
        #expect(evaluations.map(\.subject.version) == ["v1", "v2"])
        #expect(evaluations.map(\.subject.signalName) == ["model", "model"])
        let live = evaluations[0], shadow = evaluations[1]
        let years = 252.0.squareRoot()

        // Live: one call, long 100 → 99 (−1 %): a miss. Book: +10 @ 100, −10 @ 99: P&L −10.
        // Equity at bars 1–3: 10 100, 9 990, 9 990; returns x = 9990/10100 − 1 and 0, whose mean
        // over sample deviation is (x/2) / (|x|/√2) = −1/√2: Sharpe −√252/√2 = −√126.
        #expect(live.signals == 1 && live.hits == 0 && live.hitRate == 0)
        #expect(close(live.pnl, -10))
        #expect(close(live.sharpe, -(126.0).squareRoot()))

        // Shadow: short 100 → 110 (+10 %, a miss), long 110 → 125 at the end (a hit): 1 of 2.
        // Book: −10 @ 100, reversed at 110 (−100), +10 @ 110 marked at 125 (+150): P&L +50.
        // Equity at bars 1–3: 9 900, 9 790 (9 900 + 10 × (99 − 110)), 10 050.
        #expect(shadow.signals == 2 && shadow.hits == 1 && shadow.hitRate == 0.5)
        #expect(close(shadow.pnl, 50))
        let s1 = 9790.0 / 9900 - 1, s2 = 10050.0 / 9790 - 1
        #expect(close(shadow.sharpe, (s1 + s2) / 2 / (abs(s1 - s2) / 2.0.squareRoot()) * years))

        // Buy and hold from bar 1's close (110) to 125: +13.64 %; 10 000 × 15/110 on the cash;
        // Sharpe of the close returns 99/110 − 1 and 125/99 − 1.
        for evaluation in evaluations {
            #expect(close(evaluation.benchmarkReturn, 125.0 / 110 - 1))
            #expect(close(evaluation.benchmarkPnL, 10_000 * 15 / 110))
            let b1 = 99.0 / 110 - 1, b2 = 125.0 / 99 - 1
            #expect(close(evaluation.benchmarkSharpe, (b1 + b2) / 2 / (abs(b1 - b2) / 2.0.squareRoot()) * years))
        }
    }

    @Test func shadowDecisionsNeverReachTheLiveBook() throws {
        var evaluator = ShadowEvaluator(plan: try Self.plan())
        // Only the shadow decides: the live book stays in cash, the shadow book is long 110 → 125.
        Self.bar(0, close: 100, live: nil, shadow: nil, into: &evaluator)
        Self.bar(1, close: 110, live: nil, shadow: .long, into: &evaluator)
        Self.bar(2, close: 125, live: nil, shadow: nil, into: &evaluator)
        let evaluations = evaluator.evaluations()
        #expect(evaluations[0].signals == 0 && evaluations[0].pnl == 0 && evaluations[0].sharpe == 0)
        #expect(evaluations[0].hitRate == 0, "no calls: hit rate 0")
        // 10 × (125 − 110) = 150.
        #expect(close(evaluations[1].pnl, 150))
        #expect(evaluations[1].signals == 1 && evaluations[1].hits == 1)
    }

    @Test func aStrategyWithoutModelSignalsHasNothingToScore() throws {
        let result = Linter(models: AlphaModels()).lint(text: """
            strategy: { name: rules }
            data:
              x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1d }
            features:
              a: sma(close, 2)
            signals:
              go:
                long: a > 1
            """, path: "rules.yaml")
        let evaluator = ShadowEvaluator(plan: try Planner.plan(try #require(result.checked)))
        #expect(evaluator.isEmpty)
        #expect(evaluator.evaluations().isEmpty)
    }
}

private func close(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
}
