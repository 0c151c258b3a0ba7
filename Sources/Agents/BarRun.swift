import Indicators

/// Consecutive bars of one instrument as MarketData passed them on, with the trace id each
/// carries: what the agents' quiet entry points (`ExecutionAgent.quietBars(_:)`,
/// `PortfolioRiskAgent.markQuiet(_:into:)`) take in place of one bar and its `Stamp` at a time.
///
/// The trace ids are `firstTrace` plus an offset per bar (its source bar's position): bars
/// forward-filled into a gap carry the trace id of the bar after the gap, so they never decrease.
/// The buffers belong to the caller and are valid while it lends them.
public struct BarRun {
    public let bars: UnsafeBufferPointer<MarketBar>
    public let offsets: UnsafeBufferPointer<Int>
    public let firstTrace: UInt64

    /// - Precondition: `offsets` has one non-decreasing, non-negative entry per bar.
    @inlinable
    public init(bars: UnsafeBufferPointer<MarketBar>, offsets: UnsafeBufferPointer<Int>, firstTrace: UInt64) {
        self.bars = bars
        self.offsets = offsets
        self.firstTrace = firstTrace
    }

    @inlinable
    public var count: Int { bars.count }

    /// Bar `index`'s trace id.
    @inlinable
    public func traceId(_ index: Int) -> UInt64 { firstTrace &+ UInt64(offsets[index]) }

    /// What a runner hands the bar path for bar `index`: its time and trace id.
    @inlinable
    public func stamp(_ index: Int) -> Stamp { Stamp(timestamp: bars[index].bar.timestamp, traceId: traceId(index)) }

    /// The first `count` bars.
    @inlinable
    public func prefix(_ count: Int) -> BarRun {
        BarRun(bars: UnsafeBufferPointer(rebasing: bars[..<count]), offsets: UnsafeBufferPointer(rebasing: offsets[..<count]),
               firstTrace: firstTrace)
    }

    /// The first bar whose trace id is at least `trace` (`count` if none): where something due
    /// at that bar falls in the run.
    @inlinable
    public func firstIndex(reaching trace: Int) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if Int(traceId(middle)) < trace { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// PortfolioRisk's equity mark at the close of one bar of a quiet run, and the peak after it:
/// with the run's cash and risk state (which a quiet bar leaves alone), the `EquitySnapshot`
/// that `closeBar` returns.
public struct EquityMark: Sendable, Equatable {
    public var equity: Double
    public var peak: Double

    @inlinable
    public init(equity: Double, peak: Double) {
        self.equity = equity
        self.peak = peak
    }

    /// The drawdown from the peak, as `PortfolioRiskAgent` measures it (the same operations,
    /// so the same bits): worked out when read, so a sink that keeps only equity never divides.
    @inlinable
    public var drawdown: Double { peak > 0 ? 1 - equity / peak : 0 }
}
