@testable import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

#if canImport(Glibc)

/// The actor runner fed by a replay at `max` while another task applies 100 reloads through
/// `pause`: every bar it took is processed exactly once, before and after every swap.
struct LiveRunnerReloadTests {
    typealias Fixture = ReloadFixture

    /// Keeps the recent bars for warm-up, as `stratum run` does: told after every step, read in `pause`.
    final class RecentObserver: LiveObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var recent: RecentBars

        init(plan: Plan) { recent = RecentBars(plan: plan) }

        func observe(_ report: LiveReport) async {
            lock.withLock { for envelope in report.envelopes { recent.record(envelope) } }
        }

        var bars: [[Bar]] { lock.withLock { recent.bars } }
    }

    /// The running plan and the reloads' records, written only inside `pause`.
    final class Reloads: @unchecked Sendable {
        private let lock = NSLock()
        private var storedPlan: Plan
        private(set) var records: [ReloadRecord] = []
        /// Bars processed when each reload was applied.
        private(set) var appliedAt: [UInt64] = []

        init(plan: Plan) { storedPlan = plan }

        var plan: Plan { lock.withLock { storedPlan } }

        func note(_ result: Reloader.Result, barsProcessed: UInt64) {
            lock.withLock {
                records.append(result.record)
                guard result.applied else { return }
                storedPlan = result.plan
                appliedAt.append(barsProcessed)
            }
        }
    }

    @Test func noBarLostOrProcessedTwiceAcross100ReloadsUnderAReplayAtMax() async throws {
        let folder = try EditorSave.temporaryFolder()
        let file = folder.appendingPathComponent("strategy.yaml")
        let always = { (yaml: String) in yaml.replacingOccurrences(of: "interval: 1d }", with: "interval: 1d, calendar: always }") }
        let contents = [always(Fixture.strategy()), always(Fixture.strategy(slow: 40, extraFeatures: "mid: sma(close, 15)"))]
        try Data(contents[0].utf8).write(to: file)
        let coordinator = ReloadCoordinator(path: file.path, registry: packageRoot.appendingPathComponent("registry"), workingDirectory: folder)
        guard case .ready(let first) = coordinator.compile() else { Issue.record("the file compiles"); return }

        // More bars than the reloads can take: the feed is stopped 100 bars after the last reload.
        let bars = (0..<200_000).map { LiveBar(ReloadUnderFeedTests.bar($0)) }
        let collector = LiveCollector()
        let recent = RecentObserver(plan: first.plan)
        let reloads = Reloads(plan: first.plan)
        let runner = LiveRunner(agents: AgentSet(plan: first.plan, evaluators: first.evaluators),
                                configuration: .init(instruments: 1, heartbeatInterval: .milliseconds(50)),
                                observers: [collector, recent])
        let count = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            let feed = Task { try await ReplayFeed(name: "walk", bars: bars, speed: .max).run(into: runner, connectivity: FeedConnectivity()) }
            for reload in 1...count {
                try EditorSave.renameOver(contents[reload % 2], to: file)
                // Compiled beside the feed, applied between two of its bars.
                let compilation = coordinator.compile()
                try await runner.pause { agents in
                    let result = coordinator.apply(compilation, running: reloads.plan, agents: agents, recentBars: recent.bars,
                                                   triggers: [.file], at: Int64(reload))
                    if result.applied { agents = result.agents }
                    reloads.note(result, barsProcessed: runner.progress.barsProcessed)
                }
            }
            let last = runner.progress.barsProcessed
            while runner.progress.barsProcessed < min(last + 100, UInt64(bars.count)) { try await Task.sleep(for: .milliseconds(5)) }
            feed.cancel()
            _ = await feed.result
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }

        let records = reloads.records
        #expect(records.count == count)
        #expect(records.allSatisfy { $0.applied }, "\(records.filter { !$0.applied }.map(\.diagnostics))")
        // Every reload changed the plan (the contents alternate), and they landed between different bars.
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.toPlanHash == $1.fromPlanHash && $0.fromPlanHash != $0.toPlanHash })
        #expect(Set(reloads.appliedAt).count > 1, "reloads landed between different bars: \(reloads.appliedAt)")
        let processed = Int(runner.progress.barsProcessed)
        #expect(processed < bars.count, "the feed was still going when the reloads ended")
        #expect(processed >= Int(reloads.appliedAt.last ?? 0) + 100)

        // Exactly once: what MarketData passed on, and the equity points, are the feed's first
        // `processed` timestamps in order (a lost bar leaves a hole, a repeated one a duplicate).
        let expected = (0..<processed).map { ReloadUnderFeedTests.bar($0).timestamp }
        #expect(collector.sink.bars.map(\.bar.timestamp) == expected)
        #expect(collector.sink.equity.map(\.timestamp) == expected)
        #expect(reloads.plan.hash == first.plan.hash, "100 reloads end on the first contents")
    }
}
#endif
