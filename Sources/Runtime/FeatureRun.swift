import Agents
import Indicators
import StrategyCompiler

/// Runs data and features only (`stratum features`): every bar through the MarketData and
/// Feature agents, each frame handed to `body` as it is computed, so memory stays constant
/// however long the data.
public struct FeatureRun {
    public let plan: Plan

    public init(plan: Plan) {
        self.plan = plan
    }

    /// - Parameter body: instrument index, bar time (µs UTC) and the program's registers.
    /// - Returns: each source's feed summary.
    public func run(feeds: [any BarFeed], body: (Int, Int64, [Double]) throws -> Void) throws -> [FeedSummary] {
        var marketData = MarketDataAgent(plan: plan)
        var feature = FeatureAgent(program: plan.program, instruments: plan.spec.dataSources.count)
        var raw = Outbox()
        var frames = Outbox()
        var sequence: UInt64 = 0
        func push(_ bar: Bar, _ instrument: Int) throws {
            marketData.handle(Envelope(timestamp: bar.timestamp, source: .runner, traceId: sequence, topic: .marketRaw,
                                       payload: .bar(MarketBar(instrument: instrument, bar: bar))), into: &raw)
            for message in raw.messages {
                feature.handle(message, into: &frames)
            }
            raw.removeAll()
            for message in frames.messages {
                if case .features(let frame) = message.payload { try body(frame.instrument, message.timestamp, frame.values) }
            }
            frames.removeAll()
            sequence += 1
        }
        try BacktestEngine.forEachBar(in: feeds, push)
        return marketData.summaries
    }
}
