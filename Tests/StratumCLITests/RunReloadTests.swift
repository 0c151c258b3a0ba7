import Foundation
import Testing
@testable import StratumCLI

/// Hot reload in `stratum run` as an operator meets it: a child process replaying GOOG at
/// 200 bars a second with its control plane on loopback, the strategy file saved the way
/// editors save it, SIGHUP, `POST /reload` and a registry promotion.
@Suite(.serialized)
struct RunReloadTests {
    static let token = "test-token-0123456789abcdef"
    /// GOOG.csv: 2148 rows after the header.
    static let goog = 2148

    /// A running `stratum run` and its control plane.
    struct Run {
        let child: StratumProcess
        let base: String
        let state: URL

        static func start(_ strategy: String, fixture: BacktestFixture, speed: String = "200/s") async throws -> Run {
            let state = fixture.folder.appendingPathComponent("state")
            let child = try StratumProcess(
                ["run", strategy, "--replay", speed, "--control", "127.0.0.1:0", "--state", state.path, "--registry", fixture.registry,
                 "--progress-every", "0"],
                in: fixture.folder, environment: ["STRATUM_CONTROL_TOKEN": RunReloadTests.token])
            let port = try await child.await(#"control plane: http://127\.0\.0\.1:(\d+)"#)
            return Run(child: child, base: "http://127.0.0.1:\(port)", state: state)
        }

        func status() async throws -> [String: Any] {
            try jsonObject(try await http("GET", "\(base)/status").body)
        }

        /// Polls /status (bounded) until `done` holds.
        func status(until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
            try await statuses(until: done).last ?? [:]
        }

        /// Every /status read until `done` holds, in order (bounded by `waitLimit`).
        func statuses(until done: ([String: Any]) -> Bool) async throws -> [[String: Any]] {
            var seen: [[String: Any]] = []
            let patience = ContinuousClock.now + waitLimit
            while ContinuousClock.now < patience {
                let status = try await status()
                seen.append(status)
                if done(status) { return seen }
                try await Task.sleep(for: .milliseconds(5))
            }
            Issue.record("the status never got there; stderr:\n\(child.standardError)")
            return seen
        }

        /// The reload records the run appended to `state/audit.jsonl`, in order.
        func auditRecords() throws -> [[String: Any]] {
            let url = state.appendingPathComponent("audit.jsonl")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map { try jsonObject(String($0)) }
        }

        func stop() async throws {
            child.signal(SIGTERM)
            #expect(try await child.exitCode() == 0, "\(child.standardError)")
        }
    }

    /// Writes `text` to a temporary file beside `path` and renames it over, as most editors save.
    static func renameSave(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).swp.tmp")
        try Data(text.utf8).write(to: temporary)
        #expect(rename(temporary.path, url.path) == 0)
    }

    static func bars(_ status: [String: Any]) -> Int { status["bars_processed"] as? Int ?? -1 }
    static func lastReload(_ status: [String: Any]) -> [String: Any]? { status["last_reload"] as? [String: Any] }
    static func quantity(_ status: [String: Any]) -> Double {
        (status["positions"] as? [[String: Any]])?.first?["quantity"] as? Double ?? 0
    }

    /// A rename-save of a changed SMA period swaps the plan between two bars: the plan hash
    /// changes, the diff names the feature, the position stays, and every bar of the replay is
    /// still processed once. Then a save that fails lint is refused (the old plan runs on and
    /// /status shows the diagnostics with line and column), `POST /reload` answers with its
    /// outcome, and SIGHUP reloads too.
    @Test func savesReloadBetweenBarsAndRefusalsKeepTheOldPlan() async throws {
        let fixture = try BacktestFixture()
        let strategy = try fixture.shippedStrategy()
        let original = try String(contentsOfFile: strategy, encoding: .utf8)
        let run = try await Run.start(strategy, fixture: fixture)

        // sma_cross first trades at bar 70 (backtesting.py's reference trades) and holds GOOG by bar 120.
        let before = try await run.status { Self.bars($0) >= 120 }
        let hash = try #require(before["plan_hash"] as? String)
        #expect(before["last_reload"] == nil)
        #expect(Self.quantity(before) != 0, "\(before)")

        // 1. The fast SMA from 10 to 12 bars, saved by rename.
        let edited = original.replacingOccurrences(of: "fast: sma(close, 10)", with: "fast: sma(close, 12)")
        #expect(edited != original)
        let savedAt = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
        let saved = ContinuousClock.now
        try Self.renameSave(edited, to: strategy)
        let reads = try await run.statuses { ($0["plan_hash"] as? String).map { $0 != hash } ?? false }
        let swapSeen = ContinuousClock.now - saved
        let after = try #require(reads.last)
        let seenBars = reads.map(Self.bars)
        let reload = try #require(Self.lastReload(after), "\(after)")
        #expect(reload["result"] as? String == "applied")
        let diff = try #require(reload["diff"] as? [String: Any])
        #expect((diff["changed"] as? [String])?.contains("feature.fast") == true, "\(diff)")
        #expect((diff["unchanged_count"] as? Int ?? 0) > 0)
        // The position is carried over, not reset (a fresh account holds nothing).
        #expect(Self.quantity(after) != 0, "\(after)")
        #expect(Self.bars(after) >= Self.bars(before))
        #expect(zip(seenBars, seenBars.dropFirst()).allSatisfy { $0 <= $1 }, "bars_processed went back: \(seenBars)")
        #expect(run.child.standardError.contains("reload applied (file)"))
        #expect(run.child.standardError.contains("~ feature.fast"))

        // 2. A save that fails lint: refused, the edited plan keeps running.
        let broken = edited.replacingOccurrences(of: "slow: sma(close, 30)", with: "slow: sma(clsoe, 30)")
        try Self.renameSave(broken, to: strategy)
        let refused = try await run.status { (Self.lastReload($0)?["result"] as? String) == "refused" }
        let diagnostics = try #require(Self.lastReload(refused)?["diagnostics"] as? String)
        // `slow:` is line 12 of the shipped file; the column points into the expression.
        #expect(diagnostics.range(of: #"sma_cross\.yaml:12:\d+"#, options: .regularExpression) != nil, "\(diagnostics)")
        #expect(diagnostics.contains("clsoe"))
        #expect(refused["plan_hash"] as? String == after["plan_hash"] as? String)
        if Self.bars(refused) < Self.goog {
            let stillRunning = try await run.status { Self.bars($0) > Self.bars(refused) }
            #expect(stillRunning["state"] as? String == "ACTIVE")
        }

        // 3. POST /reload after fixing the file (the fix itself reloads on save first).
        try Self.renameSave(edited, to: strategy)
        _ = try await run.status { (Self.lastReload($0)?["result"] as? String) == "applied" }
        #expect(try await http("POST", "\(run.base)/reload").status == 401)
        let command = try await http("POST", "\(run.base)/reload", token: Self.token)
        #expect(command.status == 200, "\(command.body)")
        let outcome = try jsonObject(command.body)
        #expect(outcome["result"] as? String == "applied", "\(command.body)")
        // Nothing changed since the last save: an empty diff.
        let commandDiff = try #require(outcome["diff"] as? [String: Any])
        #expect((commandDiff["changed"] as? [String])?.isEmpty == true)

        // 4. SIGHUP reloads, and no longer ends the process.
        let recordsBefore = try run.auditRecords().count
        run.child.signal(SIGHUP)
        _ = try await run.child.await(#"reload applied \((sighup)\)"#)
        #expect(run.child.isRunning)

        // Every bar of the replay went through exactly once across the reloads.
        _ = try await run.child.await(#"feeds ended after (\d+) bars"#)
        let end = try await run.status()
        #expect(Self.bars(end) == Self.goog)
        #expect(end["plan_hash"] as? String == after["plan_hash"] as? String)

        // The audit: file (applied), file (refused), file (applied), command, sighup, in order.
        let records = try run.auditRecords()
        #expect(records.count == recordsBefore + 1)
        #expect(records.map { $0["kind"] as? String ?? "" } == ["reload.applied", "reload.refused", "reload.applied", "reload.applied", "reload.applied"])
        #expect(records.map { ($0["triggers"] as? [String]) ?? [] } == [["file"], ["file"], ["file"], ["command"], ["sighup"]])
        #expect(records.first?["from_plan_hash"] as? String == hash)
        // Save → swap: the rename to the applied record's time (debounce, compile, warm-up, swap),
        // and to the first /status read showing the new hash.
        let swappedAt = try #require(records.first?["timestamp_us"] as? Int)
        print("reload figures: save -> swap \(Double(Int64(swappedAt) - savedAt) / 1000) ms; save -> new plan_hash in /status \(swapSeen)")
        #expect(records.first?["to_plan_hash"] as? String == after["plan_hash"] as? String)
        #expect((records[1]["diagnostics"] as? String)?.contains("clsoe") == true)
        try await run.stop()
    }

    /// `stratum registry promote` of the model the running strategy trades as `momentum@prod`
    /// reaches it like a save: the tag's new version runs (a new plan hash), the trigger is the tag.
    @Test func aRegistryPromotionReachesTheRunningStrategy() async throws {
        let fixture = try BacktestFixture()
        try fixture.copy("data/GOOG.csv", as: "data/GOOG.csv")
        let strategy = try fixture.copy("strategies/ensemble_regime.yaml")
        let run = try await Run.start(strategy, fixture: fixture, speed: "100/s")
        let before = try await run.status { Self.bars($0) >= 10 }
        let hash = try #require(before["plan_hash"] as? String)

        // prod is v261124 in the shipped registry, which the `model` signal trades: move it to v261125
        // (prod is gated; --force with a reason is the operator's override).
        let promote = try StratumProcess(["registry", "promote", "momentum@v261125", "--tag", "prod", "--force", "--reason", "reload test",
                                          "--registry", fixture.registry], in: fixture.folder)
        #expect(try await promote.exitCode() == 0, "\(promote.standardError)")
        let after = try await run.status { $0["last_reload"] != nil }
        let reload = try #require(Self.lastReload(after))
        #expect(reload["result"] as? String == "applied", "\(reload)")
        #expect(after["plan_hash"] as? String != hash, "the plan reads another model version")
        _ = try await run.child.await(#"reload applied \((tags:momentum)\)"#)
        let records = try run.auditRecords()
        #expect(records.map { ($0["triggers"] as? [String]) ?? [] } == [["tags:momentum"]])
        try await run.stop()
    }
}
