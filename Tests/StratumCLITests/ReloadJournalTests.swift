import Agents
import ControlHTTP
import Foundation
import Indicators
import Runtime
import Storage
import StrategyCompiler
import Testing
@testable import StratumCLI

/// One `stratum run --state` in-process, driven bar by bar: the parts `LiveSession` composes
/// (its `stateJournal` over a real state.sqlite, the actor runner, the recent-bars ring, hot
/// reload with its write-ahead), so a test decides at which bar a reload happens and where the
/// process stops. Stopping without `end()` leaves the state as a crash does: every bar, order and
/// plan was written ahead, and no snapshot is read back on restart.
final class JournaledRun: Sendable {
    let journal: StateJournal
    let runner: LiveRunner
    let recent: RecentBarsObserver
    let reloading: LiveReloading
    let book: LiveStatusBook
    let restoration: StateJournal.Restoration
    /// Where the restored run continues: the bars the state held.
    let resumesAt: Int
    private let task: Task<Void, any Error>

    static func start(_ path: String, state: URL, registry: URL) async throws -> JournaledRun {
        let strategy = try LiveStrategy.load(path: path, registry: registry)
        let plan = strategy.plan
        let configuration = LiveRunner.Configuration(instruments: plan.spec.dataSources.count, heartbeatInterval: .seconds(3600),
                                                     checkpointEvery: 100)
        let book = LiveStatusBook(instruments: plan.spec.dataSources.map(\.instrument), cash: plan.spec.portfolio.cash)
        let journal = try #require(try LiveSession.stateJournal(stateFolder: state, strategy: strategy, registry: registry,
                                                                configuration: configuration, book: book,
                                                                redactor: SecretRedactor.environment([:])))
        let checkpoint = try await journal.load()
        let restoration = try #require(await journal.restoration)
        let recent = RecentBarsObserver(plan: restoration.plan, restoring: restoration.recent)
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: strategy.evaluators), configuration: configuration,
                                journal: journal, observers: [book, recent] + journal.observers)
        let reloading = try LiveReloading(path: path, registry: registry, plan: restoration.plan, runner: runner, recent: recent,
                                          audit: ReloadAuditLog(stateFolder: nil, store: await journal.store),
                                          writeAhead: { try journal.writeAhead($0, from: $1) }, restored: restoration.reload,
                                          say: { _ in })
        // Saves reach this run only through `reload`, at the bar the test chooses.
        reloading.watcher.stop()
        let task = Task { try await runner.run() }
        return JournaledRun(journal: journal, runner: runner, recent: recent, reloading: reloading, book: book, restoration: restoration,
                            resumesAt: Int(checkpoint?.sequence ?? 0), task: task)
    }

    private init(journal: StateJournal, runner: LiveRunner, recent: RecentBarsObserver, reloading: LiveReloading, book: LiveStatusBook,
                 restoration: StateJournal.Restoration, resumesAt: Int, task: Task<Void, any Error>) {
        self.journal = journal
        self.runner = runner
        self.recent = recent
        self.reloading = reloading
        self.book = book
        self.restoration = restoration
        self.resumesAt = resumesAt
        self.task = task
    }

    /// Hands bars `range` of GOOG to the runner (each waits for the one before).
    func feed(_ range: Range<Int>) async {
        for bar in ReloadJournalTests.goog[range] { await runner.send(LiveBar(bar, instrument: 0)) }
    }

    /// Waits until the bars fed so far have gone through (`send` returns once the runner holds a bar).
    func settle() async throws {
        _ = try await runner.agents()
    }

    /// Reloads the file between the last bar fed and the next one, as a save would.
    func reload() async -> ReloadOutcome { await reloading.reload([.file]) }

    /// Ends the feed (every bar fed goes through) and stops.
    func end() async throws {
        await runner.feedEnded()
        try await stop()
    }

    /// Stops taking bars; what the state holds is what a restart finds.
    func stop() async throws {
        runner.finish()
        try await task.value
    }
}

/// Hot reload journaled in the state: a restart replays each bar through the plan that handled
/// it, applies each reload at its bar, refills the recent bars, and reloads a file edited while
/// the process was down. The reference each time is the same strategy run without interruption
/// in this process, with the same reloads at the same bars; that an uninterrupted run of
/// sma_cross equals backtesting.py is checked by RunStateTests and the parity tests.
@Suite(.serialized)
struct ReloadJournalTests {
    static let goog: [Bar] = {
        var bars: [Bar] = []
        try? CSVBarReader(path: BacktestFixture.packageRoot.appendingPathComponent("data/GOOG.csv").path).forEachBar { bars.append($0) }
        return bars
    }()

    /// sma_cross, fast SMA 10 → 12: a changed feature warmed on the recent bars.
    static func edit(_ text: String) -> String {
        text.replacingOccurrences(of: "fast: sma(close, 10)", with: "fast: sma(close, 12)")
    }

    /// sma_cross's MACD slow EMA 26 → 30: an EMA rebuilt on every recent bar, so its value after
    /// the warm-up depends on exactly which bars the ring holds.
    static func secondEdit(_ text: String) -> String {
        text.replacingOccurrences(of: "macd: macd(close, 12, 26, 9)", with: "macd: macd(close, 12, 30, 9)")
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Every feature value of the running agents, as bits (NaN included), with the plan's column names.
    static func featureBits(_ run: JournaledRun) async throws -> [String: UInt64] {
        let agents = try await run.runner.agents()
        let plan = run.reloading.plan
        var bits: [String: UInt64] = [:]
        for column in plan.columns { bits[column.name] = agents.feature.programs[0].value(column.register).bitPattern }
        return bits
    }

    static func orders(_ state: URL) throws -> [String] { try RunStateTests.orders(in: state) }

    /// Two copies of sma_cross in one fixture, so two runs can be edited apart.
    static func strategies(_ fixture: BacktestFixture) throws -> (String, String, String) {
        let original = try String(contentsOfFile: try fixture.shippedStrategy(), encoding: .utf8)
        return (original, try fixture.write("uninterrupted.yaml", original), try fixture.write("interrupted.yaml", original))
    }

    /// A reload at bar 400, a stop (as a crash) at bar 900, a restart: the replay goes through
    /// the journaled reload, the recent bars come back as the uninterrupted run holds them, and a
    /// second edit reloaded right after the restart leaves every feature bit-equal to the
    /// uninterrupted run's. Both then run to the end with the same orders and equity.
    @Test func aReloadRightAfterARestartWarmsUpAsWithoutTheRestart() async throws {
        let fixture = try BacktestFixture()
        let registry = URL(fileURLWithPath: fixture.registry)
        let (original, clean, crashed) = try Self.strategies(fixture)
        let cleanState = fixture.folder.appendingPathComponent("clean"), crashedState = fixture.folder.appendingPathComponent("crashed")

        let reference = try await JournaledRun.start(clean, state: cleanState, registry: registry)
        await reference.feed(0..<400)
        try Self.write(Self.edit(original), to: clean)
        #expect(await reference.reload().isApplied)
        await reference.feed(400..<900)
        try await reference.settle()
        let ringBefore = reference.recent.bars
        #expect(ringBefore.first?.count == 900)
        try Self.write(Self.secondEdit(Self.edit(original)), to: clean)
        #expect(await reference.reload().isApplied)
        let expected = try await Self.featureBits(reference)

        let first = try await JournaledRun.start(crashed, state: crashedState, registry: registry)
        await first.feed(0..<400)
        try Self.write(Self.edit(original), to: crashed)
        #expect(await first.reload().isApplied)
        await first.feed(400..<900)
        try await first.stop()

        let second = try await JournaledRun.start(crashed, state: crashedState, registry: registry)
        #expect(second.resumesAt == 900)
        #expect(second.restoration.reload == nil, "the file is the one last journaled: nothing to reload at start")
        #expect(second.restoration.plan.hash == first.reloading.plan.hash)
        let sameRing = second.recent.bars == ringBefore
        #expect(sameRing, "the ring refilled from the journal holds what the uninterrupted run holds: \(second.recent.bars.map(\.count))")
        try Self.write(Self.secondEdit(Self.edit(original)), to: crashed)
        let outcome = await second.reload()
        #expect(outcome.isApplied, "\(outcome)")
        let restored = try await Self.featureBits(second)
        #expect(restored == expected)
        #expect(restored["macd.macd"].map { !Double(bitPattern: $0).isNaN } == true, "the rebuilt EMA is warm")

        await reference.feed(900..<Self.goog.count)
        try await reference.end()
        await second.feed(900..<Self.goog.count)
        try await second.end()
        #expect(try Self.orders(crashedState) == Self.orders(cleanState))
        #expect(try Self.orders(cleanState).count > 10)
        #expect(second.book.snapshot == reference.book.snapshot)
        let plans = try StateStore.open(directory: crashedState, redacting: { $0 }).plans()
        #expect(plans.map(\.fromSequence) == [0, 400, 900])
        #expect(plans.map(\.cause) == [.start, .reload, .reload])
    }

    /// A file edited while the process was down: the restart replays the journal through the
    /// plan that handled it, then reloads the edit once, before the first new bar, and journals
    /// it; the run ends as an uninterrupted one that reloaded at that bar.
    @Test func aFileEditedWhileDownIsReloadedOnceAtTheRestart() async throws {
        let fixture = try BacktestFixture()
        let registry = URL(fileURLWithPath: fixture.registry)
        let (original, clean, crashed) = try Self.strategies(fixture)
        let cleanState = fixture.folder.appendingPathComponent("clean"), crashedState = fixture.folder.appendingPathComponent("crashed")

        let reference = try await JournaledRun.start(clean, state: cleanState, registry: registry)
        await reference.feed(0..<600)
        try Self.write(Self.edit(original), to: clean)
        #expect(await reference.reload().isApplied)
        await reference.feed(600..<Self.goog.count)
        try await reference.end()

        let first = try await JournaledRun.start(crashed, state: crashedState, registry: registry)
        await first.feed(0..<600)
        try await first.stop()
        try Self.write(Self.edit(original), to: crashed)
        let second = try await JournaledRun.start(crashed, state: crashedState, registry: registry)
        let reload = try #require(second.restoration.reload, "the edit made while down is reloaded at start")
        #expect(reload.applied)
        #expect(reload.triggers == [.file])
        // The edited feature, and the signal that reads it.
        #expect(reload.changed.map(\.node) == ["feature.fast", "signal.trend"])
        #expect(second.reloading.lastReload?.isApplied == true, "/status shows the start's reload")
        await second.feed(600..<Self.goog.count)
        try await second.end()
        #expect(try Self.orders(crashedState) == Self.orders(cleanState))
        #expect(second.book.snapshot == reference.book.snapshot)

        // A third start on the same file reloads nothing: the journal's last plan is the file.
        let third = try await JournaledRun.start(crashed, state: crashedState, registry: registry)
        #expect(third.restoration.reload == nil)
        #expect(third.resumesAt == Self.goog.count)
        try await third.stop()
        let plans = try StateStore.open(directory: crashedState, redacting: { $0 }).plans()
        #expect(plans.map(\.fromSequence) == [0, 600])
        #expect(plans.map(\.cause) == [.start, .reload])
    }

    /// A folder written before plans were journaled (bars, no `plans` rows) replays through the
    /// file as it is, as it always did, and from then on journals that file as its `start` plan.
    @Test func aFolderFromBeforePlansWereJournaledReplaysThroughTheFileAsItIs() async throws {
        let fixture = try BacktestFixture()
        let registry = URL(fileURLWithPath: fixture.registry)
        let (_, clean, crashed) = try Self.strategies(fixture)
        let cleanState = fixture.folder.appendingPathComponent("clean"), oldState = fixture.folder.appendingPathComponent("old")

        let reference = try await JournaledRun.start(clean, state: cleanState, registry: registry)
        await reference.feed(0..<Self.goog.count)
        try await reference.end()

        let store = try StateStore.open(directory: oldState, redacting: { $0 })
        try store.bind(strategyID: "sma-cross", at: 0)
        for (sequence, bar) in Self.goog.prefix(300).enumerated() {
            try store.recordBar(JournalBar(sequence: UInt64(sequence), instrument: "GOOG", timestampMicros: bar.timestamp, open: bar.open,
                                           high: bar.high, low: bar.low, close: bar.close, volume: bar.volume))
        }
        try store.close()
        let run = try await JournaledRun.start(crashed, state: oldState, registry: registry)
        #expect(run.resumesAt == 300)
        #expect(run.restoration.reload == nil)
        await run.feed(300..<Self.goog.count)
        try await run.end()
        #expect(try Self.orders(oldState) == Self.orders(cleanState))
        #expect(run.book.snapshot == reference.book.snapshot)
        let plans = try StateStore.open(directory: oldState, redacting: { $0 }).plans()
        #expect(plans.map(\.fromSequence) == [300])
        #expect(plans.map(\.cause) == [.start])
    }

    /// A real `stratum run --state` with its control plane on loopback: a rename-save that renames
    /// the strategy and edits a feature is reloaded at some bar k (the state journals which), and
    /// `/status` follows the new name and plan hash. SIGKILL some bars later, then a restart on the
    /// same folder runs to the end: the same orders (same client ids) and equity as an
    /// uninterrupted run with the same reload at bar k, and the restarted run reports the new name.
    @Test func aProcessKilledAfterAReloadEndsAsTheUninterruptedRunWithThatReload() async throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        let original = try String(contentsOfFile: strategy, encoding: .utf8)
        let renamed = Self.edit(original).replacingOccurrences(of: "name: sma-cross", with: "name: sma-cross-12")
        #expect(renamed.contains("name: sma-cross-12"))

        let run = try await RunReloadTests.Run.start(strategy, fixture: fixture)
        let before = try await run.status { RunReloadTests.bars($0) >= 150 }
        #expect(before["strategy"] as? String == "sma-cross")
        try RunReloadTests.renameSave(renamed, to: strategy)
        let after = try await run.status { ($0["plan_hash"] as? String) != (before["plan_hash"] as? String) }
        #expect(after["strategy"] as? String == "sma-cross-12", "\(after)")
        _ = try await run.status { RunReloadTests.bars($0) >= RunReloadTests.bars(after) + 50 }
        run.child.signal(SIGKILL)
        _ = try await run.child.exitCode()
        // More kills at seeded random moments, each restart replaying through the journaled reload.
        var random = SplitMix64(seed: 6)
        for _ in 0..<5 {
            let child = try StratumProcess(["run", strategy, "--replay", "500/s", "--state", run.state.path, "--registry", fixture.registry],
                                           in: fixture.folder)
            _ = try? await child.await("paper mode")
            try await Task.sleep(for: .milliseconds(Int(20 + random.next() % 400)))
            child.signal(SIGKILL)
            _ = try await child.exitCode()
        }

        let restarted = try await RunStateTests.runToEnd(strategy, state: run.state, in: fixture)
        let plans = try StateStore.open(directory: run.state, redacting: { $0 }).plans()
        #expect(plans.map(\.cause) == [.start, .reload])
        #expect(plans.map(\.strategy) == ["sma-cross", "sma-cross-12"])
        let k = Int(try #require(plans.last).fromSequence)
        #expect(k >= 150 && k <= RunReloadTests.bars(after), "the reload took over at bar \(k)")
        let status = try jsonObject(String(contentsOf: run.state.appendingPathComponent("status.json"), encoding: .utf8))
        #expect(status["strategy"] as? String == "sma-cross-12")
        #expect(status["bars_processed"] as? Int == Self.goog.count)

        // The reference: the same reload at the same bar, without the kill.
        let referenceFile = try fixture.write("reference.yaml", original)
        let referenceState = fixture.folder.appendingPathComponent("reference")
        let reference = try await JournaledRun.start(referenceFile, state: referenceState, registry: URL(fileURLWithPath: fixture.registry))
        await reference.feed(0..<k)
        try Self.write(renamed, to: referenceFile)
        #expect(await reference.reload().isApplied)
        await reference.feed(k..<Self.goog.count)
        try await reference.end()
        #expect(try Self.orders(run.state) == Self.orders(referenceState), "\(restarted.standardError)")
        let equity = try #require(status["equity"] as? Double)
        #expect(equity == reference.book.snapshot.equity)
    }
}

/// The order of what the replay applies between two bars, worked out by hand from alert ids.
struct ReplayStepTests {
    static func reload(id: Int64, from sequence: UInt64, afterAlert alert: Int64) -> JournaledPlan {
        JournaledPlan(id: id, fromSequence: sequence, lastAlertID: alert, cause: .reload, strategy: "s", path: "s.yaml", source: "",
                      models: [:], planHash: String(repeating: "0", count: 64), atMicros: 0)
    }

    static func names(_ steps: [ReplayStep]) -> [String] {
        steps.map { step in
            switch step {
            case .command(.halt(let reason)), .command(.reduceOnly(let reason)), .command(.resume(let reason)): reason
            case .reload(let plan): "reload \(plan.id)"
            }
        }
    }

    @Test func reloadsAndCommandsAtOneBarKeepTheirOrder() {
        // Before bar 7: halt (alert 3), reload 2 (written when alert 3 was the last), resume (alert 4),
        // reload 3 (after alert 4). Before bar 8: nothing. A halt before bar 9 (alert 5).
        let commands: [UInt64: [JournaledCommand.Entry]] = [
            7: [.init(alertID: 4, command: .resume(reason: "resume")), .init(alertID: 3, command: .halt(reason: "halt"))],
            9: [.init(alertID: 5, command: .halt(reason: "later"))],
        ]
        let reloads = [Self.reload(id: 3, from: 7, afterAlert: 4), Self.reload(id: 2, from: 7, afterAlert: 3)]
        #expect(Self.names(ReplayStep.at(7, from: 7, commands: commands, reloads: reloads)) == ["halt", "reload 2", "resume", "reload 3"])
        #expect(ReplayStep.at(8, from: 8, commands: commands, reloads: reloads).isEmpty)
        // The first bar of a journal takes everything journaled at or before it.
        #expect(Self.names(ReplayStep.at(9, from: 0, commands: commands, reloads: reloads))
            == ["halt", "reload 2", "resume", "reload 3", "later"])
    }
}

extension ReloadOutcome {
    var isApplied: Bool { if case .applied = self { true } else { false } }
}
