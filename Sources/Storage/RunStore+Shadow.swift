import Foundation
import GRDB

/// One row of `shadow_evaluations`: a model's hypothetical results over a run, scored in its
/// own shadow book (docs/backtesting.md, "Shadow models").
public struct ShadowEvaluationRecord: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// The model a signal reads; its decisions are the ones the strategy trades (or votes with).
        case live
        /// A model listed under `shadow:`: scored, never traded.
        case shadow
    }

    public var runID: String
    /// The model signal's name in the strategy.
    public var signal: String
    public var model: String
    public var version: String
    public var role: Role
    /// Long and short decisions taken.
    public var signals: Int
    /// Decisions whose close-to-close return until the next change had their sign.
    public var hits: Int
    public var hitRate: Double
    /// The shadow book's final equity minus its starting cash, in the quote currency.
    public var pnl: Double
    /// Annualised Sharpe ratio of the shadow book's bar returns.
    public var sharpe: Double
    /// Buy and hold of the signal's instrument over the same bars, as a fraction.
    public var benchmarkReturn: Double
    public var benchmarkSharpe: Double

    public init(runID: String, signal: String, model: String, version: String, role: Role, signals: Int, hits: Int,
                hitRate: Double, pnl: Double, sharpe: Double, benchmarkReturn: Double, benchmarkSharpe: Double) {
        self.runID = runID
        self.signal = signal
        self.model = model
        self.version = version
        self.role = role
        self.signals = signals
        self.hits = hits
        self.hitRate = hitRate
        self.pnl = pnl
        self.sharpe = sharpe
        self.benchmarkReturn = benchmarkReturn
        self.benchmarkSharpe = benchmarkSharpe
    }
}

extension RunStore {
    /// Records a run's shadow evaluations in one transaction: all of them or none.
    ///
    /// - Throws: ``StorageError`` `rejected` naming the record when a row breaks a schema rule
    ///   (a run id other than this database's, a hit rate outside 0...1, the same signal, model,
    ///   version and role twice).
    public func record(shadowEvaluations records: some Sequence<ShadowEvaluationRecord>) throws {
        let action = "recording shadow evaluations"
        try write(action) { db in
            var inserter = try RowInserter(db, sql: """
                INSERT INTO shadow_evaluations (run_id, signal, model, version, role, signals, hits, hit_rate, pnl, sharpe,
                                                benchmark_return, benchmark_sharpe)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in records {
                inserter.bind(record.runID)
                inserter.bind(record.signal)
                inserter.bind(record.model)
                inserter.bind(record.version)
                inserter.bind(record.role.rawValue)
                inserter.bind(Int64(record.signals))
                inserter.bind(Int64(record.hits))
                inserter.bind(record.hitRate)
                inserter.bind(record.pnl)
                inserter.bind(record.sharpe)
                inserter.bind(record.benchmarkReturn)
                inserter.bind(record.benchmarkSharpe)
                try refusing(action: action, record: "\(record.role.rawValue) model \(record.model)@\(record.version) of signal \(record.signal)") {
                    try inserter.insertRow()
                }
            }
        }
    }

    /// Every shadow evaluation of the run, in the order recorded.
    public func shadowEvaluations() throws -> [ShadowEvaluationRecord] {
        try read("shadow_evaluations") { db in
            var records: [ShadowEvaluationRecord] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT run_id, signal, model, version, role, signals, hits, hit_rate, pnl, sharpe, benchmark_return, benchmark_sharpe
                FROM shadow_evaluations ORDER BY id
                """)
            while let row = try rows.next() {
                let roleText: String = try row.decode(atIndex: 4)
                guard let role = ShadowEvaluationRecord.Role(rawValue: roleText) else {
                    throw StorageError.corruptRow(url, table: "shadow_evaluations", detail: "role '\(roleText)'")
                }
                records.append(ShadowEvaluationRecord(
                    runID: try row.decode(atIndex: 0), signal: try row.decode(atIndex: 1), model: try row.decode(atIndex: 2),
                    version: try row.decode(atIndex: 3), role: role, signals: try row.decode(atIndex: 5),
                    hits: try row.decode(atIndex: 6), hitRate: try row.decode(atIndex: 7), pnl: try row.decode(atIndex: 8),
                    sharpe: try row.decode(atIndex: 9), benchmarkReturn: try row.decode(atIndex: 10),
                    benchmarkSharpe: try row.decode(atIndex: 11)))
            }
            return records
        }
    }
}
