import Foundation
import Testing
import Indicators
import StrategyDSL
@testable import Agents

/// Bars with one anomaly each (the open of -1 is also outside [9, 11]); expected kinds are read
/// off the numbers by hand.
private let good = bar(1, open: 10, high: 11, low: 9, close: 10.5, volume: 100)
private let nonPositive = bar(2, open: -1, high: 11, low: 9, close: 10, volume: 100)
private let inverted = bar(3, open: 10, high: 9, low: 11, close: 10, volume: 100)
private let outside = bar(4, open: 12, high: 11, low: 9, close: 8, volume: 100)
private let noVolume = bar(5, open: 10, high: 11, low: 9, close: 10, volume: 0)

/// Closes whose log returns are exactly the given ones (up to the rounding of exp).
private func bars(from returns: [Double], start: Double = 100) -> [Bar] {
    var close = start
    var result = [bar(0, open: start, high: start, low: start, close: start)]
    for (index, value) in returns.enumerated() {
        let next = close * exp(value)
        result.append(bar(Int64(index + 1), open: close, high: max(close, next), low: min(close, next), close: next))
        close = next
    }
    return result
}

@Suite("MarketData anomaly filter")
struct MarketDataAnomalyTests {
    @Test("The default policy flags every kind and changes no bar")
    func defaultFlags() {
        var filter = AnomalyFilter(policy: anomalyPolicy())
        #expect(filter.policy.action == .flag)
        let verdicts = [good, nonPositive, inverted, outside, noVolume].map { filter.inspect($0) }
        #expect(verdicts == [.pass(good), .flagged(nonPositive, [.nonPositivePrice, .outsideRange]), .flagged(inverted, .highBelowLow),
                             .flagged(outside, .outsideRange), .flagged(noVolume, .zeroVolume)])
        for kind in [AnomalyKind.nonPositivePrice, .highBelowLow, .zeroVolume] { #expect(filter.counts[kind] == 1) }
        #expect(filter.counts[.outsideRange] == 2)
        #expect(filter.counts[.spike] == 0)
        #expect(filter.counts.total == 5)
        #expect(filter.inspected == 5)
    }

    @Test("drop withholds every anomalous bar and names its kinds")
    func drop() {
        var filter = AnomalyFilter(policy: anomalyPolicy("{ action: drop }"))
        let verdicts = [good, nonPositive, inverted, outside, noVolume].map { filter.inspect($0) }
        #expect(verdicts == [.pass(good), .dropped([.nonPositivePrice, .outsideRange]), .dropped(.highBelowLow), .dropped(.outsideRange), .dropped(.zeroVolume)])
        #expect(verdicts.compactMap(\.bar) == [good])
    }

    @Test("clamp repairs each kind as documented")
    func clamp() {
        var filter = AnomalyFilter(policy: anomalyPolicy("{ action: clamp }"))
        // No good close yet: a non-positive price cannot be repaired.
        #expect(filter.inspect(nonPositive) == .dropped(.nonPositivePrice))
        #expect(filter.inspect(good) == .pass(good))
        // The open of -1 takes the last good close, 10.5.
        #expect(filter.inspect(nonPositive) == .clamped(bar(2, open: 10.5, high: 11, low: 9, close: 10, volume: 100), .nonPositivePrice))
        #expect(filter.inspect(inverted) == .clamped(bar(3, open: 10, high: 11, low: 9, close: 10, volume: 100), .highBelowLow))
        #expect(filter.inspect(outside) == .clamped(bar(4, open: 11, high: 11, low: 9, close: 9, volume: 100), .outsideRange))
        #expect(filter.inspect(noVolume) == .clamped(noVolume, .zeroVolume))
        #expect(filter.counts.total == 5)
    }

    @Test("expect_volume: false accepts zero volume")
    func volumeNotExpected() {
        var filter = AnomalyFilter(policy: anomalyPolicy("{ expect_volume: false }"))
        #expect(filter.inspect(noVolume) == .pass(noVolume))
    }

    @Test("A spike is a return beyond k × 1.4826 × MAD of the window (window 5, k 3: band ±0.044478)")
    func spikeByMAD() {
        // Returns 0.01, -0.01, 0.02, -0.02, 0: median 0, |deviations| 0, .01, .01, .02, .02, MAD 0.01,
        // sigma 0.014826, band ±0.044478.
        let history = bars(from: [0.01, -0.01, 0.02, -0.02, 0])
        func verdictAfterHistory(_ nextReturn: Double, _ action: String = "flag") -> (AnomalyVerdict, Double) {
            var filter = AnomalyFilter(policy: anomalyPolicy("{ action: \(action), spike_sigma: 3, window: 5 }"))
            for bar in history { #expect(filter.inspect(bar) == .pass(bar)) }
            let last = history.last!.close
            let next = last * exp(nextReturn)
            return (filter.inspect(bar(9, open: last, high: max(last, next), low: min(last, next), close: next)), last)
        }
        #expect(verdictAfterHistory(0.04).0.kinds == [])
        #expect(verdictAfterHistory(-0.044).0.kinds == [])
        #expect(verdictAfterHistory(0.05).0.kinds == .spike)
        #expect(verdictAfterHistory(-0.046).0.kinds == .spike)
        #expect(verdictAfterHistory(0.05, "drop").0 == .dropped(.spike))
        // Clamped: the close is pulled to the top of the band, last × exp(3 × 1.482602218505602 × 0.01).
        let (clamped, last) = verdictAfterHistory(0.10, "clamp")
        let expected = last * exp(0.044_478_066_555_168_06)
        #expect(clamped.kinds == .spike)
        #expect(abs(clamped.bar!.close - expected) / expected < 1e-12)
        #expect(clamped.bar!.high == clamped.bar!.close)
        #expect(clamped.bar!.low == last)
    }

    @Test("With MAD = 0 the spread is 1.2533 × the mean absolute deviation (window 0,0,0,.01,-.01: band ±0.015040)")
    func spikeByMeanDeviation() {
        // Mean |deviation| from the median 0 is 0.02 / 5 = 0.004; × 1.2533141373155003 = 0.0050133; × 3 = 0.015040.
        let history = bars(from: [0, 0, 0.01, 0, -0.01])
        func kinds(after nextReturn: Double) -> AnomalyKinds {
            var filter = AnomalyFilter(policy: anomalyPolicy("{ spike_sigma: 3, window: 5 }"))
            for bar in history { _ = filter.inspect(bar) }
            let last = history.last!.close, next = last * exp(nextReturn)
            return filter.inspect(bar(9, open: last, high: max(last, next), low: min(last, next), close: next)).kinds
        }
        #expect(kinds(after: 0.015) == [])
        #expect(kinds(after: 0.0151) == .spike)
        #expect(kinds(after: -0.02) == .spike)
    }

    @Test("No spike is called while the window fills or when every return is equal")
    func noSpikeWithoutSpread() {
        var filling = AnomalyFilter(policy: anomalyPolicy("{ spike_sigma: 3, window: 5 }"))
        for bar in bars(from: [0.01, 0.01, 0.5]) { #expect(filling.inspect(bar).kinds == []) }
        var flat = AnomalyFilter(policy: anomalyPolicy("{ spike_sigma: 3, window: 5 }"))
        for bar in bars(from: [0, 0, 0, 0, 0, 0.3]) { #expect(flat.inspect(bar).kinds == []) }
    }

    @Test("Counts are per kind: a bar with two kinds counts once for each")
    func countsPerKind() {
        var filter = AnomalyFilter(policy: anomalyPolicy())
        let twoKinds = bar(1, open: 12, high: 11, low: 9, close: 10, volume: 0)
        #expect(filter.inspect(twoKinds).kinds == [.outsideRange, .zeroVolume])
        #expect(filter.counts[.outsideRange] == 1 && filter.counts[.zeroVolume] == 1 && filter.counts.total == 2)
    }
}

@Suite("MarketData robust spread")
struct MarketDataRobustSpreadTests {
    @Test("Median and MAD of a hand-sorted window (values 5, 1, 4, 2, 3: median 3, MAD 1)")
    func medianAndMAD() {
        var spread = RobustSpread(capacity: 5)
        for value in [5.0, 1, 4, 2, 3] { spread.push(value) }
        #expect(spread.median == 3)
        #expect(spread.sigma(around: 3) == RobustSpread.madToSigma * 1)
        // Evicting 5 for 10: window 1, 4, 2, 3, 10 has median 3 and |deviations| 2, 1, 1, 0, 7: MAD 1.
        spread.push(10)
        #expect(spread.median == 3 && spread.sigma(around: 3) == RobustSpread.madToSigma)
        // Even count: 1, 2, 3, 4 has median 2.5, |deviations| 1.5, 0.5, 0.5, 1.5: MAD 1.
        var even = RobustSpread(capacity: 4)
        for value in [4.0, 1, 3, 2] { even.push(value) }
        #expect(even.median == 2.5 && even.sigma(around: 2.5) == RobustSpread.madToSigma)
    }

    @Test("After every push the sorted window is the last `capacity` values sorted, with ties, infinities, moves both ways and evictions of equal values")
    func windowStaysSorted() {
        var state: UInt64 = 4242
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        var mismatches = 0
        // 64 and below take the vector pass (CKernels), above that binary searches and block moves.
        for capacity in [1, 2, 3, 7, 50, 64, 65, 100] {
            var spread = RobustSpread(capacity: capacity)
            var window: [Double] = []
            for _ in 0..<5_000 {
                // Few distinct values, so equal values are evicted and inserted all the time; now
                // and then an infinite one (the return of a close that overflows or underflows).
                let draw = uniform()
                let value = draw < 0.01 ? -.infinity : draw > 0.99 ? .infinity : (uniform() * 8).rounded(.down) - 4
                spread.push(value)
                window.append(value)
                if window.count > capacity { window.removeFirst() }
                if Array(spread.sorted) != window.sorted() { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("MAD by one pass over runs equals the median of the sorted deviations, on 20,000 random windows")
    func madAgreesWithSorting() {
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        var disagreements = 0
        for trial in 0..<20_000 {
            let capacity = 5 + trial % 12
            var spread = RobustSpread(capacity: capacity)
            var window: [Double] = []
            // Every fourth window has many equal values, to reach the MAD = 0 fallback.
            for _ in 0..<(capacity + trial % 7) {
                let value = trial % 4 == 0 && uniform() < 0.6 ? 0 : (uniform() - 0.5) * 0.02
                spread.push(value)
                window.append(value)
            }
            window = Array(window.suffix(capacity))
            // Textbook definitions, computed here by sorting.
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted(), n = sorted.count
                return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            }
            let center = median(window)
            let mad = median(window.map { abs($0 - center) })
            // Summed in sorted order, as the window keeps its values.
            let meanDeviation = window.sorted().map { abs($0 - center) }.reduce(0, +) / Double(window.count)
            let expected = mad > 0 ? RobustSpread.madToSigma * mad : RobustSpread.meanDeviationToSigma * meanDeviation
            if spread.median != center || spread.sigma(around: center) != expected { disagreements += 1 }
        }
        #expect(disagreements == 0)
    }

    @Test("The quick band test never passes a value the textbook band (median ± k × 1.4826 MAD) leaves out, on 20,000 random windows")
    func quickBandIsInsideTheExactBand() {
        var state: UInt64 = 987_654_321
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1.0p-53
        }
        var wronglyPassed = 0, centerMissed = 0
        for trial in 0..<20_000 {
            let capacity = 4 + trial % 60
            var spread = RobustSpread(capacity: capacity)
            var window: [Double] = []
            for _ in 0..<(capacity + trial % 5) {
                // Every third window has many equal values; the others are wide or narrow.
                let value = trial % 3 == 0 && uniform() < 0.55 ? 0.001 : (uniform() - 0.5) * (trial % 2 == 0 ? 0.02 : 2e-6)
                spread.push(value)
                window.append(value)
            }
            window = Array(window.suffix(capacity)).sorted()
            // Textbook definitions, by sorting: the band is empty (no spike test) when the MAD is 0.
            let n = window.count
            let center = n % 2 == 1 ? window[n / 2] : (window[n / 2 - 1] + window[n / 2]) / 2
            let deviations = window.map { abs($0 - center) }.sorted()
            let mad = n % 2 == 1 ? deviations[n / 2] : (deviations[n / 2 - 1] + deviations[n / 2]) / 2
            let sigmas = [1.0, 3, 10][trial % 3]
            let width = sigmas * (RobustSpread.madToSigma * mad)
            // Probes inside, at and beyond the textbook band's edges.
            for probe in [center, center + width, center - width, center + width * 0.999, center - width * 1.001, center + 3 * width,
                          window[0], window[n - 1], (uniform() - 0.5) * 0.05] {
                let exactlyInside = mad > 0 && probe >= center - width && probe <= center + width
                if spread.certainlyWithin(probe, sigmas: sigmas) && !exactlyInside { wronglyPassed += 1 }
            }
            // With distinct values the shortcut must settle the median itself, or it saves nothing.
            if trial % 3 != 0 && !spread.certainlyWithin(center, sigmas: sigmas) { centerMissed += 1 }
        }
        #expect(wronglyPassed == 0)
        #expect(centerMissed == 0)
    }
}
