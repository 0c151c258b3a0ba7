import Agents
import Foundation
import GRDB

/// An incident as stored, with the markdown file written for it.
public struct StoredIncident: Sendable, Equatable, Codable {
    public var id: Int64
    public var incident: SupervisorIncident
    /// Relative to the state folder: `incidents/<file>.md`.
    public var file: String

    enum CodingKeys: String, CodingKey {
        case id, incident, file
    }
}

/// A reload of the strategy file, applied or refused.
public struct StoredReload: Sendable, Equatable, Codable {
    public enum Result: String, Sendable, Equatable, Codable {
        case applied, refused
    }

    public var id: Int64
    public var atMicros: Int64
    public var result: Result
    /// JSON of the plan diff (applied reloads).
    public var diffJSON: String?
    /// What `stratum lint` said (refused reloads).
    public var diagnostics: String?

    enum CodingKeys: String, CodingKey {
        case id, atMicros = "at_us", result, diffJSON = "diff_json", diagnostics
    }
}

/// A risk or supervision alert worth telling the next shift about.
public struct StoredAlert: Sendable, Equatable, Codable {
    public var id: Int64
    public var atMicros: Int64
    /// Dotted or snake_case, such as `max_leverage` or `breaker.open`.
    public var kind: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case id, atMicros = "at_us", kind, message
    }
}

extension StateStore {
    /// Records an incident: a database row, an audit row, and a markdown file under
    /// `incidents/`, all with secrets redacted.
    ///
    /// The file is written (to a temporary name, then renamed) inside the transaction that
    /// records the row, so a failure to write it records nothing; a crash after the rename and
    /// before the commit leaves a file without a row, never a row without its file.
    @discardableResult
    public func recordIncident(_ incident: SupervisorIncident) throws -> StoredIncident {
        var clean = incident
        clean.summary = redact(incident.summary)
        clean.remedy = redact(incident.remedy)
        clean.subject = redact(incident.subject)
        return try write("recording an incident") { db in
            let id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM incidents") ?? 0) + 1
            let name = IncidentMarkdown.fileName(id: id, incident: clean)
            let relative = "\(Self.incidentsFolder)/\(name)"
            try db.execute(sql: """
                INSERT INTO incidents (id, ts_us, subject, severity, summary, restarts_tried, remedy, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, clean.atMicros, clean.subject, clean.severity.rawValue, clean.summary, clean.restartsTried, clean.remedy, relative])
            try self.appendAudit(kind: "incident.opened", payload: clean, at: clean.atMicros, db)
            try self.writeIncidentFile(IncidentMarkdown.render(id: id, incident: clean), named: name)
            return StoredIncident(id: id, incident: clean, file: relative)
        }
    }

    /// Incidents with an id above `id`, oldest first.
    public func incidents(after id: Int64 = 0) throws -> [StoredIncident] {
        try read("incidents") { db in try Self.incidents(db, after: id) }
    }

    static func incidents(_ db: Database, after id: Int64) throws -> [StoredIncident] {
        try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE id > ? ORDER BY id", arguments: [id]).map { row in
            StoredIncident(
                id: row["id"],
                incident: SupervisorIncident(
                    atMicros: row["ts_us"], subject: row["subject"],
                    severity: try decode(SupervisorIncident.Severity.self, row["severity"], "severity"),
                    summary: row["summary"], restartsTried: row["restarts_tried"], remedy: row["remedy"]),
                file: row["file"])
        }
    }

    /// Records an applied reload with its plan diff (any Encodable, stored as JSON).
    @discardableResult
    public func recordReloadApplied(diff: some Encodable, at timestampMicros: Int64) throws -> Int64 {
        let json = try AuditChain.encodePayload(diff)
        return try write("recording a reload") { db in
            try db.execute(sql: "INSERT INTO reloads (ts_us, result, diff_json) VALUES (?, 'applied', ?)", arguments: [timestampMicros, json])
            let id = db.lastInsertedRowID
            try self.appendAudit(kind: "reload.applied", payload: ReloadAudit(diff: json, diagnostics: nil), at: timestampMicros, db)
            return id
        }
    }

    /// Records a refused reload with the diagnostics that refused it.
    @discardableResult
    public func recordReloadRefused(diagnostics: String, at timestampMicros: Int64) throws -> Int64 {
        let text = redact(diagnostics)
        return try write("recording a reload") { db in
            try db.execute(sql: "INSERT INTO reloads (ts_us, result, diagnostics) VALUES (?, 'refused', ?)", arguments: [timestampMicros, text])
            let id = db.lastInsertedRowID
            try self.appendAudit(kind: "reload.refused", payload: ReloadAudit(diff: nil, diagnostics: text), at: timestampMicros, db)
            return id
        }
    }

    public func reloads(after id: Int64 = 0) throws -> [StoredReload] {
        try read("reloads") { db in try Self.reloads(db, after: id) }
    }

    static func reloads(_ db: Database, after id: Int64) throws -> [StoredReload] {
        try Row.fetchAll(db, sql: "SELECT * FROM reloads WHERE id > ? ORDER BY id", arguments: [id]).map { row in
            StoredReload(id: row["id"], atMicros: row["ts_us"], result: try decode(StoredReload.Result.self, row["result"], "result"),
                         diffJSON: row["diff_json"], diagnostics: row["diagnostics"])
        }
    }

    @discardableResult
    public func recordAlert(kind: String, message: String, at timestampMicros: Int64) throws -> Int64 {
        let text = redact(message)
        return try write("recording an alert") { db in
            try db.execute(sql: "INSERT INTO alerts (ts_us, kind, message) VALUES (?, ?, ?)", arguments: [timestampMicros, kind, text])
            return db.lastInsertedRowID
        }
    }

    public func alerts(after id: Int64 = 0) throws -> [StoredAlert] {
        try read("alerts") { db in try Self.alerts(db, after: id) }
    }

    static func alerts(_ db: Database, after id: Int64) throws -> [StoredAlert] {
        try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE id > ? ORDER BY id", arguments: [id]).map {
            StoredAlert(id: $0["id"], atMicros: $0["ts_us"], kind: $0["kind"], message: $0["message"])
        }
    }

    private func writeIncidentFile(_ text: String, named name: String) throws {
        let folder = directory.appendingPathComponent(Self.incidentsFolder)
        let target = folder.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: target, options: .atomic)
        } catch {
            throw StorageError.databaseFailure(target, action: "writing the incident file", message: "\(error)")
        }
    }
}

private struct ReloadAudit: Encodable {
    var diff: String?
    var diagnostics: String?
}

/// The markdown file of an incident, for the person on call.
enum IncidentMarkdown {
    /// `20241126T151200Z-3-execution.md`: sorts by time; the id makes it unique.
    static func fileName(id: Int64, incident: SupervisorIncident) -> String {
        let stamp = UTCTimestamp.iso8601(incident.atMicros / 1_000_000 * 1_000_000)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let subject = String(incident.subject.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" })
        return "\(stamp)-\(id)-\(subject).md"
    }

    static func render(id: Int64, incident: SupervisorIncident) -> String {
        """
        # Incident \(id): \(incident.subject)

        | | |
        |---|---|
        | When (UTC) | \(UTCTimestamp.iso8601(incident.atMicros)) |
        | Agent | \(incident.subject) |
        | Severity | \(incident.severity.rawValue) |
        | Restarts tried | \(incident.restartsTried) |

        ## What happened

        \(incident.summary)

        ## What to do

        \(incident.remedy)

        """
    }
}
