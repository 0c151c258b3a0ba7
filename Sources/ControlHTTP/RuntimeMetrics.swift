public import Agents
public import Prometheus
public import Runtime

/// The counters and histograms of a running strategy, served by `GET /metrics`.
///
/// The runtime updates it as it works; every metric exists from the start (at zero) so a dashboard
/// sees each series before the first event. Updates are lock-protected increments inside
/// swift-prometheus and allocate nothing, so the runner can call them per bar.
public final class RuntimeMetrics: Sendable {
    /// Every metric name starts with this, as Prometheus naming recommends.
    public static let namespace = "stratum"
    /// From 10 µs to 1 s: an agent handles a message in microseconds; a reload warm-up takes longer.
    public static let latencyBuckets: [Duration] = [
        .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500),
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        .milliseconds(100), .milliseconds(500), .seconds(1),
    ]

    public let registry: PrometheusCollectorRegistry
    private let barsProcessed: Counter
    private let orders: Counter
    private let fills: Counter
    private let rejects: Counter
    private let reloadsApplied: Counter
    private let reloadsRefused: Counter
    /// Indexed by `AgentID.rawValue`: no dictionary lookup on the hot path.
    private let latency: [DurationHistogram]
    private let restarts: [Counter]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        barsProcessed = registry.makeCounter(descriptor: Self.name("bars_processed", "total", "Bars pushed through the plan."))
        orders = registry.makeCounter(descriptor: Self.name("orders", "total", "Orders sent to the venue."))
        fills = registry.makeCounter(descriptor: Self.name("fills", "total", "Fills received from the venue."))
        rejects = registry.makeCounter(descriptor: Self.name("order_rejects", "total", "Orders the venue or the risk checks rejected."))
        let reloads = Self.name("reloads", "total", "Reloads of the strategy file or registry tags, by result.")
        reloadsApplied = registry.makeCounter(descriptor: reloads, labels: [("result", "applied")])
        reloadsRefused = registry.makeCounter(descriptor: reloads, labels: [("result", "refused")])
        let latencyName = Self.name("agent_latency", "seconds", "Time an agent takes to handle one message.")
        let restartName = Self.name("agent_restarts", "total", "Agent restarts by the Supervisor.")
        let agents = AgentID.allCases.sorted { $0.rawValue < $1.rawValue }
        precondition(agents.map(\.rawValue) == Array(0..<UInt8(agents.count)), "AgentID raw values index the metric arrays")
        latency = agents.map {
            registry.makeDurationHistogram(descriptor: latencyName, labels: [("agent", $0.operatorName)], buckets: Self.latencyBuckets)
        }
        restarts = agents.map { registry.makeCounter(descriptor: restartName, labels: [("agent", $0.operatorName)]) }
    }

    public func barsProcessed(_ count: Int = 1) {
        barsProcessed.increment(by: Int64(count))
    }

    public func recordLatency(_ duration: Duration, agent: AgentID) {
        latency[Int(agent.rawValue)].record(duration)
    }

    public func orderSent() {
        orders.increment()
    }

    public func fillReceived() {
        fills.increment()
    }

    public func orderRejected() {
        rejects.increment()
    }

    public func reloaded(_ outcome: ReloadOutcome) {
        switch outcome {
        case .applied: reloadsApplied.increment()
        case .refused: reloadsRefused.increment()
        }
    }

    public func agentRestarted(_ agent: AgentID) {
        restarts[Int(agent.rawValue)].increment()
    }

    /// A feed's or venue's circuit breaker moved (`feed:NAME`, to `open`, `half_open` or `closed`).
    ///
    /// The series appear with a breaker's first move: names are known only once a feed runs.
    /// Moves are rare, so looking the counter up in the registry each time costs nothing that matters.
    public func breakerChanged(_ breaker: String, to state: String) {
        let name = Self.name("breaker_transitions", "total", "Moves of the feeds' and venues' circuit breakers, by the state entered.")
        registry.makeCounter(descriptor: name, labels: [("breaker", breaker), ("to", state)]).increment()
    }

    /// The Prometheus text exposition format, version 0.0.4.
    public func exposition() -> String {
        registry.emitToString()
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: namespace, metricName: metric, unitName: unit, helpText: help)
    }
}
