import Agents
import Foundation
import Testing
@testable import Reports

/// The pieces a streamed run writes with: they must give what the whole-series code gives.
@Suite struct StreamingTests {
    /// A fresh file path under the system temporary directory.
    static func scratchFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("stratum-reports-\(UUID().uuidString)-\(name)")
    }

    @Test("equity.csv and trades.csv written line by line are the whole-series writers' bytes", arguments: ReferenceRun.cases)
    func streamedCSVFiles(caseName: String) throws {
        let run = try ReferenceRun(caseName)
        let equityURL = Self.scratchFile("equity.csv")
        let tradesURL = Self.scratchFile("trades.csv")
        defer {
            try? FileManager.default.removeItem(at: equityURL)
            try? FileManager.default.removeItem(at: tradesURL)
        }
        let equity = try EquityWriter.Stream(url: equityURL)
        var accumulator = StatisticsAccumulator(firstTradingBar: run.firstTradingBar)
        for (point, close) in zip(run.equity, run.closes) {
            let fraction = accumulator.add(timestamp: point.timestamp, equity: point.equity, close: close)
            try equity.add(timestamp: point.timestamp, equity: point.equity, drawdownFraction: fraction)
        }
        try equity.finish()
        let trades = try BlotterWriter.Stream(url: tradesURL)
        for trade in run.trades { try trades.add(trade) }
        try trades.finish()
        #expect(try String(contentsOf: equityURL, encoding: .utf8) == EquityWriter.csv(run.equity))
        #expect(try String(contentsOf: tradesURL, encoding: .utf8) == BlotterWriter.csv(run.trades))
    }

    @Test("times with microseconds and before 1970 are spelled as UTCTime spells them")
    func timesInStreamedFiles() throws {
        let url = Self.scratchFile("times.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let times: [Int64] = [-86_400_000_001, 0, 1_704_067_200_000_000, 1_704_067_200_123_456, 1_704_153_599_999_999]
        let points = times.map { EquityPoint(timestamp: $0, equity: 100) }
        let stream = try EquityWriter.Stream(url: url)
        for point in points { try stream.add(timestamp: point.timestamp, equity: point.equity, drawdownFraction: 0) }
        try stream.finish()
        #expect(try String(contentsOf: url, encoding: .utf8) == EquityWriter.csv(points))
    }

    @Test("drawdown periods of a hand-worked curve")
    func drawdownPeriods() {
        // Peaks 100, 100, 100, 100, 110, 110, 110: zeros at bars 0, 3, 4; the curve ends below
        // its peak, so the last bar closes a period. Bars 3 → 4 span no bar between: no period.
        let day: Int64 = 86_400_000_000
        let values = [100.0, 90, 95, 100, 110, 99, 99.5]
        let curve = values.enumerated().map { EquityPoint(timestamp: Int64($0.offset) * day, equity: $0.element) }
        let drawdown = Drawdown(equity: curve)
        #expect(drawdown.periods == [
            Drawdown.Period(startBar: 0, endBar: 3, durationMicros: 3 * day, depth: 1 - 90.0 / 100),
            Drawdown.Period(startBar: 4, endBar: 6, durationMicros: 2 * day, depth: 1 - 99.0 / 110),
        ])
        #expect(drawdown.maximum == 1 - 90.0 / 100)
        #expect(drawdown.fractions[6] == 1 - 99.5 / 110)
    }

    @Test("a drawdown opening on the last bar forms no period but counts in the average")
    func drawdownOnTheLastBar() throws {
        let day: Int64 = 86_400_000_000
        let curve = [100.0, 101, 102, 99].enumerated().map { EquityPoint(timestamp: Int64($0.offset) * day, equity: $0.element) }
        let drawdown = Drawdown(equity: curve)
        #expect(drawdown.periods.isEmpty)
        let statistics = try BacktestStatistics(equity: curve, trades: [], closes: [1, 1, 1, 1])
        #expect(statistics.avgDrawdownPct == -(1 - 99.0 / 102) * 100)
    }

    @Test("Beta's running co-moments: covariance 2 over variance 4 (hand computed)")
    func comoments() {
        var moments = Comoments()
        for (x, y) in [(1.0, 1.0), (2, 3), (3, 5)] { moments.add(x, y) }
        #expect(moments.beta == 0.5)
    }

    @Test("exposure counts bars covered by overlapping trades once")
    func exposure() {
        // Bars 0–3 and 2–5 overlap (0…5 is 6 bars), 8–8 is one more: 7 of 10 bars.
        var trades = ClosedTrades()
        for (entry, exit) in [(0, 3), (8, 8), (2, 5)] {
            trades.add(TradeRecord(entryTime: 0, exitTime: 1, entryBar: entry, exitBar: exit, size: 1, entryPrice: 1,
                                   exitPrice: 1, fees: 0, pnl: 0, returnFraction: 0))
        }
        #expect(trades.exposure(bars: 10) == 70)
    }

    @Test("a short series is kept whole for the chart")
    func shortSeries() {
        var series = ChartSeries()
        let values = (0..<1_000).map { Double($0 % 17) }
        for (index, value) in values.enumerated() { series.add(time: Int64(index), value: value) }
        let points = series.points()
        #expect(points.times == (0..<1_000).map(Int64.init))
        #expect(points.values == values)
    }

    @Test("a long series keeps its first, last, lowest and highest points in few buckets")
    func longSeries() {
        var series = ChartSeries()
        let count = 1_000_000
        for index in 0..<count {
            var value = sin(Double(index) / 5_000)
            if index == 654_321 { value = 7 }
            if index == 123_457 { value = -7 }
            series.add(time: Int64(index) * 60_000_000, value: value)
        }
        let points = series.points()
        #expect(points.times.count <= 4 * ChartSeries.bucketLimit)
        #expect(points.times.first == 0 && points.times.last == Int64(count - 1) * 60_000_000)
        #expect(zip(points.times, points.times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(points.values.contains(7) && points.values.contains(-7))
        #expect(points.times.contains(654_321 * 60_000_000) && points.times.contains(123_457 * 60_000_000))
    }

    @Test("the report of a run gathered point by point is the report of its whole series", arguments: ReferenceRun.cases)
    func reportFromCurves(caseName: String) throws {
        let run = try ReferenceRun(caseName)
        let statistics = try BacktestStatistics(equity: run.equity, trades: run.trades, closes: run.closes,
                                                firstTradingBar: run.firstTradingBar)
        var curves = ReportCurves()
        var accumulator = StatisticsAccumulator(firstTradingBar: run.firstTradingBar)
        for (point, close) in zip(run.equity, run.closes) {
            let fraction = accumulator.add(timestamp: point.timestamp, equity: point.equity, close: close)
            curves.add(timestamp: point.timestamp, equity: point.equity, drawdownFraction: fraction, close: close)
        }
        for trade in run.trades {
            curves.add(trade: trade)
            accumulator.add(trade: trade)
        }
        #expect(HTMLReport.render(title: caseName, statistics: statistics, curves: curves)
            == HTMLReport.render(title: caseName, statistics: statistics, equity: run.equity, closes: run.closes, trades: run.trades))
        // As JSON: NaN statistics compare equal there.
        #expect(StatisticsJSON.encode(try accumulator.statistics(clampFirstTradingBar: false)) == StatisticsJSON.encode(statistics))
    }
}
