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
        if !previousA.isNaN {
            let crossed = switch direction {
            case .over: previousA < previousB && a > b
            case .under: previousA > previousB && a < b
            }
            current = crossed ? 1 : 0
        }
        previousA = a
        previousB = b
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> Crossing { self }

    func value(_ output: Int) -> Double { current }
}
