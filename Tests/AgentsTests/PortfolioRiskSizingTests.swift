import Testing
@testable import Agents

/// Sizing modes, driven with hand-made bars, signals and fills. Every expected size is
/// computed by hand in the comment beside it (starting cash 10,000 unless the test says).
struct PortfolioRiskSizingTests {
    @Test func fixedSizeRoundsDownToWholeLots() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 25, lot: 10 }"))
        risk.flatBar(100)
        // floor(25 / 10) × 10 = 20 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [20])

        var short = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 25, lot: 10 }"))
        short.flatBar(100)
        #expect(short.signal(.short).targets.map(\.quantity) == [-20])
    }

    @Test func equityFractionInLotsLeavesRoomForTheEntryFee() throws {
        // backtesting.py's rule: per unit, price + (fixed fee + f × price × rate) / f
        //   = 100 + (2 + 0.5 × 100 × 0.001) / 0.5 = 100 + 2.05 / 0.5 = 104.1
        // floor(0.5 × 10,000 / (104.1 × 10)) = floor(5,000 / 1,041) = floor(4.80) = 4 lots = 40 units
        var withFees = Driver(try AgentFixture.portfolio(risk: "  sizing: { equity_fraction: 0.5, lot: 10 }", feeBps: 10, feeFixed: 2))
        withFees.flatBar(100)
        #expect(withFees.signal(.long).targets.map(\.quantity) == [40])

        // Without fees: floor(5,000 / (100 × 10)) = 5 lots = 50 units
        var noFees = Driver(try AgentFixture.portfolio(risk: "  sizing: { equity_fraction: 0.5, lot: 10 }"))
        noFees.flatBar(100)
        #expect(noFees.signal(.long).targets.map(\.quantity) == [50])
    }

    @Test func equityFractionAtTheNextOpenUsesThatOpen() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { equity_fraction: 1.0, lot: 1 }", fill: "next_open"))
        risk.flatBar(100)
        // Decided at bar 0's close, acted on at bar 1's open.
        #expect(risk.signal(.long).targets.isEmpty)
        let next = risk.bar(open: 40, close: 45)
        // floor(10,000 / 40) = 250 units, working against the open
        #expect(next.targets.map(\.quantity) == [250])
        #expect(next.targets.first?.reference == .open)
    }

    @Test func volatilityTargetScalesByRealisedVolatility() throws {
        // Closes 100, 110, 99, 108.9, 98.01: returns +0.1, −0.1, +0.1, −0.1 (window 4).
        // Sample sd = sqrt(4 × 0.01 / 3) = 0.1154701; annualised × sqrt(252) = 1.8330303
        // fraction = 0.2 / 1.8330303 = 0.1091089 (under max_fraction 1)
        // floor(0.1091089 × 10,000 / 98.01) = floor(11.13) = 11 units
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { vol_target: 0.2, window: 4 }"))
        for close in [100, 110, 99, 108.9, 98.01] { risk.flatBar(close) }
        #expect(risk.signal(.long).targets.map(\.quantity) == [11])

        // Capped by max_fraction 0.05: floor(0.05 × 10,000 / 98.01) = floor(5.10) = 5 units
        var capped = Driver(try AgentFixture.portfolio(risk: "  sizing: { vol_target: 0.2, window: 4, max_fraction: 0.05 }"))
        for close in [100, 110, 99, 108.9, 98.01] { capped.flatBar(close) }
        #expect(capped.signal(.long).targets.map(\.quantity) == [5])
    }

    @Test func volatilityTargetWithoutReturnsOpensNothing() throws {
        // One bar: no return yet, so no volatility to scale by; no order rather than a guess.
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { vol_target: 0.2, window: 4 }"))
        risk.flatBar(100)
        #expect(risk.signal(.long).targets.isEmpty)
    }

    @Test func kellyStartsAtAQuarterOfTheCapThenUsesClosedTrades() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { kelly: 0.5, window: 20 }"))
        risk.flatBar(100)
        // Fewer than 5 closed trades: 0.5 × (0.25 × max_fraction 1) = 0.125
        // floor(0.125 × 10,000 / 100) = 12 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [12])
        risk.fill(10, at: 100)
        risk.flatBar(110)
        #expect(risk.signal(.flat).targets.map(\.quantity) == [0])
        risk.fill(-10, at: 110)  // +100

        // Four more round trips of 10 units from 100: two wins of +100 and two losses of −50.
        for exit in [110.0, 95, 110, 95] {
            risk.flatBar(100)
            risk.signal(.long)
            risk.fill(10, at: 100)
            risk.flatBar(exit)
            risk.signal(.flat)
            risk.fill(-10, at: exit)
        }
        risk.flatBar(100)
        // W = 3/5 = 0.6, R = 100 / 50 = 2, Kelly = 0.6 − 0.4 / 2 = 0.4; × 0.5 = 0.2
        // equity = 10,000 + 3 × 100 − 2 × 50 = 10,200; floor(0.2 × 10,200 / 100) = floor(20.4) = 20 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [20])
    }
}
