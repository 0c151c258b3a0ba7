/// Sums in the order NumPy's `add.reduce` uses for contiguous float64 arrays.
///
/// The statistics are checked against backtesting.py, which sums with NumPy. Pairwise
/// summation has an error that grows with log n rather than n, and following the same
/// blocking (8 accumulators, halves above 128 elements) keeps our results within a few
/// ulps of the reference instead of drifting with the length of the series.
enum PairwiseSum {
    private static let blockSize = 128

    /// The sum of `values`, in NumPy's pairwise order.
    static func sum(_ values: [Double]) -> Double {
        // An empty sum is +0.0, NumPy's identity for addition.
        values.isEmpty ? 0 : values.withUnsafeBufferPointer { sum($0[...]) }
    }

    private static func sum(_ values: Slice<UnsafeBufferPointer<Double>>) -> Double {
        let count = values.count
        let start = values.startIndex
        if count < 8 {
            // NumPy starts this short loop from -0.0 so that a sum of negative zeros stays -0.0.
            var total = -0.0
            for value in values { total += value }
            return total
        }
        if count <= blockSize {
            var lanes = (0..<8).map { values[start + $0] }
            var index = 8
            while index < count - count % 8 {
                for lane in 0..<8 { lanes[lane] += values[start + index + lane] }
                index += 8
            }
            var total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
                + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
            while index < count {
                total += values[start + index]
                index += 1
            }
            return total
        }
        var half = count / 2
        half -= half % 8
        return sum(values[start..<(start + half)]) + sum(values[(start + half)...])
    }

    /// The arithmetic mean, NaN for no values (as NumPy and pandas return).
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : sum(values) / Double(values.count)
    }

    /// The sample variance (one delta degree of freedom), two-pass like pandas' `var()`.
    ///
    /// NaN with fewer than two values, where the sample variance is undefined.
    static func sampleVariance(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let average = mean(values)
        return sum(values.map { ($0 - average) * ($0 - average) }) / Double(values.count - 1)
    }

    /// The sample covariance of two series of equal length (one delta degree of freedom).
    static func sampleCovariance(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1, x.count == y.count else { return .nan }
        let meanX = mean(x)
        let meanY = mean(y)
        return sum(zip(x, y).map { ($0 - meanX) * ($1 - meanY) }) / Double(x.count - 1)
    }
}
