import Foundation
import GRDB

extension RunStore {
    /// The run's manifest as recorded at creation.
    public func manifest() throws -> RunManifest {
        try read("run") { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT run_id, created_us, mode, strategy_path, strategy_sha256, stratum_version, parameters_json
                FROM run
                """)
            else { throw StorageError.corruptRow(url, table: "run", detail: "the run row is missing") }
            let dataFiles = try Row.fetchAll(db, sql: "SELECT path, sha256 FROM run_data_files ORDER BY position")
                .map { FileDigest(path: try $0.decode(atIndex: 0), sha256: try $0.decode(atIndex: 1)) }
            let models = try Row.fetchAll(db, sql: "SELECT name, version, sha256 FROM run_models ORDER BY position")
                .map {
                    ModelDigest(name: try $0.decode(atIndex: 0), version: try $0.decode(atIndex: 1),
                                sha256: try $0.decode(atIndex: 2))
                }
            return RunManifest(
                runID: try RunID(try row.decode(String.self, atIndex: 0)),
                createdMicros: try row.decode(atIndex: 1),
                mode: try decodeEnum(RunMode.self, row, 2, table: "run"),
                strategy: FileDigest(path: try row.decode(atIndex: 3), sha256: try row.decode(atIndex: 4)),
                dataFiles: dataFiles,
                models: models,
                stratumVersion: try row.decode(atIndex: 5),
                parametersJSON: try row.decode(atIndex: 6))
        }
    }

    /// The run's status, finish time, failure reason and sealed audit head.
    public func state() throws -> RunState {
        try read("run") { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT status, finished_us, failure_reason, audit_head_seq, audit_head_hash FROM run
                """)
            else { throw StorageError.corruptRow(url, table: "run", detail: "the run row is missing") }
            let headSeq: Int64? = try row.decode(atIndex: 3)
            let headHash: String? = try row.decode(atIndex: 4)
            return RunState(
                status: try decodeEnum(RunStatus.self, row, 0, table: "run"),
                finishedMicros: try row.decode(atIndex: 1),
                failureReason: try row.decode(atIndex: 2),
                auditHead: headSeq.flatMap { seq in headHash.map { AuditHead(seq: seq, hash: $0) } })
        }
    }

    /// Marks the run completed: appends a `run.completed` audit row, then seals the audit
    /// head into `run`. After this the run and its audit log accept no change.
    ///
    /// - Parameter timestampMicros: When the run finished, from the caller's clock.
    public func markCompleted(at timestampMicros: Int64) throws {
        try finish(status: .completed, reason: nil, at: timestampMicros)
    }

    /// Marks the run failed with a reason, as ``markCompleted(at:)`` does for success.
    ///
    /// - Parameters:
    ///   - reason: One sentence for the person who reads the run later.
    ///   - timestampMicros: When the run stopped, from the caller's clock.
    public func markFailed(reason: String, at timestampMicros: Int64) throws {
        try finish(status: .failed, reason: reason, at: timestampMicros)
    }

    private func finish(status: RunStatus, reason: String?, at timestampMicros: Int64) throws {
        struct Outcome: Encodable {
            let status: String
            let reason: String?
        }
        let event = try AuditEvent(
            kind: "run.\(status.rawValue)", payload: Outcome(status: status.rawValue, reason: reason),
            at: timestampMicros)
        let action = "marking the run \(status.rawValue)"
        try write(action) { db in
            let head = try appendAuditRows([event], db)[0]
            let statement = try db.cachedStatement(sql: """
                UPDATE run SET status = ?, finished_us = ?, failure_reason = ?, audit_head_seq = ?, audit_head_hash = ?
                """)
            try execute(
                statement, [status.rawValue, timestampMicros, reason, head.seq, head.hash],
                action: action, record: "the run's status")
        }
    }

    func insertManifest(_ manifest: RunManifest, _ db: Database) throws {
        let action = "recording the manifest"
        try execute(
            db.makeStatement(sql: """
                INSERT INTO run (singleton, run_id, created_us, mode, strategy_path, strategy_sha256, stratum_version,
                                 parameters_json)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """),
            [manifest.runID.rawValue, manifest.createdMicros, manifest.mode.rawValue, manifest.strategy.path,
             manifest.strategy.sha256, manifest.stratumVersion, manifest.parametersJSON],
            action: action, record: "run \(manifest.runID)")
        let dataFile = try db.makeStatement(sql: "INSERT INTO run_data_files (path, sha256) VALUES (?, ?)")
        for file in manifest.dataFiles {
            try execute(dataFile, [file.path, file.sha256], action: action, record: "data file \(file.path)")
        }
        let model = try db.makeStatement(sql: "INSERT INTO run_models (name, version, sha256) VALUES (?, ?, ?)")
        for entry in manifest.models {
            try execute(
                model, [entry.name, entry.version, entry.sha256], action: action,
                record: "model \(entry.name)@\(entry.version)")
        }
    }

    /// Decodes a TEXT column into one of Storage's string enums.
    func decodeEnum<Value: RawRepresentable>(
        _ type: Value.Type, _ row: Row, _ index: Int, table: String
    ) throws -> Value where Value.RawValue == String {
        let text: String = try row.decode(atIndex: index)
        guard let value = Value(rawValue: text) else {
            throw StorageError.corruptRow(url, table: table, detail: "unknown \(Value.self) '\(text)'")
        }
        return value
    }
}
