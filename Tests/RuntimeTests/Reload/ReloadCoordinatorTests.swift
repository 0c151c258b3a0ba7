@testable import Agents
import Foundation
import ModelRegistry
import Runtime
import StrategyCompiler
import Testing

#if canImport(Glibc)
import Glibc

/// The whole path on real files: a save reaches the watcher, the coordinator compiles the file,
/// and the running agents are mapped or the save is refused.
@Suite(.serialized)
struct ReloadCoordinatorTests {
    typealias Fixture = ReloadFixture

    @Test func lintFailingSaveIsRefusedAndTheOldPlanKeepsRunning() async throws {
        let folder = try EditorSave.temporaryFolder()
        let file = folder.appendingPathComponent("strategy.yaml")
        try Data(Fixture.strategy().utf8).write(to: file)
        let coordinator = ReloadCoordinator(path: file.path, registry: packageRoot.appendingPathComponent("registry"), workingDirectory: folder)
        guard case .ready(let compiled) = coordinator.compile() else { Issue.record("the first file compiles"); return }
        var runner = FusedRunner(plan: compiled.plan, evaluators: compiled.evaluators)
        var sink = RecentBarsSink(CollectingSink(), recent: RecentBars(plan: compiled.plan))
        for bar in Fixture.bars.prefix(400) { runner.push(bar, into: &sink) }

        let watcher = try StrategyWatcher(strategy: file.path)
        defer { watcher.stop() }
        // A misspelt feature name: E104, as `stratum lint` reports it, on the line it is on.
        let broken = Fixture.strategy().replacingOccurrences(of: "short: fast < slow", with: "short: fast < slwo")
        let line = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("slwo") }) + 1
        try EditorSave.renameOver(broken, to: file)
        let request = try #require(await watcher.requests.next())
        #expect(request.triggers == [.file])

        let compilation = coordinator.compile()
        guard case .refused(let diagnostics) = compilation else { Issue.record("a lint error must refuse"); return }
        #expect(diagnostics.contains("strategy.yaml:\(line):"))
        #expect(diagnostics.contains("error[E104]"))
        #expect(diagnostics.contains("slwo"))
        let before = runner.agents
        let result = coordinator.apply(compilation, running: compiled.plan, agents: before, recentBars: sink.recent.bars,
                                       triggers: request.triggers, at: 10)
        #expect(!result.applied)
        #expect(result.plan.hash == compiled.plan.hash)
        #expect(result.agents.portfolio.cash == before.portfolio.cash)
        #expect(result.agents.feature.barIndex == before.feature.barIndex)
        #expect(result.record.kind == "reload.refused" && result.record.toPlanHash == nil)
        #expect(result.record.outcome == .refused(diagnostics: diagnostics))

        // The fix is applied on the next save.
        try EditorSave.inPlace(Fixture.strategy(slow: 35), to: file)
        #expect(await watcher.requests.next() == ReloadRequest(triggers: [.file]))
        let fixed = coordinator.apply(coordinator.compile(), running: compiled.plan, agents: before, recentBars: sink.recent.bars,
                                      triggers: [.file], at: 11)
        #expect(fixed.applied)
        #expect(fixed.record.changed.map(\.node) == ["feature.slow", "signal.cross"])
        #expect(fixed.agents.portfolio.position(0) == before.portfolio.position(0))
    }

    @Test func promotedTagReachesTheRunningStrategy() async throws {
        let folder = try EditorSave.temporaryFolder()
        let registry = folder.appendingPathComponent("registry")
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("registry"), to: registry)
        let file = folder.appendingPathComponent("strategy.yaml")
        let yaml = """
            strategy: { name: tagged }
            data:
              goog: { csv: \(Fixture.goog), instrument: GOOG, interval: 1d }
            features:
              rsi14: rsi(close, 14)
              z: (close - sma(close, 20)) / stddev(close, 20)
              macd: macd(close, 12, 26, 9)
            models:
              mom: momentum@prod
            signals:
              model:
                model: mom
                long_above: 0.55
                short_below: 0.45
            """
        try Data(yaml.utf8).write(to: file)
        let coordinator = ReloadCoordinator(path: file.path, registry: registry, workingDirectory: folder)
        guard case .ready(let compiled) = coordinator.compile() else { Issue.record("the file compiles"); return }
        #expect(ReloadCoordinator.models(of: compiled.plan) == ["momentum"])
        var runner = FusedRunner(plan: compiled.plan, evaluators: compiled.evaluators)
        var sink = RecentBarsSink(CollectingSink(), recent: RecentBars(plan: compiled.plan))
        for bar in Fixture.bars.prefix(300) { runner.push(bar, into: &sink) }

        let watcher = try StrategyWatcher(strategy: file.path, registry: registry, models: ReloadCoordinator.models(of: compiled.plan))
        defer { watcher.stop() }
        let store = ModelRegistry(root: registry, user: "test")
        _ = try store.promote("momentum", version: "v261125", to: "prod", force: true, reason: "reload test")
        let request = try #require(await watcher.requests.next())
        #expect(request.triggers == [.tags(model: "momentum")])
        let result = coordinator.apply(coordinator.compile(), running: compiled.plan, agents: runner.agents, recentBars: sink.recent.bars,
                                       triggers: request.triggers, at: 12)
        #expect(result.applied)
        #expect(result.record.changed.map(\.node) == ["signal.model"])
        #expect(result.record.changed.first?.reason == "model changed")
        #expect(result.plan.strategy.models["mom"]?.version == "v261125")
        // The features did not change: every kernel kept its state.
        #expect(result.record.rebuiltKernels == 0)
    }
}
#endif
