import Foundation
import Storage
import Testing
@testable import StratumCLI

/// `stratum run --state DIR` as a crash-safe process: real child processes killed with SIGKILL,
/// real state.sqlite files read back with the StateStore.
@Suite(.serialized)
struct RunStateTests {
    static let token = "test-token-0123456789abcdef"

    /// Orders as the state keeps them, without the wall-clock stamps.
    static func orders(in state: URL) throws -> [String] {
        let store = try StateStore.open(directory: state, redacting: { $0 })
        defer { try? store.close() }
        return try store.orders().map { "\($0.clientOrderID) \($0.side.rawValue) \($0.quantity) \($0.status.rawValue) \($0.filledQuantity)" }
    }

    static func runToEnd(_ strategy: String, state: URL, in fixture: BacktestFixture) async throws -> StratumProcess {
        let child = try StratumProcess(["run", strategy, "--replay", "max", "--state", state.path, "--registry", fixture.registry],
                                       in: fixture.folder)
        #expect(try await child.exitCode() == 0, "\(child.standardError)")
        return child
    }

    /// SIGKILL at random moments, restart on the same folder each time, then one run to the end:
    /// every bar journaled once, the same orders (same client ids) as an uninterrupted run, and
    /// the final equity of backtesting.py's reference for sma_cross on GOOG.
    @Test func killedWithSIGKILLAgainAndAgainEndsAsTheUninterruptedRun() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let clean = fixture.folder.appendingPathComponent("clean")
        _ = try await Self.runToEnd(strategy, state: clean, in: fixture)
        let expectedOrders = try Self.orders(in: clean)
        #expect(expectedOrders.count > 10, "sma_cross trades GOOG dozens of times")

        let state = fixture.folder.appendingPathComponent("killed")
        // Fixed seed: the kill delays are reproducible (the moments they hit depend on the machine's load).
        var random = SplitMix64(seed: 20_261_126)
        let kills = 50
        var journaledBefore = 0
        var progressed = 0
        for _ in 0..<kills {
            // 500 bars/s: the 2148 bars take about 4 s, so most of the kills land while bars are
            // being taken. The delay counts from the run's start line, not from the spawn, so a
            // slow start on a loaded machine does not push the kills before the first bar.
            let child = try StratumProcess(["run", strategy, "--replay", "500/s", "--state", state.path, "--registry", fixture.registry],
                                           in: fixture.folder)
            _ = try? await child.await("paper mode")
            try await Task.sleep(for: .milliseconds(Int(20 + random.next() % 600)))
            child.signal(SIGKILL)
            _ = try await child.exitCode()
            let journaled = try Self.journal(in: state).count
            #expect(journaled >= journaledBefore, "the journal never loses a bar")
            if journaled > journaledBefore { progressed += 1 }
            journaledBefore = journaled
        }
        #expect(progressed >= 5, "kills landed while bars were being taken")

        let final = try await Self.runToEnd(strategy, state: state, in: fixture)
        let bars = try Self.journal(in: state)
        // GOOG.csv: 2148 rows after the header; every sequence once, in order.
        #expect(bars.map(\.sequence) == Array(0..<2148))
        #expect(try Self.orders(in: state) == expectedOrders)
        let status = try jsonObject(String(contentsOf: state.appendingPathComponent("status.json"), encoding: .utf8))
        #expect(status["bars_processed"] as? Int == 2148)
        let equity = try #require(status["equity"] as? Double)
        #expect(closeEnough(equity, try RunCommandTests.referenceFinalEquity()), "equity \(equity); \(final.standardError)")
    }

    static func journal(in state: URL) throws -> [JournalBar] {
        guard FileManager.default.fileExists(atPath: state.appendingPathComponent(StateStore.fileName).path) else { return [] }
        let store = try StateStore.open(directory: state, redacting: { $0 })
        defer { try? store.close() }
        return try store.journal()
    }

    /// POST /kill, then SIGKILL: the restart is HALTED (status and readiness), and stays so until
    /// `stratum resume --reason`; then it runs ACTIVE to the end.
    @Test func aKillSurvivesARestartUntilResumed() async throws {
        let (fixture, strategy) = try RunCommandTests.fixture()
        let state = fixture.folder.appendingPathComponent("state")
        let arguments = ["run", strategy, "--replay", "200/s", "--control", "127.0.0.1:0", "--state", state.path, "--registry", fixture.registry]
        let first = try StratumProcess(arguments, in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": Self.token])
        var base = "http://127.0.0.1:\(try await first.await(#"control plane: http://127\.0\.0\.1:(\d+)"#))"
        var bars = 0
        let patience = ContinuousClock.now + waitLimit
        while bars < 120, ContinuousClock.now < patience {
            bars = try jsonObject(try await http("GET", "\(base)/status").body)["bars_processed"] as? Int ?? 0
            try await Task.sleep(for: .milliseconds(25))
        }
        let killed = try await http("POST", "\(base)/kill", token: Self.token, body: #"{"reason": "operator test"}"#)
        #expect(killed.status == 200, "\(killed.body)")
        try await Task.sleep(for: .milliseconds(200))
        first.signal(SIGKILL)
        _ = try await first.exitCode()

        let second = try StratumProcess(arguments, in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": Self.token])
        base = "http://127.0.0.1:\(try await second.await(#"control plane: http://127\.0\.0\.1:(\d+)"#))"
        _ = try await second.await(#"restored after bar (\d+)"#)
        var status: [String: Any] = [:]
        let settle = ContinuousClock.now + waitLimit
        while ContinuousClock.now < settle {
            status = try jsonObject(try await http("GET", "\(base)/status").body)
            if (status["bars_processed"] as? Int ?? 0) > bars + 20 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(status["state"] as? String == "HALTED", "\(status)")
        #expect((status["positions"] as? [Any])?.isEmpty == true, "halted: the position was closed, none opened again: \(status)")
        second.signal(SIGTERM)
        #expect(try await second.exitCode() == 0, "\(second.standardError)")

        let resume = try StratumProcess(["resume", "--state", state.path, "--reason", "checked the feed"], in: fixture.folder)
        #expect(try await resume.exitCode() == 0, "\(resume.standardError)")

        let third = try StratumProcess(arguments, in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": Self.token])
        base = "http://127.0.0.1:\(try await third.await(#"control plane: http://127\.0\.0\.1:(\d+)"#))"
        _ = try await third.await(#"restored after bar (\d+)"#)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try jsonObject(try await http("GET", "\(base)/status").body)["state"] as? String == "ACTIVE")
        third.signal(SIGTERM)
        #expect(try await third.exitCode() == 0, "\(third.standardError)")

        let store = try StateStore.open(directory: state, redacting: { $0 })
        defer { try? store.close() }
        #expect(try store.killSwitchHistory().map(\.to) == [.halted, .active])
        #expect(try store.killSwitch().state == .active)
    }
}

/// A small seeded generator (SplitMix64), so the kill delays repeat from run to run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
