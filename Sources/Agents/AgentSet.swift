import ModelRegistry
import StrategyCompiler

/// The seven agents of one strategy: the whole state of a running plan.
///
/// Every runner holds one: the fused runner in its loop, the actor runner spread over its actors,
/// a restart restores one, and a hot reload maps the running set to the set of the new plan.
public struct AgentSet: Sendable {
    public var marketData: MarketDataAgent
    public var feature: FeatureAgent
    public var signal: SignalAgent
    public var portfolio: PortfolioRiskAgent
    public var execution: ExecutionAgent
    public var compliance: ComplianceAgent
    public var supervisor: SupervisorAgent

    public init(
        marketData: MarketDataAgent, feature: FeatureAgent, signal: SignalAgent, portfolio: PortfolioRiskAgent,
        execution: ExecutionAgent, compliance: ComplianceAgent, supervisor: SupervisorAgent
    ) {
        self.marketData = marketData
        self.feature = feature
        self.signal = signal
        self.portfolio = portfolio
        self.execution = execution
        self.compliance = compliance
        self.supervisor = supervisor
    }

    /// Fresh agents for `plan`: nothing seen yet, the portfolio at its starting cash.
    public init(plan: Plan, evaluators: [String: any ModelEvaluator]) {
        let killSwitch = plan.spec.execution.killSwitch
        self.init(
            marketData: MarketDataAgent(plan: plan),
            feature: FeatureAgent(program: plan.program, instruments: plan.spec.dataSources.count),
            signal: SignalAgent(plan: plan, evaluators: evaluators),
            portfolio: PortfolioRiskAgent(config: PortfolioConfig(plan: plan)),
            execution: ExecutionAgent(config: ExecutionConfig(plan: plan)),
            compliance: ComplianceAgent(enabled: plan.spec.compliance.audit),
            supervisor: SupervisorAgent(maxRejects: killSwitch.maxRejects, onDrawdown: killSwitch.onDrawdown, action: killSwitch.action))
    }
}
