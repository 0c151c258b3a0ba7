import Agents
import Foundation
import Runtime
import StrategyCompiler
import Testing

/// The MarketData stage inside a backtest: a source's anomaly and gap policies decide which bars
/// reach the features, and the feed summary reports them. The data is hand-written: five daily
/// bars, the third with its high below its low, one weekday missing.
struct MarketDataInBacktestTests {
    static let csv = """
        timestamp,open,high,low,close,volume
        2024-01-02,100,101,99,100.5,1000
        2024-01-03,100.5,102,100,101.5,1000
        2024-01-04,101.5,100,103,102,1000
        2024-01-08,102,103,101,102.5,1000
        2024-01-09,102.5,104,102,103.5,1000
        """

    static func run(_ sourceSettings: String) throws -> BacktestEngine.Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-md-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("bars.csv")
        try Data(Self.csv.utf8).write(to: data)
        let yaml = """
        strategy: { name: market-data }
        data:
          x: { csv: \(data.path), instrument: X, interval: 1d, calendar: nyse\(sourceSettings) }
        features:
          up: close > open
        signals:
          s:
            long: up
        """
        let result = Linter(models: nil, workingDirectory: folder).lint(text: yaml, path: "md.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        let plan = try Planner.plan(try #require(result.checked))
        return try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: [try CSVBarReader(path: data.path)])
    }

    @Test func defaultsFlagTheBadBarAndReportTheGapButChangeNothing() throws {
        let result = try Self.run("")
        let summary = try #require(result.feeds.first)
        // 2024-01-04 has high 100 < low 103: flagged, kept. 2024-01-05 (a Friday, not a holiday)
        // is missing: one gap of one bar. All five bars reach the portfolio: five equity points.
        #expect(summary.rowsRead == 5 && summary.barsPassed == 5)
        #expect(summary.anomalies[.highBelowLow] == 1 && summary.barsFlagged == 1 && summary.barsDropped == 0)
        #expect(summary.gapCount == 1 && summary.missingBars == 1)
        #expect(result.sink.equity.count == 5)
    }

    @Test func dropRemovesTheBadBarAndForwardFillAddsTheMissingOne() throws {
        let result = try Self.run(", anomalies: { action: drop }, gaps: forward_fill")
        let summary = try #require(result.feeds.first)
        // The bad bar is dropped (4 left); then two weekdays are missing before 2024-01-08
        // (01-04 dropped and 01-05), both filled at the last close: 4 + 2 = 6 bars.
        #expect(summary.barsDropped == 1)
        #expect(summary.filledBars == 2)
        #expect(result.sink.equity.count == 6)
    }
}
