import Agents
import AsyncAlgorithms

/// What the runner asks of one agent's actor.
enum LaneJob: Sendable {
    /// Handle these messages in order and reply with what each produced.
    case deliver([Envelope])
    /// Report a heartbeat: the actor is alive and takes work.
    case ping
    /// Reply with the agent's state.
    case read
    /// Replace the agent's state (a hot reload or a restore between two bars).
    case install(AgentState)
}

/// What an agent's actor answers.
enum LaneReply: Sendable {
    /// `outputs[ends[i-1]..<ends[i]]` are what the i-th delivered message produced.
    case handled(AgentID, outputs: [Envelope], ends: [Int])
    case state(AgentState)
}

/// One agent running in its own task: it takes jobs from a bounded inbox (a rendezvous
/// channel, so the runner waits while the agent is busy) and answers on the runner's reply
/// channel. The agent value lives in the task's frame, so handling mutates it in place.
struct AgentLane: Sendable {
    let agent: AgentID
    let inbox: AsyncChannel<LaneJob>

    /// Runs `initial` until the inbox is finished.
    static func run<A: Agent>(
        _ initial: A, inbox: AsyncChannel<LaneJob>, replies: AsyncChannel<LaneReply>,
        wrap: (A) -> AgentState, unwrap: (AgentState) -> A?, context: LaneContext
    ) async {
        var agent = initial
        var outbox = Outbox()
        let id = agent.id
        let clock = ContinuousClock()
        for await job in inbox {
            switch job {
            case .deliver(let messages):
                var outputs: [Envelope] = []
                var ends: [Int] = []
                ends.reserveCapacity(messages.count)
                for message in messages {
                    outbox.removeAll()
                    let start = clock.now
                    agent.handle(message, into: &outbox)
                    context.metrics?.agentHandled(id, in: start.duration(to: clock.now))
                    outputs.append(contentsOf: outbox.messages)
                    ends.append(outputs.count)
                }
                context.health.heartbeat(id, at: context.now())
                await replies.send(.handled(id, outputs: outputs, ends: ends))
            case .ping:
                context.health.heartbeat(id, at: context.now())
            case .read:
                await replies.send(.state(wrap(agent)))
            case .install(let state):
                if let replacement = unwrap(state) { agent = replacement }
            }
        }
    }

    /// Starts the lane of `agent` from its member of `set`; returns once the lane has ended.
    static func run(_ agent: AgentID, from set: AgentSet, inbox: AsyncChannel<LaneJob>, replies: AsyncChannel<LaneReply>,
                    context: LaneContext) async {
        switch agent {
        case .supervisor:
            await run(set.supervisor, inbox: inbox, replies: replies, wrap: { .supervisor($0) },
                      unwrap: { if case .supervisor(let a) = $0 { a } else { nil } }, context: context)
        case .marketData:
            await run(set.marketData, inbox: inbox, replies: replies, wrap: { .marketData($0) },
                      unwrap: { if case .marketData(let a) = $0 { a } else { nil } }, context: context)
        case .feature:
            await run(set.feature, inbox: inbox, replies: replies, wrap: { .feature($0) },
                      unwrap: { if case .feature(let a) = $0 { a } else { nil } }, context: context)
        case .signal:
            await run(set.signal, inbox: inbox, replies: replies, wrap: { .signal($0) },
                      unwrap: { if case .signal(let a) = $0 { a } else { nil } }, context: context)
        case .portfolioRisk:
            await run(set.portfolio, inbox: inbox, replies: replies, wrap: { .portfolioRisk($0) },
                      unwrap: { if case .portfolioRisk(let a) = $0 { a } else { nil } }, context: context)
        case .execution:
            await run(set.execution, inbox: inbox, replies: replies, wrap: { .execution($0) },
                      unwrap: { if case .execution(let a) = $0 { a } else { nil } }, context: context)
        case .compliance:
            await run(set.compliance, inbox: inbox, replies: replies, wrap: { .compliance($0) },
                      unwrap: { if case .compliance(let a) = $0 { a } else { nil } }, context: context)
        case .runner:
            return
        }
    }
}

/// What every lane reports to: heartbeats, latencies, the time.
struct LaneContext: Sendable {
    let health: AgentHealthBoard
    let metrics: (any LiveMetricsRecorder)?
    let now: @Sendable () -> Int64
}
