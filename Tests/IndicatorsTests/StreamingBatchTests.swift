import Testing
import Indicators

/// Streaming and batch forms drive the same kernels, so they must agree exactly: every catalogued
/// indicator, default parameters, on the seeded random walk of the reference files.
@Suite("Streaming equals batch")
struct StreamingBatchTests {
    static let names = IndicatorCatalog.all.map(\.name)

    @Test("every output, bit for bit", arguments: names)
    func streamingEqualsBatch(_ name: String) throws {
        let spec = try #require(IndicatorCatalog.spec(named: name))
        let bars = ReferenceData.randomWalk
        let series = seriesArguments(for: spec, bars: bars)
        let batch = try Batch.compute(spec: spec, parameters: [], series: series, bars: bars)
        let streamed = try stream(spec, series: series, bars: bars)
        #expect(batch.count == spec.outputCount)
        for output in 0..<spec.outputCount {
            #expect(sameBits(batch[output], streamed[output]), "output \(output)")
            #expect(firstValid(batch[output]) == firstComplete(series) + spec.lookback([]), "output \(output) starts at the lookback")
        }
    }

    @Test("NaN gaps are skipped the same way", arguments: names.filter {
        if case .series = IndicatorCatalog.spec(named: $0)!.input { return true } else { return false }
    })
    func gapsAgree(_ name: String) throws {
        let spec = try #require(IndicatorCatalog.spec(named: name))
        let bars = ReferenceData.randomWalk
        var series = seriesArguments(for: spec, bars: bars)
        for index in [0, 1, 2, 700, 701, 2500] { series[0][index] = .nan }
        let batch = try Batch.compute(spec: spec, parameters: [], series: series, bars: bars)
        let streamed = try stream(spec, series: series, bars: bars)
        for output in 0..<spec.outputCount {
            #expect(sameBits(batch[output], streamed[output]))
            #expect(batch[output][700].isNaN && batch[output][2500].isNaN, "a NaN input gives a NaN output")
            #expect(firstValid(batch[output]) == firstComplete(series) + spec.lookback([]), "the start moves past the leading NaNs")
        }
    }

    @Test("a gap is equivalent to removing the bar")
    func gapEqualsRemoval() {
        let close = ReferenceData.randomWalk.close
        var gapped = close
        gapped[1000] = .nan
        var removed = close
        removed.remove(at: 1000)
        let withGap = Batch.ema(gapped, period: 20)
        let withoutBar = Batch.ema(removed, period: 20)
        #expect(withGap[1000].isNaN)
        #expect(sameBits(Array(withGap[1001...]), Array(withoutBar[1000...])))
    }

    /// The first bar on which every series argument is a number (0 for bar-based indicators).
    private func firstComplete(_ series: [[Double]]) -> Int {
        guard let first = series.first else { return 0 }
        return first.indices.first { index in series.allSatisfy { !$0[index].isNaN } } ?? first.count
    }

    /// One series: close. Two series (crossover): close and its SMA(20), which starts on bar 19.
    private func seriesArguments(for spec: IndicatorSpec, bars: BarSeries) -> [[Double]] {
        guard case let .series(count) = spec.input else { return [] }
        return count == 1 ? [bars.close] : [bars.close, Batch.sma(bars.close, period: 20)]
    }

    private func stream(_ spec: IndicatorSpec, series: [[Double]], bars: BarSeries) throws -> [[Double]] {
        var indicator = try StreamingIndicator(spec: spec, parameters: [])
        var out = Array(repeating: [Double](), count: indicator.outputCount)
        for index in 0..<bars.count {
            let a = series.isEmpty ? .nan : series[0][index]
            let b = series.count > 1 ? series[1][index] : .nan
            indicator.update(a: a, b: b, bar: bars[index])
            for output in out.indices { out[output].append(indicator.value(output)) }
        }
        return out
    }

    private func sameBits(_ lhs: [Double], _ rhs: [Double]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }
}

/// A `StreamingIndicator` is a value: a copy continues independently of the original.
@Suite("Streaming value semantics")
struct StreamingValueSemanticsTests {
    @Test("a copy made mid-stream does not share window state", arguments: ["sma", "bbands", "stoch", "cci", "kama"])
    func copiesAreIndependent(_ name: String) throws {
        let spec = try #require(IndicatorCatalog.spec(named: name))
        let bars = ReferenceData.randomWalk
        var original = try StreamingIndicator(spec: spec, parameters: [])
        for index in 0..<100 { original.update(a: bars.close[index], b: .nan, bar: bars[index]) }
        var copy = original
        let before = original.value(0)
        for index in 100..<150 { copy.update(a: bars.close[index], b: .nan, bar: bars[index]) }
        #expect(original.value(0).bitPattern == before.bitPattern, "the original did not move")
        for index in 100..<150 { original.update(a: bars.close[index], b: .nan, bar: bars[index]) }
        #expect(original.value(0).bitPattern == copy.value(0).bitPattern, "both reach the same state from the same bars")
    }
}
