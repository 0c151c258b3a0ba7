import Foundation
import GRDB

extension RunStore {
    /// Appends one event to the audit log.
    ///
    /// - Parameters:
    ///   - kind: Dotted lower case, such as `reload.applied`; no line feed.
    ///   - payload: Encoded as compact JSON with sorted keys.
    ///   - timestampMicros: When the event happened, from the caller's clock.
    /// - Returns: The stored row, with its seq and hash.
    /// - Throws: ``StorageError`` of kind `rejected` once the run has finished (the log is
    ///   sealed), or when `kind` is empty or holds a line feed.
    @discardableResult
    public func appendAudit(kind: String, payload: some Encodable, at timestampMicros: Int64) throws -> AuditEntry {
        try appendAudit([AuditEvent(kind: kind, payload: payload, at: timestampMicros)])[0]
    }

    /// Appends events to the audit log in one transaction, in order.
    @discardableResult
    public func appendAudit(_ events: [AuditEvent]) throws -> [AuditEntry] {
        try write("appending to the audit log") { db in try appendAuditRows(events, db) }
    }

    /// The whole audit log, by seq.
    public func auditEntries() throws -> [AuditEntry] {
        try read("audit") { db in
            var entries = [AuditEntry]()
            try AuditVerifier.forEachRow(db) { entries.append($0) }
            return entries
        }
    }

    /// Chains `events` onto the current head inside the caller's transaction.
    func appendAuditRows(_ events: [AuditEvent], _ db: Database) throws -> [AuditEntry] {
        let action = "appending to the audit log"
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        var seq: Int64 = try head?.decode(atIndex: 0) ?? 0
        var prevHash: String = try head?.decode(atIndex: 1) ?? AuditChain.genesisHash
        var inserter = try RowInserter(db, sql: """
            INSERT INTO audit (seq, ts_us, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)
            """)
        var entries = [AuditEntry]()
        entries.reserveCapacity(events.count)
        for event in events {
            seq += 1
            let hash = AuditChain.hash(
                seq: seq, timestampMicros: event.timestampMicros, kind: event.kind, payload: event.payload,
                prevHash: prevHash)
            inserter.bind(seq)
            inserter.bind(event.timestampMicros)
            inserter.bind(event.kind)
            inserter.bind(event.payload)
            inserter.bind(prevHash)
            inserter.bind(hash)
            try refusing(action: action, record: "audit event \(event.kind) (seq \(seq))") { try inserter.insertRow() }
            entries.append(AuditEntry(
                seq: seq, timestampMicros: event.timestampMicros, kind: event.kind, payload: event.payload,
                prevHash: prevHash, hash: hash))
            prevHash = hash
        }
        return entries
    }
}
