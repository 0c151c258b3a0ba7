import Agents

/// The control plane's view of a strategy running under the actor runner.
///
/// Reads come from the runner's progress, the health board and the status book. Reload, kill
/// and resume are closures so that hot reload and the Supervisor's persistence can replace
/// them; `haltThroughAgents` and `resumeThroughAgents` are the defaults: they send the
/// Supervisor's command through the agents, which cancels open orders and changes the
/// portfolio's state.
public struct LiveControlTarget: ControlTarget {
    public struct Identity: Sendable {
        public var strategy: String
        public var planHash: String
        public var mode: TradingMode
        /// Microseconds since the Unix epoch, UTC.
        public var startedAt: Int64

        public init(strategy: String, planHash: String, mode: TradingMode, startedAt: Int64) {
            self.strategy = strategy
            self.planHash = planHash
            self.mode = mode
            self.startedAt = startedAt
        }
    }

    public typealias Command = @Sendable (_ reason: String) async -> CommandOutcome

    public let identity: Identity
    public let runner: LiveRunner
    public let book: LiveStatusBook
    public let connectivity: FeedConnectivity
    /// Whether the state the runner started from is in place (restored, or fresh by choice).
    public var stateRestored: @Sendable () -> ReadinessCheck
    public var reloadAction: @Sendable () async -> ReloadOutcome
    public var killAction: Command
    public var resumeAction: Command
    /// The last reload's outcome, for `/status`.
    public var lastReload: @Sendable () -> ReloadOutcome?
    /// Breakers and incidents, for `/status` (``SupervisionLoop/status``).
    public var supervision: @Sendable () -> SupervisionStatus? = { nil }

    public init(identity: Identity, runner: LiveRunner, book: LiveStatusBook, connectivity: FeedConnectivity,
                stateRestored: @escaping @Sendable () -> ReadinessCheck = { .passed },
                reload: (@Sendable () async -> ReloadOutcome)? = nil, kill: Command? = nil, resume: Command? = nil,
                lastReload: @escaping @Sendable () -> ReloadOutcome? = { nil }) {
        self.identity = identity
        self.runner = runner
        self.book = book
        self.connectivity = connectivity
        self.stateRestored = stateRestored
        reloadAction = reload ?? { .refused(diagnostics: "hot reload is not available in this process") }
        killAction = kill ?? Self.haltThroughAgents(runner: runner, book: book)
        resumeAction = resume ?? Self.resumeThroughAgents(runner: runner, book: book)
        self.lastReload = lastReload
    }

    public func status() async -> StatusSnapshot {
        let book = book.snapshot
        return StatusSnapshot(strategy: identity.strategy, planHash: identity.planHash, mode: identity.mode, state: book.state,
                              agents: runner.health.snapshot(), positions: book.positions, pnl: book.pnl, equity: book.equity,
                              lastReload: lastReload(), startedAt: identity.startedAt, barsProcessed: runner.progress.barsProcessed,
                              supervision: supervision())
    }

    public func isReady() async -> ReadinessReport {
        let progress = runner.progress
        let plan: ReadinessCheck
        if !progress.running {
            plan = .failed("the runner is not running")
        } else if progress.agentsDown > 0 {
            plan = .failed("\(progress.agentsDown) agent actor(s) down, waiting for a restart")
        } else {
            plan = .passed
        }
        return ReadinessReport(feedsConnected: connectivity.check, stateRestored: stateRestored(), planRunning: plan)
    }

    public func reload() async -> ReloadOutcome { await reloadAction() }
    public func kill(reason: String) async -> CommandOutcome { await killAction(reason) }
    public func resume(reason: String) async -> CommandOutcome { await resumeAction(reason) }

    /// Kill: the Supervisor's halt through the agents. Refused when already halted.
    public static func haltThroughAgents(runner: LiveRunner, book: LiveStatusBook) -> Command {
        { reason in
            await apply(.halt(reason: reason), runner: runner, book: book, refuseIn: [.halted]) { envelopes in
                let cancelled = envelopes.filter { if case .order(let order) = $0.payload { order.status == .cancelled } else { false } }.count
                return "halted; \(cancelled) open order\(cancelled == 1 ? "" : "s") cancelled"
            }
        }
    }

    /// Resume: the Supervisor's resume through the agents. Refused unless halted or reducing.
    public static func resumeThroughAgents(runner: LiveRunner, book: LiveStatusBook) -> Command {
        { reason in
            await apply(.resume(reason: reason), runner: runner, book: book, refuseIn: [.active]) { _ in "resumed" }
        }
    }

    private static func apply(_ command: SupervisorCommand, runner: LiveRunner, book: LiveStatusBook, refuseIn: Set<RiskState>,
                              message: ([Envelope]) -> String) async -> CommandOutcome {
        do {
            let before = try await runner.pause { $0.portfolio.state }
            guard !refuseIn.contains(before) else {
                return CommandOutcome(accepted: false, state: before, message: "the strategy is already \(before.rawValue)")
            }
            let envelopes = try await runner.command(command)
            let after = try await runner.pause { $0.portfolio.state }
            book.setState(after)
            return CommandOutcome(accepted: true, state: after, message: message(envelopes))
        } catch {
            return CommandOutcome(accepted: false, state: book.snapshot.state, message: "\(error)")
        }
    }
}
