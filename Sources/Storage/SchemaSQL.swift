/// SQL that both databases' schemas share: a run's `run.sqlite` and a live strategy's
/// `state.sqlite` define a hash and the audit chain once, so the two chains obey one rule and
/// `AuditVerifier` reads either.
enum SchemaSQL {
    /// SQL for "exactly 64 lowercase hex digits".
    static func isHex64(_ column: String) -> String {
        "length(\(column)) = 64 AND \(column) NOT GLOB '*[^0-9a-f]*'"
    }

    /// The hash-chained audit table and the trigger that admits only the row after the head.
    static let auditChain = auditTable + "\n" + auditFollowsHead

    /// The audit table as v1 defined it.
    static let auditTable = """
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            ts_us INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) > 0 AND instr(kind, char(10)) = 0),
            payload TEXT NOT NULL CHECK (json_valid(payload)),
            prev_hash TEXT NOT NULL CHECK (\(isHex64("prev_hash"))),
            hash TEXT NOT NULL CHECK (\(isHex64("hash")))
        ) STRICT;
        """

    /// Admits only the row after the head. (RAISE takes only a string literal, so its message
    /// stays on one line.)
    static let auditFollowsHead = """
        CREATE TRIGGER audit_follows_head BEFORE INSERT ON audit
        WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM audit), 0) + 1
          OR NEW.prev_hash IS NOT
             coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '\(AuditChain.genesisHash)')
        BEGIN
            SELECT RAISE(ABORT,
                'audit is append-only: a new row must have the next seq and the last row''s hash as prev_hash');
        END;
        """
}
