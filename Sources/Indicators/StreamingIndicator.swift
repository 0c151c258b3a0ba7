/// One indicator updated bar by bar: O(1) work per bar (amortised for rolling min/max and the
/// variance-based indicators; CCI is O(period)), fixed memory, no allocation after `init`.
///
/// Series inputs: a bar on which any series argument is NaN is skipped: the state does not
/// move and every output reads NaN for that bar. Leading NaNs, such as those of an indicator
/// feeding this one while it warms up, are therefore skipped and the indicator starts on its
/// first non-NaN input: `sma(rsi(close, 14), 5)` is first valid on bar 14 + 4, as TA-Lib gives
/// on the valid slice. A NaN after the start is a gap: the values either side of it are treated
/// as consecutive. Bar-based indicators read the bar as given.
public struct StreamingIndicator: Sendable {
    public let spec: IndicatorSpec
    public let parameters: [Double]
    private var kernel: Kernel
    /// Shared by copies of this indicator exactly as its kernel cells are, so its uniqueness
    /// tells whether the cells may be written in place (copy-on-write without touching them).
    private var owner = Ownership()
    /// Series arguments read each bar: 0 for bar-based indicators.
    private let seriesCount: Int
    /// True when the last bar was skipped for a NaN argument (every output reads NaN).
    private(set) var skipped = false

    /// - Parameters:
    ///   - spec: the catalogue entry.
    ///   - parameters: the call's parameters in TA-Lib order; omitted trailing ones take their defaults.
    /// - Throws: `IndicatorError` when the parameters do not fit the spec.
    public init(spec: IndicatorSpec, parameters: [Double]) throws {
        let resolved = try spec.resolve(parameters)
        self.spec = spec
        self.parameters = resolved
        kernel = spec.kind.makeKernel(resolved)
        if case let .series(count) = spec.input { seriesCount = count } else { seriesCount = 0 }
    }

    public var outputCount: Int { spec.outputCount }

    /// Index of the first valid output when the inputs have no NaN.
    public var lookback: Int { spec.kind.lookback(parameters) }

    /// Advances by one bar.
    ///
    /// - Parameters:
    ///   - a: the first series argument this bar (ignored by bar-based indicators).
    ///   - b: the second series argument (crossover, crossunder); ignored otherwise.
    ///   - bar: the current bar, read by bar-based indicators.
    @inline(__always)
    public mutating func update(a: Double, b: Double = .nan, bar: Bar) {
        if seriesCount > 0 && (a.isNaN || (seriesCount == 2 && b.isNaN)) {
            skipped = true
            return
        }
        skipped = false
        if !isKnownUniquelyReferenced(&owner) {
            owner = Ownership()
            kernel = kernel.duplicate()
        }
        kernel.update(a: a, b: b, bar: bar)
    }

    /// The value of output `output` (0-based, in `spec.outputs` order) after the last update;
    /// NaN until the first valid bar and on skipped bars.
    public func value(_ output: Int) -> Double {
        skipped ? .nan : kernel.value(output)
    }
}

// MARK: Kernels a feature program keeps in its own storage

extension StreamingIndicator {
    /// An independent copy of this indicator's SMA kernel, or nil for any other indicator.
    var simpleMovingAverage: SimpleMovingAverage? {
        if case .sma(let cell) = kernel, spec.kind == .sma { return cell.state.pointee.duplicated() }
        return nil
    }

    /// An independent copy of this indicator's crossover/crossunder kernel, or nil for any other indicator.
    var crossing: Crossing? {
        if case .crossing(let cell) = kernel { return cell.state.pointee }
        return nil
    }

    /// This indicator (same spec and parameters) holding `kernel`'s state, as if it had run to it.
    func holding(_ kernel: Kernel, skipped: Bool) -> StreamingIndicator {
        var copy = self
        copy.owner = Ownership()
        copy.kernel = kernel
        copy.skipped = skipped
        return copy
    }
}

/// The identity whose reference count tracks how many copies of a `StreamingIndicator` exist.
private final class Ownership: Sendable {}
