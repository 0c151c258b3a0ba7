import Foundation
import GRDB
import Testing
@testable import Storage

/// The `shadow_evaluations` table (migration v2-shadow) in real run databases.
struct ShadowEvaluationStoreTests {
    static func record(role: ShadowEvaluationRecord.Role = .shadow, version: String = "v261125", runID: String = "20240305-140709-865f361",
                       signals: Int = 4, hits: Int = 3, hitRate: Double = 0.75) -> ShadowEvaluationRecord {
        ShadowEvaluationRecord(runID: runID, signal: "model", model: "momentum", version: version, role: role, signals: signals,
                               hits: hits, hitRate: hitRate, pnl: 125.5, sharpe: 0.8, benchmarkReturn: 0.12, benchmarkSharpe: 0.6)
    }

    @Test func rowsRoundTripInOrder() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let rows = [Self.record(role: .live, version: "v261124"), Self.record()]
        try store.record(shadowEvaluations: rows)
        try store.close()
        let reader = try RunStore.openReadOnly(at: folder.file(RunStore.fileName))
        defer { try? reader.close() }
        #expect(try reader.shadowEvaluations() == rows)
    }

    @Test func theSchemaRefusesMalformedRows() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        defer { try? store.close() }
        let refused: [ShadowEvaluationRecord] = [
            Self.record(hitRate: 1.5),
            Self.record(signals: 2, hits: 3, hitRate: 1),
            Self.record(runID: "20990101-000000-0000000"),
        ]
        for row in refused {
            #expect { try store.record(shadowEvaluations: [row]) } throws: { ($0 as? StorageError)?.kind == .rejected }
        }
        // A batch with a duplicate leaves nothing of itself behind.
        #expect { try store.record(shadowEvaluations: [Self.record(), Self.record()]) } throws: {
            ($0 as? StorageError)?.kind == .rejected
        }
        #expect(try store.shadowEvaluations().isEmpty)
        try store.record(shadowEvaluations: [Self.record()])
        let raw = try rawConnection(folder.file(RunStore.fileName))
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "UPDATE shadow_evaluations SET pnl = 0") } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "DELETE FROM shadow_evaluations") } }
    }

    @Test func aVersionOneDatabaseIsBroughtForward() throws {
        let folder = try TemporaryDirectory()
        try Fixture.store(in: folder).close()
        // Undo v2-shadow by hand: the file now looks like one an older Stratum wrote.
        let raw = try rawConnection(folder.file(RunStore.fileName))
        try raw.write { db in
            try db.execute(sql: "DROP TABLE shadow_evaluations")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v2-shadow'")
        }
        try raw.close()
        #expect(throws: StorageError.self) { try RunStore.openReadOnly(at: folder.file(RunStore.fileName)) }
        let reopened = try RunStore.open(at: folder.file(RunStore.fileName))
        try reopened.record(shadowEvaluations: [Self.record()])
        #expect(try reopened.shadowEvaluations().count == 1)
        try reopened.close()
    }
}
