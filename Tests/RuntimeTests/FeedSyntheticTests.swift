import Foundation
import Testing
import Indicators
@testable import Runtime

@Suite("Feed synthetic generator")
struct FeedSyntheticTests {
    @Test("xoshiro256** seeded by SplitMix64 gives the Python port's outputs (FeedReference)")
    func generator() {
        for (seed, outputs) in FeedReference.xoshiro {
            var random = Xoshiro256StarStar(seed: seed)
            #expect((0..<outputs.count).map { _ in random.next() } == outputs)
        }
    }

    @Test("Bars are bit-identical to an independent Python port of the definition (FeedReference)",
          arguments: FeedReference.synthetic.map(\.seed))
    func bitIdentical(seed: UInt64) throws {
        let reference = FeedReference.synthetic.first { $0.seed == seed }!
        let spec = syntheticSpec(seed: reference.seed, bars: reference.bars, start: reference.start, startPrice: reference.startPrice,
                                 drift: reference.drift, volatility: reference.volatility)
        let bars = Array(try SyntheticBarGenerator(spec, intervalMicroseconds: reference.intervalMicroseconds))
        let expected = reference.rows.map {
            Bar(timestamp: $0.timestamp, open: Double(bitPattern: $0.open), high: Double(bitPattern: $0.high),
                low: Double(bitPattern: $0.low), close: Double(bitPattern: $0.close), volume: Double(bitPattern: $0.volume))
        }
        #expect(bars == expected)
    }

    @Test("exp and log agree with the platform's to within 2 ulp over a wide range")
    func portableMath() {
        var x = -700.0
        while x < 700 {
            let ours = PortableMath.exp(x), system = Foundation.exp(x)
            #expect(abs(ours - system) <= 2 * system.ulp, "exp(\(x))")
            x += 0.737
        }
        var y = 1e-300
        while y < 1e300 {
            let ours = PortableMath.log(y), system = Foundation.log(y)
            #expect(abs(ours - system) <= 2 * max(system.ulp, Double.ulpOfOne), "log(\(y))")
            y *= 3.3
        }
    }

    @Test("100,000 bars: low ≤ open, close ≤ high; returns have the declared mean and deviation")
    func shapeAndMoments() throws {
        let spec = syntheticSpec(seed: 11, bars: 100_000, start: "2024-01-01", startPrice: 50, drift: 0.0001, volatility: 0.02)
        let series = try SyntheticBarGenerator(spec, intervalMicroseconds: 60_000_000).makeSeries()
        #expect(series.count == 100_000)
        var sum = 0.0, squares = 0.0
        for index in 0..<series.count {
            let bar = series[index]
            #expect(bar.low <= min(bar.open, bar.close) && max(bar.open, bar.close) <= bar.high && bar.low > 0)
            #expect(bar.volume >= 1000 && bar.volume < 10_000 && bar.volume == bar.volume.rounded())
            let r = log(bar.close / bar.open)
            sum += r
            squares += r * r
        }
        let mean = sum / 100_000, deviation = (squares / 100_000 - mean * mean).squareRoot()
        // Standard error of the mean is 0.02 / √100000 ≈ 6.3e-5; of the deviation ≈ 4.5e-5. Allow 4 of each.
        #expect(abs(mean - 0.0001) < 2.6e-4)
        #expect(abs(deviation - 0.02) < 1.8e-4)
        #expect(series.timestamps.last == series.timestamps[0] + 99_999 * 60_000_000)
    }

    @Test("Bad parameters are errors with a fix")
    func badSpec() {
        let badStart = syntheticSpec(seed: 1, bars: 10, start: "yesterday", startPrice: 1, drift: 0, volatility: 0.01)
        #expect(throws: FeedError.self) { try SyntheticBarGenerator(badStart, intervalMicroseconds: 60_000_000) }
        do {
            _ = try SyntheticBarGenerator(badStart, intervalMicroseconds: 60_000_000)
        } catch {
            #expect(error.reason == .badSyntheticSpec)
            #expect(error.message == "start `yesterday` is not a timestamp")
        }
        let good = syntheticSpec(seed: 1, bars: 10, start: "2024-01-01", startPrice: 1, drift: 0, volatility: 0.01)
        #expect(throws: FeedError.self) { try SyntheticBarGenerator(good, intervalMicroseconds: 0) }
    }
}
