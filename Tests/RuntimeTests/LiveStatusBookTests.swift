import Agents
import Foundation
import Runtime
import StrategyCompiler
import Testing

/// What `/status` reports, against the books the fused runner's PortfolioRisk keeps after the
/// same bars: positions, equity, unrealized P&L (equity minus cash, in its accounting) and
/// realized P&L (the backtest's closed trades).
struct LiveStatusBookTests {
    /// Runs both runners up to the first moment at or after `count` bars with a position open
    /// (with `growing`, one that was open already and grew: a second lot at another price).
    func check(_ plan: Plan, stopAfter count: Int, growing: Bool = false) async throws {
        let all = try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan))
        var fused = FusedRunner(plan: plan, evaluators: [:])
        var sink = CollectingSink()
        let multi = plan.spec.dataSources.count > 1
        func holding() -> Bool { plan.spec.dataSources.indices.contains { fused.portfolio.position($0) != 0 } }
        var taken = all.count
        var open: Int64?
        for (index, bar) in all.enumerated() {
            if multi, let current = open, bar.bar.timestamp != current {
                fused.close(into: &sink)
                if index >= count, holding() {
                    taken = index
                    open = nil
                    break
                }
            }
            open = bar.bar.timestamp
            if multi {
                fused.open(bar.bar, instrument: bar.instrument, into: &sink)
            } else {
                let before = fused.portfolio.position(0)
                fused.push(bar.bar, instrument: 0, into: &sink)
                let after = fused.portfolio.position(0)
                if index + 1 >= count, holding(), !growing || (before != 0 && abs(after) > abs(before)) {
                    taken = index + 1
                    break
                }
            }
        }
        if multi, open != nil { fused.close(into: &sink) }
        let bars = Array(all.prefix(taken))
        let instruments = plan.spec.dataSources.map(\.instrument)
        let book = LiveStatusBook(instruments: instruments, cash: plan.spec.portfolio.cash)
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]), configuration: .init(instruments: instruments.count),
                                observers: [book])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for bar in bars { await runner.send(bar) }
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }
        let status = book.snapshot
        let held = instruments.indices.filter { fused.portfolio.position($0) != 0 }
        #expect(!held.isEmpty, "the check needs an open position")
        #expect(status.positions.map(\.instrument) == held.map { instruments[$0] })
        for (position, index) in zip(status.positions, held) {
            #expect(abs(position.quantity - fused.portfolio.position(index)) < 1e-9)
        }
        #expect(status.equity == fused.portfolio.equity)
        let unrealized = fused.portfolio.equity - fused.portfolio.cash
        #expect(abs(status.pnl.unrealized - unrealized) <= 1e-6 * max(1, abs(unrealized)), "\(status.pnl.unrealized) vs \(unrealized)")
        let realized = sink.trades.reduce(0) { $0 + $1.pnl }
        #expect(abs(status.pnl.realized - realized) <= 1e-6 * max(1, abs(realized)))
        #expect(abs(status.pnl.fees - sink.fills.reduce(0) { $0 + $1.fill.fee }) < 1e-9)
    }

    @Test func smaCrossMidRun() async throws {
        try await check(try LiveFixtures.plan(LiveFixtures.smaCross), stopAfter: 1000)
    }

    /// Fees, two instruments, partial closes of several lots.
    @Test func twoInstrumentsWithFees() async throws {
        try await check(try LiveFixtures.plan(LiveFixtures.twoInstruments), stopAfter: 3001)
    }

    /// VWAP slices open a position in several lots at different prices.
    @Test func vwapLots() async throws {
        try await check(try LiveFixtures.plan(file: "strategies/synthetic_hull_trend.yaml"), stopAfter: 0, growing: true)
    }
}
