import Agents
import Runtime

/// One agent on the Redis Streams bus, in its own task or process: it takes the coordinator's
/// commands from `control:<agent>`, reads the messages a command names from its consumer group
/// (on the topic streams it subscribes to), handles them in the named order, publishes what they
/// cause on their topic streams, and acks its inputs in the same pipeline that publishes the
/// outputs and its answer: the ack follows the effect.
public struct WaveAgentWorker: Sendable {
    public let agent: AgentID
    let initial: AgentSet
    let endpoint: RedisEndpoint
    let keys: RedisKeys
    let options: RedisBusOptions
    let consumer: String

    /// - Parameters:
    ///   - agents: the strategy's fresh agents; only the member `agent` runs.
    ///   - consumer: this process within the agent's consumer group.
    public init(agent: AgentID, agents: AgentSet, strategy: String, endpoint: RedisEndpoint,
                options: RedisBusOptions = RedisBusOptions(), consumer: String? = nil) {
        self.agent = agent
        initial = agents
        self.endpoint = endpoint
        keys = RedisKeys(strategy: strategy)
        self.options = options
        self.consumer = consumer ?? agent.wireName
    }

    /// Serves commands until `stop` (answered, so the coordinator knows every agent is done) or cancellation.
    ///
    /// - Parameter after: the control stream id to read after ("0": every command in the stream).
    public func run(after: String = "0") async throws {
        var clientOptions = options.client
        clientOptions.commandTimeoutMilliseconds = max(clientOptions.commandTimeoutMilliseconds, 6_000)
        let client = RedisClient(endpoint: endpoint, options: clientOptions)
        defer { client.close() }
        try await client.connect()
        var single = SingleAgent(agent, of: initial)
        var inbox = WaveInbox(client: client, group: agent.wireName, consumer: consumer, streams: keys.inputs(of: agent))
        let codec = EnvelopeCodec()
        var last = after
        /// The last command's tag: a command sent again after a lost reply (a Redis restart) is handled once.
        var lastTag: String?
        /// Effects of the commands handled, sent with the next read.
        var outgoing: [RedisCommand] = []
        while !Task.isCancelled {
            // One round trip: the last command's effects and answer, the wait for the next command,
            // and the read of the inputs published before it.
            var replies = try await client.pipeline(outgoing + [RedisCommand("XREAD", "COUNT", 64, "BLOCK", 1_000, "STREAMS", keys.control(agent), last),
                                                                inbox.readArrived])
            try Self.check(replies.prefix(outgoing.count))
            replies.removeFirst(outgoing.count)
            outgoing = []
            let reply = replies[0]
            if let message = reply.errorMessage { throw RedisError.server(command: "XREAD", message: message) }
            // NOGROUP: the coordinator has not created the groups yet (this agent started first); its commands come after.
            if replies[1].errorMessage?.hasPrefix("NOGROUP") != true { _ = try inbox.absorb(replies[1]) }
            for (_, entries) in reply.streamEntries {
                for entry in entries {
                    last = entry.id
                    guard let bytes = entry.fields["command"] else { continue }
                    let command = try WaveJSON.decode(WaveCommand.self, bytes)
                    guard command.tag.isEmpty || command.tag != lastTag else { continue }
                    lastTag = command.tag
                    if !outgoing.isEmpty {
                        // An earlier command of this read: its outputs go out before this one's inputs are read.
                        try Self.check(try await client.pipeline(outgoing))
                        outgoing = []
                    }
                    var answer = WaveAnswer(agent: agent.wireName, tag: command.tag)
                    var effects: [RedisCommand] = []
                    var outputs: [Envelope] = []
                    switch command.kind {
                    case .stop, .ping:
                        break
                    case .summaries:
                        answer.summaries = single.agents.marketData.summaries
                    case .closeOut:
                        outputs = single.closeOut(at: command.timestamp, traceId: command.traceId)
                        answer.ends = [outputs.count]
                    case .wave:
                        let taken = try await inbox.take(command.ids)
                        let handled = single.handle(taken.map(\.message.envelope))
                        outputs = handled.outputs
                        answer.ends = handled.ends
                        effects += inbox.acks(taken)
                    }
                    // Outputs first, then the acks and the answer: the ack follows the effect.
                    var publishes: [RedisCommand] = []
                    for (index, output) in outputs.enumerated() {
                        let id = "\(command.tag).\(agent.wireName).\(index)"
                        answer.ids.append(id)
                        answer.topics.append(output.topic.name)
                        publishes.append(.xadd(keys.stream(output.topic), maxLength: options.maxStreamLength,
                                               fields: [(RedisStreamsBus.envelopeField, try codec.encode(WireEnvelope(id: id, envelope: output)))]))
                        if options.cacheLatestValues, let update = RedisCache.update(for: output, keys: keys) { publishes.append(update) }
                    }
                    effects = publishes + effects
                    if options.cacheLatestValues, let time = outputs.last?.timestamp {
                        effects.append(.hset(keys.cache("health"), fields: [(agent.wireName, Array(String(time).utf8))]))
                    }
                    effects.append(.xadd(keys.control(.runner), maxLength: options.maxStreamLength,
                                         fields: [("answer", try WaveJSON.encode(answer))]))
                    if command.kind == .stop {
                        try Self.check(try await client.pipeline(outgoing + effects))
                        return
                    }
                    outgoing += effects
                }
            }
        }
    }

    static func check(_ replies: ArraySlice<RedisReply>) throws {
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: "pipeline", message: message) }
    }

    static func check(_ replies: [RedisReply]) throws { try check(replies[...]) }
}
