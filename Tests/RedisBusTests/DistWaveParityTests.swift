import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler
import Testing
@testable import RedisBus

/// Agents over Redis Streams driven in waves (`WaveBacktest`, a real redis-server) against the
/// fused runner (`BacktestEngine`) on the same bars: the fused run is the independent reference
/// (checked against backtesting.py in BacktestParityTests), and every trade, equity point,
/// order, fill, signal, alert and bar the sink receives must be identical, in the same order.
@Suite(.serialized)
struct DistWaveParityTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Two instruments (synthetic, 400 bars each: a bus run costs a few round trips per wave):
    /// each timestamp's bars open first, equity is marked once per timestamp.
    static let twoInstruments = """
        strategy: { name: dist-two-instruments }
        portfolio: { cash: 200000 }
        data:
          goog:
            synthetic: { seed: 5, bars: 400, start: 2004-08-19T00:00:00Z, start_price: 100, volatility: 0.02 }
            instrument: GOOG
            interval: 1d
            calendar: always
          index:
            synthetic: { seed: 11, bars: 400, start: 2004-08-19T00:00:00Z, start_price: 1000, volatility: 0.01 }
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

    @Test func twoInstrumentsOverRedisEqualTheFusedRunner() async throws {
        let lint = Linter(models: nil, workingDirectory: Self.packageRoot).lint(text: Self.twoInstruments, path: "dist.yaml")
        #expect(!lint.hasErrors, "\(lint.diagnostics.map(\.message))")
        let plan = try Planner.plan(try #require(lint.checked))
        let fused = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try Self.feeds(plan))
        var bars: [(Bar, Int)] = []
        for (instrument, feed) in try Self.feeds(plan).enumerated() { try feed.forEachBar { bars.append(($0, instrument)) } }
        bars.sort { ($0.0.timestamp, $0.1) < ($1.0.timestamp, $1.1) }

        let run = try await WaveBacktest.run(agents: AgentSet(plan: plan, evaluators: [:]), strategy: TestRedis.uniqueStrategy(),
                                             instruments: 2, bars: bars, endpoint: try TestRedis.endpoint, into: CollectingSink())
        let wave = run.sink
        let reference = fused.sink
        #expect(Set(reference.fills.map(\.fill.instrument)) == [0, 1], "both instruments trade")
        #expect(wave.trades == reference.trades, "trades differ")
        #expect(wave.equity == reference.equity, "equity differs")
        #expect(wave.orders.map(\.order) == reference.orders.map(\.order), "orders differ")
        #expect(wave.fills.map(\.fill) == reference.fills.map(\.fill), "fills differ")
        #expect(wave.signals.map(\.event) == reference.signals.map(\.event), "signals differ")
        #expect(wave.alerts.map(\.alert) == reference.alerts.map(\.alert))
        #expect(wave.bars == reference.bars, "bars differ")
        #expect(wave.closes == reference.closes)
        #expect(run.outcome.feeds == fused.feeds)
        #expect(run.outcome.bars == bars.count)
    }

    static func feeds(_ plan: Plan) throws -> [any BarFeed] {
        try plan.spec.dataSources.map { source in
            switch source.kind {
            case .csv(let path):
                return try CSVBarReader(path: packageRoot.appendingPathComponent(path.value).path,
                                        timeZone: TimeZone(identifier: source.timezone) ?? .gmt)
            case .synthetic(let spec):
                return try SyntheticBarGenerator(spec, intervalMicroseconds: source.intervalMicroseconds)
            default:
                throw TestSetupError("unsupported source")
            }
        }
    }
}
