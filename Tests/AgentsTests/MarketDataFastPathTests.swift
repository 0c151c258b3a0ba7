import Foundation
import Testing
import Indicators
import StrategyDSL
@testable import Agents

private func bits(_ verdict: AnomalyVerdict) -> [UInt64] {
    let tag: UInt64 = switch verdict {
    case .pass: 0
    case .flagged: 1
    case .clamped: 2
    case .dropped: 3
    }
    return [tag, UInt64(verdict.kinds.rawValue)] + bits(verdict.bar)
}

/// The normaliser as documented, built from the general pieces only (`AnomalyFilter.inspect`,
/// `GapDetector.observe`): the reference the shortcuts of `MarketDataNormaliser.process` must match.
private struct GeneralNormaliser {
    var summary: FeedSummary
    var filter: AnomalyFilter
    var gaps: GapDetector
    var lastClose: Double?

    init(anomalies: AnomalyPolicy, gaps gapPolicy: DataSourceSpec.GapPolicy) {
        summary = FeedSummary(source: "test", anomalyAction: anomalies.action, gapPolicy: gapPolicy)
        filter = AnomalyFilter(policy: anomalies)
        gaps = GapDetector(intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
    }

    mutating func process(_ bar: Bar, into output: inout [NormalisedBar]) {
        summary.rowsRead += 1
        let verdict = filter.inspect(bar)
        summary.anomalies = filter.counts
        switch verdict {
        case .pass: break
        case .flagged: summary.barsFlagged += 1
        case .clamped: summary.barsClamped += 1
        case .dropped: summary.barsDropped += 1
        }
        guard let passed = verdict.bar else { return }
        let missing = gaps.observe(passed.timestamp)
        if !missing.isEmpty {
            summary.gapCount += 1
            summary.missingBars += missing.count
            if summary.gapPolicy != .skip && summary.gaps.count < FeedSummary.listedGapLimit {
                summary.gaps.append(FeedSummary.Gap(after: summary.lastTimestamp ?? passed.timestamp, firstMissing: missing[0],
                                                    missingBars: missing.count))
            }
            if summary.gapPolicy == .forwardFill, let lastClose {
                for time in missing {
                    output.append(NormalisedBar(bar: Bar(timestamp: time, open: lastClose, high: lastClose, low: lastClose,
                                                         close: lastClose, volume: 0), isFilled: true))
                }
                summary.filledBars += missing.count
                summary.barsPassed += missing.count
            }
        }
        output.append(NormalisedBar(bar: passed, anomalies: verdict.kinds))
        summary.barsPassed += 1
        if summary.firstTimestamp == nil { summary.firstTimestamp = passed.timestamp }
        summary.lastTimestamp = passed.timestamp
        lastClose = passed.close
    }
}

@Suite("MarketData shortcuts for the common bar")
struct MarketDataFastPathTests {
    @Test("The filter's shortcut decides as inspect does: same verdicts, counts and later decisions, on 10 policies × 3 seeds of messy bars")
    func filterShortcutMatchesInspect() {
        var mismatches = 0, shortcutTaken = 0, anomalous = 0
        for settings in anomalyPolicies {
            for seed: UInt64 in [1, 2, 3] {
                let policy = anomalyPolicy(settings)
                var fast = AnomalyFilter(policy: policy), general = AnomalyFilter(policy: policy)
                for bar in messyBars(count: 3_000, seed: seed) {
                    let expected = general.inspect(bar)
                    let verdict: AnomalyVerdict
                    if fast.passIfClean(bar) {
                        shortcutTaken += 1
                        verdict = .pass(bar)
                    } else {
                        verdict = fast.inspect(bar)
                    }
                    if !expected.kinds.isEmpty { anomalous += 1 }
                    if bits(verdict) != bits(expected) || fast.counts != general.counts || fast.inspected != general.inspected {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
        // Both paths were exercised: most bars take the shortcut, and plenty are anomalous.
        #expect(shortcutTaken > 20_000)
        #expect(anomalous > 3_000)
    }

    @Test("The gap detector's shortcut records bar times as observe does, on messy times")
    func gapShortcutMatchesObserve() {
        var fast = GapDetector(intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
        var general = fast
        var mismatches = 0, gapsSeen = 0
        for bar in messyBars(count: 5_000, seed: 9) {
            let expected = general.observe(bar.timestamp)
            let found = fast.followsOnTime(bar.timestamp) ? [] : fast.observe(bar.timestamp)
            if found != expected || fast.gaps != general.gaps || fast.missingBars != general.missingBars { mismatches += 1 }
            if !expected.isEmpty { gapsSeen += 1 }
        }
        #expect(mismatches == 0)
        #expect(gapsSeen > 50)
    }

    @Test("The normaliser passes on what the general pieces give, with the same summary, for every anomaly action and gap policy")
    func normaliserMatchesGeneralPieces() {
        var mismatches = 0
        for settings in anomalyPolicies {
            for gaps: DataSourceSpec.GapPolicy in [.report, .skip, .forwardFill, .backfill] {
                let bars = messyBars(count: 2_000, seed: 77)
                var stage = MarketDataNormaliser(source: "test", anomalies: anomalyPolicy(settings), gaps: gaps,
                                                 intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
                var reference = GeneralNormaliser(anomalies: anomalyPolicy(settings), gaps: gaps)
                var output: [NormalisedBar] = [], expected: [NormalisedBar] = []
                for bar in bars {
                    stage.process(bar, into: &output)
                    reference.process(bar, into: &expected)
                }
                var summary = stage.summary
                summary.notes = []  // the backfill note is the normaliser's own
                let sameBars = output.map { bits($0.bar) + [UInt64($0.anomalies.rawValue), $0.isFilled ? 1 : 0] }
                    == expected.map { bits($0.bar) + [UInt64($0.anomalies.rawValue), $0.isFilled ? 1 : 0] }
                if !sameBars || summary != reference.summary { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("Through the normaliser, a return of 0.05 after returns 0.01, -0.01, 0.02, -0.02, 0 is a spike (band ±0.044478); 0.04 is not")
    func handComputedSpikeThroughTheShortcut() {
        // By hand: median 0, |deviations| 0, .01, .01, .02, .02, MAD 0.01, sigma 0.014826, k 3: band ±0.044478.
        // The bars are clean, so every one of them goes through the shortcut first.
        func kinds(after nextReturn: Double) -> AnomalyKinds {
            var stage = MarketDataNormaliser(source: "test", anomalies: anomalyPolicy("{ spike_sigma: 3, window: 5 }"), gaps: .report,
                                             intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
            var output: [NormalisedBar] = []
            var close = 100.0
            for (index, value) in [0, 0.01, -0.01, 0.02, -0.02, 0, nextReturn].enumerated() {
                let next = close * exp(value)
                stage.process(bar(Int64(index) * oneMinute, open: close, high: max(close, next), low: min(close, next), close: next),
                              into: &output)
                close = next
            }
            #expect(output.count == 7)
            return output.last!.anomalies
        }
        #expect(kinds(after: 0.04) == [])
        #expect(kinds(after: -0.044) == [])
        #expect(kinds(after: 0.05) == .spike)
        #expect(kinds(after: -0.046) == .spike)
    }

    @Test("Through the normaliser, minute bars at 0, 1 and 5 minutes report one gap of 3 bars starting at minute 2")
    func handComputedGapThroughTheShortcut() {
        var stage = MarketDataNormaliser(source: "test", anomalies: anomalyPolicy(), gaps: .report,
                                         intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
        var output: [NormalisedBar] = []
        for minute: Int64 in [0, 1, 5, 6] { stage.process(bar(minute * oneMinute), into: &output) }
        #expect(stage.summary.gaps == [FeedSummary.Gap(after: oneMinute, firstMissing: 2 * oneMinute, missingBars: 3)])
        #expect(stage.summary.gapCount == 1 && stage.summary.missingBars == 3 && stage.summary.barsPassed == 4)
    }
}
