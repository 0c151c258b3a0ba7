import Foundation
import StrategyDSL

/// A composite indicator from `indicators/*.yaml`: typed parameters with defaults and one or
/// more output expressions over bar columns, other indicators and its own parameters.
///
/// ```yaml
/// indicator: keltner
/// description: Keltner channel around an EMA, ATR wide.
/// params:
///   period: { type: int, default: 20 }
///   mult: { type: number, default: 2 }
/// outputs:
///   upper: ema(close, period) + mult * atr(period)
///   middle: ema(close, period)
///   lower: ema(close, period) - mult * atr(period)
/// ```
public struct CompositeIndicator: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var isInteger: Bool
        public var defaultValue: Double?
        public var range: SourceRange
    }

    public var name: Located<String>
    public var description: String?
    public var parameters: [Parameter]
    /// Output name → expression; a single output named `value` makes a single-output indicator.
    public var outputs: [(name: Located<String>, expression: ExpressionNode)]
    public var imports: [Located<String>]
    public var file: String

    public var outputNames: [String] {
        outputs.count == 1 && outputs[0].name.value == "value" ? [] : outputs.map(\.name.value)
    }

    static let schema = ObjectSchema("A composite indicator", [
        Field("indicator", .string(.name), required: true, "Name strategies call it by.", example: "keltner"),
        Field("description", .string(.text), "What it computes."),
        Field("params", .dictionary(value: .object(parameterSchema), keyKind: "parameter"), "Typed parameters, in call order."),
        Field("imports", .list(.string(.path), minItems: 1), "Other composite indicator files it calls."),
        Field("outputs", .dictionary(value: .string(.expression), keyKind: "output"), required: true,
              "Output expressions; a single output named `value` makes a single-output indicator."),
    ])

    static let parameterSchema = ObjectSchema("A parameter", [
        Field("type", .string(.choice(["int", "number"])), required: true, "int or number."),
        Field("default", .number(.any), "Value when the caller leaves it out."),
    ])

    /// Loads and checks one composite file; diagnostics point into that file.
    public static func load(path: String, displayPath: String) -> (CompositeIndicator?, [Diagnostic]) {
        let loaded = StrategyLoader().loadYAML(path: path, displayPath: displayPath)
        guard let root = loaded.root else { return (nil, loaded.diagnostics) }
        var diagnostics = loaded.diagnostics + SchemaValidator().validate(root, against: .object(schema))
        guard let nameNode = root["indicator"], let name = nameNode.scalar?.text else { return (nil, diagnostics) }
        var parameters: [Parameter] = []
        for pair in root["params"]?.pairs ?? [] {
            let isInteger = pair.value["type"]?.scalar?.text == "int"
            let defaultValue = pair.value["default"]?.scalar.flatMap { ScalarSyntax.number($0.text) }
            if let defaultValue, isInteger, defaultValue != defaultValue.rounded(), let node = pair.value["default"] {
                diagnostics.append(Diagnostic(.importInvalid, "default of int parameter '\(pair.key.value)' must be a whole number", at: node.range))
            }
            parameters.append(Parameter(name: pair.key.value, isInteger: isInteger, defaultValue: defaultValue, range: pair.key.range))
        }
        var outputs: [(Located<String>, ExpressionNode)] = []
        for pair in root["outputs"]?.pairs ?? [] {
            guard let scalar = pair.value.scalar else { continue }
            let origin = scalar.style == .quoted ? pair.value.range.start.advanced(by: 1) : pair.value.range.start
            let (expression, found) = ExpressionParser.parse(scalar.text, file: displayPath, origin: origin)
            diagnostics += found
            if let expression { outputs.append((pair.key, expression)) }
        }
        let imports = (root["imports"]?.items ?? []).compactMap { node in node.scalar.map { Located($0.text, node.range) } }
        let indicator = CompositeIndicator(name: Located(name, nameNode.range), description: root["description"]?.scalar?.text,
                                           parameters: parameters, outputs: outputs, imports: imports, file: displayPath)
        return (indicator, diagnostics)
    }
}
