import Agents
import Foundation
import Runtime
import StrategyCompiler
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The same strategy and data through Stratum and through backtesting.py 0.6.6
/// (Tests/ReportsTests/References, written by scripts/reference/backtesting_py_reference.py):
/// every trade backtesting.py closed, and every equity point, must agree.
struct BacktestParityTests {
    struct ReferenceTrade {
        var entryBar: Int, exitBar: Int, size: Double, entryPrice: Double, exitPrice: Double, pnl: Double
    }

    static func referenceTrades(_ name: String) throws -> [ReferenceTrade] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Tests/ReportsTests/References/\(name)/trades.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return ReferenceTrade(entryBar: Int(f[0])!, exitBar: Int(f[1])!, size: Double(f[4])!, entryPrice: Double(f[5])!,
                                  exitPrice: Double(f[6])!, pnl: Double(f[7])!)
        }
    }

    static func referenceEquity(_ name: String) throws -> [Double] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Tests/ReportsTests/References/\(name)/equity.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
    }

    /// `yaml` linted, planned and backtested over `data` (a path under the package root, the one file the strategy reads).
    static func run(_ yaml: String, data: String = "data/GOOG.csv") throws -> BacktestEngine.Result {
        let result = Linter(models: nil, workingDirectory: packageRoot).lint(text: yaml, path: "parity.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        let plan = try Planner.plan(try #require(result.checked))
        let feed = try CSVBarReader(path: packageRoot.appendingPathComponent(data).path)
        return try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: [feed])
    }

    static func smaCross(fill: String, feeBps: Double) -> String {
        """
        strategy: { name: parity }
        data:
          goog: { csv: data/GOOG.csv, instrument: GOOG, interval: 1d }
        features:
          fast: sma(close, 10)
          slow: sma(close, 30)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
        risk:
          sizing: { equity_fraction: 1.0, lot: 1 }
        execution:
          venue: { sim: { fill: \(fill), fee_bps: \(feeBps) } }
        """
    }

    func check(_ result: BacktestEngine.Result, against name: String) throws {
        let expected = try Self.referenceTrades(name)
        let trades = result.sink.trades.filter { !$0.closedAtEnd }
        #expect(trades.count == expected.count)
        for (ours, theirs) in zip(trades, expected) {
            #expect(ours.entryBar == theirs.entryBar && ours.exitBar == theirs.exitBar, "bars \(ours.entryBar)-\(ours.exitBar) vs \(theirs.entryBar)-\(theirs.exitBar)")
            #expect(ours.size == theirs.size)
            #expect(ours.entryPrice == theirs.entryPrice && ours.exitPrice == theirs.exitPrice)
            #expect(abs(ours.pnl - theirs.pnl) <= 1e-9 * max(1, abs(theirs.pnl)))
        }
        let equity = try Self.referenceEquity(name)
        #expect(result.sink.equity.count == equity.count)
        for (ours, theirs) in zip(result.sink.equity, equity) {
            #expect(abs(ours.equity - theirs) <= 1e-9 * theirs, "bar \(ours.barIndex): \(ours.equity) vs \(theirs)")
        }
    }

    @Test func smaCrossAtNextOpen() throws {
        try check(Self.run(Self.smaCross(fill: "next_open", feeBps: 0)), against: "sma_cross")
    }

    @Test func smaCrossAtClose() throws {
        try check(Self.run(Self.smaCross(fill: "close", feeBps: 0)), against: "sma_cross_close")
    }

    @Test func longOnlyRSI() throws {
        let yaml = """
        strategy: { name: parity-rsi }
        portfolio: { cash: 100000 }
        data:
          goog: { csv: data/GOOG.csv }
        features:
          rsi14: rsi(close, 14)
        signals:
          revert:
            long: rsi14 < 30
            flat: rsi14 > 70
        """
        try check(Self.run(yaml), against: "long_only_rsi")
    }

    @Test func smaCrossWithFees() throws {
        try check(Self.run(Self.smaCross(fill: "next_open", feeBps: 20)), against: "sma_cross_fees")
    }
}
