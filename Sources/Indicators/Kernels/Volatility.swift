/// TA-Lib's standard deviation from a variance: √variance, or 0 below TA-Lib's 1e-8 threshold.
@inline(__always)
func guardedSquareRoot(_ variance: Double) -> Double {
    variance < 0.00000001 ? 0 : variance.squareRoot()
}

/// BBANDS with TA-Lib's defaults: middle = SMA, upper/lower = middle ± nbdev·σ (population σ).
struct BollingerBands: SeriesKernel {
    static let outputCount = 3
    private var moments: RollingMoments
    private let deviations: Double
    private var upper = Double.nan
    private var middle = Double.nan
    private var lower = Double.nan

    init(period: Int, deviations: Double) {
        moments = RollingMoments(period: period)
        self.deviations = deviations
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        moments.push(x)
        guard moments.isFull else { return }
        let width = guardedSquareRoot(moments.variance) * deviations
        middle = moments.mean
        upper = middle + width
        lower = middle - width
    }

    func duplicated() -> BollingerBands {
        var copy = self
        copy.moments = moments.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double {
        switch output {
        case 0: upper
        case 1: middle
        default: lower
        }
    }
}

/// VAR (population variance) and STDDEV (√VAR · nbdev) over `period` values.
struct RollingVariance: SeriesKernel {
    enum Output: Sendable {
        case variance
        case standardDeviation(deviations: Double)
    }

    static let outputCount = 1
    private var moments: RollingMoments
    let output: Output
    private(set) var current = Double.nan

    init(period: Int, output: Output) {
        moments = RollingMoments(period: period)
        self.output = output
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        moments.push(x)
        guard moments.isFull else { return }
        switch output {
        case .variance: current = moments.variance
        case let .standardDeviation(deviations): current = guardedSquareRoot(moments.variance) * deviations
        }
    }

    func duplicated() -> RollingVariance {
        var copy = self
        copy.moments = moments.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// z = (x - mean) / σ over the last `period` values, σ the population standard deviation; 0 when σ is 0.
struct ZScore: SeriesKernel {
    static let outputCount = 1
    private var moments: RollingMoments
    private(set) var current = Double.nan

    init(period: Int) {
        moments = RollingMoments(period: period)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        moments.push(x)
        guard moments.isFull else { return }
        let deviation = moments.variance.squareRoot()
        current = deviation > 0 ? (x - moments.mean) / deviation : 0
    }

    func duplicated() -> ZScore {
        var copy = self
        copy.moments = moments.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// ATR with Wilder smoothing, and NATR = 100·ATR / close (0 when the close is near zero).
///
/// True range starts on the second bar; the first ATR, on bar `period`, is the mean of the first
/// `period` true ranges; then atr = atr·(n-1)/n + tr/n.
///
/// After its first step the smoothing is evaluated two bars at a time,
/// atrₜ = keep²·atrₜ₋₂ + (keep·share·trₜ₋₁ + share·trₜ) with keep = (n-1)/n, share = 1/n: each
/// value then waits on the one two bars back rather than the previous one, so consecutive bars
/// overlap and a batch run is not bound by the latency of a multiply-add per bar. It differs
/// from the one-step form by rounding only, and streaming and batch share it.
struct AverageTrueRange: BarKernel {
    static let outputCount = 1
    let period: Int
    let normalised: Bool
    private let keep: Double
    private let share: Double
    private let keepSquared: Double
    private let keepShare: Double
    private var previousClose = 0.0
    private var previousRange = 0.0
    private var seen = 0
    private var average = 0.0
    private var earlierAverage = 0.0
    private(set) var current = Double.nan

    init(period: Int, normalised: Bool) {
        self.period = period
        self.normalised = normalised
        keep = Double(period - 1) / Double(period)
        share = 1.0 / Double(period)
        keepSquared = keep * keep
        keepShare = keep * share
    }

    @inline(__always)
    mutating func update(_ bar: Bar) {
        defer { previousClose = bar.close; seen += 1 }
        if seen == 0 { return }
        let range = trueRange(bar, previousClose: previousClose)
        defer { previousRange = range }
        if seen > period + 1 {
            let next = keepSquared * earlierAverage + (keepShare * previousRange + share * range)
            earlierAverage = average
            average = next
        } else if seen == period + 1 {
            earlierAverage = average
            average = average * keep + range * share
        } else {
            average += range
            guard seen == period else { return }
            average /= Double(period)
        }
        if normalised {
            current = isNearZero(bar.close) ? 0 : (average / bar.close) * 100.0
        } else {
            current = average
        }
    }

    var isSteady: Bool { seen > period + 1 }

    @inline(__always)
    mutating func steadyUpdate(_ bar: Bar) {
        let range = trueRange(bar, previousClose: previousClose)
        let next = keepSquared * earlierAverage + (keepShare * previousRange + share * range)
        earlierAverage = average
        average = next
        previousRange = range
        previousClose = bar.close
        current = output(average, close: bar.close)
    }

    /// `steadyUpdate` for two bars in the lanes of SIMD2 values: lane 0 is bar t, lane 1 bar t+1,
    /// each lane doing exactly the scalar operations, so the values are the same.
    @inline(__always)
    mutating func steadyUpdatePair(_ first: Bar, _ second: Bar, into out: OutputColumns, at index: Int) {
        let high = SIMD2(first.high, second.high)
        let low = SIMD2(first.low, second.low)
        let priorClose = SIMD2(previousClose, first.close)
        let upper = high.replacing(with: priorClose, where: priorClose .>= high)
        let lower = low.replacing(with: priorClose, where: priorClose .< low)
        let ranges = upper - lower
        let priorRanges = SIMD2(previousRange, ranges[0])
        let averages = keepSquared * SIMD2(earlierAverage, average) + (keepShare * priorRanges + share * ranges)
        earlierAverage = averages[0]
        average = averages[1]
        previousRange = ranges[1]
        previousClose = second.close
        out.set(0, index, output(averages[0], close: first.close))
        current = output(averages[1], close: second.close)
        out.set(0, index + 1, current)
    }

    @inline(__always)
    private func output(_ average: Double, close: Double) -> Double {
        guard normalised else { return average }
        return isNearZero(close) ? 0 : (average / close) * 100.0
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> AverageTrueRange { self }

    func value(_ output: Int) -> Double { current }
}

/// True range: the largest of high - low, |previous close - high| and |previous close - low|.
///
/// Computed as max(high, previous close) - min(low, previous close), which is the same
/// subtraction as whichever of the three TA-Lib picks, in three operations instead of seven.
/// `AverageTrueRange.steadyUpdatePair` repeats it lane by lane; the two must stay in step.
@inline(__always)
func trueRange(_ bar: Bar, previousClose: Double) -> Double {
    max(bar.high, previousClose) - min(bar.low, previousClose)
}
