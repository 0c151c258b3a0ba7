import Indicators
import StrategyDSL

/// Resolves names and calls in one expression, infers its type and computes its lookback.
/// One instance checks a whole strategy, so composite indicators are expanded once per parameter set.
struct ExpressionChecker {
    /// What a name means where it is used.
    enum Symbol {
        case column
        case feature(CheckedFeature)
        case parameter(Double)
        /// A feature that failed its own checks: readers stay quiet instead of repeating the error.
        case broken
    }

    struct Analysis {
        var type: ValueType
        var lookback: Int
        /// Non-empty when the expression is a multi-output call with no output chosen.
        var outputs: [String]
        var features: Set<String>
    }

    static let columns = ["open", "high", "low", "close", "volume"]
    static let mathFunctions = ["abs", "log", "exp", "sqrt"]

    let composites: [String: CompositeIndicator]
    var diagnostics: [Diagnostic] = []
    private var expanding: [String] = []

    init(composites: [String: CompositeIndicator]) {
        self.composites = composites
    }

    /// All function names a user can call, for did-you-mean.
    var callableNames: [String] {
        IndicatorCatalog.all.map(\.name) + Self.mathFunctions + composites.keys.sorted()
    }

    mutating func analyze(_ node: ExpressionNode, scope: [String: Symbol], allowMultiOutput: Bool) -> Analysis? {
        switch node.kind {
        case .number:
            return Analysis(type: .number, lookback: 0, outputs: [], features: [])
        case .reference(let name, let output):
            return reference(name, output: output, node: node, scope: scope, allowMultiOutput: allowMultiOutput)
        case .call(let name, let arguments, let output):
            return call(name, arguments: arguments, output: output, node: node, scope: scope, allowMultiOutput: allowMultiOutput)
        case .unary(let op, let operand):
            guard let inner = analyze(operand, scope: scope, allowMultiOutput: false) else { return nil }
            let wanted: ValueType = op == .not ? .condition : .number
            guard inner.type == wanted else {
                diagnostics.append(op == .not
                    ? Diagnostic(.booleanMisuse, "'not' needs a condition, but this is a number; compare it first (e.g. x > 0)", at: operand.range)
                    : Diagnostic(.booleanMisuse, "cannot negate a condition; use 'not'", at: node.range, suggestion: nil))
                return nil
            }
            return Analysis(type: wanted, lookback: inner.lookback, outputs: [], features: inner.features)
        case .binary(let op, let lhs, let rhs):
            let left = analyze(lhs, scope: scope, allowMultiOutput: false)
            let right = analyze(rhs, scope: scope, allowMultiOutput: false)
            guard let left, let right else { return nil }
            let operandType: ValueType = op.isLogical ? .condition : .number
            for (side, analysis) in [(lhs, left), (rhs, right)] where analysis.type != operandType {
                let message = op.isLogical
                    ? "'\(op.rawValue)' combines conditions, but this is a number; compare it first (e.g. x > 0)"
                    : "'\(op.rawValue)' needs numbers, but this is a condition"
                diagnostics.append(Diagnostic(.booleanMisuse, message, at: side.range))
                return nil
            }
            let type: ValueType = op.isLogical || op.isComparison ? .condition : .number
            return Analysis(type: type, lookback: max(left.lookback, right.lookback), outputs: [],
                            features: left.features.union(right.features))
        case .lag(let inner, let bars):
            guard let analysis = analyze(inner, scope: scope, allowMultiOutput: false) else { return nil }
            return Analysis(type: analysis.type, lookback: analysis.lookback + max(bars, 0), outputs: [], features: analysis.features)
        }
    }

    private mutating func reference(_ name: String, output: String?, node: ExpressionNode,
                                    scope: [String: Symbol], allowMultiOutput: Bool) -> Analysis? {
        guard let symbol = scope[name] else {
            let guess = Spelling.closest(to: name, in: scope.keys)
            var message = "unknown feature '\(name)'"
            if let guess { message += "; did you mean '\(guess)'?" }
            var notes: [Diagnostic.Note] = []
            if guess == nil {
                notes.append(.init("known names: \(scope.keys.sorted().joined(separator: ", "))"))
            }
            if IndicatorCatalog.spec(named: name) != nil || composites[name] != nil {
                notes.append(.init("'\(name)' is an indicator; call it with arguments, e.g. \(name)(...)"))
            }
            diagnostics.append(Diagnostic(.unknownReference, message, at: node.range, notes: notes, suggestion: guess))
            return nil
        }
        switch symbol {
        case .broken:
            return nil
        case .column, .parameter:
            if let output {
                diagnostics.append(Diagnostic(.unknownOutput, "'\(name)' has no outputs; remove '.\(output)'", at: node.range))
                return nil
            }
            return Analysis(type: .number, lookback: 0, outputs: [], features: [])
        case .feature(let feature):
            return select(output, from: feature.outputs, of: "feature '\(name)'", node: node, allowMultiOutput: allowMultiOutput,
                          base: Analysis(type: feature.type, lookback: feature.lookback, outputs: feature.outputs, features: [name]))
        }
    }

    /// Applies `.output` to something with `outputs`, checking the name.
    private mutating func select(_ output: String?, from outputs: [String], of what: String, node: ExpressionNode,
                                 allowMultiOutput: Bool, base: Analysis) -> Analysis? {
        var result = base
        if let output {
            guard !outputs.isEmpty else {
                diagnostics.append(Diagnostic(.unknownOutput, "\(what) has a single output; remove '.\(output)'", at: node.range))
                return nil
            }
            guard outputs.contains(output) else {
                let guess = Spelling.closest(to: output, in: outputs)
                diagnostics.append(Diagnostic(.unknownOutput,
                                              "\(what) has no output '\(output)'; its outputs are \(outputs.joined(separator: ", "))",
                                              at: node.range, suggestion: guess))
                return nil
            }
            result.outputs = []
            return result
        }
        if !outputs.isEmpty && !allowMultiOutput {
            diagnostics.append(Diagnostic(.missingOutput,
                                          "\(what) has several outputs (\(outputs.joined(separator: ", "))); choose one, e.g. .\(outputs[0])",
                                          at: node.range))
            return nil
        }
        return result
    }

    private mutating func call(_ name: String, arguments: [ExpressionNode], output: String?, node: ExpressionNode,
                               scope: [String: Symbol], allowMultiOutput: Bool) -> Analysis? {
        if Self.mathFunctions.contains(name) {
            guard arguments.count == 1 else {
                diagnostics.append(Diagnostic(.wrongArguments, "\(name)(x) takes one argument, found \(arguments.count)", at: node.range))
                return nil
            }
            guard let inner = analyze(arguments[0], scope: scope, allowMultiOutput: false) else { return nil }
            guard inner.type == .number else {
                diagnostics.append(Diagnostic(.booleanMisuse, "\(name)(x) needs a number, not a condition", at: arguments[0].range))
                return nil
            }
            return select(output, from: [], of: "\(name)()", node: node, allowMultiOutput: allowMultiOutput,
                          base: Analysis(type: .number, lookback: inner.lookback, outputs: [], features: inner.features))
        }
        if let spec = IndicatorCatalog.spec(named: name) {
            return indicator(spec, arguments: arguments, output: output, node: node, scope: scope, allowMultiOutput: allowMultiOutput)
        }
        if let composite = composites[name] {
            return compositeCall(composite, arguments: arguments, output: output, node: node, scope: scope, allowMultiOutput: allowMultiOutput)
        }
        let guess = Spelling.closest(to: name, in: callableNames)
        var message = "unknown function '\(name)'"
        if let guess { message += "; did you mean '\(guess)'?" }
        var notes: [Diagnostic.Note] = []
        if scope[name] != nil { notes.append(.init("'\(name)' is a feature, not a function; use it without parentheses")) }
        notes.append(.init("composite indicators must be listed under `imports:`"))
        diagnostics.append(Diagnostic(.unknownFunction, message, at: node.range, notes: notes, suggestion: guess))
        return nil
    }

    /// A constant argument: arithmetic over number literals and, inside a composite, its parameters
    /// (`floor(sqrt(period))`); see `ConstantFolding`.
    private mutating func constant(_ node: ExpressionNode, scope: [String: Symbol]) -> Double? {
        let parameters = scope.compactMapValues { symbol -> Double? in
            if case .parameter(let value) = symbol { return value }
            return nil
        }
        return try? ConstantFolding.evaluate(node, scope: parameters).get()
    }

    private func signature(_ spec: IndicatorSpec) -> String {
        var parts: [String] = []
        if case .series(let count) = spec.input {
            parts += count == 1 ? ["series"] : (1...count).map { "series\($0)" }
        }
        parts += spec.parameters.map { p in p.defaultValue.map { "\(p.name)=\(Self.format($0))" } ?? p.name }
        return "\(spec.name)(\(parts.joined(separator: ", ")))"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private mutating func indicator(_ spec: IndicatorSpec, arguments: [ExpressionNode], output: String?, node: ExpressionNode,
                                    scope: [String: Symbol], allowMultiOutput: Bool) -> Analysis? {
        let seriesCount: Int
        if case .series(let count) = spec.input { seriesCount = count } else { seriesCount = 0 }
        let required = seriesCount + spec.parameters.prefix { $0.defaultValue == nil }.count
        let allowed = seriesCount + spec.parameters.count
        guard arguments.count >= required, arguments.count <= allowed else {
            var notes = [Diagnostic.Note("signature: \(signature(spec))")]
            if seriesCount == 0, arguments.count > allowed, let first = arguments.first, constant(first, scope: scope) == nil {
                notes.append(.init("\(spec.name) reads the bar itself; pass only its parameters"))
            }
            diagnostics.append(Diagnostic(.wrongArguments,
                                          "\(spec.name) takes \(required == allowed ? "\(allowed)" : "\(required) to \(allowed)") argument\(allowed == 1 ? "" : "s"), found \(arguments.count)",
                                          at: node.range, notes: notes))
            return nil
        }
        var lookback = 0
        var features = Set<String>()
        var failed = false
        for argument in arguments.prefix(seriesCount) {
            guard let analysis = analyze(argument, scope: scope, allowMultiOutput: false) else { failed = true; continue }
            lookback = max(lookback, analysis.lookback)
            features.formUnion(analysis.features)
        }
        var values: [Double] = []
        for (parameter, argument) in zip(spec.parameters, arguments.dropFirst(seriesCount)) {
            guard let value = constant(argument, scope: scope) else {
                diagnostics.append(Diagnostic(.invalidParameter,
                                              "parameter '\(parameter.name)' of \(spec.name) must be a constant (numbers, parameters, + - * /, floor, round, sqrt)",
                                              at: argument.range, notes: [.init("signature: \(signature(spec))")]))
                failed = true
                continue
            }
            if let problem = Self.problem(with: value, for: parameter) {
                diagnostics.append(Diagnostic(.invalidParameter, "parameter '\(parameter.name)' of \(spec.name) \(problem)", at: argument.range))
                failed = true
            }
            values.append(value)
        }
        guard !failed else { return nil }
        for parameter in spec.parameters.dropFirst(values.count) {
            values.append(parameter.defaultValue ?? 0)
        }
        let isCondition = spec.name == "crossover" || spec.name == "crossunder"
        return select(output, from: spec.outputs, of: "\(spec.name)()", node: node, allowMultiOutput: allowMultiOutput,
                      base: Analysis(type: isCondition ? .condition : .number, lookback: lookback + spec.lookback(values),
                                     outputs: spec.outputs, features: features))
    }

    static func problem(with value: Double, for parameter: IndicatorParameter) -> String? {
        switch parameter.kind {
        case .integer(let min, let max):
            if value != value.rounded() { return "must be a whole number, found \(format(value))" }
            if value < Double(min) || value > Double(max) { return "must be in \(min)...\(max), found \(format(value))" }
        case .real(let min, let max):
            if value < min || value > max { return "must be in \(format(min))...\(format(max)), found \(format(value))" }
        }
        return nil
    }

    private mutating func compositeCall(_ composite: CompositeIndicator, arguments: [ExpressionNode], output: String?,
                                        node: ExpressionNode, scope: [String: Symbol], allowMultiOutput: Bool) -> Analysis? {
        let name = composite.name.value
        guard arguments.count <= composite.parameters.count else {
            diagnostics.append(Diagnostic(.wrongArguments,
                                          "\(name) takes at most \(composite.parameters.count) arguments, found \(arguments.count)",
                                          at: node.range,
                                          notes: [.init("parameters: \(composite.parameters.map(\.name).joined(separator: ", "))", at: composite.name.range)]))
            return nil
        }
        var inner: [String: Symbol] = Dictionary(uniqueKeysWithValues: Self.columns.map { ($0, Symbol.column) })
        var failed = false
        for (index, parameter) in composite.parameters.enumerated() {
            if index < arguments.count {
                guard let value = constant(arguments[index], scope: scope) else {
                    diagnostics.append(Diagnostic(.invalidParameter, "parameter '\(parameter.name)' of \(name) must be a constant (numbers, parameters, + - * /, floor, round, sqrt)",
                                                  at: arguments[index].range))
                    failed = true
                    continue
                }
                if parameter.isInteger && value != value.rounded() {
                    diagnostics.append(Diagnostic(.invalidParameter, "parameter '\(parameter.name)' of \(name) must be a whole number, found \(Self.format(value))",
                                                  at: arguments[index].range))
                    failed = true
                }
                inner[parameter.name] = .parameter(value)
            } else if let value = parameter.defaultValue {
                inner[parameter.name] = .parameter(value)
            } else {
                diagnostics.append(Diagnostic(.wrongArguments, "\(name) needs a value for parameter '\(parameter.name)', which has no default",
                                              at: node.range, notes: [.init("declared here", at: parameter.range)]))
                failed = true
            }
        }
        guard !failed else { return nil }
        if expanding.contains(name) {
            diagnostics.append(Diagnostic(.importCycle, "composite indicators call each other in a cycle: \((expanding + [name]).joined(separator: " → "))",
                                          at: node.range))
            return nil
        }
        expanding.append(name)
        defer { expanding.removeLast() }
        var lookback = 0
        for (outputName, expression) in composite.outputs {
            let before = diagnostics.count
            guard let analysis = analyze(expression, scope: inner, allowMultiOutput: false) else {
                if diagnostics.count > before {
                    diagnostics.insert(Diagnostic(.importInvalid, "composite indicator '\(name)' output '\(outputName.value)' does not check",
                                                  at: node.range, notes: [.init("defined here", at: outputName.range)]), at: before)
                }
                return nil
            }
            lookback = max(lookback, analysis.lookback)
        }
        return select(output, from: composite.outputNames, of: "\(name)()", node: node, allowMultiOutput: allowMultiOutput,
                      base: Analysis(type: .number, lookback: lookback, outputs: composite.outputNames, features: []))
    }
}
