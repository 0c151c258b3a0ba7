import Foundation
import Testing
@testable import StratumCLI

/// Every shipped strategy with a historical source backtests to completion on its shipped data
/// and writes a run folder; the live one (an exchange stream) is refused, saying what a backtest needs. What each must produce is checked elsewhere; here: nothing in strategies/ is broken.
struct ShippedStrategyBacktestTests {
    static let strategies: [String] = {
        let folder = BacktestFixture.packageRoot.appendingPathComponent("strategies")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test(arguments: strategies)
    func backtests(_ name: String) throws {
        let fixture = try BacktestFixture()
        let path = BacktestFixture.packageRoot.appendingPathComponent("strategies/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Relative data paths resolve from the working directory: tests run in the package root.
        let result = fixture.backtest(path)
        if text.contains("exchange:") {
            #expect(result.code == 1)
            #expect(result.err.contains("a backtest needs a historical source"))
        } else {
            #expect(result.code == 0, "\(name): \(result.err)")
            let folder = try fixture.onlyRun()
            for file in ["run.sqlite", "trades.csv", "equity.csv", "statistics.json", "report.html"] {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(name): \(file)")
            }
        }
    }
}
