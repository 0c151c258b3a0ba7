import Agents
import Foundation

/// A sink that hands what a run produces to another thread in batches, so the engine never
/// waits on storage: it keeps the envelopes a run's record needs (normalised bars, equity,
/// trades, orders, fills, alerts, audit records) and sends each full batch down a bounded
/// ``EnvelopeChannel``. When the consumer falls behind, `send` blocks: back-pressure, never an
/// unbounded queue. Call ``flush()`` after the run, then close the channel.
public struct BatchingSink: RunSink {
    public let channel: EnvelopeChannel
    private let batchSize: Int
    private var batch: [Envelope] = []

    public init(channel: EnvelopeChannel, batchSize: Int = 4_096) {
        self.channel = channel
        self.batchSize = batchSize
        batch.reserveCapacity(batchSize)
    }

    public mutating func receive(_ envelope: Envelope) {
        switch envelope.payload {
        case .bar, .equity, .trade, .order, .fill, .alert, .audit:
            batch.append(envelope)
            if batch.count >= batchSize { flush() }
        default:
            break
        }
    }

    /// The close of a moment is not recorded: no envelope is built for it.
    public mutating func receiveClock(_ stamp: Stamp) {}

    /// Sends what is gathered so far.
    public mutating func flush() {
        guard !batch.isEmpty else { return }
        channel.send(batch)
        batch = []
        batch.reserveCapacity(batchSize)
    }
}

/// Batches of envelopes from the engine to the thread that records them.
public typealias EnvelopeChannel = BatchChannel<[Envelope]>

/// A bounded queue of batches between one producer and one consumer thread.
///
/// `send` blocks while `capacity` batches wait; `receive` blocks until a batch comes or the
/// channel is closed. A consumer that fails calls ``abandon()``: from then on batches are
/// dropped, so the producer finishes (and learns of the failure from the consumer) instead of
/// waiting forever.
public final class BatchChannel<Batch: Sendable>: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var waiting: [Batch] = []
    private var closed = false
    private var abandoned = false
    private let capacity: Int

    public init(capacity: Int = 4) {
        self.capacity = max(capacity, 1)
    }

    public func send(_ batch: Batch) {
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= capacity && !abandoned { condition.wait() }
        guard !abandoned else { return }
        waiting.append(batch)
        condition.broadcast()
    }

    /// No more batches will come.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the channel is closed and empty (or abandoned).
    public func receive() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && !closed && !abandoned { condition.wait() }
        guard !waiting.isEmpty, !abandoned else { return nil }
        let batch = waiting.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Whether the consumer has given up.
    public var isAbandoned: Bool {
        condition.lock()
        defer { condition.unlock() }
        return abandoned
    }

    /// The consumer stops: waiting and future batches are dropped.
    public func abandon() {
        condition.lock()
        abandoned = true
        waiting = []
        condition.broadcast()
        condition.unlock()
    }
}
