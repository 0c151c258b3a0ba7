/// RSI with Wilder smoothing: the first averages are plain means of `period` gains and losses,
/// then avg = avg·(n-1)/n + change/n; RSI = 100·gain / (gain + loss), 0 when both are (near) zero.
///
/// The smoothing is written avg·a + change·b with a = (n-1)/n and b = 1/n so no division sits on
/// the bar-to-bar dependency chain.
struct RelativeStrengthIndex: SeriesKernel {
    static let outputCount = 1
    let period: Int
    private let keep: Double
    private let share: Double
    private var previous = 0.0
    private var seen = 0
    private var gain = 0.0
    private var loss = 0.0
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        keep = Double(period - 1) / Double(period)
        share = 1.0 / Double(period)
    }

    var isReady: Bool { seen > period }

    @inline(__always)
    mutating func update(_ x: Double) {
        defer { previous = x; seen += 1 }
        if seen == 0 { return }
        let change = x - previous
        if seen > period {
            gain = gain * keep + max(change, 0) * share
            loss = loss * keep + max(-change, 0) * share
        } else {
            if change < 0 { loss -= change } else { gain += change }
            guard seen == period else { return }
            gain /= Double(period)
            loss /= Double(period)
        }
        let total = gain + loss
        current = isNearZero(total) ? 0 : 100.0 * (gain / total)
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> RelativeStrengthIndex { self }

    func value(_ output: Int) -> Double { current }
}

/// MACD line = EMA(fast) - EMA(slow), signal = EMA(signal) of the line, hist = line - signal.
///
/// As in TA-Lib, both EMAs produce their first value on the same bar (slow - 1): the fast EMA
/// is seeded with the SMA of the `fast` values ending there, not of the first `fast` values.
/// A slow period shorter than the fast one is swapped, as TA-Lib does.
struct MovingAverageConvergenceDivergence: SeriesKernel {
    static let outputCount = 3
    private var fast: ExponentialMovingAverage
    private var slow: ExponentialMovingAverage
    private var signal: ExponentialMovingAverage
    private let fastStart: Int
    private var seen = 0
    private var line = Double.nan
    private var signalValue = Double.nan

    init(fastPeriod: Int, slowPeriod: Int, signalPeriod: Int) {
        let (shorter, longer) = fastPeriod <= slowPeriod ? (fastPeriod, slowPeriod) : (slowPeriod, fastPeriod)
        fast = ExponentialMovingAverage(period: shorter)
        slow = ExponentialMovingAverage(period: longer)
        signal = ExponentialMovingAverage(period: signalPeriod)
        fastStart = longer - shorter
    }

    var isSteady: Bool { signal.isSteady }

    @inline(__always)
    mutating func steadyUpdate(_ x: Double) {
        fast.steadyUpdate(x)
        slow.steadyUpdate(x)
        let difference = fast.current - slow.current
        signal.steadyUpdate(difference)
        line = difference
        signalValue = signal.current
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        if seen >= fastStart { fast.update(x) }
        seen += 1
        slow.update(x)
        guard slow.isReady else { return }
        let difference = fast.current - slow.current
        signal.update(difference)
        guard signal.isReady else { return }
        line = difference
        signalValue = signal.current
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> MovingAverageConvergenceDivergence { self }

    func value(_ output: Int) -> Double {
        switch output {
        case 0: line
        case 1: signalValue
        default: line - signalValue
        }
    }
}

/// Fast stochastic of a series against its own rolling range: 100·(x - min) / (max - min), 0 on a flat range.
struct StochasticRange: Sendable {
    private var highest: RollingExtreme
    private var lowest: RollingExtreme

    init(period: Int) {
        highest = RollingExtreme(period: period, keepsMaximum: true)
        lowest = RollingExtreme(period: period, keepsMaximum: false)
    }

    func duplicated() -> StochasticRange {
        var copy = self
        copy.highest = highest.duplicated()
        copy.lowest = lowest.duplicated()
        return copy
    }

    /// Pushes one bar's range and close; returns %K once `period` bars are in, else nil.
    @inline(__always)
    mutating func update(high: Double, low: Double, close: Double) -> Double? {
        highest.push(high)
        lowest.push(low)
        guard highest.isFull else { return nil }
        let range = (highest.extreme - lowest.extreme) / 100.0
        return range != 0 ? (close - lowest.extreme) / range : 0
    }
}

/// STOCHRSI: the fast stochastic (%K over `fastKPeriod`, %D = SMA of %K over `fastDPeriod`) of RSI(`period`).
struct StochasticRSI: SeriesKernel {
    static let outputCount = 2
    private var rsi: RelativeStrengthIndex
    private var range: StochasticRange
    private var smoothing: SimpleMovingAverage
    private var k = Double.nan
    private var d = Double.nan

    init(period: Int, fastKPeriod: Int, fastDPeriod: Int) {
        rsi = RelativeStrengthIndex(period: period)
        range = StochasticRange(period: fastKPeriod)
        smoothing = SimpleMovingAverage(period: fastDPeriod)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        rsi.update(x)
        guard rsi.isReady else { return }
        let value = rsi.current
        guard let fastK = range.update(high: value, low: value, close: value) else { return }
        smoothing.update(fastK)
        guard smoothing.isReady else { return }
        k = fastK
        d = smoothing.current
    }

    func duplicated() -> StochasticRSI {
        var copy = self
        copy.range = range.duplicated()
        copy.smoothing = smoothing.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { output == 0 ? k : d }
}

/// ROC and MOM: the change against the value `period` bars earlier.
struct LaggedDifference: SeriesKernel {
    enum Form: Sendable {
        /// (x / x[n] - 1)·100, 0 when x[n] is 0 (TA-Lib's ROC).
        case rateOfChange
        /// x - x[n] (TA-Lib's MOM).
        case momentum
    }

    static let outputCount = 1
    let form: Form
    private var window: RingBuffer
    private(set) var current = Double.nan

    init(period: Int, form: Form) {
        self.form = form
        window = RingBuffer(capacity: period)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        let wasFull = window.isFull
        let earlier = window.push(x)
        guard wasFull else { return }
        switch form {
        case .rateOfChange: current = earlier != 0 ? ((x / earlier) - 1.0) * 100.0 : 0
        case .momentum: current = x - earlier
        }
    }

    func duplicated() -> LaggedDifference {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}
