import Agents
import AsyncAlgorithms
import Foundation
import ServiceLifecycle

/// The paper/live runner: one actor per agent, each in its own task behind a bounded inbox,
/// driven bar by bar in waves so that the result equals the fused (backtest) runner's exactly.
///
/// The fused runner handles a bar's messages first in, first out from one root, which is
/// breadth first: every message of depth k before any of depth k + 1, and within a depth in the
/// order (parent, subscriber, emission). This runner delivers depth k to all its subscribing
/// agents at once, each agent handling its share in that order, waits for every one, and builds
/// depth k + 1 in the same order. Agents share no state, so each sees the same messages in the
/// same order as under the fused runner, while different agents work in parallel.
///
/// Between two bars (never inside one) the runner also takes control requests, in arrival order:
/// Supervisor commands (`command`), reads and replacements of the agents' state (`pause`, for
/// hot reload and restore), and stopping or restarting one agent's actor (`stopAgent`,
/// `restartAgent`, for the Supervisor). Bars come from feeds through `send`, which waits while
/// the runner is busy: the channel between feeds and runner holds no backlog.
public final class LiveRunner: Sendable {
    public struct Configuration: Sendable {
        /// The plan's instrument count: with several, each timestamp's bars are opened first and
        /// the moment closes when the next timestamp arrives (as the backtest does).
        public var instruments: Int
        /// How often every agent actor is pinged for a heartbeat (the strategy's `supervisor.heartbeat`).
        public var heartbeatInterval: Duration
        /// Checkpoint the agents' state into the journal every this many bars; nil: only at shutdown.
        public var checkpointEvery: Int?
        /// Wall time in microseconds since the Unix epoch, UTC (heartbeat times).
        public var now: @Sendable () -> Int64

        public init(instruments: Int, heartbeatInterval: Duration = .seconds(1), checkpointEvery: Int? = nil,
                    now: @escaping @Sendable () -> Int64 = LiveRunner.wallClockMicroseconds) {
            self.instruments = instruments
            self.heartbeatInterval = heartbeatInterval
            self.checkpointEvery = checkpointEvery
            self.now = now
        }
    }

    public let configuration: Configuration
    public let health: AgentHealthBoard
    let initial: AgentSet
    let metrics: (any LiveMetricsRecorder)?
    let journal: (any LiveJournal)?
    let observers: [any LiveObserver]
    let feedChannel = AsyncChannel<Request>()
    let controlRequests: AsyncStream<Request>
    let controlContinuation: AsyncStream<Request>.Continuation
    let progressBox = LockedBox(LiveRunnerProgress())
    let pending = PendingReplies()

    /// - Parameters:
    ///   - agents: where to start; a checkpoint in `journal` replaces it.
    ///   - journal: written ahead of every bar and order; nil keeps nothing.
    ///   - observers: told about every step, in this order.
    public init(agents: AgentSet, configuration: Configuration, health: AgentHealthBoard = AgentHealthBoard(),
                metrics: (any LiveMetricsRecorder)? = nil, journal: (any LiveJournal)? = nil, observers: [any LiveObserver] = []) {
        initial = agents
        self.configuration = configuration
        self.health = health
        self.metrics = metrics
        self.journal = journal
        self.observers = observers
        (controlRequests, controlContinuation) = AsyncStream.makeStream()
    }

    /// Where the runner stands: readable at any time from any task.
    public var progress: LiveRunnerProgress { progressBox.value }

    // MARK: Feeds

    /// Hands one bar to the runner, waiting while it works on the previous one.
    public func send(_ bar: LiveBar) async {
        await feedChannel.send(.bar(bar))
    }

    /// Tells the runner that a finite feed (a replay) has delivered its last bar; returns once
    /// every bar sent before went through and the journal is flushed (or the task is cancelled).
    public func feedEnded() async {
        let done = AsyncChannel<Void>()
        await feedChannel.send(.feedEnded(done))
        for await _ in done {}
    }

    /// Ends `run()` without a service group: bars already taken finish, the journal is flushed.
    public func finish() {
        feedChannel.finish()
        controlContinuation.finish()
    }

    // MARK: Control between two bars

    /// Sends a Supervisor command (halt, reduce only, resume) through the agents, as the
    /// Supervisor agent would: open orders are cancelled on halt, the portfolio changes state.
    ///
    /// - Returns: what the command caused (order cancellations, targets), in fused order.
    /// - Throws: `LiveRunnerError` when the runner is not running or an agent it needs is down.
    @discardableResult
    public func command(_ command: SupervisorCommand) async throws -> [Envelope] {
        try await ask { .command(command, $0) }.get()
    }

    /// Runs `body` on the agents' state between two bars, atomically: no bar is processed while
    /// it runs, and what it leaves in the set is installed in every actor. When it throws,
    /// nothing changes. Hot reload maps the running set to a new plan's set here; a restore
    /// replaces it.
    public func pause<T: Sendable>(_ body: @escaping @Sendable (inout AgentSet) throws -> T) async throws -> T {
        let result = LockedBox<T?>(nil)
        try await ask { reply in
            .transform({ set in result.value = try body(&set) }, reply)
        }.get()
        return result.value!
    }

    /// The agents' state between two bars.
    public func agents() async throws -> AgentSet {
        try await pause { $0 }
    }

    /// Stops one agent's actor at once, dropping its state, as a crash would. Bars that arrive
    /// while it is down wait, in order, until `restartAgent` brings it back.
    public func stopAgent(_ agent: AgentID) async throws {
        try await ask { .stop(agent, $0) }.get()
    }

    /// Starts `agent`'s actor again from its member of `state`; a running actor is stopped
    /// first. Held bars then go through in order.
    public func restartAgent(_ agent: AgentID, from state: AgentSet) async throws {
        try await ask { .restart(agent, state, $0) }.get()
    }

    /// Starts `agent`'s actor again from its persisted state, as the Supervisor does after a
    /// crash: the runner's last snapshot of the agent (taken at every checkpoint, pause and at
    /// least every ``snapshotEvery`` bars) with every message the agent took since replayed
    /// onto it. Agents are deterministic, so the restarted agent holds exactly the state an
    /// uninterrupted one would; nothing is read from the crashed actor.
    public func restartAgent(_ agent: AgentID) async throws {
        try await ask { .restart(agent, nil, $0) }.get()
    }

    /// The most bars between two snapshots of the agents' state: bounds the messages kept for
    /// restarts when checkpoints are rarer.
    public static let snapshotEvery = 1_000

    /// Queues a request between two bars and waits for its answer. A request the runner never
    /// gets to (it stopped first) is answered `notRunning`, so no caller waits forever.
    private func ask<T: Sendable>(_ request: (@escaping Reply<T>) -> Request) async -> Result<T, LiveRunnerError> {
        await withCheckedContinuation { continuation in
            guard let id = pending.add({ continuation.resume(returning: .failure(.notRunning)) }) else {
                continuation.resume(returning: .failure(.notRunning))
                return
            }
            let pending = pending
            let reply: Reply<T> = { result in
                if pending.remove(id) { continuation.resume(returning: result) }
            }
            if case .terminated = controlContinuation.yield(request(reply)) { reply(.failure(.notRunning)) }
        }
    }

    // MARK: Running

    /// Runs every agent actor and takes bars and requests until `finish()`, cancellation or a
    /// graceful shutdown; then finishes the step in hand, closes an open moment, checkpoints and
    /// flushes the journal, and stops the actors.
    ///
    /// - Throws: what the journal throws: a run that cannot write ahead must not trade on.
    public func run() async throws {
        var start = initial
        var sequence: UInt64 = 0
        var lastTimestamp: Int64 = 0
        if let journal, let checkpoint = try await journal.load() {
            start = checkpoint.agents
            sequence = checkpoint.sequence
            lastTimestamp = checkpoint.lastTimestamp ?? 0
        }
        let replies = AsyncChannel<LaneReply>()
        let context = LaneContext(health: health, metrics: metrics, now: configuration.now)
        let interval = configuration.heartbeatInterval
        let lanes = LaneRegistry()
        defer {
            // Requests still queued will never be taken: answer them, and refuse new ones.
            controlContinuation.finish()
            pending.closeAll()
        }
        try await withThrowingDiscardingTaskGroup { group in
            var core = Coordinator(runner: self, replies: replies, lanes: lanes, context: context, sequence: sequence,
                                   lastTimestamp: lastTimestamp, agents: start)
            for agent in LiveRoutes.startOrder { core.spawn(agent, from: start, in: &group) }
            group.addTask {
                // Pings go through each inbox like work, so an actor that stops taking work misses them.
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    for inbox in lanes.inboxes { await inbox.send(.ping) }
                }
            }
            progressBox.withValue { $0.running = true; $0.barsProcessed = sequence }
            defer { progressBox.withValue { $0.running = false } }
            for await request in merge(feedChannel, controlRequests).cancelOnGracefulShutdown() {
                try await core.handle(request, in: &group)
            }
            try await core.shutDown()
            for inbox in lanes.inboxes { inbox.finish() }
            group.cancelAll()
        }
    }

    public static let wallClockMicroseconds: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }
}

/// The runner is a Service of the process's ServiceGroup: a graceful shutdown ends it after the
/// bar in hand, with the state checkpointed and the journal flushed.
extension LiveRunner: Service {}
