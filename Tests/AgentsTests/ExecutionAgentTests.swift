import Testing
@testable import Agents

/// The simulated venue and the execution algorithms, driven with hand-made bars and targets.
/// A target arrives after its bar, as in the fused runner; prices and fees are computed by
/// hand in the comments.
struct ExecutionAgentTests {
    static func venue(_ sim: String, algo: String = "algo: market") throws -> Driver<ExecutionAgent> {
        Driver(try AgentFixture.execution("  \(algo)\n  venue: { sim: { \(sim) } }"))
    }

    @Test func marketOrderFillsAtTheOpenWithSlippageAndFees() throws {
        var venue = try Self.venue("fill: next_open, slippage_bps: 10, fee_bps: 5, fee_fixed: 1")
        venue.bar(open: 50, close: 52)
        let buy = venue.target(100, reference: .open)
        // buy: 50 × (1 + 0.001) = 50.05; fee 1 + 100 × 50.05 × 0.0005 = 1 + 2.5025 = 3.5025
        let fill = try #require(buy.fills.first)
        #expect(close(fill.price, 50.05) && close(fill.fee, 3.5025) && fill.quantity == 100)
        #expect(fill.arrivalPrice == 50 && fill.reference == .open && fill.order == fill.parent)
        #expect(buy.orders.map(\.status) == [.accepted, .filled])
        // Slippage against arrival: (50.05 − 50) / 50 = 10 bps
        #expect(close((fill.price - fill.arrivalPrice) / fill.arrivalPrice * 10_000, 10, tolerance: 1e-9))

        let sell = venue.target(0, reference: .open)
        // sell: 50 × (1 − 0.001) = 49.95; fee 1 + 100 × 49.95 × 0.0005 = 1 + 2.4975 = 3.4975
        let exit = try #require(sell.fills.first)
        #expect(exit.quantity == -100 && close(exit.price, 49.95) && close(exit.fee, 3.4975))
        #expect(venue.agent.positions == [0])
    }

    @Test func marketOrderAtTheCloseFillsAtTheClose() throws {
        var venue = try Self.venue("fill: close, slippage_bps: 20")
        venue.bar(open: 50, close: 60)
        let fill = try #require(venue.target(-10, reference: .close).fills.first)
        // 60 × (1 − 0.002) = 59.88
        #expect(close(fill.price, 59.88) && fill.arrivalPrice == 60 && fill.reference == .close)
    }

    @Test func participationCapCarriesTheRemainderToLaterBars() throws {
        var venue = try Self.venue("participation: 0.1")
        venue.bar(open: 50, close: 50, volume: 250)
        let first = venue.target(60, reference: .open)
        // cap floor(0.1 × 250) = 25
        #expect(first.fills.map(\.quantity) == [25])
        #expect(first.orders.last?.status == .partiallyFilled)
        // cap floor(0.1 × 300) = 30, at this bar's open
        let second = venue.bar(open: 51, close: 51, volume: 300)
        #expect(second.fills.map(\.quantity) == [30] && second.fills.first?.price == 51)
        #expect(second.fills.first?.arrivalPrice == 50, "arrival stays the price when the order was placed")
        // cap floor(0.1 × 100) = 10; 5 remain
        let third = venue.bar(open: 52, close: 52, volume: 100)
        #expect(third.fills.map(\.quantity) == [5])
        #expect(third.orders.last?.status == .filled && third.orders.last?.filled == 60)
        #expect(venue.bar(open: 53, close: 53).fills.isEmpty)
        #expect(venue.agent.positions == [60])
    }

    @Test func aNewTargetCancelsWhatStillWorks() throws {
        var venue = try Self.venue("participation: 0.1")
        venue.bar(open: 50, close: 50, volume: 100)
        venue.target(60, reference: .open)  // 10 filled, 50 working
        let replaced = venue.target(0, reference: .open)
        #expect(replaced.orders.first?.status == .cancelled && replaced.orders.first?.id == 1)
        // The new order sells what was bought: 10, capped at 10.
        #expect(replaced.fills.map(\.quantity) == [-10])
        #expect(venue.bar(open: 50, close: 50, volume: 1_000).fills.isEmpty)
    }

    @Test func limitOrderFillsAtItsPriceWhenTouched() throws {
        var venue = try Self.venue("slippage_bps: 10", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 3 }")
        venue.bar(open: 100, close: 100)
        let placed = venue.target(10, reference: .open)
        // buy 1% under the reference: 100 × 0.99 = 99
        let order = try #require(placed.orders.first)
        #expect(order.kind == .limit && order.status == .accepted && close(order.limitPrice ?? 0, 99))
        #expect(placed.fills.isEmpty)
        #expect(venue.bar(open: 100.5, high: 101, low: 99.5, close: 100).fills.isEmpty, "low 99.5 does not reach 99")
        let touched = venue.bar(open: 100, high: 100, low: 98.5, close: 99.5)
        // Touched inside the bar: filled at the limit, no slippage.
        #expect(touched.fills.map(\.quantity) == [10])
        #expect(close(touched.fills.first?.price ?? 0, 99))
        #expect(touched.orders.last?.status == .filled)
    }

    @Test func limitOrderGappedThroughFillsAtTheOpen() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 3 }")
        venue.bar(open: 100, close: 100)
        venue.target(-10, reference: .open)  // sell limit 100 × 1.01 = 101
        let gap = venue.bar(open: 102, high: 103, low: 101.5, close: 102)
        // The bar opens above the limit: the sale happens at the better open, 102.
        #expect(gap.fills.map(\.quantity) == [-10] && gap.fills.first?.price == 102)
    }

    @Test func limitOrderExpiresAfterItsTimeToLive() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 3 }")
        venue.bar(open: 100, close: 100)
        // Buy limit 99, sent at the open: it works in this bar (low 100, untouched), then two more.
        let sent = venue.target(10, reference: .open)
        #expect(sent.fills.isEmpty && sent.orders.map(\.status) == [.accepted])
        let first = venue.bar(open: 100, high: 101, low: 99.5, close: 100)
        #expect(first.orders.isEmpty && first.fills.isEmpty)
        let second = venue.bar(open: 100, high: 101, low: 99.5, close: 100)
        #expect(second.orders.map(\.status) == [.expired])
        #expect(venue.bar(open: 98, high: 98, low: 97, close: 98).fills.isEmpty, "an expired order never fills")
    }

    @Test func twapSplitsTheParentIntoChildrenOverTheHorizon() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: twap\n  twap: { horizon: 4d, slices: 4 }")
        venue.bar(open: 10, close: 10)
        let placed = venue.target(100, reference: .open)
        // Parent 1, children 2…5 of 100 / 4 = 25 units, all accepted now.
        #expect(placed.orders.map(\.id) == [1, 2, 3, 4, 5])
        #expect(placed.orders.map(\.parent) == [1, 1, 1, 1, 1])
        #expect(placed.orders.map(\.quantity) == [100, 25, 25, 25, 25])
        #expect(placed.fills.isEmpty)
        var fills: [Fill] = []
        for open in [11.0, 12, 13, 14] {
            let bar = venue.bar(open: open, close: open)
            #expect(bar.fills.count == 1, "one child per bar")
            fills += bar.fills
        }
        #expect(fills.map(\.order) == [2, 3, 4, 5])
        #expect(fills.allSatisfy { $0.parent == 1 && $0.arrivalPrice == 10 })
        // Aggregated per parent: 100 units at (11 + 12 + 13 + 14) × 25 / 100 = 12.5;
        // slippage against the arrival price 10: +25%.
        let total = fills.reduce(0) { $0 + $1.quantity }
        let average = fills.reduce(0) { $0 + $1.quantity * $1.price } / total
        #expect(total == 100 && average == 12.5)
        #expect(venue.agent.positions == [100])
        #expect(venue.bar(open: 15, close: 15).fills.isEmpty)
    }

    @Test func theParentOrderAddsUpItsChildrensFills() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: twap\n  twap: { horizon: 2d, slices: 2 }")
        venue.bar(open: 10, close: 10)
        venue.target(40, reference: .open)  // parent 1, children 2 and 3 of 20
        let first = venue.flatBar(11)
        #expect(first.orders.filter { $0.id == 1 }.map(\.status) == [.partiallyFilled])
        #expect(first.orders.filter { $0.id == 1 }.map(\.filled) == [20])
        let second = venue.flatBar(12)
        #expect(second.orders.filter { $0.id == 1 }.map(\.status) == [.filled])
        #expect(second.orders.filter { $0.id == 1 }.map(\.filled) == [40])
    }

    @Test func aNewTargetCancelsTheParentWithItsChildren() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: twap\n  twap: { horizon: 3d, slices: 3 }")
        venue.bar(open: 10, close: 10)
        venue.target(30, reference: .open)  // parent 1, children 2, 3, 4
        venue.flatBar(11)                   // child 2 fills
        let replaced = venue.target(0, reference: .open)
        let cancelled = replaced.orders.filter { $0.status == .cancelled }.map(\.id)
        #expect(Set(cancelled) == [1, 3, 4])
    }

    @Test func twapSpacesChildrenWhenTheHorizonHoldsMoreBarsThanSlices() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: twap\n  twap: { horizon: 6d, slices: 3 }")
        venue.bar(open: 10, close: 10)
        venue.target(30, reference: .open)
        // 6 bars / 3 slices: a child every 2 bars, at bars 1, 3 and 5.
        var filledAt: [Int] = []
        for _ in 1...6 {
            if !venue.flatBar(10).fills.isEmpty { filledAt.append(venue.bar) }
        }
        #expect(filledAt == [1, 3, 5])
    }

    @Test func twapChildrenAreWholeUnitsThatAddUpToTheParent() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: twap\n  twap: { horizon: 4d, slices: 4 }")
        venue.bar(open: 10, close: 10)
        let children = venue.target(10, reference: .open).orders.dropFirst()
        #expect(children.count == 4)
        #expect(children.allSatisfy { $0.quantity == $0.quantity.rounded() && $0.quantity > 0 })
        #expect(children.reduce(0) { $0 + $1.quantity } == 10)
    }

    @Test func vwapWeightsChildrenByTheVolumeProfileOfPastSessions() throws {
        var venue = Driver(try AgentFixture.execution("  algo: vwap\n  vwap: { horizon: 4h, slices: 4, profile: data }\n  venue: { sim: { fee_bps: 0 } }",
                                                      interval: "1h"))
        venue.spacing = 3_600_000_000
        // Day one, hourly: 100, 200, 300, 400 at 01:00…04:00, 1,000 in every other hour.
        for hour in 0..<24 { venue.bar(open: 10, close: 10, volume: (1...4).contains(hour) ? Double(hour * 100) : 1_000) }
        venue.bar(open: 10, close: 10, volume: 5_000)  // day two, 00:00: its own volume is not known at its open
        let placed = venue.target(50, reference: .open)
        // Children at 01:00…04:00 weighted 100 : 200 : 300 : 400 → 50 × (0.1, 0.2, 0.3, 0.4) = 5, 10, 15, 20
        #expect(placed.orders.dropFirst().map(\.quantity) == [5, 10, 15, 20])
        var filled: [Double] = []
        for _ in 0..<4 { filled += venue.flatBar(10).fills.map(\.quantity) }
        #expect(filled == [5, 10, 15, 20])
    }

    @Test func vwapOnDailyBarsHasOneBucketSoSlicesAreEven() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: vwap\n  vwap: { horizon: 4d, slices: 4, profile: data }")
        for volume in [100.0, 200, 300, 400] { venue.bar(open: 10, close: 10, volume: volume) }
        // Every daily bar falls in the same time-of-day bucket: equal weights, 50 / 4 = 12.5,
        // whole units by cumulative weight: 12, 25 − 12 = 13, 37 − 25 = 12, 50 − 37 = 13.
        #expect(venue.target(50, reference: .open).orders.dropFirst().map(\.quantity) == [12, 13, 12, 13])
    }

    @Test func haltCancelsOpenOrdersAndRefusesOrdersThatAddRisk() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 5 }")
        venue.bar(open: 100, close: 100)
        venue.target(10, reference: .open)  // resting buy limit at 99
        let halted = venue.command(.halt(reason: "drawdown"))
        #expect(halted.orders.map(\.status) == [.cancelled])
        #expect(venue.agent.halted)
        #expect(venue.bar(open: 98, high: 98, low: 97, close: 98).fills.isEmpty, "a cancelled order never fills")
        let refused = venue.target(10, reference: .open, id: 7)
        #expect(refused.errors.map(\.order) == [7])
        #expect(refused.orders.isEmpty)
        venue.command(.resume(reason: "operator"))
        #expect(venue.target(10, reference: .open, id: 8).errors.isEmpty)
    }

    /// Issue 6: the kill switch cancels every open order whether it enters HALTED or REDUCING.
    @Test func reduceOnlyCancelsOpenOrdersButKeepsTrading() throws {
        var venue = try Self.venue("fee_bps: 0", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 5 }")
        venue.bar(open: 100, close: 100)
        venue.target(10, reference: .open)  // resting buy limit at 99
        let reducing = venue.command(.reduceOnly(reason: "drawdown"))
        #expect(reducing.orders.map(\.status) == [.cancelled])
        #expect(!venue.agent.halted, "REDUCING is PortfolioRisk's to enforce; Execution still works the targets it is sent")
        #expect(venue.bar(open: 98, high: 98, low: 97, close: 98).fills.isEmpty, "a cancelled order never fills")
    }

    @Test func haltStillAcceptsOrdersThatReduceAPosition() throws {
        var venue = try Self.venue("fee_bps: 0")
        venue.bar(open: 100, close: 100)
        venue.target(10, reference: .open)
        venue.command(.halt(reason: "drawdown"))
        venue.flatBar(90)
        let flatten = venue.target(0, reference: .open)
        #expect(flatten.errors.isEmpty)
        #expect(flatten.fills.map(\.quantity) == [-10])
    }
}

/// The Supervisor turns a drawdown breach or repeated rejects into one halt command.
struct SupervisorAgentTests {
    static let drawdown = RiskAlert(kind: .drawdown, instrument: 0, requested: 0, allowed: 0, measured: 0.15, limit: 0.1)

    @Test func drawdownAlertTripsTheKillSwitchOnce() {
        var supervisor = Driver(SupervisorAgent(maxRejects: nil))
        let first = supervisor.send(.alert(Self.drawdown), topic: .riskAlert, source: .portfolioRisk)
        guard case .halt(let reason)? = first.commands.first else {
            Issue.record("no halt command: \(first.commands)")
            return
        }
        #expect(reason.contains("0.15") && reason.contains("0.1"))
        #expect(supervisor.send(.alert(Self.drawdown), topic: .riskAlert, source: .portfolioRisk).isEmpty)
        #expect(supervisor.agent.incidents.count == 1)
    }

    @Test func killSwitchOffForDrawdownsIgnoresTheAlert() {
        var supervisor = Driver(SupervisorAgent(maxRejects: nil, onDrawdown: false, action: .halt))
        #expect(supervisor.send(.alert(Self.drawdown), topic: .riskAlert, source: .portfolioRisk).isEmpty)
        #expect(!supervisor.agent.tripped)
    }

    @Test func killSwitchActionReduceOnlyCommandsReduceOnly() {
        var supervisor = Driver(SupervisorAgent(maxRejects: nil, onDrawdown: true, action: .reduceOnly))
        let commands = supervisor.send(.alert(Self.drawdown), topic: .riskAlert, source: .portfolioRisk).commands
        #expect(commands.count == 1)
        if case .reduceOnly? = commands.first {} else { Issue.record("expected reduce_only, got \(commands)") }
    }

    @Test func otherAlertsDoNotHalt() {
        var supervisor = Driver(SupervisorAgent(maxRejects: nil))
        let alert = RiskAlert(kind: .maxLeverage, instrument: 0, requested: 100, allowed: 50, measured: 1, limit: 0.5)
        #expect(supervisor.send(.alert(alert), topic: .riskAlert, source: .portfolioRisk).isEmpty)
    }

    @Test func rejectsInARowTripTheKillSwitchAndAFillResetsTheCount() {
        var supervisor = Driver(SupervisorAgent(maxRejects: 3))
        let reject = Payload.executionError(ExecutionFailure(order: 1, reason: "halted"))
        supervisor.send(reject, topic: .executionError, source: .execution)
        supervisor.send(reject, topic: .executionError, source: .execution)
        supervisor.send(.fill(Fill(order: 1, parent: 1, instrument: 0, barIndex: 0, quantity: 1, price: 1, fee: 0, arrivalPrice: 1, reference: .open)),
                        topic: .executionFill, source: .execution)
        supervisor.send(reject, topic: .executionError, source: .execution)
        #expect(supervisor.send(reject, topic: .executionError, source: .execution).isEmpty, "two in a row after the fill")
        #expect(supervisor.send(reject, topic: .executionError, source: .execution).commands.count == 1, "the third in a row")
    }

    /// The whole path: PortfolioRisk's drawdown alert → Supervisor's halt → Execution cancels.
    @Test func drawdownHaltReachesExecution() throws {
        var supervisor = Driver(SupervisorAgent(maxRejects: nil))
        var venue = try ExecutionAgentTests.venue("fee_bps: 0", algo: "algo: limit\n  limit: { offset_bps: 100, ttl: 5 }")
        venue.bar(open: 100, close: 100)
        venue.target(10, reference: .open)
        let command = try #require(supervisor.send(.alert(Self.drawdown), topic: .riskAlert, source: .portfolioRisk).commands.first)
        #expect(venue.command(command).orders.map(\.status) == [.cancelled])
    }
}
