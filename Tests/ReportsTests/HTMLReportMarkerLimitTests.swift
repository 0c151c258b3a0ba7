import Agents
import Testing
@testable import Reports

/// Long runs mark an evenly spaced sample of their trades, counted by hand here.
struct HTMLReportMarkerLimitTests {
    func trades(_ count: Int) -> [TradeRecord] {
        (0..<count).map { i in
            TradeRecord(entryTime: Int64(i) * 60_000_000, exitTime: Int64(i + 1) * 60_000_000, entryBar: i, exitBar: i + 1,
                        size: i % 2 == 0 ? 1 : -1, entryPrice: 100, exitPrice: 101, fees: 0, pnl: 1, returnFraction: 0.01)
        }
    }

    @Test func fewTradesAreAllMarked() {
        #expect(HTMLReport.markedTrades(trades(999)).count == 999)
    }

    @Test func manyTradesAreSampledEvenlyIncludingFirstAndLast() {
        let all = trades(39_167)
        let marked = HTMLReport.markedTrades(all)
        #expect(marked.count == 1_000)
        #expect(marked.first?.entryBar == 0 && marked.last?.entryBar == 39_166)
        // The 500th marker (index 499) is trade 499 × 39,166 / 999 = 19,563 (integer division).
        #expect(marked[499].entryBar == 19_563)
        let svg = HTMLReport.priceChart(HTMLReport.curves(equity: all.map { EquityPoint(timestamp: $0.entryTime, equity: 1) },
                                                           closes: all.map { _ in 100 }, trades: all))
        #expect(svg.components(separatedBy: "class=\"marker").count - 1 == 2_000)
        #expect(HTMLReport.legend(for: all).contains("1000 of 39167 trades"))
    }
}
