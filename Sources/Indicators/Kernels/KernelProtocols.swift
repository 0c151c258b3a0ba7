/// A kernel that can be copied into an independent one.
///
/// Window storage is shared by plain copies (see `FixedStorage`), so a copy that will be written
/// must come from `duplicated()`.
protocol DuplicableKernel: Sendable {
    func duplicated() -> Self
}

/// A streaming indicator over one series: O(1) work per update (CCI: O(period)), fixed memory.
///
/// Kernels are plain values; the batch functions and `StreamingIndicator` drive the very same
/// kernel, which is why the two forms give bit-identical numbers.
protocol SeriesKernel: DuplicableKernel {
    static var outputCount: Int { get }
    mutating func update(_ x: Double)
    /// NaN until the kernel has seen its lookback.
    func value(_ output: Int) -> Double
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
}

/// TA-Lib treats magnitudes below 1e-8 as zero when guarding divisions; matching it keeps
/// outputs equal on flat stretches of data.
@inline(__always)
func isNearZero(_ x: Double) -> Bool {
    -0.00000001 < x && x < 0.00000001
}
