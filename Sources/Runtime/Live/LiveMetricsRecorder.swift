import Agents

/// Where the actor runner reports what it measures; the control plane's `RuntimeMetrics`
/// conforms (ControlHTTP), so Runtime stays free of any metrics library.
///
/// Called from agent actors and the runner per message and per bar: implementations must be
/// cheap and thread-safe.
public protocol LiveMetricsRecorder: Sendable {
    /// One bar went through every agent.
    func barProcessed()
    /// `agent` handled one message in `duration`.
    func agentHandled(_ agent: AgentID, in duration: Duration)
    /// Execution accepted an order for the venue.
    func orderSent()
    func fillReceived()
    /// The venue or a risk check rejected an order.
    func orderRejected()
    /// The runner restarted an agent's actor.
    func agentRestarted(_ agent: AgentID)
    /// A feed's or venue's circuit breaker moved to `state` (`open`, `half_open`, `closed`).
    func breakerChanged(_ breaker: String, to state: String)
}

extension LiveMetricsRecorder {
    public func breakerChanged(_ breaker: String, to state: String) {}

    /// Counts the orders, fills and rejects among `envelopes`.
    func count(_ envelopes: [Envelope]) {
        for envelope in envelopes {
            switch envelope.payload {
            case .order(let order) where order.status == .accepted: orderSent()
            case .order(let order) where order.status == .rejected: orderRejected()
            case .fill: fillReceived()
            case .executionError: orderRejected()
            default: break
            }
        }
    }
}
