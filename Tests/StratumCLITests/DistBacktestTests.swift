import Foundation
import RedisBus
import Testing

/// `stratum backtest --bus` and `stratum agent`: the shipped strategies/sma_cross.yaml on
/// data/GOOG.csv with every message between agents going through a real redis-server (run as
/// `scripts/with-redis.sh swift test --filter Dist`). The expected results are the plain
/// backtest's, whose numbers BacktestCommandTests checks against backtesting.py.
@Suite(.serialized)
struct DistBacktestTests {
    /// The test server's address with database `database`: each test has keys of its own.
    static func busURL(database: Int) throws -> String {
        let url = try #require(ProcessInfo.processInfo.environment["STRATUM_TEST_REDIS_URL"],
                               "STRATUM_TEST_REDIS_URL is not set: run the tests as scripts/with-redis.sh swift test")
        return url + "/\(database)"
    }

    @Test func busBacktestEqualsThePlainBacktest() async throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        let plain = fixture.backtest(strategy, ["--json"])
        #expect(plain.code == 0, "\(plain.err)")
        let url = try Self.busURL(database: 1)
        let bus = try await DistProcess.run(["backtest", strategy, "--out", fixture.runs.path, "--registry", fixture.registry,
                                             "--json", "--bus", url], in: fixture.folder)
        #expect(bus.code == 0, "\(bus.err)")
        #expect(bus.err.contains("bus: 2148 bars"), "\(bus.err)")
        try expectSameResults(plain.out, bus.out)

        // The latest values other processes read: the last bar of GOOG.csv and the last equity point.
        let endpoint = try RedisEndpoint(url: url)
        let cache = RedisStreamsBus(strategy: "sma-cross", endpoint: endpoint)
        let bar = try await cache.latest("bar:0")
        let csv = try String(contentsOfFile: fixture.folder.appendingPathComponent("data/GOOG.csv").path, encoding: .utf8)
        let lastRow = try #require(csv.split(whereSeparator: \.isNewline).last).split(separator: ",")
        #expect(bar["close"].flatMap(Double.init) == Double(lastRow[4]), "bar:0 is \(bar), the last row \(lastRow)")
        let equity = try await cache.latest("equity")
        #expect(equity["barIndex"] == "2147", "equity: \(equity)")
        let health = try await cache.latest("health")
        #expect(health["marketData"] != nil && health["portfolioRisk"] != nil, "health: \(health)")
        await cache.close()
    }

    @Test func sevenAgentProcessesEqualThePlainBacktest() async throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        let plain = fixture.backtest(strategy, ["--json"])
        #expect(plain.code == 0, "\(plain.err)")
        let url = try Self.busURL(database: 2)
        let names = ["market-data", "feature", "signal", "portfolio-risk", "execution", "compliance", "supervisor"]
        let agents = try names.map {
            try DistProcess(["agent", $0, "--strategy", strategy, "--bus", url, "--registry", fixture.registry], in: fixture.folder)
        }
        let coordinator = try await DistProcess.run(["backtest", strategy, "--out", fixture.runs.path, "--registry", fixture.registry,
                                                     "--json", "--bus", url, "--agents", "external"], in: fixture.folder)
        #expect(coordinator.code == 0, "\(coordinator.err)")
        try expectSameResults(plain.out, coordinator.out)
        for (name, agent) in zip(names, agents) {
            let code = try await agent.exitCode()
            #expect(code == 0, "\(name): \(agent.output.err)")
        }
    }

    @Test func unreachableBusNamesTheAddress() async throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        // Port 1 on loopback: nothing listens there.
        let agent = try await DistProcess.run(["agent", "signal", "--strategy", strategy, "--bus", "redis://127.0.0.1:1",
                                               "--registry", fixture.registry], in: fixture.folder)
        #expect(agent.code == 1)
        #expect(agent.err.contains("127.0.0.1:1"), "\(agent.err)")
        let backtest = try await DistProcess.run(["backtest", strategy, "--out", fixture.runs.path, "--registry", fixture.registry,
                                                  "--bus", "redis://127.0.0.1:1"], in: fixture.folder)
        #expect(backtest.code == 1)
        #expect(backtest.err.contains("127.0.0.1:1"), "\(backtest.err)")
        // Nothing half-written: the failed run left no run folder.
        #expect(try fixture.runFolders().isEmpty)
    }

    /// The two `--json` outputs agree on trades, final equity, feeds and every statistic, and
    /// their trades.csv files are byte-identical.
    func expectSameResults(_ plainJSON: String, _ busJSON: String) throws {
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(plainJSON.utf8)) as? [String: Any])
        let bus = try #require(try JSONSerialization.jsonObject(with: Data(busJSON.utf8)) as? [String: Any])
        #expect((plain["trades"] as? Int) ?? 0 > 0)
        #expect(plain["trades"] as? Int == bus["trades"] as? Int)
        #expect(plain["final_equity"] as? Double == bus["final_equity"] as? Double)
        #expect(NSDictionary(dictionary: try #require(plain["statistics"] as? [String: Any]))
            .isEqual(to: try #require(bus["statistics"] as? [String: Any])))
        #expect(NSArray(array: try #require(plain["feeds"] as? [Any])).isEqual(to: try #require(bus["feeds"] as? [Any])))
        let plainTrades = try Data(contentsOf: URL(fileURLWithPath: try #require(plain["run_dir"] as? String)).appendingPathComponent("trades.csv"))
        let busTrades = try Data(contentsOf: URL(fileURLWithPath: try #require(bus["run_dir"] as? String)).appendingPathComponent("trades.csv"))
        #expect(plainTrades == busTrades)
    }
}

/// The built `stratum` binary as a child process, its output collected in files.
final class DistProcess: @unchecked Sendable {
    private let process = Process()
    private let outURL: URL
    private let errURL: URL

    init(_ arguments: [String], in folder: URL) throws {
        process.executableURL = try StratumProcess.binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let id = UUID().uuidString
        outURL = folder.appendingPathComponent(".out-\(id)")
        errURL = folder.appendingPathComponent(".err-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    var output: (out: String, err: String) {
        ((try? String(contentsOf: outURL, encoding: .utf8)) ?? "", (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Waits for the process to end, polling (at most `waitLimit`; then it is killed and the test fails).
    func exitCode() async throws -> Int32 {
        let deadline = ContinuousClock.now + waitLimit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("stratum \(process.arguments ?? []) did not exit within \(waitLimit): \(output.err)")
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func run(_ arguments: [String], in folder: URL) async throws -> (code: Int32, out: String, err: String) {
        let process = try DistProcess(arguments, in: folder)
        let code = try await process.exitCode()
        let output = process.output
        return (code, output.out, output.err)
    }
}
