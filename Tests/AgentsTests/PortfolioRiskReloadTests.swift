import Testing
@testable import Agents

/// The return history across a reload (`PortfolioRiskAgent.carrying(from:)`): a configuration
/// that starts reading returns (volatility sizing, VaR) after one that kept none starts with an
/// empty history and waits for new bars; between two configurations that both read returns,
/// the history carries over, the latest returns kept when the new window is shorter.
///
/// Daily bars (252 a year), starting cash 10,000, no fills, so equity stays 10,000. Every
/// expected size is computed by hand in the comment beside it.
struct PortfolioRiskReloadTests {
    /// Closes 100, 110, 99, 108.9, 98.01: returns +0.1, −0.1, +0.1, −0.1.
    static let closes = [100, 110, 99, 108.9, 98.01]

    /// `risk` continued under a new `risk:` section, as a reload does.
    func reload(_ risk: inout Driver<PortfolioRiskAgent>, to settings: String) throws {
        risk.agent = try AgentFixture.portfolio(risk: settings).carrying(from: risk.agent)
    }

    @Test func volatilitySizingAddedByAReloadStartsWithNoReturns() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 10 }"))
        for close in Self.closes { risk.flatBar(close) }
        try reload(&risk, to: "  sizing: { vol_target: 0.2, window: 4 }")

        // The old configuration kept no returns: no volatility to size by, so no order (with the
        // four returns above it would be 11 units, as PortfolioRiskSizingTests finds).
        #expect(risk.signal(.long).targets.isEmpty)
        // One new bar, one return: a sample of one has no standard deviation yet.
        risk.flatBar(107.811)
        #expect(risk.signal(.long).targets.isEmpty)
        // Two returns since the reload, 107.811 / 98.01 − 1 = +0.1 and 97.0299 / 107.811 − 1 = −0.1:
        // sample sd = sqrt(2 × 0.01 / 1) = 0.1414214; × sqrt(252) = 2.2449944
        // fraction = 0.2 / 2.2449944 = 0.0890871; floor(0.0890871 × 10,000 / 97.0299) = floor(9.18) = 9 units
        risk.flatBar(97.0299)
        #expect(risk.signal(.long).targets.map(\.quantity) == [9])
    }

    @Test func volatilitySizingCarriesItsReturnsAcrossAReload() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { vol_target: 0.2, window: 4 }"))
        for close in Self.closes { risk.flatBar(close) }
        try reload(&risk, to: "  sizing: { vol_target: 0.4, window: 4 }")

        // The four returns carried over, the new target read:
        // sample sd = sqrt(4 × 0.01 / 3) = 0.1154701; × sqrt(252) = 1.8330303
        // fraction = 0.4 / 1.8330303 = 0.2182179; floor(0.2182179 × 10,000 / 98.01) = floor(22.26) = 22 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [22])
    }

    @Test func aShorterWindowKeepsTheLatestReturns() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { vol_target: 0.2, window: 4 }"))
        // Returns +0.1, +0.1, −0.1, +0.1.
        for close in [100, 110, 121, 108.9, 119.79] { risk.flatBar(close) }
        try reload(&risk, to: "  sizing: { vol_target: 0.2, window: 2 }")

        // Window 2 reads the latest two, −0.1 and +0.1 (the oldest two, +0.1 and +0.1, would
        // have no spread and open nothing):
        // sample sd = sqrt(2 × 0.01 / 1) = 0.1414214; × sqrt(252) = 2.2449944
        // fraction = 0.2 / 2.2449944 = 0.0890871; floor(0.0890871 × 10,000 / 119.79) = floor(7.44) = 7 units
        #expect(risk.signal(.long).targets.map(\.quantity) == [7])
    }

    /// Closes from 100 alternating ×1.1 and ×0.9, `count` of them, continuing from `first`.
    func alternating(_ risk: inout Driver<PortfolioRiskAgent>, from first: Int, count: Int) {
        var price = 100.0
        for index in 0..<(first + count) {
            if index > 0 { price *= index.isMultiple(of: 2) ? 0.9 : 1.1 }
            if index >= first { risk.flatBar(price) }
        }
    }

    @Test func valueAtRiskAddedByAReloadWaitsForTenNewReturns() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 100 }\n  max_leverage: 2"))
        alternating(&risk, from: 0, count: 11)
        try reload(&risk, to: "  sizing: { fixed: 100 }\n  max_leverage: 2\n  var: \(Self.historicalVaR(limit: 0.05))")

        // No returns carried: VaR cannot be estimated, the target passes uncut. (With the ten
        // returns of the eleven closes it would be cut to 52, as in the next test.)
        var out = risk.signal(.long)
        #expect(out.targets.map(\.quantity) == [100] && out.alerts.isEmpty)
        // Nine more closes, nine returns: still too few.
        alternating(&risk, from: 11, count: 9)
        out = risk.signal(.long)
        #expect(out.targets.map(\.quantity) == [100] && out.alerts.isEmpty)
        // The tenth: ten returns of ±0.1, worst −0.1, loss 0.1; last close 100 × 0.99¹⁰ = 90.4382075
        // VaR of 100 units = 100 × 90.4382 × 0.1 = 904.38 > 5% of 10,000
        // allowed floor(500 / (90.4382075 × 0.1)) = floor(55.29) = 55 units
        alternating(&risk, from: 20, count: 1)
        out = risk.signal(.long)
        #expect(out.targets.map(\.quantity) == [55])
        #expect(out.alerts.map(\.kind) == [.valueAtRisk])
    }

    @Test func valueAtRiskCarriesItsReturnsAcrossAReload() throws {
        var risk = Driver(try AgentFixture.portfolio(
            risk: "  sizing: { fixed: 100 }\n  max_leverage: 2\n  var: \(Self.historicalVaR(limit: 0.05))"))
        alternating(&risk, from: 0, count: 11)
        try reload(&risk, to: "  sizing: { fixed: 100 }\n  max_leverage: 2\n  var: \(Self.historicalVaR(limit: 0.04))")

        // The ten returns carried over, the new limit read: last close 100 × 0.99⁵ = 95.0990050
        // allowed floor(0.04 × 10,000 / (95.099005 × 0.1)) = floor(400 / 9.5099005) = floor(42.06) = 42 units
        let out = risk.signal(.long)
        #expect(out.targets.map(\.quantity) == [42])
        #expect(out.alerts.map(\.kind) == [.valueAtRisk])
    }

    static func historicalVaR(limit: Double) -> String {
        "{ method: historical, confidence: 0.95, horizon: 1, window: 10, limit: \(limit) }"
    }
}
