import Agents
import Foundation

/// The last heartbeat, status and restart count of every agent: what the Supervisor watches
/// and `/status` reports.
///
/// Every agent actor reports a heartbeat after each piece of work and on every ping of the
/// runner's heartbeat cadence; an agent that stops taking work stops reporting. The board only
/// records: deciding that an agent missed its heartbeats, and restarting it, is the Supervisor's
/// job (`onHeartbeat` lets it listen without polling).
public final class AgentHealthBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [AgentID: Entry] = [:]
    private let onHeartbeat: (@Sendable (AgentID, Int64) -> Void)?

    struct Entry {
        var status: AgentHealth.Status = .healthy
        var restarts = 0
        var lastHeartbeatAt: Int64?
    }

    /// - Parameter onHeartbeat: called on the reporting actor's task with the agent and the time
    ///   (microseconds since the Unix epoch, UTC); keep it short.
    public init(onHeartbeat: (@Sendable (AgentID, Int64) -> Void)? = nil) {
        self.onHeartbeat = onHeartbeat
    }

    public func heartbeat(_ agent: AgentID, at time: Int64) {
        lock.withLock {
            entries[agent, default: Entry()].lastHeartbeatAt = time
            if entries[agent]?.status == .lagging { entries[agent]?.status = .healthy }
        }
        onHeartbeat?(agent, time)
    }

    /// Sets an agent's status (the Supervisor marks `lagging`, `restarting`, `failed`).
    public func mark(_ agent: AgentID, _ status: AgentHealth.Status) {
        lock.withLock { entries[agent, default: Entry()].status = status }
    }

    /// Counts a restart and marks the agent healthy again.
    public func restarted(_ agent: AgentID) {
        lock.withLock {
            entries[agent, default: Entry()].restarts += 1
            entries[agent]?.status = .healthy
        }
    }

    public func lastHeartbeat(_ agent: AgentID) -> Int64? {
        lock.withLock { entries[agent]?.lastHeartbeatAt }
    }

    /// Every agent in the Supervisor's start order.
    public func snapshot() -> [AgentHealth] {
        lock.withLock {
            LiveRoutes.startOrder.map { agent in
                let entry = entries[agent] ?? Entry()
                return AgentHealth(agent: agent, status: entry.status, restarts: entry.restarts, lastHeartbeatAt: entry.lastHeartbeatAt)
            }
        }
    }
}
