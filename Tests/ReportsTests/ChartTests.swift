import Foundation
import Testing
@testable import Reports

/// Downsampling, axis ticks and the HTML report's structure.
@Suite struct ChartTests {
    @Test("min/max downsampling keeps every extreme and at most four points per column")
    func downsampling() {
        // A gentle sine with two planted spikes: the spikes are the global extremes by construction.
        let count = 1_000_000
        let times = (0..<count).map { Int64($0) * 60_000_000 }
        var values = (0..<count).map { sin(Double($0) / 5_000) }
        values[123_457] = 50
        values[876_543] = -50
        let kept = MinMaxDownsampler.indices(times: times, values: values, columns: 1_100)
        #expect(kept.count <= 4 * 1_100)
        #expect(kept.contains(123_457))
        #expect(kept.contains(876_543))
        #expect(kept.first == 0 && kept.last == count - 1)
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("time ticks fall on calendar boundaries")
    func timeTicks() {
        // 2004-08-19 to 2013-03-01: one tick per New Year, 2005 through 2013.
        let ticks = AxisTicks.times(start: 1_092_873_600_000_000, end: 1_362_096_000_000_000)
        #expect(ticks.map(\.label) == (2005...2013).map(String.init))
        #expect(ticks.first?.position == 1_104_537_600_000_000, "2005-01-01T00:00:00Z")
        // One day of minute bars gets hour ticks.
        let intraday = AxisTicks.times(start: 0, end: 86_400_000_000)
        #expect(intraday.first?.label == "01-01 00:00")
        #expect(intraday.count == 9)
    }

    @Test("value ticks use 1-2-5 steps")
    func valueTicks() {
        #expect(AxisTicks.values(low: 0, high: 100).map(\.label) == ["0", "20", "40", "60", "80", "100"])
        #expect(AxisTicks.values(low: -0.3, high: 0).map(\.label) == ["-0.3", "-0.25", "-0.2", "-0.15", "-0.1", "-0.05", "0"])
    }

    @Test("report.html is self-contained, has the three charts and two markers per trade",
          arguments: ["long_only_rsi", "sma_cross"])
    func report(caseName: String) throws {
        // backtesting.py's runs: long_only_rsi has 9 long trades; sma_cross 65, long and short.
        let run = try ReferenceRun(caseName)
        let stats = try BacktestStatistics(
            equity: run.equity, trades: run.trades, closes: run.closes, firstTradingBar: run.firstTradingBar)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-report-\(caseName).html")
        try HTMLReport.write(
            title: caseName, statistics: stats, equity: run.equity, closes: run.closes,
            trades: run.trades, to: url)
        let html = try String(contentsOf: url, encoding: .utf8)

        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(occurrences(of: "<svg", in: html) == 3)
        #expect(occurrences(of: "class=\"marker ", in: html) == 2 * run.trades.count)
        let longs = run.trades.count { $0.size > 0 }
        let shorts = run.trades.count { $0.size < 0 }
        #expect(occurrences(of: "class=\"marker entry long\"", in: html) == longs)
        #expect(occurrences(of: "class=\"marker exit long\"", in: html) == longs)
        #expect(occurrences(of: "class=\"marker entry short\"", in: html) == shorts)
        #expect(occurrences(of: "class=\"marker exit short\"", in: html) == shorts)
        for external in ["http://", "https://", "<script", "<link", "url(", "@import", "src="] {
            #expect(!html.contains(external), "\(external) in report")
        }
        for statistic in Statistic.allCases {
            #expect(html.contains("<th>\(HTMLReport.escape(statistic.label))</th>"))
        }
        #expect(html.contains(">2008</text>"), "a year label on the time axis")
    }

    @Test("a report of two million bars stays small")
    func largeReport() throws {
        let count = 2_000_000
        let equity = (0..<count).map {
            EquityPoint(timestamp: Int64($0) * 60_000_000, equity: 10_000 + 1_000 * sin(Double($0) / 20_000))
        }
        let closes = equity.map { $0.equity / 100 }
        let stats = try BacktestStatistics(equity: equity, trades: [], closes: closes)
        let html = HTMLReport.render(title: "minute bars", statistics: stats, equity: equity, closes: closes, trades: [])
        #expect(html.utf8.count < 400_000)
        #expect(occurrences(of: "<svg", in: html) == 3)
    }

    private func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
