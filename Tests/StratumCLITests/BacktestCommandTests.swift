import Foundation
import GRDB
import Reports
import Runtime
import Testing
@testable import StratumCLI

/// `stratum backtest` on the shipped strategies/sma_cross.yaml and data/GOOG.csv, into a
/// temporary `--out`. Expected numbers are backtesting.py's (SMACrossReference) or counted
/// from the data file.
struct BacktestCommandTests {
    @Test func writesACompleteRunFolder() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        let result = fixture.backtest(strategy)
        #expect(result.code == 0, "\(result.err)")
        let run = try fixture.onlyRun()
        #expect(try fixture.entries() == [run.lastPathComponent], "no temporary folder is left behind")
        let files = try FileManager.default.contentsOfDirectory(atPath: run.path).sorted()
        #expect(files == ["equity.csv", "report.html", "run.sqlite", "statistics.json", "trades.csv"])
        #expect(result.out.contains("Sharpe Ratio"))
        #expect(result.out.hasSuffix("trades.csv, equity.csv, report.html in \(run.path)\n"))

        // data/GOOG.csv has 2,148 rows under its header: one equity row per bar.
        let bars = try String(contentsOfFile: strategy.replacingOccurrences(of: "sma_cross.yaml", with: "data/GOOG.csv"), encoding: .utf8)
            .split(separator: "\n").count - 1
        #expect(bars == 2_148)
        let equityLines = try String(contentsOf: run.appendingPathComponent("equity.csv"), encoding: .utf8).split(separator: "\n")
        #expect(equityLines.first == "timestamp,equity,drawdown_pct")
        #expect(equityLines.count == bars + 1)

        // trades.csv: backtesting.py's 65 closed trades, then the position still open at the end.
        let reference = try SMACrossReference.trades()
        let rows = try String(contentsOf: run.appendingPathComponent("trades.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == reference.count + 1)
        for (row, trade) in zip(rows, reference) {
            // entry_time,exit_time,side,size,entry_price,exit_price,pnl,return,fees,entry_bar,exit_bar,closed_at_end
            #expect(row[2] == (trade.size > 0 ? "long" : "short") && Double(row[3]) == abs(trade.size))
            #expect(Double(row[4]) == trade.entry && Double(row[5]) == trade.exit)
            #expect(Int(row[9]) == trade.entryBar && Int(row[10]) == trade.exitBar)
            #expect(closeEnough(Double(row[6])!, trade.pnl))
            #expect(row[11] == "false")
        }
        #expect(rows.last?[10] == String(bars - 1), "the open position is closed at the last bar")
        #expect(rows.last?[11] == "true")

        let report = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("Sharpe Ratio"))
        // Self-contained: nothing loaded from elsewhere (the SVG namespace URI is only a name).
        for reference in ["src=\"http", "href=\"http", "url(http", "@import"] {
            #expect(!report.contains(reference), "report.html refers to \(reference)")
        }
    }

    @Test func runDatabaseHoldsTheManifestOrdersFillsEquityAndAudit() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        #expect(fixture.backtest(strategy).code == 0)
        let database = try DatabaseQueue(path: try fixture.onlyRun().appendingPathComponent("run.sqlite").path,
                                         configuration: { var c = Configuration(); c.readonly = true; return c }())
        try database.read { db in
            let run = try #require(try Row.fetchOne(db, sql: "SELECT status, strategy_path, strategy_sha256 FROM run"))
            #expect(run["status"] as String == "completed")
            #expect(run["strategy_path"] as String == strategy)
            // One equity point per bar, in column blocks of 4,096 (so one block here).
            #expect(try Int.fetchOne(db, sql: "SELECT sum(count) FROM equity_blocks") == 2_148)
            // The bars the run used: every bar of GOOG.csv.
            #expect(try Int.fetchOne(db, sql: "SELECT sum(count) FROM bar_blocks WHERE instrument = 'GOOG'") == 2_148)
            // Positions after each moment with fills: the first entry, then 65 reversals (each exit
            // opens the next trade at the same open) = 66; the first is backtesting.py's first trade,
            // short 55 at 180.36 (References/sma_cross/trades.csv, row 1).
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM positions") == 66)
            let first = try #require(try Row.fetchOne(db, sql: "SELECT quantity, average_price FROM positions ORDER BY ts_us LIMIT 1"))
            #expect(first["quantity"] as Double == -55 && first["average_price"] as Double == 180.36)
            // 65 closed trades plus the open one: 66 entries and 65 exits, one market order each
            // (a reversal is two orders: the close, then the new position).
            let orders = try #require(try Int.fetchOne(db, sql: "SELECT count(*) FROM orders"))
            let fills = try #require(try Int.fetchOne(db, sql: "SELECT count(*) FROM fills"))
            #expect(orders == 66 + 65 && fills == orders)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM orders WHERE status != 'filled'") == 0)
            // The audit log records every fill, and every order's acceptance (its fill records the rest).
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE kind = 'execution.fill'") == fills)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE kind = 'execution.order'") == orders)
        }
    }

    @Test func statisticsEqualBacktestingPy() throws {
        let fixture = try BacktestFixture()
        #expect(fixture.backtest(try fixture.shippedStrategy()).code == 0)
        let written = try Data(contentsOf: try fixture.onlyRun().appendingPathComponent("statistics.json"))
        let text = String(decoding: written, as: UTF8.self)
        #expect(text.hasSuffix("}\n") && !text.hasSuffix("\n\n"), "one object, ending in one newline")
        let ours = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        let theirs = try SMACrossReference.statistics()
        var compared = 0
        for statistic in Statistic.allCases {
            guard let expected = theirs[statistic.label] else {
                // backtesting.py omits Commissions [$] when no fee was paid.
                #expect(statistic == .commissions && (ours[statistic.jsonKey] as? Double) == 0)
                continue
            }
            let value = ours[statistic.jsonKey]
            if let text = expected as? String {
                // backtesting.py prints naive UTC times; ours end in Z.
                #expect(value as? String == text + "Z", "\(statistic.label)")
            } else if let number = (expected as? NSNumber)?.doubleValue {
                let actual = try #require((value as? NSNumber)?.doubleValue, "\(statistic.label) missing")
                #expect(closeEnough(actual, number), "\(statistic.label): \(actual) vs \(number)")
            }
            compared += 1
        }
        #expect(compared == theirs.count)
    }

    @Test func jsonOutputHasEveryStatisticTheTradeCountFinalEquityAndRunFolder() throws {
        let fixture = try BacktestFixture()
        let result = fixture.backtest(try fixture.shippedStrategy(), ["--json"])
        #expect(result.code == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["run_id", "run_dir", "trades", "final_equity", "feeds", "statistics"])
        let run = try fixture.onlyRun()
        #expect(object["run_dir"] as? String == run.path)
        #expect(object["run_id"] as? String == run.lastPathComponent)
        let reference = try SMACrossReference.statistics()
        #expect(object["trades"] as? Int == reference["# Trades"] as? Int)
        #expect(closeEnough(try #require(object["final_equity"] as? Double), try #require(reference["Equity Final [$]"] as? Double)))
        let statistics = try #require(object["statistics"] as? [String: Any])
        #expect(Set(statistics.keys) == Set(Statistic.allCases.map(\.jsonKey)))
    }

    @Test func twoRunsGiveByteIdenticalResults() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        #expect(fixture.backtest(strategy).code == 0)
        #expect(fixture.backtest(strategy).code == 0)
        let folders = try fixture.runFolders()
        #expect(folders.count == 2)
        guard folders.count == 2 else { return }
        #expect(folders[0].lastPathComponent != folders[1].lastPathComponent)
        for name in ["trades.csv", "statistics.json", "equity.csv"] {
            let first = try Data(contentsOf: folders[0].appendingPathComponent(name))
            let second = try Data(contentsOf: folders[1].appendingPathComponent(name))
            #expect(!first.isEmpty && first == second, "\(name)")
        }
    }

    /// The run folder is written while the engine runs; the files must be the bytes the
    /// whole-series writers give for the same run collected in memory (``CollectingSink``).
    @Test func streamedRunFolderEqualsTheRunCollectedInMemory() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        #expect(fixture.backtest(strategy).code == 0)
        let run = try fixture.onlyRun()
        let prepared = try PreparedStrategy.load(path: strategy, registry: URL(fileURLWithPath: fixture.registry))
        let result = try BacktestEngine(plan: prepared.plan, evaluators: prepared.evaluators).run(feeds: prepared.feeds)
        let equity = result.sink.equity.map { Reports.EquityPoint(timestamp: $0.timestamp, equity: $0.equity) }
        let statistics = try BacktestStatistics(
            equity: equity, trades: result.sink.trades.filter { !$0.closedAtEnd }, closes: result.closes,
            firstTradingBar: min(prepared.plan.firstTradingBar, result.closes.count - 1))
        func text(_ name: String) throws -> String {
            try String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)
        }
        #expect(try text("equity.csv") == EquityWriter.csv(equity))
        #expect(try text("trades.csv") == BlotterWriter.csv(result.sink.trades))
        #expect(try text("statistics.json") == StatisticsJSON.encode(statistics))
        #expect(try text("report.html") == HTMLReport.render(title: prepared.plan.spec.name.value, statistics: statistics,
                                                             equity: equity, closes: result.closes, trades: result.sink.trades))
    }

    @Test func replayReportsIdenticalResults() throws {
        let fixture = try BacktestFixture()
        #expect(fixture.backtest(try fixture.shippedStrategy()).code == 0)
        let run = try fixture.onlyRun()
        let byFolder = fixture.run(["backtest", "--replay", run.path, "--registry", BacktestFixture.registry])
        #expect(byFolder.code == 0, "\(byFolder.err)")
        #expect(byFolder.out.contains("replay of \(run.lastPathComponent): identical (65 trades"), "65: backtesting.py's # Trades")
        let byID = fixture.run(["backtest", "--replay", run.lastPathComponent, "--out", fixture.runs.path, "--registry", BacktestFixture.registry])
        #expect(byID.code == 0, "\(byID.err)")
        #expect(try fixture.runFolders() == [run], "a replay publishes no new run")
    }

    @Test func replayReportsAChangedStrategy() throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        #expect(fixture.backtest(strategy).code == 0)
        let run = try fixture.onlyRun()
        let original = try String(contentsOfFile: strategy, encoding: .utf8)
        try fixture.write("sma_cross.yaml", original.replacingOccurrences(of: "sma(close, 30)", with: "sma(close, 20)"))
        let replay = fixture.run(["backtest", "--replay", run.path, "--registry", BacktestFixture.registry])
        #expect(replay.code == 1)
        #expect(replay.err.contains("\(strategy) changed since run \(run.lastPathComponent)"), "\(replay.err)")
    }

    @Test func replayReportsChangedData() throws {
        let fixture = try BacktestFixture()
        try fixture.copy("data/GOOG.csv", as: "data/goog-copy.csv")
        let shipped = try String(contentsOfFile: try fixture.shippedStrategy(), encoding: .utf8)
        let strategy = try fixture.write("copy.yaml", shipped.replacingOccurrences(of: "csv: data/GOOG.csv", with: "csv: data/goog-copy.csv"))
        #expect(fixture.backtest(strategy).code == 0)
        let run = try fixture.onlyRun()
        // One close of the last bar changes (806.19 → 806.2): the file's hash changes.
        let data = fixture.folder.appendingPathComponent("data/goog-copy.csv")
        let text = try String(contentsOf: data, encoding: .utf8)
        try Data(text.replacingOccurrences(of: ",806.19,", with: ",806.2,").utf8).write(to: data)
        let replay = fixture.run(["backtest", "--replay", run.path, "--registry", BacktestFixture.registry])
        #expect(replay.code == 1)
        #expect(replay.err.contains("data file data/goog-copy.csv changed since run"), "\(replay.err)")
    }

    @Test func replayOfAnUnknownRunIsAUsageError() throws {
        let fixture = try BacktestFixture()
        let replay = fixture.run(["backtest", "--replay", "20990101-000000-0000000", "--out", fixture.runs.path, "--registry", BacktestFixture.registry])
        #expect(replay.code == 2)
        #expect(replay.err.contains("no run '20990101-000000-0000000'"))
    }

    /// `--single-thread` keeps MarketData, Feature and Signal on the engine's thread; by default
    /// they run one block ahead on a second thread once a run has more than two blocks
    /// (`FusedRunner.pipelineBars` bars each). The reference for the default run is the
    /// single-threaded one: the same bytes in every file of the run folder.
    @Test func singleThreadGivesTheSameRunFolder() throws {
        let fixture = try BacktestFixture()
        let bars = 5 * FusedRunner.pipelineBars + 123
        let data = try fixture.write("data/minutes.csv", Self.minuteBars(bars))
        let strategy = try fixture.write("minutes.yaml", """
            strategy: { name: minutes, version: 1 }
            data:
              bars: { csv: \(data), instrument: SYN, interval: 1m, calendar: always }
            features:
              fast: sma(close, 10)
              slow: sma(close, 30)
            signals:
              cross:
                long: crossover(fast, slow)
                short: crossunder(fast, slow)
            risk:
              sizing: { equity_fraction: 1.0, lot: 1 }
            execution:
              algo: market
              venue: { sim: { fill: next_open } }
            compliance: { audit: true }
            """)
        let pipelined = fixture.backtest(strategy, ["--json"])
        #expect(pipelined.code == 0, "\(pipelined.err)")
        let single = fixture.backtest(strategy, ["--json", "--single-thread"])
        #expect(single.code == 0, "\(single.err)")
        let folders = try fixture.runFolders()
        try #require(folders.count == 2)
        for name in ["trades.csv", "equity.csv", "statistics.json", "report.html"] {
            let first = try Data(contentsOf: folders[0].appendingPathComponent(name))
            let second = try Data(contentsOf: folders[1].appendingPathComponent(name))
            #expect(!first.isEmpty && first == second, "\(name)")
        }
        // Not a vacuous comparison: the run trades, and every bar is in the equity curve.
        let trades = try String(contentsOf: folders[0].appendingPathComponent("trades.csv"), encoding: .utf8)
        #expect(trades.split(separator: "\n").count > 100)
        let equity = try String(contentsOf: folders[0].appendingPathComponent("equity.csv"), encoding: .utf8)
        #expect(equity.split(separator: "\n").count == bars + 1)
        // A usage error (ArgumentParser's 64): the bus run places its agents itself.
        #expect(fixture.backtest(strategy, ["--single-thread", "--bus", "redis://127.0.0.1:1"]).code == 64)
    }

    /// `count` one-minute bars of a seeded random walk, prices with 4 decimals.
    static func minuteBars(_ count: Int) -> String {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var rows = ["timestamp,open,high,low,close,volume"]
        var close = 100.0
        for index in 0..<count {
            let open = close
            close = close * (1 + (next() - 0.5) * 0.004)
            let time = String(format: "2024-01-%02dT%02d:%02d:00Z", 1 + index / 1_440, index % 1_440 / 60, index % 60)
            let prices = [open, max(open, close) + 0.01, min(open, close) - 0.01, close].map { String(format: "%.4f", $0) }
            rows.append("\(time),\(prices.joined(separator: ",")),\(100 + Int(next() * 900))")
            close = Double(prices[3])!
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
