import StrategyCompiler
import StrategyDSL
import Testing

/// Indicator parameters may be constant arithmetic; the expected values are worked by hand.
struct ConstantFoldingTests {
    func fold(_ text: String, _ scope: [String: Double] = [:]) -> Result<Double, ConstantFolding.Failure> {
        let (node, diagnostics) = ExpressionParser.parse(text, file: "t", origin: SourceLocation(line: 1, column: 1))
        guard let node, diagnostics.isEmpty else { Issue.record("\(text) does not parse"); return .success(.nan) }
        return ConstantFolding.evaluate(node, scope: scope)
    }

    @Test(arguments: [
        ("2 * 5", 10.0),
        ("floor(21 / 2)", 10),
        ("floor(sqrt(16)) + 2 * 3 - -1", 11),   // 4 + 6 + 1
        ("round(2.5)", 3),                      // half away from zero
        ("round(-2.5)", -3),
        ("round(2.4999)", 2),
        ("-(3 - 10) / 2", 3.5),
        ("sqrt(2) * sqrt(2)", 2.0000000000000004),  // IEEE: 1.4142135623730951² rounds up
    ])
    func literalArithmetic(_ text: String, _ expected: Double) throws {
        #expect(try fold(text).get() == expected)
    }

    @Test func parametersComeFromTheScope() throws {
        #expect(try fold("floor(period / 2)", ["period": 9]).get() == 4)
        #expect(try fold("floor(sqrt(period))", ["period": 9]).get() == 3)
        #expect(try fold("2 * period - 1", ["period": 20]).get() == 39)
    }

    @Test(arguments: ["close", "macd.hist", "sma(close, 3)", "close[1]", "1 > 0", "not 1", "sqrt(-1)", "1 / 0", "floor(1, 2)", "1e308 * 10"])
    func nonConstantsAreRefusedAtTheOffendingNode(_ text: String) {
        guard case .failure(let failure) = fold(text) else {
            Issue.record("\(text) folded to a value")
            return
        }
        #expect(failure.range.start.line == 1 && failure.range.start.column >= 1)
        #expect(!failure.message.isEmpty)
    }

    @Test func divisionByZeroPointsAtTheDivisor() {
        guard case .failure(let failure) = fold("10 / (5 - 5)") else { Issue.record("folded"); return }
        #expect(failure.message == "division by zero")
        #expect(failure.range.start.column == 7)   // the `5 - 5` inside the parentheses
    }

    static func strategy(_ feature: String, imports: [String] = []) -> String {
        """
        strategy: { name: folding }
        data:
          goog: { csv: data/GOOG.csv }
        \(imports.isEmpty ? "" : "imports: [\(imports.joined(separator: ", "))]\n")features:
          f: \(feature)
        signals:
          s:
            long: f > close
        """
    }

    /// sma(close, n) needs n - 1 bars before its first value.
    @Test(arguments: [("sma(close, 2 * 5)", 9), ("sma(close, floor(21 / 2))", 10 - 1), ("ema(close, round(sqrt(100)) + 10)", 19)])
    func foldedParametersSetTheWarmUp(_ feature: String, _ warmup: Int) throws {
        let result = lint(text: Self.strategy(feature))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        #expect(try #require(result.checked).warmup == warmup)
    }

    @Test func aFoldedParameterStillHasToFitTheIndicator() {
        let result = lint(text: Self.strategy("sma(close, 10 / 4)"))
        #expect(result.diagnostics.map(\.code) == [.invalidParameter])
        #expect(result.diagnostics.first?.message.contains("whole number, found 2.5") == true)
        #expect(result.diagnostics.first?.range.start == SourceLocation(line: 5, column: 17))
    }

    /// Hull(16): wma(close, 8) needs 7 bars, wma(close, 16) needs 15; the difference is valid from
    /// bar 15, and wma(·, 4) over it needs 3 more: 18.
    @Test func hullMovingAverageChecksWithFoldedLengths() throws {
        let result = lint(text: Self.strategy("hma(16)", imports: ["indicators/hma.yaml"]))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        #expect(try #require(result.checked).warmup == 18)
    }

    /// Hull(3) would need wma(close, floor(3 / 2)) = wma(close, 1), below the WMA's minimum of 2.
    @Test func hullOfThreeIsRefused() {
        let result = lint(text: Self.strategy("hma(3)", imports: ["indicators/hma.yaml"]))
        #expect(result.diagnostics.contains { $0.code == .invalidParameter && $0.message.contains("found 1") })
        #expect(result.diagnostics.contains { $0.code == .importInvalid })
    }
}
