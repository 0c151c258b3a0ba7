import Agents
import Foundation

/// One consumer's deliveries from its group's streams, each to be acked once its effect is committed.
///
/// Pull-driven: each `next()` returns what the last read brought, or reads again (blocking on the
/// subscription's own connection and thread). Before new messages it returns, in order: what this
/// consumer read before a restart and did not ack, then (every `claimIntervalMilliseconds`)
/// messages other consumers left pending too long. Messages already processed by the group are
/// acked and skipped. Iteration ends when the bus closes.
public struct RedisSubscription: AsyncSequence, Sendable {
    public typealias Element = BusDelivery
    let bus: RedisStreamsBus
    let reader: RedisClient
    public let topics: [Topic]
    public let group: String
    public let consumer: String

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let subscription: RedisSubscription
        private var buffer: [BusDelivery] = []
        private var head = 0
        private var ownPendingRead = false
        private var lastClaim = ContinuousClock.now

        init(subscription: RedisSubscription) {
            self.subscription = subscription
        }

        public mutating func next() async throws -> BusDelivery? {
            while head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
                if subscription.bus.isClosed || Task.isCancelled { return nil }
                let options = subscription.bus.options
                if !ownPendingRead {
                    // A restarted consumer first gets back what it read and did not ack.
                    let entries = try await subscription.read(from: "0", block: nil)
                    if entries.isEmpty { ownPendingRead = true }
                    buffer = try await subscription.deliveries(entries, redelivered: true)
                } else {
                    if lastClaim.duration(to: .now) >= .milliseconds(options.claimIntervalMilliseconds) {
                        lastClaim = .now
                        buffer = try await subscription.claimAbandoned()
                        if !buffer.isEmpty { break }
                    }
                    let entries = try await subscription.read(from: ">", block: options.blockMilliseconds)
                    buffer = try await subscription.deliveries(entries, redelivered: false)
                }
            }
            defer { head += 1 }
            return buffer[head]
        }
    }

    /// Reads entries after `id` on every stream of the subscription.
    func read(from id: String, block: Int?) async throws -> [(stream: String, entry: StreamEntry)] {
        let bus = self.bus
        let command = RedisCommand.xreadgroup(group: group, consumer: consumer, count: bus.options.readCount, blockMilliseconds: block,
                                              streams: topics.map { (bus.keys.stream($0), id) })
        let reply: RedisReply
        do {
            reply = try await reader.send(command)
        } catch RedisError.server(_, let message) where message.hasPrefix("NOGROUP") {
            // The server lost its data (restarted without persistence): make the groups again.
            try await bus.createGroups(group, on: topics)
            return []
        }
        var result: [(String, StreamEntry)] = []
        for stream in reply.streamEntries {
            for entry in stream.entries { result.append((stream.stream, entry)) }
        }
        return result
    }

    /// Decodes entries into deliveries, acking and dropping those the group has processed already
    /// and those that are not envelopes (they go to the dead-letter stream).
    func deliveries(_ entries: [(stream: String, entry: StreamEntry)], redelivered: Bool,
                    counts: [String: Int] = [:]) async throws -> [BusDelivery] {
        guard !entries.isEmpty else { return [] }
        let bus = self.bus
        var result: [BusDelivery] = []
        result.reserveCapacity(entries.count)
        var undecodable: [(stream: String, entry: StreamEntry, reason: String)] = []
        for (stream, entry) in entries {
            // A pending entry trimmed from the stream comes back without fields: nothing to deliver.
            guard let bytes = entry.fields[RedisStreamsBus.envelopeField] else {
                if entry.fields.isEmpty {
                    _ = try await bus.client.send(.xack(stream, group: group, ids: [entry.id]))
                } else {
                    undecodable.append((stream, entry, "no '\(RedisStreamsBus.envelopeField)' field"))
                }
                continue
            }
            do {
                let message = try bus.codec.decode(bytes)
                result.append(BusDelivery(bus: bus, group: group, stream: stream, entryID: entry.id, message: message,
                                          deliveries: counts[entry.id] ?? (redelivered ? 2 : 1)))
            } catch {
                undecodable.append((stream, entry, "\(error)"))
            }
        }
        if !undecodable.isEmpty {
            try await bus.deadLetter(undecodable.map { ($0.stream, $0.entry, $0.reason, counts[$0.entry.id] ?? 1) }, group: group)
        }
        guard bus.options.idempotency, !result.isEmpty else { return result }
        let seen = try await bus.client.pipeline(result.map { RedisCommand("EXISTS", bus.keys.processed(group: group, id: $0.message.id)) })
        var fresh: [BusDelivery] = []
        fresh.reserveCapacity(result.count)
        var duplicates: [BusDelivery] = []
        for (delivery, reply) in zip(result, seen) {
            if reply.integer == 1 { duplicates.append(delivery) } else { fresh.append(delivery) }
        }
        if !duplicates.isEmpty {
            _ = try await bus.client.pipeline(duplicates.map { .xack($0.stream, group: group, ids: [$0.entryID]) })
        }
        return fresh
    }

    /// Moves messages delivered `maxDeliveries` times to the dead-letter stream, then claims the
    /// rest of those pending longer than `claimIdleMilliseconds` for this consumer.
    func claimAbandoned() async throws -> [BusDelivery] {
        let bus = self.bus
        let options = bus.options
        var claimed: [(stream: String, entry: StreamEntry)] = []
        var counts: [String: Int] = [:]
        for topic in topics {
            let stream = bus.keys.stream(topic)
            let pending = try await bus.client.send(.xpending(stream, group: group, minIdleMilliseconds: options.claimIdleMilliseconds,
                                                               count: options.readCount)).pendingEntries
            let exhausted = pending.filter { $0.deliveries >= options.maxDeliveries }
            if !exhausted.isEmpty {
                let ranges = try await bus.client.pipeline(exhausted.map { RedisCommand("XRANGE", stream, $0.id, $0.id) })
                var dead: [(String, StreamEntry, String, Int)] = []
                for (info, reply) in zip(exhausted, ranges) {
                    let entry = StreamEntry.list(reply).first ?? StreamEntry(id: info.id, fields: [:])
                    dead.append((stream, entry, "delivered \(info.deliveries) times without an ack (last to \(info.consumer))", info.deliveries))
                }
                try await bus.deadLetter(dead, group: group)
            }
            for info in pending { counts[info.id] = info.deliveries + 1 }
            let reply = try await bus.client.send(.xautoclaim(stream, group: group, consumer: consumer,
                                                               minIdleMilliseconds: options.claimIdleMilliseconds, count: options.readCount))
            for entry in reply.autoclaim?.entries ?? [] { claimed.append((stream, entry)) }
        }
        return try await deliveries(claimed, redelivered: true, counts: counts)
    }
}

/// One message delivered to one consumer of a group.
public struct BusDelivery: Sendable {
    let bus: RedisStreamsBus
    public let group: String
    public let stream: String
    /// The stream entry's id (`<ms>-<seq>`), what `XACK` takes.
    public let entryID: String
    public let message: WireEnvelope
    /// 1 on the first delivery; more when it was redelivered (after a crash or a claim).
    public let deliveries: Int

    public var envelope: Envelope { message.envelope }

    /// The message's effect is committed: record its id for the group, then `XACK` it.
    ///
    /// Recording first means a crash between the two leaves a message that is skipped when
    /// redelivered, never one whose effect happens again.
    public func ack() async throws {
        var commands: [RedisCommand] = []
        if bus.options.idempotency {
            commands.append(.setIfAbsent(bus.keys.processed(group: group, id: message.id), expireSeconds: bus.options.idempotencyTTLSeconds))
        }
        commands.append(.xack(stream, group: group, ids: [entryID]))
        let replies = try await bus.client.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: "XACK", message: message) }
    }

    /// Runs `effects` (Redis commands), records the message's id and acks it, atomically, in
    /// one Lua script: a message whose id the group recorded already is only acked.
    ///
    /// - Returns: whether the effects ran (false: a duplicate).
    @discardableResult
    public func commit(_ effects: [RedisCommand]) async throws -> Bool {
        var arguments: [any RedisArgument] = [Self.commitScript, 2, bus.keys.processed(group: group, id: message.id), stream,
                                              bus.options.idempotencyTTLSeconds, group, entryID, effects.count]
        for effect in effects {
            let parts = effect.arguments
            arguments.append(parts.count)
            for part in parts { arguments.append(part) }
        }
        let reply = try await bus.client.send(RedisCommand("EVAL", arguments))
        return reply.integer == 1
    }

    /// KEYS: processed key, stream. ARGV: ttl, group, entry id, effect count, then per effect its
    /// argument count and arguments.
    static let commitScript = """
        local function ack() redis.call('XACK', KEYS[2], ARGV[2], ARGV[3]) end
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then ack() return 0 end
        local i = 5
        for _ = 1, tonumber(ARGV[4]) do
          local n = tonumber(ARGV[i])
          redis.call(unpack(ARGV, i + 1, i + n))
          i = i + n + 1
        end
        ack()
        return 1
        """
}
