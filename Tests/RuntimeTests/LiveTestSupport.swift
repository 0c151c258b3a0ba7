import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing

/// Collects what the actor runner reports into the backtest's sink, so both runs compare field by field.
final class LiveCollector: LiveObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var collected = CollectingSink()

    var sink: CollectingSink { lock.withLock { collected } }

    func observe(_ report: LiveReport) async {
        lock.withLock {
            for envelope in report.envelopes { collected.receive(envelope) }
        }
    }
}

enum LiveFixtures {
    static func plan(_ yaml: String) throws -> Plan {
        let result = Linter(models: nil, workingDirectory: packageRoot).lint(text: yaml, path: "live.yaml")
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        return try Planner.plan(try #require(result.checked))
    }

    static func plan(file: String) throws -> Plan {
        let result = Linter(models: nil, workingDirectory: packageRoot).lint(path: packageRoot.appendingPathComponent(file).path)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        return try Planner.plan(try #require(result.checked))
    }

    /// The plan's data sources opened as the backtest opens them.
    static func feeds(_ plan: Plan) throws -> [any BarFeed] {
        try plan.spec.dataSources.map { source in
            switch source.kind {
            case .csv(let path):
                return try CSVBarReader(path: packageRoot.appendingPathComponent(path.value).path,
                                        timeZone: TimeZone(identifier: source.timezone) ?? .gmt)
            case .synthetic(let spec):
                return try SyntheticBarGenerator(spec, intervalMicroseconds: source.intervalMicroseconds)
            default:
                throw FixtureError.unsupported
            }
        }
    }

    enum FixtureError: Error { case unsupported }

    /// Every bar through the actor runner as fast as it takes them; what the observers saw.
    static func runLive(_ plan: Plan, bars: [LiveBar], journal: (any LiveJournal)? = nil,
                        between: (@Sendable (Int, LiveRunner) async throws -> Void)? = nil) async throws -> CollectingSink {
        let collector = LiveCollector()
        let runner = LiveRunner(agents: AgentSet(plan: plan, evaluators: [:]),
                                configuration: .init(instruments: plan.spec.dataSources.count, heartbeatInterval: .milliseconds(20)),
                                journal: journal, observers: [collector])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for (index, bar) in bars.enumerated() {
                await runner.send(bar)
                try await between?(index, runner)
            }
            await runner.feedEnded()
            runner.finish()
            try await group.waitForAll()
        }
        return collector.sink
    }

    /// The sma_cross strategy of the parity tests (no model), at the next open without fees.
    static let smaCross = """
        strategy: { name: sma-cross }
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
          sizing: { equity_fraction: 1.0, lot: 1 }
          max_leverage: 1.0
          max_drawdown: { limit: 0.5, action: halt }
        execution:
          algo: market
          venue: { sim: { fill: next_open, fee_bps: 0, slippage_bps: 0 } }
        """

    /// Two instruments (GOOG and a synthetic index), a signal each, filled at the close with fees.
    static let twoInstruments = """
        strategy: { name: two-instruments }
        portfolio: { cash: 200000 }
        data:
          goog: { csv: data/GOOG.csv, instrument: GOOG, interval: 1d }
          index:
            synthetic: { seed: 11, bars: 2500, start: 2004-08-19T00:00:00Z, start_price: 1000, volatility: 0.01 }
            instrument: INDEX
            interval: 1d
            calendar: always
        features:
          rsi14: rsi(close, 14)
          z: (close - sma(close, 20)) / stddev(close, 20)
          macd: macd(close, 12, 26, 9)
          mid: bbands(close, 20, 2).middle
        signals:
          goog_trend:
            instrument: GOOG
            long: macd.hist > 0 and rsi14 < 70
            flat: macd.hist < 0
          index_revert:
            instrument: INDEX
            long: z < -2 and close < mid
            short: z > 2 and close > mid
            flat: abs(z) < 0.25
        risk:
          sizing: { equity_fraction: 0.5, lot: 1 }
          max_leverage: 1
        execution:
          algo: market
          venue: { sim: { fill: close, fee_bps: 1 } }
        """
}

/// Field-by-field equality of two runs' results: the backtest's (trades it closed) and the live run's.
func expectSameResults(live: CollectingSink, backtest: BacktestEngine.Result, sourceLocation: SourceLocation = #_sourceLocation) {
    let trades = backtest.sink.trades.filter { !$0.closedAtEnd }
    #expect(live.trades == trades, "trades differ", sourceLocation: sourceLocation)
    #expect(live.equity == backtest.sink.equity, "equity differs", sourceLocation: sourceLocation)
    #expect(live.orders.map(\.order) == backtest.sink.orders.map(\.order), "orders differ", sourceLocation: sourceLocation)
    #expect(live.orders.map(\.timestamp) == backtest.sink.orders.map(\.timestamp), sourceLocation: sourceLocation)
    #expect(live.fills.map(\.fill) == backtest.sink.fills.map(\.fill), "fills differ", sourceLocation: sourceLocation)
    #expect(live.signals.map(\.event) == backtest.sink.signals.map(\.event), "signals differ", sourceLocation: sourceLocation)
    #expect(live.bars == backtest.sink.bars, "bars differ", sourceLocation: sourceLocation)
    #expect(live.alerts.map(\.alert) == backtest.sink.alerts.map(\.alert), sourceLocation: sourceLocation)
}
