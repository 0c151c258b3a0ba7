/// The order in which a runner starts the agents of a strategy, and the order in which it stops them.
///
/// Data rather than code, so every runner (actors, processes) follows the same lists.
public enum StartOrder {
    /// Supervisor, MarketData, Feature, Signal, PortfolioRisk, Execution, Compliance: the
    /// Supervisor first so it watches every other start, then each agent after the ones whose
    /// output it consumes, so nothing it needs arrives before it can take it.
    public static let agents: [AgentID] = [.supervisor, .marketData, .feature, .signal, .portfolioRisk, .execution, .compliance]

    /// MarketData first, Supervisor last: a producer stops before its consumers, so each
    /// consumer drains what was already sent to it, and the Supervisor watches the whole shutdown.
    /// (Not the start order reversed: that would stop Compliance before the orders it must record.)
    public static let stopOrder: [AgentID] = Array(agents.dropFirst()) + [.supervisor]

    /// The agents that must be running before `agent` starts.
    public static func prerequisites(of agent: AgentID) -> [AgentID] {
        guard let index = agents.firstIndex(of: agent) else { return agents }
        return Array(agents[..<index])
    }
}
