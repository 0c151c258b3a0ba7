import Foundation
import Testing
@testable import StratumCLI

/// `stratum features` on the shipped strategy and data. Expected values are computed by hand
/// from data/GOOG.csv (closes quoted in comments) or follow from the indicators' lookbacks as
/// TA-Lib defines them (docs/indicators.md).
struct FeaturesCommandTests {
    func table(_ fixture: BacktestFixture, _ extra: [String] = []) throws -> (code: Int32, rows: [[String]], err: String) {
        let strategy = try fixture.shippedStrategy()
        let out = fixture.folder.appendingPathComponent("features.csv").path
        let result = fixture.run(["features", strategy, "--out", out, "--registry", BacktestFixture.registry] + extra)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (result.code, rows, result.err)
    }

    @Test func headerIsTimestampThenFeaturesInDeclarationOrder() throws {
        let fixture = try BacktestFixture()
        let result = try table(fixture)
        #expect(result.code == 0)
        #expect(result.rows.first == ["timestamp", "fast", "slow", "rsi14", "macd.macd", "macd.signal", "macd.hist",
                                      "bb.upper", "bb.middle", "bb.lower", "atr14", "z", "prev_close"])
        // GOOG.csv has 2,148 bars: one row each, after the header.
        #expect(result.rows.count == 1 + 2_148)
    }

    @Test func cellsAreEmptyWhileWarmingUpThenExact() throws {
        let fixture = try BacktestFixture()
        let rows = try table(fixture).rows
        // sma(close, 10): first value on the 10th bar (data row 10); the 9th is still empty.
        #expect(rows[9][1].isEmpty && !rows[10][1].isEmpty)
        // The first ten closes of GOOG.csv: 100.34 108.31 109.4 104.87 106 107.91 106.15 102.01 102.37 100.25,
        // sum 1047.61, mean 104.761 (to within a few ulps of summation order: TA-Lib sums left to right).
        let mean = (100.34 + 108.31 + 109.4 + 104.87 + 106 + 107.91 + 106.15 + 102.01 + 102.37 + 100.25) / 10
        #expect(abs((Double(rows[10][1]) ?? 0) - 104.761) < 1e-9 && abs((Double(rows[10][1]) ?? 0) - mean) < 1e-12)
        // close[1] on the second bar is the first close.
        #expect(rows[1][12].isEmpty && rows[2][12] == "100.34")
        // macd(12, 26, 9): TA-Lib's lookback 33 → first value on data row 34.
        #expect(rows[33][4].isEmpty && !rows[34][4].isEmpty)
    }

    @Test func verifyFindsTheFirstDivergencePerColumn() throws {
        let fixture = try BacktestFixture()
        #expect(try table(fixture).code == 0)
        let original = fixture.folder.appendingPathComponent("features.csv")
        var lines = try String(contentsOf: original, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(fixture.run(["features", "--verify", original.path, original.path]).code == 0)
        // Change prev_close on data row 100 (line index 100).
        var cells = lines[100].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[12] = "1.5"
        lines[100] = cells.joined(separator: ",")
        let changed = try fixture.write("changed.csv", lines.joined(separator: "\n"))
        let result = fixture.run(["features", "--verify", original.path, changed])
        #expect(result.code == 1)
        #expect(result.out.contains("prev_close: first differs at row 100"))
        #expect(!result.out.contains("fast:"))
    }

    @Test func aFailedRunLeavesNoFile() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.write("broken.yaml", "strategy: { name: x }\ndata:\n  d: { csv: data/missing.csv }\nsignals:\n  s: { long: close > open }\n")
        let out = fixture.folder.appendingPathComponent("features.csv").path
        let result = fixture.run(["features", strategy, "--out", out])
        #expect(result.code == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).allSatisfy { !$0.hasSuffix(".partial") })
    }
}
