import Agents
import Indicators
import StrategyCompiler

/// The last bars MarketData passed on, per instrument: what a reload warms rebuilt features on.
///
/// A fixed ring per instrument, so keeping it costs no allocation per bar. Its depth bounds the
/// longest warm-up a reload can satisfy at once (an edit to `sma(close, 500)` needs 500 bars);
/// a live runner that restarts can refill it from the bars it stored.
public struct RecentBars: Sendable {
    private var rings: [[Bar]]
    private var next: [Int]
    public let depth: Int

    /// The depth kept when none is given: four times the plan's warm-up, and never under 1,000
    /// bars, so an edit that lengthens a window is usually warm at once.
    public static func defaultDepth(for plan: Plan) -> Int { max(4 * plan.warmup, 1_000) }

    public init(instruments: Int, depth: Int) {
        self.depth = max(depth, 1)
        rings = Array(repeating: [], count: max(instruments, 1))
        next = Array(repeating: 0, count: max(instruments, 1))
    }

    public init(plan: Plan) {
        self.init(instruments: plan.spec.dataSources.count, depth: Self.defaultDepth(for: plan))
    }

    public mutating func append(_ bar: Bar, instrument: Int) {
        guard instrument < rings.count else { return }
        if rings[instrument].count < depth {
            rings[instrument].append(bar)
        } else {
            rings[instrument][next[instrument]] = bar
        }
        next[instrument] = (next[instrument] + 1) % depth
    }

    /// Records a `market.raw` message MarketData passed on; other messages are ignored.
    public mutating func record(_ envelope: Envelope) {
        guard envelope.topic == .marketRaw, envelope.source == .marketData, case .bar(let market) = envelope.payload else { return }
        append(market.bar, instrument: market.instrument)
    }

    /// Per instrument, oldest first.
    public var bars: [[Bar]] {
        rings.indices.map { instrument in
            let ring = rings[instrument]
            guard ring.count == depth else { return ring }
            return Array(ring[next[instrument]...] + ring[..<next[instrument]])
        }
    }
}

/// A sink that keeps the recent bars beside another sink: wrap the runner's sink in it.
public struct RecentBarsSink<Base: RunSink>: RunSink {
    public var base: Base
    public var recent: RecentBars

    public init(_ base: Base, recent: RecentBars) {
        self.base = base
        self.recent = recent
    }

    public mutating func receive(_ envelope: Envelope) {
        recent.record(envelope)
        base.receive(envelope)
    }
}
