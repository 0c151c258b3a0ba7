import Agents
import Foundation
import GRDB

extension StateStore {
    /// The kill switch as last persisted; ACTIVE with no reason for a new state folder.
    public func killSwitch() throws -> KillSwitch {
        try read("kill_switch") { db in
            guard let transition = try Self.lastKillSwitchTransition(db) else { return KillSwitch() }
            return KillSwitch(restoring: transition)
        }
    }

    /// Every kill-switch transition, oldest first.
    public func killSwitchHistory() throws -> [KillSwitchTransition] {
        try read("kill_switch") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM kill_switch ORDER BY id").map(Self.killSwitchTransition)
        }
    }

    /// Persists a kill-switch transition the Supervisor decided, with its audit row.
    ///
    /// The store converges rather than duplicates: `stratum resume` persists a resume and then
    /// tells the running process, whose Supervisor decides the same transition; that second
    /// write finds the switch already there and records nothing.
    ///
    /// - Returns: False when the persisted switch was already in `transition.to`.
    /// - Throws: ``StorageError`` of kind `rejected` when `transition.from` is not the persisted
    ///   state (two writers disagree about the switch; nothing is written).
    @discardableResult
    public func recordKillSwitch(_ transition: KillSwitchTransition) throws -> Bool {
        try write("persisting the kill switch") { db in
            let current = try Self.lastKillSwitchTransition(db)?.to ?? .active
            if current == transition.to { return false }
            guard current == transition.from else {
                throw StorageError(
                    kind: .rejected, path: self.url.path,
                    problem: "the kill switch is \(current.rawValue), not \(transition.from.rawValue) as the transition to \(transition.to.rawValue) assumes",
                    remedy: "reload the kill switch with killSwitch() and decide again")
            }
            try db.execute(sql: """
                INSERT INTO kill_switch (from_state, state, trigger, reason, actor, ts_us) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [transition.from.rawValue, transition.to.rawValue, transition.trigger, self.redact(transition.reason),
                                 transition.actor, transition.atMicros])
            let kind = transition.to == .active ? "kill_switch.resume" : "kill_switch.trip"
            try self.appendAudit(kind: kind, payload: KillSwitchAudit(transition, redact: self.redact), at: transition.atMicros, db)
            return true
        }
    }

    /// An operator's resume: persisted and audited, refused without a reason or when not tripped.
    ///
    /// - Returns: The transition written.
    /// - Throws: ``KillSwitchRefusal`` (nothing written), or ``StorageError``.
    @discardableResult
    public func resume(reason: String, actor: String, at timestampMicros: Int64) throws -> KillSwitchTransition {
        var killSwitch = try killSwitch()
        switch killSwitch.resume(reason: reason, actor: actor, at: timestampMicros) {
        case .success(let transition):
            try recordKillSwitch(transition)
            return transition
        case .failure(let refusal):
            throw refusal
        }
    }

    static func lastKillSwitchTransition(_ db: Database) throws -> KillSwitchTransition? {
        try Row.fetchOne(db, sql: "SELECT * FROM kill_switch ORDER BY id DESC LIMIT 1").map(killSwitchTransition)
    }

    static func killSwitchTransition(_ row: Row) throws -> KillSwitchTransition {
        KillSwitchTransition(
            from: try decode(RiskState.self, row["from_state"], "from_state"), to: try decode(RiskState.self, row["state"], "state"),
            trigger: row["trigger"], reason: row["reason"], actor: row["actor"], atMicros: row["ts_us"])
    }
}

/// The audit payload of a kill-switch change.
private struct KillSwitchAudit: Encodable {
    var from: String
    var to: String
    var trigger: String
    var reason: String
    var actor: String

    init(_ transition: KillSwitchTransition, redact: (String) -> String) {
        from = transition.from.rawValue
        to = transition.to.rawValue
        trigger = transition.trigger
        reason = redact(transition.reason)
        actor = transition.actor
    }
}

extension StateStore {
    /// The state audit log, by seq.
    public func auditEntries() throws -> [AuditEntry] {
        try read("audit") { db in
            var entries = [AuditEntry]()
            try AuditVerifier.forEachRow(db) { entries.append($0) }
            return entries
        }
    }

    /// Walks the state audit chain (see ``AuditVerifier``).
    public func verifyAudit() throws -> AuditVerification {
        AuditVerifier.verify(try auditEntries(), sealedHead: nil)
    }

    /// Appends one audit row inside the caller's transaction.
    func appendAudit(kind: String, payload: some Encodable, at timestampMicros: Int64, _ db: Database) throws {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (try head?.decode(atIndex: 0) ?? 0) + 1
        let prevHash: String = try head?.decode(atIndex: 1) ?? AuditChain.genesisHash
        let text = try AuditChain.encodePayload(payload)
        let hash = AuditChain.hash(seq: seq, timestampMicros: timestampMicros, kind: kind, payload: text, prevHash: prevHash)
        try db.execute(sql: "INSERT INTO audit (seq, ts_us, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [seq, timestampMicros, kind, text, prevHash, hash])
    }
}
