import Foundation
public import Indicators
public import StrategyDSL

/// What the anomaly filter decided about one bar.
public enum AnomalyVerdict: Sendable, Equatable {
    /// Nothing wrong: the bar as it came.
    case pass(Bar)
    /// Something wrong, bar unchanged (policy `flag`).
    case flagged(Bar, AnomalyKinds)
    /// Something wrong, bar repaired as far as it can be (policy `clamp`).
    case clamped(Bar, AnomalyKinds)
    /// Something wrong, bar withheld (policy `drop`, or `clamp` with nothing to repair from).
    case dropped(AnomalyKinds)

    /// The bar to pass on, if any.
    public var bar: Bar? {
        switch self {
        case .pass(let bar), .flagged(let bar, _), .clamped(let bar, _): bar
        case .dropped: nil
        }
    }

    /// The anomalies found (empty for `pass`).
    public var kinds: AnomalyKinds {
        switch self {
        case .pass: []
        case .flagged(_, let kinds), .clamped(_, let kinds), .dropped(let kinds): kinds
        }
    }
}

/// Inspects bars one at a time for the anomalies a source's `AnomalyPolicy` describes.
///
/// A pure state machine: the only state is the last good close and a window of recent log
/// returns for spike detection. The default policy (`flag`) never changes or withholds a bar,
/// so a strategy sees its data as it is unless it asks otherwise.
///
/// Under `clamp` each kind is repaired in this order: non-positive prices take the last good
/// close (a bar with no good close before it is dropped); a high below the low is swapped;
/// an open or close outside [low, high] is moved to the nearer bound; zero volume cannot be
/// repaired and is only flagged; a spike has all four prices limited to the band of
/// k robust sigmas around the median return.
public struct AnomalyFilter: Sendable {
    public let policy: AnomalyPolicy
    /// Bars that showed each kind of anomaly so far.
    public private(set) var counts = AnomalyCounts()
    /// Bars inspected so far.
    public private(set) var inspected = 0

    private(set) var returns: RobustSpread
    private(set) var lastClose: Double?

    public init(policy: AnomalyPolicy) {
        self.policy = policy
        returns = RobustSpread(capacity: policy.window)
    }

    /// Takes a bar that shows no anomaly, for every action alike, without building a verdict:
    /// true when the bar passes unchanged (it is remembered as `inspect` would); false, with
    /// nothing changed, when `inspect` must decide. Most bars are settled here.
    ///
    /// The shape is settled by `hasCleanShape`. The spike test is the one `inspect` makes, and
    /// a bar that passes it needs no repair under `clamp` either.
    @inline(__always)
    mutating func passIfClean(_ bar: Bar) -> Bool {
        guard Self.hasCleanShape(bar, expectVolume: policy.expectVolume) else { return false }
        let close = bar.close
        if let lastClose, policy.spikeSigma > 0 {
            // Both closes are positive and finite, so the return is a number (±infinity at worst).
            let logReturn = log(close / lastClose)
            if returns.certainlyWithin(logReturn, sigmas: policy.spikeSigma) {
                returns.push(logReturn)
            } else if !pushUnlessSpike(logReturn) {
                return false
            }
        }
        lastClose = close
        inspected += 1
        return true
    }

    /// Whether a bar shows none of the anomalies visible in the bar alone, in one branch: a
    /// positive low at or below open and close, both at or below the high, rules out every
    /// shape kind (NaN fails a comparison and answers false); the close must be finite, as
    /// `remember` wants, and the volume positive when the source declares volume.
    @inline(__always)
    static func hasCleanShape(_ bar: Bar, expectVolume: Bool) -> Bool {
        let close = bar.close
        return bar.low > 0 && bar.open >= bar.low && close >= bar.low && bar.open <= bar.high && close <= bar.high
            && close < .infinity && (bar.volume > 0 || !expectVolume)
    }

    /// Whether a `CleanRun` can settle bars on its own: not while spikes are tested and the
    /// window is not yet full or holds fewer than four values (the quick band needs four).
    var canRunClean: Bool {
        policy.spikeSigma <= 0 || (returns.isFull && returns.capacity >= 4)
    }

    /// Lends `body` a run of `passIfClean` over the spike window opened once; `body` returns how
    /// many bars it took, which are then remembered, and so does this. Nil when it cannot run
    /// (`canRunClean`).
    @inline(__always)
    mutating func withCleanRun(_ body: (inout CleanRun) -> Int) -> Int? {
        guard canRunClean else { return nil }
        let sigmas = policy.spikeSigma, expectVolume = policy.expectVolume, spikes = sigmas > 0
        // A full window has had returns pushed, so there is a last close; without spikes it is not read.
        var close = lastClose ?? .nan
        let taken = returns.withWindow { window in
            var run = CleanRun(window: window, lastClose: close, sigmas: sigmas, spikes: spikes, expectVolume: expectVolume)
            let taken = body(&run)
            window = run.window
            close = run.lastClose
            return taken
        }
        if taken > 0 {
            lastClose = close
            inspected += taken
        }
        return taken
    }

    /// `passIfClean` with the spike window open and the filter's state in hand, for a run of
    /// bars: it settles only bars that the quick band settles, and stops at any other.
    struct CleanRun {
        fileprivate var window: RobustSpread.Window
        fileprivate(set) var lastClose: Double
        let sigmas: Double
        let spikes: Bool
        let expectVolume: Bool

        fileprivate init(window: RobustSpread.Window, lastClose: Double, sigmas: Double, spikes: Bool, expectVolume: Bool) {
            self.window = window
            self.lastClose = lastClose
            self.sigmas = sigmas
            self.spikes = spikes
            self.expectVolume = expectVolume
        }

        /// True when the bar is clean and, if spikes are tested, its return inside the quick
        /// band: it is remembered as `passIfClean` would. False, with nothing changed, otherwise.
        @inline(__always)
        mutating func take(_ bar: Bar) -> Bool {
            guard AnomalyFilter.hasCleanShape(bar, expectVolume: expectVolume) else { return false }
            let close = bar.close
            if spikes {
                // The window is full (`canRunClean`), as it stays.
                let logReturn = log(close / lastClose)
                guard window.certainlyWithin(logReturn, sigmas: sigmas) else { return false }
                window.pushIntoFull(logReturn)
            }
            lastClose = close
            return true
        }
    }

    /// The exact spike test for a return the quick band could not settle: pushes it and returns
    /// true when it is no spike, else returns false with nothing changed. Kept out of line so
    /// that the common bar's code stays short.
    @inline(never)
    private mutating func pushUnlessSpike(_ logReturn: Double) -> Bool {
        if let band = spikeBand(), !band.contains(logReturn) { return false }
        returns.push(logReturn)
        return true
    }

    /// Classifies one bar and, under `clamp`, repairs it; counts every kind found.
    public mutating func inspect(_ bar: Bar) -> AnomalyVerdict {
        inspected += 1
        // The close's log return, computed once for the spike test and the window.
        let logReturn = lastClose.map { bar.close > 0 ? log(bar.close / $0) : .nan } ?? .nan
        let verdict: AnomalyVerdict
        switch policy.action {
        case .flag:
            let kinds = shapeAnomalies(of: bar).union(spikeAnomaly(logReturn))
            verdict = kinds.isEmpty ? .pass(bar) : .flagged(bar, kinds)
        case .drop:
            let kinds = shapeAnomalies(of: bar).union(spikeAnomaly(logReturn))
            verdict = kinds.isEmpty ? .pass(bar) : .dropped(kinds)
        case .clamp:
            verdict = clamp(bar)
        }
        counts.record(verdict.kinds)
        if let passed = verdict.bar { remember(passed, logReturn: passed.close == bar.close ? logReturn : nil) }
        return verdict
    }

    private mutating func clamp(_ original: Bar) -> AnomalyVerdict {
        var bar = original
        var kinds: AnomalyKinds = []
        if hasNonPositivePrice(bar) {
            kinds.insert(.nonPositivePrice)
            guard let lastClose else { return .dropped(kinds) }
            if !(bar.open > 0) { bar.open = lastClose }
            if !(bar.high > 0) { bar.high = lastClose }
            if !(bar.low > 0) { bar.low = lastClose }
            if !(bar.close > 0) { bar.close = lastClose }
        }
        if bar.high < bar.low {
            kinds.insert(.highBelowLow)
            swap(&bar.high, &bar.low)
        }
        if isOutsideRange(bar) {
            kinds.insert(.outsideRange)
            bar.open = min(max(bar.open, bar.low), bar.high)
            bar.close = min(max(bar.close, bar.low), bar.high)
        }
        if hasMissingVolume(bar) { kinds.insert(.zeroVolume) }
        if let lastClose, let band = spikeBand(), !band.contains(log(bar.close / lastClose)) {
            kinds.insert(.spike)
            let lower = lastClose * exp(band.lowerBound), upper = lastClose * exp(band.upperBound)
            bar.open = min(max(bar.open, lower), upper)
            bar.high = min(max(bar.high, lower), upper)
            bar.low = min(max(bar.low, lower), upper)
            bar.close = min(max(bar.close, lower), upper)
        }
        return kinds.isEmpty ? .pass(bar) : .clamped(bar, kinds)
    }

    /// The anomalies visible in the bar alone.
    private func shapeAnomalies(of bar: Bar) -> AnomalyKinds {
        var kinds: AnomalyKinds = []
        if hasNonPositivePrice(bar) { kinds.insert(.nonPositivePrice) }
        if bar.high < bar.low { kinds.insert(.highBelowLow) }
        if isOutsideRange(bar) { kinds.insert(.outsideRange) }
        if hasMissingVolume(bar) { kinds.insert(.zeroVolume) }
        return kinds
    }

    /// `.spike` when the log return lies outside `spikeBand`, else empty (also for NaN: no usable close).
    private func spikeAnomaly(_ logReturn: Double) -> AnomalyKinds {
        guard !logReturn.isNaN else { return [] }
        // Most bars lie well inside the band: a bound on it settles them without the MAD pass.
        if policy.spikeSigma > 0, returns.certainlyWithin(logReturn, sigmas: policy.spikeSigma) { return [] }
        guard let band = spikeBand() else { return [] }
        return band.contains(logReturn) ? [] : .spike
    }

    /// The log returns that are not spikes: median ± k robust sigmas of the full window, or nil
    /// while the window fills, when spikes are switched off (k ≤ 0) or when every return in
    /// the window is equal (no spread to measure against).
    private func spikeBand() -> ClosedRange<Double>? {
        guard policy.spikeSigma > 0, returns.isFull else { return nil }
        let center = returns.median
        let sigma = returns.sigma(around: center)
        guard sigma > 0 else { return nil }
        let width = policy.spikeSigma * sigma
        return (center - width)...(center + width)
    }

    private func hasNonPositivePrice(_ bar: Bar) -> Bool {
        !(bar.open > 0 && bar.high > 0 && bar.low > 0 && bar.close > 0)
    }

    private func isOutsideRange(_ bar: Bar) -> Bool {
        bar.high >= bar.low
            && (bar.open < bar.low || bar.open > bar.high || bar.close < bar.low || bar.close > bar.high)
    }

    private func hasMissingVolume(_ bar: Bar) -> Bool {
        policy.expectVolume && !(bar.volume > 0)
    }

    /// Feeds a passed-on bar's return into the spike window (`logReturn` when already known);
    /// bars without a usable close leave the window and the last close as they were.
    private mutating func remember(_ bar: Bar, logReturn: Double?) {
        guard bar.close > 0, bar.close.isFinite else { return }
        if let lastClose, policy.spikeSigma > 0 { returns.push(logReturn ?? log(bar.close / lastClose)) }
        lastClose = bar.close
    }
}
