import Foundation
import ModelRegistry
import Storage
import Testing
@testable import StratumCLI

/// Backtests of the shipped model strategies against a copy of the shipped registry: shadow
/// evaluations land in run.sqlite and in the registry, and the promotion gate reads them.
@Suite(.serialized) struct ShadowCommandTests {
    /// A fixture with data/GOOG.csv, the named shipped strategy and its own copy of registry/.
    static func fixture(_ strategy: String) throws -> (BacktestFixture, strategy: String, registry: String) {
        let fixture = try BacktestFixture()
        try fixture.copy("data/GOOG.csv", as: "data/GOOG.csv")
        let path = try fixture.copy("strategies/\(strategy).yaml")
        let registry = fixture.folder.appendingPathComponent("registry")
        try FileManager.default.copyItem(at: BacktestFixture.packageRoot.appendingPathComponent("registry"), to: registry)
        return (fixture, path, registry.path)
    }

    static func backtest(_ fixture: BacktestFixture, _ strategy: String, registry: String) -> (code: Int32, out: String, err: String) {
        fixture.run(["backtest", strategy, "--out", fixture.runs.path, "--registry", registry])
    }

    @Test(arguments: ["ensemble_regime", "momentum_model", "two_assets_model_regime"])
    func shippedModelStrategiesBacktest(_ name: String) throws {
        let (fixture, strategy, registry) = try Self.fixture(name)
        let result = Self.backtest(fixture, strategy, registry: registry)
        #expect(result.code == 0, "\(result.err)")
        let run = try fixture.onlyRun()
        for file in ["run.sqlite", "trades.csv", "equity.csv", "statistics.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
        }
        let store = try RunStore.openReadOnly(at: run.appendingPathComponent(RunStore.fileName))
        defer { try? store.close() }
        // One row per model of a model signal: momentum_model's live model and shadow,
        // ensemble_regime's trend member; two_assets reads its model only as a regime.
        let expected: [String: [String]] = [
            "ensemble_regime": ["live momentum@v261124", "shadow momentum@v261125"],
            "momentum_model": ["live momentum@v261124", "shadow momentum@v261125"],
            "two_assets_model_regime": [],
        ]
        #expect(try store.shadowEvaluations().map { "\($0.role.rawValue) \($0.model)@\($0.version)" } == expected[name])
        if name == "two_assets_model_regime" {
            // The one-output mood model opens the GOOG gate when P(risk_on) > 0.5, so both trade.
            let instruments = Set(try store.orders().map(\.instrument))
            #expect(instruments == ["GOOG", "INDEX"])
        }
        // One equity point per moment. GOOG's dates are New York midnights (04:00 or 05:00 UTC) and
        // the synthetic index's bars are UTC midnights, so no two bars share a moment:
        // 2,148 GOOG bars + 2,500 index bars = 4,648 points.
        let equityRows = try String(contentsOf: run.appendingPathComponent("equity.csv"), encoding: .utf8)
            .split(separator: "\n").count - 1
        let goog = try String(contentsOf: fixture.folder.appendingPathComponent("data/GOOG.csv"), encoding: .utf8)
            .split(separator: "\n").count - 1
        if name == "two_assets_model_regime" {
            #expect(equityRows == goog + 2_500)
        } else {
            #expect(equityRows == goog)
        }
    }

    @Test func shadowsAreRecordedInTheRunAndTheRegistry() throws {
        let (fixture, strategy, registry) = try Self.fixture("momentum_model")
        let result = Self.backtest(fixture, strategy, registry: registry)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("shadow momentum@v261125 (signal model)"))
        let run = try fixture.onlyRun()
        let store = try RunStore.openReadOnly(at: run.appendingPathComponent(RunStore.fileName))
        let rows = try store.shadowEvaluations()
        try store.close()
        #expect(rows.count == 2)
        let live = try #require(rows.first { $0.role == .live })
        let shadow = try #require(rows.first { $0.role == .shadow })
        #expect(rows.allSatisfy { $0.runID == run.lastPathComponent && $0.signal == "model" })
        #expect(rows.allSatisfy { $0.signals > 0 && $0.hitRate == Double($0.hits) / Double($0.signals) })

        // The live model trades alone here, so its shadow book is the real portfolio: its P&L is
        // the run's final equity minus the 10 000 starting cash (statistics.json, written apart).
        let statistics = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: run.appendingPathComponent("statistics.json"))) as? [String: Any])
        let finalEquity = try #require(statistics["equity_final"] as? Double)
        #expect(abs(live.pnl - (finalEquity - 10_000)) <= 1e-6)

        // Buy and hold over the same bars is the same for both books.
        #expect(live.benchmarkReturn == shadow.benchmarkReturn && live.benchmarkReturn != 0)

        // The registry copy holds the same numbers, one record per version.
        let models = ModelRegistry(root: URL(fileURLWithPath: registry))
        let records = try models.shadowEvaluations(of: "momentum")
        #expect(records.map(\.version) == ["v261124", "v261125"])
        #expect(records.allSatisfy { $0.runId == run.lastPathComponent })
        #expect(records.map(\.signals) == [live.signals, shadow.signals])
        #expect(records.map(\.hitRate) == [live.hitRate, shadow.hitRate])
        #expect(records.map(\.sharpe) == [live.sharpe, shadow.sharpe])
        #expect(records.map(\.pnl) == [live.pnl, shadow.pnl])
        #expect(records.allSatisfy { $0.benchmark?.name == "buy-and-hold GOOG" })
        #expect(abs((records[0].benchmark?.pnl ?? 0) - 10_000 * live.benchmarkReturn) <= 1e-6)

        // shadow-report reads them.
        let report = fixture.run(["registry", "shadow-report", "momentum@v261125", "--registry", registry])
        #expect(report.code == 0, "\(report.err)")
        #expect(report.out.contains(run.lastPathComponent))

        // A replay proves the run without adding evidence.
        let replay = fixture.run(["backtest", "--replay", run.path, "--registry", registry, "--out", fixture.runs.path])
        #expect(replay.code == 0, "\(replay.out)\(replay.err)")
        #expect(try models.shadowEvaluations(of: "momentum").count == 2)
    }

    /// Writes the model's gate.json in the fixture's registry.
    static func gate(_ registry: String, minSignals: Int) throws {
        let text = """
            {"gated_tags": ["prod"], "min_signals": \(minSignals), "no_worse_than_current": ["hit_rate", "sharpe"]}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: registry).appendingPathComponent("momentum/gate.json"))
    }

    @Test func promotionPassesOrFailsOnTheRecordedEvaluation() throws {
        let (fixture, strategy, registry) = try Self.fixture("momentum_model")
        #expect(Self.backtest(fixture, strategy, registry: registry).code == 0)
        let store = try RunStore.openReadOnly(at: try fixture.onlyRun().appendingPathComponent(RunStore.fileName))
        let rows = try store.shadowEvaluations()
        try store.close()
        let live = try #require(rows.first { $0.role == .live })
        let shadow = try #require(rows.first { $0.role == .shadow })
        let noWorse = shadow.hitRate >= live.hitRate && shadow.sharpe >= live.sharpe

        // One signal more than the shadow took: the gate refuses, whatever the other measures.
        try Self.gate(registry, minSignals: shadow.signals + 1)
        let refused = fixture.run(["registry", "promote", "momentum@v261125", "--tag", "prod", "--registry", registry])
        #expect(refused.code == 1, "\(refused.out)\(refused.err)")
        #expect(refused.err.contains("\(shadow.signals) signals"))
        #expect(try ModelRegistry(root: URL(fileURLWithPath: registry)).tags(of: "momentum")["prod"] == "v261124")

        // Exactly enough signals: the verdict is the comparison with the live model's record.
        try Self.gate(registry, minSignals: shadow.signals)
        let decided = fixture.run(["registry", "promote", "momentum@v261125", "--tag", "prod", "--registry", registry])
        #expect(decided.code == (noWorse ? 0 : 1), "\(decided.out)\(decided.err)")
        let prod = try ModelRegistry(root: URL(fileURLWithPath: registry)).tags(of: "momentum")["prod"]
        #expect(prod == (noWorse ? "v261125" : "v261124"))
    }
}
