import Agents
import Foundation
import GRDB

/// What a runner needs when it starts on an existing state folder.
public struct RestoredState: Sendable, Equatable {
    /// Nil for a new folder.
    public var strategyID: String?
    /// Stays HALTED or REDUCING across restarts until an operator resumes.
    public var killSwitch: KillSwitch
    /// Every journaled bar in order: replay them through fresh agents to restore their state.
    public var journal: [JournalBar]
    /// Orders that may still trade (pending ones need reconciling with the venue first).
    public var openOrders: [StoredOrder]
    /// Recorded but never confirmed sent: ask the venue by client id before anything else.
    public var unconfirmedOrders: [StoredOrder] { openOrders.filter { $0.status == .pending } }
    /// The sequence the next bar must carry; nil when the journal is empty (any start is fine).
    public var nextSequence: UInt64? { journal.last.map { $0.sequence + 1 } }
}

extension StateStore {
    /// Everything a restart restores, read in one transaction so the parts agree.
    public func load() throws -> RestoredState {
        try read("the state") { db in
            let transition = try Self.lastKillSwitchTransition(db)
            return RestoredState(
                strategyID: try String.fetchOne(db, sql: "SELECT strategy_id FROM strategy"),
                killSwitch: transition.map(KillSwitch.init(restoring:)) ?? KillSwitch(),
                journal: try Row.fetchAll(db, sql: "SELECT * FROM journal ORDER BY seq").map(Self.journalBar),
                openOrders: try Self.orders(db, where: "o.status IN ('pending', 'sent', 'partially_filled')"))
        }
    }
}
