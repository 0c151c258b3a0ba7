import Agents
import Foundation
import GRDB
import Testing
@testable import Storage

private let t0: Int64 = 1_700_000_000_000_000
/// `t0 + n minutes`: 2023-11-14T22:13:20Z + n min.
private func minute(_ n: Int64) -> Int64 { t0 + n * 60_000_000 }

private func openStore(_ folder: TemporaryDirectory, redacting: @escaping @Sendable (String) -> String = { $0 }) throws -> StateStore {
    try StateStore.open(directory: folder.url.appendingPathComponent("state"), redacting: redacting)
}

private func bar(_ sequence: UInt64, _ instrument: String = "AAPL", close: Double = 100) -> JournalBar {
    JournalBar(sequence: sequence, instrument: instrument, timestampMicros: minute(Int64(sequence)), open: close, high: close + 1,
               low: close - 1, close: close, volume: 1_000)
}

/// The kill switch survives closing and reopening the real file: a restart stays halted until
/// a resume with a reason.
struct StateKillSwitchTests {
    @Test func aHaltSurvivesReopeningUntilAResumeWithAReason() throws {
        let folder = try TemporaryDirectory()
        var store = try openStore(folder)
        #expect(try store.killSwitch().state == .active, "a new folder starts ACTIVE")
        var supervision = Supervision(policy: SupervisionPolicy(), seed: 0, killSwitch: try store.killSwitch())
        for case .killSwitch(let transition) in supervision.handle(.kill(reason: "venue outage", actor: "alice", at: minute(1))) {
            try store.recordKillSwitch(transition)
        }
        try store.close()

        store = try openStore(folder)
        let restored = try store.killSwitch()
        #expect(restored.state == .halted && restored.reason == "venue outage" && restored.actor == "alice" && restored.atMicros == minute(1))
        supervision = Supervision(policy: SupervisionPolicy(), seed: 0, killSwitch: restored)
        #expect(supervision.trip(.drawdown(measured: 0.2, limit: 0.1), at: minute(2)).isEmpty, "still halted after the restart")
        #expect(throws: KillSwitchRefusal.blankReason) { try store.resume(reason: "   ", actor: "bob", at: minute(3)) }
        try store.close()

        store = try openStore(folder)
        #expect(try store.killSwitch().state == .halted, "a refused resume wrote nothing")
        let resumed = try store.resume(reason: "venue back, fills checked", actor: "bob", at: minute(4))
        #expect(resumed == KillSwitchTransition(from: .halted, to: .active, trigger: "resume", reason: "venue back, fills checked", actor: "bob", atMicros: minute(4)))
        #expect(throws: KillSwitchRefusal.notTripped) { try store.resume(reason: "again", actor: "bob", at: minute(5)) }
        // The running process learns of the resume and decides the same transition: nothing doubles.
        #expect(try store.recordKillSwitch(resumed) == false)
        try store.close()

        store = try openStore(folder)
        defer { try? store.close() }
        #expect(try store.killSwitch().state == .active)
        #expect(try store.killSwitchHistory().map(\.to) == [.halted, .active])
        #expect(try store.auditEntries().map(\.kind) == ["kill_switch.trip", "kill_switch.resume"])
        #expect(try store.verifyAudit() == .intact(rowCount: 2, head: AuditHead(seq: 2, hash: try store.auditEntries()[1].hash)))
    }

    @Test func aTransitionFromTheWrongStateIsRefused() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        let stale = KillSwitchTransition(from: .reducing, to: .halted, trigger: "command", reason: "x", actor: "a", atMicros: 1)
        #expect(throws: StorageError.self) { try store.recordKillSwitch(stale) }
        #expect(try store.killSwitchHistory().isEmpty)
    }
}

/// Client order ids, and the rule that an order already sent is never sent again.
struct StateOrderTests {
    /// SHA-256("sma_cross") = 50670e3381f1e8f6… (sha256sum); 1234 in base 36 is "ya" (34·36 + 10).
    @Test func clientOrderIDsAreDerivedFromStrategyBarAndIndex() {
        #expect(ClientOrderID(strategyID: "sma_cross", barSequence: 1234, index: 2).value == "s50670e3381-ya-2")
        #expect(ClientOrderID(strategyID: "sma_cross", barSequence: 0, index: 0).value == "s50670e3381-0-0")
        let longest = ClientOrderID(strategyID: "x", barSequence: .max, index: 1_679_615).value
        #expect(longest.count <= 36 && longest.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }, "\(longest)")
    }

    /// The process dies after recording an order and before sending it. The restart replays the
    /// journal, meets the order again, asks the venue, sends it once; a second restart sends nothing.
    @Test func aCrashBetweenPersistAndSendNeverSendsTwice() throws {
        let folder = try TemporaryDirectory()
        var sent = [String]()
        let intents = [
            OrderIntent(barSequence: 0, index: 0, instrument: "AAPL", side: .buy, quantity: 10, createdMicros: minute(0)),
            OrderIntent(barSequence: 0, index: 1, instrument: "AAPL", side: .sell, quantity: 5, kind: .limit, limitPrice: 101, createdMicros: minute(0)),
        ]
        /// One pass of a runner over bar 0; `crashBeforeSending` stops after recording the second order.
        func pass(crashBeforeSending: Bool) throws {
            let store = try openStore(folder)
            defer { try? store.close() }
            try store.bind(strategyID: "sma_cross", at: t0)
            try store.recordBar(bar(0))
            for intent in intents {
                switch try store.admit(intent) {
                case .send(let id):
                    if crashBeforeSending && intent.index == 1 { return }
                    sent.append(id.value)
                    try store.markSent(id.value, at: minute(0))
                case .reconcile(let order):
                    if !sent.contains(order.clientOrderID) { sent.append(order.clientOrderID) }
                    try store.markSent(order.clientOrderID, at: minute(0))
                case .alreadySent:
                    break
                }
            }
        }
        try pass(crashBeforeSending: true)
        #expect(sent == ["s50670e3381-0-0"])
        let store = try openStore(folder)
        #expect(try store.load().unconfirmedOrders.map(\.clientOrderID) == ["s50670e3381-0-1"])
        try store.close()
        try pass(crashBeforeSending: false)
        try pass(crashBeforeSending: false)
        #expect(sent == ["s50670e3381-0-0", "s50670e3381-0-1"])
        let reopened = try openStore(folder)
        defer { try? reopened.close() }
        #expect(try reopened.orders().map(\.status) == [.sent, .sent])
    }

    @Test func aReplayThatDivergesIsRefusedAndNothingIsSent() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        try store.bind(strategyID: "sma_cross", at: t0)
        try store.recordBar(bar(0))
        _ = try store.admit(OrderIntent(barSequence: 0, index: 0, instrument: "AAPL", side: .buy, quantity: 10, createdMicros: 0))
        #expect(throws: StorageError.self) {
            try store.admit(OrderIntent(barSequence: 0, index: 0, instrument: "AAPL", side: .buy, quantity: 11, createdMicros: 0))
        }
        #expect(throws: StorageError.self, "another strategy may not use the folder") { try store.bind(strategyID: "other", at: t0) }
    }

    @Test func fillsAreStoredOnceAndNeverExceedTheOrder() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        try store.bind(strategyID: "s", at: t0)
        try store.recordBar(bar(0))
        guard case .send(let id) = try store.admit(OrderIntent(barSequence: 0, index: 0, instrument: "AAPL", side: .buy, quantity: 10, createdMicros: 0))
        else { Issue.record("not new"); return }
        let fill = FillReport(clientOrderID: id.value, venueFillID: "t1", quantity: 4, price: 100, fee: 0.1, timestampMicros: 1)
        #expect(try store.recordFill(fill))
        #expect(try store.recordFill(fill) == false, "re-delivered")
        #expect(try store.order(id.value)?.status == .partiallyFilled, "a fill also proves the order was sent")
        #expect(throws: StorageError.self) {
            try store.recordFill(FillReport(clientOrderID: id.value, venueFillID: "t2", quantity: 7, price: 100, fee: 0, timestampMicros: 2))
        }
        try store.recordFill(FillReport(clientOrderID: id.value, venueFillID: "t3", quantity: 6, price: 101, fee: 0, timestampMicros: 3))
        let filled = try #require(try store.order(id.value))
        #expect(filled.status == .filled && filled.filledQuantity == 10)
        #expect(try store.openOrders().isEmpty)
    }
}

/// The journal: in sequence, append-only, re-deliveries accepted only when identical.
struct StateJournalTests {
    @Test func barsAreJournaledInSequence() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        #expect(try store.recordBar(bar(5)), "the first bar may have any sequence")
        #expect(try store.recordBar(bar(6)))
        #expect(try store.recordBar(bar(6)) == false, "the same bar again is not new")
        #expect(throws: StorageError.self) { try store.recordBar(bar(6, close: 99)) }
        #expect(throws: StorageError.self) { try store.recordBar(bar(8)) }
        #expect(try store.journal().map(\.sequence) == [5, 6])
        #expect(try store.load().nextSequence == 7)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func anotherSQLiteFileIsNotTakenForState() throws {
        let folder = try TemporaryDirectory()
        let other = folder.url.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: other.appendingPathComponent(StateStore.fileName).path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (text TEXT)") }
        try queue.close()
        #expect(throws: StorageError.self) { try openStore(folder) }
    }

    @Test func theSchemaIsWALWithFullSync() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        let (mode, sync) = try store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(sync == 2, "2 is FULL")
    }
}

/// Incidents in SQLite and as markdown, with secrets redacted; the handoff note from a seeded
/// store, its expected text written out by hand.
struct StateRecordsTests {
    @Test func incidentsAreWrittenAsRedactedMarkdown() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder, redacting: { $0.replacingOccurrences(of: "key-9f8e7d6c5b4a", with: "***") })
        defer { try? store.close() }
        let stored = try store.recordIncident(SupervisorIncident(
            atMicros: minute(12) + 123, subject: "execution", severity: .critical,
            summary: "agent execution failed after 5 restarts (last: 401 for api key key-9f8e7d6c5b4a)", restartsTried: 5,
            remedy: "fix the key, restart, then `stratum resume`"))
        #expect(stored.file == "incidents/20231114T222520Z-1-execution.md")
        let text = try String(contentsOf: store.directory.appendingPathComponent(stored.file), encoding: .utf8)
        #expect(text == """
            # Incident 1: execution

            | | |
            |---|---|
            | When (UTC) | 2023-11-14T22:25:20.000123Z |
            | Agent | execution |
            | Severity | critical |
            | Restarts tried | 5 |

            ## What happened

            agent execution failed after 5 restarts (last: 401 for api key ***)

            ## What to do

            fix the key, restart, then `stratum resume`

            """)
        #expect(try store.incidents().map(\.incident.summary) == ["agent execution failed after 5 restarts (last: 401 for api key ***)"])
        #expect(try !store.auditEntries().contains { $0.payload.contains("key-9f8e7d6c5b4a") })
    }

    /// Hand computation (average cost): buy 10 AAPL @ 100 (fee 1), sell 4 @ 110 (fee 0.5) realizes
    /// 4 × 10 = 40; 6 left at 100, marked at AAPL's last close 105: +30. After the first handoff,
    /// sell 2 MSFT @ 51 (fee 0.25) opens a short marked at 50: −2 × (50 − 51) = +2. Fees 1.75;
    /// net since the handoff: (40 − 1.75) − (40 − 1.5) = −0.25.
    @Test func handoffNoteFromASeededStore() throws {
        let folder = try TemporaryDirectory()
        let store = try openStore(folder)
        defer { try? store.close() }
        try store.bind(strategyID: "sma_cross", at: t0)
        try store.recordBar(bar(0, close: 100))
        try store.recordBar(bar(1, close: 110))
        try store.recordBar(bar(2, "MSFT", close: 50))
        try store.recordBar(bar(3, close: 105))
        func order(_ seq: UInt64, _ instrument: String, _ side: OrderSide, _ quantity: Double, limit: Double? = nil) throws -> String {
            let intent = OrderIntent(barSequence: seq, index: 0, instrument: instrument, side: side, quantity: quantity,
                                     kind: limit == nil ? .market : .limit, limitPrice: limit, createdMicros: minute(Int64(seq)))
            guard case .send(let id) = try store.admit(intent) else { throw StorageError(kind: .rejected, path: "", problem: "", remedy: "") }
            return id.value
        }
        let buy = try order(0, "AAPL", .buy, 10)
        try store.markSent(buy, at: minute(0))
        try store.recordFill(FillReport(clientOrderID: buy, venueFillID: "1", quantity: 10, price: 100, fee: 1, timestampMicros: minute(0)))
        let sell = try order(1, "AAPL", .sell, 4)
        try store.recordFill(FillReport(clientOrderID: sell, venueFillID: "2", quantity: 4, price: 110, fee: 0.5, timestampMicros: minute(1)))
        let short = try order(2, "MSFT", .sell, 2, limit: 51)
        try store.markSent(short, at: minute(2))
        _ = try order(3, "AAPL", .buy, 3, limit: 104)
        try store.recordIncident(SupervisorIncident(atMicros: minute(5), subject: "feature", severity: .warning, summary: "restarted", restartsTried: 1, remedy: "none"))
        try store.recordReloadApplied(diff: ["changed": ["sma_fast"]], at: minute(6))

        let first = try store.handoffNote(at: minute(10))
        #expect(first.pnl == HandoffNote.PnL(realized: 40, unrealized: 30, fees: 1.5, netSinceLastHandoff: 38.5))
        #expect(first.incidents.count == 1 && first.reloads.count == 1 && first.openOrders.count == 2)
        try store.markHandoff(first, actor: "alice", at: minute(10))

        try store.recordFill(FillReport(clientOrderID: short, venueFillID: "3", quantity: 2, price: 51, fee: 0.25, timestampMicros: minute(11)))
        try store.recordIncident(SupervisorIncident(
            atMicros: minute(12), subject: "execution", severity: .critical, summary: "agent execution failed after 5 restarts (last: timeout)",
            restartsTried: 5, remedy: "restart"))
        try store.recordReloadRefused(diagnostics: "strategy.yaml:4:3: error[E104]: unknown indicator 'smaa'\n  sma: smaa(close, 10)", at: minute(13))
        try store.recordAlert(kind: "max_leverage", message: "leverage 2.1 above the limit 2", at: minute(14))
        try store.recordKillSwitch(KillSwitchTransition(from: .active, to: .halted, trigger: "drawdown", reason: "drawdown 0.12 reached the limit 0.1",
                                                        actor: "supervisor", atMicros: minute(15)))

        let second = try store.handoffNote(at: minute(20))
        #expect(second.text == """
            Handoff: sma_cross at 2023-11-14T22:33:20Z (previous handoff: 2023-11-14T22:23:20Z)
            State: HALTED since 2023-11-14T22:28:20Z by supervisor: drawdown 0.12 reached the limit 0.1

            Positions (2)
              AAPL  6  avg 100  mark 105  unrealized 30.00
              MSFT  -2  avg 51  mark 50  unrealized 2.00

            P&L: realized 40.00, unrealized 32.00, fees 1.75, net since last handoff -0.25

            Open orders (1)
              s50670e3381-3-0  buy 3 AAPL  limit @ 104  pending  filled 0

            Incidents since the last handoff (1)
              2023-11-14T22:25:20Z  execution  critical  agent execution failed after 5 restarts (last: timeout)  (incidents/20231114T222520Z-2-execution.md)

            Reloads since the last handoff (1)
              2023-11-14T22:26:20Z  refused  strategy.yaml:4:3: error[E104]: unknown indicator 'smaa'

            Alerts since the last handoff (1)
              2023-11-14T22:27:20Z  max_leverage  leverage 2.1 above the limit 2

            """)
        try store.markHandoff(second, actor: "bob", at: minute(20))
        let third = try store.handoffNote(at: minute(30))
        #expect(third.incidents.isEmpty && third.reloads.isEmpty && third.alerts.isEmpty)
        #expect(third.pnl.netSinceLastHandoff == 0)
        #expect(try store.auditEntries().map(\.kind).filter { $0 == "handoff.marked" }.count == 2)
    }
}
