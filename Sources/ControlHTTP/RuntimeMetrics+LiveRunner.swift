import Agents
import Runtime

/// The actor runner reports into the control plane's metrics directly.
extension RuntimeMetrics: LiveMetricsRecorder {
    public func barProcessed() {
        barsProcessed(1)
    }

    public func agentHandled(_ agent: AgentID, in duration: Duration) {
        recordLatency(duration, agent: agent)
    }
}
