public import Foundation
public import Indicators
public import StrategyDSL

/// The MarketData stage for one source: anomaly filter, then gap detection and the gap policy.
///
/// A pure state machine: the runner hands it each bar read from the source and forwards what
/// it appends to `output`. Anomalies come first, so a dropped bar becomes a gap that
/// `forward_fill` can fill. With the defaults (`flag`, `report`) every bar comes out unchanged.
///
/// Gap policies: `report` counts gaps and lists the first hundred; `skip` counts them and lists
/// none; `forward_fill` also emits a bar at each missing time with open = high = low = close =
/// the last close and zero volume, marked `isFilled`; `backfill` asks the source for the
/// missing bars, which files and synthetic sources cannot provide, so they report the gaps and
/// say so in the summary.
public struct MarketDataNormaliser: Sendable {
    public private(set) var summary: FeedSummary
    private(set) var filter: AnomalyFilter
    private(set) var gaps: GapDetector
    private let gapPolicy: DataSourceSpec.GapPolicy
    private(set) var lastClose: Double?

    /// - Parameters:
    ///   - source: the name the summary shows (the data source's name or file).
    ///   - canBackfill: whether the source can answer for missing bars (files cannot).
    public init(source: String, anomalies: AnomalyPolicy, gaps gapPolicy: DataSourceSpec.GapPolicy,
                intervalMicroseconds: Int64, calendar: DataSourceSpec.Calendar, timeZone: TimeZone, canBackfill: Bool = false) {
        summary = FeedSummary(source: source, anomalyAction: anomalies.action, gapPolicy: gapPolicy)
        filter = AnomalyFilter(policy: anomalies)
        gaps = GapDetector(intervalMicroseconds: intervalMicroseconds, calendar: calendar, timeZone: timeZone)
        self.gapPolicy = gapPolicy
        if gapPolicy == .backfill && !canBackfill {
            summary.notes.append("gaps: this source cannot backfill missing bars; they are reported instead")
        }
    }

    /// Takes one source bar and appends the bars to pass on (none, the bar, or fills and the bar).
    public mutating func process(_ bar: Bar, into output: inout [NormalisedBar]) {
        process(bar) { output.append($0) }
    }

    /// Takes one source bar and hands each bar to pass on to `emit`, in order.
    @inline(__always)
    mutating func process(_ bar: Bar, _ emit: (NormalisedBar) -> Void) {
        summary.rowsRead += 1
        // The common bar: no anomaly, so no verdict to build and no count to change.
        if filter.passIfClean(bar) {
            pass(bar, anomalies: [], emit)
        } else {
            processAnomalous(bar, emit)
        }
    }

    /// Whether `passCleanRun` can take bars now: a bar time is recorded, at or after `floor`,
    /// and the filter can run on its own (`AnomalyFilter.canRunClean`).
    @inline(__always)
    func canPassCleanRun(after floor: Int64) -> Bool {
        guard let previous = gaps.lastRecorded, previous >= floor else { return false }
        return filter.canRunClean
    }

    /// `process` for bars `start..<end`, as far as they are clean, inside the quick spike band
    /// and each one interval or less after the last bar time (and after `floor`): returns the
    /// index of the first bar it did not take (`start` when it took none). Each bar taken is
    /// passed on as it came, with no anomaly and no bar before it, so the caller emits the bars
    /// taken itself; state and summary end as `process` would leave them. The spike window is
    /// opened once, and the counters are written once, for the whole run.
    @inline(__always)
    mutating func passCleanRun(_ bars: UnsafeBufferPointer<Bar>, from start: Int, to end: Int, after floor: Int64) -> Int {
        guard start < end, let previous = gaps.lastRecorded, previous >= floor else { return start }
        let interval = UInt64(gaps.intervalMicroseconds)
        var time = previous
        let taken = filter.withCleanRun { run in
            var index = start
            while index < end {
                let bar = bars[index]
                // `followsOnTime` with a recorded time, and later than it (0 < step ≤ interval, one
                // unsigned comparison): no gap and nothing dropped. A difference that overflows is
                // left to `process`, which traps on it only where it computes it.
                let (step, overflow) = bar.timestamp.subtractingReportingOverflow(time)
                guard !overflow, UInt64(bitPattern: step &- 1) < interval, run.take(bar) else { break }
                time = bar.timestamp
                index &+= 1
            }
            return index - start
        } ?? 0
        guard taken > 0 else { return start }
        let stop = start + taken
        gaps.recordOnTime(through: time)
        summary.rowsRead += stop - start
        summary.barsPassed += stop - start
        if summary.firstTimestamp == nil { summary.firstTimestamp = bars[start].timestamp }
        summary.lastTimestamp = time
        lastClose = bars[stop - 1].close
        return stop
    }

    /// `process` for a bar the filter's shortcut could not settle: the full verdict and its
    /// counts. Out of line, so that the common bar's code stays short.
    @inline(never)
    private mutating func processAnomalous(_ bar: Bar, _ emit: (NormalisedBar) -> Void) {
        let verdict = filter.inspect(bar)
        summary.anomalies = filter.counts
        switch verdict {
        case .pass: break
        case .flagged: summary.barsFlagged += 1
        case .clamped: summary.barsClamped += 1
        case .dropped: summary.barsDropped += 1
        }
        guard let passed = verdict.bar else { return }
        pass(passed, anomalies: verdict.kinds, emit)
    }

    /// Passes on a bar the filter let through, after what the gap policy makes of the time before it.
    @inline(__always)
    private mutating func pass(_ passed: Bar, anomalies: AnomalyKinds, _ emit: (NormalisedBar) -> Void) {
        if !gaps.followsOnTime(passed.timestamp) { observeGap(before: passed.timestamp, emit) }
        emit(NormalisedBar(bar: passed, anomalies: anomalies))
        summary.barsPassed += 1
        if summary.firstTimestamp == nil { summary.firstTimestamp = passed.timestamp }
        summary.lastTimestamp = passed.timestamp
        lastClose = passed.close
    }

    /// Finds the bars missing before `timestamp` and applies the gap policy to them. Out of
    /// line: most bars follow on time.
    @inline(never)
    private mutating func observeGap(before timestamp: Int64, _ emit: (NormalisedBar) -> Void) {
        let missing = gaps.observe(timestamp)
        if !missing.isEmpty { handleGap(missing, after: summary.lastTimestamp ?? timestamp, emit) }
    }

    private mutating func handleGap(_ missing: [Int64], after previous: Int64, _ emit: (NormalisedBar) -> Void) {
        summary.gapCount += 1
        summary.missingBars += missing.count
        if gapPolicy != .skip && summary.gaps.count < FeedSummary.listedGapLimit {
            summary.gaps.append(FeedSummary.Gap(after: previous, firstMissing: missing[0], missingBars: missing.count))
        }
        guard gapPolicy == .forwardFill, let lastClose else { return }
        for time in missing {
            emit(NormalisedBar(bar: Bar(timestamp: time, open: lastClose, high: lastClose, low: lastClose,
                                        close: lastClose, volume: 0), isFilled: true))
        }
        summary.filledBars += missing.count
        summary.barsPassed += missing.count
    }
}
