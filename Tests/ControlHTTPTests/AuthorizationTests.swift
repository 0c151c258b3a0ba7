import ControlHTTP
import Hummingbird
import Testing

/// Mutating endpoints need `Authorization: Bearer <token>`; reading endpoints do not.
@Suite struct AuthorizationTests {
    static let mutating = ["/reload", "/kill", "/resume"]

    @Test(arguments: mutating)
    func missingTokenAnswers401WithAChallenge(path: String) async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post(path, body: #"{"reason":"test"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.headers[.wwwAuthenticate] == #"Bearer realm="stratum-control""#)
            #expect(reply.error == "missing bearer token")
            #expect(await harness.target.reloads == 0)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }

    @Test(arguments: mutating)
    func wrongTokenAnswers401(path: String) async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post(path, token: "ctl-7f3a9c1e5b2d4a6f8e0d", body: #"{"reason":"test"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.error == "wrong bearer token")
            #expect(await harness.target.reloads == 0)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }

    @Test(arguments: [
        "Basic \(testTokenValue)",
        "Bearer",
        "Bearer ",
        testTokenValue,
        "Bearer \(testTokenValue)x",
        "Bearer \(testTokenValue.dropLast())",
    ])
    func malformedOrNearMissHeaderAnswers401(header: String) async throws {
        try await ControlHarness.run { harness in
            var headers = HTTPFields()
            headers[.authorization] = header
            let reply = try await harness.send(.post, "/kill", headers: headers, body: #"{"reason":"test"}"#)
            #expect(reply.status == .unauthorized)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }

    @Test func schemeIsCaseInsensitive() async throws {
        try await ControlHarness.run { harness in
            var headers = HTTPFields()
            headers[.authorization] = "bearer \(testTokenValue)"
            let reply = try await harness.send(.post, "/reload", headers: headers)
            #expect(reply.status == .ok)
        }
    }

    /// Authorisation comes before the body is read: an anonymous caller learns nothing of it.
    @Test func missingTokenWinsOverAMissingReason() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.post("/kill")
            #expect(reply.status == .unauthorized)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }

    @Test func withoutAConfiguredTokenCommandsAnswer403() async throws {
        try await ControlHarness.run(token: nil) { harness in
            for path in Self.mutating {
                let reply = try await harness.post(path, token: testTokenValue, body: #"{"reason":"test"}"#)
                #expect(reply.status == .forbidden)
                #expect(reply.error?.contains("STRATUM_CONTROL_TOKEN") == true)
            }
            #expect(try await harness.get("/status").status == .ok)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }

    @Test(arguments: ["/live", "/ready", "/status", "/metrics"])
    func readingNeedsNoToken(path: String) async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get(path)
            #expect(reply.status == .ok)
        }
    }

    @Test func wrongTokenIsLoggedWithoutEitherToken() async throws {
        let guess = "guess-0123456789abcdef"
        try await ControlHarness.run { harness in
            _ = try await harness.post("/kill", token: guess, body: #"{"reason":"test"}"#)
            let log = harness.log.text
            #expect(log.contains("wrong token"))
            #expect(!log.contains(guess))
            #expect(!log.contains(testTokenValue))
        }
    }
}
