/// The median and the robust standard deviation of the last `capacity` values.
///
/// Spike detection asks for both on every bar. Keeping the window sorted makes the median a
/// lookup, and the median absolute deviation (MAD) a merge of the two sorted halves walking
/// outward from the median: O(window) per bar with no allocation, where sorting anew would be
/// O(window log window).
struct RobustSpread: Sendable {
    /// Scale that makes the MAD estimate a normal distribution's standard deviation.
    static let madToSigma = 1.482_602_218_505_602
    /// Scale that makes the mean absolute deviation estimate a normal standard deviation (√(π/2)).
    static let meanDeviationToSigma = 1.253_314_137_315_500_3

    let capacity: Int
    private var arrival: ContiguousArray<Double>
    private var sorted: ContiguousArray<Double>
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        arrival = []
        sorted = []
        arrival.reserveCapacity(self.capacity)
        sorted.reserveCapacity(self.capacity)
    }

    var isFull: Bool { sorted.count == capacity }

    /// Adds a value, evicting the oldest once the window is full: one binary search and one
    /// shift of the sorted window for each of the two.
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
            // Move the values between the evicted slot and the new value's place by one, then store it.
            var index = Self.insertionIndex(of: evicted, in: UnsafeBufferPointer(buffer))
            while index + 1 < buffer.count && buffer[index + 1] < value {
                buffer[index] = buffer[index + 1]
                index += 1
            }
            while index > 0 && buffer[index - 1] > value {
                buffer[index] = buffer[index - 1]
                index -= 1
            }
            buffer[index] = value
        }
    }

    /// The median of the window; call only when it is not empty.
    var median: Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// Whether `value` lies more than `k` robust sigmas from the median: |value − median| > k·σ
    /// with σ as `sigma(around:)` defines it.
    ///
    /// The exact σ needs the MAD, a walk over half the window. But the answer is usually clear
    /// from counts: with t = |value − median| / (k · 1.4826), the value is beyond when more than
    /// half the window lies within t of the median (MAD < t), and inside when at most half does
    /// (MAD > t). Each count is two binary searches. Only when the count is borderline (within a
    /// relative 1e-9 of t), or the MAD may be zero, is the exact σ computed.
    func isBeyond(_ value: Double, sigmas k: Double) -> Bool {
        let center = median
        let distance = abs(value - center)
        let decided: Bool? = sorted.withUnsafeBufferPointer { values in
            let lowRank = (values.count - 1) / 2, highRank = values.count / 2
            let threshold = distance / (k * Self.madToSigma)
            // Most bars are well inside: at most half the window within t means MAD > t (and > 0).
            let loose = threshold * (1 + 1e-9)
            let withinLoose = Self.upperBound(of: center + loose, in: values) - Self.insertionIndex(of: center - loose, in: values)
            if withinLoose <= lowRank { return false }
            let tight = threshold * (1 - 1e-9)
            let withinTight = Self.insertionIndex(of: center + tight, in: values) - Self.upperBound(of: center - tight, in: values)
            guard withinTight >= highRank + 1 else { return nil }
            // MAD < t, unless it is 0 and the mean-deviation fallback applies.
            let zeroDeviations = Self.upperBound(of: center, in: values) - Self.insertionIndex(of: center, in: values)
            return zeroDeviations <= lowRank ? true : nil
        }
        if let decided { return decided }
        let sigma = sigma(around: center)
        return sigma > 0 && distance > k * sigma
    }

    /// A robust estimate of the window's standard deviation: 1.4826 × MAD, or, when more than
    /// half of the values are equal (MAD = 0, common for quiet minute bars), 1.2533 × the mean
    /// absolute deviation from the median. Zero only when every value is equal.
    func sigma(around center: Double) -> Double {
        let mad = medianAbsoluteDeviation(from: center)
        if mad > 0 { return Self.madToSigma * mad }
        var sum = 0.0
        for value in sorted { sum += abs(value - center) }
        return Self.meanDeviationToSigma * sum / Double(sorted.count)
    }

    /// The median of |value − center| over the window, by merging the deviations of the values
    /// below `center` (walking down) with those at or above it (walking up).
    private func medianAbsoluteDeviation(from center: Double) -> Double {
        sorted.withUnsafeBufferPointer { values in
            let n = values.count
            var below = Self.insertionIndex(of: center, in: values) - 1
            var above = below + 1
            // The lower middle rank and, for an even count, the one after it.
            let lowerRank = (n - 1) / 2, upperRank = n / 2
            var lowerValue = 0.0
            for rank in 0...upperRank {
                let next: Double
                if below >= 0 && (above >= n || center - values[below] <= values[above] - center) {
                    next = center - values[below]
                    below -= 1
                } else {
                    next = values[above] - center
                    above += 1
                }
                if rank == lowerRank { lowerValue = next }
                if rank == upperRank { return (lowerValue + next) / 2 }
            }
            return lowerValue
        }
    }

    /// The first index whose value is greater than `value`, by a binary search whose steps are
    /// conditional moves rather than branches (the comparisons are unpredictable).
    private static func upperBound(of value: Double, in values: UnsafeBufferPointer<Double>) -> Int {
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
