import Agents
import ArgumentParser
import ControlHTTP
import Foundation
import Logging
import RedisBus
import Runtime
import ServiceLifecycle
import Storage

/// `stratum run FILE --bus URL`: the same composition as ``LiveSession`` (feeds, control plane,
/// progress lines, graceful shutdown) around a ``WaveLiveRunner``, whose agents exchange every
/// message over Redis Streams, with the bus's outages reported by a ``BusOutageWatch``.
struct LiveBusSession {
    let command: RunCommand

    func run() async throws {
        let options = command.busOptions
        let url = options.bus!
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: url)
        } catch {
            throw CommandError("--bus \(url): \(error)", status: ExitStatus.usageOrIO)
        }
        let environment = try RunEnvironment.load(strategyPath: command.file, process: ProcessInfo.processInfo.environment)
        let redactor = SecretRedactor.environment(environment)
        let say: @Sendable (String) -> Void = { Console.error(redactor.redact($0)) }
        let strategy = try LiveStrategy.load(path: command.file, registry: command.registryOptions.registryURL)
        let plan = strategy.plan
        try LiveSession.checkMode(command.mode, plan: plan, path: command.file, environment: environment)
        let logger = LiveSession.logger()
        let stateFolder = try command.state.map(LiveSession.prepareState)
        let instruments = plan.spec.dataSources.map(\.instrument)
        let book = LiveStatusBook(instruments: instruments, cash: plan.spec.portfolio.cash)
        // With --state the journal is the state folder's, as without --bus; a restore replays it
        // in this process, and the agents on the bus start from where the replay left them.
        let durable = try LiveSession.stateJournal(
            stateFolder: stateFolder, strategy: strategy, registry: command.registryOptions.registryURL,
            configuration: LiveRunner.Configuration(instruments: plan.spec.dataSources.count,
                                                    heartbeatInterval: .microseconds(plan.spec.supervisor.heartbeatMicroseconds)),
            book: book, redactor: redactor)
        let restored: LiveCheckpoint?
        do {
            restored = try await durable?.load()
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("the strategy's state cannot be read: \(redactor.redact(String(describing: error)))", status: ExitStatus.usageOrIO)
        }
        if let restored {
            say("restored after bar \(restored.sequence): the feeds continue from there")
            book.setState(restored.agents.portfolio.state)
        }
        let session = LiveSession(command: command)
        let feeds = try session.makeFeeds(strategy, resumingAfter: restored, logger: logger)
        try await Self.reach(endpoint, wait: options.waitForBus, say: say)

        let metrics = RuntimeMetrics()
        let watch = BusOutageWatch(endpoint: endpoint, policy: SupervisionPolicy(supervisor: plan.spec.supervisor,
                                                                                 killSwitch: plan.spec.execution.killSwitch),
                                   metrics: metrics, say: say)
        var busOptions = RedisBusOptions()
        busOptions.client.onEvent = { watch.record($0) }
        let runner = WaveLiveRunner(
            agents: AgentSet(plan: plan, evaluators: strategy.evaluators),
            configuration: .init(strategy: plan.spec.name.value, instruments: plan.spec.dataSources.count, endpoint: endpoint,
                                 options: busOptions, placement: options.agents == .external ? .external : .inProcess,
                                 heartbeatInterval: .microseconds(plan.spec.supervisor.heartbeatMicroseconds)),
            metrics: metrics, journal: durable, restored: restored,
            observers: [book, ProgressLine(every: command.progressEvery, say: say)] + (durable?.observers ?? []),
            onContact: { watch.contact() })
        let connectivity = FeedConnectivity()
        let target = BusControlTarget(
            identity: .init(strategy: plan.spec.name.value, planHash: plan.hash, mode: command.mode,
                            startedAt: LiveRunner.wallClockMicroseconds()),
            runner: runner, book: book, connectivity: connectivity, watch: watch, store: durable?.store)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let control = try session.controlPlane(target: target, metrics: metrics, environment: environment, redactor: redactor,
                                                  logger: logger, mutating: "POST /kill and /resume", say: say) {
            services.append(control)
        }
        services.append(.init(service: WaveRunnerService(runner: runner), serviceName: "runner"))
        services.append(session.feedService(feeds, into: runner, connectivity: connectivity, processed: { runner.progress.barsProcessed },
                                            say: say))

        let placement = options.agents == .external
            ? "agents: seven `stratum agent NAME --strategy \(command.file) --bus \(endpoint)` processes"
            : "agents: in-process over the bus"
        say("\(plan.spec.name.value): \(command.mode.rawValue) mode over \(endpoint), plan \(plan.hash.prefix(12)), "
            + "\(feeds.map(\.name).joined(separator: ", ")); \(placement)")
        say("hot reload is off with --bus (file saves, SIGHUP and POST /reload do not reload): restart the run (and any agent processes) to apply an edit")
        // As in a run without --bus, SIGHUP must not end the process; here it has nothing to trigger.
        _ = signal(SIGHUP, SIG_IGN)
        if command.mode == .paper, case .exchange = plan.spec.execution.venue {
            say("paper mode: orders fill on the simulated venue, none reach the exchange")
        }
        try await LiveSession.runUntilShutdown(services, logger: logger, redactor: redactor)
        let status = await target.status()
        if let stateFolder { try LiveSession.writeStatus(status, into: stateFolder, redactor: redactor) }
        let bus = status.bus.map { "; bus \($0.endpoint): \($0.outages) outage\($0.outages == 1 ? "" : "s")" } ?? ""
        say("stopped after \(status.barsProcessed) bars: equity \((status.equity * 100).rounded() / 100), state \(status.state.rawValue)\(bus)"
            + (stateFolder.map { "; status in \($0.appendingPathComponent("status.json").path)" } ?? ""))
    }

    /// Checks Redis answers before anything starts, or waits for it with backoff (`--wait-for-bus`).
    ///
    /// - Throws: `CommandError` (exit 1) naming the address when Redis does not answer.
    static func reach(_ endpoint: RedisEndpoint, wait: Bool, say: @escaping @Sendable (String) -> Void) async throws {
        let client = RedisClient(endpoint: endpoint)
        defer { client.close() }
        do {
            if wait {
                try await client.waitUntilReachable { attempt, reason in
                    say("waiting for Redis at \(endpoint) (attempt \(attempt)): \(reason)")
                }
            } else {
                try await client.connect()
            }
        } catch {
            throw CommandError("--bus: \(error)")
        }
    }
}

/// The runner in the ServiceGroup: a graceful shutdown finishes the bar in hand and stops the agents.
struct WaveRunnerService: Service {
    let runner: WaveLiveRunner

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await runner.run()
        } onGracefulShutdown: {
            runner.finish()
        }
    }
}

/// The control plane's view of a run over the bus: the book, the agents' answers as heartbeats,
/// the bus's state; kill and resume go through the agents as Supervisor commands.
struct BusControlTarget: ControlTarget {
    let identity: LiveControlTarget.Identity
    let runner: WaveLiveRunner
    let book: LiveStatusBook
    let connectivity: FeedConnectivity
    let watch: BusOutageWatch
    /// The state folder's store (--state): kill and resume are persisted before they go through the agents.
    let store: StateStore?

    func status() async -> StatusSnapshot {
        let book = book.snapshot
        var status = StatusSnapshot(strategy: identity.strategy, planHash: identity.planHash, mode: identity.mode, state: book.state,
                                    agents: runner.health.snapshot(), positions: book.positions, pnl: book.pnl, equity: book.equity,
                                    lastReload: nil, startedAt: identity.startedAt, barsProcessed: runner.progress.barsProcessed)
        status.bus = watch.status
        return status
    }

    func isReady() async -> ReadinessReport {
        let plan: ReadinessCheck
        if !runner.progress.running {
            plan = .failed("the runner is not running")
        } else if watch.status.state == .lost {
            plan = .failed("the bus at \(watch.endpoint) is unreachable; reconnecting with backoff")
        } else {
            plan = .passed
        }
        return ReadinessReport(feedsConnected: connectivity.check, stateRestored: .passed, planRunning: plan)
    }

    func reload() async -> ReloadOutcome {
        .refused(diagnostics: "hot reload is not available with --bus: the agents run with the plan they started with. "
            + "Stop the run (and any `stratum agent` processes) and start it again to apply an edit.")
    }

    func kill(reason: String) async -> CommandOutcome {
        if let store, book.snapshot.state != .halted {
            // Persisted first, as without --bus: a restart that finds the switch stays halted.
            do {
                try LiveSession.persistKill(reason, in: store)
            } catch {
                return CommandOutcome(accepted: false, state: book.snapshot.state, message: "the kill switch cannot be persisted: \(error)")
            }
        }
        return await apply(.halt(reason: reason), after: .halted, refuseIn: [.halted]) { envelopes in
            let cancelled = envelopes.filter { if case .order(let order) = $0.payload { order.status == .cancelled } else { false } }.count
            return "halted; \(cancelled) open order\(cancelled == 1 ? "" : "s") cancelled"
        }
    }

    func resume(reason: String) async -> CommandOutcome {
        if let store, book.snapshot.state != .active {
            do {
                try LiveSession.persistResume(reason, in: store)
            } catch {
                return CommandOutcome(accepted: false, state: book.snapshot.state, message: "\(error)")
            }
        }
        return await apply(.resume(reason: reason), after: .active, refuseIn: [.active]) { _ in "resumed" }
    }

    private func apply(_ command: SupervisorCommand, after: RiskState, refuseIn: Set<RiskState>,
                       message: ([Envelope]) -> String) async -> CommandOutcome {
        let before = book.snapshot.state
        guard !refuseIn.contains(before) else {
            return CommandOutcome(accepted: false, state: before, message: "the strategy is already \(before.rawValue)")
        }
        do {
            let envelopes = try await runner.command(command)
            book.setState(after)
            return CommandOutcome(accepted: true, state: after, message: message(envelopes))
        } catch {
            return CommandOutcome(accepted: false, state: before, message: "\(error)")
        }
    }
}

/// `run --bus URL [--agents in-process|external] [--wait-for-bus]`.
struct RunBusOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run the agents over Redis Streams at this address (redis://HOST:PORT[/DB]): every message between agents goes through Redis.",
                               valueName: "url"))
    var bus: String?

    @Option(help: ArgumentHelp("With --bus: run the agents as tasks of this process (in-process), or wait for seven `stratum agent` processes (external).",
                               valueName: "where"))
    var agents: BacktestBusOptions.AgentPlacement = .inProcess

    @Flag(help: "With --bus: wait for Redis with backoff instead of failing when it does not answer at start.")
    var waitForBus = false

    /// What `--bus` cannot be combined with, refused by name rather than ignored.
    func validate(state: String?) throws {
        guard bus != nil else {
            if agents != .inProcess { throw ValidationError("--agents needs --bus") }
            if waitForBus { throw ValidationError("--wait-for-bus needs --bus") }
            return
        }
        if state != nil, agents == .external {
            throw ValidationError("--state is not supported with --bus --agents external: agent processes start from fresh state and "
                + "cannot be restored from the journal. Use --agents in-process with --state, or run without --state.")
        }
    }
}
