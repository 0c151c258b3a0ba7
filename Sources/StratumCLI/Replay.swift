import Foundation
import Storage

/// `stratum backtest --replay RUN`: re-runs what a run's manifest records and compares outputs.
struct Replay {
    var run: String
    var runsDirectory: String
    var registry: URL

    func folder() throws -> URL {
        let direct = URL(fileURLWithPath: run)
        if FileManager.default.fileExists(atPath: direct.appendingPathComponent(RunStore.fileName).path) { return direct }
        let named = URL(fileURLWithPath: runsDirectory).appendingPathComponent(run)
        if FileManager.default.fileExists(atPath: named.appendingPathComponent(RunStore.fileName).path) { return named }
        throw CommandError("no run '\(run)': give a run id from \(runsDirectory)/ or the path of a run folder", status: ExitStatus.usageOrIO)
    }

    func confirm() throws {
        let original = try folder()
        let manifest: RunManifest
        do {
            let store = try RunStore.openReadOnly(at: original.appendingPathComponent(RunStore.fileName))
            manifest = try store.manifest()
            try store.close()
        } catch {
            throw CommandError("\(original.path): cannot read the run's manifest: \(error)", status: ExitStatus.usageOrIO)
        }
        let strategy = try FileDigest(contentsOf: URL(fileURLWithPath: manifest.strategy.path), recordedAs: manifest.strategy.path)
        guard strategy.sha256 == manifest.strategy.sha256 else {
            throw CommandError("\(manifest.strategy.path) changed since run \(manifest.runID) (sha256 \(strategy.sha256.prefix(12)) now, \(manifest.strategy.sha256.prefix(12)) then); a replay needs the same file")
        }
        let pinned = Dictionary(grouping: manifest.models, by: \.name).mapValues { $0.map(\.version) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-replay-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let again = try BacktestRun.execute(path: manifest.strategy.path, registry: registry, runsDirectory: scratch, pinned: pinned,
                                         recordShadows: false)
        let store = try RunStore.openReadOnly(at: again.folder.appendingPathComponent(RunStore.fileName))
        let rerun = try store.manifest()
        try store.close()
        for (then, now) in zip(manifest.dataFiles, rerun.dataFiles) where then.sha256 != now.sha256 || then.path != now.path {
            throw CommandError("data file \(then.path) changed since run \(manifest.runID) (sha256 \(now.sha256.prefix(12)) now, \(then.sha256.prefix(12)) then)")
        }
        for (then, now) in zip(manifest.models, rerun.models) where then != now {
            throw CommandError("model \(then.name)@\(then.version) resolves differently now (manifest hash \(now.sha256.prefix(12)), recorded \(then.sha256.prefix(12)))")
        }
        var differences: [String] = []
        for name in ["trades.csv", "statistics.json", "equity.csv"] {
            if !Self.sameBytes(original.appendingPathComponent(name), again.folder.appendingPathComponent(name)) {
                differences.append(name)
            }
        }
        guard differences.isEmpty else {
            throw CommandError("replay of \(manifest.runID) differs in \(differences.joined(separator: ", "))")
        }
        CommandOutput.line("replay of \(manifest.runID): identical (\(again.trades) trades; trades.csv, equity.csv and statistics.json byte for byte)")
    }

    /// Whether two files hold the same bytes, read a chunk at a time (equity.csv of a long run
    /// is hundreds of megabytes); a missing file is never the same.
    static func sameBytes(_ first: URL, _ second: URL) -> Bool {
        guard let a = FileHandle(forReadingAtPath: first.path), let b = FileHandle(forReadingAtPath: second.path) else { return false }
        defer {
            try? a.close()
            try? b.close()
        }
        while true {
            // End of file reads as nil or as no bytes.
            let left = (try? a.read(upToCount: 1 << 20)) ?? Data()
            let right = (try? b.read(upToCount: 1 << 20)) ?? Data()
            if left != right { return false }
            if left.isEmpty { return true }
        }
    }
}
