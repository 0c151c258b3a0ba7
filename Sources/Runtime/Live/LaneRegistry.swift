import Agents
import AsyncAlgorithms
import Foundation

/// The inboxes of the running agent actors, shared with the heartbeat pinger.
final class LaneRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var inboxesByAgent: [AgentID: AsyncChannel<LaneJob>] = [:]

    func set(_ agent: AgentID, _ inbox: AsyncChannel<LaneJob>) { lock.withLock { inboxesByAgent[agent] = inbox } }
    func inbox(_ agent: AgentID) -> AsyncChannel<LaneJob>? { lock.withLock { inboxesByAgent[agent] } }
    func remove(_ agent: AgentID) -> AsyncChannel<LaneJob>? { lock.withLock { inboxesByAgent.removeValue(forKey: agent) } }
    var inboxes: [AsyncChannel<LaneJob>] {
        lock.withLock { LiveRoutes.startOrder.compactMap { inboxesByAgent[$0] } }
    }
}
