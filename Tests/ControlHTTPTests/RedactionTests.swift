import ControlHTTP
import Runtime
import Testing

/// Secrets never leave through `/status`, error bodies or logs, whatever the runtime puts there.
@Suite struct RedactionTests {
    @Test func replacesEverySecretWithTheMask() {
        let redactor = SecretRedactor(secrets: ["alpha-secret", "beta-secret-longer"])
        #expect(redactor.redact("a=alpha-secret b=beta-secret-longer a=alpha-secret") == "a=*** b=*** a=***")
        #expect(redactor.redact("nothing here") == "nothing here")
    }

    @Test func longerSecretIsReplacedWhole() {
        let redactor = SecretRedactor(secrets: ["key-1234", "key-1234-extended"])
        #expect(redactor.redact("key-1234-extended") == "***")
    }

    @Test func jsonEscapedFormIsCaughtToo() {
        let secret = #"pa"ss\word-0123"#
        let redactor = SecretRedactor(secrets: [secret])
        #expect(redactor.redact(#"{"k":"pa\"ss\\word-0123"}"#) == #"{"k":"***"}"#)
    }

    @Test func environmentSecretsAreFoundByName() {
        let redactor = SecretRedactor.environment([
            "BINANCE_API_KEY": testAPIKeyValue,
            "EXCHANGE_SECRET": "exchange-secret-value",
            "db_password": "correct-horse-battery",
            "STRATUM_CONTROL_TOKEN": testTokenValue,
            "HOME": "/home/trader",
            "FEATURE_FLAG_KEY": "true",
        ])
        let text = "\(testAPIKeyValue) exchange-secret-value correct-horse-battery \(testTokenValue) /home/trader true"
        #expect(redactor.redact(text) == "*** *** *** *** /home/trader true")
    }

    @Test func statusNeverShowsTheTokenOrAnEnvironmentKey() async throws {
        let target = StubTarget()
        await target.set(strategy: "leaky \(testTokenValue) \(testAPIKeyValue)")
        try await ControlHarness.run(target: target) { harness in
            let reply = try await harness.get("/status")
            #expect(reply.status == .ok)
            #expect(!reply.text.contains(testTokenValue))
            #expect(!reply.text.contains(testAPIKeyValue))
            #expect(try reply.decode(StatusSnapshot.self).strategy == "leaky *** ***")
        }
    }

    @Test func refusedReloadDiagnosticsAreRedactedInBodyAndLog() async throws {
        let target = StubTarget(nextReload: .refused(diagnostics: "strategy.yaml:3:12: error[E301]: api_key '\(testAPIKeyValue)' must come from the environment"))
        try await ControlHarness.run(target: target) { harness in
            let reply = try await harness.post("/reload", token: testTokenValue)
            #expect(reply.status == .unprocessableContent)
            #expect(!reply.text.contains(testAPIKeyValue))
            #expect(reply.text.contains("api_key '***'"))
            #expect(harness.log.text.contains("reload refused"))
            #expect(!harness.log.text.contains(testAPIKeyValue))
        }
    }

    @Test func errorBodiesAndLogsNeverShowSecrets() async throws {
        try await ControlHarness.run { harness in
            let replies = [
                try await harness.post("/kill", token: testAPIKeyValue, body: #"{"reason":"x"}"#),
                try await harness.post("/kill", token: testTokenValue, body: #"{"reason": \#(testTokenValue)}"#),
                try await harness.post("/kill", token: testTokenValue, body: #"{"reason": "rotate \#(testAPIKeyValue)"}"#),
                try await harness.post("/resume", token: testTokenValue, body: #"{"reason":"\#(testTokenValue)"}"#),
            ]
            #expect(replies.map(\.status) == [.unauthorized, .badRequest, .ok, .ok])
            for reply in replies {
                #expect(!reply.text.contains(testTokenValue))
                #expect(!reply.text.contains(testAPIKeyValue))
            }
            #expect(harness.log.text.contains("kill accepted"))
            #expect(!harness.log.text.contains(testTokenValue))
            #expect(!harness.log.text.contains(testAPIKeyValue))
        }
    }
}
