import Indicators
import StrategyDSL

/// The checked strategy as a graph a person can look at: bar columns → indicator computations
/// and features → models and regimes → signals → ensembles, each node with its warm-up in bars.
/// An indicator call written in several places (`sma(close, 20)` in two features) is one node,
/// as it is one computation. `stratum graph` renders it as Graphviz, Mermaid or JSON.
public struct FeatureGraphExport: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case column, feature, computation, model, regime, signal, ensemble
    }

    public struct Node: Sendable, Equatable {
        /// Stable and unique: `column:close`, `feature:fast`, `computation:sma(close,20)`, `signal:trend`.
        public var id: String
        public var kind: Kind
        public var label: String
        /// Bars before the node has its first valid value.
        public var warmup: Int
    }

    public struct Edge: Sendable, Hashable {
        public enum Role: String, Sendable {
            case input, model, shadow, gate, member
        }

        public var from: String
        public var to: String
        public var role: Role
        /// The output read, for multi-output sources (`macd.hist` reads `hist`).
        public var output: String?
    }

    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []
    public let strategy: String
    public let warmup: Int

    public init(_ checked: CheckedStrategy) {
        strategy = checked.spec.name.value
        warmup = checked.warmup
        var builder = Builder(checked: checked)
        builder.build()
        nodes = builder.nodes
        edges = builder.edges
    }

    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }
}

/// Walks features, models, regimes and signals in dependency order, adding each node once.
private struct Builder {
    let checked: CheckedStrategy
    var nodes: [FeatureGraphExport.Node] = []
    var edges: [FeatureGraphExport.Edge] = []
    private var index: [String: Int] = [:]
    private var edgeSet = Set<FeatureGraphExport.Edge>()
    /// Canonical call text (without an output selector) → the node computing it.
    private var computations: [String: String] = [:]
    private var expressions: ExpressionChecker
    private let scope: [String: ExpressionChecker.Symbol]

    init(checked: CheckedStrategy) {
        self.checked = checked
        expressions = ExpressionChecker(composites: checked.composites)
        var scope = Dictionary(uniqueKeysWithValues: ExpressionChecker.columns.map { ($0, ExpressionChecker.Symbol.column) })
        for feature in checked.features { scope[feature.name] = .feature(feature) }
        self.scope = scope
    }

    mutating func build() {
        for feature in checked.features { addFeature(feature) }
        for alias in checked.spec.models { addModel(alias) }
        for regime in checked.spec.regimes { addRegime(regime) }
        let signals = Dictionary(checked.signals.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var done = Set<String>()
        for signal in checked.signals { addSignal(signal, all: signals, done: &done) }
    }

    // MARK: Nodes and edges

    @discardableResult
    private mutating func add(_ id: String, _ kind: FeatureGraphExport.Kind, _ label: String, warmup: Int) -> String {
        if index[id] == nil {
            index[id] = nodes.count
            nodes.append(.init(id: id, kind: kind, label: label, warmup: warmup))
        }
        return id
    }

    private mutating func connect(_ from: String, _ to: String, _ role: FeatureGraphExport.Edge.Role = .input, output: String? = nil) {
        let edge = FeatureGraphExport.Edge(from: from, to: to, role: role, output: output)
        if edgeSet.insert(edge).inserted { edges.append(edge) }
    }

    private func warmup(of id: String) -> Int { index[id].map { nodes[$0].warmup } ?? 0 }

    private mutating func column(_ name: String) -> String {
        add("column:\(name)", .column, name, warmup: 0)
    }

    // MARK: Features and computations

    private mutating func addFeature(_ feature: CheckedFeature) {
        let id = "feature:\(feature.name)"
        if case .call(let name, let arguments, nil) = feature.expression.kind, computations[feature.expression.canonical] == nil {
            // A feature that is one call is that computation: later uses of the same call read the feature.
            computations[feature.expression.canonical] = id
            add(id, .feature, feature.name, warmup: feature.lookback)
            for (source, output) in callInputs(name, arguments) { connect(source, id, output: output) }
            return
        }
        add(id, .feature, feature.name, warmup: feature.lookback)
        for (source, output) in inputs(of: feature.expression) { connect(source, id, output: output) }
    }

    /// The nodes an expression reads, creating a computation node for every call inside it.
    private mutating func inputs(of node: ExpressionNode) -> [(String, String?)] {
        switch node.kind {
        case .number:
            return []
        case .reference(let name, let output):
            if ExpressionChecker.columns.contains(name) { return [(column(name), nil)] }
            return checked.feature(name) == nil ? [] : [("feature:\(name)", output)]
        case .call(let name, let arguments, let output):
            return [(computation(name, arguments, at: node.range), output)]
        case .unary(_, let operand):
            return inputs(of: operand)
        case .binary(_, let lhs, let rhs):
            return inputs(of: lhs) + inputs(of: rhs)
        case .lag(let inner, _):
            return inputs(of: inner)
        }
    }

    private mutating func computation(_ name: String, _ arguments: [ExpressionNode], at range: SourceRange) -> String {
        let call = ExpressionNode(.call(name: name, arguments: arguments, output: nil), range)
        if let existing = computations[call.canonical] { return existing }
        let lookback = expressions.analyze(call, scope: scope, allowMultiOutput: true)?.lookback ?? 0
        let id = add("computation:\(call.canonical)", .computation, call.canonical, warmup: lookback)
        computations[call.canonical] = id
        for (source, output) in callInputs(name, arguments) { connect(source, id, output: output) }
        return id
    }

    /// Series arguments, plus the bar columns that bar indicators and composites read themselves.
    private mutating func callInputs(_ name: String, _ arguments: [ExpressionNode]) -> [(String, String?)] {
        if let spec = IndicatorCatalog.spec(named: name) {
            switch spec.input {
            case .series(let count): return arguments.prefix(count).flatMap { inputs(of: $0) }
            case .bar(let fields): return fields.map { (column($0.rawValue), nil) }
            }
        }
        if let composite = checked.composites[name] {
            var seen = Set<String>()
            return columns(readBy: composite, seen: &seen).map { (column($0), nil) }
        }
        return arguments.flatMap { inputs(of: $0) }
    }

    /// Bar columns a composite reads, through the indicators and composites it calls.
    private func columns(readBy composite: CompositeIndicator, seen: inout Set<String>) -> [String] {
        guard seen.insert(composite.name.value).inserted else { return [] }
        var found = Set<String>()
        for (_, expression) in composite.outputs {
            var nested: [CompositeIndicator] = []
            expression.walk { node in
                switch node.kind {
                case .reference(let name, _) where ExpressionChecker.columns.contains(name):
                    found.insert(name)
                case .call(let name, _, _):
                    if case .bar(let fields)? = IndicatorCatalog.spec(named: name)?.input { fields.forEach { found.insert($0.rawValue) } }
                    if let inner = checked.composites[name] { nested.append(inner) }
                default:
                    break
                }
            }
            for inner in nested { found.formUnion(columns(readBy: inner, seen: &seen)) }
        }
        return ExpressionChecker.columns.filter(found.contains)
    }

    // MARK: Models, regimes, signals

    private mutating func addModel(_ alias: ModelAliasSpec) {
        let id = "model:\(alias.name.value)"
        guard let info = checked.models[alias.name.value] else {
            add(id, .model, "\(alias.name.value) = \(alias.reference.value)", warmup: 0)
            return
        }
        var sources: [(String, String?)] = []
        for feature in info.features {
            let parts = feature.split(separator: ".", maxSplits: 1).map(String.init)
            if checked.feature(parts[0]) != nil { sources.append(("feature:\(parts[0])", parts.count > 1 ? parts[1] : nil)) }
        }
        add(id, .model, "\(alias.name.value) = \(info.name)@\(info.version)", warmup: sources.map { warmup(of: $0.0) }.max() ?? 0)
        for (source, output) in sources { connect(source, id, output: output) }
    }

    private mutating func addRegime(_ regime: RegimeSpec) {
        let id = "regime:\(regime.name.value)"
        let warmup = RegimeWarmup.bars(regime, models: checked.models, features: checked.features)
        switch regime.kind {
        case .volatility(let window, let lookback, let quantiles):
            let cuts = quantiles.map { ExpressionChecker.format($0 * 100) + "%" }.joined(separator: ", ")
            add(id, .regime, "\(regime.name.value): volatility \(window) bars, cuts \(cuts) of \(lookback)", warmup: warmup)
            connect(column("close"), id)
        case .trend(let method, let period, let threshold):
            add(id, .regime, "\(regime.name.value): \(method)(\(period)) > \(ExpressionChecker.format(threshold))", warmup: warmup)
            for name in method == "adx" ? ["high", "low", "close"] : ["close"] { connect(column(name), id) }
        case .model(let alias):
            let model = "model:\(alias.value)"
            add(id, .regime, "\(regime.name.value): model \(alias.value)", warmup: warmup)
            if index[model] != nil { connect(model, id, .model) }
        }
    }

    /// Members first, so an ensemble's warm-up covers theirs.
    private mutating func addSignal(_ signal: CheckedSignal, all: [String: CheckedSignal], done: inout Set<String>) {
        guard done.insert(signal.name).inserted else { return }
        for member in signal.members { if let inner = all[member] { addSignal(inner, all: all, done: &done) } }
        let id = "signal:\(signal.name)"
        var sources: [(String, String?, FeatureGraphExport.Edge.Role)] = []
        switch signal.spec.kind {
        case .rule(let long, let short, let flat):
            for expression in [long, short, flat].compactMap({ $0 }) {
                sources += inputs(of: expression).map { ($0.0, $0.1, .input) }
            }
        case .model(let alias, let output, _, _):
            sources.append(("model:\(alias.value)", output, .model))
        case .ensemble(let members, _, _, _, _):
            sources += members.map { ("signal:\($0.value)", nil, .member) }
        }
        sources += signal.spec.shadows.map { ("model:\($0.value)", nil, .shadow) }
        if let gate = signal.spec.gate { sources.append(("regime:\(gate.regime.value)", nil, .gate)) }
        sources = sources.filter { index[$0.0] != nil }
        let isEnsemble = if case .ensemble = signal.spec.kind { true } else { false }
        let inherited = sources.filter { $0.2 != .shadow }.map { warmup(of: $0.0) }.max() ?? 0
        add(id, isEnsemble ? .ensemble : .signal, signal.name, warmup: max(signal.lookback, inherited))
        for (source, output, role) in sources { connect(source, id, role, output: output) }
    }
}
