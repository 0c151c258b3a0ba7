import Foundation
import GRDB
import Testing
@testable import Storage

/// The audit log as written by RunStore: chaining, append-only triggers, tamper detection.
@Suite struct AuditLogTests {
    struct Reload: Encodable {
        let file: String
        let changed: [String]
    }

    /// A run with `run.created` plus four more rows: seq 1...5.
    private func fiveRowRun(_ folder: TemporaryDirectory) throws -> RunStore {
        let store = try Fixture.store(in: folder)
        for index in 2...5 {
            try store.appendAudit(
                kind: "reload.applied", payload: Reload(file: "s.yaml", changed: ["node\(index)"]),
                at: Int64(index) * 1_000)
        }
        return store
    }

    @Test func rowsChainFromTheGenesisHash() throws {
        let folder = try TemporaryDirectory()
        let store = try fiveRowRun(folder)
        let entries = try store.auditEntries()
        #expect(entries.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(entries[0].kind == "run.created")
        #expect(entries[0].prevHash == String(repeating: "0", count: 64))
        for (previous, entry) in zip(entries, entries.dropFirst()) {
            #expect(entry.prevHash == previous.hash)
        }
        #expect(entries[1].payload == #"{"changed":["node2"],"file":"s.yaml"}"#)
        #expect(try store.verifyAudit() == .intact(rowCount: 5, head: AuditHead(seq: 5, hash: entries[4].hash)))
    }

    /// The stored `run.created` row of the fixture run, hashed outside Swift:
    /// `printf '1\n1709647629000000\nrun.created\n%s\n%064d' "$MANIFEST_JSON" 0 | sha256sum`, where
    /// MANIFEST_JSON is the payload expected below.
    @Test func createdRowHashMatchesSha256sumOfTheManifest() throws {
        let folder = try TemporaryDirectory()
        let created = try Fixture.store(in: folder).auditEntries()[0]
        let manifestJSON = #"{"createdMicros":1709647629000000,"dataFiles":[{"path":"data/btcusd_1h.csv","sha256":"#
            + #""2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},{"path":"data/ethusd_1h.csv","#
            + #""sha256":"fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"}],"mode":"backtest","#
            + #""models":[{"name":"momentum","sha256":"#
            + #""fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9","version":"v261124"}],"#
            + #""parametersJSON":"{\"fast\":10,\"slow\":30}","runID":"20240305-140709-865f361","#
            + #""strategy":{"path":"strategies/sma_cross.yaml","#
            + #""sha256":"5d41402abc4b2a76b9719d911017c592ae2cdb3ef1e5d3bba3e7a2e1f6a9e0c1"},"stratumVersion":"0.1.0"}"#
        #expect(created.payload == manifestJSON)
        #expect(created.hash == "0833a26e34d98865c4475a9f733c135cb2069e5832f86efb7ae7f2091ea3a2c8")
    }

    /// A stored row's canonical bytes are exactly the documented string.
    @Test func storedHashCoversTheDocumentedFields() throws {
        let folder = try TemporaryDirectory()
        let store = try fiveRowRun(folder)
        let row2 = try store.auditEntries()[1]
        let canonical = "2\n2000\nreload.applied\n" + #"{"changed":["node2"],"file":"s.yaml"}"# + "\n" + row2.prevHash
        #expect(AuditChain.canonicalBytes(
            seq: row2.seq, timestampMicros: row2.timestampMicros, kind: row2.kind, payload: row2.payload,
            prevHash: row2.prevHash) == Array(canonical.utf8))
    }

    @Test func updateIsRefusedByTrigger() throws {
        let folder = try TemporaryDirectory()
        _ = try fiveRowRun(folder)
        let raw = try rawConnection(folder.file(RunStore.fileName))
        #expect {
            try raw.write { try $0.execute(sql: "UPDATE audit SET payload = '{}' WHERE seq = 3") }
        } throws: { sqliteMessage($0) == "audit is append-only: rows cannot be updated" }
        let payload = try raw.read { try String.fetchOne($0, sql: "SELECT payload FROM audit WHERE seq = 3") }
        #expect(payload == #"{"changed":["node3"],"file":"s.yaml"}"#)
    }

    @Test func deleteIsRefusedByTrigger() throws {
        let folder = try TemporaryDirectory()
        _ = try fiveRowRun(folder)
        let raw = try rawConnection(folder.file(RunStore.fileName))
        #expect {
            try raw.write { try $0.execute(sql: "DELETE FROM audit WHERE seq = 2") }
        } throws: { sqliteMessage($0) == "audit is append-only: rows cannot be deleted" }
        #expect(try raw.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audit") } == 5)
    }

    @Test func insertThatSkipsTheHeadIsRefused() throws {
        let folder = try TemporaryDirectory()
        _ = try fiveRowRun(folder)
        let raw = try rawConnection(folder.file(RunStore.fileName))
        let zeros = String(repeating: "0", count: 64)
        #expect {
            try raw.write {
                try $0.execute(
                    sql: "INSERT INTO audit VALUES (7, 1, 'forged', '{}', ?, ?)", arguments: [zeros, zeros])
            }
        } throws: { sqliteMessage($0).hasPrefix("audit is append-only") }
    }

    @Test func editedPayloadIsCaughtAtItsSeq() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        try fiveRowRun(folder).close()
        try tamper(url, """
            DROP TRIGGER audit_no_update;
            UPDATE audit SET payload = '{"changed":["forged"],"file":"s.yaml"}' WHERE seq = 3;
            """)
        let verification = try AuditVerifier.verify(databaseAt: url)
        guard case .broken(let broken) = verification else {
            Issue.record("expected a broken chain, got \(verification)")
            return
        }
        #expect(broken.seq == 3)
        guard case .hashMismatch = broken.problem else {
            Issue.record("expected a hash mismatch, got \(broken.problem)")
            return
        }
    }

    @Test func rehashedRowIsCaughtAtTheNextSeq() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try fiveRowRun(folder)
        let row3 = try store.auditEntries()[2]
        try store.close()
        let forged = #"{"changed":["forged"],"file":"s.yaml"}"#
        let forgedHash = AuditChain.hash(
            seq: 3, timestampMicros: row3.timestampMicros, kind: row3.kind, payload: forged, prevHash: row3.prevHash)
        try tamper(url, """
            DROP TRIGGER audit_no_update;
            UPDATE audit SET payload = '\(forged)', hash = '\(forgedHash)' WHERE seq = 3;
            """)
        #expect(try AuditVerifier.verify(databaseAt: url) == .broken(AuditBreak(
            seq: 4, problem: .prevHashMismatch(expected: forgedHash, stored: row3.hash))))
    }

    @Test func deletedRowIsCaughtAsASeqGap() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        try fiveRowRun(folder).close()
        try tamper(url, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3;")
        #expect(try AuditVerifier.verify(databaseAt: url)
            == .broken(AuditBreak(seq: 3, problem: .seqGap(expected: 3, found: 4))))
    }

    @Test func firstRowWithForeignPrevHashIsCaught() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        try fiveRowRun(folder).close()
        let other = String(repeating: "ab", count: 32)
        try tamper(url, "DROP TRIGGER audit_no_update; UPDATE audit SET prev_hash = '\(other)' WHERE seq = 1;")
        #expect(try AuditVerifier.verify(databaseAt: url) == .broken(AuditBreak(
            seq: 1, problem: .prevHashMismatch(expected: AuditChain.genesisHash, stored: other))))
    }

    @Test func finishedRunSealsTheLogAndCatchesARemovedTail() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let store = try fiveRowRun(folder)
        try store.markCompleted(at: Fixture.manifest().createdMicros + 9_000)
        let entries = try store.auditEntries()
        #expect(entries.last?.kind == "run.completed")
        #expect(entries.last?.payload == #"{"status":"completed"}"#)
        #expect(try store.state().auditHead == AuditHead(seq: 6, hash: entries[5].hash))
        #expect {
            try store.appendAudit(kind: "late", payload: ["x": 1], at: Fixture.manifest().createdMicros + 9_001)
        } throws: { ($0 as? StorageError)?.problem.contains("audit is sealed") == true }
        try store.close()

        try tamper(url, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 6;")
        #expect(try AuditVerifier.verify(databaseAt: url) == .broken(AuditBreak(
            seq: 6,
            problem: .sealedHeadMismatch(
                sealed: AuditHead(seq: 6, hash: entries[5].hash),
                last: AuditHead(seq: 5, hash: entries[4].hash)))))
    }

    @Test func kindWithALineFeedIsRefused() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        #expect {
            try store.appendAudit(kind: "two\nlines", payload: ["x": 1], at: 1)
        } throws: { error in
            let storage = error as? StorageError
            return storage?.kind == .rejected && storage?.path == folder.file(RunStore.fileName).path
        }
        #expect(try store.auditEntries().count == 1)
    }

    @Test func verifierNamesAMissingFile() throws {
        let folder = try TemporaryDirectory()
        let missing = folder.file("nope/run.sqlite")
        #expect {
            try AuditVerifier.verify(databaseAt: missing)
        } throws: { error in
            let storage = error as? StorageError
            return storage?.kind == .missingFile && "\(error)".hasPrefix(missing.path + ": no such file")
        }
    }

    @Test func inMemoryVerificationAgreesWithTheDatabase() throws {
        let folder = try TemporaryDirectory()
        let store = try fiveRowRun(folder)
        var entries = try store.auditEntries()
        #expect(AuditVerifier.verify(entries, sealedHead: nil) == (try store.verifyAudit()))
        entries[1].timestampMicros += 1
        #expect(AuditVerifier.verify(entries, sealedHead: nil).brokenSeq == 2)
    }

    /// Runs SQL through its own connection, as someone editing the file by hand would.
    private func tamper(_ url: URL, _ sql: String) throws {
        let raw = try rawConnection(url)
        try raw.write { try $0.execute(sql: sql) }
        try raw.close()
    }
}

extension AuditVerification {
    /// The seq of the first broken row, nil when intact.
    var brokenSeq: Int64? {
        if case .broken(let broken) = self { return broken.seq }
        return nil
    }
}
