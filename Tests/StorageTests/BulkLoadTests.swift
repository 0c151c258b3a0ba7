import Foundation
import GRDB
import Testing
@testable import Storage

/// A run database filled in one transaction, as `stratum backtest` fills it.
@Suite struct BulkLoadTests {
    static func bar(_ timestamp: Int64) -> BarRecord {
        BarRecord(instrument: "BTCUSD", timestampMicros: timestamp, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10)
    }

    @Test("rows, order updates and the audit chain land in an ordinary WAL run database")
    func loadsARun() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        try store.bulkLoad { loader in
            for index in 0..<1_000 {
                try loader.append(bar: Self.bar(Int64(index) * 60_000_000))
                try loader.append(equity: EquityPoint(timestampMicros: Int64(index) * 60_000_000, cash: 100, equity: 100, drawdown: 0))
            }
            try loader.insert(order: Fixture.order("o1", status: .accepted, quantity: 2, updated: 1_000))
            try loader.record(fill: FillRecord(fillID: "o1-f1", clientOrderID: "o1", timestampMicros: 2_000, quantity: 2,
                                               price: 42_000, fee: 1, liquidity: .taker))
            try loader.update(order: "o1", status: .filled, updatedMicros: 2_000)
            try loader.append(position: PositionRecord(instrument: "BTCUSD", timestampMicros: 2_000, quantity: 2, averagePrice: 42_000))
            try loader.appendAudit(AuditEvent(kind: "execution.fill", canonicalJSON: #"{"order":1}"#, at: 2_000))
        }
        try store.appendAudit(kind: "feed.summary", payload: ["rows": 1_000], at: 3_000)
        try store.markCompleted(at: Fixture.manifest().createdMicros + 4_000)
        try store.finishBulkLoad()

        let reader = try RunStore.openReadOnly(at: url)
        defer { try? reader.close() }
        // run.created, the fill, the feed summary, run.completed: four rows, every link intact.
        guard case .intact(let rows, _) = try reader.verifyAudit() else {
            Issue.record("the audit chain is broken")
            return
        }
        #expect(rows == 4)
        let raw = try rawConnection(url)
        try raw.read { db throws in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bars") == 1_000)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM equity") == 1_000)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM orders WHERE client_order_id = 'o1'") == "filled")
            #expect(try Int64.fetchOne(db, sql: "SELECT updated_us FROM orders WHERE client_order_id = 'o1'") == 2_000)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM run") == "completed")
        }
        try raw.close()
    }

    @Test("a row the schema refuses names the record and rolls the whole load back")
    func refusesABadRow() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        #expect {
            try store.bulkLoad { loader in
                try loader.append(bar: Self.bar(0))
                try loader.append(bar: Self.bar(0))
            }
        } throws: { error in
            guard let error = error as? StorageError else { return false }
            return error.kind == .rejected && error.problem.contains("bar BTCUSD at ts_us 0")
        }
        try store.close()
        let raw = try rawConnection(url)
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM bars") } == 0)
        try raw.close()
    }

    @Test("an order that leaves a final status is refused")
    func finalStatusStays() throws {
        let folder = try TemporaryDirectory()
        let store = try RunStore.createForBulkLoad(at: folder.file(RunStore.fileName), manifest: Fixture.manifest())
        defer { try? store.close() }
        #expect(throws: StorageError.self) {
            try store.bulkLoad { loader in
                try loader.insert(order: Fixture.order("o1", status: .filled))
                try loader.update(order: "o1", status: .accepted, updatedMicros: 2_000)
            }
        }
    }

    @Test("fills adding up to more than their order are refused when the load ends, and the trigger is back")
    func fillsWithinOrder() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        defer { try? store.close() }
        #expect {
            try store.bulkLoad { loader in
                try loader.insert(order: Fixture.order("o1", quantity: 2))
                for index in 1...3 {
                    try loader.record(fill: FillRecord(fillID: "o1-f\(index)", clientOrderID: "o1", timestampMicros: 2_000, quantity: 1,
                                                       price: 42_000, fee: 0, liquidity: .taker))
                }
            }
        } throws: { error in
            (error as? StorageError)?.problem.contains("the fills of order o1") == true
        }
        // Rolled back, and the row-by-row rule applies again to ordinary writes.
        try store.record(order: Fixture.order("o2", quantity: 1))
        #expect(throws: StorageError.self) {
            try store.record(fills: [FillRecord(fillID: "o2-f1", clientOrderID: "o2", timestampMicros: 2_000, quantity: 2,
                                                price: 42_000, fee: 0, liquidity: .taker)])
        }
        let raw = try rawConnection(url)
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM fills") } == 0)
        #expect(try raw.read { db throws in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('audit_follows_head', 'audit_sealed_when_finished', 'fills_within_order')")
        } == 3)
        try raw.close()
    }

    @Test("a finished run's audit log takes no more rows from a load")
    func sealedAuditLog() throws {
        let folder = try TemporaryDirectory()
        let store = try RunStore.createForBulkLoad(at: folder.file(RunStore.fileName), manifest: Fixture.manifest())
        defer { try? store.close() }
        try store.markCompleted(at: Fixture.manifest().createdMicros + 4_000)
        #expect {
            try store.bulkLoad { loader in
                try loader.appendAudit(AuditEvent(kind: "execution.fill", canonicalJSON: #"{"order":1}"#, at: 5_000))
            }
        } throws: { error in
            (error as? StorageError)?.problem.contains("audit is sealed") == true
        }
    }
}
