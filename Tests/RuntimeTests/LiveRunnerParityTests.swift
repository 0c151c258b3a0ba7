import Agents
import Foundation
import Runtime
import Testing

/// The actor runner against the fused runner (BacktestEngine) on the same bars: the fused run is
/// the independent reference (itself checked against backtesting.py in BacktestParityTests), and
/// every trade, equity point, order, fill, signal and alert must be identical, bit for bit.
struct LiveRunnerParityTests {
    @Test func smaCrossOnGOOGEqualsTheBacktest() async throws {
        let plan = try LiveFixtures.plan(LiveFixtures.smaCross)
        let backtest = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try LiveFixtures.feeds(plan))
        let bars = try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan))
        let live = try await LiveFixtures.runLive(plan, bars: bars)
        #expect(backtest.sink.trades.filter { !$0.closedAtEnd }.count > 5, "the reference run trades")
        expectSameResults(live: live, backtest: backtest)
    }

    /// Two signals voted into one (mean confidence), Kelly sizing, VWAP slices over several bars.
    @Test func multiSignalEnsembleWithVWAPEqualsTheBacktest() async throws {
        let plan = try LiveFixtures.plan(file: "strategies/synthetic_hull_trend.yaml")
        let backtest = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try LiveFixtures.feeds(plan))
        let bars = try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan))
        let live = try await LiveFixtures.runLive(plan, bars: bars)
        #expect(backtest.sink.fills.count > 20)
        expectSameResults(live: live, backtest: backtest)
    }

    /// Two instruments: each timestamp's bars open first, equity is marked once per timestamp.
    @Test func twoInstrumentsAtTheCloseEqualTheBacktest() async throws {
        let plan = try LiveFixtures.plan(LiveFixtures.twoInstruments)
        let backtest = try BacktestEngine(plan: plan, evaluators: [:]).run(feeds: try LiveFixtures.feeds(plan))
        let bars = try ReplayFeed<ContinuousClock>.bars(of: try LiveFixtures.feeds(plan))
        let live = try await LiveFixtures.runLive(plan, bars: bars)
        #expect(Set(backtest.sink.fills.map(\.fill.instrument)) == [0, 1], "both instruments trade")
        expectSameResults(live: live, backtest: backtest)
    }
}
