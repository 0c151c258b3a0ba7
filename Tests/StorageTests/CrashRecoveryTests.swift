import Foundation
import Testing
@testable import Storage

/// A crash is simulated by copying the database and its WAL while the writer still holds
/// them open, which is exactly what a killed process leaves on disk.
@Suite struct CrashRecoveryTests {
    /// Copies `run.sqlite` and its `-wal`/`-shm` companions from one folder to another.
    private func snapshot(_ from: TemporaryDirectory, to: TemporaryDirectory) throws {
        for suffix in ["", "-wal", "-shm"] {
            let source = from.file(RunStore.fileName + suffix)
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: to.file(RunStore.fileName + suffix))
            }
        }
    }

    private let points = (0..<500).map {
        EquityPoint(timestampMicros: Int64($0), cash: 1_000, equity: 1_000 + Double($0), drawdown: 0)
    }

    @Test func committedRowsInTheWALSurviveACrash() throws {
        let live = try TemporaryDirectory()
        let store = try Fixture.store(in: live, durability: .full)
        try store.append(equity: points)
        try store.record(order: Fixture.order("o-1"))
        let walSize = try FileManager.default.attributesOfItem(atPath: live.file("run.sqlite-wal").path)[.size] as? Int
        #expect((walSize ?? 0) > 0)

        let crashed = try TemporaryDirectory()
        try snapshot(live, to: crashed)
        let recovered = try RunStore.open(at: crashed.file(RunStore.fileName))
        #expect(try recovered.equityCurve() == points)
        #expect(try recovered.orders().map(\.clientOrderID) == ["o-1"])
        #expect(try recovered.state().status == .running)
        #expect(try recovered.verifyAudit() == .intact(rowCount: 1, head: try recovered.auditEntries().last.map {
            AuditHead(seq: $0.seq, hash: $0.hash)
        }))
        try store.close()
    }

    @Test func crashedRunOpensReadOnlyWithItsWAL() throws {
        let live = try TemporaryDirectory()
        let store = try Fixture.store(in: live)
        try store.append(equity: points)

        let crashed = try TemporaryDirectory()
        try snapshot(live, to: crashed)
        let reader = try RunStore.openReadOnly(at: crashed.file(RunStore.fileName))
        #expect(try reader.equityCurve().count == 500)
        #expect(try reader.state().status == .running)
        try store.close()
    }

    @Test func uncommittedBatchIsAbsentAfterACrash() throws {
        let live = try TemporaryDirectory()
        let store = try Fixture.store(in: live)
        try store.append(equity: points)
        // A batch that fails midway is rolled back before the snapshot, like a batch
        // interrupted by the crash itself: it must not appear in part.
        var bad = (500..<600).map {
            EquityPoint(timestampMicros: Int64($0), cash: 1, equity: 1, drawdown: 0)
        }
        bad.append(EquityPoint(timestampMicros: 0, cash: 1, equity: 1, drawdown: 0))
        #expect(throws: StorageError.self) { try store.append(equity: bad) }

        let crashed = try TemporaryDirectory()
        try snapshot(live, to: crashed)
        #expect(try RunStore.openReadOnly(at: crashed.file(RunStore.fileName)).equityCurve().count == 500)
        try store.close()
    }
}
