import Agents
import Foundation
import Runtime
import Testing

/// The fused runner over data/GOOG.csv: deterministic, audited, and wired so that a drawdown
/// halt travels PortfolioRisk → Supervisor → Execution.
struct FusedRunnerTests {
    /// SMA(10)/SMA(30) crossover with every part of the venue switched on: TWAP children,
    /// fees in bps and fixed, slippage and a participation cap.
    static let busy = """
        strategy: { name: busy }
        data:
          goog: { csv: data/GOOG.csv, instrument: GOOG, interval: 1d }
        features:
          fast: sma(close, 10)
          slow: sma(close, 30)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
        risk:
          sizing: { equity_fraction: 0.5, lot: 5 }
        execution:
          algo: twap
          twap: { horizon: 3d, slices: 3 }
          venue: { sim: { fill: next_open, fee_bps: 7, fee_fixed: 1, slippage_bps: 3, participation: 0.000002 } }
        """

    static func json(_ payload: Payload) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(payload), as: UTF8.self)
    }

    @Test func sameInputsGiveIdenticalResults() throws {
        let first = try BacktestParityTests.run(Self.busy)
        let second = try BacktestParityTests.run(Self.busy)
        // Enough happened for the comparison to mean something.
        #expect(first.sink.trades.count > 20)
        #expect(first.sink.fills.count > first.sink.trades.count)
        #expect(first.sink.orders.contains { $0.order.parent != $0.order.id }, "TWAP children")
        #expect(first.sink.orders.contains { $0.order.status == .partiallyFilled }, "participation cap")

        #expect(first.sink.equity == second.sink.equity)
        #expect(first.sink.trades == second.sink.trades)
        #expect(first.sink.orders.map(\.timestamp) == second.sink.orders.map(\.timestamp))
        #expect(first.sink.orders.map(\.order) == second.sink.orders.map(\.order))
        #expect(first.sink.fills.map(\.timestamp) == second.sink.fills.map(\.timestamp))
        #expect(first.sink.fills.map(\.fill) == second.sink.fills.map(\.fill))
        #expect(first.sink.audit.count == second.sink.audit.count)
        for (a, b) in zip(first.sink.audit, second.sink.audit) {
            #expect(a.kind == b.kind && a.timestamp == b.timestamp)
            #expect(try Self.json(a.payload) == Self.json(b.payload))
        }
    }

    @Test func auditRecordsCoverEveryOrderAndFill() throws {
        let result = try BacktestParityTests.run(Self.busy)
        let orderRecords = result.sink.audit.filter { $0.kind == "execution.order" }
        let fillRecords = result.sink.audit.filter { $0.kind == "execution.fill" }
        // Every order update but (partially) filled ones, which the fill records stand for.
        let audited = result.sink.orders.filter { $0.order.status != .filled && $0.order.status != .partiallyFilled }
        #expect(orderRecords.count == audited.count)
        #expect(fillRecords.count == result.sink.fills.count)
        for (record, entry) in zip(orderRecords, audited) {
            #expect(record.timestamp == entry.timestamp)
            #expect(try Self.json(record.payload) == Self.json(.order(entry.order)))
        }
        for (record, entry) in zip(fillRecords, result.sink.fills) {
            #expect(record.timestamp == entry.timestamp)
            #expect(try Self.json(record.payload) == Self.json(.fill(entry.fill)))
        }
        // Decisions and targets are audited too: one target per decision at least.
        #expect(result.sink.audit.contains { $0.kind == "portfolio.target" })
        #expect(result.sink.audit.filter { $0.kind.hasPrefix("signal.") }.count == result.sink.signals.count)
    }

    @Test func auditCanBeSwitchedOff() throws {
        let result = try BacktestParityTests.run(Self.busy + "\ncompliance: { audit: false }\n")
        #expect(result.sink.audit.isEmpty)
        #expect(!result.sink.fills.isEmpty)
    }

    @Test func fillsAddUpToEachParentOrder() throws {
        let result = try BacktestParityTests.run(Self.busy)
        var filled: [UInt64: Double] = [:]
        for (_, fill) in result.sink.fills { filled[fill.parent, default: 0] += fill.quantity }
        // Each child's last update carries its cumulative fill; summed per parent they match the fills.
        var latest: [UInt64: OrderUpdate] = [:]
        for (_, order) in result.sink.orders { latest[order.id] = order }
        var childTotals: [UInt64: Double] = [:]
        for order in latest.values where order.parent != order.id { childTotals[order.parent, default: 0] += order.filled }
        for (parent, quantity) in filled where childTotals[parent] != nil {
            #expect(abs(childTotals[parent]! - quantity) < 1e-9, "parent \(parent)")
        }
        #expect(!childTotals.isEmpty)
        // The parent's own last update says the same, and a parent ends filled or cancelled
        // unless its children still work at the end of the data.
        for (parent, quantity) in filled where childTotals[parent] != nil {
            let update = try #require(latest[parent])
            #expect(abs(update.filled - quantity) < 1e-9, "parent \(parent): \(update.filled) vs \(quantity)")
            if update.status == .filled { #expect(abs(update.filled - update.quantity) < 1e-9) }
        }
        let lastBar = try #require(result.sink.equity.last?.timestamp)
        let openParents = latest.values.filter { $0.parent == $0.id && ($0.status == .accepted || $0.status == .partiallyFilled) }
        let lastOrderTime = result.sink.orders.filter { $0.order.parent == $0.order.id && $0.order.status == .accepted }.map(\.timestamp).max() ?? 0
        #expect(openParents.count <= 1 && (openParents.isEmpty || lastOrderTime > lastBar - 3 * 86_400_000_000),
                "only an algo started in the last 3 days can still be open: \(openParents.map(\.id))")
    }

    @Test func drawdownHaltFlattensAndStaysFlat() throws {
        // GOOG's SMA crossover draws down 48% (backtesting.py's Max. Drawdown in
        // Tests/ReportsTests/References/sma_cross/stats.json), so a 20% limit must trip.
        let yaml = BacktestParityTests.smaCross(fill: "next_open", feeBps: 0)
            .replacingOccurrences(of: "sizing: { equity_fraction: 1.0, lot: 1 }",
                                  with: "sizing: { equity_fraction: 1.0, lot: 1 }\n  max_drawdown: { limit: 0.2, action: halt }")
        let result = try BacktestParityTests.run(yaml)
        let breach = try #require(result.sink.equity.firstIndex { $0.state == .halted })
        #expect(result.sink.equity[breach].drawdown >= 0.2)
        #expect(result.sink.equity[..<breach].allSatisfy { $0.drawdown < 0.2 })
        #expect(result.sink.equity[breach...].allSatisfy { $0.state == .halted })
        #expect(result.sink.alerts.contains { $0.alert.kind == .drawdown })
        #expect(result.sink.commands.count == 1)
        // After the breach bar: one flattening fill at the next open, then nothing.
        let breachTime = result.sink.equity[breach].timestamp
        let later = result.sink.fills.filter { $0.timestamp > breachTime }
        #expect(later.count == 1)
        #expect(later.first?.timestamp == result.sink.equity[breach + 1].timestamp)
        // The run ends flat: nothing left for the end-of-run close.
        #expect(!result.sink.trades.contains { $0.closedAtEnd })
        // New signals after the halt are refused with an alert rather than traded.
        #expect(result.sink.alerts.contains { $0.alert.kind == .halted })
    }

    /// `max_drawdown` with `reduce_only`, and a kill switch told not to trip on drawdown: the
    /// breach must leave PortfolioRisk REDUCING (keep the position, open nothing new), not halted.
    @Test func reduceOnlyDrawdownWithTheKillSwitchOffDoesNotHalt() throws {
        let yaml = BacktestParityTests.smaCross(fill: "next_open", feeBps: 0)
            .replacingOccurrences(of: "sizing: { equity_fraction: 1.0, lot: 1 }",
                                  with: "sizing: { equity_fraction: 1.0, lot: 1 }\n  max_drawdown: { limit: 0.2, action: reduce_only }")
            + "\n  kill_switch: { on_drawdown: false }\n"
        let result = try BacktestParityTests.run(yaml)
        let breach = try #require(result.sink.equity.firstIndex { $0.state != .active })
        #expect(result.sink.equity[breach...].allSatisfy { $0.state == .reducing })
        #expect(result.sink.commands.isEmpty, "the kill switch is off for drawdowns")
        // No forced flattening at the next open: the position is kept until a signal closes it.
        let breachTime = result.sink.equity[breach].timestamp
        #expect(!result.sink.fills.contains { $0.timestamp == result.sink.equity[breach + 1].timestamp })
        // After the breach: one closing fill when the next crossover comes, nothing opened after it.
        let later = result.sink.fills.filter { $0.timestamp > breachTime }
        #expect(later.count == 1)
        #expect(result.sink.alerts.contains { $0.alert.kind == .reduceOnly })
    }

    /// The kill switch's own action: on a drawdown breach it puts PortfolioRisk in reduce-only.
    @Test func killSwitchActionReduceOnlyIsWhatTheSupervisorCommands() throws {
        let yaml = BacktestParityTests.smaCross(fill: "next_open", feeBps: 0)
            .replacingOccurrences(of: "sizing: { equity_fraction: 1.0, lot: 1 }",
                                  with: "sizing: { equity_fraction: 1.0, lot: 1 }\n  max_drawdown: { limit: 0.2, action: reduce_only }")
            + "\n  kill_switch: { on_drawdown: true, action: reduce_only }\n"
        let result = try BacktestParityTests.run(yaml)
        #expect(result.sink.commands.count == 1)
        if case .reduceOnly? = result.sink.commands.first {} else { Issue.record("expected reduce_only, got \(result.sink.commands)") }
        #expect(!result.sink.equity.contains { $0.state == .halted })
    }
}
