public import Indicators
public import StrategyDSL
import Agents

/// The language's seeded synthetic source: a geometric random walk of closes with bars around it.
///
/// For bar i = 0, 1, … (docs/data.md gives the same definition):
/// - time: start + i × interval (every bar present: the source trades 24/7);
/// - open: the previous close (`start_price` for the first bar);
/// - close: open × exp(drift + volatility × z), z standard normal;
/// - high: max(open, close) × (1 + volatility × u₁ / 2), low: min(open, close) / (1 + volatility × u₂ / 2);
/// - volume: 1000 + ⌊9000 × u₃⌋,
///
/// with u uniform in [0, 1) from xoshiro256** seeded by SplitMix64(seed), z from the Marsaglia
/// polar method, drawn in the order z, u₁, u₂, u₃. exp and log are `PortableMath`'s, so the bars
/// are bit-identical for a seed on every platform. Then low ≤ open, close ≤ high always.
public struct SyntheticBarGenerator: Sequence, Sendable {
    public let spec: SyntheticSpec
    public let intervalMicroseconds: Int64
    /// The first bar's time, UTC µs.
    public let startMicroseconds: Int64

    /// - Throws: `FeedError` when the start is not a timestamp or a number is out of range.
    public init(_ spec: SyntheticSpec, intervalMicroseconds: Int64) throws(FeedError) {
        let source = "synthetic source (seed \(spec.seed))"
        guard spec.bars >= 0 else {
            throw FeedError.badSyntheticSpec(source: source, message: "bars is \(spec.bars)", fix: "set bars to a positive whole number")
        }
        guard spec.startPrice > 0, spec.startPrice.isFinite else {
            throw FeedError.badSyntheticSpec(source: source, message: "start_price is \(spec.startPrice)", fix: "set start_price to a positive number")
        }
        guard spec.volatility >= 0, spec.volatility.isFinite, spec.drift.isFinite else {
            throw FeedError.badSyntheticSpec(source: source, message: "drift \(spec.drift) or volatility \(spec.volatility) is out of range",
                                             fix: "set drift to a finite number and volatility to a non-negative one")
        }
        guard intervalMicroseconds > 0 else {
            throw FeedError.badSyntheticSpec(source: source, message: "the interval is not positive", fix: "set interval to a duration such as 1m or 1d")
        }
        guard let start = Self.parseStart(spec.start) else {
            throw FeedError.badSyntheticSpec(source: source, message: "start `\(spec.start)` is not a timestamp",
                                             fix: "write start as \(FeedError.timestampFormats)")
        }
        self.spec = spec
        self.intervalMicroseconds = intervalMicroseconds
        startMicroseconds = start
    }

    public func makeIterator() -> Iterator {
        Iterator(self)
    }

    /// All bars as columns.
    public func makeSeries() -> BarSeries {
        var timestamps: [Int64] = [], open: [Double] = [], high: [Double] = []
        var low: [Double] = [], close: [Double] = [], volume: [Double] = []
        timestamps.reserveCapacity(spec.bars)
        open.reserveCapacity(spec.bars)
        high.reserveCapacity(spec.bars)
        low.reserveCapacity(spec.bars)
        close.reserveCapacity(spec.bars)
        volume.reserveCapacity(spec.bars)
        for bar in self {
            timestamps.append(bar.timestamp)
            open.append(bar.open)
            high.append(bar.high)
            low.append(bar.low)
            close.append(bar.close)
            volume.append(bar.volume)
        }
        return BarSeries(timestamps: timestamps, open: open, high: high, low: low, close: close, volume: volume)
    }

    public var underestimatedCount: Int { spec.bars }

    /// The start as UTC µs; a start without `Z` or an offset is UTC.
    private static func parseStart(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> Int64? in
            guard let base = buffer.baseAddress else { return nil }
            let start = UnsafePointer(base), end = start + buffer.count
            var cache = TimestampParser.DateCache()
            guard case .parsed(let microseconds, _, let stop) = TimestampParser.parse(start, end, cache: &cache), stop == end else { return nil }
            return microseconds
        }
    }

    /// Produces the bars one at a time; holds only the generator state and the last close.
    public struct Iterator: IteratorProtocol, Sendable {
        private let generator: SyntheticBarGenerator
        private var random: Xoshiro256StarStar
        private var index = 0
        private var lastClose: Double
        private var spareNormal: Double?

        init(_ generator: SyntheticBarGenerator) {
            self.generator = generator
            random = Xoshiro256StarStar(seed: generator.spec.seed)
            lastClose = generator.spec.startPrice
        }

        public mutating func next() -> Bar? {
            guard index < generator.spec.bars else { return nil }
            let spec = generator.spec
            let open = lastClose
            let close = open * PortableMath.exp(spec.drift + spec.volatility * nextNormal())
            let high = Swift.max(open, close) * (1 + spec.volatility * random.nextUniform() / 2)
            let low = Swift.min(open, close) / (1 + spec.volatility * random.nextUniform() / 2)
            let volume = 1000 + (9000 * random.nextUniform()).rounded(.down)
            let timestamp = generator.startMicroseconds + Int64(index) * generator.intervalMicroseconds
            index += 1
            lastClose = close
            return Bar(timestamp: timestamp, open: open, high: high, low: low, close: close, volume: volume)
        }

        /// A standard normal by the Marsaglia polar method; each accepted pair yields two.
        private mutating func nextNormal() -> Double {
            if let spare = spareNormal {
                spareNormal = nil
                return spare
            }
            while true {
                let u = 2 * random.nextUniform() - 1
                let v = 2 * random.nextUniform() - 1
                let s = u * u + v * v
                guard s > 0 && s < 1 else { continue }
                let factor = (-2 * PortableMath.log(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }
}
