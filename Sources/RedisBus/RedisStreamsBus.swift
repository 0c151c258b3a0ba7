import Agents
import AsyncAlgorithms
import Runtime
import Synchronization

/// The bus between agents in separate processes: Redis Streams, one stream per topic
/// (`stratum:<strategy>:<topic>`), one consumer group per consuming agent.
///
/// Delivery is at least once and effects happen once: a consumer acks (`XACK`) only after the
/// message's effect is committed; a message left pending by a dead consumer is claimed by another
/// (`XAUTOCLAIM`) after `claimIdleMilliseconds`; after `maxDeliveries` it goes to the dead-letter
/// stream instead; every envelope carries an id (strategy, trace, topic, sequence) that the
/// consumer records when it commits, so a redelivered message is skipped. docs/messages.md is
/// the contract for other programs.
public final class RedisStreamsBus: Bus {
    public let strategy: String
    public let endpoint: RedisEndpoint
    public let options: RedisBusOptions
    public let keys: RedisKeys
    /// Publishes, acks, claims and the cache share this connection; each subscription reads on its own.
    let client: RedisClient
    let codec = EnvelopeCodec()
    private let state = Mutex(State())

    private struct State {
        /// Per topic: the trace of the last message published and how many it has had.
        var sequences: [Topic: (traceId: UInt64, count: Int)] = [:]
        var closed = false
        var readers: [RedisClient] = []
        var pumps: [Task<Void, Never>] = []
    }

    /// - Parameters:
    ///   - strategy: the strategy's name, the prefix of every key.
    ///   - endpoint: where Redis listens.
    /// Connects lazily; call `connect()` or `waitUntilReachable` to check the server first.
    public init(strategy: String, endpoint: RedisEndpoint, options: RedisBusOptions = RedisBusOptions()) {
        self.strategy = strategy
        self.endpoint = endpoint
        self.options = options
        keys = RedisKeys(strategy: strategy)
        client = RedisClient(endpoint: endpoint, options: options.client)
    }

    /// Checks Redis answers now.
    ///
    /// - Throws: `RedisError.unreachable` with the endpoint and what to do.
    public func connect() async throws {
        try await client.connect()
    }

    /// Waits for Redis with backoff (`--wait-for-bus`), reporting each failed attempt.
    public func waitUntilReachable(timeoutMilliseconds: Int? = nil,
                                   progress: (@Sendable (_ attempt: Int, _ reason: String) -> Void)? = nil) async throws {
        try await client.waitUntilReachable(timeoutMilliseconds: timeoutMilliseconds, progress: progress)
    }

    // MARK: Publishing

    public func publish(_ envelope: Envelope) async throws {
        try await publish(contentsOf: [envelope])
    }

    /// Publishes `envelopes` in order in one pipeline, each with the next id of its topic and trace.
    public func publish(contentsOf envelopes: [Envelope]) async throws {
        let messages = state.withLock { state in
            envelopes.map { envelope in
                var entry = state.sequences[envelope.topic] ?? (envelope.traceId, 0)
                if entry.traceId != envelope.traceId { entry = (envelope.traceId, 0) }
                let id = WireEnvelope.id(strategy: strategy, traceId: envelope.traceId, topic: envelope.topic, sequence: entry.count)
                entry.count += 1
                state.sequences[envelope.topic] = entry
                return WireEnvelope(id: id, envelope: envelope)
            }
        }
        try await publish(messages)
    }

    /// Publishes messages whose ids the caller chose (a replay, another producer's numbering).
    ///
    /// - Throws: `BusError.closed` after `close()`, `RedisError` when Redis refuses or is gone.
    public func publish(_ messages: [WireEnvelope]) async throws {
        guard !state.withLock({ $0.closed }) else { throw BusError.closed }
        guard !messages.isEmpty else { return }
        // Each XADD is written straight into the pipeline, its JSON through one reused buffer.
        var pipeline = RedisPipeline(capacity: messages.count * 400)
        var json: [UInt8] = []
        json.reserveCapacity(512)
        for message in messages {
            json.removeAll(keepingCapacity: true)
            codec.encode(message, into: &json)
            pipeline.appendXAdd(keys.stream(message.envelope.topic), maxLength: options.maxStreamLength, field: Self.envelopeField, value: json)
            if options.cacheLatestValues, let update = RedisCache.update(for: message.envelope, keys: keys) {
                pipeline.append(update)
            }
        }
        let replies = try await client.replies(to: pipeline)
        guard replies.hasError else { return }
        // Name the command that failed: the n-th reply answers the n-th command.
        var commands: [String] = []
        for message in messages {
            commands.append("XADD")
            if options.cacheLatestValues, let update = RedisCache.update(for: message.envelope, keys: keys) { commands.append(update.name) }
        }
        for (reply, command) in zip(replies.parsed(), commands) {
            if let message = reply.errorMessage { throw RedisError.server(command: command, message: message) }
        }
    }

    /// The stream field that holds an envelope's JSON.
    public static let envelopeField = "envelope"

    // MARK: Consuming

    /// The consumer group of `group` on every topic in `topics`, read as `consumer`.
    ///
    /// Creates the groups (and streams) when missing, starting at the beginning of each stream, so
    /// a consumer that starts after its producer misses nothing still in the stream. Messages of
    /// one topic arrive in publish order; topics are interleaved as Redis returns them.
    ///
    /// - Parameters:
    ///   - group: the consuming agent; every process of one agent shares its group.
    ///   - consumer: this process within the group; a restarted process that keeps its name first
    ///     gets back what it read and did not ack.
    public func deliveries(of topics: Set<Topic>, group: String, consumer: String) async throws -> RedisSubscription {
        guard !state.withLock({ $0.closed }) else { throw BusError.closed }
        let ordered = topics.sorted { $0.rawValue < $1.rawValue }
        try await createGroups(group, on: ordered)
        var readerOptions = options.client
        readerOptions.commandTimeoutMilliseconds = max(readerOptions.commandTimeoutMilliseconds, options.blockMilliseconds + 5_000)
        let reader = RedisClient(endpoint: endpoint, options: readerOptions)
        state.withLock { $0.readers.append(reader) }
        return RedisSubscription(bus: self, reader: reader, topics: ordered, group: group, consumer: consumer)
    }

    /// Creates `group` on each stream; an existing group is left as it is.
    func createGroups(_ group: String, on topics: [Topic]) async throws {
        let replies = try await client.pipeline(topics.map { .xgroupCreate(keys.stream($0), group: group, startID: "0") })
        for reply in replies {
            if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") {
                throw RedisError.server(command: "XGROUP CREATE", message: message)
            }
        }
    }

    /// `Bus`: messages of `topics` for the agent `consumer` (its consumer group), acked when the
    /// consumer asks for the next one: an agent handles a message completely before it takes
    /// another, so taking the next one is the commit of the previous.
    public func subscribe(to topics: Set<Topic>, as consumer: String) async throws -> BusSubscription {
        let subscription = try await deliveries(of: topics, group: consumer, consumer: consumer)
        let channel = AsyncChannel<Envelope>()
        let pump = Task {
            var inFlight: BusDelivery?
            do {
                for try await delivery in subscription {
                    await channel.send(delivery.envelope)
                    // `send` returns once the consumer took this one: it is done with the previous.
                    try await inFlight?.ack()
                    inFlight = delivery
                }
            } catch {}
            channel.finish()
        }
        state.withLock { $0.pumps.append(pump) }
        return BusSubscription(channel: channel, consumer: consumer, topics: topics)
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Stops every subscription (each notices within `blockMilliseconds`) and the connections.
    public func close() async {
        let (readers, pumps) = state.withLock { state in
            state.closed = true
            return (state.readers, state.pumps)
        }
        for pump in pumps { pump.cancel() }
        for reader in readers { reader.close() }
        client.close()
    }
}
