/// SMA: the mean of the last `period` values, computed as pandas' `rolling(period).mean()` does,
/// to the bit.
///
/// backtesting.py's strategies take their averages from pandas, and a crossover decides on
/// `fast > slow`: where two averages are mathematically equal (prices of a few decimals make
/// that common), only the rounding of each says which is larger. Computing them with pandas'
/// arithmetic breaks such ties as backtesting.py does. pandas keeps a Kahan-compensated
/// running sum, with one compensation for the values it adds and another for those it removes
/// (the leaving value is removed before the new one is added), divides by the count, and then:
/// a window whose values are all the same returns that value exactly; a mean of the wrong sign
/// for a window of only non-negative (or only negative) values returns 0.
///
/// The running sum keeps the cost per bar constant (a sum over the window would be O(period));
/// the division is off the sum's dependency chain, so it does not bound a column's throughput.
struct SimpleMovingAverage: SeriesKernel {
    static let outputCount = 1
    let period: Int
    private var window: RingBuffer
    private var state = CompensatedWindowSum()
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        window = RingBuffer(capacity: period)
    }

    var isReady: Bool { window.isFull }

    @inline(__always)
    mutating func update(_ x: Double) {
        if window.isFull {
            state.remove(window.push(x))
            state.add(x)
            current = state.mean(count: period)
        } else {
            window.push(x)
            state.add(x)
            if window.isFull { current = state.mean(count: period) }
        }
    }

    /// `update` over a column of `count` values, writing what a program's register reads
    /// after each (`current`, or NaN for a NaN input, which leaves the window as it is and sets
    /// `skipped`): the same operations in the same order as bar by bar, so the same bits. Once
    /// the window is full the loop works on the ring's storage directly, the sums and the ring's
    /// position held in registers across the column.
    @inline(__always)
    mutating func run(_ input: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>, count: Int,
                      skipped: inout Bool) {
        var sums = state, mean = current, wasSkipped = skipped
        var row = 0
        // Warming up, as `update` does before the window is full.
        while row < count, !window.isFull {
            let x = input[row]
            if x.isNaN {
                wasSkipped = true
                output[row] = .nan
            } else {
                wasSkipped = false
                window.push(x)
                sums.add(x)
                if window.isFull { mean = sums.mean(count: period) }
                output[row] = mean
            }
            row += 1
        }
        if row < count {
            let full = period
            window.withFullRing { values, capacity, position in
                var oldest = position
                defer { position = oldest }
                while row < count {
                    let x = input[row]
                    if x.isNaN {
                        wasSkipped = true
                        output[row] = .nan
                    } else {
                        wasSkipped = false
                        let leaving = values[oldest]
                        values[oldest] = x
                        oldest = oldest + 1 == capacity ? 0 : oldest + 1
                        sums.remove(leaving)
                        sums.add(x)
                        mean = sums.mean(count: full)
                        output[row] = mean
                    }
                    row += 1
                }
            }
        }
        state = sums
        current = mean
        skipped = wasSkipped
    }

    /// `run` of two averages over the same column, as a program with `sma(close, 10)` and
    /// `sma(close, 30)` has them: each average's arithmetic is `run`'s, in the same order, so the
    /// same bits. A column of one average waits on each row's compensated sums (a chain of
    /// dependent additions); interleaving two such columns overlaps their chains instead of
    /// running one after the other. Until both windows are full (the first rows of a run) each
    /// runs on its own.
    static func run(_ first: inout SimpleMovingAverage, _ second: inout SimpleMovingAverage, _ input: UnsafePointer<Double>,
                    into firstOutput: UnsafeMutablePointer<Double>, _ secondOutput: UnsafeMutablePointer<Double>, count: Int,
                    skipped firstSkipped: inout Bool, _ secondSkipped: inout Bool) {
        guard count > 0, first.window.isFull, second.window.isFull else {
            first.run(input, into: firstOutput, count: count, skipped: &firstSkipped)
            second.run(input, into: secondOutput, count: count, skipped: &secondSkipped)
            return
        }
        var firstSums = first.state, secondSums = second.state
        var firstMean = first.current, secondMean = second.current
        var lastSkipped = false
        let firstPeriod = first.period, secondPeriod = second.period
        first.window.withFullRing { firstValues, firstCapacity, firstPosition in
            second.window.withFullRing { secondValues, secondCapacity, secondPosition in
                var firstOldest = firstPosition, secondOldest = secondPosition
                defer {
                    firstPosition = firstOldest
                    secondPosition = secondOldest
                }
                for row in 0..<count {
                    let x = input[row]
                    if x.isNaN {
                        lastSkipped = true
                        firstOutput[row] = .nan
                        secondOutput[row] = .nan
                        continue
                    }
                    lastSkipped = false
                    let firstLeaving = firstValues[firstOldest], secondLeaving = secondValues[secondOldest]
                    firstValues[firstOldest] = x
                    secondValues[secondOldest] = x
                    firstOldest = firstOldest + 1 == firstCapacity ? 0 : firstOldest + 1
                    secondOldest = secondOldest + 1 == secondCapacity ? 0 : secondOldest + 1
                    firstSums.remove(firstLeaving)
                    secondSums.remove(secondLeaving)
                    firstSums.add(x)
                    secondSums.add(x)
                    firstMean = firstSums.mean(count: firstPeriod)
                    secondMean = secondSums.mean(count: secondPeriod)
                    firstOutput[row] = firstMean
                    secondOutput[row] = secondMean
                }
            }
        }
        first.state = firstSums
        second.state = secondSums
        first.current = firstMean
        second.current = secondMean
        firstSkipped = lastSkipped
        secondSkipped = lastSkipped
    }

    func duplicated() -> SimpleMovingAverage {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// The running state of pandas' rolling mean (`roll_mean`, `add_mean`, `remove_mean` and
/// `calc_mean` in pandas/_libs/window/aggregations.pyx): the sum with its two Kahan
/// compensations, how many values in the window are negative (sign bit set, as pandas'
/// `signbit`), and the latest value with the length of the run of equal values ending at it.
struct CompensatedWindowSum: Sendable {
    private var sum = 0.0
    private var addCompensation = 0.0
    private var removeCompensation = 0.0
    private var negatives = 0
    private var latest = Double.nan
    private var repeats = 0

    @inline(__always)
    mutating func add(_ x: Double) {
        let y = x - addCompensation
        let t = sum + y
        addCompensation = t - sum - y
        sum = t
        negatives &+= Self.signBit(x)
        repeats = x == latest ? repeats &+ 1 : 1
        latest = x
    }

    @inline(__always)
    mutating func remove(_ x: Double) {
        let y = -x - removeCompensation
        let t = sum + y
        removeCompensation = t - sum - y
        sum = t
        negatives &-= Self.signBit(x)
    }

    /// The mean of a window of `count` values: pandas' `calc_mean` with min_periods reached.
    @inline(__always)
    func mean(count: Int) -> Double {
        let result = sum / Double(count)
        if repeats >= count { return latest }
        if negatives == 0 && result < 0 { return 0 }
        if negatives == count && result > 0 { return 0 }
        return result
    }

    @inline(__always)
    private static func signBit(_ x: Double) -> Int { Int(truncatingIfNeeded: x.bitPattern >> 63) }
}

/// EMA with k = 2 / (period + 1), seeded with the SMA of the first `period` values (TA-Lib's
/// default), then ema = ema·(1 - k) + x·k.
///
/// After its first step the recurrence is evaluated two bars at a time,
/// emaₜ = d²·emaₜ₋₂ + (d·k·xₜ₋₁ + k·xₜ) with d = 1 - k: each value waits on the one two bars
/// back rather than the previous one, so consecutive bars overlap and a batch run is not bound
/// by the latency of a multiply-add per bar. It differs from the one-step form by rounding only,
/// and streaming and batch share it.
struct ExponentialMovingAverage: SeriesKernel {
    static let outputCount = 1
    let period: Int
    private let weight: Double
    private let decay: Double
    private let decaySquared: Double
    private let decayWeight: Double
    private var seen = 0
    private var seedSum = 0.0
    private var earlier = 0.0
    private var lastInput = 0.0
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        weight = 2.0 / Double(period + 1)
        decay = 1.0 - weight
        decaySquared = decay * decay
        decayWeight = decay * weight
    }

    var isReady: Bool { seen >= period }
    var isSteady: Bool { seen > period }

    @inline(__always)
    mutating func steadyUpdate(_ x: Double) {
        let next = decaySquared * earlier + (decayWeight * lastInput + weight * x)
        earlier = current
        current = next
        lastInput = x
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        if seen > period {
            steadyUpdate(x)
            return
        }
        seen += 1
        if seen <= period {
            seedSum += x
            if seen == period { current = seedSum / Double(period) }
            return
        }
        earlier = current
        current = current * decay + x * weight
        lastInput = x
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> ExponentialMovingAverage { self }

    func value(_ output: Int) -> Double { current }
}

/// WMA: weights 1...period, the newest value weighted most.
///
/// Keeps the weighted sum and the plain sum of the window: each bar adds period·x to the
/// weighted sum and then removes one copy of every value (the plain sum), which ages all weights by one.
struct WeightedMovingAverage: SeriesKernel {
    static let outputCount = 1
    let period: Int
    private let divider: Double
    private var window: RingBuffer
    private var weightedSum = 0.0
    private var plainSum = 0.0
    private var leaving = 0.0
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        divider = Double(period * (period + 1)) / 2
        window = RingBuffer(capacity: period)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        if window.count < period - 1 {
            window.push(x)
            plainSum += x
            weightedSum += x * Double(window.count)
            return
        }
        window.push(x)
        plainSum += x
        plainSum -= leaving
        weightedSum += x * Double(period)
        leaving = window.oldest
        current = weightedSum / divider
        weightedSum -= plainSum
    }

    func duplicated() -> WeightedMovingAverage {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// DEMA = 2·EMA(x) - EMA(EMA(x)); the second EMA starts on the first valid value of the first.
struct DoubleExponentialMovingAverage: SeriesKernel {
    static let outputCount = 1
    private var first: ExponentialMovingAverage
    private var second: ExponentialMovingAverage
    private(set) var current = Double.nan

    init(period: Int) {
        first = ExponentialMovingAverage(period: period)
        second = ExponentialMovingAverage(period: period)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        first.update(x)
        guard first.isReady else { return }
        second.update(first.current)
        guard second.isReady else { return }
        current = 2.0 * first.current - second.current
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> DoubleExponentialMovingAverage { self }

    func value(_ output: Int) -> Double { current }
}

/// TEMA = 3·EMA - 3·EMA(EMA) + EMA(EMA(EMA)), each stage starting on the first valid value of the one before.
struct TripleExponentialMovingAverage: SeriesKernel {
    static let outputCount = 1
    private var first: ExponentialMovingAverage
    private var second: ExponentialMovingAverage
    private var third: ExponentialMovingAverage
    private(set) var current = Double.nan

    init(period: Int) {
        first = ExponentialMovingAverage(period: period)
        second = ExponentialMovingAverage(period: period)
        third = ExponentialMovingAverage(period: period)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        first.update(x)
        guard first.isReady else { return }
        second.update(first.current)
        guard second.isReady else { return }
        third.update(second.current)
        guard third.isReady else { return }
        current = 3.0 * first.current - 3.0 * second.current + third.current
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> TripleExponentialMovingAverage { self }

    func value(_ output: Int) -> Double { current }
}

/// KAMA: an EMA whose factor follows the efficiency ratio |x - x[n]| / Σ|Δx| over `period` bars.
///
/// Smoothing constant sc = (er·(2/3 - 2/31) + 2/31)², as in TA-Lib (fast 2, slow 30). The first
/// value, at bar `period`, starts from the previous input; an efficiency ratio is taken as 1 when
/// the path length is (near) zero or not above the signed change, as TA-Lib does.
struct KaufmanAdaptiveMovingAverage: SeriesKernel {
    static let outputCount = 1
    let period: Int
    private static let slowest = 2.0 / (30.0 + 1.0)
    private static let span = 2.0 / (2.0 + 1.0) - slowest
    /// Holds x[t - period] ... x[t] once full.
    private var window: RingBuffer
    private var previous = 0.0
    private var pathLength = 0.0
    private var seen = 0
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        window = RingBuffer(capacity: period + 1)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        defer { previous = x; seen += 1 }
        if seen == 0 {
            window.push(x)
            return
        }
        let step = abs(x - previous)
        if seen < period {
            pathLength += step
            window.push(x)
            return
        }
        let displaced = window.push(x)
        let start = window.oldest
        if seen == period {
            pathLength += step
            current = previous
        } else {
            pathLength -= abs(displaced - start)
            pathLength += step
        }
        let change = x - start
        let efficiency = (pathLength <= change || isNearZero(pathLength)) ? 1.0 : abs(change / pathLength)
        var smoothing = efficiency * Self.span + Self.slowest
        smoothing *= smoothing
        current = (x - current) * smoothing + current
    }

    func duplicated() -> KaufmanAdaptiveMovingAverage {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}
