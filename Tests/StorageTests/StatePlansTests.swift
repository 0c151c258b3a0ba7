import Foundation
import GRDB
import Testing
@testable import Storage

/// The `plans` table of state.sqlite: what a restart replays each stretch of the journal through.
/// Expected values are written out by hand from the rows inserted.
struct StatePlansTests {
    static let t0: Int64 = 1_700_000_000_000_000

    static func open(_ folder: TemporaryDirectory) throws -> StateStore {
        try StateStore.open(directory: folder.url.appendingPathComponent("state"), redacting: { $0 })
    }

    static func bar(_ sequence: UInt64) -> JournalBar {
        JournalBar(sequence: sequence, instrument: "GOOG", timestampMicros: t0 + Int64(sequence) * 60_000_000, open: 100, high: 101,
                   low: 99, close: 100, volume: 1_000)
    }

    static func plan(_ cause: JournaledPlan.Cause, from sequence: UInt64, name: String = "alpha", hash: Character = "a") -> JournaledPlan {
        JournaledPlan(fromSequence: sequence, cause: cause, strategy: name, path: "strategies/alpha.yaml", source: "strategy: { name: \(name) }\n",
                      models: ["momentum@prod": "v261125"], planHash: String(repeating: hash, count: 64), atMicros: t0)
    }

    @Test func plansReadBackInOrderWithTheAlertsBeforeThem() throws {
        let folder = try TemporaryDirectory()
        let store = try Self.open(folder)
        try store.bind(strategyID: "alpha", at: Self.t0)
        try store.recordPlan(Self.plan(.start, from: 0))
        for sequence in 0..<3 { try store.recordBar(Self.bar(UInt64(sequence))) }
        try store.recordAlert(kind: "runner.command", message: "halt", at: Self.t0)
        try store.recordAlert(kind: "runner.command", message: "resume", at: Self.t0)
        let reload = try store.recordPlan(Self.plan(.reload, from: 3, name: "alpha-2", hash: "b"))
        try store.close()

        let plans = try Self.open(folder).plans()
        #expect(plans.map(\.id) == [1, 2])
        #expect(plans.map(\.fromSequence) == [0, 3])
        // Two alerts (ids 1 and 2) came before the reload, none before the start.
        #expect(plans.map(\.lastAlertID) == [0, 2])
        #expect(plans.map(\.cause) == [.start, .reload])
        #expect(plans[1] == reload)
        #expect(plans[1].models == ["momentum@prod": "v261125"])
        #expect(plans[1].source == "strategy: { name: alpha-2 }\n")
    }

    @Test func aPlanCannotTakeOverBeforeAnEarlierOneOrPastTheJournal() throws {
        let folder = try TemporaryDirectory()
        let store = try Self.open(folder)
        for sequence in 0..<5 { try store.recordBar(Self.bar(UInt64(sequence))) }
        try store.recordPlan(Self.plan(.reload, from: 4))
        // Bars 0–4 journaled: the next bar is 5, so a plan may take over at 4 or 5, not at 3 or 6.
        #expect(throws: StorageError.self) { try store.recordPlan(Self.plan(.reload, from: 3)) }
        #expect(throws: StorageError.self) { try store.recordPlan(Self.plan(.reload, from: 6)) }
        try store.recordPlan(Self.plan(.reload, from: 5))
        #expect(throws: StorageError.self) { try store.recordPlan(Self.plan(.reload, from: 5, hash: "X")) }
        #expect(try store.plans().map(\.fromSequence) == [4, 5])
        #expect(throws: (any Error).self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE plans SET from_seq = 0") }
        }
        #expect(throws: (any Error).self) {
            try store.pool.write { db in try db.execute(sql: "DELETE FROM plans") }
        }
    }

    /// A strategy renamed by a reload is still the one the folder is bound to; another name is not.
    @Test func aStrategyRenamedByAReloadKeepsItsFolder() throws {
        let folder = try TemporaryDirectory()
        let store = try Self.open(folder)
        try store.bind(strategyID: "alpha", at: Self.t0)
        try store.recordPlan(Self.plan(.start, from: 0))
        #expect(throws: StorageError.self) { try store.bind(strategyID: "alpha-2", at: Self.t0) }
        try store.recordPlan(Self.plan(.reload, from: 0, name: "alpha-2"))
        try store.bind(strategyID: "alpha-2", at: Self.t0)
        try store.bind(strategyID: "alpha", at: Self.t0)
        #expect(throws: StorageError.self) { try store.bind(strategyID: "beta", at: Self.t0) }
        #expect(try store.strategyID() == "alpha", "order ids keep deriving from the bound name")
    }
}
