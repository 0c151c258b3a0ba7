import Agents
import ControlHTTP
import Foundation
import Logging
import Runtime
import Storage
import Testing
@testable import StratumCLI

/// `stratum resume` and `stratum handoff` on a real state folder.
struct StateCommandTests {
    /// A state folder holding a halted strategy with one open order.
    static func haltedState(_ fixture: BacktestFixture) throws -> String {
        let path = fixture.folder.appendingPathComponent("state").path
        let store = try StateStore.open(directory: URL(fileURLWithPath: path), redacting: { $0 })
        defer { try? store.close() }
        try store.bind(strategyID: "sma_cross", at: 0)
        try store.recordBar(JournalBar(sequence: 0, instrument: "AAPL", timestampMicros: 0, open: 100, high: 101, low: 99, close: 100, volume: 1))
        _ = try store.admit(OrderIntent(barSequence: 0, index: 0, instrument: "AAPL", side: .buy, quantity: 5, createdMicros: 0))
        try store.recordKillSwitch(KillSwitchTransition(from: .active, to: .halted, trigger: "command", reason: "venue outage", actor: "alice", atMicros: 1))
        return path
    }

    @Test func resumeNeedsAReasonAndAHaltedStrategy() throws {
        let fixture = try BacktestFixture()
        let state = try Self.haltedState(fixture)
        for arguments in [["resume", "--state", state], ["resume", "--state", state, "--reason", "  "]] {
            #expect(fixture.run(arguments).code == 64, "a usage error: \(arguments)")
            do {
                _ = try Stratum.parseAsRoot(arguments)
                Issue.record("parsed without a reason: \(arguments)")
            } catch {
                #expect(Stratum.message(for: error).contains("a resume needs --reason"), "\(Stratum.message(for: error))")
            }
        }

        let resumed = fixture.run(["resume", "--state", state, "--reason", "venue back", "--by", "bob"])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(resumed.out == "resumed: HALTED → ACTIVE by bob: venue back\n")
        let again = fixture.run(["resume", "--state", state, "--reason", "venue back"])
        #expect(again.code == 1)
        #expect(again.err.contains("the kill switch is not tripped"), "\(again.err)")

        let store = try StateStore.open(directory: URL(fileURLWithPath: state), redacting: { $0 })
        defer { try? store.close() }
        #expect(try store.killSwitch().state == .active)
        #expect(try store.auditEntries().last?.kind == "kill_switch.resume")
        #expect(try store.auditEntries().last?.payload.contains(#""actor":"bob""#) == true)
    }

    /// The executable maps ArgumentParser's usage status to 2, as docs/cli.md says.
    @Test func theExecutableRefusesAResumeWithoutAReasonWithStatus2() throws {
        let process = Process()
        process.executableURL = try StateCrashSafetyTests.stratumBinary()
        process.arguments = ["resume", "--state", "/nonexistent"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(text.contains("a resume needs --reason"), "\(text)")
    }

    @Test func resumeOfAFolderWithoutStateIsAUsageError() throws {
        let fixture = try BacktestFixture()
        let result = fixture.run(["resume", "--state", fixture.folder.appendingPathComponent("nowhere").path, "--reason", "x"])
        #expect(result.code == 2)
        #expect(result.err.contains("no state here"))
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.appendingPathComponent("nowhere").path), "nothing created")
    }

    @Test func handoffPrintsTheNoteAndMarksIt() throws {
        let fixture = try BacktestFixture()
        let state = try Self.haltedState(fixture)
        let first = fixture.run(["handoff", "--state", state, "--json", "--by", "carol"])
        #expect(first.code == 0, "\(first.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as? [String: Any])
        #expect((json["kill_switch"] as? [String: Any])?["state"] as? String == "HALTED")
        #expect((json["open_orders"] as? [Any])?.count == 1)
        #expect(json["previous_handoff_at_us"] == nil)

        let text = fixture.run(["handoff", "--state", state, "--no-mark"])
        #expect(text.code == 0)
        #expect(text.out.contains("State: HALTED since 1970-01-01T00:00:00.000001Z by alice: venue outage"), "\(text.out)")
        #expect(text.out.contains("(previous handoff: "), "the first handoff was marked")
        let store = try StateStore.open(directory: URL(fileURLWithPath: state), redacting: { $0 })
        defer { try? store.close() }
        #expect(try store.auditEntries().filter { $0.kind == "handoff.marked" }.count == 1, "--no-mark recorded nothing")
    }

    @Test func theHiddenWriterIsNotListed() throws {
        let fixture = try BacktestFixture()
        let help = Stratum.helpMessage()
        #expect(help.contains("resume") && help.contains("handoff"))
        #expect(!help.contains("state-writer"))
        _ = fixture
    }

    /// `--control`: the resume is persisted, then POSTed with the bearer token to a control
    /// plane on loopback, whose target receives the reason.
    @Test func resumeTellsTheRunningProcess() async throws {
        let fixture = try BacktestFixture()
        let state = try Self.haltedState(fixture)
        let token = "ctl-7f3a9c1e5b2d4a6f8e0c"
        let tokenFile = fixture.folder.appendingPathComponent("control.token")
        try Data(token.utf8).write(to: tokenFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile.path)
        let target = ResumeRecorder()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try ControlServer(
            target: target, metrics: RuntimeMetrics(), token: try ControlToken(token),
            configuration: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "test"),
            onListening: { port in
                continuation.yield(port)
                continuation.finish()
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            // The command blocks while it waits for the answer: run it off the concurrency pool.
            let result = await onThread {
                fixture.run(["resume", "--state", state, "--reason", "venue back", "--control", "127.0.0.1:\(port)",
                             "--token-file", tokenFile.path])
            }
            #expect(result.code == 0, "\(result.err)")
            #expect(result.out.contains(#""state":"ACTIVE""#), "\(result.out)")
            #expect(await target.reasons == ["venue back"])
        }
    }
}

/// Runs `body` on a thread of its own and returns its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A control target that only records the resumes it receives.
actor ResumeRecorder: ControlTarget {
    private(set) var reasons: [String] = []

    func status() async -> StatusSnapshot {
        StatusSnapshot(strategy: "s", planHash: "h", mode: .paper, state: .active, agents: [], positions: [],
                       pnl: ProfitAndLoss(realized: 0, unrealized: 0, fees: 0), equity: 0, lastReload: nil, startedAt: 0, barsProcessed: 0)
    }

    func isReady() async -> ReadinessReport {
        ReadinessReport(feedsConnected: .passed, stateRestored: .passed, planRunning: .passed)
    }

    func reload() async -> ReloadOutcome { .refused(diagnostics: "not here") }

    func kill(reason: String) async -> CommandOutcome { CommandOutcome(accepted: false, state: .active, message: "not here") }

    func resume(reason: String) async -> CommandOutcome {
        reasons.append(reason)
        return CommandOutcome(accepted: true, state: .active, message: "resumed")
    }
}
