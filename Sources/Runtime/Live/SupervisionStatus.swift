public import Agents

/// What `/status` shows of supervision beside each agent's health: the circuit breakers that
/// have moved, the last incidents, and why the kill switch is where it is.
public struct SupervisionStatus: Sendable, Equatable, Codable {
    public struct Breaker: Sendable, Equatable, Codable {
        /// `feed:NAME` or `venue:NAME`.
        public var name: String
        public var state: CircuitBreaker.State
        /// When it entered that state, microseconds since the Unix epoch, UTC.
        public var since: Int64

        public init(name: String, state: CircuitBreaker.State, since: Int64) {
            self.name = name
            self.state = state
            self.since = since
        }

        enum CodingKeys: String, CodingKey {
            case name, state, since = "since_us"
        }
    }

    public var breakers: [Breaker]
    /// The last incidents of this process, oldest first.
    public var incidents: [SupervisorIncident]
    /// Why the kill switch left ACTIVE; nil while it is ACTIVE.
    public var killSwitchReason: String?

    public init(breakers: [Breaker], incidents: [SupervisorIncident], killSwitchReason: String?) {
        self.breakers = breakers
        self.incidents = incidents
        self.killSwitchReason = killSwitchReason
    }

    enum CodingKeys: String, CodingKey {
        case breakers, incidents, killSwitchReason = "kill_switch_reason"
    }
}
