import Agents

/// Where a runner stands, for readiness and status.
public struct LiveRunnerProgress: Sendable, Equatable {
    /// Between the start of `run()` and its end.
    public var running = false
    /// Bars taken since the strategy first started (a restored run counts on).
    public var barsProcessed: UInt64 = 0
    public var lastBarTimestamp: Int64?
    /// A finite feed delivered its last bar and every bar went through.
    public var feedEnded = false
    /// Agent actors stopped and not restarted yet.
    public var agentsDown = 0
}

public enum LiveRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    case notRunning
    case agentDown(AgentID)
    case transformFailed(String)
    /// `.runner` names the runner itself, which has no actor.
    case notAnAgent

    public var description: String {
        switch self {
        case .notAnAgent: "the runner has no actor to stop or restart; name one of the seven agents"
        case .notRunning: "the runner is not running (not started yet, or shut down)"
        case .agentDown(let agent): "agent \(agent.operatorName) is down; restart it first"
        case .transformFailed(let reason): "the change to the agents was refused, nothing changed: \(reason)"
        }
    }
}
