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
            // Bars and equity in column blocks: 1,000 rows fit in one block each.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bar_blocks") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT sum(count) FROM bar_blocks") == 1_000)
            #expect(try Int.fetchOne(db, sql: "SELECT sum(count) FROM equity_blocks") == 1_000)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bars") == 0)
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
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM bar_blocks") } == 0)
        try raw.close()
    }

    @Test("bars of two instruments and equity over several blocks read back as written, bit for bit")
    func blocksRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        // 10,000 moments: 3 blocks of bars per instrument (4,096 + 4,096 + 1,808) and of equity.
        // Values that text would round: 0.1, negative zero, the smallest subnormal, infinity.
        let specials: [Double] = [0.1, -0.0, .leastNonzeroMagnitude, .infinity, 1e300, 51_959.949_999_999_97]
        var bars: [BarRecord] = []
        var equity: [EquityPoint] = []
        for index in 0..<10_000 {
            let time = Int64(index) * 60_000_000 - 1_000_000_000  // some before 1970
            let price = specials[index % specials.count] + Double(index)
            for instrument in ["ETHUSD", "BTCUSD"] {
                bars.append(BarRecord(instrument: instrument, timestampMicros: time, open: price, high: price * 2, low: -price,
                                      close: specials[index % specials.count], volume: Double(index)))
            }
            equity.append(EquityPoint(timestampMicros: time, cash: -price, equity: price, drawdown: Double(index % 7) / 10))
        }
        try store.bulkLoad { loader in
            for bar in bars { try loader.append(bar: bar) }
            for point in equity { try loader.append(equity: point) }
        }
        try store.markCompleted(at: Fixture.manifest().createdMicros + 1)
        try store.finishBulkLoad()
        let reader = try RunStore.openReadOnly(at: url)
        defer { try? reader.close() }
        let expectedBars = bars.filter { $0.instrument == "BTCUSD" } + bars.filter { $0.instrument == "ETHUSD" }
        let storedBars = try reader.bars()
        #expect(storedBars.count == 20_000)
        // Compared by bit pattern, so -0.0 and 0.0 count as different.
        #expect(storedBars.map(\.open.bitPattern) == expectedBars.map(\.open.bitPattern))
        #expect(storedBars.map(\.close.bitPattern) == expectedBars.map(\.close.bitPattern))
        #expect(storedBars == expectedBars)
        #expect(try reader.equityCurve() == equity)
        let raw = try rawConnection(url)
        try raw.read { db throws in
            #expect(try Int.fetchAll(db, sql: "SELECT count FROM bar_blocks WHERE instrument = 'BTCUSD' ORDER BY first_ts_us")
                    == [4_096, 4_096, 1_808])
            #expect(try Int.fetchAll(db, sql: "SELECT count FROM equity_blocks ORDER BY first_ts_us") == [4_096, 4_096, 1_808])
            // The second block starts at moment 4,096: first_ts_us and last_ts_us bound its times.
            let second = try #require(try Row.fetchOne(db, sql: "SELECT first_ts_us, last_ts_us FROM equity_blocks ORDER BY first_ts_us LIMIT 1 OFFSET 1"))
            #expect(second[0] as Int64 == 4_096 * 60_000_000 - 1_000_000_000)
            #expect(second[1] as Int64 == 8_191 * 60_000_000 - 1_000_000_000)
            // Little-endian: the first equity time of the first block, byte by byte.
            let blob = try #require(try Data.fetchOne(db, sql: "SELECT substr(ts_us, 1, 8) FROM equity_blocks ORDER BY first_ts_us LIMIT 1"))
            #expect(Array(blob) == withUnsafeBytes(of: Int64(-1_000_000_000).littleEndian) { Array($0) })
        }
        try raw.close()
    }

    @Test("equity times that do not rise, and a negative drawdown, are refused")
    func refusesEquityOutOfOrder() throws {
        let folder = try TemporaryDirectory()
        let store = try RunStore.createForBulkLoad(at: folder.file(RunStore.fileName), manifest: Fixture.manifest())
        defer { try? store.close() }
        let point = EquityPoint(timestampMicros: 60, cash: 1, equity: 1, drawdown: 0)
        #expect {
            try store.bulkLoad { loader in
                try loader.append(equity: point)
                try loader.append(equity: EquityPoint(timestampMicros: 59, cash: 1, equity: 1, drawdown: 0))
            }
        } throws: { error in
            (error as? StorageError)?.problem.contains("equity point at ts_us 59") == true
        }
        #expect {
            try store.bulkLoad { loader in try loader.append(equity: EquityPoint(timestampMicros: 1, cash: 1, equity: 1, drawdown: -0.5)) }
        } throws: { error in
            (error as? StorageError)?.problem.contains("drawdown must be a number >= 0") == true
        }
    }

    @Test("a block column of the wrong length is refused by the schema, and the decoder names it")
    func blockLengths() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        try store.close()
        let raw = try rawConnection(url)
        #expect(throws: DatabaseError.self) {
            try raw.write { db in
                try db.execute(sql: "INSERT INTO equity_blocks VALUES (0, 0, 2, zeroblob(16), zeroblob(16), zeroblob(8), zeroblob(16))")
            }
        }
        try raw.close()
        #expect(throws: ColumnBlockError.self) { try ColumnBlocks.doubles(Data(count: 12), count: 2, column: "equity") }
        #expect(try ColumnBlocks.integers(Data([1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), count: 2,
                                          column: "ts_us") == [1, -1])
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

    /// Hashes the rule refuses: a letter past f, upper case, one digit short, one too many, a
    /// non-ASCII digit. Each is a real row hash altered by hand.
    static let badHashes = [
        String(repeating: "0", count: 63) + "g",
        String(repeating: "A", count: 64),
        String(repeating: "a", count: 63),
        String(repeating: "a", count: 65),
        String(repeating: "0", count: 63) + "\u{0661}",
    ]

    @Test("an audit hash that is not 64 lowercase hex digits is refused in a load, in Swift, and row by row by the trigger")
    func auditHashFormat() throws {
        #expect(AuditChain.isHash(String(repeating: "0123456789abcdef", count: 4)))
        for bad in Self.badHashes { #expect(!AuditChain.isHash(bad)) }

        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try RunStore.createForBulkLoad(at: url, manifest: Fixture.manifest())
        let head = try #require(try store.auditEntries().last)
        for bad in Self.badHashes {
            #expect {
                try store.bulkLoad { loader in
                    try loader.append(audit: AuditEntry(seq: 2, timestampMicros: 2_000, kind: "execution.fill", payload: "{}",
                                                        prevHash: head.hash, hash: bad))
                }
            } throws: { error in
                (error as? StorageError)?.problem.contains("audit: hash must be 64 lowercase hex digits") == true
            }
        }
        try store.close()

        // Outside a load the trigger, back in the schema, refuses the same hashes and admits a good one.
        let raw = try rawConnection(url)
        defer { try? raw.close() }
        func insert(_ hash: String) throws {
            try raw.write { db in
                try db.execute(sql: "INSERT INTO audit (seq, ts_us, kind, payload, prev_hash, hash) VALUES (2, 2000, 'x.y', '{}', ?, ?)",
                               arguments: [head.hash, hash])
            }
        }
        for bad in Self.badHashes {
            #expect { try insert(bad) } throws: { error in
                sqliteMessage(error).contains("audit: hash must be 64 lowercase hex digits")
            }
        }
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") } == 1)
        try insert(String(repeating: "0123456789abcdef", count: 4))
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") } == 2)
    }

    @Test("a run database from v5 keeps its audit rows, orders and fills, and gains v6's trigger and v7's orders")
    func auditHashTriggerMigration() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        // A file at v5, with a chain of three rows written as v5 wrote them.
        let old = try DatabaseQueue(path: url.path)
        try RunSchema.migrator.migrate(old, upTo: "v5-audit-prev-hash")
        try old.write { db in
            try RunStore(url: url, reader: old, writer: old).insertManifest(try Fixture.manifest(), db)
            var chain = AuditChainer(after: nil)
            for index in 1...3 {
                let entry = chain.next(AuditEvent(kind: "x.y", canonicalJSON: #"{"n":\#(index)}"#, at: Int64(index)))
                try db.execute(sql: "INSERT INTO audit (seq, ts_us, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [entry.seq, entry.timestampMicros, entry.kind, entry.payload, entry.prevHash, entry.hash])
            }
            try db.execute(sql: """
                INSERT INTO orders (client_order_id, instrument, side, type, quantity, limit_price, status, created_us, updated_us, trace_id)
                VALUES ('o1', 'BTCUSD', 'buy', 'limit', 2, 100, 'accepted', 1, 1, 't1');
                INSERT INTO fills (fill_id, client_order_id, ts_us, quantity, price, fee, liquidity)
                VALUES ('o1-f1', 'o1', 2, 1, 100, 0, 'taker');
                """)
        }
        try old.close()

        let store = try RunStore.open(at: url, durability: .normal)
        defer { try? store.close() }
        guard case .intact(let rows, _) = try store.verifyAudit() else {
            Issue.record("the audit chain is broken")
            return
        }
        #expect(rows == 3)
        let raw = try rawConnection(url)
        defer { try? raw.close() }
        #expect(try raw.read { db throws in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit' AND name IN
                ('audit_hash_format', 'audit_follows_head', 'audit_sealed_when_finished', 'audit_no_update', 'audit_no_delete')
                """)
        } == 5)
        // v7 kept the order and its fill, and the rules around them: a status outside the list, a
        // fill past the order's quantity (fills_within_order, set aside and created again), and a
        // move out of a final status are refused as before.
        #expect(try raw.read { db throws in try String.fetchOne(db, sql: "SELECT status FROM orders WHERE client_order_id = 'o1'") } == "accepted")
        #expect(try raw.read { db throws in try Int.fetchOne(db, sql: "SELECT count(*) FROM fills") } == 1)
        #expect { try raw.write { try $0.execute(sql: "UPDATE orders SET status = 'done' WHERE client_order_id = 'o1'") } } throws: { error in
            sqliteMessage(error).contains("CHECK constraint failed")
        }
        #expect { try raw.write { db in
            try db.execute(sql: "INSERT INTO fills (fill_id, client_order_id, ts_us, quantity, price, fee, liquidity) VALUES ('o1-f2', 'o1', 3, 2, 100, 0, 'taker')")
        } } throws: { error in
            sqliteMessage(error).contains("add up to more than its quantity")
        }
        try raw.write { try $0.execute(sql: "UPDATE orders SET status = 'filled', updated_us = 3 WHERE client_order_id = 'o1'") }
        #expect { try raw.write { try $0.execute(sql: "UPDATE orders SET status = 'accepted' WHERE client_order_id = 'o1'") } } throws: { error in
            sqliteMessage(error).contains("keeps its status")
        }
    }
}
