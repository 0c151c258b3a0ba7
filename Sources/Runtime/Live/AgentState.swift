import Agents

/// One agent's state as a value that can cross from its actor to the runner and back: what a
/// snapshot, a hot reload or a restart moves around.
public enum AgentState: Sendable {
    case supervisor(SupervisorAgent)
    case marketData(MarketDataAgent)
    case feature(FeatureAgent)
    case signal(SignalAgent)
    case portfolioRisk(PortfolioRiskAgent)
    case execution(ExecutionAgent)
    case compliance(ComplianceAgent)

    /// The member of `set` that `agent` names; nil for `.runner`, which has no state.
    public init?(_ agent: AgentID, of set: AgentSet) {
        switch agent {
        case .supervisor: self = .supervisor(set.supervisor)
        case .marketData: self = .marketData(set.marketData)
        case .feature: self = .feature(set.feature)
        case .signal: self = .signal(set.signal)
        case .portfolioRisk: self = .portfolioRisk(set.portfolio)
        case .execution: self = .execution(set.execution)
        case .compliance: self = .compliance(set.compliance)
        case .runner: return nil
        }
    }

    public var agent: AgentID {
        switch self {
        case .supervisor: .supervisor
        case .marketData: .marketData
        case .feature: .feature
        case .signal: .signal
        case .portfolioRisk: .portfolioRisk
        case .execution: .execution
        case .compliance: .compliance
        }
    }

    /// Writes this state into its place in `set`.
    public func write(into set: inout AgentSet) {
        switch self {
        case .supervisor(let agent): set.supervisor = agent
        case .marketData(let agent): set.marketData = agent
        case .feature(let agent): set.feature = agent
        case .signal(let agent): set.signal = agent
        case .portfolioRisk(let agent): set.portfolio = agent
        case .execution(let agent): set.execution = agent
        case .compliance(let agent): set.compliance = agent
        }
    }

    /// This state after handling `messages` in order, their outputs dropped: a restart's replay.
    public func replaying(_ messages: [Envelope]) -> AgentState {
        guard !messages.isEmpty else { return self }
        func replay<A: Agent>(_ initial: A) -> A {
            var agent = initial
            var outbox = Outbox()
            for message in messages {
                outbox.removeAll()
                agent.handle(message, into: &outbox)
            }
            return agent
        }
        switch self {
        case .supervisor(let agent): return .supervisor(replay(agent))
        case .marketData(let agent): return .marketData(replay(agent))
        case .feature(let agent): return .feature(replay(agent))
        case .signal(let agent): return .signal(replay(agent))
        case .portfolioRisk(let agent): return .portfolioRisk(replay(agent))
        case .execution(let agent): return .execution(replay(agent))
        case .compliance(let agent): return .compliance(replay(agent))
        }
    }
}
