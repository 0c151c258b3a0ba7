import Foundation
import Testing
@testable import Agents

/// docs/strategy-language.md, "Signals": what each kind of signal decides, bar by bar.
@Suite struct SignalRuleTests {
    static let rule = """
          go:
            long: a > 1
            short: b > 1
            flat: c > 1
        """

    @Test func flatWinsAndLongWithShortIsFlat() throws {
        var bench = try SignalBench(signals: Self.rule)
        try bench.set("go", long: true)
        #expect(bench.step().map(\.direction) == [.long])
        try bench.set("go", long: true, flat: true)
        #expect(bench.step().map(\.direction) == [.flat], "flat wins over long")
        try bench.set("go", short: true)
        #expect(bench.step().map(\.direction) == [.short])
        try bench.set("go", short: true, flat: true)
        #expect(bench.step().map(\.direction) == [.flat], "flat wins over short")
        try bench.set("go", long: true)
        #expect(bench.step().map(\.direction) == [.long])
        try bench.set("go", long: true, short: true)
        #expect(bench.step().map(\.direction) == [.flat], "long and short together mean flat")
    }

    @Test func noConditionKeepsTheLastDecision() throws {
        var bench = try SignalBench(signals: Self.rule)
        try bench.set("go")
        #expect(bench.step().isEmpty, "nothing decided yet")
        #expect(bench.agent.directions == [nil])
        try bench.set("go", short: true)
        #expect(bench.step().map(\.direction) == [.short])
        try bench.set("go")
        #expect(bench.step().isEmpty)
        #expect(bench.agent.directions == [.short], "no rule fired: the short stands")
    }

    @Test func aTradedSignalEmitsOnlyWhenItsDirectionChanges() throws {
        var bench = try SignalBench(signals: Self.rule)
        var emitted: [Direction] = []
        // long, long, long, flat, flat, long: three changes.
        for (long, flat) in [(true, false), (true, false), (true, false), (false, true), (false, true), (true, false)] {
            try bench.set("go", long: long, flat: flat)
            emitted += bench.step().map(\.direction)
        }
        #expect(emitted == [.long, .flat, .long])
    }

    @Test func ruleEventsCarryConfidenceOneAndNoRegime() throws {
        var bench = try SignalBench(signals: Self.rule)
        try bench.set("go", long: true)
        let event = try #require(bench.step().first)
        #expect(event.confidence == 1)
        #expect(event.regime == -1)
        #expect(!event.shadow)
        #expect(event.signal == 0)
    }
}

@Suite struct SignalModelTests {
    static let models = "  m: alpha@v1\n  n: beta@v1\n"
    static let signal = """
          model:
            model: m
            long_above: 0.6
            short_below: 0.4
        """

    @Test func thresholdsAndConfidence() throws {
        var bench = try SignalBench(models: Self.models, signals: Self.signal)
        let a = try bench.register("a")
        bench.values[a] = 0.7
        var event = try #require(bench.step().first)
        // Long: confidence is the output, 0.7.
        #expect(event.direction == .long && close(event.confidence, 0.7))
        bench.values[a] = 0.5
        event = try #require(bench.step().first)
        // Between the thresholds: flat, confidence 1 − |0.5 − 0.5| × 2 = 1.
        #expect(event.direction == .flat && close(event.confidence, 1))
        bench.values[a] = 0.2
        event = try #require(bench.step().first)
        // Short: confidence 1 − 0.2 = 0.8.
        #expect(event.direction == .short && close(event.confidence, 0.8))
        bench.values[a] = 0.6
        event = try #require(bench.step().first)
        // Exactly at long_above is not above it: flat, confidence 1 − |0.6 − 0.5| × 2 = 0.8.
        #expect(event.direction == .flat && close(event.confidence, 0.8))
        bench.values[a] = 0.4
        #expect(bench.step().isEmpty, "exactly at short_below is not below it: still flat")
    }

    @Test func warmingInputsDecideNothing() throws {
        var bench = try SignalBench(models: Self.models, signals: Self.signal)
        let a = try bench.register("a")
        bench.values[a] = .nan
        #expect(bench.step().isEmpty)
        #expect(bench.agent.directions == [nil])
        bench.values[a] = 0.9
        #expect(bench.step().map(\.direction) == [.long])
        bench.values[a] = .nan
        #expect(bench.step().isEmpty)
        #expect(bench.agent.directions == [.long], "a NaN input is 'not yet': the last decision stands")
    }

    @Test func oneThresholdOnlyIsLongOrFlat() throws {
        var bench = try SignalBench(models: Self.models, signals: """
              model:
                model: m
                long_above: 0.6
            """)
        let a = try bench.register("a")
        bench.values[a] = 0.1
        #expect(bench.step().map(\.direction) == [.flat])
        bench.values[a] = 0.65
        #expect(bench.step().map(\.direction) == [.long])
    }
}

@Suite struct SignalEnsembleTests {
    /// Two rule members and an ensemble over them.
    static func pair(vote: String, tie: String = "flat", threshold: String = "0.5", weights: String = "") -> String {
        """
              p:
                long: a > 1
                short: b > 1
                trade: false
              q:
                long: c > 1
                short: a < -1
                trade: false
              vote:
                ensemble: [p, q]
                vote: \(vote)
                threshold: \(threshold)
                tie: \(tie)
        \(weights.isEmpty ? "" : "        weights: \(weights)")
        """
    }

    @Test(arguments: [("flat", Direction.flat), ("long", .long), ("short", .short)])
    func tieRules(_ tie: String, _ expected: Direction) throws {
        var bench = try SignalBench(signals: Self.pair(vote: "majority", tie: tie))
        try bench.set("p", long: true)
        try bench.set("q", short: true)
        // p long, q short: each side 1/2 ≥ 0.5 with equal shares, a tie.
        let events = bench.step()
        #expect(events.map(\.direction) == [expected])
        #expect(events.map(\.signal) == [try bench.index("vote")], "members do not trade")
        #expect(close(events[0].confidence, 0.5))
    }

    @Test func holdKeepsTheEnsemblesLastDirection() throws {
        var bench = try SignalBench(signals: Self.pair(vote: "majority", tie: "hold"))
        try bench.set("p", long: true)
        try bench.set("q", short: true)
        #expect(bench.step().isEmpty, "a tie before any decision holds nothing")
        try bench.set("q", long: true)
        #expect(bench.step().map(\.direction) == [.long], "both long: 2/2")
        try bench.set("q", short: true)
        #expect(bench.step().isEmpty, "the tie holds the long")
        #expect(bench.agent.directions[try bench.index("vote")] == .long)
    }

    @Test func majorityWinsWithItsShareAndVoterBits() throws {
        var bench = try SignalBench(signals: """
              p:
                long: a > 1
                trade: false
              q:
                long: b > 1
                short: c > 1
                trade: false
              r:
                short: a < -1
                long: c < -1
                trade: false
              vote:
                ensemble: [p, q, r]
            """)
        try bench.set("p", long: true)
        try bench.set("q", long: true)
        try bench.set("r", short: true)
        let event = try #require(bench.step().first)
        // 2 of 3 long: share 2/3 ≥ 0.5 and > 1/3.
        #expect(event.direction == .long)
        #expect(close(event.confidence, 2.0 / 3.0))
        // Members p (signal 0) and q (signal 1) voted long: bits 0b011.
        #expect(event.members == 0b011)
    }

    @Test func aTieBelowTheThresholdIsFlat() throws {
        var bench = try SignalBench(signals: """
              p:
                long: a > 1
                trade: false
              q:
                short: b > 1
                trade: false
              r:
                long: c > 1
                trade: false
              s:
                long: a < -1
                trade: false
              vote:
                ensemble: [p, q, r, s]
                tie: long
            """)
        try bench.set("p", long: true)
        try bench.set("q", short: true)
        try bench.set("r", long: false)
        try bench.set("s", long: false)
        // p long, q short, r and s undecided: 1/4 each, equal but below 0.5, so no tie: flat.
        let event = try #require(bench.step().first)
        #expect(event.direction == .flat)
        #expect(close(event.confidence, 0.25))
    }

    @Test func weightedVote() throws {
        var bench = try SignalBench(signals: Self.pair(vote: "weighted", weights: "[1, 3]"))
        try bench.set("p", long: true)
        try bench.set("q", short: true)
        // long 1 / 4 = 0.25, short 3 / 4 = 0.75 ≥ 0.5: short with confidence 0.75.
        let event = try #require(bench.step().first)
        #expect(event.direction == .short)
        #expect(close(event.confidence, 0.75))
        #expect(event.members == 1 << UInt64(try bench.index("q")))
    }

    @Test func weightedThresholdNotReachedIsFlat() throws {
        var bench = try SignalBench(signals: Self.pair(vote: "weighted", threshold: "0.8", weights: "[1, 3]"))
        try bench.set("p", long: true)
        try bench.set("q", short: true)
        // short 0.75 < 0.8: flat, confidence max(0.25, 0.75).
        let event = try #require(bench.step().first)
        #expect(event.direction == .flat)
        #expect(close(event.confidence, 0.75))
    }

    @Test func meanConfidenceVote() throws {
        var bench = try SignalBench(models: "  m: alpha@v1\n  n: beta@v1\n", signals: """
              ma:
                model: m
                long_above: 0.6
                short_below: 0.4
                trade: false
              mb:
                model: n
                long_above: 0.6
                short_below: 0.4
                trade: false
              r:
                long: c > 1
                trade: false
              vote:
                ensemble: [ma, mb, r]
                vote: mean_confidence
                threshold: 0.5
            """)
        bench.values[try bench.register("a")] = 0.9
        bench.values[try bench.register("b")] = 0.3
        try bench.set("r", long: true)
        let events = bench.step()
        let vote = try #require(events.first { !$0.shadow })
        // ma long (0.9), mb short (1 − 0.3 = 0.7), r long (1): long (0.9 + 1) / 3 = 0.6333,
        // short 0.7 / 3 = 0.2333; long ≥ 0.5 wins.
        #expect(vote.direction == .long)
        #expect(close(vote.confidence, 1.9 / 3))
        #expect(vote.signal == (try bench.index("vote")))
    }
}

@Suite struct SignalRegimeTests {
    static let volatility = """
          vol:
            volatility: { window: 2, lookback: 10, quantiles: [0.5] }
            labels: [calm, wild]
        """

    func volatilityRegister(_ bench: SignalBench) throws -> Int {
        guard case .volatility(let register, let lookback, _) = try #require(bench.plan.regimes.first).kind else {
            throw FixtureError(message: "not a volatility regime")
        }
        #expect(lookback == 10)
        return register
    }

    @Test func volatilityLabelsRankAgainstAFullLookback() throws {
        var bench = try SignalBench(regimes: Self.volatility, signals: """
              go:
                long: a > 1
                short: b > 1
                flat: c > 1
                when: { regime: vol, in: [calm] }
            """)
        let register = try volatilityRegister(bench)
        try bench.set("go", long: true)
        var labels: [Int] = []
        // 10, 9, …, 2: fewer than 10 values, no label. Then 1: history 10…1, none below 1 →
        // rank 0 < 0.5: calm (0). 20 replaces 10: 9 of 10 below 20 → 0.9: wild (1). 1.5 replaces
        // 9: only 1 below it → 0.1: calm.
        for value in [10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 20, 1.5] {
            bench.values[register] = value
            bench.step()
            labels.append(bench.agent.regimeLabels[0])
        }
        #expect(labels == Array(repeating: -1, count: 9) + [0, 1, 0])
    }

    @Test func aGatedOffSignalGoesFlat() throws {
        var bench = try SignalBench(regimes: Self.volatility, signals: """
              go:
                long: crossover(a, b)
                flat: c > 1
                when: { regime: vol, in: [calm] }
            """)
        let register = try volatilityRegister(bench)
        let long = try #require(try bench.rule("go").long)
        var emitted: [(Direction, Int)] = []
        // The regime as in the test above: unknown for bars 0–8, then calm, wild, calm. The long
        // fires on bars 1 and 9 only (a crossover).
        for (bar, value) in [10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 20, 1.5].enumerated() {
            bench.values[register] = value
            bench.values[long] = bar == 1 || bar == 9 ? 1 : 0
            emitted += bench.step().map { ($0.direction, $0.regime) }
        }
        // Bar 0: regime unknown (gated off), nothing fires, never decided: nothing. Bar 1: the long
        // fires while the regime is unknown: gated off, flat (regime -1); it stands through bar 8.
        // Bar 9: calm, long (regime 0). Bar 10: wild; no rule fires, yet the gate turns it flat
        // (regime 1). Bar 11: calm again, no rule fires: the flat stands.
        #expect(emitted.map(\.0) == [.flat, .long, .flat])
        #expect(emitted.map(\.1) == [-1, 0, 1])
    }

    @Test func trendRegimeFromTheADXRegister() throws {
        var bench = try SignalBench(regimes: """
              direction:
                trend: { method: adx, period: 14, threshold: 25 }
            """, signals: """
              go:
                long: a > 1
                short: b > 1
                when: { regime: direction, in: [trend] }
            """)
        guard case .trend(let register, let threshold) = try #require(bench.plan.regimes.first).kind else {
            Issue.record("not a trend regime")
            return
        }
        #expect(threshold == 25)
        try bench.set("go", long: true)
        var emitted: [Direction] = []
        var labels: [Int] = []
        // ADX 30 ≥ 25: trend (label 1) → long; 24.9: range → flat; 25 (at the threshold): trend → long.
        for adx in [30.0, 24.9, 25] {
            bench.values[register] = adx
            emitted += bench.step().map(\.direction)
            labels.append(bench.agent.regimeLabels[0])
        }
        #expect(labels == [1, 0, 1])
        #expect(emitted == [.long, .flat, .long])
    }
}

@Suite struct SignalModelRegimeTests {
    @Test func aBinaryModelGivesTheSecondLabelAboveOneHalf() throws {
        var bench = try SignalBench(models: "  m: alpha@v1\n", regimes: """
              mood:
                model: { model: m }
                labels: [risk_off, risk_on]
            """, signals: """
              go:
                long: b > 1
                flat: c > 1
                when: { regime: mood, in: [risk_on] }
            """)
        try bench.set("go", long: true)
        let a = try bench.register("a")
        var labels: [Int] = []
        var emitted: [Direction] = []
        // P(risk_on) 0.7 → risk_on, long; 0.3 → risk_off, gated flat; exactly 0.5 is not above.
        for probability in [0.7, 0.3, 0.5, 0.9] {
            bench.values[a] = probability
            emitted += bench.step().map(\.direction)
            labels.append(bench.agent.regimeLabels[0])
        }
        #expect(labels == [1, 0, 0, 1])
        #expect(emitted == [.long, .flat, .long])
    }
}

@Suite struct SignalShadowTests {
    static let models = "  m: alpha@v1\n  n: beta@v1\n"

    @Test func shadowsAreEmittedApartAndNeverTraded() throws {
        var bench = try SignalBench(models: Self.models, signals: """
              model:
                model: m
                long_above: 0.6
                short_below: 0.4
                shadow: [n]
            """)
        bench.values[try bench.register("a")] = 0.7
        bench.values[try bench.register("b")] = 0.1
        let events = bench.step()
        let live = events.filter { !$0.shadow }
        let shadow = events.filter(\.shadow)
        #expect(live.map(\.direction) == [.long])
        #expect(shadow.map(\.direction) == [.short])
        #expect(shadow.map(\.members) == [1], "the first shadow")
        #expect(close(shadow[0].confidence, 0.9))
        // Same live decision, shadow unchanged: nothing new; shadow turns flat: one shadow event.
        #expect(bench.step().isEmpty)
        bench.values[try bench.register("b")] = 0.5
        #expect(bench.step().map { [$0.shadow ? 1 : 0, Int($0.direction.rawValue)] } == [[1, 0]])

        // PortfolioRisk ignores the shadow's decision and trades the live one.
        var portfolio = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 10 }\n  max_leverage: 1.0"))
        portfolio.flatBar(100)
        let ignored = portfolio.send(.signal(shadow[0]), topic: shadow[0].direction.topic, source: .signal)
        #expect(ignored.targets.isEmpty)
        let traded = portfolio.send(.signal(live[0]), topic: live[0].direction.topic, source: .signal)
        #expect(traded.targets.map(\.quantity) == [10])
    }

    @Test func theGateAppliesToShadowsToo() throws {
        var bench = try SignalBench(models: Self.models, regimes: """
              direction:
                trend: { method: adx, period: 14, threshold: 25 }
            """, signals: """
              model:
                model: m
                long_above: 0.6
                shadow: [n]
                when: { regime: direction, in: [trend] }
            """)
        guard case .trend(let adx, _) = try #require(bench.plan.regimes.first).kind else { return }
        bench.values[try bench.register("a")] = 0.9
        bench.values[try bench.register("b")] = 0.8
        bench.values[adx] = 40
        #expect(bench.step().map { ($0.shadow, $0.direction) }.map { "\($0.0) \($0.1)" } == ["false long", "true long"])
        bench.values[adx] = 10
        #expect(bench.step().map { ($0.shadow, $0.direction) }.map { "\($0.0) \($0.1)" } == ["false flat", "true flat"])
    }

    @Test func aModelMemberIsScoredAsAShadowEvent() throws {
        var bench = try SignalBench(models: Self.models, signals: """
              model:
                model: m
                long_above: 0.6
                trade: false
                shadow: [n]
              rule:
                long: c > 1
                trade: false
              vote:
                ensemble: [model, rule]
            """)
        bench.values[try bench.register("a")] = 0.9
        bench.values[try bench.register("b")] = 0.1
        try bench.set("rule", long: true)
        let events = bench.step()
        let scored = events.filter(\.shadow).map { "\($0.signal) \($0.members) \($0.direction)" }
        // The live model of the untraded signal (members 0) and its shadow (members 1).
        #expect(scored == ["0 0 long", "0 1 flat"])
        #expect(events.filter { !$0.shadow }.map(\.signal) == [2], "only the ensemble trades")
    }
}
