import Agents
import AsyncAlgorithms
import Foundation
import Runtime

/// The paper/live runner over Redis Streams (`stratum run FILE --bus URL`): bars from live
/// feeds go through a ``WaveCoordinator`` to the seven agents (``WaveAgentWorker`` tasks in this
/// process, or `stratum agent` processes), every message between agents on its topic stream.
///
/// It keeps the actor runner's contract towards the rest of a run: feeds hand it bars with
/// back-pressure (``LiveBarInlet``); observers get a ``LiveReport`` after every step, with what
/// the step produced in the fused runner's order, so status, progress lines and metrics work
/// as with ``LiveRunner``; Supervisor commands (kill, resume) go through the agents between two
/// bars. Agents that answer count as heartbeats on the health board; while no bar comes, every
/// agent is pinged at the heartbeat interval.
public final class WaveLiveRunner: LiveBarInlet, Sendable {
    public struct Configuration: Sendable {
        public var strategy: String
        public var instruments: Int
        public var endpoint: RedisEndpoint
        public var options: RedisBusOptions
        public var placement: WaveBacktest.Placement
        public var heartbeatInterval: Duration
        /// Wall time in microseconds since the Unix epoch, UTC (heartbeat times).
        public var now: @Sendable () -> Int64

        public init(strategy: String, instruments: Int, endpoint: RedisEndpoint, options: RedisBusOptions = RedisBusOptions(),
                    placement: WaveBacktest.Placement = .inProcess, heartbeatInterval: Duration = .seconds(1),
                    now: @escaping @Sendable () -> Int64 = LiveRunner.wallClockMicroseconds) {
            self.strategy = strategy
            self.instruments = instruments
            self.endpoint = endpoint
            self.options = options
            self.placement = placement
            self.heartbeatInterval = heartbeatInterval
            self.now = now
        }
    }

    /// Where the runner stands, for readiness and status.
    public struct Progress: Sendable, Equatable {
        /// Between the agents' start and the end of `run()`.
        public var running = false
        public var barsProcessed: UInt64 = 0
        public var lastBarTimestamp: Int64?
        public var feedEnded = false
    }

    enum Request: Sendable {
        case bar(LiveBar)
        case feedEnded(AsyncChannel<Void>)
        case command(SupervisorCommand, AsyncChannel<Result<[Envelope], WaveError>>)
        case ping
    }

    public let configuration: Configuration
    public let health: AgentHealthBoard
    let initial: AgentSet
    let metrics: (any LiveMetricsRecorder)?
    let journal: (any LiveJournal)?
    let restored: LiveCheckpoint?
    let observers: [any LiveObserver]
    /// Told after each ping every agent answered: the bus carried a round trip.
    let onContact: (@Sendable () -> Void)?
    let feedChannel = AsyncChannel<Request>()
    let controlRequests: AsyncStream<Request>
    let controlContinuation: AsyncStream<Request>.Continuation
    private let progressBox = LockedBox(Progress())

    /// - Parameters:
    ///   - agents: the strategy's fresh agents: the in-process workers start from them
    ///     (external `stratum agent` processes compile their own).
    ///   - journal: written ahead of every bar and of every order before an agent sees it, and
    ///     flushed when the feed ends and at shutdown. No checkpoint is taken: the agents' state
    ///     lives in the workers, so a journal that restores (the state folder's) replays its bars.
    ///   - restored: where a journal's restore left the agents: the in-process workers start
    ///     from its agents, and the run continues with its next bar.
    ///   - observers: told about every step, in this order.
    ///   - onContact: called after every heartbeat round trip that all agents answered.
    public init(agents: AgentSet, configuration: Configuration, health: AgentHealthBoard = AgentHealthBoard(),
                metrics: (any LiveMetricsRecorder)? = nil, journal: (any LiveJournal)? = nil, restored: LiveCheckpoint? = nil,
                observers: [any LiveObserver] = [], onContact: (@Sendable () -> Void)? = nil) {
        initial = restored?.agents ?? agents
        self.configuration = configuration
        self.health = health
        self.metrics = metrics
        self.journal = journal
        self.restored = restored
        self.observers = observers
        self.onContact = onContact
        (controlRequests, controlContinuation) = AsyncStream.makeStream()
    }

    public var progress: Progress { progressBox.value }

    // MARK: Feeds

    public func send(_ bar: LiveBar) async {
        await feedChannel.send(.bar(bar))
    }

    public func feedEnded() async {
        let done = AsyncChannel<Void>()
        await feedChannel.send(.feedEnded(done))
        for await _ in done {}
    }

    /// Ends `run()`: the bar in hand finishes, an open moment closes, the agents are stopped.
    /// What a graceful shutdown calls.
    public func finish() {
        feedChannel.finish()
        controlContinuation.finish()
    }

    // MARK: Control between two bars

    /// Sends a Supervisor command through the agents between two bars.
    ///
    /// - Returns: what the command caused (order cancellations, targets), in fused order.
    /// - Throws: `WaveError` when the runner is not running or the bus failed.
    @discardableResult
    public func command(_ command: SupervisorCommand) async throws -> [Envelope] {
        let reply = AsyncChannel<Result<[Envelope], WaveError>>()
        if case .terminated = controlContinuation.yield(.command(command, reply)) {
            throw WaveError("the runner is not running (not started yet, or shut down)")
        }
        for await result in reply { return try result.get() }
        throw WaveError("the runner stopped before the command went through")
    }

    // MARK: Running

    /// Resets the strategy's streams, starts the agents (in-process placement) and takes bars,
    /// commands and heartbeat ticks until `finish()` or cancellation; then closes an open
    /// moment and stops every agent.
    ///
    /// - Throws: `RedisError.unreachable` when Redis does not answer at the start or stays away
    ///   past the reconnect window; `WaveError` when an agent does not answer.
    public func run() async throws {
        let configuration = configuration
        var coordinator = WaveCoordinator(strategy: configuration.strategy, endpoint: configuration.endpoint,
                                          instruments: configuration.instruments, options: configuration.options)
        let (health, now) = (health, configuration.now)
        coordinator.onAnswer = { agent in health.heartbeat(agent, at: now()) }
        if let journal {
            coordinator.onOrders = { orders, sequence in try await journal.recordOrders(orders, sequence: sequence) }
        }
        if let restored {
            coordinator.resume(sequence: restored.sequence, lastTimestamp: restored.lastTimestamp)
            progressBox.withValue {
                $0.barsProcessed = restored.sequence
                $0.lastBarTimestamp = restored.lastTimestamp
            }
        }
        defer { coordinator.close() }
        try await coordinator.connect()
        try await coordinator.reset()
        let workers: [WaveAgentWorker] = configuration.placement == .external ? [] : WaveRouting.agents.map {
            WaveAgentWorker(agent: $0, agents: initial, strategy: configuration.strategy, endpoint: configuration.endpoint,
                            options: configuration.options)
        }
        defer {
            // Requests still queued will never be taken.
            controlContinuation.finish()
            progressBox.withValue { $0.running = false }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { try await worker.run() } }
            let ticks = AsyncTimerSequence(interval: configuration.heartbeatInterval, clock: .continuous)
            group.addTask { [controlContinuation] in
                for await _ in ticks { controlContinuation.yield(.ping) }
            }
            do {
                progressBox.withValue { $0.running = true }
                var core = Core(runner: self)
                for await request in merge(feedChannel, controlRequests) {
                    try await core.handle(request, coordinator: &coordinator)
                }
                try await core.shutDown(coordinator: &coordinator)
                try await coordinator.stop()
                group.cancelAll()
                // The workers answered `stop` and return; the tick task ends on cancellation.
                try await group.waitForAll()
            } catch {
                try? await coordinator.stopAgents()
                group.cancelAll()
                throw error
            }
        }
    }

    /// The loop's state; lives in `run()`'s frame.
    struct Core {
        let runner: WaveLiveRunner
        /// The last step ended with a bar, so the next tick needs no ping.
        var busySinceTick = false

        mutating func handle(_ request: Request, coordinator: inout WaveCoordinator) async throws {
            switch request {
            case .bar(let live):
                // Written ahead: a restart finds the bar even if the process dies inside it.
                try await runner.journal?.recordBar(live, sequence: coordinator.barsPushed)
                var observed = Collector()
                try await coordinator.push(live.bar, instrument: live.instrument, into: &observed)
                let sequence = coordinator.barsPushed
                runner.metrics?.barProcessed()
                runner.count(observed.envelopes)
                runner.progressBox.withValue {
                    $0.barsProcessed = sequence
                    $0.lastBarTimestamp = live.bar.timestamp
                }
                await runner.report(LiveReport(.bar(live), sequence: sequence &- 1, envelopes: observed.envelopes))
                busySinceTick = true
            case .feedEnded(let done):
                try await closeMoment(coordinator: &coordinator)
                runner.progressBox.withValue { $0.feedEnded = true }
                try await runner.journal?.flush()
                done.finish()
            case .command(let command, let reply):
                var observed = Collector()
                do {
                    try await coordinator.command(command, into: &observed)
                } catch {
                    await reply.send(.failure(WaveError("the command did not go through the bus: \(error)")))
                    reply.finish()
                    throw error
                }
                runner.count(observed.envelopes)
                await runner.report(LiveReport(.command(command), sequence: coordinator.barsPushed &- 1, envelopes: observed.envelopes))
                await reply.send(.success(observed.envelopes))
                reply.finish()
            case .ping:
                // Agents that answered a bar's waves within the interval are known to be alive,
                // and the bus carried those round trips.
                if busySinceTick {
                    busySinceTick = false
                } else {
                    try await coordinator.ping()
                }
                runner.onContact?()
            }
        }

        mutating func shutDown(coordinator: inout WaveCoordinator) async throws {
            try await closeMoment(coordinator: &coordinator)
            try await runner.journal?.flush()
        }

        private func closeMoment(coordinator: inout WaveCoordinator) async throws {
            var observed = Collector()
            try await coordinator.closeOpenMoment(into: &observed)
            guard !observed.envelopes.isEmpty else { return }
            await runner.report(LiveReport(.momentClosed(timestamp: runner.progress.lastBarTimestamp ?? 0),
                                           sequence: coordinator.barsPushed &- 1, envelopes: observed.envelopes))
        }
    }

    private func report(_ report: LiveReport) async {
        for observer in observers { await observer.observe(report) }
    }

    /// Counts the orders, fills and rejects among `envelopes`, as the actor runner does.
    private func count(_ envelopes: [Envelope]) {
        guard let metrics else { return }
        for envelope in envelopes {
            switch envelope.payload {
            case .order(let order) where order.status == .accepted: metrics.orderSent()
            case .order(let order) where order.status == .rejected: metrics.orderRejected()
            case .fill: metrics.fillReceived()
            case .executionError: metrics.orderRejected()
            default: break
            }
        }
    }

    /// What a step hands the observers, in the order the coordinator reads it.
    struct Collector: RunSink {
        var envelopes: [Envelope] = []
        mutating func receive(_ envelope: Envelope) { envelopes.append(envelope) }
    }
}
