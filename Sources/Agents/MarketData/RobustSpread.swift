internal import CKernels
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
    /// One buffer, so a push checks for a shared copy once: eight −∞, the sorted window from
    /// `guards` (`count` values), +∞ after it up to `ring`, then the values in arrival order (a
    /// ring) from `ring`. The −∞ stop the insertion loop of a filling window without a bounds
    /// check; the +∞ are the places after the window that `stratum_sorted_replace` reads and
    /// keeps +∞, a whole number of vectors (no pushed value is NaN: returns come from positive
    /// finite closes).
    private var storage: ContiguousArray<Double>
    private(set) var count = 0
    private var oldest = 0
    /// Where the ring starts in `storage`.
    private let ring: Int
    /// The order statistics `certainlyWithin` reads once the window is full, fixed by the
    /// capacity (see `quickBand`): the two middle values and the two bounds of the MAD.
    private let middle: Middle

    /// Up to this capacity a push into a full window rewrites it in one branch-free vector pass
    /// (`stratum_sorted_replace`, CKernels): a fixed cost, where searching and shifting take
    /// branches that go either way at random. Above it the pass grows with the window while a
    /// binary search and one block move grow with the distance moved, so those are kept.
    static let vectorPassCapacity = 64
    /// −∞ before the sorted window.
    static let guards = 8

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        ring = Self.guards + stratum_sorted_replace_span(self.capacity)
        storage = ContiguousArray(repeating: .infinity, count: ring + self.capacity)
        for index in 0..<Self.guards { storage[index] = -.infinity }
        middle = Middle(capacity: self.capacity)
    }

    /// Indices into the full sorted window: its two middle values (the same one for an odd
    /// capacity) and the two values that bound the MAD from below (see `quickBand`).
    struct Middle {
        let low: Int, high: Int
        let quickLow: Int, quickHigh: Int

        init(capacity: Int) {
            low = (capacity - 1) / 2
            high = capacity / 2
            let rank = capacity % 2 == 1 ? capacity / 2 : capacity / 2 - 1
            quickLow = (capacity - 2 - rank) / 2
            quickHigh = quickLow + rank + 1
        }
    }

    var isFull: Bool { count == capacity }

    /// The window, sorted.
    var sorted: ArraySlice<Double> { storage[Self.guards..<(count + Self.guards)] }

    /// Adds a value, evicting the oldest once the window is full.
    @inline(__always)
    mutating func push(_ value: Double) {
        withWindow { $0.push(value) }
    }

    /// Whether `value` certainly lies within `median ± sigmas × sigma(around: median)`; false
    /// means "not known", not "outside" (see `Window.certainlyWithin`).
    @inline(__always)
    func certainlyWithin(_ value: Double, sigmas: Double) -> Bool {
        guard count >= 4, count == capacity else { return false }
        return storage.withUnsafeBufferPointer { buffer in
            Self.quickBand(buffer.baseAddress! + Self.guards, middle, contains: value, sigmas: sigmas)
        }
    }

    /// Lends the window, its buffer open, to `body`: a run of pushes and tests then checks the
    /// buffer for a shared copy once.
    @inline(__always)
    mutating func withWindow<Result>(_ body: (inout Window) -> Result) -> Result {
        let capacity = capacity, ring = ring, middle = middle
        var count = count, oldest = oldest
        let result = storage.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            var window = Window(sorted: base + Self.guards, arrivals: base + ring, capacity: capacity, count: count, oldest: oldest,
                                middle: middle)
            let result = body(&window)
            count = window.count
            oldest = window.oldest
            return result
        }
        self.count = count
        self.oldest = oldest
        return result
    }

    /// The window with its buffer open: what `push` and `certainlyWithin` work on.
    struct Window {
        /// The sorted window; `sorted[-guards ..< 0]` are −∞, `sorted[count ..< ring − guards]` +∞.
        let sorted: UnsafeMutablePointer<Double>
        /// The values in arrival order; the oldest at `oldest` once the window is full.
        let arrivals: UnsafeMutablePointer<Double>
        let capacity: Int
        private(set) var count: Int
        private(set) var oldest: Int
        let middle: Middle

        init(sorted: UnsafeMutablePointer<Double>, arrivals: UnsafeMutablePointer<Double>, capacity: Int, count: Int, oldest: Int,
             middle: Middle) {
            self.sorted = sorted
            self.arrivals = arrivals
            self.capacity = capacity
            self.count = count
            self.oldest = oldest
            self.middle = middle
        }

        /// `RobustSpread.certainlyWithin` for a full window of at least four values.
        @inline(__always)
        func certainlyWithin(_ value: Double, sigmas: Double) -> Bool {
            RobustSpread.quickBand(sorted, middle, contains: value, sigmas: sigmas)
        }

        /// Adds a value, evicting the oldest once the window is full: the evicted value leaves the
        /// sorted window and the new one takes its place in order.
        @inline(__always)
        mutating func push(_ value: Double) {
            if count == capacity { pushIntoFull(value) } else { fill(value) }
        }

        /// `push` once the window is full, as it stays.
        @inline(__always)
        mutating func pushIntoFull(_ value: Double) {
            let evicted = arrivals[oldest]
            arrivals[oldest] = value
            oldest = oldest &+ 1 == capacity ? 0 : oldest &+ 1
            if capacity <= RobustSpread.vectorPassCapacity {
                stratum_sorted_replace(sorted, capacity, evicted, value)
            } else {
                moveBlock(evicted: evicted, value: value)
            }
        }

        /// A push while the window fills: the value's place is found from the top.
        private mutating func fill(_ value: Double) {
            arrivals[count] = value
            var index = count
            while sorted[index &- 1] > value {
                sorted[index] = sorted[index &- 1]
                index &-= 1
            }
            sorted[index] = value
            count &+= 1
        }

        /// A push into a large window: binary searches and one block move.
        private func moveBlock(evicted: Double, value: Double) {
            let slot = RobustSpread.insertionIndex(of: evicted, in: sorted, count: capacity)
            if value > evicted {
                // The values after the evicted slot and below the new value move down by one.
                let end = RobustSpread.insertionIndex(of: value, in: sorted, count: capacity)
                memmove(sorted + slot, sorted + slot + 1, (end - 1 - slot) * MemoryLayout<Double>.stride)
                sorted[end - 1] = value
            } else if value < evicted {
                // The values above the new value and before the evicted slot move up by one.
                let start = RobustSpread.upperIndex(of: value, in: sorted, count: capacity)
                memmove(sorted + start + 1, sorted + start, (slot - start) * MemoryLayout<Double>.stride)
                sorted[start] = value
            } else {
                sorted[slot] = value
            }
        }
    }

    /// The median of the window; call only when it is not empty.
    var median: Double {
        storage.withUnsafeBufferPointer { Self.median(of: $0.baseAddress! + Self.guards, count: count) }
    }

    /// The median of `count` sorted values: the mean of the two middle ones, which for an odd
    /// count are the same value (doubling and halving it are exact for any log return, whose
    /// magnitude is below 2000), so one formula serves both without a branch.
    @inline(__always)
    static func median(of values: UnsafePointer<Double>, count: Int) -> Double {
        (values[(count &- 1) &>> 1] + values[count &>> 1]) / 2
    }

    /// Whether `value` certainly lies within `median ± sigmas × sigma(around: median)` of a full
    /// window of at least four sorted values, decided from three order statistics; false means
    /// "not known", not "outside".
    ///
    /// The MAD is the least radius around the median that holds rank + 1 values (rank = n/2 − 1
    /// or n/2), and those values are consecutive in sorted order. No run of rank + 1 consecutive
    /// indices fits strictly between the indices `low` and `high` = `low` + rank + 1 (`quickLow`
    /// and `quickHigh`, where `low` = (n − 2 − rank) / 2), so every
    /// such run reaches `low` or `high` and the MAD is at least the nearer of the two values'
    /// distances from the median. Rounding is monotone, so the band built from that bound lies
    /// inside the exact band: a value inside it is inside the exact one, bit for bit. For an
    /// ordinary bar this skips the O(window) MAD pass.
    ///
    /// A positive finite bound also means a finite median: `quickLow` and `quickHigh` lie at or
    /// outside the middle two, so an infinite median (or a NaN one, from −∞ and +∞) makes one difference
    /// NaN and the other infinite or NaN, and `min` then gives NaN or +∞.
    @inline(__always)
    static func quickBand(_ values: UnsafePointer<Double>, _ middle: Middle, contains value: Double, sigmas: Double) -> Bool {
        let center = (values[middle.low] + values[middle.high]) / 2
        let bound = min(values[middle.quickHigh] - center, center - values[middle.quickLow])
        guard bound > 0, bound.isFinite else { return false }
        let width = sigmas * (madToSigma * bound)
        return value >= center - width && value <= center + width
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
            let n = count, values = UnsafeBufferPointer(rebasing: buffer[Self.guards..<(n + Self.guards)])
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
    @inline(__always)
    static func upperIndex(of value: Double, in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
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
    static func insertionIndex(of value: Double, in values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        var remaining = count, base = 0
        while remaining > 1 {
            let half = remaining &>> 1
            base &+= half & (0 &- (values[base &+ half] < value ? 1 : 0))
            remaining &-= half
        }
        return base &+ (values[base] < value ? 1 : 0)
    }
}
