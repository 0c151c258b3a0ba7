import Agents

/// Where a running strategy writes ahead what it is about to do, so that a restart after a crash
/// neither loses a bar nor sends an order twice.
///
/// The runner calls `recordBar` before a bar reaches any agent, `recordOrders` after the wave
/// that created orders and before any agent sees them (in live mode: before the venue adapter
/// sends them), and `checkpoint` with the agents' state between two bars (every
/// `checkpointEvery` bars and at shutdown), then `flush`. On start, `load` gives the last
/// checkpoint. A SQLite journal (Storage) is the durable one; `InMemoryLiveJournal` serves tests.
public protocol LiveJournal: Sendable {
    func recordBar(_ bar: LiveBar, sequence: UInt64) async throws
    func recordOrders(_ orders: [OrderUpdate], sequence: UInt64) async throws
    func checkpoint(_ checkpoint: LiveCheckpoint) async throws
    /// Makes everything recorded so far durable.
    func flush() async throws
    /// The last checkpoint; nil when the strategy has never run.
    func load() async throws -> LiveCheckpoint?
}

/// The agents' state between two bars, with where the run stood.
public struct LiveCheckpoint: Sendable {
    public var agents: AgentSet
    /// Bars taken so far: the next bar's sequence number.
    public var sequence: UInt64
    /// The market time of the last bar taken (microseconds, UTC); nil before the first.
    public var lastTimestamp: Int64?

    public init(agents: AgentSet, sequence: UInt64, lastTimestamp: Int64?) {
        self.agents = agents
        self.sequence = sequence
        self.lastTimestamp = lastTimestamp
    }
}

/// A journal in memory: what tests read back, and what runs without `--state` use.
public actor InMemoryLiveJournal: LiveJournal {
    public private(set) var bars: [(sequence: UInt64, bar: LiveBar)] = []
    public private(set) var orders: [(sequence: UInt64, order: OrderUpdate)] = []
    public private(set) var checkpoints = 0
    public private(set) var flushes = 0
    private var last: LiveCheckpoint?

    public init(restoring checkpoint: LiveCheckpoint? = nil) {
        last = checkpoint
    }

    public func recordBar(_ bar: LiveBar, sequence: UInt64) {
        bars.append((sequence, bar))
    }

    public func recordOrders(_ orders: [OrderUpdate], sequence: UInt64) {
        self.orders += orders.map { (sequence, $0) }
    }

    public func checkpoint(_ checkpoint: LiveCheckpoint) {
        last = checkpoint
        checkpoints += 1
    }

    public func flush() {
        flushes += 1
    }

    public func load() -> LiveCheckpoint? {
        last
    }
}
