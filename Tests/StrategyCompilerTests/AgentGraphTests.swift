import StrategyCompiler
import Testing

/// The agent DAG of a one-feature strategy, its edges listed by hand from DESIGN.md's table of
/// who consumes and emits what.
struct AgentGraphTests {
    @Test func edgesFollowTheTopicsEachAgentConsumesAndEmits() throws {
        let plan = try PlanDiffTests.plan("  fast: sma(close, 10)\n  slow: sma(close, 30)", signals: "    long: fast > slow")
        let graph = AgentGraph(plan)
        let edges = Set(graph.edges.map { "\($0.from) -> \($0.to): \($0.topics.joined(separator: ","))" })
        let expected: Set<String> = [
            "data.goog -> feature.fast: market.raw", "data.goog -> feature.slow: market.raw",
            "data.goog -> portfolio_risk: market.raw", "data.goog -> execution: market.raw",
            "feature.fast -> signal.trend: features.candles", "feature.slow -> signal.trend: features.candles",
            "signal.trend -> portfolio_risk: signal.long,signal.short,signal.flat",
            "signal.trend -> compliance: signal.long,signal.short,signal.flat",
            "portfolio_risk -> execution: portfolio.target", "portfolio_risk -> compliance: portfolio.target,risk.alert",
            "portfolio_risk -> supervisor: risk.alert",
            "execution -> portfolio_risk: execution.fill", "execution -> supervisor: execution.error",
            "execution -> compliance: execution.order,execution.fill,execution.error",
            "supervisor -> portfolio_risk: supervisor.command", "supervisor -> execution: supervisor.command",
            "supervisor -> compliance: supervisor.command",
        ]
        #expect(edges == expected, "\(edges.symmetricDifference(expected))")
        #expect(graph.mermaid().hasPrefix("flowchart LR"))
        #expect(graph.dot().contains("\"data.goog\" -> \"feature.fast\" [label=\"market.raw\"]"))
    }
}
