import Foundation
import StrategyDSL

/// Evaluates an indicator parameter written as constant arithmetic: number literals, names bound
/// in a scope (a composite indicator's parameters), `+ - * /`, unary `-`, and `floor`, `round`,
/// `sqrt`. A Hull moving average needs exactly this: `wma(close, floor(sqrt(period)))`.
///
/// The checker calls it to validate parameters and compute warm-up; the planner calls it to get
/// the values it builds kernels with, so both read the same number from the same text.
public enum ConstantFolding {
    /// Functions allowed inside a constant, each of one argument.
    public static let functions: [String: @Sendable (Double) -> Double] = [
        "floor": { $0.rounded(.down) },
        // Half away from zero, as most people round by hand (round(2.5) = 3).
        "round": { $0.rounded(.toNearestOrAwayFromZero) },
        "sqrt": { $0.squareRoot() },
    ]

    /// Why an expression is not a constant, at the node that makes it so.
    public struct Failure: Error, Sendable, Equatable {
        public var message: String
        public var range: SourceRange
    }

    /// The value of `node`, or the first reason it is not a finite constant.
    ///
    /// - Parameters:
    ///   - node: the parameter expression as written.
    ///   - scope: names that stand for numbers here (a composite's parameters); anything else is
    ///     a series, and a series cannot be a parameter.
    public static func evaluate(_ node: ExpressionNode, scope: [String: Double]) -> Result<Double, Failure> {
        switch node.kind {
        case .number(let value):
            return .success(value)
        case .reference(let name, nil):
            guard let value = scope[name] else {
                return .failure(Failure(message: "'\(name)' is a series, not a constant", range: node.range))
            }
            return .success(value)
        case .reference(let name, let output?):
            return .failure(Failure(message: "'\(name).\(output)' is a series, not a constant", range: node.range))
        case .unary(.negate, let operand):
            return evaluate(operand, scope: scope).map { -$0 }
        case .unary(.not, _):
            return .failure(Failure(message: "a condition is not a number", range: node.range))
        case .binary(let op, let lhs, let rhs):
            return binary(op, lhs, rhs, node: node, scope: scope)
        case .call(let name, let arguments, nil) where functions[name] != nil:
            guard arguments.count == 1, let function = functions[name] else {
                return .failure(Failure(message: "\(name)(x) takes one argument, found \(arguments.count)", range: node.range))
            }
            return evaluate(arguments[0], scope: scope).flatMap { value in
                finite(function(value), "\(name)(\(ExpressionChecker.format(value)))", node)
            }
        case .call(let name, _, _):
            return .failure(Failure(message: "\(name)(...) is not constant; only floor, round and sqrt may appear in a parameter",
                                    range: node.range))
        case .lag:
            return .failure(Failure(message: "a lagged value is a series, not a constant", range: node.range))
        }
    }

    private static func binary(_ op: BinaryOperator, _ lhs: ExpressionNode, _ rhs: ExpressionNode, node: ExpressionNode,
                               scope: [String: Double]) -> Result<Double, Failure> {
        let arithmetic: (Double, Double) -> Double
        switch op {
        case .add: arithmetic = (+)
        case .subtract: arithmetic = (-)
        case .multiply: arithmetic = (*)
        case .divide: arithmetic = (/)
        default:
            return .failure(Failure(message: "a comparison is a condition, not a number", range: node.range))
        }
        return evaluate(lhs, scope: scope).flatMap { left in
            evaluate(rhs, scope: scope).flatMap { right in
                if op == .divide, right == 0 {
                    return .failure(Failure(message: "division by zero", range: rhs.range))
                }
                return finite(arithmetic(left, right), "the result", node)
            }
        }
    }

    /// NaN (sqrt of a negative) and overflow are refused where they arise, not where they are used.
    private static func finite(_ value: Double, _ what: String, _ node: ExpressionNode) -> Result<Double, Failure> {
        value.isFinite ? .success(value) : .failure(Failure(message: "\(what) is not a finite number", range: node.range))
    }
}
