import Agents
import Indicators
import Runtime
import Testing

/// `FusedRunner.push(contentsOf:)` delivers runs of quiet rows (no signal, nothing working,
/// no decision waiting, no drawdown breach) through `ExecutionAgent.quietBars`,
/// `PortfolioRiskAgent.markQuiet`, `ExecutionAgent.markQuiet` and `RunSink.receiveQuiet`, and
/// falls back to the row-by-row path at the first bar on which an agent would act. The
/// reference is the runner's bar-by-bar `push` (`BlockPushTests.check`: every envelope the
/// sink sees, the agents' final state and a continuation, for several block sizes), with
/// strategies whose state moves on quiet bars or ends a quiet run: drawdown limits tripping
/// between two signals, volatility sizing and VaR (return windows), limit orders resting
/// across bars, TWAP and VWAP slices falling due, venue latency, partial fills, fees and
/// slippage, both fill modes and the kill switch. A probe sink then checks that the case
/// meant to be exercised happened inside or at the edge of a quiet run.
struct QuietRunTests {
    /// A strategy over `BlockPushTests`' one-minute bars (forward-filled gaps, flagged anomalies).
    static func strategy(fill: String, risk: String, execution: String = "", venue: String = "fee_bps: 2, slippage_bps: 1",
                         body: String = BlockPushTests.smaCross) -> String {
        """
        strategy: { name: quiet }
        data:
          x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1m, calendar: always, anomalies: { action: flag, spike_sigma: 6, window: 30 }, gaps: forward_fill }
        \(body)
        risk:
        \(risk)
        execution:
        \(execution)
          venue: { sim: { fill: \(fill), \(venue) } }
        """
    }

    /// Records what `CollectingSink` keeps, and the time of every moment handed over in a quiet run.
    struct Probe: RunSink {
        var base = CollectingSink()
        var quiet: Set<Int64> = []

        mutating func receive(_ envelope: Envelope) { base.receive(envelope) }
        mutating func receiveBar(_ bar: MarketBar, stamp: Stamp) { base.receiveBar(bar, stamp: stamp) }
        mutating func receiveClock(_ stamp: Stamp) { base.receiveClock(stamp) }
        mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp) { base.receiveEquity(snapshot, stamp: stamp) }

        mutating func receiveQuiet(_ run: QuietRun) {
            for index in 0..<run.count {
                let stamp = run.bars.stamp(index)
                quiet.insert(stamp.timestamp)
                base.receiveBar(run.bars.bars[index], stamp: stamp)
                base.receiveClock(stamp)
                base.receiveEquity(run.snapshot(index), stamp: stamp)
            }
        }

        /// The times of the bars after `start` up to and including `end`.
        func moments(after start: Int64, through end: Int64) -> [Int64] {
            base.bars.map(\.bar.timestamp).filter { $0 > start && $0 <= end }
        }

        /// Whether some order of `kind` (a child of an algo when `child`) rested through a quiet
        /// moment: accepted at one bar, done (filled, expired or cancelled) at a later one, a
        /// quiet moment between.
        func restedThroughQuiet(_ kind: OrderUpdate.Kind, child: Bool) -> Bool {
            var accepted: [UInt64: Int64] = [:]
            for (time, order) in base.orders where order.kind == kind && (order.parent != order.id) == child {
                switch order.status {
                case .accepted:
                    accepted[order.id] = time
                case .filled, .expired, .cancelled:
                    if let start = accepted[order.id], moments(after: start, through: time).dropLast().contains(where: quiet.contains) {
                        return true
                    }
                default:
                    break
                }
            }
            return false
        }
    }

    static func probe(_ yaml: String, bars count: Int, seed: UInt64) throws -> Probe {
        let plan = try BlockPushTests.plan(yaml)
        let bars = BlockPushTests.bars(count, seed: seed)
        var runner = FusedRunner(plan: plan, evaluators: [:])
        var probe = Probe()
        bars.withUnsafeBufferPointer { runner.push(contentsOf: $0, into: &probe) }
        runner.finish(into: &probe)
        return probe
    }

    static let sizes = [1, 7, 64, 1_024, 100_000]

    /// Block pushes of every size in `sizes` against `push` bar by bar: every envelope, the
    /// agents' state, a continuation (`BlockPushTests.Reference`).
    static func compare(_ yaml: String, bars count: Int, seed: UInt64) throws {
        let plan = try BlockPushTests.plan(yaml)
        let bars = BlockPushTests.bars(count, seed: seed)
        let reference = BlockPushTests.Reference(plan, bars, seed: seed)
        #expect(reference.recording.lines.contains { $0.hasPrefix("portfolio.trade") }, "no trade")
        for size in sizes {
            let (actual, runner) = BlockPushTests.inBlocks(plan, bars, size: size)
            reference.expectSame(actual, runner, "block size \(size)")
        }
    }

    /// Compares the block path with the bar-by-bar path, and returns the probe of one block run.
    static func check(_ yaml: String, bars: Int = 4_000, seed: UInt64) throws -> Probe {
        try compare(yaml, bars: bars, seed: seed)
        let probe = try probe(yaml, bars: bars, seed: seed)
        // Most bars are quiet, so the quiet path carried most of the run.
        #expect(probe.quiet.count > probe.base.equity.count / 2, "\(probe.quiet.count) of \(probe.base.equity.count) moments quiet")
        return probe
    }

    /// The drawdown limit trips on a bar between two signals: the quiet run stops before it, and
    /// the bar goes row by row (the alert, the kill switch's command, the halt's flattening).
    @Test(arguments: ["reduce_only", "halt"], ["next_open", "close"])
    func drawdownTripsBetweenSignals(action: String, fill: String) throws {
        let yaml = Self.strategy(fill: fill, risk: """
              sizing: { equity_fraction: 1.0, lot: 1 }
              max_drawdown: { limit: 0.015, action: \(action) }
            """, execution: "  kill_switch: { on_drawdown: true, action: \(action) }")
        var insideQuietRuns = 0
        for seed: UInt64 in [3, 17, 29] {
            let probe = try Self.check(yaml, seed: seed)
            let alert = try #require(probe.base.alerts.first { $0.alert.kind == .drawdown }, "seed \(seed): no breach")
            let breachQuiet = probe.quiet.contains(alert.timestamp)
            #expect(!breachQuiet, "seed \(seed): the breach's bar went through a quiet run")
            #expect(probe.base.commands.count == 1, "seed \(seed): the kill switch trips once")
            // Where the bar before the breach was marked in a quiet run, the run stopped at the breach.
            let before = try #require(probe.base.bars.last { $0.bar.timestamp < alert.timestamp })
            if probe.quiet.contains(before.bar.timestamp) { insideQuietRuns += 1 }
        }
        #expect(insideQuietRuns > 0, "no breach between two signals")
    }

    /// Volatility sizing and VaR keep every bar's return: quiet bars write the same window.
    @Test(arguments: ["next_open", "close"])
    func returnWindowsForVolatilitySizingAndValueAtRisk(fill: String) throws {
        let yaml = Self.strategy(fill: fill, risk: """
              sizing: { vol_target: 0.05, window: 20, max_fraction: 1, lot: 1 }
              var: { method: historical, confidence: 0.95, horizon: 1, window: 40, limit: 0.0015 }
            """)
        let probe = try Self.check(yaml, seed: 23)
        #expect(probe.base.alerts.contains { $0.alert.kind == .valueAtRisk }, "the VaR limit cut an order")
    }

    /// Parametric VaR with Kelly sizing and an order-rate limit.
    @Test func parametricValueAtRiskKellyAndOrderRate() throws {
        let yaml = Self.strategy(fill: "next_open", risk: """
              sizing: { kelly: 0.5, window: 10, max_fraction: 1, lot: 1 }
              var: { method: parametric, confidence: 0.99, horizon: 2, window: 25, limit: 0.01 }
              order_rate: { count: 1, per: 30m }
            """, venue: "fee_bps: 5, fee_fixed: 0.5, slippage_bps: 2", body: BlockPushTests.severalSignals)
        let probe = try Self.check(yaml, seed: 31)
        #expect(probe.base.alerts.contains { $0.alert.kind == .orderRate })
    }

    /// Limit orders rest across quiet bars (their life counting down) until touched or expired.
    @Test(arguments: ["next_open", "close"])
    func limitOrdersRestAcrossQuietBars(fill: String) throws {
        let yaml = Self.strategy(fill: fill, risk: "  sizing: { equity_fraction: 0.5, lot: 1 }",
                                 execution: "  algo: limit\n  limit: { offset_bps: 12, ttl: 15 }")
        let probe = try Self.check(yaml, seed: 41)
        #expect(probe.restedThroughQuiet(.limit, child: false))
        #expect(probe.base.orders.contains { $0.order.status == .expired }, "an order expired")
    }

    /// TWAP children fall due at later bars: quiet runs stop at each.
    @Test(arguments: ["next_open", "close"])
    func twapSlicesFallDue(fill: String) throws {
        let yaml = Self.strategy(fill: fill, risk: "  sizing: { equity_fraction: 0.5, lot: 1 }",
                                 execution: "  algo: twap\n  twap: { horizon: 30m, slices: 5 }", venue: "fee_bps: 2, fee_fixed: 1")
        let probe = try Self.check(yaml, seed: 43)
        #expect(probe.restedThroughQuiet(.market, child: true))
    }

    /// VWAP by the data's volume profile: quiet bars feed the profile the slices are weighted by.
    @Test func vwapProfileFromQuietBars() throws {
        let yaml = Self.strategy(fill: "next_open", risk: "  sizing: { equity_fraction: 0.5, lot: 1 }",
                                 execution: "  algo: vwap\n  vwap: { horizon: 20m, slices: 4, profile: data, lookback: 2 }")
        let probe = try Self.check(yaml, bars: 6_000, seed: 47)
        #expect(probe.restedThroughQuiet(.market, child: true))
    }

    /// Venue latency and partial fills: orders due at later bars, remainders working bar after bar.
    @Test(arguments: ["latency: 3m", "participation: 0.03"])
    func delayedAndPartialFills(venue: String) throws {
        let yaml = Self.strategy(fill: "next_open", risk: "  sizing: { equity_fraction: 0.5, lot: 1 }",
                                 venue: "fee_bps: 1, \(venue)")
        _ = try Self.check(yaml, seed: 53)
    }
}
