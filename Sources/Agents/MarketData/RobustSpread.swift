import Foundation

/// The median and the robust standard deviation of the last `capacity` values.
///
/// Spike detection asks for both on every bar. Keeping the window sorted makes the median a
/// lookup, and the median absolute deviation (MAD) one branch-free pass over half the window:
/// O(window) per bar with no allocation, where sorting anew would be O(window log window).
struct RobustSpread: Sendable {
    /// Scale that makes the MAD estimate a normal distribution's standard deviation.
    static let madToSigma = 1.482_602_218_505_602
    /// Scale that makes the mean absolute deviation estimate a normal standard deviation (√(π/2)).
    static let meanDeviationToSigma = 1.253_314_137_315_500_3

    let capacity: Int
    private var arrival: ContiguousArray<Double>
    private(set) var sorted: ContiguousArray<Double>
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        arrival = []
        sorted = []
        arrival.reserveCapacity(self.capacity)
        sorted.reserveCapacity(self.capacity)
    }

    var isFull: Bool { sorted.count == capacity }

    /// Adds a value, evicting the oldest once the window is full: a binary search finds the
    /// evicted value, another the new value's place, and one block move closes the gap.
    mutating func push(_ value: Double) {
        if arrival.count < capacity {
            arrival.append(value)
            sorted.append(value)
            sorted.withUnsafeMutableBufferPointer { buffer in
                var index = buffer.count - 1
                while index > 0 && buffer[index - 1] > value {
                    buffer[index] = buffer[index - 1]
                    index -= 1
                }
                buffer[index] = value
            }
            return
        }
        let evicted = arrival[oldest]
        arrival[oldest] = value
        oldest = oldest + 1 == capacity ? 0 : oldest + 1
        sorted.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let values = UnsafeBufferPointer(buffer)
            let slot = Self.insertionIndex(of: evicted, in: values)
            if value > evicted {
                // The values after the evicted slot and below the new value move down by one.
                let end = Self.insertionIndex(of: value, in: values)
                memmove(base + slot, base + slot + 1, (end - 1 - slot) * MemoryLayout<Double>.stride)
                base[end - 1] = value
            } else if value < evicted {
                // The values above the new value and before the evicted slot move up by one.
                let start = Self.upperIndex(of: value, in: values)
                memmove(base + start + 1, base + start, (slot - start) * MemoryLayout<Double>.stride)
                base[start] = value
            } else {
                base[slot] = value
            }
        }
    }

    /// The median of the window; call only when it is not empty.
    var median: Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// Whether `value` certainly lies within `median ± sigmas × sigma(around: median)`, decided
    /// from three order statistics; false means "not known", not "outside".
    ///
    /// The MAD is the least radius around the median that holds rank + 1 values (rank = n/2 − 1
    /// or n/2), and those values are consecutive in sorted order. No run of rank + 1 consecutive
    /// indices fits strictly between the indices `low` and `high` = `low` + rank + 1, so every
    /// such run reaches `low` or `high` and the MAD is at least the nearer of the two values'
    /// distances from the median. Rounding is monotone, so the band built from that bound lies
    /// inside the exact band: a value inside it is inside the exact one, bit for bit. For an
    /// ordinary bar this skips the O(window) MAD pass.
    func certainlyWithin(_ value: Double, sigmas: Double) -> Bool {
        let n = sorted.count
        guard n >= 4, n == capacity else { return false }
        let rank = n % 2 == 1 ? n / 2 : n / 2 - 1
        let low = (n - 2 - rank) / 2, high = low + rank + 1
        return sorted.withUnsafeBufferPointer { values in
            let center = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
            let bound = min(values[high] - center, center - values[low])
            guard bound > 0, bound.isFinite, center.isFinite else { return false }
            let width = sigmas * (Self.madToSigma * bound)
            return value >= center - width && value <= center + width
        }
    }

    /// A robust estimate of the window's standard deviation: 1.4826 × MAD, or, when more than
    /// half of the values are equal (MAD = 0, common for quiet minute bars), 1.2533 × the mean
    /// absolute deviation from the median. Zero only when every value is equal.
    func sigma(around center: Double) -> Double {
        let mad = medianAbsoluteDeviation(from: center)
        if mad > 0 { return Self.madToSigma * mad }
        var sum = 0.0
        for value in sorted { sum += abs(value - center) }
        return Self.meanDeviationToSigma * (sum / Double(sorted.count))
    }

    /// The median of |value − center| over the window.
    private func medianAbsoluteDeviation(from center: Double) -> Double {
        sorted.withUnsafeBufferPointer { values in
            let n = values.count
            if n % 2 == 1 { return Self.deviation(rank: n / 2, from: center, in: values) }
            return (Self.deviation(rank: n / 2 - 1, from: center, in: values) + Self.deviation(rank: n / 2, from: center, in: values)) / 2
        }
    }

    /// The `rank`-th smallest |value − center| (0-based): the least radius around `center` that
    /// holds rank + 1 of the values. The values nearest to `center` are consecutive in sorted
    /// order, so this is the least, over every run of rank + 1 consecutive values, of the run's
    /// farther end from `center`: one pass of min and max with no data-dependent branch. Four
    /// running minima keep four runs in flight (min is exact, so their order cannot matter).
    private static func deviation(rank: Int, from center: Double, in values: UnsafeBufferPointer<Double>) -> Double {
        @inline(__always) func reach(_ start: Int) -> Double {
            max(abs(center - values[start]), abs(values[start + rank] - center))
        }
        let runs = values.count - rank
        var least = (Double.infinity, Double.infinity, Double.infinity, Double.infinity)
        var start = 0
        while start + 4 <= runs {
            least.0 = min(least.0, reach(start))
            least.1 = min(least.1, reach(start + 1))
            least.2 = min(least.2, reach(start + 2))
            least.3 = min(least.3, reach(start + 3))
            start += 4
        }
        while start < runs {
            least.0 = min(least.0, reach(start))
            start += 1
        }
        return min(min(least.0, least.1), min(least.2, least.3))
    }

    /// The first index whose value is greater than `value` (branch-free binary search).
    private static func upperIndex(of value: Double, in values: UnsafeBufferPointer<Double>) -> Int {
        var remaining = values.count
        guard remaining > 0 else { return 0 }
        var base = 0
        while remaining > 1 {
            let half = remaining / 2
            base = values[base + half] <= value ? base + half : base
            remaining -= half
        }
        return base + (values[base] <= value ? 1 : 0)
    }

    /// The first index whose value is not less than `value` (branch-free binary search).
    private static func insertionIndex(of value: Double, in values: UnsafeBufferPointer<Double>) -> Int {
        var remaining = values.count
        guard remaining > 0 else { return 0 }
        var base = 0
        while remaining > 1 {
            let half = remaining / 2
            base = values[base + half] < value ? base + half : base
            remaining -= half
        }
        return base + (values[base] < value ? 1 : 0)
    }
}
