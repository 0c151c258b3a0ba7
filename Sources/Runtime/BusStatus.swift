public import Agents

/// The message bus of a run whose agents talk over Redis (`/status`'s `bus`): whether it is
/// reachable now, its outages so far, and the Supervisor's breaker on it.
public struct BusStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Equatable, Codable {
        case connected
        /// At least one connection is down and reconnecting with backoff.
        case lost
    }

    /// The bus's address (`redis://HOST:PORT[/DB]`).
    public var endpoint: String
    public var state: State
    /// Outages since the process started (a restart of Redis is one).
    public var outages: Int
    /// The Supervisor's breaker on the bus: outages repeated within its window open it.
    public var breaker: CircuitBreaker.State
    /// The outage in progress or the last one; nil before the first.
    public var lastOutage: BusOutage?
    /// Incidents recorded for the bus, oldest first.
    public var incidents: [SupervisorIncident]

    public init(endpoint: String, state: State, outages: Int, breaker: CircuitBreaker.State, lastOutage: BusOutage?,
                incidents: [SupervisorIncident]) {
        self.endpoint = endpoint
        self.state = state
        self.outages = outages
        self.breaker = breaker
        self.lastOutage = lastOutage
        self.incidents = incidents
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, state, outages, breaker, lastOutage = "last_outage", incidents
    }
}

/// One time the bus was unreachable.
public struct BusOutage: Sendable, Equatable, Codable {
    /// Microseconds since the Unix epoch, UTC.
    public var startedAt: Int64
    /// Nil while it lasts.
    public var endedAt: Int64?
    /// How long the connection that waited longest was down (milliseconds); nil while it lasts.
    public var durationMilliseconds: Int?
    /// Why the first connection was lost.
    public var reason: String

    public init(startedAt: Int64, endedAt: Int64?, durationMilliseconds: Int?, reason: String) {
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationMilliseconds = durationMilliseconds
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at_us", endedAt = "ended_at_us", durationMilliseconds = "duration_ms", reason
    }
}
