import Agents
import AsyncAlgorithms

extension LiveRunner {
    enum Request: Sendable {
        case bar(LiveBar)
        case feedEnded(AsyncChannel<Void>)
        case command(SupervisorCommand, Reply<[Envelope]>)
        case transform(@Sendable (inout AgentSet) throws -> Void, Reply<Void>)
        case stop(AgentID, Reply<Void>)
        /// A nil state: the agent's persisted state (see ``Coordinator/persisted(_:)``).
        case restart(AgentID, AgentSet?, Reply<Void>)
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
        /// Every agent's state at the last snapshot (a checkpoint, a pause, a restart from a
        /// given state)...
        var known: AgentSet
        /// ...and what each agent was handed since, in order. Agents are deterministic, so
        /// replaying an agent's inputs onto its snapshot gives the state its actor had: what a
        /// restart after a crash starts from, without reading the crashed actor.
        var inputsSinceSnapshot: [AgentID: [Envelope]] = [:]
        var sinceCheckpoint = 0
        var sinceSnapshot = 0

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
                inputsSinceSnapshot = [:]
                reply(.success(()))
            case .stop(.runner, let reply), .restart(.runner, _, let reply):
                reply(.failure(.notAnAgent))
            case .stop(let agent, let reply):
                if let inbox = lanes.remove(agent) { inbox.finish() }
                down.insert(agent)
                runner.progressBox.withValue { $0.agentsDown = down.count }
                reply(.success(()))
            case .restart(let agent, let given, let reply):
                if let inbox = lanes.remove(agent) { inbox.finish() }
                let state = given.flatMap { AgentState(agent, of: $0) } ?? persisted(agent)
                state?.write(into: &known)
                inputsSinceSnapshot[agent] = nil
                spawn(agent, from: known, in: &group)
                down.remove(agent)
                runner.progressBox.withValue { $0.agentsDown = down.count }
                context.health.restarted(agent)
                runner.metrics?.agentRestarted(agent)
                reply(.success(()))
                if down.isEmpty { try await releaseHeld() }
            }
        }

        /// `agent`'s state as of now: its snapshot with every input it took since replayed onto it.
        func persisted(_ agent: AgentID) -> AgentState? {
            AgentState(agent, of: known)?.replaying(inputsSinceSnapshot[agent] ?? [])
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
            sinceSnapshot += 1
            if let every = runner.configuration.checkpointEvery, sinceCheckpoint >= every {
                try await checkpoint()
            } else if sinceSnapshot >= LiveRunner.snapshotEvery {
                // Bounds the inputs kept for restarts when checkpoints are rare or off.
                _ = try await gather()
            }
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
            // Orders a command makes (a halt's flattening) belong to the last bar taken: the next
            // one is not journaled yet.
            try await propagate([root], into: &observed, ordersOfBar: sequence &- 1)
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
            let set = try await gather()
            guard let journal = runner.journal else { return }
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
            inputsSinceSnapshot = [:]
            sinceSnapshot = 0
            return set
        }

        // MARK: Waves

        /// Runs `roots` and everything they cause to the end, depth by depth, appending what the
        /// observers see to `observed` in the fused runner's order.
        private mutating func propagate(_ roots: [Envelope], into observed: inout [Envelope], ordersOfBar: UInt64? = nil) async throws {
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
                if !orders.isEmpty { try await runner.journal?.recordOrders(orders, sequence: ordersOfBar ?? sequence) }
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
                guard let batch = batches[agent] else { continue }
                // Kept for a down agent too (a command while it restarts): its restart replays it.
                inputsSinceSnapshot[agent, default: []].append(contentsOf: batch)
                guard let inbox = lanes.inbox(agent) else { continue }
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
