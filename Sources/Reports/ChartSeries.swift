/// One chart line fed point by point, keeping what ``MinMaxDownsampler`` needs to draw it.
///
/// Up to `rawLimit` points it keeps them all, so a short run draws exactly as from the whole
/// series. Beyond that it keeps the first, lowest, highest and last point of each of at most
/// `bucketLimit` equal time buckets, doubling the bucket width (merging neighbours) whenever
/// the series outgrows them. The report then downsamples those points to its pixel columns:
/// a bucket is far narrower than a column, so every column still shows the range the full
/// series covers there, give or take a bucket at its edges.
struct ChartSeries: Sendable {
    static let rawLimit = 16_384
    static let bucketLimit = 8_192

    private struct Point: Sendable {
        var time: Int64
        var value: Double
    }

    private struct Bucket: Sendable {
        var first: Point
        var low: Point
        var high: Point
        var last: Point

        init(_ point: Point) {
            (first, low, high, last) = (point, point, point, point)
        }

        mutating func add(_ point: Point) {
            if point.value < low.value { low = point }
            if point.value > high.value { high = point }
            last = point
        }

        /// `later` covers later times than `self`.
        mutating func merge(_ later: Bucket) {
            if later.low.value < low.value { low = later.low }
            if later.high.value > high.value { high = later.high }
            last = later.last
        }
    }

    private var rawTimes: [Int64] = []
    private var rawValues: [Double] = []
    private var buckets: [Bucket?] = []
    private var origin: Int64 = 0
    private var width: Int64 = 1
    private var bucketed = false

    mutating func add(time: Int64, value: Double) {
        if bucketed {
            if !value.isNaN { place(Point(time: time, value: value)) }
            return
        }
        rawTimes.append(time)
        rawValues.append(value)
        if rawTimes.count > Self.rawLimit { startBuckets() }
    }

    /// The points to draw, in time order (NaN values only in the unbucketed case, where the
    /// downsampler skips them).
    func points() -> (times: [Int64], values: [Double]) {
        guard bucketed else { return (rawTimes, rawValues) }
        var times: [Int64] = []
        var values: [Double] = []
        for bucket in buckets {
            guard let bucket else { continue }
            for point in [bucket.first, bucket.low, bucket.high, bucket.last].sorted(by: { $0.time < $1.time })
            where times.last != point.time {
                times.append(point.time)
                values.append(point.value)
            }
        }
        return (times, values)
    }

    private mutating func startBuckets() {
        bucketed = true
        origin = rawTimes[0]
        width = Swift.max(1, (rawTimes[rawTimes.count - 1] - origin) / Int64(Self.bucketLimit / 4) + 1)
        for (time, value) in zip(rawTimes, rawValues) where !value.isNaN { place(Point(time: time, value: value)) }
        rawTimes = []
        rawValues = []
    }

    private mutating func place(_ point: Point) {
        var index = Int((point.time - origin) / width)
        while index >= Self.bucketLimit {
            coarsen()
            index = Int((point.time - origin) / width)
        }
        while buckets.count <= index { buckets.append(nil) }
        if buckets[index] == nil { buckets[index] = Bucket(point) } else { buckets[index]!.add(point) }
    }

    /// Doubles the bucket width: buckets 2k and 2k + 1 become bucket k.
    private mutating func coarsen() {
        width *= 2
        var merged: [Bucket?] = Array(repeating: nil, count: (buckets.count + 1) / 2)
        for (index, bucket) in buckets.enumerated() {
            guard let bucket else { continue }
            if merged[index / 2] == nil { merged[index / 2] = bucket } else { merged[index / 2]!.merge(bucket) }
        }
        buckets = merged
    }
}
