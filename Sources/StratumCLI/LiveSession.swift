import Agents
import ExchangeAdapters
import ControlHTTP
import Foundation
import Logging
import Runtime
import ServiceLifecycle
import StrategyCompiler
import Storage
import StrategyDSL

/// One `stratum run`: the composition of feeds, the actor runner, the control plane and the
/// state folder in one ServiceGroup.
struct LiveSession {
    let command: RunCommand

    func run() async throws {
        let environment = try RunEnvironment.load(strategyPath: command.file, process: ProcessInfo.processInfo.environment)
        let redactor = SecretRedactor.environment(environment)
        let say: @Sendable (String) -> Void = { Console.error(redactor.redact($0)) }
        let strategy = try LiveStrategy.load(path: command.file, registry: command.registryOptions.registryURL)
        let plan = strategy.plan
        try Self.checkMode(command.mode, plan: plan, path: command.file, environment: environment)
        let stateFolder = try command.state.map(Self.prepareState)
        let logger = Self.logger()

        let configuration = LiveRunner.Configuration(
            instruments: plan.spec.dataSources.count, heartbeatInterval: .microseconds(plan.spec.supervisor.heartbeatMicroseconds),
            checkpointEvery: 100)
        let instruments = plan.spec.dataSources.map(\.instrument)
        let book = LiveStatusBook(instruments: instruments, cash: plan.spec.portfolio.cash)
        let durable = try Self.stateJournal(stateFolder: stateFolder, strategy: strategy, registry: command.registryOptions.registryURL,
                                            configuration: configuration, book: book, redactor: redactor)
        let journal: any LiveJournal = durable ?? InMemoryLiveJournal()
        let restored: LiveCheckpoint?
        do {
            restored = try await journal.load()
        } catch {
            throw CommandError("the strategy's state cannot be read: \(redactor.redact(String(describing: error)))", status: ExitStatus.usageOrIO)
        }
        if let restored { say("restored after bar \(restored.sequence): the feeds continue from there") }
        let metrics = RuntimeMetrics()
        // A restore leaves the agents on the last journaled plan, with the recent bars refilled.
        let restoration = await durable?.restoration
        let runningPlan = restoration?.plan ?? plan
        let recentBars = RecentBarsObserver(plan: runningPlan, restoring: restoration?.recent)
        let venue = SimulatedVenueContact()
        let runner = LiveRunner(
            agents: AgentSet(plan: plan, evaluators: strategy.evaluators),
            configuration: configuration,
            metrics: metrics, journal: journal,
            observers: [book, ProgressLine(every: command.progressEvery, say: say), recentBars, venue] + (durable?.observers ?? []))
        let supervision = try Self.supervision(plan: runningPlan, runner: runner, durable: durable, stateFolder: stateFolder, book: book, say: say)
        venue.report(to: supervision)
        let reloading = try LiveReloading(path: command.file, registry: command.registryOptions.registryURL, plan: runningPlan,
                                          runner: runner, recent: recentBars, audit: ReloadAuditLog(stateFolder: stateFolder, store: durable?.store),
                                          writeAhead: durable.map { journal -> LiveReloading.WriteAhead in { try journal.writeAhead($0, from: $1) } },
                                          restored: restoration?.reload, say: say)
        let connectivity = FeedConnectivity()
        let feeds = try makeFeeds(strategy, resumingAfter: restored, supervision: supervision, logger: logger)
        let startedAt = LiveRunner.wallClockMicroseconds()
        var target = LiveControlTarget(
            identity: .init(strategy: plan.spec.name.value, planHash: plan.hash, mode: command.mode, startedAt: startedAt),
            runner: runner, book: book, connectivity: connectivity,
            stateRestored: {
                guard let durable, !durable.restoreDone.value else { return ReadinessCheck.passed }
                return ReadinessCheck.failed("replaying the state's journal")
            },
            reload: { await reloading.reloadNow() },
            kill: durable.map { Self.persistedKill(store: $0.store, runner: runner, book: book) },
            resume: durable.map { Self.persistedResume(store: $0.store, runner: runner, book: book) },
            lastReload: { reloading.lastReload })
        target.supervision = { supervision.status }
        if let restored { book.setState(restored.agents.portfolio.state) }

        // The Supervisor first: it watches every other start, and stops last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: supervision, serviceName: "supervisor")]
        if let control = try controlPlane(target: reloading.controlTarget(target), metrics: metrics, environment: environment,
                                          redactor: redactor, logger: logger, mutating: "POST /reload, /kill and /resume", say: say) {
            services.append(control)
        }
        services.append(.init(service: runner, serviceName: "runner"))
        services.append(.init(service: reloading, serviceName: "hot reload"))
        services.append(feedService(feeds, into: runner, connectivity: connectivity, processed: { runner.progress.barsProcessed }, say: say))

        say("\(plan.spec.name.value): \(command.mode.rawValue) mode, plan \(plan.hash.prefix(12)), \(feeds.map(\.name).joined(separator: ", "))")
        if command.mode == .paper, case .exchange = plan.spec.execution.venue {
            say("paper mode: orders fill on the simulated venue, none reach the exchange")
        }
        try await Self.runUntilShutdown(services, logger: logger, redactor: redactor)
        let status = await reloading.controlTarget(target).status()
        if let stateFolder { try Self.writeStatus(status, into: stateFolder, redactor: redactor) }
        say("stopped after \(status.barsProcessed) bars: equity \((status.equity * 100).rounded() / 100), state \(status.state.rawValue)"
            + (stateFolder.map { "; status in \($0.appendingPathComponent("status.json").path)" } ?? ""))
    }

    /// The control plane on `--control`'s address, or nil without the flag. `mutating` names the
    /// endpoints that answer 403 when no token is configured, for the warning.
    func controlPlane(target: any ControlTarget, metrics: RuntimeMetrics, environment: [String: String], redactor: SecretRedactor,
                      logger: Logger, mutating: String, say: @escaping @Sendable (String) -> Void)
        throws -> ServiceGroupConfiguration.ServiceConfiguration? {
        guard let control = command.control else { return nil }
        let address = try ControlAddress(parsing: control)
        let token: ControlToken?
        let server: ControlServer
        do {
            token = try ControlToken.load(environment: environment, file: command.controlTokenFile)
            server = try ControlServer(
                target: target, metrics: metrics, token: token, redactor: redactor,
                configuration: .init(host: address.host, port: address.port), logger: logger,
                onListening: { port in say("control plane: http://\(address.host):\(port)") })
        } catch let error as ControlPlaneError {
            throw CommandError("\(error)", status: ExitStatus.usageOrIO)
        }
        if token == nil {
            say("warning: no control token (\(ControlToken.environmentVariable) or --control-token-file): \(mutating) answer 403")
        }
        return .init(service: server, serviceName: "control plane")
    }

    /// The feeds as a service. A finished replay ends the process unless the control plane is
    /// there to be read.
    func feedService(_ feeds: [any LiveFeed], into runner: any LiveBarInlet, connectivity: FeedConnectivity,
                     processed: @escaping @Sendable () -> UInt64, say: @escaping @Sendable (String) -> Void)
        -> ServiceGroupConfiguration.ServiceConfiguration {
        let serving = command.control != nil
        let service = LiveFeedService(feeds: feeds, runner: runner, connectivity: connectivity) {
            say("feeds ended after \(processed()) bars" + (serving ? "; serving the control plane until SIGTERM or SIGINT" : ""))
        }
        return .init(service: service, successTerminationBehavior: serving ? .ignore : .gracefullyShutdownGroup, serviceName: "feeds")
    }

    /// Runs the services until SIGTERM or SIGINT (or the feeds end without a control plane).
    static func runUntilShutdown(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger,
                                 redactor: SecretRedactor) async throws {
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw CommandError("the run stopped: \(redactor.redact(String(describing: error)))")
        }
    }

    /// Where the runner writes ahead: `stateFolder/state.sqlite` with --state (see StateJournal),
    /// nil without it (the run keeps its journal in memory and starts fresh each time).
    static func stateJournal(stateFolder: URL?, strategy: LiveStrategy, registry: URL, configuration: LiveRunner.Configuration,
                             book: LiveStatusBook, redactor: SecretRedactor) throws -> StateJournal? {
        guard let stateFolder else { return nil }
        let plan = strategy.plan
        do {
            let store = try StateStore.open(directory: stateFolder, redacting: { redactor.redact($0) })
            try store.bind(strategyID: plan.spec.name.value, at: LiveRunner.wallClockMicroseconds())
            return StateJournal(store: store, current: strategy.compiled, registry: registry, configuration: configuration,
                                replayObservers: [book])
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("--state \(stateFolder.path): \(redactor.redact(String(describing: error)))", status: ExitStatus.usageOrIO)
        }
    }

    /// The Supervisor of the run: the strategy's `supervisor:` and `kill_switch:` settings, the
    /// kill switch as persisted, kill-switch moves and incidents written to the state with --state.
    static func supervision(plan: Plan, runner: LiveRunner, durable: StateJournal?, stateFolder: URL?, book: LiveStatusBook,
                            say: @escaping @Sendable (String) -> Void) throws -> SupervisionLoop {
        var killSwitch = KillSwitch()
        var recorder: (any SupervisionRecorder)?
        if let durable, let stateFolder {
            do {
                killSwitch = try durable.store.killSwitch()
            } catch {
                throw CommandError("--state \(stateFolder.path): the kill switch cannot be read: \(error)", status: ExitStatus.usageOrIO)
            }
            recorder = StateSupervisionRecorder(store: durable.store, folder: stateFolder)
        }
        let spec = plan.spec
        return SupervisionLoop(runner: runner, policy: SupervisionPolicy(supervisor: spec.supervisor, killSwitch: spec.execution.killSwitch),
                               seed: SupervisorAgent.seed(strategy: spec.name.value), killSwitch: killSwitch, recorder: recorder,
                               book: book, log: say)
    }

    /// POST /kill with --state: the kill switch persisted first (so no bar taken after the halt
    /// can be seen by a restart without it), then the halt through the agents.
    static func persistedKill(store: StateStore, runner: LiveRunner, book: LiveStatusBook) -> LiveControlTarget.Command {
        let halt = LiveControlTarget.haltThroughAgents(runner: runner, book: book)
        return { reason in
            do {
                try persistKill(reason, in: store)
            } catch {
                return CommandOutcome(accepted: false, state: book.snapshot.state, message: "the kill switch cannot be persisted: \(error)")
            }
            return await halt(reason)
        }
    }

    /// An operator's kill in the state's kill switch, so a restart that finds it stays halted.
    static func persistKill(_ reason: String, in store: StateStore) throws {
        var killSwitch = try store.killSwitch()
        if let transition = killSwitch.trip(to: .halted, trigger: .command(reason: reason), actor: "operator",
                                            at: LiveRunner.wallClockMicroseconds()) {
            try store.recordKillSwitch(transition)
        }
    }

    /// POST /resume with --state: persisted first (as `stratum resume` does), then through the agents.
    static func persistedResume(store: StateStore, runner: LiveRunner, book: LiveStatusBook) -> LiveControlTarget.Command {
        let resume = LiveControlTarget.resumeThroughAgents(runner: runner, book: book)
        return { reason in
            do {
                try persistResume(reason, in: store)
            } catch {
                return CommandOutcome(accepted: false, state: book.snapshot.state, message: "\(error)")
            }
            return await resume(reason)
        }
    }

    /// An operator's resume in the state's kill switch (as `stratum resume` writes it), when it is tripped.
    static func persistResume(_ reason: String, in store: StateStore) throws {
        if try store.killSwitch().state != .active {
            try store.resume(reason: reason, actor: "operator", at: LiveRunner.wallClockMicroseconds())
        }
    }

    /// Live mode needs a venue adapter that sends real orders; none is built in yet.
    static func checkMode(_ mode: TradingMode, plan: Plan, path: String, environment: [String: String]) throws {
        guard mode == .live else { return }
        switch plan.spec.execution.venue {
        case .simulated:
            throw CommandError("\(path): --mode live needs a real venue, and the strategy's execution venue is the simulator "
                + "(`venue: { sim: ... }`). Configure `execution.venue.exchange`, or run with --mode paper.")
        case .exchange(let name, _, let keyVariable):
            let key = environment[keyVariable] == nil ? " (and \(keyVariable) is not set in the environment or .env)" : ""
            throw CommandError("\(path): --mode live: no order adapter for venue `\(name)` is built into this stratum\(key), so no "
                + "real order can be sent. Run with --mode paper to trade the same agents on the simulated venue.")
        }
    }

    /// The feeds of the strategy's sources: exchange streams, or every historical source as one replay.
    /// - Parameter checkpoint: where a restored run stands: a replay skips the bars it took, an
    ///   exchange stream backfills from its last bar.
    func makeFeeds(_ strategy: LiveStrategy, resumingAfter checkpoint: LiveCheckpoint? = nil, supervision: SupervisionLoop? = nil,
                   logger: Logger) throws -> [any LiveFeed] {
        let sources = strategy.plan.spec.dataSources
        var historical: [any BarFeed] = []
        var speeds: [String] = []
        var streams: [any LiveFeed] = []
        for (index, source) in strategy.sources.enumerated() {
            switch source {
            case .historical(let feed, let speed):
                historical.append(feed)
                if let speed { speeds.append(speed) }
            case .exchange(let spec):
                do {
                    let binance = try BinanceSource(spec)
                    streams.append(BinanceLiveFeed(name: "\(spec.name.value) (\(binance.stream.streamURL))", instrument: index,
                                                   source: binance, lastDelivered: checkpoint?.lastTimestamp, supervision: supervision,
                                                   logger: logger))
                } catch {
                    throw CommandError("\(strategy.path):\(spec.name.range.start): \(error)")
                }
            }
        }
        if !streams.isEmpty, !historical.isEmpty {
            throw CommandError("\(strategy.path): the strategy mixes exchange streams with historical sources; a live run takes one kind: "
                + "give every source an `exchange:` block, or none")
        }
        if !streams.isEmpty {
            if command.replay != nil { throw CommandError("\(strategy.path): --replay applies to file sources; this strategy streams from an exchange") }
            return streams
        }
        let text: String
        if let replay = command.replay {
            text = replay
        } else if speeds.count == sources.count, let first = speeds.first, speeds.allSatisfy({ $0 == first }) {
            text = first
        } else {
            throw CommandError("\(strategy.path): the data sources are historical (\(sources.map(\.name.value).joined(separator: ", "))); "
                + "give --replay SPEED (60x, 100/s or max) to feed them as a live feed", status: ExitStatus.usageOrIO)
        }
        let speed: ReplaySpeed
        do {
            speed = try ReplaySpeed(parsing: text)
        } catch {
            throw CommandError("\(strategy.path): \(error)")
        }
        let bars: [LiveBar]
        do {
            bars = try ReplayFeed<ContinuousClock>.bars(of: historical)
        } catch {
            throw CommandError(wrapping: error)
        }
        return [ReplayFeed(name: "\(sources.map(\.name.value).joined(separator: "+")) replay at \(speed)", bars: bars, speed: speed,
                           skip: Int(checkpoint?.sequence ?? 0))]
    }

    static func prepareState(_ path: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CommandError("--state \(path): cannot create the folder: \(error.localizedDescription)", status: ExitStatus.usageOrIO)
        }
        return url
    }

    /// The last status, written whole or not at all.
    static func writeStatus(_ status: StatusSnapshot, into folder: URL, redactor: SecretRedactor) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            let text = redactor.redact(String(decoding: try encoder.encode(status), as: UTF8.self)) + "\n"
            try Data(text.utf8).write(to: folder.appendingPathComponent("status.json"), options: .atomic)
        } catch {
            throw CommandError("\(folder.path)/status.json cannot be written: \(error.localizedDescription)", status: ExitStatus.usageOrIO)
        }
    }

    /// Log lines (the control plane's, the exchange adapters') on standard error.
    static func logger() -> Logger {
        var logger = Logger(label: "stratum.run") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        return logger
    }
}

/// A line on standard error every `every` bars and on every command: where the run stands.
struct ProgressLine: LiveObserver {
    let every: Int
    let say: @Sendable (String) -> Void

    func observe(_ report: LiveReport) async {
        switch report.cause {
        case .bar:
            guard every > 0, (report.sequence + 1) % UInt64(every) == 0 else { return }
            let equity = report.envelopes.lazy.compactMap { if case .equity(let snapshot) = $0.payload { snapshot } else { nil } }.last
            say("bar \(report.sequence + 1)" + (equity.map { ": equity \(($0.equity * 100).rounded() / 100), \($0.state.rawValue)" } ?? ""))
        case .command(let command):
            say("supervisor command \(command) applied")
        case .momentClosed:
            break
        }
    }
}
