import Foundation
import GRDB

/// A run database filled in one pass, as a backtest fills it: one transaction for every row of
/// the run, statements prepared once, no journal on disk and no sync until the end.
///
/// That is safe because a backtest builds its database inside `runs/.tmp-<run-id>/`, which
/// ``RunFolder`` publishes by renaming only after ``RunStore/finishBulkLoad()`` has synced the
/// file; a crash before then leaves an unfinished folder, never a published half-written run.
/// The finished file is an ordinary WAL run database, the same as ``RunStore/create(at:manifest:durability:)`` makes.
extension RunStore {
    /// Creates a run database for a bulk load: manifest and `run.created` as ``create(at:manifest:durability:)``
    /// records them, then `synchronous = OFF` and the rollback journal in memory until
    /// ``finishBulkLoad()``.
    ///
    /// - Throws: ``StorageError`` as ``create(at:manifest:durability:)`` does.
    public static func createForBulkLoad(at url: URL, manifest: RunManifest) throws -> RunStore {
        let files = FileManager.default
        guard !files.fileExists(atPath: url.path) else { throw StorageError.alreadyExists(url) }
        let folder = url.deletingLastPathComponent()
        guard files.fileExists(atPath: folder.path) else { throw StorageError.missingFile(folder) }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // A new file: the in-memory journal only holds the few pages that existed before a
            // transaction, so statement rollback works without writing a journal file.
            try db.execute(sql: "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -4096")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "creating the database", message: error.message ?? "\(error)")
        }
        let store = RunStore(url: url, reader: queue, writer: queue)
        do {
            try store.migrate(queue)
            try store.write("recording the manifest") { db in
                try store.insertManifest(manifest, db)
                let payload = try AuditChain.encodePayload(manifest)
                _ = try store.appendAuditRows(
                    [AuditEvent(uncheckedKind: "run.created", payload: payload, at: manifest.createdMicros)], db)
            }
        } catch {
            try? queue.close()
            try? files.removeItem(at: url)
            throw error
        }
        return store
    }

    /// Runs `body` in one write transaction with a ``RunLoader``; an error rolls all of it back.
    ///
    /// The triggers that check each new row against the rows before it (the audit chain's next
    /// seq and previous hash, an open run, fills within their order's quantity) cost a few
    /// subqueries per row, more than the row itself. For the load they are set aside and their
    /// rules checked once over the whole table before the transaction commits, with the same
    /// outcome: a row that breaks one is refused, nothing is written, and the triggers are back
    /// in the schema for every later write. CHECK constraints and the other triggers apply per
    /// row as usual.
    public func bulkLoad<T>(_ body: (inout RunLoader) throws -> T) throws -> T {
        try write("loading the run") { db in
            let names = Self.setBasedTriggers.map { "'\($0)'" }.joined(separator: ", ")
            let triggers = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (\(names))")
            for name in Self.setBasedTriggers { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
            let auditRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") ?? 0
            var loader = try RunLoader(store: self, db: db)
            let result = try body(&loader)
            try loader.flushBlocks()
            try checkSetBasedRules(db, auditRowsBefore: auditRows)
            for sql in triggers { try db.execute(sql: sql) }
            return result
        }
    }

    /// Triggers whose rule can be checked over the finished table as well as row by row.
    ///
    /// `audit_hash_format` is one too, though its rule concerns one row: SQL's pattern match
    /// costs more than the rest of the row's checks together, so ``RunLoader`` checks each hash
    /// as it arrives instead (``AuditChain/isHash(_:)``), with the same outcome.
    static let setBasedTriggers = ["audit_follows_head", "audit_sealed_when_finished", "fills_within_order", "audit_hash_format"]

    /// The rules of ``setBasedTriggers``, over every row: each audit row follows the one before
    /// (seq + 1, its hash as prev_hash, the genesis hash for seq 1) in a run still running, and
    /// no order's fills add up to more than its quantity.
    private func checkSetBasedRules(_ db: Database, auditRowsBefore: Int) throws {
        let action = "loading the run"
        if let seq = try Int64.fetchOne(db, sql: """
            SELECT b.seq FROM audit b LEFT JOIN audit a ON a.seq = b.seq - 1
            WHERE CASE WHEN b.seq = 1 THEN b.prev_hash IS NOT '\(AuditChain.genesisHash)'
                       ELSE a.seq IS NULL OR b.prev_hash IS NOT a.hash END
            ORDER BY b.seq LIMIT 1
            """) {
            throw StorageError.rejected(url, action: action, record: "audit row seq \(seq)",
                                        reason: "audit is append-only: a new row must have the next seq and the last row's hash as prev_hash")
        }
        let status = try String.fetchOne(db, sql: "SELECT status FROM run")
        if status != "running", try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") ?? 0 > auditRowsBefore {
            throw StorageError.rejected(url, action: action, record: "the audit log",
                                        reason: "audit is sealed: the run has finished or was never recorded")
        }
        if let order = try String.fetchOne(db, sql: """
            SELECT f.client_order_id FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
            GROUP BY f.client_order_id HAVING sum(f.quantity) > max(o.quantity) * (1 + 1e-9) LIMIT 1
            """) {
            throw StorageError.rejected(url, action: action, record: "the fills of order \(order)",
                                        reason: "fills: the fills of an order add up to more than its quantity")
        }
    }

    /// Switches the file to WAL like every run database, closes it and syncs it to disk: the
    /// one sync of a bulk load. The store is closed afterwards.
    public func finishBulkLoad() throws {
        guard let writer else { throw StorageError.readOnly(url, action: "finishing the load") }
        do {
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        } catch let error as DatabaseError {
            throw StorageError.databaseFailure(url, action: "switching to WAL", message: error.message ?? "\(error)")
        }
        try close()
        if let message = syncToDisk(url.path) {
            throw StorageError.databaseFailure(url, action: "syncing the database", message: message)
        }
    }
}

/// Writes a run's rows inside ``RunStore/bulkLoad(_:)``'s transaction with statements prepared
/// once. Each call checks the schema's rules as the batch writers do: a refused row throws a
/// ``StorageError`` naming the file and the record.
public struct RunLoader {
    private let store: RunStore
    private var barBlocks: RowInserter
    private var equityBlocks: RowInserter
    /// One block being filled per instrument, in the order instruments first came.
    private var barBuilders: [ColumnBlockBuilder<BarRecord>] = []
    private var lastBuilder = 0
    private var equityBuilder = ColumnBlockBuilder<EquityPoint>(series: nil, after: nil)
    private var positions: RowInserter
    private var newOrders: RowInserter
    private var orderUpdates: RowInserter
    private var fills: RowInserter
    private var riskEvents: RowInserter
    private var audit: RowInserter
    private var chain: AuditChainer

    init(store: RunStore, db: Database) throws {
        self.store = store
        barBlocks = try RowInserter(db, sql: """
            INSERT INTO bar_blocks (instrument, first_ts_us, last_ts_us, count, ts_us, open, high, low, close, volume)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        equityBlocks = try RowInserter(db, sql: """
            INSERT INTO equity_blocks (first_ts_us, last_ts_us, count, ts_us, cash, equity, drawdown) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        // Times already stored (by an earlier load, or as rows) are where new ones must start after.
        for row in try Row.fetchAll(db, sql: """
            SELECT instrument, max(last) FROM (
                SELECT instrument, max(last_ts_us) AS last FROM bar_blocks GROUP BY instrument
                UNION ALL SELECT instrument, max(ts_us) FROM bars GROUP BY instrument)
            GROUP BY instrument ORDER BY instrument
            """) {
            barBuilders.append(ColumnBlockBuilder(series: try row.decode(atIndex: 0) as String, after: try row.decode(atIndex: 1)))
        }
        equityBuilder = ColumnBlockBuilder(series: nil, after: try Int64.fetchOne(db, sql: """
            SELECT max(last) FROM (SELECT max(last_ts_us) AS last FROM equity_blocks UNION ALL SELECT max(ts_us) FROM equity)
            """))
        positions = try RowInserter(db, sql: "INSERT INTO positions (instrument, ts_us, quantity, average_price) VALUES (?, ?, ?, ?)")
        newOrders = try RowInserter(db, sql: """
            INSERT INTO orders (client_order_id, parent_client_order_id, instrument, side, type, quantity,
                                limit_price, stop_price, status, created_us, updated_us, trace_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        orderUpdates = try RowInserter(db, sql: "UPDATE orders SET status = ?, updated_us = ? WHERE client_order_id = ?")
        fills = try RowInserter(db, sql: """
            INSERT INTO fills (fill_id, client_order_id, ts_us, quantity, price, fee, liquidity) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        riskEvents = try RowInserter(db, sql: "INSERT INTO risk_events (ts_us, kind, severity, message, subject_json) VALUES (?, ?, ?, ?, ?)")
        audit = try RowInserter(db, sql: "INSERT INTO audit (seq, ts_us, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)")
        let head = try Row.fetchOne(db, sql: "SELECT seq, ts_us, kind, payload, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1")
        chain = AuditChainer(after: try head.map {
            AuditEntry(seq: try $0.decode(atIndex: 0), timestampMicros: try $0.decode(atIndex: 1), kind: try $0.decode(atIndex: 2),
                       payload: try $0.decode(atIndex: 3), prevHash: try $0.decode(atIndex: 4), hash: try $0.decode(atIndex: 5))
        })
    }

    /// Adds a bar to its instrument's block (`bar_blocks`), which is written once full or when
    /// the load ends. An instrument's bars must come with rising timestamps.
    public mutating func append(bar: BarRecord) throws {
        let index = builder(for: bar.instrument)
        if let reason = barBuilders[index].refusal(bar) {
            throw StorageError.rejected(store.url, action: "appending bars", record: "bar \(bar.instrument) at ts_us \(bar.timestampMicros)",
                                        reason: reason)
        }
        barBuilders[index].append(bar)
        if barBuilders[index].isFull { try flushBars(index) }
    }

    /// Adds an equity point to the current block (`equity_blocks`), written once full or when
    /// the load ends. Points must come with rising timestamps.
    public mutating func append(equity point: EquityPoint) throws {
        if let reason = equityBuilder.refusal(point) {
            throw StorageError.rejected(store.url, action: "appending equity points", record: "equity point at ts_us \(point.timestampMicros)",
                                        reason: reason)
        }
        equityBuilder.append(point)
        if equityBuilder.isFull { try flushEquity() }
    }

    /// Writes the blocks still being filled; ``RunStore/bulkLoad(_:)`` calls it before committing.
    mutating func flushBlocks() throws {
        for index in barBuilders.indices { try flushBars(index) }
        try flushEquity()
    }

    private mutating func builder(for instrument: String) -> Int {
        if lastBuilder < barBuilders.count, barBuilders[lastBuilder].series == instrument { return lastBuilder }
        if let index = barBuilders.firstIndex(where: { $0.series == instrument }) {
            lastBuilder = index
        } else {
            barBuilders.append(ColumnBlockBuilder(series: instrument, after: nil))
            lastBuilder = barBuilders.count - 1
        }
        return lastBuilder
    }

    private mutating func flushBars(_ index: Int) throws {
        do {
            try barBuilders[index].flush(into: &barBlocks)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StorageError.rejected(store.url, action: "appending bars",
                                        record: "the block of bars \(barBuilders[index].series ?? "") from ts_us \(barBuilders[index].first)",
                                        reason: error.message ?? "\(error)")
        }
    }

    private mutating func flushEquity() throws {
        do {
            try equityBuilder.flush(into: &equityBlocks)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StorageError.rejected(store.url, action: "appending equity points",
                                        record: "the block of equity points from ts_us \(equityBuilder.first)",
                                        reason: error.message ?? "\(error)")
        }
    }

    public mutating func append(position: PositionRecord) throws {
        positions.bind(position.instrument)
        positions.bind(position.timestampMicros)
        positions.bind(position.quantity)
        positions.bind(position.averagePrice)
        try store.refusing(action: "appending positions", record: "position \(position.instrument) at ts_us \(position.timestampMicros)") {
            try positions.insertRow()
        }
    }

    /// Records a new order; a parent must come before its children.
    public mutating func insert(order: OrderRecord) throws {
        newOrders.bind(order.clientOrderID)
        newOrders.bind(order.parentClientOrderID)
        newOrders.bind(order.instrument)
        newOrders.bind(order.side.rawValue)
        newOrders.bind(order.type.rawValue)
        newOrders.bind(order.quantity)
        newOrders.bind(order.limitPrice)
        newOrders.bind(order.stopPrice)
        newOrders.bind(order.status.rawValue)
        newOrders.bind(order.createdMicros)
        newOrders.bind(order.updatedMicros)
        newOrders.bind(order.traceID)
        try store.refusing(action: "recording orders", record: "order \(order.clientOrderID)") { try newOrders.insertRow() }
    }

    /// Moves a recorded order to a new status (the schema refuses leaving a final status).
    public mutating func update(order clientOrderID: String, status: OrderStatus, updatedMicros: Int64) throws {
        orderUpdates.bind(status.rawValue)
        orderUpdates.bind(updatedMicros)
        orderUpdates.bind(clientOrderID)
        try store.refusing(action: "recording orders", record: "order \(clientOrderID)") { try orderUpdates.insertRow() }
    }

    public mutating func record(fill: FillRecord) throws {
        fills.bind(fill.fillID)
        fills.bind(fill.clientOrderID)
        fills.bind(fill.timestampMicros)
        fills.bind(fill.quantity)
        fills.bind(fill.price)
        fills.bind(fill.fee)
        fills.bind(fill.liquidity.rawValue)
        try store.refusing(action: "recording fills", record: "fill \(fill.fillID) of order \(fill.clientOrderID)") {
            try fills.insertRow()
        }
    }

    public mutating func record(riskEvent event: RiskEventRecord) throws {
        riskEvents.bind(event.timestampMicros)
        riskEvents.bind(event.kind)
        riskEvents.bind(event.severity.rawValue)
        riskEvents.bind(event.message)
        riskEvents.bind(event.subjectJSON)
        try store.refusing(action: "recording risk events", record: "risk event \(event.kind) at ts_us \(event.timestampMicros)") {
            try riskEvents.insertRow()
        }
    }

    /// Chains one event onto the audit log.
    public mutating func appendAudit(_ event: AuditEvent) throws {
        try append(audit: chain.next(event))
    }

    /// Appends an audit row chained beforehand (``AuditChainer``), so hashing can run on
    /// another thread than the one writing; the chain is checked before the load commits.
    public mutating func append(audit entry: AuditEntry) throws {
        guard AuditChain.isHash(entry.hash) else {
            throw StorageError.rejected(store.url, action: "appending to the audit log", record: "audit event \(entry.kind) (seq \(entry.seq))",
                                        reason: RunSchema.auditHashFormatMessage)
        }
        audit.bind(entry.seq)
        audit.bind(entry.timestampMicros)
        audit.bind(entry.kind)
        audit.bind(entry.payload)
        audit.bind(entry.prevHash)
        audit.bind(entry.hash)
        try store.refusing(action: "appending to the audit log", record: "audit event \(entry.kind) (seq \(entry.seq))") {
            try audit.insertRow()
        }
        chain = AuditChainer(after: entry)
    }

    /// Writes one row of any kind.
    public mutating func append(_ row: RunRow) throws {
        switch row {
        case .bar(let bar): try append(bar: bar)
        case .equity(let point): try append(equity: point)
        case .position(let position): try append(position: position)
        case .order(let order): try insert(order: order)
        case .orderStatus(let id, let status, let updated): try update(order: id, status: status, updatedMicros: updated)
        case .fill(let fill): try record(fill: fill)
        case .riskEvent(let event): try record(riskEvent: event)
        case .audit(let entry): try append(audit: entry)
        }
    }
}

/// One row of a run, as a thread that prepares rows hands it to the thread that writes them.
public enum RunRow: Sendable {
    case bar(BarRecord)
    case equity(EquityPoint)
    case position(PositionRecord)
    /// A new order.
    case order(OrderRecord)
    /// A recorded order's new status.
    case orderStatus(clientOrderID: String, status: OrderStatus, updatedMicros: Int64)
    case fill(FillRecord)
    case riskEvent(RiskEventRecord)
    case audit(AuditEntry)
}

/// Chains audit events one after the other: each gets the next seq and the previous row's
/// hash (``AuditChain``).
public struct AuditChainer: Sendable {
    private var seq: Int64
    private var head: String

    /// Continues after `last`, or starts the chain when there is none.
    public init(after last: AuditEntry?) {
        seq = last?.seq ?? 0
        head = last?.hash ?? AuditChain.genesisHash
    }

    public mutating func next(_ event: AuditEvent) -> AuditEntry {
        seq += 1
        let hash = AuditChain.hash(seq: seq, timestampMicros: event.timestampMicros, kind: event.kind, payload: event.payload,
                                   prevHash: head)
        let entry = AuditEntry(seq: seq, timestampMicros: event.timestampMicros, kind: event.kind, payload: event.payload,
                               prevHash: head, hash: hash)
        head = hash
        return entry
    }
}

/// fsync(2) of a closed file; the system's reason when it fails.
private func syncToDisk(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return String(cString: strerror(errno)) }
    defer { _ = close(descriptor) }
    return fsync(descriptor) == 0 ? nil : String(cString: strerror(errno))
}
