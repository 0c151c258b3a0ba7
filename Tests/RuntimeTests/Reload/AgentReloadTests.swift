@testable import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// Single agents under a reload: per-instrument feature windows, and a kill switch that has tripped.
struct AgentReloadTests {
    typealias Fixture = ReloadFixture

    static func market(_ bar: Bar, instrument: Int, sequence: UInt64) -> Envelope {
        Envelope(timestamp: bar.timestamp, source: .marketData, traceId: sequence, topic: .marketRaw,
                 payload: .bar(MarketBar(instrument: instrument, bar: bar)))
    }

    /// Two instruments with different prices: each keeps its own windows, and each rebuilt
    /// feature warms up on its own instrument's bars. Reference: hand means over each series.
    @Test func eachInstrumentWarmsUpOnItsOwnBars() throws {
        let planA = try Fixture.plan(Fixture.strategy())
        let planB = try Fixture.plan(Fixture.strategy(slow: 25))
        var agent = FeatureAgent(program: planA.program, instruments: 2)
        var outbox = Outbox()
        var recent = RecentBars(instruments: 2, depth: 60)
        let goog = Array(Fixture.bars.prefix(400))
        // The second instrument: GOOG's bars shifted in price, so a mix-up shows in every value.
        let other = goog.map { Bar(timestamp: $0.timestamp, open: $0.open * 3 + 7, high: $0.high * 3 + 7, low: $0.low * 3 + 7,
                                   close: $0.close * 3 + 7, volume: $0.volume) }
        for index in goog.indices {
            for (instrument, bar) in [(0, goog[index]), (1, other[index])] {
                agent.handle(Self.market(bar, instrument: instrument, sequence: UInt64(index)), into: &outbox)
                recent.append(bar, instrument: instrument)
            }
        }
        let (reloaded, mappings) = agent.reloaded(with: planB.program, recentBars: recent.bars)
        #expect(mappings.count == 2 && mappings.allSatisfy { $0.rebuiltIndicators == 1 })
        #expect(reloaded.barIndex == [399, 399])
        let slow = try Fixture.register("slow", in: planB), fast = try Fixture.register("fast", in: planB)
        var after = reloaded
        var series = [goog.map(\.close), other.map(\.close)]
        for index in 400..<460 {
            let bars = [Fixture.bars[index], Bar(timestamp: Fixture.bars[index].timestamp, open: 0, high: 0, low: 0,
                                                 close: Fixture.bars[index].close * 3 + 7, volume: 1)]
            for instrument in 0..<2 {
                after.handle(Self.market(bars[instrument], instrument: instrument, sequence: UInt64(index)), into: &outbox)
                series[instrument].append(bars[instrument].close)
                let program = after.programs[instrument]
                #expect(Fixture.close(program.value(slow), try #require(Fixture.sma(series[instrument], period: 25))))
                #expect(Fixture.close(program.value(fast), try #require(Fixture.sma(series[instrument], period: 10))))
            }
        }
    }

    @Test func trippedKillSwitchIsNotResetByAReload() {
        var tripped = SupervisorAgent(maxRejects: 2)
        var outbox = Outbox()
        for order in 1...2 {
            tripped.handle(Envelope(timestamp: Int64(order), source: .execution, traceId: 0, topic: .executionError,
                                    payload: .executionError(ExecutionFailure(order: UInt64(order), reason: "rejected"))), into: &outbox)
        }
        #expect(tripped.tripped)
        let fresh = SupervisorAgent(maxRejects: 5)
        let kept = tripped.reconfigured(to: fresh)
        #expect(kept.tripped && kept.maxRejects == 2 && kept.incidents == tripped.incidents)
        // Not tripped: the new settings take over.
        let calm = SupervisorAgent(maxRejects: 2).reconfigured(to: fresh)
        #expect(!calm.tripped && calm.maxRejects == 5)
        // Same settings: the running one, reject count and all.
        var counting = SupervisorAgent(maxRejects: 5)
        counting.handle(Envelope(timestamp: 1, source: .execution, traceId: 0, topic: .executionError,
                                 payload: .executionError(ExecutionFailure(order: 1, reason: "rejected"))), into: &outbox)
        #expect(counting.reconfigured(to: fresh).consecutiveRejects == 1)
    }
}
