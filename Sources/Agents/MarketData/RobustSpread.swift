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
    /// One buffer, so a push checks for a shared copy once: four −∞, the sorted window in
    /// `[4, 4 + count)`, four +∞ from `4 + capacity`, then the values in arrival order (a ring)
    /// from `8 + capacity`. The infinities stop the shifting loops of `push` at either end
    /// without a bounds check, also where they look four places ahead (no pushed value is NaN:
    /// returns come from positive finite closes).
    private var storage: ContiguousArray<Double>
    private(set) var count = 0
    private var oldest = 0
    /// The order statistics `certainlyWithin` reads, fixed by the capacity (see there).
    private let quickLow: Int, quickHigh: Int

    /// Up to this capacity a push shifts values one by one from the evicted slot to the new
    /// value's place (about capacity / 3 of them); above it a binary search and one block move
    /// cost less.
    static let stepwiseCapacity = 64

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = ContiguousArray(repeating: 0, count: 2 * self.capacity + 8)
        for index in 0..<4 {
            storage[index] = -.infinity
            storage[self.capacity + 4 + index] = .infinity
        }
        let rank = self.capacity % 2 == 1 ? self.capacity / 2 : self.capacity / 2 - 1
        quickLow = (self.capacity - 2 - rank) / 2
        quickHigh = quickLow + rank + 1
    }

    var isFull: Bool { count == capacity }

    /// The window, sorted.
    var sorted: ArraySlice<Double> { storage[4..<(count + 4)] }

    /// Adds a value, evicting the oldest once the window is full: a binary search finds the
    /// evicted value's slot, and the values between it and the new value's place move by one.
    @inline(__always)
    mutating func push(_ value: Double) {
        let filled = count, capacity = self.capacity, oldest = self.oldest
        storage.withUnsafeMutableBufferPointer { buffer in
            // `sorted[-4 ..< 0]` and `sorted[capacity ..< capacity + 4]` are the infinities.
            let sorted = buffer.baseAddress! + 4, arrival = sorted + capacity + 4
            if filled < capacity {
                arrival[filled] = value
                var index = filled
                while sorted[index - 1] > value {
                    sorted[index] = sorted[index - 1]
                    index -= 1
                }
                sorted[index] = value
                return
            }
            let evicted = arrival[oldest]
            arrival[oldest] = value
            if capacity <= Self.stepwiseCapacity {
                var slot = Self.smallInsertionIndex(of: evicted, in: sorted, count: capacity)
                // Four at a time while the farthest of the next four (so all four, being
                // sorted) still moves, then one by one.
                if value > evicted {
                    while sorted[slot &+ 4] < value {
                        Self.copyFour(from: sorted + slot + 1, to: sorted + slot)
                        slot &+= 4
                    }
                    while sorted[slot &+ 1] < value {
                        sorted[slot] = sorted[slot &+ 1]
                        slot &+= 1
                    }
                } else {
                    while sorted[slot &- 4] > value {
                        Self.copyFour(from: sorted + slot - 4, to: sorted + slot - 3)
                        slot &-= 4
                    }
                    while sorted[slot &- 1] > value {
                        sorted[slot] = sorted[slot &- 1]
                        slot &-= 1
                    }
                }
                sorted[slot] = value
                return
            }
            let slot = Self.insertionIndex(of: evicted, in: sorted, count: capacity)
            if value > evicted {
                // The values after the evicted slot and below the new value move down by one.
                let end = Self.insertionIndex(of: value, in: sorted, count: capacity)
                memmove(sorted + slot, sorted + slot + 1, (end - 1 - slot) * MemoryLayout<Double>.stride)
                sorted[end - 1] = value
            } else if value < evicted {
                // The values above the new value and before the evicted slot move up by one.
                let start = Self.upperIndex(of: value, in: sorted, count: capacity)
                memmove(sorted + start + 1, sorted + start, (slot - start) * MemoryLayout<Double>.stride)
                sorted[start] = value
            } else {
                sorted[slot] = value
            }
        }
        if filled < capacity {
            count = filled + 1
        } else {
            self.oldest = oldest + 1 == capacity ? 0 : oldest + 1
        }
    }

    /// The median of the window; call only when it is not empty.
    var median: Double {
        let n = count
        return n % 2 == 1 ? storage[4 + n / 2] : (storage[3 + n / 2] + storage[4 + n / 2]) / 2
    }

    /// Whether `value` certainly lies within `median ± sigmas × sigma(around: median)`, decided
    /// from three order statistics; false means "not known", not "outside".
    ///
    /// The MAD is the least radius around the median that holds rank + 1 values (rank = n/2 − 1
    /// or n/2), and those values are consecutive in sorted order. No run of rank + 1 consecutive
    /// indices fits strictly between the indices `low` and `high` = `low` + rank + 1 (`quickLow`
    /// and `quickHigh`, where `low` = (n − 2 − rank) / 2), so every
    /// such run reaches `low` or `high` and the MAD is at least the nearer of the two values'
    /// distances from the median. Rounding is monotone, so the band built from that bound lies
    /// inside the exact band: a value inside it is inside the exact one, bit for bit. For an
    /// ordinary bar this skips the O(window) MAD pass.
    @inline(__always)
    func certainlyWithin(_ value: Double, sigmas: Double) -> Bool {
        let n = count
        guard n >= 4, n == capacity else { return false }
        return storage.withUnsafeBufferPointer { buffer in
            let values = buffer.baseAddress! + 4
            let center = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
            let bound = min(values[quickHigh] - center, center - values[quickLow])
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
        return Self.meanDeviationToSigma * (sum / Double(count))
    }

    /// The median of |value − center| over the window.
    private func medianAbsoluteDeviation(from center: Double) -> Double {
        storage.withUnsafeBufferPointer { buffer in
            let n = count, values = UnsafeBufferPointer(rebasing: buffer[4..<(n + 4)])
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

    /// Copies four values between overlapping places: all are read before any is written.
    @inline(__always)
    private static func copyFour(from source: UnsafeMutablePointer<Double>, to target: UnsafeMutablePointer<Double>) {
        let values = UnsafeRawPointer(source).loadUnaligned(as: SIMD4<Double>.self)
        UnsafeMutableRawPointer(target).storeBytes(of: values, as: SIMD4<Double>.self)
    }

    /// `insertionIndex` for at most `stepwiseCapacity` values, its six halvings written out:
    /// outside a loop the compiler keeps each step a conditional move, where in the loop it
    /// makes a branch that goes either way at random.
    @inline(__always)
    private static func smallInsertionIndex(of value: Double, in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var remaining = count, base = 0
        @inline(__always) func halve() {
            guard remaining > 1 else { return }
            let half = remaining &>> 1
            base = values[base &+ half] < value ? base &+ half : base
            remaining &-= half
        }
        halve(); halve(); halve(); halve(); halve(); halve()
        return base &+ (values[base] < value ? 1 : 0)
    }

    /// The first index whose value is greater than `value` (branch-free binary search).
    @inline(__always)
    private static func upperIndex(of value: Double, in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var remaining = count, base = 0
        while remaining > 1 {
            let half = remaining &>> 1
            // A mask rather than a branch: the comparison goes either way at random.
            base &+= half & (0 &- (values[base &+ half] <= value ? 1 : 0))
            remaining &-= half
        }
        return base &+ (values[base] <= value ? 1 : 0)
    }

    /// The first index whose value is not less than `value` (branch-free binary search).
    @inline(__always)
    private static func insertionIndex(of value: Double, in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var remaining = count, base = 0
        while remaining > 1 {
            let half = remaining &>> 1
            base &+= half & (0 &- (values[base &+ half] < value ? 1 : 0))
            remaining &-= half
        }
        return base &+ (values[base] < value ? 1 : 0)
    }
}
