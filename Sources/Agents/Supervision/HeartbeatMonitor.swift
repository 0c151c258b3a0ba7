/// How each agent is doing, as its heartbeats tell.
public enum AgentCondition: String, Sendable, Equatable, Codable, CaseIterable {
    /// Heartbeats arrive on time.
    case healthy
    /// At least one heartbeat is late; not yet restarted.
    case lagging
    /// Being restarted from its persisted state, after a backoff delay.
    case restarting
    /// Past its restart limit: the strategy is halted.
    case failed
}

/// The last heartbeat of every agent, and which ones are overdue at a given moment.
///
/// Time comes from the timestamps of the messages the runner passes in, never from a clock,
/// so a test can replay a sequence of heartbeats and get the same verdicts. An agent is watched
/// from its first heartbeat (or its start): an agent that never started cannot be late.
public struct HeartbeatMonitor: Sendable, Equatable {
    public let periodMicroseconds: Int64
    public let missedAllowed: Int
    public private(set) var lastHeartbeat: [AgentID: Int64] = [:]

    public init(periodMicroseconds: Int64, missedAllowed: Int) {
        self.periodMicroseconds = max(periodMicroseconds, 1)
        self.missedAllowed = max(missedAllowed, 1)
    }

    /// Records a heartbeat; a heartbeat older than the last one seen (reordered delivery) is ignored.
    public mutating func beat(_ agent: AgentID, at timestamp: Int64) {
        if let last = lastHeartbeat[agent], last >= timestamp { return }
        lastHeartbeat[agent] = timestamp
    }

    /// Stops watching an agent (while it is restarted, or once it has failed for good).
    public mutating func forget(_ agent: AgentID) {
        lastHeartbeat[agent] = nil
    }

    /// Heartbeats `agent` has missed by `now`: 0 while its next one is not yet overdue.
    ///
    /// The k-th heartbeat after the last is due at `last + k × period` and missed once `now`
    /// is past that moment, so a heartbeat arriving exactly on time is never counted missed.
    public func missed(_ agent: AgentID, at now: Int64) -> Int {
        guard let last = lastHeartbeat[agent], now > last else { return 0 }
        return Int((now - last - 1) / periodMicroseconds)
    }

    /// The agents with every allowed heartbeat missed, in start order.
    public func overdue(at now: Int64) -> [AgentID] {
        StartOrder.agents.filter { missed($0, at: now) >= missedAllowed }
    }
}
