import Foundation
import GRDB
import Testing
@testable import Storage

/// Creating, reopening and reading run databases on real files.
@Suite struct RunStoreTests {
    @Test func manifestRoundTripsAndRunStartsRunning() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        #expect(try store.manifest() == Fixture.manifest())
        #expect(try store.state() == RunState(status: .running, finishedMicros: nil, failureReason: nil, auditHead: nil))
        let created = try store.auditEntries()[0]
        #expect(created.kind == "run.created")
        #expect(created.payload.contains(#""runID":"20240305-140709-865f361""#))
        #expect(created.payload.contains(#""parametersJSON":"{\"fast\":10,\"slow\":30}""#))
    }

    @Test func databaseUsesWALWithTheChosenSynchronousLevel() throws {
        let folder = try TemporaryDirectory()
        let normal = try Fixture.store(in: folder)
        // SQLite reports synchronous as a number: NORMAL is 1, FULL is 2.
        #expect(try normal.writer!.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
        #expect(try normal.writer!.write { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try normal.writer!.write { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
        try normal.close()

        let reopened = try RunStore.open(at: folder.file(RunStore.fileName), durability: .full)
        #expect(try reopened.writer!.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }

    @Test func migrationsAreRecordedByName() throws {
        let folder = try TemporaryDirectory()
        try Fixture.store(in: folder).close()
        let raw = try rawConnection(folder.file(RunStore.fileName))
        let applied = try raw.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(applied == ["v1-core", "v1-audit", "v2-shadow", "v3-optional-json", "v4-column-blocks",
                           "v5-audit-prev-hash", "v6-audit-hash-trigger",
                           "v7-orders-without-in-lists"])
    }

    @Test func tradingRecordsRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let parent = Fixture.order("twap-1")
        let child = OrderRecord(
            clientOrderID: "twap-1.1", parentClientOrderID: "twap-1", instrument: "BTCUSD", side: .sell,
            type: .stopLimit, quantity: 0.5, limitPrice: 41_000, stopPrice: 41_500, status: .pending,
            createdMicros: 2_000, updatedMicros: 2_000, traceID: "trace-9")
        try store.record(orders: [parent, child])
        let fill = FillRecord(
            fillID: "f-1", clientOrderID: "twap-1", timestampMicros: 3_000, quantity: 1.25, price: 42_000.5,
            fee: -0.42, liquidity: .maker)
        try store.record(fill: fill)
        let bars = [
            BarRecord(instrument: "BTCUSD", timestampMicros: 0, open: 10, high: 12, low: 9, close: 11, volume: 5),
            BarRecord(instrument: "BTCUSD", timestampMicros: 60_000_000, open: 11, high: 11, low: 11, close: 11,
                      volume: 0),
        ]
        try store.append(bars: bars)
        let equity = [
            EquityPoint(timestampMicros: 0, cash: 1_000, equity: 1_000, drawdown: 0),
            EquityPoint(timestampMicros: 60_000_000, cash: 900, equity: 950, drawdown: 0.05),
        ]
        try store.append(equity: equity)
        let positions = [PositionRecord(instrument: "BTCUSD", timestampMicros: 3_000, quantity: -1.25, averagePrice: 42_000.5)]
        try store.append(positions: positions)
        let features = [FeatureValue(instrument: "BTCUSD", name: "sma_fast", timestampMicros: 0, value: 10.5)]
        try store.append(features: features)
        let risk = RiskEventRecord(
            timestampMicros: 4_000, kind: "limit.max_position", severity: .critical, message: "order stopped",
            subjectJSON: #"{"clientOrderID":"twap-1.1"}"#)
        try store.record(riskEvents: [risk])

        #expect(try store.orders() == [parent, child])
        #expect(try store.fills() == [fill])
        #expect(try store.bars() == bars)
        #expect(try store.equityCurve() == equity)
        #expect(try store.positions() == positions)
        #expect(try store.features() == features)
        #expect(try store.riskEvents() == [risk])
    }

    @Test func recordingAnOrderAgainUpdatesItsStatus() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        try store.record(order: Fixture.order("o-1", status: .accepted, updated: 1_000))
        try store.record(order: Fixture.order("o-1", status: .filled, updated: 5_000))
        let orders = try store.orders()
        #expect(orders.count == 1)
        #expect(orders.first?.status == .filled)
        #expect(orders.first?.updatedMicros == 5_000)
    }

    @Test func incidentsOpenAndCloseOnce() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let id = try store.openIncident(NewIncident(
            openedMicros: 100, agent: "execution", severity: .warning, summary: "heartbeat missed",
            detailsJSON: #"{"gapMs":3000}"#))
        try store.closeIncident(id: id, at: 250, resolution: "restarted execution")
        #expect(try store.incidents() == [IncidentRecord(
            id: id, openedMicros: 100, agent: "execution", severity: .warning, summary: "heartbeat missed",
            detailsJSON: #"{"gapMs":3000}"#, closedMicros: 250, resolution: "restarted execution")])
        #expect {
            try store.closeIncident(id: id, at: 300, resolution: "again")
        } throws: { ($0 as? StorageError)?.problem.contains("a closed incident cannot change") == true }
        #expect {
            try store.closeIncident(id: id + 1, at: 300, resolution: "none")
        } throws: { ($0 as? StorageError)?.problem.contains("no such incident") == true }
    }

    /// SQLite before 3.45 (Debian 12 ships 3.40) answers `json_valid(NULL)` with 0, so a bare
    /// `CHECK (json_valid(col))` refuses a row that leaves the optional column out.
    @Test func optionalJSONColumnsTakeNull() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let id = try store.openIncident(NewIncident(openedMicros: 100, agent: "feature", severity: .info, summary: "restarted"))
        try store.record(riskEvents: [RiskEventRecord(timestampMicros: 100, kind: "var", severity: .warning, message: "VaR over limit")])
        #expect(try store.incidents().map(\.id) == [id])
        #expect(try store.incidents().first?.detailsJSON == nil)
        #expect {
            try store.openIncident(NewIncident(openedMicros: 100, agent: "feature", severity: .info, summary: "x", detailsJSON: "{not json"))
        } throws: { $0 is StorageError }
    }

    @Test func failedRunKeepsItsReason() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let finished = try Fixture.manifest().createdMicros + 1
        try store.markFailed(reason: "data file ended early", at: finished)
        let state = try store.state()
        #expect(state.status == .failed)
        #expect(state.failureReason == "data file ended early")
        #expect(state.finishedMicros == finished)
        #expect {
            try store.markCompleted(at: finished + 1)
        } throws: { ($0 as? StorageError)?.kind == .rejected }
        #expect(try store.state().status == .failed)
    }

    @Test func readOnlyStoreReadsButRefusesWrites() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        let writer = try Fixture.store(in: folder)
        try writer.append(equity: [EquityPoint(timestampMicros: 1, cash: 1, equity: 1, drawdown: 0)])
        try writer.close()
        let before = try Data(contentsOf: url)

        let reader = try RunStore.openReadOnly(at: url)
        #expect(reader.isReadOnly)
        #expect(try reader.equityCurve().count == 1)
        #expect {
            try reader.append(equity: [EquityPoint(timestampMicros: 2, cash: 1, equity: 1, drawdown: 0)])
        } throws: { error in
            (error as? StorageError)?.kind == .readOnly && "\(error)".hasPrefix(url.path)
        }
        try reader.close()
        #expect(try Data(contentsOf: url) == before)
    }

    @Test func createRefusesAnExistingFileAndLeavesItAlone() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        try Data("keep me".utf8).write(to: url)
        #expect {
            try RunStore.create(at: url, manifest: Fixture.manifest())
        } throws: { ($0 as? StorageError)?.kind == .alreadyExists }
        #expect(try Data(contentsOf: url) == Data("keep me".utf8))
    }

    @Test func createWithABadManifestLeavesNoFile() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        var manifest = try Fixture.manifest()
        manifest.strategy.sha256 = "not-a-hash"
        #expect {
            try RunStore.create(at: url, manifest: manifest)
        } throws: { error in
            let storage = error as? StorageError
            return storage?.kind == .rejected && storage?.problem.contains("strategy_sha256") == true
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func openingAFileThatIsNotSQLiteNamesItAndKeepsIt() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("notes.sqlite")
        let text = Data(String(repeating: "not a database\n", count: 100).utf8)
        try text.write(to: url)
        #expect {
            try RunStore.open(at: url)
        } throws: { error in
            (error as? StorageError)?.kind == .notARunDatabase && "\(error)".hasPrefix(url.path + ": is not a Stratum run database")
        }
        #expect(try Data(contentsOf: url) == text)
    }

    @Test func openingAnotherSQLiteDatabaseDoesNotMigrateIt() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("other.sqlite")
        let other = try DatabaseQueue(path: url.path)
        try other.write { try $0.execute(sql: "CREATE TABLE notes (body TEXT)") }
        try other.close()
        #expect {
            try RunStore.open(at: url)
        } throws: { ($0 as? StorageError)?.kind == .notARunDatabase }
        let check = try DatabaseQueue(path: url.path)
        #expect(try check.read { try $0.tableExists("run") } == false)
        #expect(try check.read { try $0.tableExists("grdb_migrations") } == false)
    }

    @Test func databaseFromANewerStratumIsRefusedUntouched() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file(RunStore.fileName)
        try Fixture.store(in: folder).close()
        let raw = try rawConnection(url)
        try raw.write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v9-future')") }
        try raw.close()
        #expect {
            try RunStore.open(at: url)
        } throws: { error in
            (error as? StorageError)?.kind == .newerSchema && "\(error)".contains("v9-future")
        }
        #expect {
            try RunStore.openReadOnly(at: url)
        } throws: { ($0 as? StorageError)?.kind == .newerSchema }
    }
}
