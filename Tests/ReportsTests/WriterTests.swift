import Foundation
import Testing
@testable import Reports

/// The CSV and JSON writers, checked against backtesting.py's reference run `sma_cross`
/// (References/sma_cross, written by pandas) and against Foundation's own parsers.
@Suite struct WriterTests {
    @Test("trades.csv round-trips every trade and spells times as pandas does, in UTC")
    func blotter() throws {
        let run = try ReferenceRun("sma_cross")
        let text = BlotterWriter.csv(run.trades)
        #expect(text == BlotterWriter.csv(run.trades), "identical input, identical bytes")

        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == BlotterWriter.header)
        #expect(lines.count == run.trades.count + 1)
        for ((line, trade), times) in zip(zip(lines.dropFirst(), run.trades), run.tradeTimeTexts) {
            let fields = line.split(separator: ",").map(String.init)
            #expect(fields[0] == times.entry + "Z")
            #expect(fields[1] == times.exit + "Z")
            #expect(fields[2] == (trade.size > 0 ? "long" : "short"))
            #expect(Double(fields[3]) == abs(trade.size))
            #expect(Double(fields[4]) == trade.entryPrice)
            #expect(Double(fields[5]) == trade.exitPrice)
            #expect(Double(fields[6]) == trade.pnl)
            #expect(Double(fields[7]) == trade.returnFraction)
            #expect(Double(fields[8]) == trade.fees)
            #expect(Int(fields[9]) == trade.entryBar)
            #expect(Int(fields[10]) == trade.exitBar)
        }
    }

    @Test("equity.csv carries equity exactly and drawdown as backtesting.py's, in percent")
    func equity() throws {
        let run = try ReferenceRun("sma_cross")
        let text = EquityWriter.csv(run.equity)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == run.equity.count)
        let timestamps = try ReferenceRun.rows(
            try #require(Bundle.module.url(forResource: "References/sma_cross/equity", withExtension: "csv"))
        ).map { $0["timestamp"]! + "Z" }
        for (index, row) in rows.enumerated() {
            #expect(row[0] == timestamps[index])
            #expect(Double(row[1]) == run.equity[index].equity)
            let drawdown = try #require(Double(row[2]))
            #expect(BacktestStatisticsReferenceTests.close(drawdown, -100 * run.drawdownFractions[index])
                || abs(drawdown) < 1e-12)
        }
        let deepest = rows.compactMap { Double($0[2]) }.min()
        // backtesting.py's Max. Drawdown [%] for this run (stats.json).
        #expect(BacktestStatisticsReferenceTests.close(try #require(deepest), -47.98012705007588))
    }

    @Test("--json has every key once, in catalog order, with backtesting.py's values")
    func json() throws {
        let run = try ReferenceRun("long_only_rsi_winners")
        let stats = try BacktestStatistics(
            equity: run.equity, trades: run.trades, closes: run.closes, firstTradingBar: run.firstTradingBar)
        let text = StatisticsJSON.encode(stats)
        #expect(text == StatisticsJSON.encode(stats))

        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Set(Statistic.allCases.map(\.jsonKey)))
        let keyOrder = text.split(separator: "\n").dropFirst().dropLast().map {
            String($0.split(separator: "\"")[1])
        }
        #expect(keyOrder == Statistic.allCases.map(\.jsonKey))

        // Profit factor and Kelly are NaN in backtesting.py for a run without losers.
        #expect(object["profit_factor"] is NSNull)
        #expect(object["kelly_criterion"] is NSNull)
        #expect(object["start"] as? String == "2004-08-19T00:00:00Z")
        #expect(object["trades"] as? Int == 4)
        for statistic in Statistic.allCases {
            guard let expected = run.number(statistic.label), expected.isFinite,
                  case .number = stats[statistic] else { continue }
            let value = try #require(object[statistic.jsonKey] as? Double, "\(statistic.jsonKey)")
            #expect(BacktestStatisticsReferenceTests.close(value, expected), "\(statistic.jsonKey)")
        }
        let days = try #require(object["max_trade_duration_days"] as? Double)
        #expect(days == run.number("Max. Trade Duration"))
    }

    @Test("the terminal table lists every statistic with values right-aligned")
    func table() throws {
        let run = try ReferenceRun("sma_cross")
        let stats = try BacktestStatistics(
            equity: run.equity, trades: run.trades, closes: run.closes, firstTradingBar: run.firstTradingBar)
        let lines = StatisticsTable.render(stats).split(separator: "\n").map(String.init)
        #expect(lines.count == Statistic.allCases.count)
        #expect(Set(lines.map(\.count)).count == 1, "every value ends in the same column")
        for (line, statistic) in zip(lines, Statistic.allCases) {
            #expect(line.hasPrefix(statistic.label + " "))
        }
        // As backtesting.py prints this run (pandas' Timestamp and Timedelta spelling).
        #expect(lines[0].hasSuffix(" 2004-08-19 00:00:00"))
        #expect(lines[19].hasSuffix(" 584 days 00:00:00"))
        #expect(lines[21].hasSuffix(" 65"))
        #expect(lines[12].hasSuffix(" 0.58396"))
    }
}
