import Foundation
import Runtime

/// CSV-reading throughput: parse a bar file several times and report the best rows/s.
///
/// Usage: bench-data FILE [REPEATS]. Prints one JSON line: rows, best seconds, rows/s, MB/s.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-data FILE [REPEATS]\n".utf8))
    exit(2)
}
let path = arguments[1]
let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

do {
    let reader = try CSVBarReader(path: path)
    var best = Double.infinity
    var rows = 0
    var checksum = 0.0
    for _ in 0..<repeats {
        rows = 0
        checksum = 0
        let start = ContinuousClock.now
        try reader.forEachBar { bar in
            rows += 1
            checksum += bar.close
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
    }
    let rowsPerSecond = Double(rows) / best
    print("{\"rows\": \(rows), \"best_seconds\": \(best), \"rows_per_second\": \(rowsPerSecond.rounded()), \"megabytes_per_second\": \((Double(bytes) / best / 1e6 * 10).rounded() / 10), \"close_sum\": \(checksum)}")
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
