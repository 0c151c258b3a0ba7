import Foundation
import Indicators
import StrategyCompiler
import StrategyDSL

/// Normalises bars from the feeds into `market.raw`: the anomaly filter and the gap policy of
/// each source (docs/data.md), one instrument index per source, bars in time order. Input
/// arrives from the runner (source `.runner`) on the same topic it publishes.
public struct MarketDataAgent: Agent {
    public let id = AgentID.marketData
    public internal(set) var barsSeen = 0
    /// One per source, indexed by instrument.
    var lanes: [Lane]
    /// What `handle` is about to publish, kept so that it allocates nothing per bar.
    private var emitted: [MarketBar] = []

    public init(plan: Plan) {
        let sources = plan.spec.dataSources
        lanes = sources.map { source in
            var canBackfill = false
            if case .exchange(_, _, _, _, let backfill) = source.kind { canBackfill = backfill }
            return Lane(normaliser: MarketDataNormaliser(
                source: source.name.value, anomalies: source.anomalies, gaps: source.gaps,
                intervalMicroseconds: source.intervalMicroseconds, calendar: source.calendar,
                timeZone: TimeZone(identifier: source.timezone) ?? .gmt, canBackfill: canBackfill))
        }
        emitted.reserveCapacity(4)
    }

    /// What each source's bars looked like: rows, anomalies by kind, gaps.
    public var summaries: [FeedSummary] { lanes.map(\.normaliser.summary) }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.source == .runner, case .bar(let market) = message.payload else { return }
        var passed: [MarketBar] = []
        swap(&passed, &emitted)
        normalise(market.bar, instrument: market.instrument, into: &passed)
        for bar in passed {
            outbox.emit(Envelope(timestamp: bar.bar.timestamp, source: id, traceId: message.traceId, topic: .marketRaw,
                                 payload: .bar(bar)))
        }
        while passed.popLast() != nil {}
        swap(&passed, &emitted)
    }

    /// Normalises one source bar, as `handle` does with a bar from the runner, for a runner that
    /// calls this directly: appends to `output` the bars to pass on `market.raw`, in order (none
    /// for a dropped bar, several when a gap is forward-filled; an unknown instrument gives none).
    public mutating func normalise(_ bar: Bar, instrument: Int, into output: inout [MarketBar]) {
        guard instrument < lanes.count else { return }
        barsSeen += lanes[instrument].normalise(bar, instrument: instrument, into: &output)
    }

    /// One source's normaliser and the time of the last bar it passed on, kept together so a
    /// bar reaches both through one access to `lanes`.
    struct Lane: Sendable {
        var normaliser: MarketDataNormaliser
        var lastTimestamp = Int64.min

        /// Appends the bars to pass on and returns how many.
        @inline(__always)
        mutating func normalise(_ bar: Bar, instrument: Int, into output: inout [MarketBar]) -> Int {
            // Copied out and back: the normaliser being processed is part of `self`.
            var last = lastTimestamp, passed = 0
            normaliser.process(bar) { normalised in
                // Feeds reject unsorted files; a live feed's late bar is dropped rather than reordering history.
                guard normalised.bar.timestamp > last else { return }
                last = normalised.bar.timestamp
                passed += 1
                let flags = UInt32(normalised.anomalies.rawValue) | (normalised.isFilled ? MarketBar.filledFlag : 0)
                output.append(MarketBar(instrument: instrument, bar: normalised.bar, flags: flags))
            }
            lastTimestamp = last
            return passed
        }
    }
}
