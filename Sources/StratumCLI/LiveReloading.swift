import Agents
import Foundation
import Indicators
import Runtime
import ServiceLifecycle
import Storage
import StrategyCompiler
import Synchronization

/// Hot reload for `stratum run`: a Service that takes reload requests (strategy file saves,
/// registry tag moves of the models the plan reads, SIGHUP, `POST /reload`) one at a time,
/// compiles the file beside the bar loop, and swaps the agents onto the new plan between two
/// bars through `LiveRunner.pause`, so the runner keeps its bar sequence and no bar is lost or
/// processed twice.
///
/// Requests are taken in order by one task: two reloads never overlap, so a slow compile of an
/// older save can never be applied over a newer one.
///
/// With `--state`, an applied reload is journaled (the file's text and model versions, at the bar
/// sequence where it takes over) inside the pause, before the agents are swapped: a restart
/// replays the bars before it through the old plan and applies the same reload at the same bar.
final class LiveReloading: Service, Sendable {
    /// Writes a plan ahead of the swap, with the bar sequence it takes over at; throwing keeps the running plan.
    typealias WriteAhead = @Sendable (_ source: PlanSource, _ fromSequence: UInt64) throws -> Void

    /// One reload to do, and where its outcome goes (`POST /reload` waits for it).
    struct Job: Sendable {
        var triggers: [ReloadTrigger]
        var reply: @Sendable (ReloadOutcome) -> Void
    }

    /// What the service changes as reloads apply: read by `/status` at any time.
    struct Running: Sendable {
        var plan: Plan
        var lastReload: ReloadOutcome?
    }

    let coordinator: ReloadCoordinator
    let watcher: StrategyWatcher
    let runner: LiveRunner
    let recent: RecentBarsObserver
    let audit: ReloadAuditLog
    let writeAhead: WriteAhead?
    /// A reload the restore applied before the first new bar (the file changed while the process was down).
    let restored: ReloadRecord?
    let say: @Sendable (String) -> Void
    private let running: Mutex<Running>
    private let jobs: AsyncStream<Job>
    private let jobsContinuation: AsyncStream<Job>.Continuation

    /// Starts watching the file, the tags of the models `plan` reads, and SIGHUP at once.
    ///
    /// - Parameters:
    ///   - plan: the plan the agents run on (after a restore, the last one the state journaled).
    ///   - writeAhead: journals an applied reload before the swap (`StateJournal.writeAhead`); nil without `--state`.
    ///   - restored: the reload the restore applied at start, reported and audited when the service starts.
    /// - Throws: `CommandError` when the strategy's folder cannot be watched.
    init(path: String, registry: URL, plan: Plan, runner: LiveRunner, recent: RecentBarsObserver, audit: ReloadAuditLog,
         writeAhead: WriteAhead? = nil, restored: ReloadRecord? = nil, say: @escaping @Sendable (String) -> Void) throws {
        coordinator = ReloadCoordinator(path: path, registry: registry)
        do {
            watcher = try StrategyWatcher(strategy: path, registry: registry, models: ReloadCoordinator.models(of: plan), sighup: true)
        } catch {
            throw CommandError("hot reload: \(error)", status: ExitStatus.usageOrIO)
        }
        self.runner = runner
        self.recent = recent
        self.audit = audit
        self.writeAhead = writeAhead
        self.restored = restored
        self.say = say
        running = Mutex(Running(plan: plan, lastReload: restored?.outcome))
        (jobs, jobsContinuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// The plan the agents run on now.
    var plan: Plan { running.withLock { $0.plan } }

    /// The running plan's hash: what `/status` reports as `plan_hash`.
    var planHash: String { plan.hash }

    /// The running plan's `strategy.name`: what `/status` reports as `strategy` (a reload may rename it).
    var strategyName: String { plan.spec.name.value }

    /// The last reload's outcome for `/status` (refused ones carry their diagnostics).
    var lastReload: ReloadOutcome? { running.withLock { $0.lastReload } }

    /// `POST /reload`: queued behind any reload in hand; answers once it applied or was refused.
    func reloadNow() async -> ReloadOutcome {
        await withCheckedContinuation { continuation in
            let job = Job(triggers: [.command]) { continuation.resume(returning: $0) }
            if case .terminated = jobsContinuation.yield(job) {
                continuation.resume(returning: .refused(diagnostics: "the run is stopping; nothing was reloaded"))
            }
        }
    }

    /// The control plane's target, with the running plan's hash in `/status`.
    func controlTarget(_ base: LiveControlTarget) -> ReloadingControlTarget {
        ReloadingControlTarget(base: base, reloading: self)
    }

    func run() async throws {
        let watcher = watcher
        let continuation = jobsContinuation
        // The watcher's requests join the command queue, so both are taken in arrival order.
        let forwarding = Task {
            for await request in watcher.requests {
                continuation.yield(Job(triggers: request.triggers) { _ in })
            }
        }
        defer {
            forwarding.cancel()
            watcher.stop()
        }
        if let restored { publish(restored) }
        // On shutdown the queue closes and the jobs already in it still get their answer (a
        // `POST /reload` in flight is never left waiting); the runner stops after this service.
        await withGracefulShutdownHandler {
            for await job in jobs {
                job.reply(await reload(job.triggers))
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    /// One reload: compile beside the bar loop, swap between two bars, record, log.
    func reload(_ triggers: [ReloadTrigger]) async -> ReloadOutcome {
        let compilation = coordinator.compile()
        let record: ReloadRecord
        do {
            record = try await runner.pause { [self] agents in
                let result = try Self.swap(compilation, coordinator: coordinator, running: running.withLock { $0.plan }, agents: &agents,
                                           recent: recent, triggers: triggers, at: LiveRunner.wallClockMicroseconds()) {
                    // Between two bars: the bars taken so far are the sequence the new plan takes over at.
                    if let writeAhead, case .ready(let compiled) = compilation {
                        try writeAhead(PlanSource(compiled), runner.progress.barsProcessed)
                    }
                }
                if result.applied { running.withLock { $0.plan = result.plan } }
                return result.record
            }
        } catch {
            record = .refused(diagnostics: "nothing was reloaded: \(error)", path: coordinator.path,
                              running: running.withLock { $0.plan }, triggers: triggers, at: LiveRunner.wallClockMicroseconds())
        }
        if record.applied { watcher.watchModels(ReloadCoordinator.models(of: running.withLock { $0.plan })) }
        running.withLock { $0.lastReload = record.outcome }
        publish(record)
        return record.outcome
    }

    /// The swap, between two bars inside `LiveRunner.pause`: the agents mapped onto the compiled
    /// plan (state carried node by node, rebuilt features warmed up on the recent bars) and the
    /// recent-bars ring deepened for the new plan. A live reload and the restore's replay of a
    /// journaled one both come here, so the replay makes the same agents from the same bars.
    ///
    /// - Parameter writeAhead: called once the reload is known to apply, before anything changes;
    ///   when it throws, nothing changes.
    static func swap(_ compilation: ReloadCoordinator.Compilation, coordinator: ReloadCoordinator, running: Plan, agents: inout AgentSet,
                     recent: RecentBarsObserver, triggers: [ReloadTrigger], at timestamp: Int64,
                     writeAhead: () throws -> Void) throws -> Reloader.Result {
        let result = coordinator.apply(compilation, running: running, agents: agents, recentBars: recent.bars, triggers: triggers, at: timestamp)
        guard result.applied else { return result }
        try writeAhead()
        agents = result.agents
        recent.follow(result.plan)
        return result
    }

    /// Logs a reload and appends it to the audit.
    private func publish(_ record: ReloadRecord) {
        say(Self.logText(record))
        do {
            try audit.append(record)
        } catch {
            say("warning: the reload record could not be written to the audit: \(error)")
        }
    }

    /// The summary line, then one line per added, removed and changed node (and each note).
    static func logText(_ record: ReloadRecord) -> String {
        var lines = [record.summary]
        if record.applied {
            lines.append("  plan \(record.fromPlanHash.prefix(12)) -> \((record.toPlanHash ?? "").prefix(12)); "
                + "\(record.carriedKernels) kernels kept, \(record.rebuiltKernels) rebuilt, \(record.warmupBars) bars replayed")
            lines += record.added.map { "  + \($0)" }
            lines += record.removed.map { "  - \($0)" }
            lines += record.changed.map { "  ~ \($0.node): \($0.reason)" }
            lines += record.notes.map { "  note: \($0)" }
        } else {
            lines.append(record.diagnostics)
        }
        return lines.joined(separator: "\n")
    }
}

/// Keeps the last bars MarketData passed on, for warming up rebuilt features on reload.
///
/// The runner calls it after each step, and reload reads it inside `pause`, when no step runs.
final class RecentBarsObserver: LiveObserver, Sendable {
    private let recent: Mutex<RecentBars>

    /// - Parameter restoring: the ring a restore's replay refilled; a fresh one sized for `plan` when nil.
    init(plan: Plan, restoring ring: RecentBars? = nil) {
        recent = Mutex(ring ?? RecentBars(plan: plan))
    }

    /// The ring itself, to hand from a restore's replay to the live run.
    var ring: RecentBars { recent.withLock { $0 } }

    func observe(_ report: LiveReport) async {
        recent.withLock { recent in
            for envelope in report.envelopes { recent.record(envelope) }
        }
    }

    var bars: [[Bar]] { recent.withLock { $0.bars } }

    /// A new plan with a longer warm-up keeps a deeper ring, starting from the bars held now.
    func follow(_ plan: Plan) {
        recent.withLock { recent in
            let depth = RecentBars.defaultDepth(for: plan)
            guard depth > recent.depth else { return }
            var deeper = RecentBars(instruments: plan.spec.dataSources.count, depth: depth)
            for (instrument, bars) in recent.bars.enumerated() {
                for bar in bars { deeper.append(bar, instrument: instrument) }
            }
            recent = deeper
        }
    }
}

/// The control plane's view with the running plan's name and hash, which a reload changes.
struct ReloadingControlTarget: ControlTarget {
    let base: LiveControlTarget
    let reloading: LiveReloading

    func status() async -> StatusSnapshot {
        var status = await base.status()
        status.strategy = reloading.strategyName
        status.planHash = reloading.planHash
        return status
    }

    func isReady() async -> ReadinessReport { await base.isReady() }
    func reload() async -> ReloadOutcome { await base.reload() }
    func kill(reason: String) async -> CommandOutcome { await base.kill(reason: reason) }
    func resume(reason: String) async -> CommandOutcome { await base.resume(reason: reason) }
}

/// Where reload records go: the one place to change when the run's state store takes them
/// (`StateStore.recordReloadApplied` / `recordReloadRefused`, in the hash-chained audit).
///
/// Until then, with `--state DIR`, each record is one JSON line appended to `DIR/audit.jsonl`;
/// without a state folder the log line on standard error is the only trace.
struct ReloadAuditLog: Sendable {
    let file: URL?
    /// The run's state store (`--state`): reloads join its hash-chained audit log.
    let store: StateStore?

    init(stateFolder: URL?, store: StateStore? = nil) {
        file = stateFolder?.appendingPathComponent("audit.jsonl")
        self.store = store
    }

    func append(_ record: ReloadRecord) throws {
        if let store {
            if !record.applied {
                _ = try store.recordReloadRefused(diagnostics: record.diagnostics, at: record.timestamp)
            } else {
                _ = try store.recordReloadApplied(diff: record, at: record.timestamp)
            }
        }
        guard let file else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = try encoder.encode(record) + Data("\n".utf8)
        // O_APPEND: one write per record, so a line is never interleaved or half replaced.
        let descriptor = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CommandError("\(file.path) cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else { throw CommandError("\(file.path) cannot be written: \(String(cString: strerror(errno)))") }
        fsync(descriptor)
    }
}
