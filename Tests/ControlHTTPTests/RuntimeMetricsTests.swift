import Agents
import ControlHTTP
import Runtime
import Testing

/// What `GET /metrics` exposes, read line by line as Prometheus would.
@Suite struct RuntimeMetricsTests {
    static let counters = [
        "stratum_bars_processed_total", "stratum_orders_total", "stratum_fills_total",
        "stratum_order_rejects_total", "stratum_reloads_total", "stratum_agent_restarts_total",
    ]

    @Test func everySeriesExistsAtZeroBeforeTheFirstEvent() throws {
        let exposition = try PrometheusText(RuntimeMetrics().exposition())
        for counter in Self.counters {
            #expect(exposition.types[counter] == "counter", "\(counter)")
            #expect(exposition.help[counter]?.isEmpty == false, "\(counter)")
        }
        #expect(exposition.types["stratum_agent_latency_seconds"] == "histogram")
        #expect(exposition.value("stratum_bars_processed_total") == 0)
        #expect(exposition.value("stratum_reloads_total", ["result": "applied"]) == 0)
        #expect(exposition.value("stratum_reloads_total", ["result": "refused"]) == 0)
        for agent in AgentID.allCases {
            #expect(exposition.value("stratum_agent_restarts_total", ["agent": agent.operatorName]) == 0)
            #expect(exposition.value("stratum_agent_latency_seconds_count", ["agent": agent.operatorName]) == 0)
        }
    }

    @Test func countersCountWhatTheRuntimeReports() throws {
        let metrics = RuntimeMetrics()
        metrics.barsProcessed()
        metrics.barsProcessed(4)
        metrics.orderSent()
        metrics.orderSent()
        metrics.fillReceived()
        metrics.orderRejected()
        metrics.reloaded(.applied(PlanDiffSummary(added: [], removed: [], changed: [], unchangedCount: 3)))
        metrics.reloaded(.refused(diagnostics: "E104"))
        metrics.reloaded(.refused(diagnostics: "E104"))
        metrics.agentRestarted(.execution)
        let exposition = try PrometheusText(metrics.exposition())
        #expect(exposition.value("stratum_bars_processed_total") == 5)
        #expect(exposition.value("stratum_orders_total") == 2)
        #expect(exposition.value("stratum_fills_total") == 1)
        #expect(exposition.value("stratum_order_rejects_total") == 1)
        #expect(exposition.value("stratum_reloads_total", ["result": "applied"]) == 1)
        #expect(exposition.value("stratum_reloads_total", ["result": "refused"]) == 2)
        #expect(exposition.value("stratum_agent_restarts_total", ["agent": "execution"]) == 1)
        #expect(exposition.value("stratum_agent_restarts_total", ["agent": "signal"]) == 0)
    }

    /// Breaker series appear with a breaker's first move, one per breaker and state entered.
    @Test func breakerMovesAreCountedByBreakerAndState() throws {
        let metrics = RuntimeMetrics()
        #expect(try PrometheusText(metrics.exposition()).types["stratum_breaker_transitions_total"] == nil)
        let recorder: any LiveMetricsRecorder = metrics
        recorder.breakerChanged("feed:btc", to: "open")
        recorder.breakerChanged("feed:btc", to: "half_open")
        recorder.breakerChanged("feed:btc", to: "open")
        let exposition = try PrometheusText(metrics.exposition())
        #expect(exposition.types["stratum_breaker_transitions_total"] == "counter")
        #expect(exposition.value("stratum_breaker_transitions_total", ["breaker": "feed:btc", "to": "open"]) == 2)
        #expect(exposition.value("stratum_breaker_transitions_total", ["breaker": "feed:btc", "to": "half_open"]) == 1)
    }

    @Test func latencyHistogramIsCumulativePerAgent() throws {
        let metrics = RuntimeMetrics()
        metrics.recordLatency(.microseconds(30), agent: .signal)
        metrics.recordLatency(.milliseconds(2), agent: .signal)
        metrics.recordLatency(.seconds(3), agent: .signal)
        metrics.recordLatency(.microseconds(5), agent: .marketData)
        let exposition = try PrometheusText(metrics.exposition())
        let signal = ["agent": "signal"]
        func bucket(_ le: String, _ labels: [String: String] = signal) -> Double? {
            exposition.value("stratum_agent_latency_seconds_bucket", labels.merging(["le": le]) { $1 })
        }
        #expect(bucket("0.00001") == 0)
        #expect(bucket("0.00005") == 1)
        #expect(bucket("0.001") == 1)
        #expect(bucket("0.005") == 2)
        #expect(bucket("1.0") == 2)
        #expect(bucket("+Inf") == 3)
        #expect(exposition.value("stratum_agent_latency_seconds_count", signal) == 3)
        let sum = try #require(exposition.value("stratum_agent_latency_seconds_sum", signal))
        #expect(abs(sum - 3.00203) < 1e-9)
        #expect(bucket("0.00001", ["agent": "market_data"]) == 1)

        // Every agent's buckets never decrease and end at the count.
        for agent in AgentID.allCases {
            let buckets = exposition.samples.filter { $0.name == "stratum_agent_latency_seconds_bucket" && $0.labels["agent"] == agent.operatorName }
            #expect(buckets.count == RuntimeMetrics.latencyBuckets.count + 1)
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
            #expect(buckets.last?.labels["le"] == "+Inf")
            #expect(buckets.last?.value == exposition.value("stratum_agent_latency_seconds_count", ["agent": agent.operatorName]))
        }
    }

    @Test func readerRejectsMalformedText() {
        #expect(throws: PrometheusText.Problem.self) { try PrometheusText("stratum_x_total 1\n") }
        #expect(throws: PrometheusText.Problem.self) { try PrometheusText("# TYPE a counter\na{b=c} 1\n") }
        #expect(throws: PrometheusText.Problem.self) { try PrometheusText("# TYPE a counter\na one\n") }
    }
}
