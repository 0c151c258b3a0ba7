import ControlHTTP
import Runtime
import Testing

/// `GET /live`, `/ready`, `/status`, `/metrics`: open to anyone who can reach the loopback port.
@Suite struct ReadEndpointTests {
    @Test func liveAnswers200WithoutAsking() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get("/live")
            #expect(reply.status == .ok)
            #expect(try reply.decode([String: Bool].self) == ["live": true])
        }
    }

    @Test func readyAnswers200WhenEveryCheckPasses() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get("/ready")
            #expect(reply.status == .ok)
            let report = try reply.decode(ReadinessReport.self)
            #expect(report.isReady)
            #expect(reply.text.contains(#""ready":true"#))
        }
    }

    @Test func readyAnswers503WithTheReasonOfEachFailedCheck() async throws {
        let target = StubTarget(readiness: ReadinessReport(
            feedsConnected: .failed("binance kline stream: reconnecting (attempt 3)"),
            stateRestored: .passed,
            planRunning: .failed("warming up: 12 of 50 bars")
        ))
        try await ControlHarness.run(target: target) { harness in
            let reply = try await harness.get("/ready")
            #expect(reply.status == .serviceUnavailable)
            let report = try reply.decode(ReadinessReport.self)
            #expect(!report.isReady)
            #expect(report.feedsConnected.reason == "binance kline stream: reconnecting (attempt 3)")
            #expect(report.stateRestored == .passed)
            #expect(report.planRunning.reason == "warming up: 12 of 50 bars")
            #expect(reply.text.contains(#""ready":false"#))
        }
    }

    @Test func readyFollowsTheTargetBetweenRequests() async throws {
        let target = StubTarget()
        try await ControlHarness.run(target: target) { harness in
            let before = try await harness.get("/ready")
            await target.set(readiness: ReadinessReport(feedsConnected: .passed, stateRestored: .failed("replaying journal"), planRunning: .passed))
            let after = try await harness.get("/ready")
            #expect(before.status == .ok)
            #expect(after.status == .serviceUnavailable)
        }
    }

    @Test func statusIsTheSnapshotAsJSONWithSnakeCaseKeys() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get("/status")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/json; charset=utf-8")
            #expect(try reply.decode(StatusSnapshot.self) == .sample)
            for key in ["plan_hash", "bars_processed", "started_at_us", "unrealized_pnl", "last_heartbeat_at_us", "market_data"] {
                #expect(reply.text.contains(key), "missing \(key)")
            }
            #expect(reply.text.contains(#""state":"ACTIVE""#))
        }
    }

    @Test func metricsIsPrometheusText() async throws {
        let metrics = RuntimeMetrics()
        metrics.barsProcessed(7)
        try await ControlHarness.run(metrics: metrics) { harness in
            let reply = try await harness.get("/metrics")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let exposition = try PrometheusText(reply.text)
            #expect(exposition.value("stratum_bars_processed_total") == 7)
        }
    }

    @Test func unknownPathIs404() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get("/nope")
            #expect(reply.status == .notFound)
        }
    }

    @Test func commandsAreNotReachableWithGet() async throws {
        try await ControlHarness.run { harness in
            let reply = try await harness.get("/kill")
            #expect(reply.status != .ok)
            #expect(await harness.target.killReasons.isEmpty)
        }
    }
}
