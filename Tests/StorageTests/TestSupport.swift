import Foundation
import GRDB
@testable import Storage

/// A fresh folder under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("stratum-storage-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path inside the folder.
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

enum Fixture {
    static let strategySHA = "5d41402abc4b2a76b9719d911017c592ae2cdb3ef1e5d3bba3e7a2e1f6a9e0c1"
    static let dataSHA = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    static let modelSHA = "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"

    static func manifest(mode: RunMode = .backtest) throws -> RunManifest {
        RunManifest(
            runID: try RunID("20240305-140709-865f361"),
            createdMicros: 1_709_647_629_000_000,
            mode: mode,
            strategy: FileDigest(path: "strategies/sma_cross.yaml", sha256: strategySHA),
            dataFiles: [
                FileDigest(path: "data/btcusd_1h.csv", sha256: dataSHA),
                FileDigest(path: "data/ethusd_1h.csv", sha256: modelSHA),
            ],
            models: [ModelDigest(name: "momentum", version: "v261124", sha256: modelSHA)],
            stratumVersion: "0.1.0",
            parametersJSON: #"{"fast":10,"slow":30}"#)
    }

    /// Creates a run database in `folder` with the fixture manifest.
    static func store(in folder: TemporaryDirectory, durability: Durability = .normal) throws -> RunStore {
        try RunStore.create(at: folder.file(RunStore.fileName), manifest: manifest(), durability: durability)
    }

    static func order(
        _ id: String, status: OrderStatus = .accepted, quantity: Double = 2, updated: Int64 = 1_000,
        parent: String? = nil
    ) -> OrderRecord {
        OrderRecord(
            clientOrderID: id, parentClientOrderID: parent, instrument: "BTCUSD", side: .buy, type: .limit,
            quantity: quantity, limitPrice: 42_000.5, status: status, createdMicros: 1_000, updatedMicros: updated,
            traceID: "trace-\(id)")
    }
}

/// A second connection straight to the file, bypassing RunStore, as a tamperer would.
func rawConnection(_ url: URL) throws -> DatabaseQueue {
    try DatabaseQueue(path: url.path)
}

/// The message of a GRDB error, or the description of any other error.
func sqliteMessage(_ error: any Error) -> String {
    (error as? DatabaseError)?.message ?? "\(error)"
}
