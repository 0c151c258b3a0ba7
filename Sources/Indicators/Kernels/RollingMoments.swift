/// Mean and sum of squared deviations of the last `period` values.
///
/// A sliding Welford update keeps deviations rather than raw sums of squares, avoiding the
/// cancellation of E[x²] - E[x]² on prices (TA-Lib 0.8 likewise computes VAR accurately, not
/// from raw sums). Rounding still accumulates in the running mean, so both moments are
/// recomputed exactly from the window every `resyncInterval` updates: O(period) work every
/// 16·period bars, amortised O(1) per bar and drift-free on long series.
struct RollingMoments: Sendable {
    let period: Int
    private let reciprocal: Double
    private let resyncInterval: Int
    private var window: RingBuffer
    private var sinceResync = 0
    private(set) var mean = 0.0
    private var squaredDeviations = 0.0

    init(period: Int) {
        self.period = period
        reciprocal = 1.0 / Double(period)
        resyncInterval = 16 * period
        window = RingBuffer(capacity: period)
    }

    var isFull: Bool { window.isFull }

    /// A copy with its own storage (see `FixedStorage`).
    func duplicated() -> RollingMoments {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    /// Sum of squared deviations from the mean, never negative.
    var sumOfSquares: Double { max(squaredDeviations, 0) }

    /// Population variance of the window.
    var variance: Double { sumOfSquares * reciprocal }

    @inline(__always)
    mutating func push(_ x: Double) {
        guard window.isFull else {
            window.push(x)
            let delta = x - mean
            mean += delta / Double(window.count)
            squaredDeviations += delta * (x - mean)
            return
        }
        let leaving = window.push(x)
        sinceResync += 1
        if sinceResync == resyncInterval {
            resync()
            return
        }
        let previousMean = mean
        let change = x - leaving
        mean += change * reciprocal
        squaredDeviations += change * ((x - mean) + (leaving - previousMean))
    }

    /// Recomputes both moments from the stored window with a two-pass sum.
    private mutating func resync() {
        sinceResync = 0
        let centre = window.sum() * reciprocal
        let deviations = window.squaredDeviation(from: centre)
        mean = centre
        squaredDeviations = deviations
    }
}
