import Foundation
import Runtime
import StrategyDSL

/// CSV reading throughput on one bar file, best of several runs of each:
/// - `forEachBar`: parse and hand each bar to a closure (the streaming path a backtest uses);
/// - `readAll`: parse into a `BarSeries` (columns in memory);
/// - `feed`: a csv data source with default settings through the MarketData stage
///   (anomaly filter with spike detection, gap detection), as `stratum backtest` reads it.
///
/// Usage: bench-data FILE [REPEATS]. Prints one JSON object.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: bench-data FILE [REPEATS]\n".utf8))
    exit(2)
}
let path = arguments[1]
let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

/// Best wall time of `repeats` runs, and the row count the last run reported.
func best(_ run: () throws -> Int) rethrows -> (seconds: Double, rows: Int) {
    var fastest = Double.infinity, rows = 0
    for _ in 0..<repeats {
        let start = ContinuousClock.now
        rows = try run()
        let elapsed = ContinuousClock.now - start
        fastest = min(fastest, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return (fastest, rows)
}

func source(for path: String) -> DataSourceSpec {
    let text = "strategy: { name: bench }\ndata:\n  bars: { csv: \"\(path)\", interval: 1m, calendar: always }\nsignals:\n  s: { long: close > 0 }\n"
    guard let source = StrategyLoader().load(text: text, path: "bench.yaml").spec?.dataSources.first else {
        fatalError("benchmark strategy did not decode")
    }
    return source
}

do {
    let reader = try CSVBarReader(path: path)
    var checksum = 0.0
    let streaming = try best {
        var rows = 0
        try reader.forEachBar { bar in
            rows += 1
            checksum += bar.close
        }
        return rows
    }
    let columns = try best { try reader.readAll().count }
    let feed = try MarketDataFeed(source(for: path))
    let normalised = try best {
        var rows = 0
        _ = try feed.run { bar in
            rows += 1
            checksum += bar.bar.volume
        }
        return rows
    }
    func entry(_ name: String, _ result: (seconds: Double, rows: Int)) -> String {
        let rate = (Double(result.rows) / result.seconds).rounded()
        return "\"\(name)\": {\"rows\": \(result.rows), \"seconds\": \(result.seconds), \"rows_per_second\": \(Int(rate)), "
            + "\"megabytes_per_second\": \((Double(bytes) / result.seconds / 1e5).rounded() / 10)}"
    }
    print("{\(entry("for_each_bar", streaming)), \(entry("read_all", columns)), \(entry("feed", normalised)), \"bytes\": \(bytes), \"checksum\": \(checksum)}")
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
