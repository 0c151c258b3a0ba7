import StrategyDSL

/// The agent DAG of a plan: which node consumes and emits which topic.
///
/// MarketData → Feature → Signal → PortfolioRisk → Execution; Compliance consumes everything;
/// the Supervisor watches alerts and heartbeats. One node per data source, feature and signal,
/// so a reload that edits one feature rebuilds only that node.
public enum AgentLayout {
    public static let topics = [
        "market.raw", "features.candles", "features.micro", "signal.long", "signal.short", "signal.flat",
        "portfolio.target", "risk.alert", "execution.order", "execution.fill", "execution.error",
        "supervisor.command", "compliance.audit", "heartbeat",
    ]

    static func nodes(for checked: CheckedStrategy, signals: [SignalPlan]) -> [PlanNode] {
        let spec = checked.spec
        var nodes: [PlanNode] = [
            PlanNode(name: "supervisor", role: .supervisor,
                     parameters: ["heartbeat_us": "\(spec.supervisor.heartbeatMicroseconds)", "max_restarts": "\(spec.supervisor.maxRestarts)"],
                     inputs: [], consumes: ["risk.alert", "execution.error", "heartbeat"], emits: ["supervisor.command"]),
        ]
        for source in spec.dataSources {
            nodes.append(PlanNode(name: "data.\(source.name.value)", role: .marketData,
                                  parameters: ["source": "\(source.kind)", "instrument": source.instrument, "interval": source.interval.value,
                                               "timezone": source.timezone, "calendar": source.calendar.rawValue,
                                               "anomalies": "\(source.anomalies)", "gaps": source.gaps.rawValue],
                                  inputs: [], consumes: [], emits: ["market.raw"]))
        }
        for feature in checked.features {
            nodes.append(PlanNode(name: "feature.\(feature.name)", role: .feature,
                                  parameters: ["expression": feature.expression.canonical],
                                  inputs: feature.dependencies.map { "feature.\($0)" } + ["market.raw"],
                                  consumes: ["market.raw"], emits: ["features.candles"], warmup: feature.lookback))
        }
        for (checkedSignal, plan) in zip(checked.signals, signals) {
            var parameters = ["instrument": plan.instrument, "trade": "\(plan.trade)"]
            switch checkedSignal.spec.kind {
            case .rule(let long, let short, let flat):
                parameters["long"] = long?.canonical ?? ""
                parameters["short"] = short?.canonical ?? ""
                parameters["flat"] = flat?.canonical ?? ""
            case .model(let alias, let output, let longAbove, let shortBelow):
                let model = checked.models[alias.value]
                parameters["model"] = model.map { "\($0.name)@\($0.version)#\($0.manifestHash)" } ?? alias.value
                parameters["output"] = output ?? ""
                parameters["long_above"] = longAbove.map { "\($0)" } ?? ""
                parameters["short_below"] = shortBelow.map { "\($0)" } ?? ""
            case .ensemble(let members, let vote, let weights, let threshold, let tie):
                parameters["members"] = members.map(\.value).joined(separator: ",")
                parameters["vote"] = vote.rawValue
                parameters["weights"] = (weights ?? []).map { "\($0)" }.joined(separator: ",")
                parameters["threshold"] = "\(threshold)"
                parameters["tie"] = tie.rawValue
            }
            if let gate = checkedSignal.spec.gate {
                parameters["gate"] = "\(gate.regime.value):\(gate.labels.map(\.value).joined(separator: ","))"
            }
            nodes.append(PlanNode(name: "signal.\(plan.name)", role: .signal, parameters: parameters,
                                  inputs: checkedSignal.features.map { "feature.\($0)" } + checkedSignal.members.map { "signal.\($0)" },
                                  consumes: ["features.candles"], emits: ["signal.long", "signal.short", "signal.flat"],
                                  warmup: checkedSignal.lookback))
        }
        nodes.append(PlanNode(name: "portfolio_risk", role: .portfolioRisk,
                              parameters: ["cash": "\(spec.portfolio.cash)", "sizing": "\(spec.risk.sizing)",
                                           "max_leverage": "\(spec.risk.leverageLimit)",
                                           "max_position": spec.risk.maxPosition.map { "\($0.value)" } ?? "",
                                           "max_position_notional": spec.risk.maxPositionNotional.map { "\($0.value)" } ?? "",
                                           "max_order_notional": spec.risk.maxOrderNotional.map { "\($0.value)" } ?? "",
                                           "order_rate": spec.risk.orderRate.map { "\($0.count)/\($0.perMicroseconds)" } ?? "",
                                           "var": spec.risk.valueAtRisk.map { "\($0)" } ?? "",
                                           "max_drawdown": spec.risk.maxDrawdown.map { "\($0.limit):\($0.action.rawValue)" } ?? ""],
                              inputs: signals.filter(\.trade).map { "signal.\($0.name)" },
                              consumes: ["signal.long", "signal.short", "signal.flat", "execution.fill", "market.raw", "supervisor.command"],
                              emits: ["portfolio.target", "risk.alert"]))
        nodes.append(PlanNode(name: "execution", role: .execution,
                              parameters: ["algo": "\(spec.execution.algorithm)", "venue": "\(spec.execution.venue)",
                                           "kill_switch": "\(spec.execution.killSwitch)"],
                              inputs: ["portfolio_risk"],
                              consumes: ["portfolio.target", "market.raw", "supervisor.command"],
                              emits: ["execution.order", "execution.fill", "execution.error"]))
        nodes.append(PlanNode(name: "compliance", role: .compliance,
                              parameters: ["audit": "\(spec.compliance.audit)", "blotter": "\(spec.compliance.blotter)"],
                              inputs: ["portfolio_risk", "execution"],
                              consumes: ["signal.long", "signal.short", "signal.flat", "portfolio.target", "risk.alert",
                                         "execution.order", "execution.fill", "execution.error", "supervisor.command"],
                              emits: ["compliance.audit"]))
        return nodes
    }
}
