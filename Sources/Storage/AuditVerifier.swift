import Foundation
import GRDB

/// Walks an audit chain and reports the first row where it breaks.
///
/// The chain proves that no row was edited, removed or reordered since it was written. Its
/// head hash (printed by `stratum audit verify`) is what to keep elsewhere to prove that the
/// whole file was not rewritten.
public enum AuditVerifier {
    /// Verifies the audit log of the run database at `url`, reading only.
    ///
    /// - Returns: `.intact` with the row count and head, or `.broken` with the first bad row.
    /// - Throws: ``StorageError`` when the file is missing or not a run database.
    public static func verify(databaseAt url: URL) throws -> AuditVerification {
        let store = try RunStore.openReadOnly(at: url)
        defer { try? store.close() }
        return try store.verifyAudit()
    }

    /// Verifies entries already in memory, in seq order.
    ///
    /// - Parameter sealedHead: The head recorded in `run` when the run finished, if it has;
    ///   rows removed from the end of the chain are only detectable against it.
    public static func verify(_ entries: some Sequence<AuditEntry>, sealedHead: AuditHead?) -> AuditVerification {
        var walk = AuditChainWalk()
        for entry in entries {
            if let broken = walk.check(entry) { return .broken(broken) }
        }
        return walk.finish(sealedHead: sealedHead)
    }

    /// Streams the audit table by seq without holding it in memory.
    static func forEachRow(_ db: Database, _ body: (AuditEntry) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, ts_us, kind, payload, prev_hash, hash FROM audit ORDER BY seq")
        while let row = try rows.next() {
            try body(AuditEntry(
                seq: try row.decode(atIndex: 0), timestampMicros: try row.decode(atIndex: 1),
                kind: try row.decode(atIndex: 2), payload: try row.decode(atIndex: 3),
                prevHash: try row.decode(atIndex: 4), hash: try row.decode(atIndex: 5)))
        }
    }
}

extension RunStore {
    /// Verifies this run's audit log against its rows and, once finished, its sealed head.
    public func verifyAudit() throws -> AuditVerification {
        let sealedHead = try state().auditHead
        return try read("audit") { db in
            var walk = AuditChainWalk()
            var broken: AuditBreak?
            try AuditVerifier.forEachRow(db) { entry in
                if broken == nil { broken = walk.check(entry) }
            }
            return broken.map(AuditVerification.broken) ?? walk.finish(sealedHead: sealedHead)
        }
    }
}

/// The outcome of verifying an audit chain.
public enum AuditVerification: Sendable, Equatable {
    /// Every row links to the one before and hashes to its stored hash; `head` is the last
    /// row (nil for an empty log).
    case intact(rowCount: Int, head: AuditHead?)
    /// The chain breaks; rows from `seq` on cannot be trusted.
    case broken(AuditBreak)
}

/// Where and how an audit chain breaks.
public struct AuditBreak: Sendable, Equatable, CustomStringConvertible {
    /// The first seq that is wrong, missing or unexpected.
    public var seq: Int64
    public var problem: AuditProblem

    public init(seq: Int64, problem: AuditProblem) {
        self.seq = seq
        self.problem = problem
    }

    public var description: String { "audit row \(seq): \(problem)" }
}

/// What is wrong at the first broken row.
public enum AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// A row is missing or out of order: the next stored seq is `found`, not `expected`.
    case seqGap(expected: Int64, found: Int64)
    /// The row's `prev_hash` is not the previous row's hash (or 64 zeros for seq 1).
    case prevHashMismatch(expected: String, stored: String)
    /// The row's content does not hash to its stored `hash`: a field was edited.
    case hashMismatch(computed: String, stored: String)
    /// The chain does not end at the head sealed into `run` when the run finished: rows were
    /// removed from its end, or appended after it.
    case sealedHeadMismatch(sealed: AuditHead, last: AuditHead?)

    public var description: String {
        switch self {
        case .seqGap(let expected, let found):
            "seq gap: expected seq \(expected), found \(found) (rows missing or reordered)"
        case .prevHashMismatch(let expected, let stored):
            "prev_hash mismatch: stored \(stored), previous row's hash is \(expected)"
        case .hashMismatch(let computed, let stored):
            "hash mismatch: stored \(stored), content hashes to \(computed) (row edited)"
        case .sealedHeadMismatch(let sealed, let last):
            "chain ends at \(last.map { "seq \($0.seq) (\($0.hash))" } ?? "no row"), "
                + "but the run sealed seq \(sealed.seq) (\(sealed.hash))"
        }
    }
}

/// The verifier's state between rows: the seq and hash the next row must follow.
struct AuditChainWalk {
    private var count = 0
    private var last: AuditHead?

    /// Checks one row against the previous; returns the break if there is one.
    mutating func check(_ entry: AuditEntry) -> AuditBreak? {
        let expectedSeq = (last?.seq ?? 0) + 1
        guard entry.seq == expectedSeq else {
            return AuditBreak(seq: expectedSeq, problem: .seqGap(expected: expectedSeq, found: entry.seq))
        }
        let expectedPrev = last?.hash ?? AuditChain.genesisHash
        guard entry.prevHash == expectedPrev else {
            return AuditBreak(seq: entry.seq, problem: .prevHashMismatch(expected: expectedPrev, stored: entry.prevHash))
        }
        let computed = AuditChain.hash(
            seq: entry.seq, timestampMicros: entry.timestampMicros, kind: entry.kind, payload: entry.payload,
            prevHash: entry.prevHash)
        guard computed == entry.hash else {
            return AuditBreak(seq: entry.seq, problem: .hashMismatch(computed: computed, stored: entry.hash))
        }
        count += 1
        last = AuditHead(seq: entry.seq, hash: entry.hash)
        return nil
    }

    /// The verdict after the last row, checked against the sealed head if there is one.
    func finish(sealedHead: AuditHead?) -> AuditVerification {
        if let sealedHead, sealedHead != last {
            let lastSeq = last?.seq ?? 0
            let seq = lastSeq < sealedHead.seq ? lastSeq + 1 : (lastSeq > sealedHead.seq ? sealedHead.seq + 1 : lastSeq)
            return .broken(AuditBreak(seq: seq, problem: .sealedHeadMismatch(sealed: sealedHead, last: last)))
        }
        return .intact(rowCount: count, head: last)
    }
}
