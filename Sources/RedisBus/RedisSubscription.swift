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
                    let replies = try await subscription.read(from: "0", block: nil)
                    var any = false
                    replies.forEachStreamEntry { _ in any = true }
                    if !any { ownPendingRead = true }
                    buffer = try await subscription.deliveries(replies, redelivered: true)
                } else {
                    if lastClaim.duration(to: .now) >= .milliseconds(options.claimIntervalMilliseconds) {
                        lastClaim = .now
                        buffer = try await subscription.claimAbandoned()
                        if !buffer.isEmpty { break }
                    }
                    let replies = try await subscription.read(from: ">", block: options.blockMilliseconds)
                    buffer = try await subscription.deliveries(replies, redelivered: false)
                }
            }
            defer { head += 1 }
            return buffer[head]
        }
    }

    /// Reads entries after `id` on every stream of the subscription, as Redis sent them.
    func read(from id: String, block: Int?) async throws -> RedisReplies {
        let bus = self.bus
        let command = RedisCommand.xreadgroup(group: group, consumer: consumer, count: bus.options.readCount, blockMilliseconds: block,
                                              streams: topics.map { (bus.keys.stream($0), id) })
        let replies = try await reader.replies(to: command)
        if let message = replies.firstError {
            // The server lost its data (restarted without persistence): make the groups again.
            guard message.hasPrefix("NOGROUP") else { throw RedisError.server(command: command.name, message: message) }
            try await bus.createGroups(group, on: topics)
            return RedisReplies(bytes: [], count: 0, hasError: false)
        }
        return replies
    }

    /// Decodes a read's entries into deliveries straight from the reply's bytes (see
    /// `settle` for what is dropped).
    func deliveries(_ replies: RedisReplies, redelivered: Bool) async throws -> [BusDelivery] {
        let bus = self.bus
        var read = ReadEntries()
        let streams = topics.map { bus.keys.stream($0) }
        var streamIndex = -1
        var stream = ""
        replies.forEachStreamEntry { view in
            // Entries come grouped by stream: name each group once, by one of ours when it is.
            if view.streamIndex != streamIndex {
                streamIndex = view.streamIndex
                stream = streams.first { name in
                    var copy = name
                    return copy.withUTF8 { $0.elementsEqual(view.stream) }
                } ?? String(decoding: view.stream, as: UTF8.self)
            }
            let id = String(decoding: view.id, as: UTF8.self)
            if view.isDeleted {
                read.trimmed.append(id)
                read.trimmedStreams.append(stream)
            } else if let bytes = view.value(of: "envelope") {
                do {
                    let message = try bus.codec.decode(bytes)
                    read.decoded.append(BusDelivery(bus: bus, group: group, stream: stream, entryID: id, message: message,
                                                    deliveries: redelivered ? 2 : 1))
                } catch {
                    read.undecodable.append((stream, view.entry, "\(error)"))
                }
            } else {
                read.undecodable.append((stream, view.entry, "no '\(RedisStreamsBus.envelopeField)' field"))
            }
        }
        return try await settle(read, counts: [:])
    }

    /// Decodes entries into deliveries (claimed entries, which come as values).
    func deliveries(_ entries: [(stream: String, entry: StreamEntry)], redelivered: Bool,
                    counts: [String: Int] = [:]) async throws -> [BusDelivery] {
        guard !entries.isEmpty else { return [] }
        let bus = self.bus
        var read = ReadEntries()
        for (stream, entry) in entries {
            guard let bytes = entry.fields[RedisStreamsBus.envelopeField] else {
                if entry.fields.isEmpty {
                    read.trimmed.append(entry.id)
                    read.trimmedStreams.append(stream)
                } else {
                    read.undecodable.append((stream, entry, "no '\(RedisStreamsBus.envelopeField)' field"))
                }
                continue
            }
            do {
                let message = try bus.codec.decode(bytes)
                read.decoded.append(BusDelivery(bus: bus, group: group, stream: stream, entryID: entry.id, message: message,
                                                deliveries: counts[entry.id] ?? (redelivered ? 2 : 1)))
            } catch {
                read.undecodable.append((stream, entry, "\(error)"))
            }
        }
        return try await settle(read, counts: counts)
    }

    /// What one read brought, sorted.
    struct ReadEntries {
        var decoded: [BusDelivery] = []
        /// Entries that are not envelopes, with why.
        var undecodable: [(stream: String, entry: StreamEntry, reason: String)] = []
        /// Pending entries trimmed from their stream (they come back without fields), and their streams.
        var trimmed: [String] = []
        var trimmedStreams: [String] = []
    }

    /// Acks and drops entries trimmed away, sends those that are not envelopes to the dead-letter
    /// stream, and acks and drops messages the group has processed already; returns the rest.
    private func settle(_ read: ReadEntries, counts: [String: Int]) async throws -> [BusDelivery] {
        let bus = self.bus
        if !read.trimmed.isEmpty {
            var pipeline = RedisPipeline()
            for (id, stream) in zip(read.trimmed, read.trimmedStreams) { pipeline.appendXAck(stream, group: group, ids: CollectionOfOne(id)) }
            _ = try await bus.client.replies(to: pipeline)
        }
        if !read.undecodable.isEmpty {
            try await bus.deadLetter(read.undecodable.map { ($0.stream, $0.entry, $0.reason, counts[$0.entry.id] ?? 1) }, group: group)
        }
        let result = read.decoded
        guard bus.options.idempotency, !result.isEmpty else { return result }
        var check = RedisPipeline(capacity: result.count * 80)
        let prefix = bus.keys.processedPrefix(group: group)
        for delivery in result { check.appendExists(keyPrefix: prefix, name: delivery.message.id) }
        let seen = try await bus.client.replies(to: check)
        var fresh: [BusDelivery] = []
        fresh.reserveCapacity(result.count)
        var duplicates = RedisPipeline()
        seen.forEachInteger { index, value in
            if value == 1 {
                duplicates.appendXAck(result[index].stream, group: group, ids: CollectionOfOne(result[index].entryID))
            } else {
                fresh.append(result[index])
            }
        }
        if duplicates.count > 0 {
            _ = try await bus.client.replies(to: duplicates)
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
        try await bus.ack([self])
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
