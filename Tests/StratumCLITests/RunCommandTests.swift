import ArgumentParser
import Foundation
import Testing
@testable import StratumCLI

/// `stratum run` as operators meet it: a child process, its exit codes, its control plane over
/// loopback sockets, SIGTERM, and the state it leaves.
@Suite(.serialized)
struct RunCommandTests {
    static let token = "test-token-0123456789abcdef"
    static let secret = "s3cr3t-api-key-value-42"

    /// The shipped strategy and data in a fresh folder, a `.env` with a secret beside it.
    static func fixture() throws -> (BacktestFixture, String) {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        try fixture.write(".env", "# secrets for the run\nEXAMPLE_API_KEY=\"\(secret)\"\n")
        return (fixture, strategy)
    }

    /// backtesting.py's final equity for sma_cross on GOOG (Tests/ReportsTests/References/sma_cross/equity.csv).
    static func referenceFinalEquity() throws -> Double {
        let text = try String(contentsOf: SMACrossReference.folder.appendingPathComponent("equity.csv"), encoding: .utf8)
        let last = try #require(text.split(separator: "\n").last)
        return try #require(Double(last.split(separator: ",")[1]))
    }

    /// The value of an unlabelled Prometheus counter line `NAME VALUE`.
    static func counter(_ name: String, in text: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
    }

    @Test func helpNamesEveryOption() throws {
        let help = Stratum.helpMessage(for: RunCommand.self)
        for option in ["--mode", "--control", "--state", "--replay", "--control-token-file", "60x", "100/s", "SIGTERM"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
    }

    @Test(arguments: ["fast", "0x", "10"])
    func badReplaySpeedsAreUsageErrors(speed: String) throws {
        #expect(throws: (any Error).self) { try Stratum.parseAsRoot(["run", "s.yaml", "--replay", speed]) }
    }

    @Test(arguments: ["9464", "127.0.0.1:", "127.0.0.1:70000"])
    func badControlAddressesAreUsageErrors(address: String) throws {
        #expect(throws: (any Error).self) { try Stratum.parseAsRoot(["run", "s.yaml", "--control", address]) }
    }

    @Test func dotEnvLinesParseAndBadLinesNameTheirLine() throws {
        let values = try RunEnvironment.parse("# c\n\nexport A_KEY='x y'\nB=\"q\"\nC=plain\n", path: ".env")
        #expect(values == ["A_KEY": "x y", "B": "q", "C": "plain"])
        #expect(throws: CommandError.self) { try RunEnvironment.parse("A=1\njust-a-secret\n", path: ".env") }
        do {
            _ = try RunEnvironment.parse("A=1\njust-a-secret\n", path: ".env")
        } catch let error as CommandError {
            #expect(error.message.contains(".env:2"))
            #expect(!error.message.contains("just-a-secret"))
        }
    }

    @Test func liveModeWithoutAVenueAdapterRefusesAndSaysWhatToDo() async throws {
        let (fixture, strategy) = try Self.fixture()
        let child = try StratumProcess(["run", strategy, "--mode", "live", "--replay", "max", "--registry", fixture.registry], in: fixture.folder)
        #expect(try await child.exitCode() == 1)
        #expect(child.standardError.contains("--mode paper"))
        #expect(child.standardError.contains("simulator"))
    }

    @Test func historicalSourcesNeedAReplaySpeed() async throws {
        let (fixture, strategy) = try Self.fixture()
        let child = try StratumProcess(["run", strategy, "--registry", fixture.registry], in: fixture.folder)
        #expect(try await child.exitCode() == 2)
        #expect(child.standardError.contains("--replay SPEED"))
    }

    /// A replay at `max` without a control plane ends by itself: every bar of GOOG.csv went
    /// through, and the final equity is backtesting.py's.
    @Test func aReplayAtMaxEndsWithTheBacktestsEquity() async throws {
        let (fixture, strategy) = try Self.fixture()
        let state = fixture.folder.appendingPathComponent("state")
        let child = try StratumProcess(["run", strategy, "--replay", "max", "--state", state.path, "--registry", fixture.registry],
                                       in: fixture.folder)
        #expect(try await child.exitCode() == 0, "\(child.standardError)")
        let status = try jsonObject(String(contentsOf: state.appendingPathComponent("status.json"), encoding: .utf8))
        // GOOG.csv: 2148 rows after the header.
        #expect(status["bars_processed"] as? Int == 2148)
        let equity = try #require(status["equity"] as? Double)
        #expect(closeEnough(equity, try Self.referenceFinalEquity()), "equity \(equity)")
        #expect(status["mode"] as? String == "paper")
        #expect(!child.standardError.contains(Self.secret))
    }

    /// The whole control plane against a running process, then SIGTERM: exit 0, state flushed.
    @Test func controlPlaneOverLoopbackThenSIGTERMFlushesAndExitsZero() async throws {
        let (fixture, strategy) = try Self.fixture()
        let state = fixture.folder.appendingPathComponent("state")
        let child = try StratumProcess(
            ["run", strategy, "--replay", "200/s", "--control", "127.0.0.1:0", "--state", state.path, "--registry", fixture.registry],
            in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": Self.token])
        let port = try await child.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
        let base = "http://127.0.0.1:\(port)"

        let live = try await http("GET", "\(base)/live")
        #expect(live.status == 200 && live.body.contains("\"live\":true"))

        // Wait (bounded) until some bars went through, then read everything.
        // sma_cross first trades at bar 70 (backtesting.py's reference trades): by bar 120 it holds GOOG.
        var bars = 0
        let patience = ContinuousClock.now + waitLimit
        while bars < 120, ContinuousClock.now < patience {
            bars = try jsonObject(try await http("GET", "\(base)/status").body)["bars_processed"] as? Int ?? 0
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(bars >= 120)
        let ready = try await http("GET", "\(base)/ready")
        #expect(ready.status == 200, "\(ready.body)")
        #expect(try jsonObject(ready.body)["ready"] as? Bool == true)

        let status = try jsonObject(try await http("GET", "\(base)/status").body)
        #expect(status["strategy"] as? String == "sma-cross")
        #expect((status["plan_hash"] as? String)?.isEmpty == false)
        #expect(status["mode"] as? String == "paper")
        #expect(status["state"] as? String == "ACTIVE")
        #expect(status["equity"] is Double)
        #expect(status["pnl"] is [String: Any])
        let positions = try #require(status["positions"] as? [[String: Any]])
        #expect(positions.count == 1 && positions.first?["instrument"] as? String == "GOOG")
        #expect((positions.first?["quantity"] as? Double ?? 0) != 0)
        let agents = try #require(status["agents"] as? [[String: Any]])
        #expect(agents.map { $0["agent"] as? String } == ["supervisor", "market_data", "feature", "signal", "portfolio_risk", "execution", "compliance"])

        let metrics = try await http("GET", "\(base)/metrics")
        #expect(metrics.body.contains("stratum_bars_processed_total"))
        #expect(metrics.body.contains(#"stratum_agent_latency_seconds_count{agent="feature"}"#))
        #expect(Self.counter("stratum_orders_total", in: metrics.body) >= 1)
        #expect(Self.counter("stratum_fills_total", in: metrics.body) >= 1)

        let refused = try await http("POST", "\(base)/kill", body: #"{"reason": "test"}"#)
        #expect(refused.status == 401)
        let wrong = try await http("POST", "\(base)/kill", token: "wrong-token-0123456789", body: #"{"reason": "test"}"#)
        #expect(wrong.status == 401)
        let killed = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "operator test"}"#)
        #expect(killed.status == 200, "\(killed.body)")
        #expect(try jsonObject(killed.body)["state"] as? String == "HALTED")
        let again = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "twice"}"#)
        #expect(again.status == 409)
        #expect(try jsonObject(try await http("GET", "\(base)/status").body)["state"] as? String == "HALTED")

        // Halted at the next open: the position is closed (a reducing order), none is opened again.
        let haltedAt = try jsonObject(try await http("GET", "\(base)/status").body)["bars_processed"] as? Int ?? 0
        var afterKill: [String: Any] = [:]
        let killPatience = ContinuousClock.now + waitLimit
        while ContinuousClock.now < killPatience {
            afterKill = try jsonObject(try await http("GET", "\(base)/status").body)
            if (afterKill["bars_processed"] as? Int ?? 0) >= haltedAt + 5 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect((afterKill["positions"] as? [Any])?.isEmpty == true, "\(afterKill)")

        let seen = afterKill["bars_processed"] as? Int ?? 0
        child.signal(SIGTERM)
        #expect(try await child.exitCode() == 0, "\(child.standardError)")
        let flushed = try jsonObject(String(contentsOf: state.appendingPathComponent("status.json"), encoding: .utf8))
        #expect((flushed["bars_processed"] as? Int ?? 0) >= seen)
        #expect((flushed["bars_processed"] as? Int ?? .max) < 2148, "stopped before the replay's end")
        #expect(flushed["state"] as? String == "HALTED")
        #expect(child.standardError.contains("stopped after"))
        #expect(!child.standardError.contains(Self.secret))
        #expect(!child.standardError.contains(Self.token))
    }

    @Test func sigintAlsoStopsCleanly() async throws {
        let (fixture, strategy) = try Self.fixture()
        let child = try StratumProcess(["run", strategy, "--replay", "100/s", "--registry", fixture.registry, "--progress-every", "5"],
                                       in: fixture.folder)
        _ = try await child.await(#"bar (10)"#)
        child.signal(SIGINT)
        #expect(try await child.exitCode() == 0, "\(child.standardError)")
        #expect(child.standardError.contains("stopped after"))
    }
}
