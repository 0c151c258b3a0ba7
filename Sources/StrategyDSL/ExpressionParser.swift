/// Parses expression text into an `ExpressionNode` tree, reporting every syntax problem at its column.
///
/// Grammar, loosest binding first:
/// `or` → `and` → `not` → comparison → `+ -` → `* /` → unary `-` → postfix `[lag]` → primary,
/// where primary is a number, `name`, `name.output`, `name(args)`, `name(args).output` or `( expr )`.
public struct ExpressionParser {
    private let text: [Unicode.Scalar]
    private let origin: SourceLocation
    private let file: String
    private var tokens: [Token] = []
    private var index = 0
    public private(set) var diagnostics: [Diagnostic] = []

    /// - Parameters:
    ///   - origin: where the first character of `text` sits in the file.
    public init(_ text: String, file: String, origin: SourceLocation) {
        self.text = Array(text.unicodeScalars)
        self.file = file
        self.origin = origin
    }

    /// Parses the whole text; nil when it has syntax errors (they are in `diagnostics`).
    public static func parse(_ text: String, file: String, origin: SourceLocation) -> (ExpressionNode?, [Diagnostic]) {
        var parser = ExpressionParser(text, file: file, origin: origin)
        let node = parser.parseAll()
        return (parser.diagnostics.contains { $0.severity == .error && $0.code == .expressionSyntax } ? nil : node, parser.diagnostics)
    }

    // MARK: Tokens

    enum TokenKind: Equatable {
        case number(Double), identifier(String), symbol(String), end
    }

    struct Token {
        var kind: TokenKind
        var offset: Int
        var length: Int
    }

    private func range(_ offset: Int, _ length: Int) -> SourceRange {
        SourceRange(file: file, start: origin.advanced(by: offset), length: length)
    }

    private func range(from start: Int, to end: Int) -> SourceRange {
        SourceRange(file: file, start: origin.advanced(by: start), end: origin.advanced(by: max(end, start + 1)))
    }

    private mutating func tokenize() -> Bool {
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            let start = i
            if c.properties.numericType == .decimal && c.isASCII || (c == "." && i + 1 < text.count && text[i + 1].properties.numericType == .decimal) {
                while i < text.count, text[i].isASCII, text[i].properties.numericType == .decimal || text[i] == "." { i += 1 }
                if i < text.count, text[i] == "e" || text[i] == "E" {
                    var j = i + 1
                    if j < text.count, text[j] == "-" || text[j] == "+" { j += 1 }
                    if j < text.count, text[j].properties.numericType == .decimal {
                        i = j
                        while i < text.count, text[i].isASCII, text[i].properties.numericType == .decimal { i += 1 }
                    }
                }
                let literal = String(String.UnicodeScalarView(text[start..<i]))
                guard let value = Double(literal), value.isFinite else {
                    diagnostics.append(Diagnostic(.expressionSyntax, "'\(literal)' is not a number", at: range(start, i - start)))
                    return false
                }
                tokens.append(Token(kind: .number(value), offset: start, length: i - start))
                continue
            }
            if c == "_" || (c.isASCII && c.properties.isAlphabetic) {
                while i < text.count, text[i] == "_" || (text[i].isASCII && (text[i].properties.isAlphabetic || text[i].properties.numericType == .decimal)) { i += 1 }
                tokens.append(Token(kind: .identifier(String(String.UnicodeScalarView(text[start..<i]))), offset: start, length: i - start))
                continue
            }
            let two = i + 1 < text.count ? String(String.UnicodeScalarView([c, text[i + 1]])) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                tokens.append(Token(kind: .symbol(two), offset: i, length: 2))
                i += 2
                continue
            }
            if ["&&", "||"].contains(two) {
                let word = two == "&&" ? "and" : "or"
                diagnostics.append(Diagnostic(.expressionSyntax, "use '\(word)' instead of '\(two)'", at: range(i, 2), suggestion: word))
                return false
            }
            if "+-*/<>()[],.!".unicodeScalars.contains(c) {
                if c == "!" {
                    diagnostics.append(Diagnostic(.expressionSyntax, "use 'not' instead of '!'", at: range(i, 1), suggestion: "not"))
                    return false
                }
                tokens.append(Token(kind: .symbol(String(c)), offset: i, length: 1))
                i += 1
                continue
            }
            if c == "=" {
                diagnostics.append(Diagnostic(.expressionSyntax, "'=' is not an operator; compare with '=='", at: range(i, 1), suggestion: "=="))
                return false
            }
            diagnostics.append(Diagnostic(.expressionSyntax, "unexpected character '\(c)'", at: range(i, 1)))
            return false
        }
        tokens.append(Token(kind: .end, offset: text.count, length: 1))
        return true
    }

    // MARK: Grammar

    private var current: Token { tokens[index] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    private func isWord(_ word: String) -> Bool { current.kind == .identifier(word) }

    private struct SyntaxError: Error {}

    private mutating func fail(_ message: String, at token: Token? = nil) -> SyntaxError {
        let token = token ?? current
        diagnostics.append(Diagnostic(.expressionSyntax, message, at: range(token.offset, token.length)))
        return SyntaxError()
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .number(let value): "the number \(value)"
        case .identifier(let name): "'\(name)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "the end of the expression"
        }
    }

    mutating func parseAll() -> ExpressionNode? {
        guard tokenize() else { return nil }
        if current.kind == .end {
            diagnostics.append(Diagnostic(.expressionSyntax, "the expression is empty", at: range(0, 1)))
            return nil
        }
        do {
            let node = try parseOr()
            if current.kind != .end {
                throw fail("unexpected \(describe(current)) after a complete expression")
            }
            return node
        } catch {
            return nil
        }
    }

    private mutating func binary(_ op: BinaryOperator, _ lhs: ExpressionNode, _ rhs: ExpressionNode) -> ExpressionNode {
        ExpressionNode(.binary(op, lhs, rhs), SourceRange(file: file, start: lhs.range.start, end: rhs.range.end))
    }

    private mutating func parseOr() throws -> ExpressionNode {
        var lhs = try parseAnd()
        while isWord("or") {
            _ = advance()
            lhs = binary(.or, lhs, try parseAnd())
        }
        return lhs
    }

    private mutating func parseAnd() throws -> ExpressionNode {
        var lhs = try parseNot()
        while isWord("and") {
            _ = advance()
            lhs = binary(.and, lhs, try parseNot())
        }
        return lhs
    }

    private mutating func parseNot() throws -> ExpressionNode {
        if isWord("not") {
            let token = advance()
            let operand = try parseNot()
            return ExpressionNode(.unary(.not, operand), range(from: token.offset, to: operand.range.end.column - origin.column))
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws -> ExpressionNode {
        let lhs = try parseAdditive()
        for op in [BinaryOperator.lessOrEqual, .greaterOrEqual, .equal, .notEqual, .less, .greater] where isSymbol(op.rawValue) {
            _ = advance()
            let rhs = try parseAdditive()
            if [BinaryOperator.less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual].contains(where: { isSymbol($0.rawValue) }) {
                throw fail("comparisons do not chain; combine two comparisons with 'and'")
            }
            return binary(op, lhs, rhs)
        }
        return lhs
    }

    private mutating func parseAdditive() throws -> ExpressionNode {
        var lhs = try parseMultiplicative()
        while isSymbol("+") || isSymbol("-") {
            let op: BinaryOperator = isSymbol("+") ? .add : .subtract
            _ = advance()
            lhs = binary(op, lhs, try parseMultiplicative())
        }
        return lhs
    }

    private mutating func parseMultiplicative() throws -> ExpressionNode {
        var lhs = try parseUnary()
        while isSymbol("*") || isSymbol("/") {
            let op: BinaryOperator = isSymbol("*") ? .multiply : .divide
            _ = advance()
            lhs = binary(op, lhs, try parseUnary())
        }
        return lhs
    }

    private mutating func parseUnary() throws -> ExpressionNode {
        if isSymbol("-") {
            let token = advance()
            let operand = try parseUnary()
            if case .number(let value) = operand.kind {
                return ExpressionNode(.number(-value), range(from: token.offset, to: operand.range.end.column - origin.column))
            }
            return ExpressionNode(.unary(.negate, operand), range(from: token.offset, to: operand.range.end.column - origin.column))
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws -> ExpressionNode {
        var node = try parsePrimary()
        while isSymbol("[") {
            let open = advance()
            var negative = false
            if isSymbol("-") {
                negative = true
                _ = advance()
            }
            guard case .number(let value) = current.kind else {
                throw fail("a lag is a whole number of bars, as in close[1]; found \(describe(current))")
            }
            let numberToken = advance()
            guard value == value.rounded(), value < 1_000_000 else {
                throw fail("a lag is a whole number of bars, found \(value)", at: numberToken)
            }
            guard isSymbol("]") else { throw fail("expected ']' to close the lag opened here", at: open) }
            let close = advance()
            let lagRange = range(from: open.offset, to: close.offset + 1)
            if negative {
                diagnostics.append(Diagnostic(
                    .lookAhead, "\(Int(value)) bars ahead is a future bar; lags look back and must be 0 or more",
                    at: lagRange,
                    notes: [.init("strategies see only bars up to the current one, so a backtest cannot peek ahead")],
                    suggestion: "[\(Int(value))]"))
            }
            node = ExpressionNode(.lag(node, bars: negative ? -Int(value) : Int(value)),
                                  SourceRange(file: file, start: node.range.start, end: lagRange.end))
        }
        return node
    }

    private mutating func parsePrimary() throws -> ExpressionNode {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return ExpressionNode(.number(value), range(token.offset, token.length))
        case .identifier(let name):
            if ["and", "or", "not"].contains(name) {
                throw fail("'\(name)' needs a condition before it")
            }
            _ = advance()
            if isSymbol("(") {
                let open = advance()
                var arguments: [ExpressionNode] = []
                if !isSymbol(")") {
                    while true {
                        arguments.append(try parseOr())
                        if isSymbol(",") { _ = advance(); continue }
                        break
                    }
                }
                guard isSymbol(")") else {
                    throw fail(current.kind == .end ? "'(' opened here is never closed" : "expected ',' or ')' in the call to '\(name)', found \(describe(current))",
                               at: current.kind == .end ? open : current)
                }
                let close = advance()
                let output = try parseOutputSelector()
                let end = output?.end ?? close.offset + 1
                return ExpressionNode(.call(name: name, arguments: arguments, output: output?.name), range(from: token.offset, to: end))
            }
            let output = try parseOutputSelector()
            return ExpressionNode(.reference(name: name, output: output?.name), range(from: token.offset, to: output?.end ?? token.offset + token.length))
        case .symbol("("):
            let open = advance()
            let inner = try parseOr()
            guard isSymbol(")") else { throw fail("'(' opened here is never closed", at: open) }
            _ = advance()
            return inner
        case .end:
            throw fail("the expression ends where a value is expected")
        case .symbol(let symbol):
            throw fail("unexpected '\(symbol)' where a value is expected")
        }
    }

    private mutating func parseOutputSelector() throws -> (name: String, end: Int)? {
        guard isSymbol(".") else { return nil }
        _ = advance()
        guard case .identifier(let output) = current.kind else {
            throw fail("expected an output name after '.', as in macd.hist")
        }
        let token = advance()
        return (output, token.offset + token.length)
    }
}
