/// A kernel that can be copied into an independent one.
///
/// Window storage is shared by plain copies (see `FixedStorage`), so a copy that will be written
/// must come from `duplicated()`.
protocol DuplicableKernel: Sendable {
    func duplicated() -> Self
}

/// A streaming indicator over one series: O(1) work per update (amortised for rolling extremes
/// and moments; CCI: O(period)), fixed memory.
///
/// Kernels are plain values; the batch functions and `StreamingIndicator` drive the very same
/// kernel, which is why the two forms give bit-identical numbers.
protocol SeriesKernel: DuplicableKernel {
    static var outputCount: Int { get }
    mutating func update(_ x: Double)
    /// NaN until the kernel has seen its lookback.
    func value(_ output: Int) -> Double
    /// True once warm-up is over and `steadyUpdate` may replace `update`.
    var isSteady: Bool { get }
    /// `update` without the warm-up branches, for the batch loop: the same arithmetic, so the
    /// same values.
    mutating func steadyUpdate(_ x: Double)
}

extension SeriesKernel {
    var isSteady: Bool { false }
    mutating func steadyUpdate(_ x: Double) { update(x) }
}

/// A streaming indicator over two series read on the same bar.
protocol PairKernel: DuplicableKernel {
    static var outputCount: Int { get }
    mutating func update(_ a: Double, _ b: Double)
    func value(_ output: Int) -> Double
}

/// A streaming indicator that reads the fields of each bar.
protocol BarKernel: DuplicableKernel {
    static var outputCount: Int { get }
    mutating func update(_ bar: Bar)
    func value(_ output: Int) -> Double
    /// Which optional columns the kernel reads; constants, so the batch loop reads only those.
    static var readsRange: Bool { get }
    static var readsVolume: Bool { get }
    static var readsTimestamp: Bool { get }
    /// True once warm-up is over and `steadyUpdate` may replace `update`.
    var isSteady: Bool { get }
    /// `update` without the warm-up branches, for the batch loop: the same arithmetic, so the
    /// same values.
    mutating func steadyUpdate(_ bar: Bar)
    /// Two consecutive steady updates, writing the outputs of both bars at `index` and `index + 1`.
    /// A kernel may compute the two in SIMD lanes, with the scalar arithmetic in each lane.
    mutating func steadyUpdatePair(_ first: Bar, _ second: Bar, into out: OutputColumns, at index: Int)
}

extension BarKernel {
    static var readsRange: Bool { true }
    static var readsVolume: Bool { false }
    static var readsTimestamp: Bool { false }
    var isSteady: Bool { false }
    mutating func steadyUpdate(_ bar: Bar) { update(bar) }

    @inline(__always)
    mutating func steadyUpdatePair(_ first: Bar, _ second: Bar, into out: OutputColumns, at index: Int) {
        steadyUpdate(first)
        for output in 0..<Self.outputCount { out.set(output, index, value(output)) }
        steadyUpdate(second)
        for output in 0..<Self.outputCount { out.set(output, index + 1, value(output)) }
    }
}

/// TA-Lib treats magnitudes below 1e-8 as zero when guarding divisions; matching it keeps
/// outputs equal on flat stretches of data.
@inline(__always)
func isNearZero(_ x: Double) -> Bool {
    -0.00000001 < x && x < 0.00000001
}
