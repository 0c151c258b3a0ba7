import Foundation
import Testing
@testable import Storage

/// The schema's rules, met through RunStore: each refusal names the file and the record,
/// and leaves the batch's earlier rows unwritten.
@Suite struct SchemaConstraintTests {
    /// Expects `body` to throw a `rejected` StorageError whose problem contains `reason`.
    private func expectRejected(
        _ reason: String, in folder: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        #expect(sourceLocation: sourceLocation) {
            try body()
        } throws: { error in
            guard let storage = error as? StorageError else { return false }
            return storage.kind == .rejected && storage.path == folder.file(RunStore.fileName).path
                && storage.problem.contains(reason) && storage.remedy.contains("nothing from this batch was written")
        }
    }

    @Test func badBarRollsBackItsWholeBatch() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let good = BarRecord(instrument: "BTCUSD", timestampMicros: 0, open: 10, high: 12, low: 9, close: 11, volume: 5)
        try store.append(bars: [good])
        // The second bar repeats the stored bar's (instrument, time): the primary key refuses it,
        // and the first bar of the batch goes with it. (Bars are kept as the run used them, flagged
        // anomalies such as high < low included, so prices themselves are not checked.)
        let batch = [
            BarRecord(instrument: "BTCUSD", timestampMicros: 1, open: 10, high: 12, low: 9, close: 11, volume: 5),
            BarRecord(instrument: "BTCUSD", timestampMicros: 0, open: 10, high: 9, low: 12, close: 11, volume: 5),
        ]
        expectRejected("bar BTCUSD at ts_us 0", in: folder) { try store.append(bars: batch) }
        #expect(try store.bars() == [good])
    }

    @Test func emptyTextIsRefusedAndUnicodeTextIsKept() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        expectRejected("CHECK constraint failed: length(instrument) > 0", in: folder) {
            try store.append(bars: [BarRecord(instrument: "", timestampMicros: 0, open: 1, high: 1, low: 1, close: 1,
                                              volume: 0)])
        }
        let feature = FeatureValue(instrument: "BTC/€", name: "σ_20", timestampMicros: 7, value: -0.125)
        try store.append(features: [feature])
        #expect(try store.features() == [feature])
        let raw = try rawConnection(folder.file(RunStore.fileName))
        // "BTC/€" is 7 bytes of UTF-8: B T C / and the three bytes of U+20AC.
        #expect(try raw.read { try Int.fetchOne($0, sql: "SELECT length(CAST(instrument AS BLOB)) FROM features") } == 7)
    }

    @Test func duplicateBarIsRefused() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let bar = BarRecord(instrument: "BTCUSD", timestampMicros: 0, open: 1, high: 1, low: 1, close: 1, volume: 0)
        try store.append(bars: [bar])
        expectRejected("UNIQUE constraint failed: bars.instrument, bars.ts_us", in: folder) {
            try store.append(bars: [bar])
        }
    }

    @Test func notANumberIsRefusedAsMissing() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        // SQLite stores a NaN as NULL, so NOT NULL is what catches it.
        expectRejected("NOT NULL constraint failed: equity.equity", in: folder) {
            try store.append(equity: [EquityPoint(timestampMicros: 0, cash: 1, equity: .nan, drawdown: 0)])
        }
        expectRejected("CHECK constraint failed", in: folder) {
            try store.append(equity: [EquityPoint(timestampMicros: 0, cash: 1, equity: 1, drawdown: -0.1)])
        }
        #expect(try store.equityCurve().isEmpty)
    }

    @Test func limitOrderNeedsALimitPrice() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        var order = Fixture.order("o-1")
        order.limitPrice = nil
        expectRejected("order o-1", in: folder) { try store.record(order: order) }
        #expect(try store.orders().isEmpty)
    }

    @Test func recordedOrderKeepsItsTerms() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        try store.record(order: Fixture.order("o-1", quantity: 2))
        expectRejected("only status and updated_us may change", in: folder) {
            try store.record(order: Fixture.order("o-1", quantity: 3, updated: 2_000))
        }
        #expect(try store.orders().first?.quantity == 2)
    }

    @Test func finalStatusIsFinal() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        try store.record(order: Fixture.order("o-1", status: .cancelled, updated: 2_000))
        expectRejected("keeps its status", in: folder) {
            try store.record(order: Fixture.order("o-1", status: .accepted, updated: 3_000))
        }
        expectRejected("updated_us cannot move back", in: folder) {
            try store.record(order: Fixture.order("o-1", status: .cancelled, updated: 1_500))
        }
        #expect(try store.orders().first?.status == .cancelled)
    }

    @Test func childNeedsAnExistingParent() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        expectRejected("FOREIGN KEY constraint failed", in: folder) {
            try store.record(order: Fixture.order("child", parent: "no-such-parent"))
        }
    }

    @Test func fillNeedsAKnownOrderAndAFreshId() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let fill = FillRecord(
            fillID: "f-1", clientOrderID: "o-1", timestampMicros: 1, quantity: 1, price: 10, fee: 0, liquidity: .taker)
        expectRejected("FOREIGN KEY constraint failed", in: folder) { try store.record(fill: fill) }
        try store.record(order: Fixture.order("o-1", quantity: 2))
        try store.record(fill: fill)
        expectRejected("UNIQUE constraint failed: fills.fill_id", in: folder) { try store.record(fill: fill) }
        #expect(try store.fills() == [fill])
    }

    @Test func fillsCannotExceedTheOrder() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        try store.record(order: Fixture.order("o-1", quantity: 2))
        let first = FillRecord(
            fillID: "f-1", clientOrderID: "o-1", timestampMicros: 1, quantity: 1.5, price: 10, fee: 0, liquidity: .taker)
        let second = FillRecord(
            fillID: "f-2", clientOrderID: "o-1", timestampMicros: 2, quantity: 0.5, price: 10, fee: 0, liquidity: .taker)
        let third = FillRecord(
            fillID: "f-3", clientOrderID: "o-1", timestampMicros: 3, quantity: 0.01, price: 10, fee: 0, liquidity: .taker)
        try store.record(fills: [first, second])
        expectRejected("add up to more than its quantity", in: folder) { try store.record(fill: third) }
        #expect(try store.fills().count == 2)
    }

    @Test func riskEventSubjectMustBeJSON() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let event = RiskEventRecord(
            timestampMicros: 1, kind: "limit.max_position", severity: .warning, message: "stopped", subjectJSON: "{oops")
        expectRejected("risk event limit.max_position", in: folder) { try store.record(riskEvents: [event]) }
        #expect(try store.riskEvents().isEmpty)
    }

    @Test func manifestCannotBeEditedAfterwards() throws {
        let folder = try TemporaryDirectory()
        try Fixture.store(in: folder).close()
        let raw = try rawConnection(folder.file(RunStore.fileName))
        #expect {
            try raw.write { try $0.execute(sql: "UPDATE run SET strategy_path = 'other.yaml'") }
        } throws: { sqliteMessage($0) == "run: the manifest cannot change once recorded" }
        #expect {
            try raw.write { try $0.execute(sql: "DELETE FROM run_models") }
        } throws: { sqliteMessage($0) == "run_models: the manifest cannot change once recorded" }
    }
}
