import Testing
@testable import Agents

/// The drawdown state machine, reversals and the FIFO books, driven by hand-made messages.
/// Starting cash 10,000; every equity and P&L figure is computed by hand in the comments.
struct PortfolioRiskStateTests {
    /// Long 100 units at 100, then closes at 100, 95 and 85 (drawdowns 0, 5% and 15%).
    func longIntoDrawdown(action: String, fill: String = "close") throws -> (Driver<PortfolioRiskAgent>, [Envelope]) {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 100 }\n  max_drawdown: { limit: 0.1, action: \(action) }", fill: fill))
        risk.flatBar(100)
        if fill == "close" {
            risk.signal(.long)
            risk.fill(100, at: 100)
        } else {
            risk.signal(.long)
            risk.flatBar(100)
            risk.fill(100, at: 100, reference: .open)
        }
        // equity = 10,000 + 100 × (100 − 100) = 10,000: the peak
        #expect(risk.closeBar().equity.map(\.state) == [.active])
        risk.flatBar(95)
        // 10,000 − 500 = 9,500: drawdown 5%, under the 10% limit
        let quiet = risk.closeBar()
        #expect(quiet.alerts.isEmpty && quiet.equity.first?.equity == 9_500)
        risk.flatBar(85)
        // 10,000 − 1,500 = 8,500: drawdown 15% ≥ 10%
        let breach = risk.closeBar()
        return (risk, breach)
    }

    @Test func drawdownToReduceOnlyAllowsClosingButNotOpening() throws {
        var (risk, breach) = try longIntoDrawdown(action: "reduce_only")
        let alert = try #require(breach.alerts.first)
        #expect(alert.kind == .drawdown && alert.limit == 0.1 && close(alert.measured, 0.15))
        #expect(breach.equity.first?.state == .reducing)
        #expect(breach.targets.isEmpty, "reduce-only keeps the position until a signal closes it")
        #expect(risk.agent.state == .reducing)

        #expect(risk.signal(.flat).targets.map(\.quantity) == [0])
        risk.fill(-100, at: 85)
        risk.flatBar(90)
        let refused = risk.signal(.long)
        #expect(refused.targets.isEmpty)
        #expect(refused.alerts.map(\.kind) == [.reduceOnly])
    }

    @Test func drawdownToHaltFlattensAndRefusesNewPositions() throws {
        var (risk, breach) = try longIntoDrawdown(action: "halt")
        #expect(breach.alerts.map(\.kind) == [.drawdown])
        #expect(breach.equity.first?.state == .halted)
        // fill: close, so the flattening target goes out at once, at this close.
        #expect(breach.targets.map(\.quantity) == [0])
        #expect(breach.targets.first?.reference == .close)
        risk.fill(-100, at: 85)
        #expect(risk.agent.position(0) == 0)

        risk.flatBar(90)
        let refused = risk.signal(.long)
        #expect(refused.targets.isEmpty)
        #expect(refused.alerts.map(\.kind) == [.halted])
        #expect(risk.closeBar().equity.first?.state == .halted)
    }

    @Test func haltAtTheNextOpenFlattensOnTheNextBar() throws {
        var (risk, breach) = try longIntoDrawdown(action: "halt", fill: "next_open")
        #expect(breach.targets.isEmpty, "with fill: next_open the flattening waits for the next open")
        let next = risk.bar(open: 84, close: 83)
        #expect(next.targets.map(\.quantity) == [0])
        #expect(next.targets.first?.reference == .open)
    }

    @Test func supervisorHaltCommandFlattensTheBooks() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 100 }"))
        risk.flatBar(100)
        risk.signal(.long)
        risk.fill(100, at: 100)
        let out = risk.command(.halt(reason: "operator"))
        #expect(out.targets.map(\.quantity) == [0])
        #expect(risk.agent.state == .halted)
    }

    @Test func reversalClosesFirstThenSizesWithTheEquityAfterTheClose() throws {
        // equity_fraction 0.5, lot 1, fixed fee 10 per order, no rate.
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { equity_fraction: 0.5, lot: 1 }", feeFixed: 10))
        risk.flatBar(100)
        // per unit 100 + 10 / 0.5 = 120; floor(5,000 / 120) = floor(41.67) = 41 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [41])
        risk.fill(41, at: 100, fee: 10)  // cash 9,990
        risk.flatBar(110)
        let closeLeg = risk.signal(.short)
        #expect(closeLeg.targets.map(\.quantity) == [0], "the reversal closes before it opens")
        let openLeg = risk.fill(-41, at: 110, fee: 10)
        // P&L 41 × 10 − 20 = 390; return 0.1 − 20 / (41 × 100) = 0.0951220
        let trade = try #require(openLeg.trades.first)
        #expect(trade.size == 41 && trade.entryPrice == 100 && trade.exitPrice == 110 && trade.fees == 20)
        #expect(close(trade.pnl, 390))
        #expect(close(trade.returnFraction, 0.1 - 20.0 / 4_100))
        // cash after the close 9,990 + 410 − 10 = 10,390; per unit 110 + 20 = 130
        // floor(0.5 × 10,390 / 130) = floor(39.96) = 39 units (the equity before the exit fee,
        // 10,400, would have given floor(5,200 / 130) = 40)
        #expect(openLeg.targets.map(\.quantity) == [-39])
    }

    @Test func aSignalInTheHeldDirectionChangesNothing() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 10 }"))
        risk.flatBar(100)
        risk.signal(.long)
        risk.fill(10, at: 100)
        risk.flatBar(101)
        #expect(risk.signal(.long).isEmpty)
    }

    @Test func booksCloseLotsFirstInFirstOut() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 20 }"))
        risk.flatBar(100)
        risk.signal(.long)
        risk.fill(10, at: 100, fee: 1)
        risk.fill(10, at: 110, fee: 1)
        risk.flatBar(120)
        // A partial exit of 15: the lot from 100 closes whole, then 5 of the lot from 110.
        let out = risk.fill(-15, at: 120, fee: 1.5)
        let trades = out.trades
        #expect(trades.count == 2)
        // lot 1: 10 × (120 − 100) − (entry fee 1 + exit fee 10 × 0.1) = 200 − 2 = 198
        #expect(trades[0].size == 10 && trades[0].entryPrice == 100 && close(trades[0].pnl, 198) && close(trades[0].fees, 2))
        // lot 2, 5 of 10: 5 × (120 − 110) − (entry 1 × 5/10 + exit 5 × 0.1) = 50 − 1 = 49
        #expect(trades[1].size == 5 && trades[1].entryPrice == 110 && close(trades[1].pnl, 49) && close(trades[1].fees, 1))
        #expect(risk.agent.position(0) == 5)
        // cash 10,000 − 1 − 1 + 10 × 20 + 5 × 10 − 1.5 = 10,246.5; mark 5 × (120 − 110) = 50
        #expect(close(risk.closeBar().equity.first?.equity ?? 0, 10_296.5))

        // The run's end closes the rest at the last close, without an exit fee.
        let end = risk.agent.closeOut(at: risk.time, barIndex: risk.bar)
        #expect(end.count == 1)
        // 5 × (120 − 110) − remaining entry fee 0.5 = 49.5
        #expect(end.first?.closedAtEnd == true && end.first?.exitPrice == 120 && close(end.first?.pnl ?? 0, 49.5))
        #expect(close(risk.agent.cash, 10_296.5))
    }
}
