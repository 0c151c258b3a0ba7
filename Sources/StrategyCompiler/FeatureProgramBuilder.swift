import Indicators
import StrategyDSL

/// Lowers checked expressions into a `FeatureProgram`, sharing every repeated subexpression.
///
/// Identity is the expression's canonical text after composite parameters are replaced by their
/// values, so `sma(close, 20)` in three features, or inside two calls of a composite with the
/// same period, is one instruction.
public struct FeatureProgramBuilder {
    private var instructions: [FeatureProgram.Instruction] = []
    private var indicators: [StreamingIndicator] = []
    private var lags: [FeatureProgram.LagBuffer] = []
    private var registers: [Double] = []
    /// Canonical text → first register of the value (a multi-output call's outputs follow it).
    private var known: [String: Int] = [:]
    private let composites: [String: CompositeIndicator]
    /// Feature name → first register; outputs of multi-output features follow in order.
    private var features: [String: Int] = [:]

    public init(composites: [String: CompositeIndicator]) {
        self.composites = composites
    }

    public enum LoweringError: Error, CustomStringConvertible {
        case unresolved(String)

        public var description: String {
            switch self {
            case .unresolved(let what): "cannot lower \(what); lint the strategy first"
            }
        }
    }

    /// Lowers one checked feature; its outputs occupy consecutive registers.
    public mutating func add(_ feature: CheckedFeature) throws -> Int {
        let register = try lower(feature.expression, parameters: [:])
        features[feature.name] = register
        return register
    }

    /// Lowers an expression that may read features already added (a signal rule, say).
    public mutating func add(_ expression: ExpressionNode) throws -> Int {
        try lower(expression, parameters: [:])
    }

    /// The register that holds `name` or `name.output` (model inputs are named so).
    public func register(forFeature name: String, outputs: [String]) -> Int? {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard let base = features[parts[0]] else { return nil }
        if parts.count == 1 { return base }
        return outputs.firstIndex(of: parts[1]).map { base + $0 }
    }

    public func build() -> FeatureProgram {
        FeatureProgram(instructions: instructions, indicators: indicators, lags: lags, registers: registers)
    }

    // MARK: Lowering

    private mutating func allocate(_ count: Int = 1, initial: Double = .nan) -> Int {
        let first = registers.count
        registers.append(contentsOf: repeatElement(initial, count: count))
        return first
    }

    private mutating func constant(_ value: Double) -> Int {
        let key = "#\(value.bitPattern)"
        if let register = known[key] { return register }
        let register = allocate(initial: value)
        known[key] = register
        return register
    }

    /// A constant argument (literal, composite parameter, or arithmetic over them), as the checker folded it.
    private func fold(_ node: ExpressionNode, parameters: [String: Double]) -> Double? {
        try? ConstantFolding.evaluate(node, scope: parameters).get()
    }

    private func key(_ node: ExpressionNode, parameters: [String: Double]) -> String {
        switch node.kind {
        case .reference(let name, nil) where parameters[name] != nil:
            return "#\(parameters[name]!.bitPattern)"
        case .number(let value):
            return "#\(value.bitPattern)"
        case .reference(let name, let output):
            return output.map { "\(name).\($0)" } ?? name
        case .call(let name, let arguments, let output):
            let inner = "\(name)(\(arguments.map { key($0, parameters: parameters) }.joined(separator: ",")))"
            return output.map { "\(inner).\($0)" } ?? inner
        case .unary(let op, let operand):
            return "(\(op.rawValue) \(key(operand, parameters: parameters)))"
        case .binary(let op, let lhs, let rhs):
            return "(\(key(lhs, parameters: parameters)) \(op.rawValue) \(key(rhs, parameters: parameters)))"
        case .lag(let inner, let bars):
            return "\(key(inner, parameters: parameters))[\(bars)]"
        }
    }

    private mutating func lower(_ node: ExpressionNode, parameters: [String: Double]) throws -> Int {
        let identity = key(node, parameters: parameters)
        if let register = known[identity] { return register }
        let register: Int
        switch node.kind {
        case .number(let value):
            return constant(value)
        case .reference(let name, let output):
            if let value = parameters[name], output == nil { return constant(value) }
            if let field = BarField(rawValue: name), output == nil {
                register = allocate()
                instructions.append(.column(field, into: register))
            } else if let base = features[name] {
                // Multi-output features keep their outputs in declaration order of the indicator.
                guard let output else { return base }
                register = base + (try outputIndex(of: output, feature: name))
                known[identity] = register
                return register
            } else {
                throw LoweringError.unresolved("'\(name)'")
            }
        case .call(let name, let arguments, let output):
            register = try lowerCall(name, arguments: arguments, output: output, parameters: parameters)
        case .unary(let op, let operand):
            let value = try lower(operand, parameters: parameters)
            register = allocate()
            instructions.append(.unary(op == .not ? .not : .negate, value, into: register))
        case .binary(let op, let lhs, let rhs):
            let left = try lower(lhs, parameters: parameters)
            let right = try lower(rhs, parameters: parameters)
            register = allocate()
            instructions.append(.binary(Self.operation(op), left, right, into: register))
        case .lag(let inner, let bars):
            let source = try lower(inner, parameters: parameters)
            guard bars > 0 else { return source }
            register = allocate()
            lags.append(FeatureProgram.LagBuffer(bars: bars))
            instructions.append(.lag(buffer: lags.count - 1, source: source, into: register))
        }
        known[identity] = register
        return register
    }

    /// Output names of features come from what they were defined as; kept beside the registers.
    private var featureOutputs: [String: [String]] = [:]

    private func outputIndex(of output: String, feature: String) throws -> Int {
        guard let index = featureOutputs[feature]?.firstIndex(of: output) else {
            throw LoweringError.unresolved("'\(feature).\(output)'")
        }
        return index
    }

    /// Records the outputs of a feature so later `feature.output` references resolve.
    public mutating func declareOutputs(_ outputs: [String], of feature: String) {
        featureOutputs[feature] = outputs
    }

    private mutating func lowerCall(_ name: String, arguments: [ExpressionNode], output: String?,
                                    parameters: [String: Double]) throws -> Int {
        if let operation = Self.mathFunctions[name] {
            let value = try lower(arguments[0], parameters: parameters)
            let register = allocate()
            instructions.append(.unary(operation, value, into: register))
            return register
        }
        if let spec = IndicatorCatalog.spec(named: name) {
            let seriesCount: Int
            if case .series(let count) = spec.input { seriesCount = count } else { seriesCount = 0 }
            var series: [Int] = []
            for argument in arguments.prefix(seriesCount) {
                series.append(try lower(argument, parameters: parameters))
            }
            var values: [Double] = []
            for argument in arguments.dropFirst(seriesCount) {
                guard let value = fold(argument, parameters: parameters) else { throw LoweringError.unresolved("a parameter of \(name)") }
                values.append(value)
            }
            // The whole call (all outputs) is shared; `.output` only picks a register from it.
            let callKey = "\(name)(\((series.map { "r\($0)" } + values.map { "#\($0.bitPattern)" }).joined(separator: ",")))"
            let first: Int
            if let existing = known[callKey] {
                first = existing
            } else {
                let indicator = try StreamingIndicator(spec: spec, parameters: values)
                indicators.append(indicator)
                first = allocate(indicator.outputCount)
                instructions.append(.indicator(indicators.count - 1, a: series.first ?? -1,
                                               b: series.count > 1 ? series[1] : -1, into: first))
                known[callKey] = first
            }
            guard let output else { return first }
            guard let index = spec.outputs.firstIndex(of: output) else { throw LoweringError.unresolved("\(name).\(output)") }
            return first + index
        }
        if let composite = composites[name] {
            var bound: [String: Double] = [:]
            for (index, parameter) in composite.parameters.enumerated() {
                if index < arguments.count {
                    guard let value = fold(arguments[index], parameters: parameters) else { throw LoweringError.unresolved("a parameter of \(name)") }
                    bound[parameter.name] = value
                } else if let value = parameter.defaultValue {
                    bound[parameter.name] = value
                }
            }
            // Outputs go to consecutive registers so `composite(...)` behaves like a multi-output indicator.
            let lowered = try composite.outputs.map { try lower($0.expression, parameters: bound) }
            let first = allocate(lowered.count)
            for (offset, source) in lowered.enumerated() {
                instructions.append(.copy(source, into: first + offset))
            }
            guard let output else { return first }
            guard let index = composite.outputNames.firstIndex(of: output) else { throw LoweringError.unresolved("\(name).\(output)") }
            return first + index
        }
        throw LoweringError.unresolved("function '\(name)'")
    }

    static let mathFunctions: [String: FeatureProgram.UnaryOperation] = ["abs": .abs, "log": .log, "exp": .exp, "sqrt": .sqrt]

    static func operation(_ op: BinaryOperator) -> FeatureProgram.BinaryOperation {
        switch op {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .greater: .greater
        case .greaterOrEqual: .greaterOrEqual
        case .equal: .equal
        case .notEqual: .notEqual
        case .and: .and
        case .or: .or
        }
    }
}
