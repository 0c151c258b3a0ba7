extension AgentID {
    /// The snake_case name operators read: `/status`, metric labels, incidents and logs.
    /// (On the Redis bus an envelope spells its source in camelCase: docs/messages.md.)
    public var operatorName: String {
        switch self {
        case .supervisor: "supervisor"
        case .marketData: "market_data"
        case .feature: "feature"
        case .signal: "signal"
        case .portfolioRisk: "portfolio_risk"
        case .execution: "execution"
        case .compliance: "compliance"
        case .runner: "runner"
        }
    }
}
