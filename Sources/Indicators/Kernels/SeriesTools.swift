#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MIN and MAX: the lowest or highest of the last `period` values.
struct RollingExtremeIndicator: SeriesKernel {
    static let outputCount = 1
    private var window: RollingExtreme
    private(set) var current = Double.nan

    init(period: Int, keepsMaximum: Bool) {
        window = RollingExtreme(period: period, keepsMaximum: keepsMaximum)
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        window.push(x)
        if window.isFull { current = window.extreme }
    }

    func duplicated() -> RollingExtremeIndicator {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// ln(x / previous x).
struct LogReturn: SeriesKernel {
    static let outputCount = 1
    private var previous = Double.nan
    private(set) var current = Double.nan

    @inline(__always)
    mutating func update(_ x: Double) {
        if !previous.isNaN { current = log(x / previous) }
        previous = x
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> LogReturn { self }

    func value(_ output: Int) -> Double { current }
}

/// Realised volatility = sample standard deviation (n - 1 denominator) of the last `period` log
/// returns × √annualisation; first valid on bar `period`.
struct RealisedVolatility: SeriesKernel {
    static let outputCount = 1
    private var returns = LogReturn()
    private var moments: RollingMoments
    private let scale: Double
    private(set) var current = Double.nan

    init(period: Int, annualisation: Double) {
        moments = RollingMoments(period: period)
        scale = annualisation.squareRoot()
    }

    @inline(__always)
    mutating func update(_ x: Double) {
        returns.update(x)
        let logReturn = returns.current
        guard !logReturn.isNaN else { return }
        moments.push(logReturn)
        guard moments.isFull else { return }
        current = (moments.sumOfSquares / Double(moments.period - 1)).squareRoot() * scale
    }

    func duplicated() -> RealisedVolatility {
        var copy = self
        copy.moments = moments.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// crossover(a, b) = 1 when a[1] < b[1] and a > b, else 0; crossunder mirrors it. First valid on the second bar.
struct Crossing: PairKernel {
    enum Direction: Sendable { case over, under }

    static let outputCount = 1
    let direction: Direction
    private var previousA = Double.nan
    private var previousB = Double.nan
    private(set) var current = Double.nan

    init(direction: Direction) {
        self.direction = direction
    }

    @inline(__always)
    mutating func update(_ a: Double, _ b: Double) {
        if !previousA.isNaN { current = Self.crossed(over: direction == .over, previousA, previousB, a, b) ? 1 : 0 }
        previousA = a
        previousB = b
    }

    /// The rule itself, for the bar-by-bar and the column paths alike: over, the previous a
    /// below the previous b and a above b now; under, the mirror image.
    @inline(__always)
    static func crossed(over: Bool, _ previousA: Double, _ previousB: Double, _ a: Double, _ b: Double) -> Bool {
        over ? (previousA < previousB && a > b) : (previousA > previousB && a < b)
    }

    /// `update` over two columns of `count` values, writing what a program's register reads
    /// after each (`current`, or NaN when either input is NaN, which leaves the state as it is
    /// and sets `skipped`): the same comparisons as bar by bar, with the state in registers.
    @inline(__always)
    mutating func run(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>,
                      count: Int, skipped: inout Bool) {
        var lastA = previousA, lastB = previousB, value = current, wasSkipped = skipped
        let over = direction == .over
        for row in 0..<count {
            let x = a[row], y = b[row]
            if x.isNaN || y.isNaN {
                wasSkipped = true
                output[row] = .nan
                continue
            }
            wasSkipped = false
            if !lastA.isNaN { value = Self.crossed(over: over, lastA, lastB, x, y) ? 1 : 0 }
            lastA = x
            lastB = y
            output[row] = value
        }
        previousA = lastA
        previousB = lastB
        current = value
        skipped = wasSkipped
    }

    /// `run` for two crossings over the same two columns (crossover and crossunder of one
    /// pair) in one pass: each input read and checked once. Each keeps its own state, so the two
    /// may have started apart (one carried over a reload, the other fresh).
    @inline(__always)
    static func run(_ first: inout Crossing, _ second: inout Crossing, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                    into output: UnsafeMutablePointer<Double>, _ secondOutput: UnsafeMutablePointer<Double>, count: Int,
                    skipped: inout Bool, _ secondSkipped: inout Bool) {
        var a1 = first.previousA, b1 = first.previousB, v1 = first.current
        var a2 = second.previousA, b2 = second.previousB, v2 = second.current
        var wasSkipped = skipped, secondWasSkipped = secondSkipped
        let over1 = first.direction == .over, over2 = second.direction == .over
        for row in 0..<count {
            let x = a[row], y = b[row]
            if x.isNaN || y.isNaN {
                wasSkipped = true
                secondWasSkipped = true
                output[row] = .nan
                secondOutput[row] = .nan
                continue
            }
            wasSkipped = false
            secondWasSkipped = false
            if !a1.isNaN { v1 = crossed(over: over1, a1, b1, x, y) ? 1 : 0 }
            if !a2.isNaN { v2 = crossed(over: over2, a2, b2, x, y) ? 1 : 0 }
            a1 = x
            b1 = y
            a2 = x
            b2 = y
            output[row] = v1
            secondOutput[row] = v2
        }
        first.previousA = a1
        first.previousB = b1
        first.current = v1
        second.previousA = a2
        second.previousB = b2
        second.current = v2
        skipped = wasSkipped
        secondSkipped = secondWasSkipped
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> Crossing { self }

    func value(_ output: Int) -> Double { current }
}
