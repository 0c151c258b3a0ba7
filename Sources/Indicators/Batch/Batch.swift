#if canImport(Glibc)
import Glibc
#endif

/// Whole-array forms of the indicators: same length as the input, NaN before the first valid bar.
///
/// Each function drives the streaming kernel over contiguous storage, so batch and streaming
/// results are bit-identical, NaN inputs are skipped the same way (see `StreamingIndicator`),
/// and there is one implementation of each definition to keep right.
///
/// Parameters are checked with preconditions here; strategy calls are validated by
/// `IndicatorSpec.resolve(_:)` before they reach a kernel.
public enum Batch {}

// MARK: - Drivers

extension Batch {
    /// Allocates `outputs` columns of `count` values and lets `fill` write every element of each.
    @inline(__always)
    static func columns(_ outputs: Int, count: Int, _ fill: (OutputColumns) -> Void) -> [[Double]] {
        precondition((1...3).contains(outputs), "kernels have one to three outputs")
        guard count > 0 else { return Array(repeating: [], count: outputs) }
        var second: [Double] = []
        var third: [Double] = []
        let first = column(count) { first in
            guard outputs > 1 else { return fill(OutputColumns(first: first, second: first, third: first)) }
            second = column(count) { second in
                guard outputs > 2 else { return fill(OutputColumns(first: first, second: second, third: second)) }
                third = column(count) { third in fill(OutputColumns(first: first, second: second, third: third)) }
            }
        }
        return Array([first, second, third].prefix(outputs))
    }

    /// A new column of `count` values that `write` initialises completely, without zero-filling it first.
    @inline(__always)
    static func column(_ count: Int, _ write: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, written in
            let base = buffer.baseAddress!
            adviseHugePages(base, count: count)
            write(base)
            written = count
        }
    }

    /// Runs a series kernel over `x`; NaN inputs are skipped and give NaN outputs.
    @inline(__always)
    static func run<K: SeriesKernel>(_ initial: K, _ x: [Double]) -> [[Double]] {
        columns(K.outputCount, count: x.count) { out in
            // A local inside the closure, not a captured variable, so the state stays in registers.
            var kernel = initial
            x.withUnsafeBufferPointer { input in
                var index = 0
                while index < input.count && !kernel.isSteady {
                    let value = input[index]
                    if value.isNaN {
                        for output in 0..<K.outputCount { out.set(output, index, .nan) }
                    } else {
                        kernel.update(value)
                        for output in 0..<K.outputCount { out.set(output, index, kernel.value(output)) }
                    }
                    index += 1
                }
                while index < input.count {
                    let value = input[index]
                    if value.isNaN {
                        for output in 0..<K.outputCount { out.set(output, index, .nan) }
                    } else {
                        kernel.steadyUpdate(value)
                        for output in 0..<K.outputCount { out.set(output, index, kernel.value(output)) }
                    }
                    index += 1
                }
            }
        }
    }

    /// Runs a two-series kernel; a bar where either input is NaN is skipped and gives NaN.
    @inline(__always)
    static func run<K: PairKernel>(_ initial: K, _ a: [Double], _ b: [Double]) -> [[Double]] {
        precondition(a.count == b.count, "both series must have the same length")
        return columns(K.outputCount, count: a.count) { out in
            var kernel = initial
            a.withUnsafeBufferPointer { first in
                b.withUnsafeBufferPointer { second in
                    for index in 0..<first.count {
                        let (x, y) = (first[index], second[index])
                        if x.isNaN || y.isNaN {
                            for output in 0..<K.outputCount { out.set(output, index, .nan) }
                            continue
                        }
                        kernel.update(x, y)
                        for output in 0..<K.outputCount { out.set(output, index, kernel.value(output)) }
                    }
                }
            }
        }
    }

    /// Runs a bar kernel over columns; columns the kernel does not read may be empty.
    @inline(__always)
    static func run<K: BarKernel>(_ initial: K, _ bars: BarColumns) -> [[Double]] {
        let count = bars.count
        return columns(K.outputCount, count: count) { out in
            var kernel = initial
            bars.timestamps.withUnsafeBufferPointer { timestamps in
            bars.high.withUnsafeBufferPointer { high in
            bars.low.withUnsafeBufferPointer { low in
            bars.close.withUnsafeBufferPointer { close in
            bars.volume.withUnsafeBufferPointer { volume in
                precondition(!K.readsRange || (high.count == count && low.count == count), "high and low are required")
                precondition(!K.readsVolume || volume.count == count, "volume is required")
                precondition(!K.readsTimestamp || timestamps.count == count, "timestamps are required")
                @inline(__always) func bar(_ index: Int) -> Bar {
                    Bar(
                        timestamp: K.readsTimestamp ? timestamps[index] : 0, open: 0,
                        high: K.readsRange ? high[index] : 0, low: K.readsRange ? low[index] : 0,
                        close: close[index], volume: K.readsVolume ? volume[index] : 0
                    )
                }
                var index = 0
                while index < count && !kernel.isSteady {
                    kernel.update(bar(index))
                    for output in 0..<K.outputCount { out.set(output, index, kernel.value(output)) }
                    index += 1
                }
                while index + 1 < count {
                    kernel.steadyUpdatePair(bar(index), bar(index + 1), into: out, at: index)
                    index += 2
                }
                if index < count {
                    kernel.steadyUpdate(bar(index))
                    for output in 0..<K.outputCount { out.set(output, index, kernel.value(output)) }
                }
            }
            }
            }
            }
            }
        }
    }
}

/// Up to three output columns, their addresses held in locals so the hot loop does not reload them
/// after every store.
struct OutputColumns {
    let first: UnsafeMutablePointer<Double>
    let second: UnsafeMutablePointer<Double>
    let third: UnsafeMutablePointer<Double>

    @inline(__always)
    func set(_ output: Int, _ index: Int, _ value: Double) {
        switch output {
        case 0: first[index] = value
        case 1: second[index] = value
        default: third[index] = value
        }
    }
}

/// Asks Linux to back a large output column with transparent huge pages before its first write.
///
/// A fresh 80 MB column touched in 4 KiB pages takes some 20,000 page faults, which cost more
/// than the arithmetic of a moving average; numpy advises its large arrays the same way.
@inline(__always)
func adviseHugePages(_ column: UnsafeMutablePointer<Double>, count: Int) {
    #if os(Linux)
    let hugePage = 2 << 20
    let bytes = count * MemoryLayout<Double>.stride
    guard bytes >= 2 * hugePage else { return }
    let start = (Int(bitPattern: column) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: column) + bytes) & ~(hugePage - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
}

/// Bar columns for the batch drivers, where a column an indicator does not read may be empty.
struct BarColumns {
    var timestamps: [Int64] = []
    var high: [Double] = []
    var low: [Double] = []
    var close: [Double]
    var volume: [Double] = []

    var count: Int { close.count }

    init(timestamps: [Int64] = [], high: [Double] = [], low: [Double] = [], close: [Double], volume: [Double] = []) {
        for column in [high.count, low.count, volume.count] where column != 0 {
            precondition(column == close.count, "bar columns must have the same length")
        }
        precondition(timestamps.isEmpty || timestamps.count == close.count, "bar columns must have the same length")
        self.timestamps = timestamps
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    init(_ series: BarSeries) {
        self.init(timestamps: series.timestamps, high: series.high, low: series.low, close: series.close, volume: series.volume)
    }
}
