import Foundation
import GRDB

/// The plan a stretch of the journal ran on, as the state keeps it: enough to compile exactly
/// that plan again (the strategy file's text and the model versions its references resolved to)
/// and the bar from which it handled the journal.
public struct JournaledPlan: Sendable, Equatable {
    public enum Cause: String, Sendable, Equatable {
        /// The agents started fresh on this plan (a new state folder, or a start before any bar).
        case start
        /// A hot reload mapped the running agents onto this plan between two bars.
        case reload
    }

    /// Row id: the order in which plans were journaled.
    public var id: Int64
    /// The first bar this plan handled (the runner's bar sequence).
    public var fromSequence: UInt64
    /// The highest alert id when the plan was journaled: a reload came after the Supervisor
    /// commands journaled (as alerts) at the same boundary with an id up to this one.
    public var lastAlertID: Int64
    public var cause: Cause
    /// The strategy's name in this plan (`strategy.name`): a reload may rename it.
    public var strategy: String
    /// The strategy file, as the run was given it.
    public var path: String
    /// The file's text as it was compiled.
    public var source: String
    /// Each model reference as written (`momentum@prod`) → the version it resolved to.
    public var models: [String: String]
    public var planHash: String
    /// Microseconds since the Unix epoch, UTC: when it was journaled.
    public var atMicros: Int64

    public init(id: Int64 = 0, fromSequence: UInt64, lastAlertID: Int64 = 0, cause: Cause, strategy: String, path: String,
                source: String, models: [String: String], planHash: String, atMicros: Int64) {
        self.id = id
        self.fromSequence = fromSequence
        self.lastAlertID = lastAlertID
        self.cause = cause
        self.strategy = strategy
        self.path = path
        self.source = source
        self.models = models
        self.planHash = planHash
        self.atMicros = atMicros
    }
}

extension StateStore {
    /// Journals the plan that handles the journal from `plan.fromSequence` on, before any bar
    /// reaches it: a hot reload calls it between two bars, before the agents are swapped, so a
    /// crash at any moment leaves either no trace of the reload (it never handled a bar) or the
    /// row a restart replays through.
    ///
    /// `id` and `lastAlertID` are assigned here, in the same transaction.
    ///
    /// - Returns: The row as stored.
    /// - Throws: ``StorageError`` of kind `rejected` when the plan would take over before an
    ///   earlier plan or past the next bar of the journal.
    @discardableResult
    public func recordPlan(_ plan: JournaledPlan) throws -> JournaledPlan {
        let models = String(decoding: try Self.modelsEncoder.encode(plan.models), as: UTF8.self)
        return try write("journaling the plan from bar \(plan.fromSequence)") { db in
            var stored = plan
            stored.lastAlertID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM alerts") ?? 0
            try db.execute(sql: """
                INSERT INTO plans (from_seq, last_alert_id, cause, strategy, path, source, models_json, plan_hash, ts_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Int64(bitPattern: plan.fromSequence), stored.lastAlertID, plan.cause.rawValue, plan.strategy, plan.path,
                                 plan.source, models, plan.planHash, plan.atMicros])
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// Every journaled plan, oldest first; empty for a folder written before plans were journaled.
    public func plans() throws -> [JournaledPlan] {
        try read("plans") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM plans ORDER BY id").map { row in
                let json: String = row["models_json"]
                let models = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
                return JournaledPlan(
                    id: row["id"], fromSequence: UInt64(row["from_seq"] as Int64), lastAlertID: row["last_alert_id"],
                    cause: try Self.decode(JournaledPlan.Cause.self, row["cause"], "cause"), strategy: row["strategy"], path: row["path"],
                    source: row["source"], models: models, planHash: row["plan_hash"], atMicros: row["ts_us"])
            }
        }
    }

    private static var modelsEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
