import StrategyDSL

/// The numbers supervision works with, taken from the strategy's `supervisor:` and
/// `execution.kill_switch:` sections. All durations are microseconds.
public struct SupervisionPolicy: Sendable, Equatable {
    /// How often every agent sends a heartbeat.
    public var heartbeatMicroseconds: Int64
    /// Heartbeats an agent may miss before it is restarted.
    public var missedHeartbeats: Int
    public var backoff: RestartBackoff
    public var breaker: CircuitBreaker.Settings
    /// Silence from a feed after which the kill switch trips; nil: never.
    public var feedTimeoutMicroseconds: Int64?
    /// Silence from the venue after which the kill switch trips; nil: never.
    public var venueTimeoutMicroseconds: Int64?
    /// The state the kill switch enters (restart-limit failures always halt).
    public var killSwitchAction: RiskSpec.DrawdownAction

    public init(
        heartbeatMicroseconds: Int64 = 1_000_000, missedHeartbeats: Int = 3, backoff: RestartBackoff = RestartBackoff(),
        breaker: CircuitBreaker.Settings = CircuitBreaker.Settings(), feedTimeoutMicroseconds: Int64? = nil,
        venueTimeoutMicroseconds: Int64? = nil, killSwitchAction: RiskSpec.DrawdownAction = .halt
    ) {
        self.heartbeatMicroseconds = heartbeatMicroseconds
        self.missedHeartbeats = missedHeartbeats
        self.backoff = backoff
        self.breaker = breaker
        self.feedTimeoutMicroseconds = feedTimeoutMicroseconds
        self.venueTimeoutMicroseconds = venueTimeoutMicroseconds
        self.killSwitchAction = killSwitchAction
    }

    /// The policy a strategy file declares (defaults fill what it leaves out).
    public init(supervisor: SupervisorSpec, killSwitch: ExecutionSpec.KillSwitch) {
        self.init(
            heartbeatMicroseconds: supervisor.heartbeatMicroseconds,
            missedHeartbeats: supervisor.missedHeartbeats,
            backoff: RestartBackoff(
                baseMicroseconds: supervisor.backoffMicroseconds, factor: 2,
                capMicroseconds: supervisor.maxBackoffMicroseconds, jitter: RestartBackoff.defaultJitter,
                maxRestarts: supervisor.maxRestarts),
            breaker: CircuitBreaker.Settings(
                errors: supervisor.breakerErrors, windowMicroseconds: supervisor.breakerWindowMicroseconds,
                cooldownMicroseconds: supervisor.breakerCooldownMicroseconds),
            feedTimeoutMicroseconds: killSwitch.feedTimeoutMicroseconds,
            venueTimeoutMicroseconds: killSwitch.venueTimeoutMicroseconds,
            killSwitchAction: killSwitch.action)
    }

    /// Silence after which an agent counts as failed: every one of its missed heartbeats overdue.
    public var heartbeatDeadlineMicroseconds: Int64 { heartbeatMicroseconds * Int64(missedHeartbeats) }
}
