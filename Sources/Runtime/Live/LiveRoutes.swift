import Agents

/// The subscription table of the actor runner: which agents take each topic, in the order the
/// fused runner hands it to them, and which topics the run's observers see.
///
/// The order matters: within one wave an agent's outputs join the next wave after those of the
/// agents before it in this list, exactly as the fused runner appends them to its queue. The
/// parity tests (Tests/RuntimeTests/LiveRunnerParityTests) hold the two tables together.
enum LiveRoutes {
    static func subscribers(_ topic: Topic) -> [AgentID] {
        switch topic {
        case .marketRaw: [.execution, .portfolioRisk, .feature]
        case .featuresCandles, .featuresMicro: [.signal]
        case .signalLong, .signalShort, .signalFlat: [.portfolioRisk, .compliance]
        case .portfolioTarget: [.execution, .compliance]
        case .executionFill: [.portfolioRisk, .supervisor, .compliance]
        case .executionError, .riskAlert: [.supervisor, .compliance]
        case .executionOrder, .portfolioTrade: [.compliance]
        case .supervisorCommand: [.portfolioRisk, .execution, .compliance, .supervisor]
        case .clock: [.portfolioRisk]
        case .portfolioEquity, .complianceAudit, .heartbeat: []
        }
    }

    /// Whether a run's observers receive messages of `topic` (what the fused runner's sink receives).
    static func isObserved(_ topic: Topic) -> Bool {
        switch topic {
        case .featuresCandles, .featuresMicro, .portfolioTarget, .heartbeat: false
        default: true
        }
    }

    /// The agents that run as actors, in the Supervisor's start order.
    static var startOrder: [AgentID] { StartOrder.agents }
}
