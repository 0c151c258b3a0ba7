import ControlHTTP
import Runtime
import Testing

/// `POST /reload`, `/kill`, `/resume` with a valid token: what each answers and what reaches the
/// runtime.
@Suite struct CommandEndpointTests {
    @Test func reloadAppliedAnswers200WithTheDiff() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post("/reload", token: testTokenValue)
            #expect(reply.status == .ok)
            #expect(try reply.decode(ReloadOutcome.self) == .applied(PlanDiffSummary(added: [], removed: [], changed: ["sma_fast"], unchangedCount: 11)))
            #expect(reply.text.contains(#""result":"applied""#))
            #expect(await harness.target.reloads == 1)
        }
    }

    @Test func reloadRefusedAnswers422WithTheDiagnostics() async throws {
        let diagnostics = "strategy.yaml:12:9: error[E104]: unknown indicator 'smaa'"
        let target = StubTarget(nextReload: .refused(diagnostics: diagnostics))
        try await ControlHarness.run(target: target) { harness in
            let reply = try await harness.post("/reload", token: testTokenValue)
            #expect(reply.status == .unprocessableContent)
            #expect(try reply.decode(ReloadOutcome.self) == .refused(diagnostics: diagnostics))
            let status = try await harness.get("/status").decode(StatusSnapshot.self)
            #expect(status.lastReload == .refused(diagnostics: diagnostics))
        }
    }

    @Test func killPassesTheReasonAndAnswersTheNewState() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post("/kill", token: testTokenValue, body: #"{"reason": "venue outage"}"#)
            #expect(reply.status == .ok)
            let outcome = try reply.decode(CommandOutcome.self)
            #expect(outcome.accepted)
            #expect(outcome.state == .halted)
            #expect(await harness.target.killReasons == ["venue outage"])
            #expect(try await harness.get("/status").decode(StatusSnapshot.self).state == .halted)
        }
    }

    @Test func resumeAfterKillAnswers200() async throws {
        try await ControlHarness.run { harness in
            _ = try await harness.post("/kill", token: testTokenValue, body: #"{"reason":"drill"}"#)
            let reply = try await harness.post("/resume", token: testTokenValue, body: #"{"reason":"drill over"}"#)
            #expect(reply.status == .ok)
            #expect(try reply.decode(CommandOutcome.self).state == .active)
            #expect(await harness.target.resumeReasons == ["drill over"])
        }
    }

    @Test func resumeARunningStrategyAnswers409() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post("/resume", token: testTokenValue, body: #"{"reason":"just in case"}"#)
            #expect(reply.status == .conflict)
            #expect(try reply.decode(CommandOutcome.self).accepted == false)
        }
    }

    @Test(arguments: [
        ("/kill", nil),
        ("/kill", ""),
        ("/kill", "{}"),
        ("/kill", #"{"reason": "   "}"#),
        ("/kill", #"{"reason": 42}"#),
        ("/kill", "reason=outage"),
        ("/resume", nil),
        ("/resume", #"{"why": "done"}"#),
    ] as [(String, String?)])
    func commandWithoutAReasonAnswers400(path: String, body: String?) async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post(path, token: testTokenValue, body: body)
            #expect(reply.status == .badRequest)
            #expect(reply.error != nil)
            #expect(await harness.target.killReasons.isEmpty)
            #expect(await harness.target.resumeReasons.isEmpty)
        }
    }

    @Test func oversizedBodyAnswers413() async throws {
        try await ControlHarness.run { harness in
            let reason = String(repeating: "x", count: 64 * 1024)
            let reply = try await harness.post("/kill", token: testTokenValue, body: #"{"reason":"\#(reason)"}"#)
            #expect(reply.status == .contentTooLarge)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }
}
