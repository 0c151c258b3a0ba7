// bench-indicators: times the batch kernels and the streaming path over a float64 data set
// written by benchmarks/indicators/run_benchmarks.py, and prints one JSON object of results.
//
// usage: bench-indicators DATA_DIR [REPETITIONS]
//   DATA_DIR holds close.f64, high.f64, low.f64 (little-endian float64, same length).

import Foundation
import Indicators

/// Reads a file of little-endian float64 values.
func readColumn(_ path: String) -> [Double] {
    guard let data = FileManager.default.contents(atPath: path) else {
        fatalError("cannot read \(path)")
    }
    return data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Double.self)) }
}

/// Backs a large fresh array with transparent huge pages, as the batch kernels and numpy do, so
/// the bound and the kernels pay the same page-fault cost.
func adviseHugePages(_ base: UnsafeMutablePointer<Double>, count: Int) {
    let hugePage = 2 << 20
    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: base) + count * 8) & ~(hugePage - 1)
    if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
}

/// Best wall time of `repetitions` runs, in seconds; `body` returns a value that is folded into
/// `checksum` so the optimiser cannot drop the work.
func best(_ repetitions: Int, checksum: inout Double, _ body: () -> Double) -> Double {
    let clock = ContinuousClock()
    var fastest = Double.infinity
    for _ in 0..<repetitions {
        var result = 0.0
        let elapsed = clock.measure { result = body() }
        if !result.isNaN { checksum += result }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        fastest = min(fastest, seconds)
    }
    return fastest
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: bench-indicators DATA_DIR [REPETITIONS]\n".data(using: .utf8)!)
    exit(2)
}
let directory = arguments[1]
let repetitions = arguments.count > 2 ? Int(arguments[2])! : 5
let close = readColumn(directory + "/close.f64")
let high = readColumn(directory + "/high.f64")
let low = readColumn(directory + "/low.f64")
let count = close.count
var checksum = 0.0

/// The memory-bandwidth bound for a kernel that reads one array and writes a new one:
/// out[i] = x[i] + 1 into a freshly allocated array, as the batch kernels do.
let bandwidth = best(repetitions, checksum: &checksum) {
    let out = [Double](unsafeUninitializedCapacity: count) { buffer, written in
        adviseHugePages(buffer.baseAddress!, count: count)
        close.withUnsafeBufferPointer { input in
            for index in 0..<count { buffer[index] = input[index] + 1.0 }
        }
        written = count
    }
    return out[count - 1]
}

var batch: [(String, Double)] = []
batch.append(("sma", best(repetitions, checksum: &checksum) { Batch.sma(close, period: 20)[count - 1] }))
batch.append(("ema", best(repetitions, checksum: &checksum) { Batch.ema(close, period: 20)[count - 1] }))
batch.append(("rsi", best(repetitions, checksum: &checksum) { Batch.rsi(close, period: 14)[count - 1] }))
batch.append(("macd", best(repetitions, checksum: &checksum) {
    Batch.macd(close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9).hist[count - 1]
}))
batch.append(("bbands", best(repetitions, checksum: &checksum) { Batch.bbands(close, period: 20, nbdev: 2).upper[count - 1] }))
batch.append(("atr", best(repetitions, checksum: &checksum) { Batch.atr(high: high, low: low, close: close, period: 14)[count - 1] }))

/// The six indicators as the feature graph drives them: one StreamingIndicator each, updated bar by bar.
let calls: [(String, [Double])] = [("sma", [20]), ("ema", [20]), ("rsi", [14]), ("macd", [12, 26, 9]), ("bbands", [20, 2]), ("atr", [14])]
let streaming = best(repetitions, checksum: &checksum) {
    var indicators = calls.map { try! StreamingIndicator(spec: IndicatorCatalog.spec(named: $0.0)!, parameters: $0.1) }
    var total = 0.0
    for index in 0..<count {
        let value = close[index]
        let bar = Bar(timestamp: 0, open: value, high: high[index], low: low[index], close: value, volume: 0)
        for slot in indicators.indices {
            indicators[slot].update(a: value, b: .nan, bar: bar)
        }
        let value0 = indicators[0].value(0)
        if !value0.isNaN { total += value0 }
    }
    return total
}

let fields = batch.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
print("{\"points\": \(count), \"repetitions\": \(repetitions), \"bandwidth\": \(bandwidth), \"streaming\": \(streaming), \"batch\": {\(fields)}, \"checksum\": \(checksum)}")
