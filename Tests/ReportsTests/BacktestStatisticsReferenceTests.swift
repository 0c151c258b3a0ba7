import Foundation
import Testing
@testable import Reports

/// Every statistic against backtesting.py 0.6.6 on the same equity curve, trades and closes.
///
/// Expected values are backtesting.py's own `Backtest.run()` results in
/// References/<case>/stats.json (see scripts/reference/backtesting_py_reference.py).
@Suite struct BacktestStatisticsReferenceTests {
    static let relativeTolerance = 1e-9

    @Test("every statistic matches backtesting.py", arguments: ReferenceRun.cases)
    func matchesReference(caseName: String) throws {
        let run = try ReferenceRun(caseName)
        let stats = try BacktestStatistics(
            equity: run.equity, trades: run.trades, closes: run.closes,
            firstTradingBar: run.firstTradingBar)

        for statistic in Statistic.allCases {
            let label = statistic.label
            guard run.statistics[label] != nil else {
                // backtesting.py omits "Commissions [$]" when no fees were paid.
                #expect(statistic == .commissions, "\(caseName): reference lacks \(label)")
                #expect(stats.commissions == 0)
                continue
            }
            switch stats[statistic] {
            case .time(let micros):
                let expected = try ReferenceRun.micros(try #require(run.statistics[label] as? String))
                #expect(micros == expected, "\(caseName): \(label)")
            case .duration(let micros):
                let expected = try #require(run.number(label), "\(caseName): \(label)")
                if let micros {
                    #expect(Double(micros) / 86_400_000_000 == expected, "\(caseName): \(label)")
                } else {
                    #expect(expected.isNaN, "\(caseName): \(label) is NaT only in Stratum")
                }
            case .count(let count):
                #expect(count == run.statistics[label] as? Int, "\(caseName): \(label)")
            case .number(let value):
                let expected = try #require(run.number(label), "\(caseName): \(label)")
                #expect(Self.close(value, expected), "\(caseName): \(label) \(value) vs \(expected)")
            }
        }
        let known = Set(Statistic.allCases.map(\.label))
        #expect(Set(run.statistics.keys).subtracting(known).isEmpty, "statistics not covered")
    }

    @Test("drawdown per bar matches backtesting.py's equity curve", arguments: ReferenceRun.cases)
    func drawdownSeries(caseName: String) throws {
        let run = try ReferenceRun(caseName)
        let drawdown = Drawdown(equity: run.equity)
        #expect(drawdown.fractions.count == run.drawdownFractions.count)
        for (ours, theirs) in zip(drawdown.fractions, run.drawdownFractions) {
            #expect(Self.close(ours, theirs) || abs(ours - theirs) < 1e-15)
        }
    }

    @Test("annualisation follows the bar spacing")
    func annualisation() throws {
        // Daily GOOG bars have no weekends: 252 periods a year. The hourly re-stamp runs
        // through weekends: 365. Durations round up to days and to hours respectively
        // (backtesting.py's Avg. Drawdown Duration is 41 days and 28 hours, per stats.json).
        let daily = try ReferenceRun("sma_cross")
        let hourly = try ReferenceRun("sma_cross_hourly")
        let dailyStats = try BacktestStatistics(
            equity: daily.equity, trades: daily.trades, closes: daily.closes, firstTradingBar: 29)
        let hourlyStats = try BacktestStatistics(
            equity: hourly.equity, trades: hourly.trades, closes: hourly.closes, firstTradingBar: 29)
        #expect(dailyStats.periodsPerYear == 252)
        #expect(hourlyStats.periodsPerYear == 365)
        #expect(dailyStats.avgDrawdownDurationMicros == Int64(41) * 86_400_000_000)
        #expect(hourlyStats.avgDrawdownDurationMicros == Int64(28) * 3_600_000_000)
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a.isInfinite || b.isInfinite { return a == b }
        return abs(a - b) <= relativeTolerance * max(abs(a), abs(b))
    }
}

/// Inputs that cannot come from one run are refused with a reason, not computed.
@Suite struct StatisticsInputTests {
    static let bar: Int64 = 86_400_000_000
    static let equity = (0..<3).map { EquityPoint(timestamp: Int64($0) * bar, equity: 100) }

    @Test func emptyCurve() {
        #expect(throws: StatisticsInputError.emptyEquityCurve) {
            try BacktestStatistics(equity: [], trades: [], closes: [])
        }
    }

    @Test func closesMustMatchBars() {
        #expect(throws: StatisticsInputError.closeCountMismatch(equityPoints: 3, closes: 2)) {
            try BacktestStatistics(equity: Self.equity, trades: [], closes: [1, 2])
        }
    }

    @Test func firstTradingBarInRange() {
        #expect(throws: StatisticsInputError.firstTradingBarOutOfRange(3)) {
            try BacktestStatistics(equity: Self.equity, trades: [], closes: [1, 2, 3], firstTradingBar: 3)
        }
    }

    @Test func timestampsIncrease() {
        var equity = Self.equity
        equity[2].timestamp = equity[1].timestamp
        #expect(throws: StatisticsInputError.timestampsNotIncreasing(atIndex: 2)) {
            try BacktestStatistics(equity: equity, trades: [], closes: [1, 2, 3])
        }
    }
}
