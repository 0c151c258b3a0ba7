import Testing
import Indicators

/// Small cases worked by hand (the arithmetic is in each comment), for the behaviours the
/// reference files exercise only implicitly.
@Suite("Hand-computed values")
struct HandComputedTests {
    private static let day: Int64 = 86_400_000_000

    private func bar(_ timestamp: Int64, high: Double, low: Double, close: Double, volume: Double) -> Bar {
        Bar(timestamp: timestamp, open: close, high: high, low: low, close: close, volume: volume)
    }

    /// Day 1: tp 10 (vol 1), tp 20 (vol 3) → (10 + 60) / 4 = 17.5. Day 2 restarts: tp 30 → 30.
    @Test("session VWAP resets at the UTC day boundary")
    func vwapResets() throws {
        var vwap = try StreamingIndicator(spec: try #require(IndicatorCatalog.spec(named: "vwap")), parameters: [])
        let bars = [
            bar(Self.day + 1, high: 11, low: 9, close: 10, volume: 1),
            bar(2 * Self.day - 1, high: 21, low: 19, close: 20, volume: 3),
            bar(2 * Self.day, high: 31, low: 29, close: 30, volume: 5),
        ]
        var values: [Double] = []
        for bar in bars {
            vwap.update(a: .nan, b: .nan, bar: bar)
            values.append(vwap.value(0))
        }
        #expect(values == [10, 17.5, 30])
    }

    /// a = 1, 2, 3, 2, 1 against b = 2: a crosses above between bars 1 and 2 (2 < 2 is false, so
    /// not at bar 1), and below between bars 3 and 4 (2 > 2 is false, so not at bar 3).
    @Test("crossover and crossunder need a strict change of side")
    func crossings() {
        let a: [Double] = [1, 2, 3, 2, 1]
        let b: [Double] = [2, 2, 2, 2, 2]
        #expect(Batch.crossover(a, b).dropFirst() == [0, 0, 0, 0])
        let c: [Double] = [1, 3, 3, 1, 1]
        #expect(Batch.crossover(c, b).dropFirst() == [1, 0, 0, 0])
        #expect(Batch.crossunder(c, b).dropFirst() == [0, 0, 1, 0])
        #expect(Batch.crossover(c, b)[0].isNaN)
    }

    /// Returns ln 2 and ln 0.5 over the window; mean 0, sample variance (ln2)²·2 / 1 → σ = ln2·√2, × √4.
    @Test("realised volatility is the sample stddev of log returns times sqrt(annualisation)")
    func realisedVolatility() {
        let out = Batch.realvol([1, 2, 1], period: 2, annualisation: 4)
        let expected = 0.6931471805599453 * 2.0.squareRoot() * 2
        #expect(out[0].isNaN && out[1].isNaN)
        #expect(abs(out[2] - expected) < 1e-15)
    }

    /// Window 1, 2, 3: mean 2, population σ = √(2/3); z(3) = 1 / √(2/3) = √1.5. A flat window gives 0.
    @Test("z-score uses the population standard deviation, 0 on a flat window")
    func zscore() {
        let out = Batch.zscore([1, 2, 3, 5, 5, 5], period: 3)
        #expect(abs(out[2] - 1.5.squareRoot()) < 1e-15)
        #expect(out[5] == 0)
    }
}
