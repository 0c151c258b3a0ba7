@testable import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

#if canImport(Glibc)

/// A runner fed as fast as it goes on one task while another applies 100 reloads between its
/// bars: every bar the feed sent is processed exactly once, before and after every swap.
struct ReloadUnderFeedTests {
    typealias Fixture = ReloadFixture

    /// The runner and what it needs to reload, behind one actor: a push and a swap never overlap,
    /// which is what "between two bars" means.
    actor Host {
        var runner: FusedRunner
        var plan: Plan
        var sink: RecentBarsSink<CollectingSink>
        var records: [ReloadRecord] = []
        /// Bars pushed when each reload was applied.
        var appliedAt: [Int] = []
        var pushed = 0

        init(plan: Plan) {
            self.plan = plan
            runner = FusedRunner(plan: plan, evaluators: [:])
            sink = RecentBarsSink(CollectingSink(), recent: RecentBars(plan: plan))
        }

        /// Timestamps of the bars MarketData passed on, and of the equity points, in order.
        var seen: (bars: [Int64], equity: [Int64]) {
            (sink.base.bars.map(\.bar.timestamp), sink.base.equity.map(\.timestamp))
        }

        var planHash: String { plan.hash }

        func push(_ bar: Bar) {
            runner.push(bar, into: &sink)
            pushed += 1
        }

        func apply(_ compilation: ReloadCoordinator.Compilation, with coordinator: ReloadCoordinator) {
            let result = coordinator.apply(compilation, running: plan, agents: runner.agents, recentBars: sink.recent.bars,
                                           triggers: [.file], at: Int64(pushed))
            records.append(result.record)
            guard result.applied else { return }
            runner.agents = result.agents
            plan = result.plan
            appliedAt.append(pushed)
        }
    }

    /// A deterministic random walk, one bar a day, every day.
    static func bar(_ index: Int) -> Bar {
        var state = UInt64(index) &* 6364136223846793005 &+ 1442695040888963407
        state ^= state >> 33
        let step = Double(state % 2001) / 1000 - 1
        let close = 100 + 10 * sin(Double(index) / 50) + step
        return Bar(timestamp: 1_600_000_000_000_000 + Int64(index) * 86_400_000_000, open: close - 0.2, high: close + 1, low: close - 1,
                   close: close, volume: 1_000 + Double(index % 17))
    }

    @Test func noBarLostOrProcessedTwiceAcross100Reloads() async throws {
        let folder = try EditorSave.temporaryFolder()
        let file = folder.appendingPathComponent("strategy.yaml")
        let always = { (yaml: String) in yaml.replacingOccurrences(of: "interval: 1d }", with: "interval: 1d, calendar: always }") }
        let contents = [always(Fixture.strategy()), always(Fixture.strategy(slow: 40, extraFeatures: "mid: sma(close, 15)"))]
        try Data(contents[0].utf8).write(to: file)
        let coordinator = ReloadCoordinator(path: file.path, registry: packageRoot.appendingPathComponent("registry"), workingDirectory: folder)
        guard case .ready(let first) = coordinator.compile() else { Issue.record("the file compiles"); return }
        let host = Host(plan: first.plan)

        let reloads = 100
        let minimumBars = 3_000
        let sent = await withTaskGroup(of: Int.self) { group in
            let done = ManagedFlag()
            group.addTask {
                // The feed: as fast as the runner takes bars, until the reloads are over and enough bars went through.
                // After the last reload, 100 more bars show the last swap left the runner going.
                var index = 0
                var lastReloadAt: Int?
                while true {
                    if lastReloadAt == nil, done.isSet { lastReloadAt = index }
                    if let lastReloadAt, index >= max(minimumBars, lastReloadAt + 100) { break }
                    await host.push(Self.bar(index))
                    index += 1
                }
                return index
            }
            group.addTask {
                for reload in 1...reloads {
                    try? EditorSave.renameOver(contents[reload % 2], to: file)
                    // Compiled beside the feed, applied between two of its bars.
                    await host.apply(coordinator.compile(), with: coordinator)
                }
                done.set()
                return -1
            }
            var sent = 0
            for await value in group where value >= 0 { sent = value }
            return sent
        }

        let records = await host.records
        let appliedAt = await host.appliedAt
        let seen = await host.seen
        #expect(records.count == reloads)
        #expect(records.allSatisfy { $0.applied }, "\(records.filter { !$0.applied }.map(\.diagnostics))")
        // Every reload changed the plan (the contents alternate), and they were spread over the feed.
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.toPlanHash == $1.fromPlanHash && $0.fromPlanHash != $0.toPlanHash })
        #expect(appliedAt.count == reloads && appliedAt.last! + 100 <= sent)
        #expect(Set(appliedAt).count > 1, "reloads landed between different bars")

        // Exactly once: what MarketData passed on, and the equity points, are the feed's timestamps in order.
        let expected = (0..<sent).map { Self.bar($0).timestamp }
        #expect(seen.bars == expected)
        #expect(seen.equity == expected)
        // The last plan is the one the last save wrote.
        #expect(await host.planHash == first.plan.hash, "100 reloads end on the first contents")
    }
}

/// A flag one task sets and another reads.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
#endif
