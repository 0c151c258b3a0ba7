import Foundation
import Indicators
import StrategyCompiler
import StrategyDSL

/// Normalises bars from the feeds into `market.raw`: the anomaly filter and the gap policy of
/// each source (docs/data.md), one instrument index per source, bars in time order. Input
/// arrives from the runner (source `.runner`) on the same topic it publishes.
public struct MarketDataAgent: Agent {
    public let id = AgentID.marketData
    public private(set) var barsSeen = 0
    var normalisers: [MarketDataNormaliser]
    var lastTimestamp: [Int64]
    private var passed: [NormalisedBar] = []

    public init(plan: Plan) {
        let sources = plan.spec.dataSources
        normalisers = sources.map { source in
            var canBackfill = false
            if case .exchange(_, _, _, _, let backfill) = source.kind { canBackfill = backfill }
            return MarketDataNormaliser(source: source.name.value, anomalies: source.anomalies, gaps: source.gaps,
                                        intervalMicroseconds: source.intervalMicroseconds, calendar: source.calendar,
                                        timeZone: TimeZone(identifier: source.timezone) ?? .gmt, canBackfill: canBackfill)
        }
        lastTimestamp = Array(repeating: .min, count: max(sources.count, 1))
        passed.reserveCapacity(4)
    }

    /// What each source's bars looked like: rows, anomalies by kind, gaps.
    public var summaries: [FeedSummary] { normalisers.map(\.summary) }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.source == .runner, case .bar(let market) = message.payload, market.instrument < normalisers.count else { return }
        // Popping keeps the capacity and, for the one bar of an ordinary step, costs far less
        // than a range removal.
        while passed.popLast() != nil {}
        normalisers[market.instrument].process(market.bar, into: &passed)
        for normalised in passed {
            // Feeds reject unsorted files; a live feed's late bar is dropped rather than reordering history.
            guard normalised.bar.timestamp > lastTimestamp[market.instrument] else { continue }
            lastTimestamp[market.instrument] = normalised.bar.timestamp
            barsSeen += 1
            let flags = UInt32(normalised.anomalies.rawValue) | (normalised.isFilled ? MarketBar.filledFlag : 0)
            outbox.emit(Envelope(timestamp: normalised.bar.timestamp, source: id, traceId: message.traceId, topic: .marketRaw,
                                 payload: .bar(MarketBar(instrument: market.instrument, bar: normalised.bar, flags: flags))))
        }
    }
}
