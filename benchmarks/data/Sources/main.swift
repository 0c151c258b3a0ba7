import Foundation
import Runtime
import StrategyDSL

/// CSV reading throughput on one bar file, best of several runs of each:
/// - `forEachBar`: parse and hand each bar to a closure (the streaming path a backtest uses);
/// - `readAll`: parse into a `BarSeries` (columns in memory);
/// - `feed`: a csv data source with default settings through the MarketData stage
///   (anomaly filter with spike detection, gap detection), as `stratum backtest` reads it.
///
/// Usage: bench-data FILE [REPEATS] [--stream-only]. Prints one JSON object: per measurement,
/// the best wall time and the best CPU time and the rows per second of each, and the process's
/// peak resident memory after the streaming runs (before `readAll` holds the file in memory).
/// `--stream-only` measures `forEachBar` alone, for files too large to be worth loading.
/// One measurement: best wall time and best CPU time (user + system) over the runs.
struct Timing {
    var seconds = Double.infinity
    var cpuSeconds = Double.infinity
    var rows = 0
}

/// CPU time this process has used so far. Other work sharing the cores stretches wall time but
/// not CPU time, so both are reported.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The process's peak resident set so far, in MB (Linux: `VmHWM` in /proc/self/status).
func peakMemoryMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kilobytes / 1024
}

func best(_ repeats: Int, _ run: () throws -> Int) rethrows -> Timing {
    var timing = Timing()
    for _ in 0..<repeats {
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        timing.rows = try run()
        let elapsed = ContinuousClock.now - start
        timing.cpuSeconds = min(timing.cpuSeconds, processCPUSeconds() - cpuStart)
        timing.seconds = min(timing.seconds, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return timing
}

func source(for path: String) -> DataSourceSpec {
    let text = "strategy: { name: bench }\ndata:\n  bars: { csv: \"\(path)\", interval: 1m, calendar: always }\nsignals:\n  s: { long: close > 0 }\n"
    guard let source = StrategyLoader().load(text: text, path: "bench.yaml").spec?.dataSources.first else {
        fatalError("benchmark strategy did not decode")
    }
    return source
}

/// Runs the three measurements (locals only: top-level variables would be globals, checked
/// for exclusive access on every row) and returns the JSON line.
func measure(path: String, repeats: Int, bytes: Int, streamOnly: Bool) throws -> String {
    let reader = try CSVBarReader(path: path)
    var checksum = 0.0
    func entry(_ name: String, _ timing: Timing) -> String {
        let rows = Double(timing.rows)
        return "\"\(name)\": {\"rows\": \(timing.rows), \"seconds\": \(timing.seconds), \"cpu_seconds\": \(timing.cpuSeconds), "
            + "\"rows_per_second\": \(Int((rows / timing.seconds).rounded())), \"rows_per_cpu_second\": \(Int((rows / timing.cpuSeconds).rounded())), "
            + "\"megabytes_per_second\": \((Double(bytes) / timing.seconds / 1e5).rounded() / 10)}"
    }
    let streaming = try best(repeats) {
        var rows = 0
        try reader.forEachBar { bar in
            rows += 1
            checksum += bar.close
        }
        return rows
    }
    let peakAfterStreaming = peakMemoryMegabytes()
    let memory = "\"peak_memory_megabytes_after_streaming\": \((peakAfterStreaming * 10).rounded() / 10)"
    if streamOnly {
        return "{\(entry("for_each_bar", streaming)), \(memory), \"bytes\": \(bytes), \"checksum\": \(checksum)}"
    }
    let columns = try best(repeats) { try reader.readAll().count }
    let feed = try MarketDataFeed(source(for: path))
    let normalised = try best(repeats) {
        var rows = 0
        _ = try feed.run { bar in
            rows += 1
            checksum += bar.bar.volume
        }
        return rows
    }
    return "{\(entry("for_each_bar", streaming)), \(entry("read_all", columns)), \(entry("feed", normalised)), \(memory), \"bytes\": \(bytes), \"checksum\": \(checksum)}"
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-data FILE [REPEATS]\n".utf8))
    exit(2)
}
do {
    let path = arguments[1]
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
    print(try measure(path: path, repeats: repeats, bytes: bytes, streamOnly: arguments.contains("--stream-only")))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
