@testable import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// Strategies, bars and hand references shared by the hot-reload tests.
enum ReloadFixture {
    static let goog = packageRoot.appendingPathComponent("data/GOOG.csv").path

    /// SMA(10) over SMA(slow), an EMA(50) trend filter, TWAP execution so orders stay open
    /// for a few bars; `extra` adds feature lines.
    static func strategy(slow: Int = 30, extraFeatures: String = "", sizing: String = "{ equity_fraction: 0.5, lot: 1 }",
                         execution: String = "{ algo: twap, twap: { horizon: 3d, slices: 3 }, venue: { sim: { fill: next_open, fee_bps: 5 } } }",
                         instrument: String = "GOOG") -> String {
        """
        strategy: { name: reload }
        data:
          goog: { csv: \(goog), instrument: \(instrument), interval: 1d }
        features:
          fast: sma(close, 10)
          slow: sma(close, \(slow))
          trend: ema(close, 50)
        \(extraFeatures.isEmpty ? "" : extraFeatures.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        signals:
          cross:
            long: fast > slow and close > trend
            short: fast < slow
        risk:
          sizing: \(sizing)
        execution: \(execution)
        """
    }

    static func plan(_ yaml: String) throws -> Plan {
        let result = Linter(models: nil, workingDirectory: packageRoot).lint(text: yaml, path: "reload.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        return try Planner.plan(try #require(result.checked))
    }

    static let bars: [Bar] = {
        var bars: [Bar] = []
        try? CSVBarReader(path: goog).forEachBar { bars.append($0) }
        return bars
    }()

    /// The register of a feature column in a plan.
    static func register(_ name: String, in plan: Plan) throws -> Int {
        try #require(plan.columns.first { $0.name == name }?.register, "no column \(name)")
    }

    /// Hand reference: the mean of the last `period` closes (nil before there are that many).
    static func sma(_ closes: [Double], period: Int) -> Double? {
        guard closes.count >= period else { return nil }
        return closes.suffix(period).reduce(0, +) / Double(period)
    }

    /// Hand reference, TA-Lib's EMA: seeded with the mean of the first `period` values, then
    /// e += 2/(period+1) × (x − e). Nil before the seed.
    static func ema(_ closes: [Double], period: Int) -> Double? {
        guard closes.count >= period else { return nil }
        var value = closes.prefix(period).reduce(0, +) / Double(period)
        let alpha = 2 / Double(period + 1)
        for close in closes.dropFirst(period) { value += alpha * (close - value) }
        return value
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-9 * max(1, abs(b))
    }
}
