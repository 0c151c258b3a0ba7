import ArgumentParser
import Foundation
import Testing
@testable import StratumCLI

/// A temporary project folder for `stratum backtest` and `stratum audit`: the shipped strategy
/// and data copied in, a `runs/` folder, and the shipped registry (the strategy names
/// `momentum@prod`). Commands run in-process, as `stratum` would run them.
final class BacktestFixture: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let registry = packageRoot.appendingPathComponent("registry").path

    let folder: URL
    var runs: URL { folder.appendingPathComponent("runs") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-backtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Copies a file of the repository into the fixture, keeping its name unless `as` is given.
    @discardableResult
    func copy(_ repositoryPath: String, as name: String? = nil) throws -> String {
        let target = folder.appendingPathComponent(name ?? URL(fileURLWithPath: repositoryPath).lastPathComponent)
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent(repositoryPath), to: target)
        return target.path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The shipped strategy, copied into the fixture. Its `data/GOOG.csv` resolves to the
    /// repository's file (the same bytes) from the package root, or to a copy beside it.
    func shippedStrategy() throws -> String {
        try copy("data/GOOG.csv", as: "data/GOOG.csv")
        return try copy("strategies/sma_cross.yaml")
    }

    /// Runs one command line in-process; returns its exit code and what it printed.
    func run(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let captured = CapturedOutput()
        let code: Int32 = CommandOutput.$current.withValue(captured.output) {
            do {
                var command = try Stratum.parseAsRoot(arguments)
                try command.run()
                return 0
            } catch {
                return Stratum.exitCode(for: error).rawValue
            }
        }
        return (code, captured.standard, captured.error)
    }

    /// A copy of the shipped registry for this fixture: backtests of model strategies record
    /// shadow evaluations in the registry they read, and the shipped one must stay as committed.
    lazy var registry: String = {
        let copy = folder.appendingPathComponent("registry")
        try? FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("registry"), to: copy)
        return copy.path
    }()

    func backtest(_ strategy: String, _ extra: [String] = []) -> (code: Int32, out: String, err: String) {
        run(["backtest", strategy, "--out", runs.path, "--registry", registry] + extra)
    }

    /// Published run folders (hidden temporary folders are listed by `entries`).
    func runFolders() throws -> [URL] {
        try entries().filter { !$0.hasPrefix(".") }.sorted().map { runs.appendingPathComponent($0) }
    }

    /// Everything in `runs/`, hidden entries included.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: runs.path)
    }

    /// The only run folder, after one successful backtest.
    func onlyRun() throws -> URL {
        let folders = try runFolders()
        #expect(folders.count == 1, "\(folders)")
        return try #require(folders.first)
    }
}

/// backtesting.py 0.6.6's results for the shipped SMA(10)/SMA(30) crossover on data/GOOG.csv:
/// Tests/ReportsTests/References/sma_cross/, written by scripts/reference/backtesting_py_reference.py.
enum SMACrossReference {
    static let folder = BacktestFixture.packageRoot.appendingPathComponent("Tests/ReportsTests/References/sma_cross")

    static func statistics() throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("stats.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["statistics"] as? [String: Any])
    }

    /// entry_bar, exit_bar, size (signed), entry price, exit price, pnl of every closed trade.
    static func trades() throws -> [(entryBar: Int, exitBar: Int, size: Double, entry: Double, exit: Double, pnl: Double)] {
        let text = try String(contentsOf: folder.appendingPathComponent("trades.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (Int(f[0])!, Int(f[1])!, Double(f[4])!, Double(f[5])!, Double(f[6])!, Double(f[7])!)
        }
    }
}

func closeEnough(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
}
