import Agents

/// The names envelopes carry on the wire: topics by their dotted names, agents by these.
extension AgentID {
    /// The agent's wire name (`marketData`, `portfolioRisk`, …), stable across versions.
    public var wireName: String {
        switch self {
        case .supervisor: "supervisor"
        case .marketData: "marketData"
        case .feature: "feature"
        case .signal: "signal"
        case .portfolioRisk: "portfolioRisk"
        case .execution: "execution"
        case .compliance: "compliance"
        case .runner: "runner"
        }
    }

    public init?(wireName: String) {
        guard let agent = AgentID.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = agent
    }
}
