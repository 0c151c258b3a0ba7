import Agents

/// The actor runner's wave logic for runners outside this module (agents over Redis Streams):
/// one subscription table (``LiveRoutes``) and one way of building a wave, so every runner
/// delivers in the fused runner's order.
///
/// A wave is every message of one depth. Each subscribing agent handles its share of the wave
/// in wave order; the next wave is, for each message in order and each of its subscribers in
/// table order, what that agent's handling of the message produced.
public enum WaveRouting {
    public static func subscribers(_ topic: Topic) -> [AgentID] { LiveRoutes.subscribers(topic) }

    /// Whether a run's sink receives messages of `topic` (what the fused runner's sink receives).
    public static func isObserved(_ topic: Topic) -> Bool { LiveRoutes.isObserved(topic) }

    /// The agents, in the Supervisor's start order.
    public static var agents: [AgentID] { LiveRoutes.startOrder }

    /// The topics `agent` consumes.
    public static func inputs(of agent: AgentID) -> [Topic] {
        Topic.allCases.filter { subscribers($0).contains(agent) }
    }

    /// Each agent's share of a wave whose messages have `topics`, as positions in the wave, in wave order.
    public static func shares(of topics: [Topic]) -> [AgentID: [Int]] {
        var shares: [AgentID: [Int]] = [:]
        for (position, topic) in topics.enumerated() {
            for agent in subscribers(topic) { shares[agent, default: []].append(position) }
        }
        return shares
    }

    /// The wave after one whose messages have `topics`, from what each agent produced:
    /// `outputs[ends[i-1]..<ends[i]]` came from the agent's i-th message of its share.
    public static func nextWave<Item>(after topics: [Topic], results: [AgentID: (outputs: [Item], ends: [Int])]) -> [Item] {
        var next: [Item] = []
        var cursors: [AgentID: Int] = [:]
        for topic in topics {
            for agent in subscribers(topic) {
                guard let result = results[agent] else { continue }
                let index = cursors[agent, default: 0]
                cursors[agent] = index + 1
                let start = index == 0 ? 0 : result.ends[index - 1]
                next.append(contentsOf: result.outputs[start..<result.ends[index]])
            }
        }
        return next
    }
}

/// One agent of a set, chosen by id: what a process (or task) running a single agent holds.
/// The other members of the set are never touched.
public struct SingleAgent: Sendable {
    public let id: AgentID
    public private(set) var agents: AgentSet
    private var outbox = Outbox()

    public init(_ id: AgentID, of agents: AgentSet) {
        self.id = id
        self.agents = agents
    }

    /// Handles `messages` in order; `outputs[ends[i-1]..<ends[i]]` are what the i-th produced.
    public mutating func handle(_ messages: [Envelope]) -> (outputs: [Envelope], ends: [Int]) {
        var outputs: [Envelope] = []
        var ends: [Int] = []
        ends.reserveCapacity(messages.count)
        for message in messages {
            outbox.removeAll()
            switch id {
            case .supervisor: agents.supervisor.handle(message, into: &outbox)
            case .marketData: agents.marketData.handle(message, into: &outbox)
            case .feature: agents.feature.handle(message, into: &outbox)
            case .signal: agents.signal.handle(message, into: &outbox)
            case .portfolioRisk: agents.portfolio.handle(message, into: &outbox)
            case .execution: agents.execution.handle(message, into: &outbox)
            case .compliance: agents.compliance.handle(message, into: &outbox)
            case .runner: break
            }
            outputs.append(contentsOf: outbox.messages)
            ends.append(outputs.count)
        }
        return (outputs, ends)
    }

    /// PortfolioRisk at the end of a backtest: open positions closed at the last close, as trades
    /// (what ``FusedRunner/finish(into:)`` emits).
    public mutating func closeOut(at timestamp: Int64, traceId: UInt64) -> [Envelope] {
        guard id == .portfolioRisk else { return [] }
        return agents.portfolio.closeOut(at: timestamp, barIndex: Int(traceId)).map {
            Envelope(timestamp: timestamp, source: .portfolioRisk, traceId: traceId, topic: .portfolioTrade, payload: .trade($0))
        }
    }
}

extension BacktestEngine.Outcome {
    /// The outcome of a run made by another runner (agents over a bus).
    public static func of(bars: Int, feeds: [FeedSummary], shadows: [ShadowEvaluator.Evaluation] = []) -> Self {
        Self(bars: bars, feeds: feeds, shadows: shadows)
    }
}
