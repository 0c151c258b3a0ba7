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
    private let initial: AgentSet
    private let metrics: (any LiveMetricsRecorder)?
    private let journal: (any LiveJournal)?
    private let observers: [any LiveObserver]
    private let feedChannel = AsyncChannel<Request>()
    private let controlRequests: AsyncStream<Request>
    private let controlContinuation: AsyncStream<Request>.Continuation
    private let progressBox = LockedBox(LiveRunnerProgress())
    private let pending = PendingReplies()

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

    /// Starts `agent`'s actor again from its member of `state` (the Supervisor passes the last
    /// persisted state); a running actor is stopped first. Held bars then go through in order.
    public func restartAgent(_ agent: AgentID, from state: AgentSet) async throws {
        try await ask { .restart(agent, state, $0) }.get()
    }

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

    // MARK: The coordinator

    enum Request: Sendable {
        case bar(LiveBar)
        case feedEnded(AsyncChannel<Void>)
        case command(SupervisorCommand, Reply<[Envelope]>)
        case transform(@Sendable (inout AgentSet) throws -> Void, Reply<Void>)
        case stop(AgentID, Reply<Void>)
        case restart(AgentID, AgentSet, Reply<Void>)
    }

    /// The runner's loop state; lives in `run()`'s frame, touched by one task only.
    struct Coordinator {
        let runner: LiveRunner
        let replies: AsyncChannel<LaneReply>
        var replyIterator: AsyncChannel<LaneReply>.AsyncIterator
        let lanes: LaneRegistry
        let context: LaneContext
        var sequence: UInt64
        var lastTimestamp: Int64
        /// The timestamp whose bars are open (several instruments only).
        var openMoment: Int64?
        /// Agents whose actor is stopped, and the bars waiting for them.
        var down: Set<AgentID> = []
        var held: [LiveBar] = []
        var feedEndHeld: AsyncChannel<Void>?
        /// The last state known of each agent: what a restart of a stopped actor falls back to.
        var known: AgentSet
        var sinceCheckpoint = 0

        init(runner: LiveRunner, replies: AsyncChannel<LaneReply>, lanes: LaneRegistry, context: LaneContext, sequence: UInt64,
             lastTimestamp: Int64, agents: AgentSet) {
            self.runner = runner
            self.replies = replies
            replyIterator = replies.makeAsyncIterator()
            self.lanes = lanes
            self.context = context
            self.sequence = sequence
            self.lastTimestamp = lastTimestamp
            known = agents
        }

        var multiInstrument: Bool { runner.configuration.instruments > 1 }

        mutating func spawn(_ agent: AgentID, from set: AgentSet, in group: inout ThrowingDiscardingTaskGroup<any Error>) {
            let inbox = AsyncChannel<LaneJob>()
            lanes.set(agent, inbox)
            let (replies, context) = (replies, context)
            group.addTask { await AgentLane.run(agent, from: set, inbox: inbox, replies: replies, context: context) }
        }

        mutating func handle(_ request: Request, in group: inout ThrowingDiscardingTaskGroup<any Error>) async throws {
            switch request {
            case .bar(let bar):
                try await runner.journal?.recordBar(bar, sequence: sequence &+ UInt64(held.count))
                guard down.isEmpty else {
                    held.append(bar)
                    return
                }
                try await process(bar)
            case .feedEnded(let done):
                guard down.isEmpty else {
                    feedEndHeld = done
                    return
                }
                try await endFeed()
                done.finish()
            case .command(let command, let reply):
                guard let missing = missing(LiveRoutes.subscribers(.supervisorCommand)) else {
                    reply(.success(try await runCommand(command)))
                    return
                }
                reply(.failure(.agentDown(missing)))
            case .transform(let body, let reply):
                if let missing = missing(LiveRoutes.startOrder) {
                    reply(.failure(.agentDown(missing)))
                    return
                }
                var set = try await gather()
                do {
                    try body(&set)
                } catch {
                    reply(.failure(.transformFailed(String(describing: error))))
                    return
                }
                for agent in LiveRoutes.startOrder {
                    if let state = AgentState(agent, of: set) { await lanes.inbox(agent)?.send(.install(state)) }
                }
                known = set
                reply(.success(()))
            case .stop(.runner, let reply), .restart(.runner, _, let reply):
                reply(.failure(.notAnAgent))
            case .stop(let agent, let reply):
                if let inbox = lanes.remove(agent) { inbox.finish() }
                down.insert(agent)
                runner.progressBox.withValue { $0.agentsDown = down.count }
                reply(.success(()))
            case .restart(let agent, let state, let reply):
                if let inbox = lanes.remove(agent) { inbox.finish() }
                spawn(agent, from: state, in: &group)
                AgentState(agent, of: state)?.write(into: &known)
                down.remove(agent)
                runner.progressBox.withValue { $0.agentsDown = down.count }
                context.health.restarted(agent)
                runner.metrics?.agentRestarted(agent)
                reply(.success(()))
                if down.isEmpty { try await releaseHeld() }
            }
        }

        private func missing(_ agents: [AgentID]) -> AgentID? {
            agents.first { down.contains($0) }
        }

        private mutating func releaseHeld() async throws {
            let bars = held
            held = []
            for bar in bars { try await process(bar) }
            if let done = feedEndHeld {
                feedEndHeld = nil
                try await endFeed()
                done.finish()
            }
        }

        // MARK: Steps

        private mutating func process(_ live: LiveBar) async throws {
            let raw = Envelope(timestamp: live.bar.timestamp, source: .runner, traceId: sequence, topic: .marketRaw,
                               payload: .bar(MarketBar(instrument: live.instrument, bar: live.bar)))
            let normalised = try await deliver([.marketData: [raw]])[.marketData]?.outputs ?? []
            if multiInstrument {
                // One equity point per timestamp: the previous moment closes before the next opens.
                if let open = openMoment, live.bar.timestamp != open { try await closeMoment() }
                openMoment = live.bar.timestamp
            }
            var observed: [Envelope] = []
            for message in normalised {
                try await propagate([message], into: &observed)
                if !multiInstrument { try await propagate([clock(traceId: sequence)], into: &observed) }
            }
            sequence += 1
            runner.metrics?.barProcessed()
            runner.metrics?.count(observed)
            runner.progressBox.withValue {
                $0.barsProcessed = sequence
                $0.lastBarTimestamp = live.bar.timestamp
            }
            await report(LiveReport(cause: .bar(live), sequence: sequence &- 1, envelopes: observed))
            sinceCheckpoint += 1
            if let every = runner.configuration.checkpointEvery, sinceCheckpoint >= every { try await checkpoint() }
        }

        private mutating func closeMoment() async throws {
            var observed: [Envelope] = []
            try await propagate([clock(traceId: sequence &- 1)], into: &observed)
            openMoment = nil
            await report(LiveReport(cause: .momentClosed(timestamp: lastTimestamp), sequence: sequence &- 1, envelopes: observed))
        }

        private mutating func endFeed() async throws {
            if openMoment != nil { try await closeMoment() }
            runner.progressBox.withValue { $0.feedEnded = true }
            try await checkpoint()
            try await runner.journal?.flush()
        }

        private mutating func runCommand(_ command: SupervisorCommand) async throws -> [Envelope] {
            var observed: [Envelope] = []
            let root = Envelope(timestamp: lastTimestamp, source: .supervisor, traceId: sequence &- 1, topic: .supervisorCommand,
                                payload: .command(command))
            try await propagate([root], into: &observed)
            runner.metrics?.count(observed)
            await report(LiveReport(cause: .command(command), sequence: sequence &- 1, envelopes: observed))
            return observed
        }

        /// Finishes what is in hand at shutdown: an open moment closes, the state is checkpointed
        /// and the journal flushed. Held bars stay in the journal for the next start.
        mutating func shutDown() async throws {
            if down.isEmpty, openMoment != nil { try await closeMoment() }
            if down.isEmpty { try await checkpoint() }
            try await runner.journal?.flush()
        }

        private func clock(traceId: UInt64) -> Envelope {
            Envelope(timestamp: lastTimestamp, source: .runner, traceId: traceId, topic: .clock, payload: .barClosed(instrument: 0))
        }

        private mutating func checkpoint() async throws {
            sinceCheckpoint = 0
            guard let journal = runner.journal else { return }
            let set = try await gather()
            try await journal.checkpoint(LiveCheckpoint(agents: set, sequence: sequence,
                                                        lastTimestamp: runner.progressBox.value.lastBarTimestamp))
        }

        private func report(_ report: LiveReport) async {
            for observer in runner.observers { await observer.observe(report) }
        }

        /// Every agent's state, read from its actor.
        private mutating func gather() async throws -> AgentSet {
            var set = known
            let agents = LiveRoutes.startOrder
            for agent in agents { await lanes.inbox(agent)?.send(.read) }
            for _ in agents {
                guard case .state(let state)? = await replyIterator.next() else { throw CancellationError() }
                state.write(into: &set)
            }
            known = set
            return set
        }

        // MARK: Waves

        /// Runs `roots` and everything they cause to the end, depth by depth, appending what the
        /// observers see to `observed` in the fused runner's order.
        private mutating func propagate(_ roots: [Envelope], into observed: inout [Envelope]) async throws {
            var wave = roots
            while !wave.isEmpty {
                var batches: [AgentID: [Envelope]] = [:]
                var orders: [OrderUpdate] = []
                for message in wave {
                    if case .bar(let market) = message.payload, message.topic == .marketRaw { lastTimestamp = market.bar.timestamp }
                    if case .order(let order) = message.payload { orders.append(order) }
                    if LiveRoutes.isObserved(message.topic) { observed.append(message) }
                    for agent in LiveRoutes.subscribers(message.topic) { batches[agent, default: []].append(message) }
                }
                // Written ahead: no agent (and no venue) sees an order the journal does not hold.
                if !orders.isEmpty { try await runner.journal?.recordOrders(orders, sequence: sequence) }
                let results = try await deliver(batches)
                var next: [Envelope] = []
                var cursors: [AgentID: Int] = [:]
                for message in wave {
                    for agent in LiveRoutes.subscribers(message.topic) {
                        guard let result = results[agent] else { continue }
                        let index = cursors[agent, default: 0]
                        cursors[agent] = index + 1
                        let start = index == 0 ? 0 : result.ends[index - 1]
                        next.append(contentsOf: result.outputs[start..<result.ends[index]])
                    }
                }
                wave = next
            }
        }

        /// Hands each agent its batch, all at once, and waits for every answer.
        private mutating func deliver(_ batches: [AgentID: [Envelope]]) async throws -> [AgentID: (outputs: [Envelope], ends: [Int])] {
            var sent = 0
            for agent in LiveRoutes.startOrder {
                guard let batch = batches[agent], let inbox = lanes.inbox(agent) else { continue }
                await inbox.send(.deliver(batch))
                sent += 1
            }
            var results: [AgentID: (outputs: [Envelope], ends: [Int])] = [:]
            for _ in 0..<sent {
                guard case .handled(let agent, let outputs, let ends)? = await replyIterator.next() else { throw CancellationError() }
                results[agent] = (outputs, ends)
            }
            return results
        }
    }
}

/// Where a runner stands, for readiness and status.
public struct LiveRunnerProgress: Sendable, Equatable {
    /// Between the start of `run()` and its end.
    public var running = false
    /// Bars taken since the strategy first started (a restored run counts on).
    public var barsProcessed: UInt64 = 0
    public var lastBarTimestamp: Int64?
    /// A finite feed delivered its last bar and every bar went through.
    public var feedEnded = false
    /// Agent actors stopped and not restarted yet.
    public var agentsDown = 0
}

public enum LiveRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    case notRunning
    case agentDown(AgentID)
    case transformFailed(String)
    /// `.runner` names the runner itself, which has no actor.
    case notAnAgent

    public var description: String {
        switch self {
        case .notAnAgent: "the runner has no actor to stop or restart; name one of the seven agents"
        case .notRunning: "the runner is not running (not started yet, or shut down)"
        case .agentDown(let agent): "agent \(agent.wireName) is down; restart it first"
        case .transformFailed(let reason): "the change to the agents was refused, nothing changed: \(reason)"
        }
    }
}

typealias Reply<T: Sendable> = @Sendable (Result<T, LiveRunnerError>) -> Void

/// The answers control requests wait for, so that the ones the runner never takes can be given
/// `notRunning` when it stops. Each is answered exactly once: by the runner or by `closeAll`.
final class PendingReplies: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [UInt64: @Sendable () -> Void] = [:]
    private var next: UInt64 = 0
    private var closed = false

    /// Registers how to refuse a request; nil once closed.
    func add(_ refuse: @escaping @Sendable () -> Void) -> UInt64? {
        lock.withLock {
            guard !closed else { return nil }
            next += 1
            open[next] = refuse
            return next
        }
    }

    /// True when `id` was still waiting: the caller answers it now.
    func remove(_ id: UInt64) -> Bool {
        lock.withLock { open.removeValue(forKey: id) != nil }
    }

    func closeAll() {
        let refusals = lock.withLock {
            closed = true
            defer { open.removeAll() }
            return Array(open.values)
        }
        for refuse in refusals { refuse() }
    }
}

/// The inboxes of the running agent actors, shared with the heartbeat pinger.
final class LaneRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var inboxesByAgent: [AgentID: AsyncChannel<LaneJob>] = [:]

    func set(_ agent: AgentID, _ inbox: AsyncChannel<LaneJob>) { lock.withLock { inboxesByAgent[agent] = inbox } }
    func inbox(_ agent: AgentID) -> AsyncChannel<LaneJob>? { lock.withLock { inboxesByAgent[agent] } }
    func remove(_ agent: AgentID) -> AsyncChannel<LaneJob>? { lock.withLock { inboxesByAgent.removeValue(forKey: agent) } }
    var inboxes: [AsyncChannel<LaneJob>] {
        lock.withLock { LiveRoutes.startOrder.compactMap { inboxesByAgent[$0] } }
    }
}

/// A value behind a lock, for state that tasks share.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    func withValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&stored) }
    }
}

/// The runner is a Service of the process's ServiceGroup: a graceful shutdown ends it after the
/// bar in hand, with the state checkpointed and the journal flushed.
extension LiveRunner: Service {}
