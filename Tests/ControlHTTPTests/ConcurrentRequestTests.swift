import ControlHTTP
import Runtime
import Testing

/// Many clients at once, each on its own connection, reading and commanding.
@Suite struct ConcurrentRequestTests {
    @Test func mixedRequestsAllAnswerCorrectly() async throws {
        let metrics = RuntimeMetrics()
        try await ControlHarness.run(metrics: metrics) { harness in
            let rounds = 12
            let results = try await withThrowingTaskGroup(of: (String, Reply).self) { group in
                for round in 0..<rounds {
                    group.addTask { ("/status", try await harness.get("/status")) }
                    group.addTask { ("/metrics", try await harness.get("/metrics")) }
                    group.addTask { ("/live", try await harness.get("/live")) }
                    group.addTask { ("/kill", try await harness.post("/kill", token: testTokenValue, body: #"{"reason":"round \#(round)"}"#)) }
                    group.addTask { ("/kill?anonymous", try await harness.post("/kill", body: #"{"reason":"anonymous"}"#)) }
                    group.addTask {
                        metrics.barsProcessed()
                        return ("/ready", try await harness.get("/ready"))
                    }
                }
                var collected: [(String, Reply)] = []
                for try await result in group { collected.append(result) }
                return collected
            }
            #expect(results.count == rounds * 6)
            for (path, reply) in results {
                #expect(reply.status == (path == "/kill?anonymous" ? .unauthorized : .ok), "\(path)")
                if path == "/status" { #expect(throws: Never.self) { try reply.decode(StatusSnapshot.self) } }
                if path == "/metrics" { #expect(throws: Never.self) { try PrometheusText(reply.text) } }
            }
            let reasons = await harness.target.killReasons
            #expect(Set(reasons) == Set((0..<rounds).map { "round \($0)" }))
            #expect(reasons.count == rounds)
            let exposition = try PrometheusText(try await harness.get("/metrics").text)
            #expect(exposition.value("stratum_bars_processed_total") == Double(rounds))
        }
    }
}
