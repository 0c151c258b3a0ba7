import Testing
@testable import Agents

/// Every pre-trade limit cuts or blocks an opening target and says so in a `risk.alert` naming
/// the limit, what was asked and what was allowed. Sizes are computed by hand in comments
/// (starting cash 10,000, `fill: close`, so a signal acts at the bar's close).
struct PortfolioRiskLimitTests {
    /// A long signal after one bar at `price`, with `fixed: 100` sizing and the given limits.
    func open(limits: String, price: Double = 100, sizing: String = "{ fixed: 100 }") throws -> [Envelope] {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: \(sizing)\n\(limits)"))
        risk.flatBar(price)
        return risk.signal(.long)
    }

    @Test func maxPositionCutsTheTarget() throws {
        let out = try open(limits: "  max_position: 30")
        #expect(out.targets.map(\.quantity) == [30])
        #expect(out.alerts == [RiskAlert(kind: .maxPosition, instrument: 0, requested: 100, allowed: 30, measured: 100, limit: 30)])
    }

    @Test func maxPositionNotionalCutsTheTarget() throws {
        // 100 units × 100 = 10,000 > 2,500: floor(2,500 / 100) = 25 units
        let out = try open(limits: "  max_position_notional: 2500")
        #expect(out.targets.map(\.quantity) == [25])
        #expect(out.alerts == [RiskAlert(kind: .maxPositionNotional, instrument: 0, requested: 100, allowed: 25, measured: 10_000, limit: 2_500)])
    }

    @Test func maxOrderNotionalCutsTheTarget() throws {
        // floor(1,500 / 100) = 15 units
        let out = try open(limits: "  max_order_notional: 1500")
        #expect(out.targets.map(\.quantity) == [15])
        #expect(out.alerts == [RiskAlert(kind: .maxOrderNotional, instrument: 0, requested: 100, allowed: 15, measured: 10_000, limit: 1_500)])
    }

    @Test func maxLeverageCutsTheTarget() throws {
        // 100 units × 100 = 10,000 on equity 10,000: leverage 1.0 > 0.5
        // allowed floor(0.5 × 10,000 / 100) = 50 units
        let out = try open(limits: "  max_leverage: 0.5")
        #expect(out.targets.map(\.quantity) == [50])
        #expect(out.alerts == [RiskAlert(kind: .maxLeverage, instrument: 0, requested: 100, allowed: 50, measured: 1, limit: 0.5)])
    }

    @Test func limitsApplyInTurnAndEachCutIsReported() throws {
        // max_position 60 → 60; then notional 5,000 / 100 → 50; then order notional 4,000 / 100 → 40
        let out = try open(limits: "  max_position: 60\n  max_position_notional: 5000\n  max_order_notional: 4000")
        #expect(out.targets.map(\.quantity) == [40])
        #expect(out.alerts.map(\.kind) == [.maxPosition, .maxPositionNotional, .maxOrderNotional])
        #expect(out.alerts.map(\.allowed) == [60, 50, 40])
    }

    @Test func withinEveryLimitNothingIsCutOrReported() throws {
        let out = try open(limits: "  max_position: 100\n  max_position_notional: 10000\n  max_order_notional: 10000\n  max_leverage: 1.0")
        #expect(out.targets.map(\.quantity) == [100])
        #expect(out.alerts.isEmpty)
    }

    @Test func orderRateBlocksTheThirdOpeningInTheWindow() throws {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 10 }\n  order_rate: { count: 2, per: 1h }"))
        risk.flatBar(100)
        for _ in 0..<2 {
            #expect(risk.signal(.long).targets.map(\.quantity) == [10])
            risk.fill(10, at: 100)
            #expect(risk.signal(.flat).targets.map(\.quantity) == [0])
            risk.fill(-10, at: 100)
        }
        // Two openings already in the last hour (all at this bar's time): the third is blocked.
        let blocked = risk.signal(.long)
        #expect(blocked.targets.isEmpty)
        #expect(blocked.alerts == [RiskAlert(kind: .orderRate, instrument: 0, requested: 10, allowed: 0, measured: 2, limit: 2)])
        // A day later the window has passed.
        risk.flatBar(100)
        #expect(risk.signal(.long).targets.map(\.quantity) == [10])
    }

    /// Eleven closes alternating ×1.1 and ×0.9 from 100: ten returns of +0.1 and −0.1
    /// (mean 0), last close 100 × 0.99⁵ = 95.0990050. Leverage up to 2, so only VaR cuts.
    func valueAtRisk(_ settings: String, bars: Int = 11) throws -> [Envelope] {
        var risk = Driver(try AgentFixture.portfolio(risk: "  sizing: { fixed: 100 }\n  max_leverage: 2\n  var: \(settings)"))
        var price = 100.0
        for index in 0..<bars {
            if index > 0 { price *= index.isMultiple(of: 2) ? 0.9 : 1.1 }
            risk.flatBar(price)
        }
        return risk.signal(.long)
    }

    @Test func historicalValueAtRiskCutsTheTarget() throws {
        // 95% historical over 10 returns: the worst returns are −0.1, loss 0.1 of position value.
        // 100 units: VaR = 100 × 95.099 × 0.1 = 950.99 = 9.5% of equity > 5%
        // allowed floor(0.05 × 10,000 / (95.099005 × 0.1)) = floor(52.58) = 52 units
        let out = try valueAtRisk("{ method: historical, confidence: 0.95, horizon: 1, window: 10, limit: 0.05 }")
        #expect(out.targets.map(\.quantity) == [52])
        let alert = try #require(out.alerts.first)
        #expect(alert.kind == .valueAtRisk && alert.requested == 100 && alert.allowed == 52 && alert.limit == 0.05)
        #expect(close(alert.measured, 0.0950990049, tolerance: 1e-9))
    }

    @Test func valueAtRiskScalesWithTheSquareRootOfTheHorizon() throws {
        // horizon 4: loss 0.1 × sqrt(4) = 0.2; floor(500 / (95.099005 × 0.2)) = floor(26.29) = 26 units
        let out = try valueAtRisk("{ method: historical, confidence: 0.95, horizon: 4, window: 10, limit: 0.05 }")
        #expect(out.targets.map(\.quantity) == [26])
    }

    @Test func parametricValueAtRiskCutsTheTarget() throws {
        // mean 0, sample sd = sqrt(10 × 0.01 / 9) = 0.1054093; z(0.95) = 1.6448536
        // loss = 1.6448536 × 0.1054093 = 0.1733828
        // allowed floor(500 / (95.099005 × 0.1733828)) = floor(500 / 16.48852) = floor(30.32) = 30 units
        let out = try valueAtRisk("{ method: parametric, confidence: 0.95, horizon: 1, window: 10, limit: 0.05 }")
        #expect(out.targets.map(\.quantity) == [30])
        #expect(out.alerts.map(\.kind) == [.valueAtRisk])
    }

    @Test func valueAtRiskWaitsForTenReturns() throws {
        // Ten closes give nine returns: too few to estimate, so the target passes uncut.
        let out = try valueAtRisk("{ method: historical, confidence: 0.95, horizon: 1, window: 10, limit: 0.05 }", bars: 10)
        #expect(out.targets.map(\.quantity) == [100])
        #expect(out.alerts.isEmpty)
    }
}
