import Agents
import Foundation
import Indicators
import ModelRegistry
import Runtime
import Storage
import StrategyCompiler

/// The durable journal of `stratum run --state DIR`: the runner's write-ahead calls land in
/// `DIR/state.sqlite` (``StateStore``), and a start on an existing folder restores the agents by
/// replaying every journaled bar through fresh agents.
///
/// Restoring by replay rather than from a stored snapshot: the agents are deterministic, so the
/// same bars give the same indicator windows, positions, open orders and equity, and a snapshot
/// format that could drift from the agents' state is not needed. The replay runs the same actor
/// runner with no feed; the orders it makes are admitted again, which the store recognises by
/// their derived client id (``ClientOrderID``): an order already sent is never sent twice, one
/// recorded but never confirmed is confirmed (on the simulated venue the agents themselves are
/// the venue), and the orders of the bar in hand at the crash are admitted for the first time.
///
/// Each bar is replayed through the plan that handled it: the state journals every plan the run
/// used (``JournaledPlan``: the file's text and model versions, from the bar it took over at),
/// and the replay applies each journaled hot reload at its bar, through the same swap a live
/// reload makes (``LiveReloading/swap``), warming rebuilt features on the same recent bars. A
/// file edited while the process was down is then reloaded once, before the first new bar, as
/// if it had been saved at that moment (and journaled like any reload).
///
/// The kill switch as persisted is applied at the end of the replay, so a restart after a kill
/// starts HALTED until `stratum resume` or POST /resume.
actor StateJournal: LiveJournal {
    /// What a restore leaves running, for the live run to take over.
    struct Restoration: Sendable {
        /// The plan the agents run on: the last one journaled, or the file as it is now.
        var plan: Plan
        /// The bars MarketData passed on, as an uninterrupted run would hold them.
        var recent: RecentBars
        /// The reload of a file edited while the process was down, applied before the first new bar.
        var reload: ReloadRecord?
    }

    let store: StateStore
    /// The strategy file as this process started on it.
    let current: CompiledStrategy
    let coordinator: ReloadCoordinator
    /// The plan's instruments, by data source index.
    let instruments: [String]
    let configuration: LiveRunner.Configuration
    private var restored: LiveCheckpoint?
    private var loaded = false
    /// Set by `load`.
    private(set) var restoration: Restoration?
    /// The agents' order ids to their client ids.
    private var clientIDs: [UInt64: String] = [:]
    private var ordersInBar: (sequence: UInt64, count: Int) = (0, 0)
    /// Fills already in the store (`client id/venue fill id`): the replay makes them again, and
    /// the store refuses a second copy as an overfill rather than ignoring it.
    private var recordedFills: Set<String> = []
    /// Told about every step of the replay too, so `/status` starts where the last run stood.
    let replayObservers: [any LiveObserver]
    /// Whether `load` has finished: the control plane's readiness.
    nonisolated let restoreDone = LockedBox(false)

    /// - Parameters:
    ///   - current: the strategy file as compiled at start.
    ///   - registry: where journaled model versions are loaded from again.
    init(store: StateStore, current: CompiledStrategy, registry: URL, configuration: LiveRunner.Configuration,
         replayObservers: [any LiveObserver] = []) {
        self.replayObservers = replayObservers
        self.store = store
        self.current = current
        coordinator = ReloadCoordinator(path: current.path, registry: registry)
        instruments = current.plan.spec.dataSources.map(\.instrument)
        self.configuration = configuration
    }

    func recordBar(_ bar: LiveBar, sequence: UInt64) throws {
        let b = bar.bar
        try store.recordBar(JournalBar(sequence: sequence, instrument: instruments[bar.instrument], timestampMicros: b.timestamp,
                                       open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume))
    }
    /// New orders are admitted (and, the simulated venue holding them at once, marked sent);
    /// cancellations and rejections close them. Fills come through ``FillRecorder``.
    func recordOrders(_ orders: [OrderUpdate], sequence: UInt64) throws {
        for order in orders {
            if let id = clientIDs[order.id] {
                switch order.status {
                case .cancelled: try store.closeOrder(id, as: .cancelled, at: Self.now())
                case .rejected: try store.closeOrder(id, as: .rejected, at: Self.now())
                case .expired: try store.closeOrder(id, as: .expired, at: Self.now())
                case .accepted, .partiallyFilled, .filled: break
                }
                continue
            }
            if ordersInBar.sequence != sequence { ordersInBar = (sequence, 0) }
            let index = ordersInBar.count
            ordersInBar.count += 1
            let intent = OrderIntent(
                barSequence: sequence, index: index, instrument: instruments[order.instrument], side: order.quantity >= 0 ? .buy : .sell,
                quantity: abs(order.quantity), kind: order.kind == .limit ? .limit : .market,
                limitPrice: order.limitPrice.flatMap { $0.isFinite ? $0 : nil }, createdMicros: Self.now())
            let id: String
            switch try store.admit(intent) {
            case .send(let clientID):
                id = clientID.value
                try store.markSent(id, at: Self.now())
            case .reconcile(let stored):
                // The simulated venue is the agents: the replay has just made the order there.
                id = stored.clientOrderID
                try store.markSent(id, at: Self.now())
            case .alreadySent(let stored):
                id = stored.clientOrderID
            }
            clientIDs[order.id] = id
            if order.status == .cancelled || order.status == .rejected || order.status == .expired {
                try store.closeOrder(id, as: order.status == .cancelled ? .cancelled : order.status == .rejected ? .rejected : .expired,
                                     at: Self.now())
            }
        }
    }

    func recordFills(_ fills: [Fill], sequence: UInt64) throws {
        for fill in fills {
            guard let id = clientIDs[fill.order] else { continue }
            let venueFillID = "o\(fill.order)-\(fill.barIndex)"
            guard recordedFills.insert("\(id)/\(venueFillID)").inserted else { continue }
            try store.recordFill(FillReport(clientOrderID: id, venueFillID: venueFillID,
                                            quantity: abs(fill.quantity), price: fill.price, fee: fill.fee,
                                            timestampMicros: Self.now()))
        }
    }

    /// The agents' state lives in the journal itself: a checkpoint only moves where the next
    /// start would begin if it were asked again in this process.
    func checkpoint(_ checkpoint: LiveCheckpoint) {
        restored = checkpoint
        loaded = true
    }

    /// Every write is committed with `synchronous = FULL` when it returns.
    func flush() {}

    func load() async throws -> LiveCheckpoint? {
        if loaded { return restored }
        defer { restoreDone.value = true }
        let state = try store.load()
        recordedFills = Set(try store.fills().map { "\($0.clientOrderID)/\($0.venueFillID)" })
        var plans = try store.plans()
        let now = PlanSource(current)
        if state.journal.isEmpty, plans.last.map({ !Self.source(of: $0).compilesLike(now) }) ?? true {
            // No bar handled yet: the agents start fresh on the file as it is now.
            plans.append(try store.recordPlan(Self.journaled(now, from: 0, cause: .start)))
        }
        let tripped = state.killSwitch.state != .active
        guard !state.journal.isEmpty || tripped else {
            restoration = Restoration(plan: current.plan, recent: RecentBars(plan: current.plan), reload: nil)
            loaded = true
            return nil
        }
        restored = try await replay(state.journal, plans: plans, commands: try JournaledCommand.all(in: store), killSwitch: state.killSwitch)
        loaded = true
        return restored
    }

    /// Journals a hot reload before the swap (``LiveReloading/WriteAhead``): the plan handles
    /// the journal from bar `sequence` on.
    nonisolated func writeAhead(_ source: PlanSource, from sequence: UInt64) throws {
        try store.recordPlan(Self.journaled(source, from: sequence, cause: .reload))
    }

    /// Runs the journaled bars through fresh agents on a runner of their own, each through the
    /// plan that handled it, then applies the persisted kill switch, then reloads the file if it
    /// changed while the process was down.
    private func replay(_ bars: [JournalBar], plans: [JournaledPlan], commands: [UInt64: [JournaledCommand.Entry]],
                        killSwitch: KillSwitch) async throws -> LiveCheckpoint {
        // The agents start fresh on the last `start` plan; a folder from before plans were
        // journaled has none, and replays on the file as it is now.
        let startIndex = plans.lastIndex { $0.cause == .start }
        let base = try startIndex.map { try compile(plans[$0]) } ?? current
        let reloads = startIndex.map { Array(plans[($0 + 1)...]) } ?? []
        var running = base.plan
        let recent = RecentBarsObserver(plan: base.plan)
        let first = bars.first?.sequence ?? 0
        let replaying = Replaying(journal: self, start: LiveCheckpoint(agents: AgentSet(plan: base.plan, evaluators: base.evaluators),
                                                                       sequence: first, lastTimestamp: nil))
        let runner = LiveRunner(agents: replaying.start.agents, configuration: configuration, journal: replaying,
                                observers: [FillRecorder(journal: self), recent] + replayObservers)
        let index = Dictionary(instruments.enumerated().map { ($1, $0) }) { first, _ in first }
        let end = bars.last.map { $0.sequence + 1 } ?? first
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            // Whatever stops the replay (a journal the strategy cannot take), the runner stops too.
            defer { runner.finish() }
            // Between two bars, the commands and reloads journaled there, in the order they happened.
            func boundary(_ sequence: UInt64, from lowest: UInt64) async throws {
                let steps = ReplayStep.at(sequence, from: lowest, commands: commands, reloads: reloads)
                for step in steps {
                    switch step {
                    case .command(let command):
                        try await runner.command(command)
                    case .reload(let plan):
                        running = try await replayReload(plan, on: runner, running: running, recent: recent)
                    }
                }
            }
            for (offset, bar) in bars.enumerated() {
                guard let instrument = index[bar.instrument] else {
                    throw CommandError("\(store.url.path): the journal holds bars of \(bar.instrument), which the strategy does not trade; "
                        + "use a new --state folder for a changed strategy", status: ExitStatus.usageOrIO)
                }
                // The bar before has been taken (send returns once the runner holds it), so what
                // was journaled between the two is applied right after it, as it was live.
                try await boundary(bar.sequence, from: offset == 0 ? 0 : bar.sequence)
                await runner.send(LiveBar(Bar(timestamp: bar.timestampMicros, open: bar.open, high: bar.high, low: bar.low,
                                              close: bar.close, volume: bar.volume), instrument: instrument))
            }
            try await boundary(end, from: bars.isEmpty ? 0 : end)
            await runner.feedEnded()
            // The persisted switch has the last word (`stratum resume` writes it while no process
            // runs); the command that brings the agents there is journaled for the next replay.
            let replayed = try await runner.pause { $0.portfolio.state }
            if replayed != .active, killSwitch.state == .active, killSwitch.atMicros == nil {
                // The agents tripped (a drawdown) and the process died before the switch was written.
                try store.recordKillSwitch(KillSwitchTransition(
                    from: .active, to: replayed, trigger: "drawdown", reason: "the portfolio went \(replayed.rawValue) (found by the replay)",
                    actor: KillSwitch.supervisorActor, atMicros: Self.now()))
            } else if replayed != killSwitch.state {
                let reason = killSwitch.reason ?? "kill switch as persisted"
                let command: SupervisorCommand = switch killSwitch.state {
                case .halted: .halt(reason: reason)
                case .reducing: .reduceOnly(reason: reason)
                case .active: .resume(reason: reason)
                }
                try JournaledCommand.record(command, before: end, in: store)
                try await runner.command(command)
            }
            let reload = try await reloadIfEdited(plans: plans, end: end, on: runner, running: &running, recent: recent)
            var agents = try await runner.agents()
            // The Supervisor keeps the persisted switch: a resume must come from an operator.
            if killSwitch.state != .active { agents.supervisor = SupervisorAgent(plan: running, killSwitch: killSwitch) }
            runner.finish()
            try await group.waitForAll()
            restoration = Restoration(plan: running, recent: recent.ring, reload: reload)
            return LiveCheckpoint(agents: agents, sequence: end, lastTimestamp: bars.last?.timestampMicros)
        }
    }

    /// A journaled reload, applied again between the same two bars through the live swap.
    private func replayReload(_ plan: JournaledPlan, on runner: LiveRunner, running: Plan, recent: RecentBarsObserver) async throws -> Plan {
        let compilation = ReloadCoordinator.Compilation.ready(try compile(plan))
        let coordinator = coordinator
        let result = try await runner.pause { agents in
            try LiveReloading.swap(compilation, coordinator: coordinator, running: running, agents: &agents, recent: recent,
                                   triggers: [.file], at: plan.atMicros) {}
        }
        guard result.applied else {
            throw CommandError("\(store.url.path): the reload journaled at bar \(plan.fromSequence) (\(plan.path)) no longer applies to the "
                + "plan before it: \(result.record.diagnostics). Use a new --state folder", status: ExitStatus.usageOrIO)
        }
        return result.plan
    }

    /// The start's own reload: when the file (or a model tag it reads) changed while the process
    /// was down, the edit is applied now, between the last journaled bar and the first new one,
    /// and journaled like a live reload. A folder from before plans were journaled gets its first
    /// plan here instead (the replay ran on the file as it is now).
    private func reloadIfEdited(plans: [JournaledPlan], end: UInt64, on runner: LiveRunner, running: inout Plan,
                                recent: RecentBarsObserver) async throws -> ReloadRecord? {
        let now = PlanSource(current)
        guard let last = plans.last else {
            try store.recordPlan(Self.journaled(now, from: end, cause: .start))
            return nil
        }
        guard !Self.source(of: last).compilesLike(now) else { return nil }
        // Why, as the watcher would have said had it been running: the file, and each moved tag.
        var triggers: [ReloadTrigger] = last.source == now.text ? [] : [.file]
        for (reference, version) in now.models.sorted(by: { $0.key < $1.key }) where last.models[reference] != version {
            if let model = try? ModelReference(parsing: reference), !triggers.contains(.tags(model: model.name)) {
                triggers.append(.tags(model: model.name))
            }
        }
        let compilation = ReloadCoordinator.Compilation.ready(current)
        let (coordinator, store, before, why) = (coordinator, store, running, triggers)
        let result = try await runner.pause { agents in
            try LiveReloading.swap(compilation, coordinator: coordinator, running: before, agents: &agents, recent: recent,
                                   triggers: why, at: Self.now()) {
                try store.recordPlan(Self.journaled(now, from: end, cause: .reload))
            }
        }
        guard result.applied else {
            // The feeds are the edited file's: the journaled plan cannot run on them.
            throw CommandError("\(current.path): \(result.record.diagnostics)", status: ExitStatus.usageOrIO)
        }
        running = result.plan
        return result.record
    }

    /// A journaled plan compiled again with its recorded model versions, or why it cannot be.
    private func compile(_ plan: JournaledPlan) throws -> CompiledStrategy {
        switch coordinator.compile(Self.source(of: plan)) {
        case .ready(let compiled):
            return compiled
        case .refused(let diagnostics):
            throw CommandError("\(store.url.path): the plan journaled at bar \(plan.fromSequence) (\(plan.path), plan \(plan.planHash.prefix(12))) "
                + "cannot be built again, so the bars it handled cannot be replayed through it:\n\(diagnostics)\nBring back the model "
                + "version or the imported file it read, or start on a new --state folder", status: ExitStatus.usageOrIO)
        }
    }

    static func source(of plan: JournaledPlan) -> PlanSource {
        PlanSource(path: plan.path, text: plan.source, models: plan.models, strategy: plan.strategy, planHash: plan.planHash)
    }

    static func journaled(_ source: PlanSource, from sequence: UInt64, cause: JournaledPlan.Cause) -> JournaledPlan {
        JournaledPlan(fromSequence: sequence, cause: cause, strategy: source.strategy, path: source.path, source: source.text,
                      models: source.models, planHash: source.planHash, atMicros: now())
    }

    /// What the live run adds to its observers: fills, the agents' own trips, and commands
    /// go to the state as they happen.
    nonisolated var observers: [any LiveObserver] {
        [FillRecorder(journal: self), KillSwitchRecorder(store: store), CommandRecorder(store: store)]
    }

    static func now() -> Int64 { LiveRunner.wallClockMicroseconds() }

    /// The replay's journal: bars are already journaled; orders go through admission again.
    struct Replaying: LiveJournal {
        let journal: StateJournal
        let start: LiveCheckpoint
        func recordBar(_ bar: LiveBar, sequence: UInt64) {}
        func recordOrders(_ orders: [OrderUpdate], sequence: UInt64) async throws {
            try await journal.recordOrders(orders, sequence: sequence)
        }
        func checkpoint(_ checkpoint: LiveCheckpoint) {}
        func flush() {}
        func load() -> LiveCheckpoint? { start }
    }
}

/// Records the fills of every step in the state store (after the step: a fill lost to a crash
/// is made again by the replay, under the same venue fill id).
struct FillRecorder: LiveObserver {
    let journal: StateJournal

    func observe(_ report: LiveReport) async {
        let fills = report.envelopes.compactMap { if case .fill(let fill) = $0.payload { fill } else { nil } }
        guard !fills.isEmpty else { return }
        do {
            try await journal.recordFills(fills, sequence: report.sequence)
        } catch {
            Console.error("warning: a fill could not be recorded in the state: \(error)")
        }
    }
}

/// Persists the trips the agents decide on a bar (drawdown past the limit), so that a restart
/// starts in the same state. Commands are persisted by the control plane's kill and resume.
struct KillSwitchRecorder: LiveObserver {
    let store: StateStore

    func observe(_ report: LiveReport) async {
        guard case .bar = report.cause,
              let equity = report.envelopes.lazy.compactMap({ if case .equity(let snapshot) = $0.payload { snapshot } else { nil } }).last
        else { return }
        do {
            let current = try store.killSwitch().state
            guard equity.state != current, equity.state != .active else { return }
            try store.recordKillSwitch(KillSwitchTransition(
                from: current, to: equity.state, trigger: "drawdown",
                reason: "the portfolio went \(equity.state.rawValue) at bar \(report.sequence + 1) (equity \(equity.equity))",
                actor: KillSwitch.supervisorActor, atMicros: LiveRunner.wallClockMicroseconds()))
        } catch {
            Console.error("warning: the kill switch could not be persisted: \(error)")
        }
    }
}

/// A Supervisor command as the state keeps it: which bar it came before. Stored as an alert of
/// kind `runner.command`, written before the next bar is taken, so a replay applies it at the
/// same place and makes the same orders.
struct JournaledCommand: Codable {
    static let kind = "runner.command"
    var before: UInt64
    var command: SupervisorCommand

    static func record(_ command: SupervisorCommand, before sequence: UInt64, in store: StateStore) throws {
        let text = String(decoding: try JSONEncoder().encode(JournaledCommand(before: sequence, command: command)), as: UTF8.self)
        _ = try store.recordAlert(kind: kind, message: text, at: LiveRunner.wallClockMicroseconds())
    }

    /// A journaled command with its alert id, which orders it among the reloads journaled at the same bar.
    struct Entry: Sendable {
        var alertID: Int64
        var command: SupervisorCommand
    }

    /// Every journaled command by the bar it came before, oldest first.
    static func all(in store: StateStore) throws -> [UInt64: [Entry]] {
        var commands: [UInt64: [Entry]] = [:]
        for alert in try store.alerts() where alert.kind == kind {
            let entry = try JSONDecoder().decode(JournaledCommand.self, from: Data(alert.message.utf8))
            commands[entry.before, default: []].append(Entry(alertID: alert.id, command: entry.command))
        }
        return commands
    }
}

/// What the replay applies between two bars: journaled Supervisor commands and reloads, in the
/// order they happened live.
enum ReplayStep {
    case command(SupervisorCommand)
    case reload(JournaledPlan)

    /// The steps journaled before bar `sequence`, and also those before any earlier bar from
    /// `lowest` on (what came before the first journaled bar). A reload came after the commands
    /// whose alert id is at most its `lastAlertID`, and before the others.
    static func at(_ sequence: UInt64, from lowest: UInt64, commands: [UInt64: [JournaledCommand.Entry]],
                   reloads: [JournaledPlan]) -> [ReplayStep] {
        let span = min(lowest, sequence)...sequence
        var keyed: [(key: Int64, tie: Int64, step: ReplayStep)] = []
        for (position, entries) in commands where span.contains(position) {
            keyed += entries.map { (2 * $0.alertID, $0.alertID, .command($0.command)) }
        }
        for plan in reloads where span.contains(plan.fromSequence) {
            keyed.append((2 * plan.lastAlertID + 1, plan.id, .reload(plan)))
        }
        return keyed.sorted { ($0.key, $0.tie) < ($1.key, $1.tie) }.map(\.step)
    }
}

/// Journals every command the live run applies (kill, resume, reduce only), before the next bar.
struct CommandRecorder: LiveObserver {
    let store: StateStore

    func observe(_ report: LiveReport) async {
        guard case .command(let command) = report.cause else { return }
        do {
            try JournaledCommand.record(command, before: report.sequence &+ 1, in: store)
        } catch {
            Console.error("warning: a command could not be journaled in the state: \(error)")
        }
    }
}
