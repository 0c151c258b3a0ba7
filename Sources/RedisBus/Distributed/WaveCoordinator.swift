import Agents
import Indicators
import Runtime

/// Drives a strategy's agents over Redis Streams in waves, bar by bar, so the run equals the
/// fused runner's: every message of depth k is handled (each agent its share, in the fused
/// order) before any of depth k + 1 is delivered, as in ``LiveRunner``.
///
/// The coordinator hands bars to MarketData (stream `feed`) and closes moments (`clock`);
/// everything else is published by the agents on their topic streams. Per wave it sends each
/// subscribing agent a command naming its share by wire id, waits for every answer, and builds
/// the next wave from the answers in ``WaveRouting`` order. It reads what the run's sink
/// receives through its own consumer group `runner`, in wave order.
public struct WaveCoordinator {
    let endpoint: RedisEndpoint
    let keys: RedisKeys
    let options: RedisBusOptions
    let instruments: Int
    let client: RedisClient
    let codec = EnvelopeCodec()
    private var inbox: WaveInbox
    private var lastAnswer = "0"
    private var waves = 0
    private var sequence: UInt64 = 0
    private var lastTimestamp: Int64 = 0
    private var openMoment: Int64?
    /// Commands that go with the next pipeline: a clock's publication, the sink's acks.
    private var pending: [RedisCommand] = []
    /// Messages published, routed to an agent or the sink: the run's message count.
    public private(set) var messages = 0
    /// Told about every answer an agent gives: the agent is alive (a live run's heartbeats).
    public var onAnswer: (@Sendable (AgentID) -> Void)?
    /// Told about the orders of a wave (with the bar's sequence number) before any agent is
    /// sent that wave: a live run's journal writes them ahead.
    public var onOrders: (@Sendable ([OrderUpdate], UInt64) async throws -> Void)?

    /// An item of a wave: its wire id and topic; the envelope when the coordinator made it.
    struct Item {
        var id: String
        var topic: Topic
        var envelope: Envelope?
    }

    public init(strategy: String, endpoint: RedisEndpoint, instruments: Int, options: RedisBusOptions = RedisBusOptions()) {
        self.endpoint = endpoint
        keys = RedisKeys(strategy: strategy)
        self.options = options
        self.instruments = instruments
        var clientOptions = options.client
        clientOptions.commandTimeoutMilliseconds = max(clientOptions.commandTimeoutMilliseconds, 6_000)
        client = RedisClient(endpoint: endpoint, options: clientOptions)
        inbox = WaveInbox(client: client, group: AgentID.runner.wireName, consumer: AgentID.runner.wireName, streams: keys.observed)
    }

    /// Checks Redis answers.
    ///
    /// - Throws: `RedisError.unreachable` naming the address.
    public func connect() async throws { try await client.connect() }

    /// Starts a run afresh: the strategy's streams, control streams and latest values are
    /// deleted, and every agent's consumer group (and the coordinator's) is created on its streams.
    /// Agents then read their commands from the start of their control stream.
    public func reset() async throws {
        var streams = Topic.allCases.map(keys.stream) + [keys.feed, keys.control(.runner)]
        streams += WaveRouting.agents.map(keys.control)
        var commands = [RedisCommand("DEL", streams.map { $0 as any RedisArgument })]
        commands.append(RedisCommand("DEL", ["bar:0", "positions", "equity", "health"].map { keys.cache($0) as any RedisArgument }))
        for agent in WaveRouting.agents {
            for stream in keys.inputs(of: agent) { commands.append(.xgroupCreate(stream, group: agent.wireName)) }
        }
        for stream in keys.observed { commands.append(.xgroupCreate(stream, group: AgentID.runner.wireName)) }
        let replies = try await client.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: "reset", message: message) }
    }

    /// Runs one bar through the agents; with several instruments the moment closes when the
    /// next timestamp arrives (``finish(into:)`` closes the last).
    public mutating func push<Sink: RunSink>(_ bar: Bar, instrument: Int, into sink: inout Sink) async throws {
        let raw = Envelope(timestamp: bar.timestamp, source: .runner, traceId: sequence, topic: .marketRaw,
                           payload: .bar(MarketBar(instrument: instrument, bar: bar)))
        let tag = nextTag()
        let id = "\(tag).runner.0"
        let feed = RedisCommand.xadd(keys.feed, maxLength: options.maxStreamLength,
                                     fields: [(RedisStreamsBus.envelopeField, try codec.encode(WireEnvelope(id: id, envelope: raw)))])
        let normalised = try await ask([.marketData: WaveCommand(kind: .wave, tag: tag, ids: [id])], after: [feed])
        messages += 1
        let passed = normalised[.marketData].map { answer in zip(answer.ids, answer.topics).map { Item(id: $0, topic: Self.topic($1)) } } ?? []
        if instruments > 1 {
            if let open = openMoment, bar.timestamp != open { try await closeMoment(traceId: sequence &- 1, into: &sink) }
            openMoment = bar.timestamp
        }
        for item in passed {
            try await propagate([item], into: &sink)
            if instruments == 1 { try await closeMoment(traceId: sequence, into: &sink) }
        }
        sequence += 1
    }

    /// Ends the run: an open moment closes, PortfolioRisk closes open positions at the last
    /// close, MarketData reports its feeds, and every agent is told to stop.
    public mutating func finish<Sink: RunSink>(into sink: inout Sink) async throws -> [FeedSummary] {
        if openMoment != nil { try await closeMoment(traceId: sequence &- 1, into: &sink) }
        let tag = nextTag()
        let closed = try await ask([.portfolioRisk: WaveCommand(kind: .closeOut, tag: tag, timestamp: lastTimestamp, traceId: sequence &- 1)])
        if let answer = closed[.portfolioRisk] {
            try await propagate(zip(answer.ids, answer.topics).map { Item(id: $0, topic: Self.topic($1)) }, into: &sink)
        }
        let summaries = try await ask([.marketData: WaveCommand(kind: .summaries, tag: nextTag())])[.marketData]?.summaries ?? []
        try await stop()
        return summaries
    }

    /// Closes the moment of several instruments' bars that is still open (a live feed ended, or
    /// the run is stopping), as the actor runner does; nothing when none is open.
    public mutating func closeOpenMoment<Sink: RunSink>(into sink: inout Sink) async throws {
        if openMoment != nil { try await closeMoment(traceId: sequence &- 1, into: &sink) }
    }

    /// Sends a Supervisor command (halt, reduce only, resume) through the agents between two
    /// bars, as the actor runner does: published on `supervisor.command` by the supervisor, then
    /// everything it causes (cancellations, targets) wave by wave into `sink`.
    public mutating func command<Sink: RunSink>(_ command: SupervisorCommand, into sink: inout Sink) async throws {
        let root = Envelope(timestamp: lastTimestamp, source: .supervisor, traceId: sequence &- 1, topic: .supervisorCommand,
                            payload: .command(command))
        let id = "\(nextTag()).runner.0"
        pending.append(.xadd(keys.stream(.supervisorCommand), maxLength: options.maxStreamLength,
                             fields: [(RedisStreamsBus.envelopeField, try codec.encode(WireEnvelope(id: id, envelope: root)))]))
        try await propagate([Item(id: id, topic: .supervisorCommand, envelope: root)], into: &sink)
        // The coordinator reads that stream through its own group too: its own entry is taken and acked.
        pending += inbox.acks(try await inbox.take([id]))
    }

    /// Asks every agent to answer at once: a live run's heartbeat while no bar comes.
    ///
    /// - Throws: `WaveError` naming the agents that did not answer within 30 s.
    public mutating func ping() async throws {
        let tag = nextTag()
        _ = try await ask(Dictionary(uniqueKeysWithValues: WaveRouting.agents.map { ($0, WaveCommand(kind: .ping, tag: tag)) }))
    }

    /// Tells every agent to stop, waits for their answers, and deletes the spent control streams.
    public mutating func stop() async throws {
        let stop = nextTag()
        _ = try await ask(Dictionary(uniqueKeysWithValues: WaveRouting.agents.map { ($0, WaveCommand(kind: .stop, tag: stop)) }))
        // Every agent has stopped: the commands are spent, and an agent started later must not replay them.
        try await run([RedisCommand("DEL", ([keys.control(.runner)] + WaveRouting.agents.map(keys.control)).map { $0 as any RedisArgument })])
    }

    /// Bars pushed so far: the next bar's sequence number (its trace id).
    public var barsPushed: UInt64 { sequence }

    /// Continues a run restored from a journal: the next bar is number `sequence`, and commands
    /// before it carry the market time `lastTimestamp`.
    public mutating func resume(sequence: UInt64, lastTimestamp: Int64?) {
        self.sequence = sequence
        if let lastTimestamp { self.lastTimestamp = lastTimestamp }
    }

    /// Tells every agent to stop without waiting for answers: after a failed run, so no agent waits forever.
    public func stopAgents() async throws {
        let stop = try WaveJSON.encode(WaveCommand(kind: .stop))
        _ = try await client.pipeline(WaveRouting.agents.map { .xadd(keys.control($0), maxLength: nil, fields: [("command", stop)]) })
    }

    public func close() { client.close() }

    // MARK: Waves

    private mutating func closeMoment<Sink: RunSink>(traceId: UInt64, into sink: inout Sink) async throws {
        let clock = Envelope(timestamp: lastTimestamp, source: .runner, traceId: traceId, topic: .clock, payload: .barClosed(instrument: 0))
        let id = "\(nextTag()).runner.0"
        pending.append(.xadd(keys.stream(.clock), maxLength: options.maxStreamLength,
                             fields: [(RedisStreamsBus.envelopeField, try codec.encode(WireEnvelope(id: id, envelope: clock)))]))
        try await propagate([Item(id: id, topic: .clock, envelope: clock)], into: &sink)
        openMoment = nil
    }

    /// Runs `roots` and everything they cause to the end, wave by wave, handing the sink what it
    /// receives in the fused runner's order.
    private mutating func propagate<Sink: RunSink>(_ roots: [Item], into sink: inout Sink) async throws {
        var wave = roots
        while !wave.isEmpty {
            messages += wave.count
            let unknown = wave.filter { $0.envelope == nil && WaveRouting.isObserved($0.topic) }.map(\.id)
            let read = try await inbox.take(unknown)
            var contents: [String: Envelope] = [:]
            for entry in read { contents[entry.message.id] = entry.message.envelope }
            var orders: [OrderUpdate] = []
            for item in wave where WaveRouting.isObserved(item.topic) {
                guard let envelope = item.envelope ?? contents[item.id] else { continue }
                if case .bar(let market) = envelope.payload, envelope.topic == .marketRaw { lastTimestamp = market.bar.timestamp }
                if case .order(let order) = envelope.payload { orders.append(order) }
                sink.receive(envelope)
            }
            if !orders.isEmpty, let onOrders { try await onOrders(orders, sequence) }
            // Acked with the next commands: the sink has them.
            pending += inbox.acks(read)
            let topics = wave.map(\.topic)
            let tag = nextTag()
            var commands: [AgentID: WaveCommand] = [:]
            for (agent, positions) in WaveRouting.shares(of: topics) {
                commands[agent] = WaveCommand(kind: .wave, tag: tag, ids: positions.map { wave[$0].id })
            }
            let answers = try await ask(commands)
            var results: [AgentID: (outputs: [Item], ends: [Int])] = [:]
            for (agent, answer) in answers {
                results[agent] = (zip(answer.ids, answer.topics).map { Item(id: $0, topic: Self.topic($1)) }, answer.ends)
            }
            wave = WaveRouting.nextWave(after: topics, results: results)
        }
    }

    /// Sends each agent its command and waits for every answer.
    ///
    /// - Parameter after: commands to run first in the same pipeline (a root's publication),
    ///   after those pending (a clock's publication, the sink's acks).
    private mutating func ask(_ commands: [AgentID: WaveCommand], after: [RedisCommand] = []) async throws -> [AgentID: WaveAnswer] {
        var sends = pending + after
        pending = []
        guard !commands.isEmpty else {
            try await run(sends)
            return [:]
        }
        for agent in WaveRouting.agents {
            guard let command = commands[agent] else { continue }
            sends.append(.xadd(keys.control(agent), maxLength: options.maxStreamLength, fields: [("command", try WaveJSON.encode(command))]))
        }
        var answers: [AgentID: WaveAnswer] = [:]
        var waited = 0
        while answers.count < commands.count {
            guard waited < 30_000 else {
                let missing = commands.keys.filter { answers[$0] == nil }.map(\.wireName).sorted().joined(separator: ", ")
                throw WaveError("no answer from \(missing) within 30 s on \(endpoint): is every agent running (stratum agent NAME --bus ...)?")
            }
            // What the agents published for the sink is read right after their answers, in the same round trip.
            // The commands go in the same round trip as the first wait for answers.
            var replies = try await client.pipeline(sends + [RedisCommand("XREAD", "COUNT", 64, "BLOCK", 1_000, "STREAMS", keys.control(.runner),
                                                                          lastAnswer), inbox.readArrived])
            if let message = replies.prefix(sends.count).compactMap(\.errorMessage).first {
                throw RedisError.server(command: sends[0].name, message: message)
            }
            replies.removeFirst(sends.count)
            sends = []
            let reply = replies[0]
            if let message = reply.errorMessage { throw RedisError.server(command: "XREAD", message: message) }
            _ = try inbox.absorb(replies[1])
            var got = false
            for (_, entries) in reply.streamEntries {
                for entry in entries {
                    lastAnswer = entry.id
                    guard let bytes = entry.fields["answer"] else { continue }
                    let answer = try WaveJSON.decode(WaveAnswer.self, bytes)
                    guard let agent = AgentID(wireName: answer.agent), commands[agent]?.tag == answer.tag else { continue }
                    if let error = answer.error { throw WaveError("\(answer.agent): \(error)") }
                    answers[agent] = answer
                    onAnswer?(agent)
                    got = true
                }
            }
            if !got { waited += 1_000 }
        }
        return answers
    }

    private func run(_ commands: [RedisCommand]) async throws {
        guard !commands.isEmpty else { return }
        let replies = try await client.pipeline(commands)
        if let message = replies.compactMap(\.errorMessage).first { throw RedisError.server(command: commands[0].name, message: message) }
    }

    private mutating func nextTag() -> String {
        waves += 1
        return "w\(waves)"
    }

    static func topic(_ name: String) -> Topic {
        Topic.allCases.first { $0.name == name } ?? .heartbeat
    }
}
