/// A feature or signal expression, parsed once; every node keeps its span in the strategy file.
public struct ExpressionNode: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case number(Double)
        /// A column (`close`), a feature, or one output of a multi-output feature (`macd.hist`).
        case reference(name: String, output: String?)
        /// An indicator or function call, optionally selecting one output: `bbands(close, 20, 2).upper`.
        case call(name: String, arguments: [ExpressionNode], output: String?)
        case unary(UnaryOperator, ExpressionNode)
        case binary(BinaryOperator, ExpressionNode, ExpressionNode)
        /// The value `bars` bars ago; always non-negative once checked.
        case lag(ExpressionNode, bars: Int)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// Every node of the tree, this one first.
    public func walk(_ visit: (ExpressionNode) -> Void) {
        visit(self)
        switch kind {
        case .number, .reference: break
        case .call(_, let arguments, _): arguments.forEach { $0.walk(visit) }
        case .unary(_, let operand): operand.walk(visit)
        case .binary(_, let lhs, let rhs):
            lhs.walk(visit)
            rhs.walk(visit)
        case .lag(let inner, _): inner.walk(visit)
        }
    }

    /// Canonical text, independent of spacing: the identity used to share common subexpressions.
    public var canonical: String {
        switch kind {
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .reference(let name, let output): return output.map { "\(name).\($0)" } ?? name
        case .call(let name, let arguments, let output):
            let call = "\(name)(\(arguments.map(\.canonical).joined(separator: ",")))"
            return output.map { "\(call).\($0)" } ?? call
        case .unary(let op, let operand): return "(\(op.rawValue) \(operand.canonical))"
        case .binary(let op, let lhs, let rhs): return "(\(lhs.canonical) \(op.rawValue) \(rhs.canonical))"
        case .lag(let inner, let bars): return "\(inner.canonical)[\(bars)]"
        }
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case not = "not"
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
    case and = "and", or = "or"

    /// Comparisons and logic give conditions (true/false); arithmetic gives numbers.
    public var isComparison: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual].contains(self) }
    public var isLogical: Bool { self == .and || self == .or }
}
