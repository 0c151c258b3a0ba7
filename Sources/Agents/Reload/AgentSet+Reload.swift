import Indicators
import ModelRegistry
import StrategyCompiler

/// What a reload kept and what it rebuilt, agent by agent: the detail behind a `PlanDiff`.
public struct ReloadCarry: Sendable, Equatable {
    /// Per instrument, which indicators and lag buffers of the new program kept their state.
    public var features: [FeatureProgram.StateMapping]
    /// Signals that kept their last decision, by name.
    public var keptSignals: [String]
    /// Regimes that kept their history, by name.
    public var keptRegimes: [String]
    /// Data sources whose normaliser (gap and anomaly state) started again, by name.
    public var rebuiltSources: [String]
    /// False when new kill-switch settings could not take over because the switch had tripped.
    public var supervisorReconfigured: Bool

    public init(features: [FeatureProgram.StateMapping], keptSignals: [String], keptRegimes: [String],
                rebuiltSources: [String], supervisorReconfigured: Bool) {
        self.features = features
        self.keptSignals = keptSignals
        self.keptRegimes = keptRegimes
        self.rebuiltSources = rebuiltSources
        self.supervisorReconfigured = supervisorReconfigured
    }
}

extension AgentSet {
    /// The agents of `newPlan`, continuing these (the agents of `oldPlan`) between two bars.
    ///
    /// - Features: shared computations keep their windows; the rest are warmed up on `recentBars`.
    /// - Signals and regimes: unchanged ones keep their last decision and history.
    /// - PortfolioRisk, Execution, Compliance: always the new settings, always the old account:
    ///   cash, positions, open orders, equity, drawdown state and counts carry over.
    /// - MarketData: sources whose node changed start their gap and anomaly state again.
    /// - Supervisor: see `SupervisorAgent.reconfigured(to:)`.
    ///
    /// The plans must have the same instruments in the same order (the reloader checks).
    ///
    /// - Parameters:
    ///   - diff: `PlanDiff(from: oldPlan, to: newPlan)`.
    ///   - evaluators: the new plan's models, loaded and verified.
    ///   - recentBars: per instrument, the last bars MarketData passed on, oldest first.
    public func reloaded(from oldPlan: Plan, to newPlan: Plan, diff: PlanDiff, evaluators: [String: any ModelEvaluator],
                         recentBars: [[Bar]]) -> (agents: AgentSet, carry: ReloadCarry) {
        let fresh = AgentSet(plan: newPlan, evaluators: evaluators)
        let unchanged = Set(diff.unchanged)

        let sources = newPlan.spec.dataSources
        let rebuiltSources = sources.indices.filter { !unchanged.contains("data.\(sources[$0].name.value)") }
        let marketData = marketData.reloading(sources: Set(rebuiltSources), from: fresh.marketData)

        let (feature, mappings) = feature.reloaded(with: newPlan.program, recentBars: recentBars)

        let keptSignals = newPlan.signals.map(\.name).filter { unchanged.contains("signal.\($0)") }
        let keptRegimes = Self.unchangedRegimes(from: oldPlan, to: newPlan)
        let signal = fresh.signal.carrying(from: signal, signals: Set(keptSignals), regimes: Set(keptRegimes))

        let supervisor = supervisor.reconfigured(to: fresh.supervisor)
        let agents = AgentSet(
            marketData: marketData, feature: feature, signal: signal,
            portfolio: fresh.portfolio.carrying(from: portfolio),
            execution: fresh.execution.carrying(from: execution),
            compliance: fresh.compliance.carrying(from: compliance),
            supervisor: supervisor)
        let carry = ReloadCarry(features: mappings, keptSignals: keptSignals, keptRegimes: keptRegimes,
                                rebuiltSources: rebuiltSources.map { sources[$0].name.value },
                                supervisorReconfigured: supervisor.hasSameSettings(as: fresh.supervisor))
        return (agents, carry)
    }

    /// Regimes with the same name, labels and settings whose measure is computed the same way.
    static func unchangedRegimes(from oldPlan: Plan, to newPlan: Plan) -> [String] {
        let oldKeys = oldPlan.program.stateKeys.registers, newKeys = newPlan.program.stateKeys.registers
        let before = Dictionary(oldPlan.regimes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return newPlan.regimes.filter { regime in
            guard let previous = before[regime.name], previous.labels == regime.labels else { return false }
            switch (previous.kind, regime.kind) {
            case (.volatility(let a, let lookbackA, let quantilesA), .volatility(let b, let lookbackB, let quantilesB)):
                return oldKeys[a] == newKeys[b] && lookbackA == lookbackB && quantilesA == quantilesB
            case (.trend(let a, let thresholdA), .trend(let b, let thresholdB)):
                return oldKeys[a] == newKeys[b] && thresholdA == thresholdB
            case (.model(let a), .model(let b)):
                return a.alias == b.alias && a.model == b.model && a.registers.map { oldKeys[$0] } == b.registers.map { newKeys[$0] }
            default:
                return false
            }
        }.map(\.name)
    }
}
