@testable import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// Reloading between two bars: what keeps its state, what is rebuilt and warmed up, and what
/// is refused. References: hand-computed SMA/EMA over the bars MarketData passed on, and a
/// second runner that never reloads.
struct ReloaderTests {
    typealias Fixture = ReloadFixture

    /// Runs `plan` until a position is open with orders still working (past bar 300), keeping
    /// the last `depth` bars.
    static func runUntilOrdersWork(_ plan: Plan, depth: Int = 100) -> (FusedRunner, RecentBarsSink<CollectingSink>, Int) {
        var runner = FusedRunner(plan: plan, evaluators: [:])
        var sink = RecentBarsSink(CollectingSink(), recent: RecentBars(instruments: 1, depth: depth))
        var next = 0
        while next < Fixture.bars.count {
            runner.push(Fixture.bars[next], into: &sink)
            next += 1
            if next >= 300, !runner.execution.working.isEmpty, runner.portfolio.position(0) != 0 { break }
        }
        return (runner, sink, next)
    }

    @Test func changedFeatureIsRebuiltAndUnchangedOnesKeepTheirWindows() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planB = try Fixture.plan(Fixture.strategy(slow: 40, extraFeatures: "mid: sma(close, 15)\nsmooth: ema(close, 20)"))
        var (runnerA, sinkA, next) = Self.runUntilOrdersWork(planA)
        #expect(next < Fixture.bars.count - 200, "a reload point with open orders exists")

        let before = runnerA.agents
        let result = Reloader.reload(running: planA, agents: before, to: planB, evaluators: [:], recentBars: sinkA.recent.bars,
                                     path: "reload.yaml", triggers: [.file], at: 1)
        #expect(result.applied)
        #expect(result.diff.changed.map(\.name).contains("feature.slow"))
        #expect(Set(result.diff.added) == ["feature.mid", "feature.smooth"])
        #expect(result.diff.unchanged.contains("feature.fast") && result.diff.unchanged.contains("feature.trend"))
        // sma(close, 10) and ema(close, 50) carried; sma 40, sma 15 and ema 20 rebuilt.
        let mapping = try #require(result.carry?.features.first)
        #expect(mapping.carriedIndicators == 2)
        #expect(mapping.rebuiltIndicators == 3)
        #expect(result.record.carriedKernels == 2 && result.record.rebuiltKernels == 3 && result.record.warmupBars == 100)

        // The carried kernels hold exactly the state they had: the same values now.
        let after = result.agents
        for (new, old) in mapping.indicators.enumerated() {
            guard let old else { continue }
            #expect(after.feature.programs[0].indicators[new].value(0) == before.feature.programs[0].indicators[old].value(0))
        }
        #expect(after.feature.barIndex == before.feature.barIndex)

        // Carry on with and without the reload over the same bars.
        var runnerB = FusedRunner(agents: after)
        var sinkB = CollectingSink()
        var closes = sinkA.base.bars.map(\.bar.close)
        let recentCloses = sinkA.recent.bars[0].map(\.close)
        #expect(recentCloses.count == 100)
        var replayed = recentCloses
        let (fastA, trendA) = (try Fixture.register("fast", in: planA), try Fixture.register("trend", in: planA))
        let (fastB, trendB) = (try Fixture.register("fast", in: planB), try Fixture.register("trend", in: planB))
        let (slowB, midB, smoothB) = (try Fixture.register("slow", in: planB), try Fixture.register("mid", in: planB),
                                      try Fixture.register("smooth", in: planB))
        for bar in Fixture.bars[next..<(next + 200)] {
            let passed = sinkB.bars.count
            runnerA.push(bar, into: &sinkA)
            runnerB.push(bar, into: &sinkB)
            guard sinkB.bars.count > passed else { continue }
            closes.append(sinkB.bars[sinkB.bars.count - 1].bar.close)
            replayed.append(closes[closes.count - 1])
            let a = runnerA.feature.programs[0], b = runnerB.feature.programs[0]
            // Unchanged features: bit for bit what the run without a reload computes, EMA included.
            #expect(b.value(fastB) == a.value(fastA))
            #expect(b.value(trendB) == a.value(trendA))
            // Rebuilt and new features: the hand computation over the same bars.
            #expect(Fixture.close(b.value(slowB), try #require(Fixture.sma(closes, period: 40))))
            #expect(Fixture.close(b.value(midB), try #require(Fixture.sma(closes, period: 15))))
            // An EMA has no window: it equals a fresh EMA seeded on the bars replayed, not on the whole history.
            #expect(Fixture.close(b.value(smoothB), try #require(Fixture.ema(replayed, period: 20))))
        }
        #expect(closes.count > sinkA.recent.depth + 150)
    }

    @Test func accountAndOrdersSurviveNewRiskAndExecutionSettings() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planC = try Fixture.plan(Fixture.strategy(sizing: "{ equity_fraction: 0.25, lot: 5 }",
                                                      execution: "{ algo: market, venue: { sim: { fill: close, fee_bps: 9 } } }"))
        let (runnerA, sinkA, _) = Self.runUntilOrdersWork(planA)
        let before = runnerA.agents
        #expect(before.execution.working.count > 0)
        #expect(before.portfolio.cash != planA.spec.portfolio.cash, "money has moved")

        let result = Reloader.reload(running: planA, agents: before, to: planC, evaluators: [:], recentBars: sinkA.recent.bars,
                                     path: "reload.yaml", triggers: [.command], at: 2)
        #expect(result.applied)
        #expect(Set(result.diff.changed.map(\.name)) == ["portfolio_risk", "execution"])
        let after = result.agents
        // The new settings are in force...
        #expect(after.portfolio.config.sizing.lot == 5)
        #expect(after.execution.config.venue.feeBps == 9)
        // ...over the old account, positions and open orders.
        #expect(after.portfolio.cash == before.portfolio.cash)
        #expect(after.portfolio.equity == before.portfolio.equity)
        #expect(after.portfolio.peakEquity == before.portfolio.peakEquity)
        #expect(after.portfolio.state == before.portfolio.state)
        #expect(after.portfolio.position(0) == before.portfolio.position(0))
        #expect(after.portfolio.lots[0].map(\.entryPrice) == before.portfolio.lots[0].map(\.entryPrice))
        #expect(after.execution.positions == before.execution.positions)
        #expect(after.execution.working.map(\.id) == before.execution.working.map(\.id))
        #expect(after.execution.working.map(\.remaining) == before.execution.working.map(\.remaining))
        #expect(after.execution.nextOrderID == before.execution.nextOrderID)
        #expect(after.compliance.counts == before.compliance.counts)
        // The signal did not change: it keeps its decision, so it does not trade it again.
        #expect(after.signal.directions == before.signal.directions)
        #expect(before.signal.directions.first! != nil)
        // Features did not change at all: nothing was rebuilt.
        #expect(result.record.rebuiltKernels == 0)
    }

    @Test func changedSignalStartsUndecided() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planB = try Fixture.plan(Fixture.strategy(slow: 40))
        let (runnerA, sinkA, _) = Self.runUntilOrdersWork(planA)
        let result = Reloader.reload(running: planA, agents: runnerA.agents, to: planB, evaluators: [:], recentBars: sinkA.recent.bars,
                                     path: "reload.yaml", triggers: [.file], at: 3)
        #expect(result.diff.changed.contains { $0.name == "signal.cross" && $0.reason == "reads feature.slow, which changed" })
        #expect(runnerA.signal.directions[0] != nil)
        #expect(result.agents.signal.directions[0] == nil)
        #expect(result.agents.portfolio.position(0) == runnerA.portfolio.position(0))
    }

    @Test func changingInstrumentsIsRefusedAndTheOldPlanKeepsRunning() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planX = try Fixture.plan(Fixture.strategy(instrument: "GOOGL"))
        let (runnerA, sinkA, _) = Self.runUntilOrdersWork(planA)
        let result = Reloader.reload(running: planA, agents: runnerA.agents, to: planX, evaluators: [:], recentBars: sinkA.recent.bars,
                                     path: "reload.yaml", triggers: [.file], at: 4)
        #expect(!result.applied)
        #expect(result.plan.hash == planA.hash)
        #expect(result.agents.portfolio.cash == runnerA.portfolio.cash)
        #expect(result.record.kind == "reload.refused")
        #expect(result.record.diagnostics.contains("GOOG → GOOGL"))
        guard case .refused(let diagnostics) = result.record.outcome else { Issue.record("not refused"); return }
        #expect(diagnostics.contains("needs a restart"))
    }

    @Test func sharedSubexpressionOfAChangedFeatureKeepsItsKernel() throws {
        let planA = try Fixture.plan(Fixture.strategy(extraFeatures: "band: sma(close, 20) + 1\nlagged: close[3]"))
        let planB = try Fixture.plan(Fixture.strategy(extraFeatures: "band: sma(close, 20) * 2\nlagged: close[3]"))
        let mapping = planB.program.stateMapping(from: planA.program)
        let keys = planB.program.stateKeys.indicators
        let sma20 = try #require(keys.firstIndex(of: "sma(close,#\(20.0.bitPattern))"))
        #expect(mapping.indicators[sma20] != nil, "the feature changed, its sma(close, 20) did not")
        #expect(mapping.carriesEverything)
        #expect(mapping.lags.count == 1 && mapping.lags[0] == 0)
    }

    @Test func recordIsStableJSONWithTheDiff() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planB = try Fixture.plan(Fixture.strategy(slow: 40, extraFeatures: "mid: sma(close, 15)"))
        let agents = AgentSet(plan: planA, evaluators: [:])
        let result = Reloader.reload(running: planA, agents: agents, to: planB, evaluators: [:], recentBars: [[]],
                                     path: "s.yaml", triggers: [.file, .tags(model: "momentum")], at: 1_700_000_000_000_000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(result.record), as: UTF8.self)
        #expect(json.contains(#""kind":"reload.applied""#))
        #expect(json.contains(#""changed":[{"node":"feature.slow","reason":"expression changed"}"#))
        #expect(json.contains(#""added":["feature.mid"]"#))
        #expect(json.contains(#""triggers":["file","tags:momentum"]"#))
        #expect(json.contains(#""from_plan_hash":"\#(planA.hash)""#) && json.contains(#""to_plan_hash":"\#(planB.hash)""#))
        #expect(try JSONDecoder().decode(ReloadRecord.self, from: Data(json.utf8)) == result.record)
        // No recent bars: the rebuilt features cannot be warm, and the record says so.
        #expect(result.record.notes.contains { $0.contains("only 0 recent bars") })
        #expect(result.record.outcome == .applied(PlanDiffSummary(added: ["feature.mid"], removed: [], changed: ["feature.slow", "signal.cross"],
                                                                   unchangedCount: result.diff.unchanged.count)))
    }
}
