import Indicators
import ModelRegistry
import StrategyDSL

/// Checked strategy → `Plan`: lowers features, signal rules, model inputs and regimes into one
/// feature program, and lays out the seven agents with their topics and identities.
public enum Planner {
    public enum PlanningError: Error, CustomStringConvertible {
        case lowering(String)
        case unresolvedModel(String)

        public var description: String {
            switch self {
            case .lowering(let message): message
            case .unresolvedModel(let alias): "model '\(alias)' is not resolved; check the registry with `stratum lint`"
            }
        }
    }

    public static func plan(_ checked: CheckedStrategy) throws -> Plan {
        var builder = FeatureProgramBuilder(composites: checked.composites)
        let spec = checked.spec
        do {
            var columns: [FeatureColumn] = []
            var registers: [String: Int] = [:]
            for feature in checked.features {
                builder.declareOutputs(feature.outputs, of: feature.name)
                registers[feature.name] = try builder.add(feature)
            }
            // Columns follow declaration order, not dependency order.
            for declared in spec.features {
                guard let feature = checked.feature(declared.name.value), let first = registers[feature.name] else { continue }
                if feature.outputs.isEmpty {
                    columns.append(FeatureColumn(name: feature.name, register: first))
                } else {
                    for (offset, output) in feature.outputs.enumerated() {
                        columns.append(FeatureColumn(name: "\(feature.name).\(output)", register: first + offset))
                    }
                }
            }
            func modelInput(_ alias: String) throws -> ModelInput {
                guard let model = checked.models[alias] else { throw PlanningError.unresolvedModel(alias) }
                let inputs = try model.features.map { name -> Int in
                    let base = String(name.split(separator: ".")[0])
                    guard let register = builder.register(forFeature: name, outputs: checked.feature(base)?.outputs ?? []) else {
                        throw PlanningError.lowering("model \(model.name)@\(model.version) reads '\(name)', which no feature provides")
                    }
                    return register
                }
                return ModelInput(alias: alias, model: model, registers: inputs)
            }
            var regimes: [RegimePlan] = []
            for regime in spec.regimes {
                let kind: RegimePlan.Kind
                switch regime.kind {
                case .volatility(let window, let lookback, let quantiles):
                    let register = try builder.add(Synthetic.call("realvol", [Synthetic.column("close"), Synthetic.number(Double(window))]))
                    kind = .volatility(register: register, lookback: lookback, quantiles: quantiles)
                case .trend(let method, let period, let threshold):
                    let measure = method == "adx"
                        ? Synthetic.call("adx", [Synthetic.number(Double(period))], output: "adx")
                        : Synthetic.slope(period)
                    kind = .trend(register: try builder.add(measure), threshold: threshold)
                case .model(let alias):
                    kind = .model(try modelInput(alias.value))
                }
                regimes.append(RegimePlan(name: regime.name.value, kind: kind, labels: regime.labels))
            }
            let defaultInstrument = spec.dataSources.first?.instrument ?? ""
            let signalIndex = Dictionary(spec.signals.enumerated().map { ($1.name.value, $0) }, uniquingKeysWith: { a, _ in a })
            var signals: [SignalPlan] = []
            var warmup = checked.warmup
            for checkedSignal in checked.signals {
                let signal = checkedSignal.spec
                let kind: SignalPlan.Kind
                switch signal.kind {
                case .rule(let long, let short, let flat):
                    kind = .rule(long: try long.map { try builder.add($0) }, short: try short.map { try builder.add($0) },
                                 flat: try flat.map { try builder.add($0) })
                case .model(let alias, let output, let longAbove, let shortBelow):
                    let input = try modelInput(alias.value)
                    let outputIndex = output.flatMap { input.model.outputs.firstIndex(of: $0) } ?? 0
                    kind = .model(input, output: outputIndex, longAbove: longAbove, shortBelow: shortBelow)
                    let lookback = input.model.features.compactMap { checked.feature(String($0.split(separator: ".")[0]))?.lookback }.max() ?? 0
                    warmup = max(warmup, lookback)
                case .ensemble(let members, let vote, let weights, let threshold, let tie):
                    kind = .ensemble(members: members.compactMap { signalIndex[$0.value] }, vote: vote,
                                     weights: weights ?? Array(repeating: 1, count: members.count), threshold: threshold, tie: tie)
                }
                var gate: (Int, Set<Int>)?
                if let rule = signal.gate, let regimeIndex = regimes.firstIndex(where: { $0.name == rule.regime.value }) {
                    let labels = regimes[regimeIndex].labels
                    gate = (regimeIndex, Set(rule.labels.compactMap { labels.firstIndex(of: $0.value) }))
                }
                signals.append(SignalPlan(name: signal.name.value, kind: kind, instrument: signal.instrument?.value ?? defaultInstrument,
                                          trade: signal.trade, gate: gate, shadows: try signal.shadows.map { try modelInput($0.value) }))
            }
            var read = Set(checked.signals.flatMap(\.features))
            for input in signals.flatMap(Self.modelInputs) { input.model.features.forEach { read.insert(String($0.split(separator: ".")[0])) } }
            let firstTradingBar = checked.features.filter { read.contains($0.name) }.map(\.lookback).max() ?? 0
            let nodes = AgentLayout.nodes(for: checked, signals: signals)
            let hash = SHA256.hex(nodes.map(\.identity).joined(separator: ","))
            return Plan(strategy: checked, program: builder.build(), columns: columns, signals: signals, regimes: regimes,
                        nodes: nodes, warmup: warmup, firstTradingBar: firstTradingBar, hash: hash)
        } catch let error as PlanningError {
            throw error
        } catch {
            throw PlanningError.lowering("\(error)")
        }
    }
}

extension Planner {
    static func modelInputs(_ signal: SignalPlan) -> [ModelInput] {
        if case .model(let input, _, _, _) = signal.kind { return [input] + signal.shadows }
        return signal.shadows
    }
}

/// Expressions the planner writes itself (regime measures); they carry no source position.
enum Synthetic {
    static let nowhere = SourceRange(file: "<plan>", start: SourceLocation(line: 1, column: 1), length: 1)

    static func number(_ value: Double) -> ExpressionNode { ExpressionNode(.number(value), nowhere) }
    static func column(_ name: String) -> ExpressionNode { ExpressionNode(.reference(name: name, output: nil), nowhere) }

    static func call(_ name: String, _ arguments: [ExpressionNode], output: String? = nil) -> ExpressionNode {
        ExpressionNode(.call(name: name, arguments: arguments, output: output), nowhere)
    }

    /// SMA slope in percent per bar: (sma − sma[1]) / sma[1] × 100.
    static func slope(_ period: Int) -> ExpressionNode {
        let average = call("sma", [column("close"), number(Double(period))])
        let previous = ExpressionNode(.lag(average, bars: 1), nowhere)
        let change = ExpressionNode(.binary(.subtract, average, previous), nowhere)
        let ratio = ExpressionNode(.binary(.divide, change, previous), nowhere)
        return ExpressionNode(.binary(.multiply, ratio, number(100)), nowhere)
    }
}
