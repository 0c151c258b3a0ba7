import Foundation
import Glibc
import RedisBus
import Testing
@testable import StratumCLI

/// `stratum run FILE --bus redis://...` as a child process against a real redis-server (run as
/// `scripts/with-redis.sh swift test --filter RunBus`): the shipped strategies/sma_cross.yaml
/// replayed from data/GOOG.csv. The expected results are the plain `stratum run`'s, whose final
/// equity RunCommandTests checks against backtesting.py (Tests/ReportsTests/References/sma_cross),
/// as these tests do too.
@Suite(.serialized)
struct RunBusTests {
    static let token = RunCommandTests.token

    /// What a run left to read once its replay ended: `/status`, `/metrics`, standard error.
    struct Finished {
        var status: [String: Any]
        var metrics: String
        var stderr: String
    }

    @Test func helpNamesTheBusOptions() {
        let help = Stratum.helpMessage(for: RunCommand.self)
        for option in ["--bus", "--agents", "--wait-for-bus", "in-process", "external"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
    }

    @Test func optionsThatCannotWorkOverTheBusAreRefusedByName() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let state = try await DistProcess.run(["run", strategy, "--replay", "max", "--bus", "redis://127.0.0.1:1", "--state", "st",
                                               "--agents", "external", "--registry", fixture.registry], in: fixture.folder)
        #expect(state.code == 64 || state.code == 2, "\(state.err)")
        #expect(state.err.contains("--state is not supported with --bus --agents external"), "\(state.err)")
        let agents = try await DistProcess.run(["run", strategy, "--replay", "max", "--agents", "external", "--registry", fixture.registry],
                                                  in: fixture.folder)
        #expect(agents.code != 0)
        #expect(agents.err.contains("--agents needs --bus"), "\(agents.err)")
        // Nothing listens on port 1: the address is named and the exit status is 1.
        let unreachable = try await DistProcess.run(["run", strategy, "--replay", "max", "--bus", "redis://127.0.0.1:1",
                                                        "--registry", fixture.registry], in: fixture.folder)
        #expect(unreachable.code == 1, "\(unreachable.err)")
        #expect(unreachable.err.contains("127.0.0.1:1") && unreachable.err.contains("--wait-for-bus"), "\(unreachable.err)")
    }

    /// Every message through Redis, the agents in this process: the same bars, equity, P&L,
    /// positions, orders and fills as the plain run; kill and resume go through the agents.
    @Test func runOverTheBusEqualsThePlainRun() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let plain = try await Self.finishedRun(["run", strategy, "--replay", "max", "--registry", fixture.registry], in: fixture.folder)
        let url = try DistBacktestTests.busURL(database: 5)
        let bus = try await Self.finishedRun(["run", strategy, "--replay", "max", "--registry", fixture.registry, "--bus", url],
                                             in: fixture.folder, afterEnd: { base in
            let killed = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "bus test"}"#)
            #expect(killed.status == 200, "\(killed.body)")
            #expect(try jsonObject(killed.body)["state"] as? String == "HALTED")
            let again = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "twice"}"#)
            #expect(again.status == 409)
            let resumed = try await http("POST", "\(base)/resume", token: Self.token, body: #"{"reason": "bus test over"}"#)
            #expect(resumed.status == 200, "\(resumed.body)")
            #expect(try jsonObject(resumed.body)["state"] as? String == "ACTIVE")
            let reload = try await http("POST", "\(base)/reload", token: Self.token)
            #expect(reload.body.contains("not available with --bus"), "\(reload.body)")
        })
        try Self.expectSameResult(plain, bus)
        let state = try #require(bus.status["bus"] as? [String: Any])
        #expect(state["state"] as? String == "connected")
        #expect(state["outages"] as? Int == 0)
        #expect(RunCommandTests.counter("stratum_bus_outages_total", in: bus.metrics) == 0)

        // The latest values other processes read: the last equity point is the run's final equity.
        let cache = RedisStreamsBus(strategy: "sma-cross", endpoint: try RedisEndpoint(url: url))
        let equity = try await cache.latest("equity")
        #expect(equity["barIndex"] == "2147", "\(equity)")
        #expect(equity["equity"].flatMap(Double.init) == plain.status["equity"] as? Double, "\(equity)")
        await cache.close()
    }

    /// Redis killed (SIGKILL) and restarted with its append-only file (`appendfsync always`)
    /// while bars flow: the outage is logged with its duration, counted and shown in `/status`,
    /// and the run carries on to the plain run's result.
    @Test func aRedisRestartDuringTheRunIsReportedAndTheRunCarriesOn() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let plain = try await Self.finishedRun(["run", strategy, "--replay", "max", "--registry", fixture.registry], in: fixture.folder)
        let redis = try RestartableRedis()
        try await redis.start()
        let bus = try await Self.finishedRun(
            ["run", strategy, "--replay", "100/s", "--registry", fixture.registry, "--bus", "redis://127.0.0.1:\(redis.port)"],
            in: fixture.folder,
            whileRunning: { base, child in
                // Some bars through (not all: 2148 at 100/s take over 20 s), then the restart.
                var bars = 0
                let patience = ContinuousClock.now + waitLimit
                while bars < 100, ContinuousClock.now < patience {
                    bars = try jsonObject(try await http("GET", "\(base)/status").body)["bars_processed"] as? Int ?? 0
                    try await Task.sleep(for: .milliseconds(25))
                }
                redis.kill()
                try await Task.sleep(for: .milliseconds(300))
                try await redis.start()
                _ = try await child.await("reconnected after an outage of")
            })
        #expect(bus.stderr.contains("bus redis://127.0.0.1:\(redis.port): connection lost"), "\(bus.stderr)")
        try Self.expectSameResult(plain, bus)
        let state = try #require(bus.status["bus"] as? [String: Any])
        #expect(state["state"] as? String == "connected")
        #expect((state["outages"] as? Int ?? 0) >= 1, "\(state)")
        let outage = try #require(state["last_outage"] as? [String: Any])
        #expect(outage["duration_ms"] is Int && outage["ended_at_us"] is Int, "\(outage)")
        #expect((state["incidents"] as? [Any])?.isEmpty == false, "\(state)")
        #expect(RunCommandTests.counter("stratum_bus_outages_total", in: bus.metrics) >= 1)
    }

    /// Seven `stratum agent` processes are the workers of a `stratum run --agents external`.
    @Test func sevenAgentProcessesServeARun() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let plain = try await Self.finishedRun(["run", strategy, "--replay", "max", "--registry", fixture.registry], in: fixture.folder)
        let url = try DistBacktestTests.busURL(database: 6)
        let names = ["market-data", "feature", "signal", "portfolio-risk", "execution", "compliance", "supervisor"]
        var agents: [DistProcess] = []
        let bus = try await Self.finishedRun(
            ["run", strategy, "--replay", "max", "--registry", fixture.registry, "--bus", url, "--agents", "external"],
            in: fixture.folder,
            started: {
                agents = try names.map {
                    try DistProcess(["agent", $0, "--strategy", strategy, "--bus", url, "--registry", fixture.registry], in: fixture.folder)
                }
            })
        try Self.expectSameResult(plain, bus)
        for (name, agent) in zip(names, agents) {
            let code = try await agent.exitCode()
            #expect(code == 0, "\(name): \(agent.output.err)")
        }
    }

    /// `--state` over the bus: a run killed (SIGKILL) in the middle restarts from its journal and
    /// ends with the plain run's bars and equity (backtesting.py's); a kill from the control plane
    /// is persisted, so the restart stays HALTED.
    @Test func aStateFolderOverTheBusSurvivesSIGKILLAndKeepsAKill() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let url = try DistBacktestTests.busURL(database: 7)
        let crashed = fixture.folder.appendingPathComponent("crashed")
        let halted = fixture.folder.appendingPathComponent("halted")
        for (folder, kill) in [(crashed, false), (halted, true)] {
            let child = try StratumProcess(["run", strategy, "--replay", "100/s", "--registry", fixture.registry, "--bus", url,
                                            "--state", folder.path, "--control", "127.0.0.1:0"],
                                           in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": Self.token])
            let base = "http://127.0.0.1:\(try await child.await(#"control plane: http://127\.0\.0\.1:(\d+)"#))"
            var bars = 0
            let patience = ContinuousClock.now + waitLimit
            while bars < 100, ContinuousClock.now < patience {
                bars = try jsonObject(try await http("GET", "\(base)/status").body)["bars_processed"] as? Int ?? 0
                try await Task.sleep(for: .milliseconds(25))
            }
            if kill {
                let killed = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "bus state test"}"#)
                #expect(killed.status == 200, "\(killed.body)")
            }
            child.signal(SIGKILL)
            _ = try await child.exitCode()
            let restarted = try await DistProcess.run(["run", strategy, "--replay", "max", "--registry", fixture.registry, "--bus", url,
                                                       "--state", folder.path], in: fixture.folder)
            #expect(restarted.code == 0, "\(restarted.err)")
            #expect(restarted.err.contains("restored after bar"), "\(restarted.err)")
            let status = try jsonObject(String(contentsOf: folder.appendingPathComponent("status.json"), encoding: .utf8))
            #expect(status["bars_processed"] as? Int == 2148)
            if kill {
                #expect(status["state"] as? String == "HALTED", "\(status)")
            } else {
                let equity = try #require(status["equity"] as? Double)
                #expect(closeEnough(equity, try RunCommandTests.referenceFinalEquity()), "equity \(equity)")
            }
        }
    }

    // MARK: Support

    /// The two runs agree on bars, equity, P&L, positions, orders and fills; the equity is backtesting.py's.
    static func expectSameResult(_ plain: Finished, _ bus: Finished) throws {
        #expect(plain.status["bars_processed"] as? Int == 2148)
        #expect(bus.status["bars_processed"] as? Int == 2148)
        let equity = try #require(plain.status["equity"] as? Double)
        #expect(closeEnough(equity, try RunCommandTests.referenceFinalEquity()), "equity \(equity)")
        #expect(bus.status["equity"] as? Double == equity)
        #expect(NSDictionary(dictionary: try #require(plain.status["pnl"] as? [String: Any]))
            .isEqual(to: try #require(bus.status["pnl"] as? [String: Any])))
        #expect(NSArray(array: try #require(plain.status["positions"] as? [Any]))
            .isEqual(to: try #require(bus.status["positions"] as? [Any])))
        for counter in ["stratum_orders_total", "stratum_fills_total", "stratum_order_rejects_total"] {
            #expect(RunCommandTests.counter(counter, in: plain.metrics) == RunCommandTests.counter(counter, in: bus.metrics), "\(counter)")
        }
        #expect(RunCommandTests.counter("stratum_fills_total", in: bus.metrics) > 0)
    }

    /// Runs `stratum` with a control plane until its replay ends, reads `/status` and `/metrics`,
    /// runs `afterEnd`, then SIGTERM: exit 0 and the final line.
    static func finishedRun(
        _ arguments: [String], in folder: URL,
        started: () throws -> Void = {},
        whileRunning: (String, StratumProcess) async throws -> Void = { _, _ in },
        afterEnd: (String) async throws -> Void = { _ in }
    ) async throws -> Finished {
        let child = try StratumProcess(arguments + ["--control", "127.0.0.1:0"], in: folder, environment: ["STRATUM_CONTROL_TOKEN": token])
        let port = try await child.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
        try started()
        let base = "http://127.0.0.1:\(port)"
        try await whileRunning(base, child)
        _ = try await child.await(#"feeds ended after (\d+) bars"#)
        let status = try jsonObject(try await http("GET", "\(base)/status").body)
        let metrics = try await http("GET", "\(base)/metrics").body
        try await afterEnd(base)
        child.signal(SIGTERM)
        #expect(try await child.exitCode() == 0, "\(child.standardError)")
        #expect(child.standardError.contains("stopped after 2148 bars"), "\(child.standardError)")
        return Finished(status: status, metrics: metrics, stderr: child.standardError)
    }

}

/// A redis-server of the test's own on a free loopback port, persisting every write
/// (`appendonly yes`, `appendfsync always`) in a temporary directory, so it can be killed and
/// restarted with its data.
final class RestartableRedis {
    let port: Int
    let directory: URL
    private var pid: pid_t?

    init() throws {
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-runbus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (posix_spawn) and waits until it answers PING.
    func start() async throws {
        let arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path, "--save", "",
                         "--appendonly", "yes", "--appendfsync", "always",
                         "--logfile", directory.appendingPathComponent("redis.log").path]
        var child: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawnp(&child, "redis-server", nil, nil, argv, environ)
        guard status == 0 else { throw RestartableRedisError("cannot start redis-server (error \(status)): install it with `make deps`") }
        pid = child
        let client = RedisClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: port),
                                 options: RedisClientOptions(backoff: Backoff(initialMilliseconds: 20, maximumMilliseconds: 100)))
        defer { client.close() }
        try await client.waitUntilReachable(timeoutMilliseconds: 10_000)
    }

    /// SIGKILL: only what was fsynced survives.
    func kill() {
        guard let pid else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        self.pid = nil
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RestartableRedisError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RestartableRedisError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct RestartableRedisError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
