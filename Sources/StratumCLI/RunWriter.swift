import Agents
import Foundation
import ModelRegistry
import Reports
import Runtime
import StrategyCompiler
import Storage

/// Writes a finished backtest into its run folder: run.sqlite (manifest, equity, orders, fills,
/// risk events, audit chain), trades.csv, equity.csv, statistics.json and report.html.
struct RunWriter {
    let prepared: PreparedStrategy
    let result: BacktestEngine.Result
    let statistics: BacktestStatistics
    let equity: [Reports.EquityPoint]
    let parametersJSON: String
    var clock = PhaseClock(enabled: false)

    /// The curve statistics, equity.csv and the report read: one point per moment (with several
    /// sources, the engine marks equity once all bars of a timestamp are in), aligned with `result.closes`.
    static func equityPoints(_ result: BacktestEngine.Result) -> [Reports.EquityPoint] {
        result.sink.equity.map { Reports.EquityPoint(timestamp: $0.timestamp, equity: $0.equity) }
    }

    /// The manifest: what the run read, hashed, so `--replay` can prove it reads the same again.
    static func manifest(for prepared: PreparedStrategy, runID: RunID, created: Int64, parametersJSON: String) throws -> RunManifest {
        let strategy = try FileDigest(contentsOf: URL(fileURLWithPath: prepared.path), recordedAs: prepared.path)
        let data = try prepared.dataFiles.map { try FileDigest(contentsOf: $0.url, recordedAs: $0.written) }
        // By name, then version: one model may be read at two versions (a live model and its shadow).
        let models = prepared.plan.strategy.models.values.sorted { ($0.name, $0.version) < ($1.name, $1.version) }.map {
            ModelDigest(name: $0.name, version: $0.version, sha256: $0.manifestHash)
        }
        return RunManifest(runID: runID, createdMicros: created, mode: .backtest, strategy: strategy, dataFiles: data,
                           models: models, stratumVersion: StratumVersion.current, parametersJSON: parametersJSON)
    }

    func write(into folder: URL, runID: RunID, created: Int64) throws {
        let manifest = try Self.manifest(for: prepared, runID: runID, created: created, parametersJSON: parametersJSON)
        let store = try RunStore.create(at: folder.appendingPathComponent(RunStore.fileName), manifest: manifest)
        do {
            try store.append(equity: result.sink.equity.map {
                Storage.EquityPoint(timestampMicros: $0.timestamp, cash: $0.cash, equity: $0.equity, drawdown: $0.drawdown)
            })
            clock.lap("  equity rows")
            try store.append(bars: result.sink.bars.map { market in
                BarRecord(instrument: instruments[market.instrument], timestampMicros: market.bar.timestamp, open: market.bar.open,
                          high: market.bar.high, low: market.bar.low, close: market.bar.close, volume: market.bar.volume)
            })
            try store.append(positions: positions())
            try recordOrders(in: store)
            clock.lap("  orders and fills")
            try store.record(riskEvents: result.sink.alerts.map { timestamp, alert in
                RiskEventRecord(timestampMicros: timestamp, kind: alert.kind.rawValue, severity: alert.kind == .drawdown || alert.kind == .halted ? .critical : .warning,
                                message: "\(alert.kind.rawValue): requested \(alert.requested), allowed \(alert.allowed) (measured \(alert.measured), limit \(alert.limit))",
                                subjectJSON: String(decoding: try JSONEncoder.stable.encode(alert), as: UTF8.self))
            })
            try store.appendAudit(result.sink.audit.map { record in
                AuditEvent(kind: record.kind, canonicalJSON: record.payload.canonicalJSON, at: record.timestamp)
            })
            // What the feeds looked like (anomalies, gaps) goes on the record too.
            try store.appendAudit(result.feeds.map { feed in
                try AuditEvent(kind: "feed.summary", payload: feed, at: feed.lastTimestamp ?? created)
            })
            clock.lap("  audit chain")
            try store.record(shadowEvaluations: Self.shadowRecords(result.shadows, runID: runID))
            try store.markCompleted(at: created)
            try store.close()
        } catch {
            try? store.close()
            throw error
        }
        try BlotterWriter.write(result.sink.trades, to: folder.appendingPathComponent("trades.csv"))
        try EquityWriter.write(equity, to: folder.appendingPathComponent("equity.csv"))
        clock.lap("  csv files")
        try Data(StatisticsJSON.encode(statistics).utf8).write(to: folder.appendingPathComponent("statistics.json"))
        try HTMLReport.write(title: prepared.plan.spec.name.value, statistics: statistics, equity: equity,
                             closes: result.closes, trades: result.sink.trades, to: folder.appendingPathComponent("report.html"))
        clock.lap("  report")
    }

    private var instruments: [String] { prepared.plan.spec.dataSources.map(\.instrument) }

    /// The position after each moment with fills: signed quantity and average entry price, the
    /// last fill of a moment standing for it (a reversal closes and reopens at one time).
    private func positions() -> [PositionRecord] {
        var quantity: [Int: Double] = [:]
        var average: [Int: Double] = [:]
        var records: [PositionRecord] = []
        var index: [String: Int] = [:]
        for (timestamp, fill) in result.sink.fills {
            let held = quantity[fill.instrument, default: 0]
            let next = held + fill.quantity
            let price: Double
            if next == 0 {
                price = 0
            } else if held == 0 || (held > 0) == (fill.quantity > 0) {
                // Opening or adding: volume-weighted entry price.
                price = (average[fill.instrument, default: 0] * abs(held) + fill.price * abs(fill.quantity)) / abs(next)
            } else if (held > 0) == (next > 0) {
                price = average[fill.instrument, default: 0]  // reducing keeps the entry price
            } else {
                price = fill.price  // reversed: the new side starts at this fill
            }
            quantity[fill.instrument] = next
            average[fill.instrument] = price
            let record = PositionRecord(instrument: instruments[fill.instrument], timestampMicros: timestamp, quantity: next, averagePrice: price)
            let key = "\(fill.instrument)@\(timestamp)"
            if let existing = index[key] {
                records[existing] = record
            } else {
                index[key] = records.count
                records.append(record)
            }
        }
        return records
    }

    /// Orders in their final state, parents before children (ids grow in creation order), then fills.
    private func recordOrders(in store: RunStore) throws {
        let instruments = prepared.plan.spec.dataSources.map(\.instrument)
        var latest: [UInt64: (created: Int64, updated: Int64, order: OrderUpdate)] = [:]
        for (timestamp, order) in result.sink.orders {
            latest[order.id] = (latest[order.id]?.created ?? timestamp, timestamp, order)
        }
        let records = latest.values.sorted { $0.order.id < $1.order.id }.map { entry in
            let order = entry.order
            return OrderRecord(clientOrderID: Self.clientID(order.id), parentClientOrderID: order.parent == order.id ? nil : Self.clientID(order.parent),
                               instrument: instruments[order.instrument], side: order.quantity >= 0 ? .buy : .sell,
                               type: order.kind == .limit ? .limit : .market, quantity: abs(order.quantity), limitPrice: order.limitPrice,
                               status: Self.status(order.status), createdMicros: entry.created, updatedMicros: entry.updated,
                               traceID: "\(prepared.plan.hash.prefix(12))-\(order.parent)")
        }
        try store.record(orders: records)
        try store.record(fills: result.sink.fills.enumerated().map { index, entry in
            FillRecord(fillID: "\(Self.clientID(entry.fill.order))-f\(index + 1)", clientOrderID: Self.clientID(entry.fill.order),
                       timestampMicros: entry.timestamp, quantity: abs(entry.fill.quantity),
                       price: entry.fill.price, fee: entry.fill.fee, liquidity: .taker)
        })
    }

    /// The run's model scores as `shadow_evaluations` rows.
    static func shadowRecords(_ evaluations: [ShadowEvaluator.Evaluation], runID: RunID) -> [ShadowEvaluationRecord] {
        evaluations.map { evaluation in
            ShadowEvaluationRecord(runID: runID.description, signal: evaluation.subject.signalName, model: evaluation.subject.model,
                                   version: evaluation.subject.version, role: evaluation.subject.role == .live ? .live : .shadow,
                                   signals: evaluation.signals, hits: evaluation.hits, hitRate: evaluation.hitRate, pnl: evaluation.pnl,
                                   sharpe: evaluation.sharpe, benchmarkReturn: evaluation.benchmarkReturn,
                                   benchmarkSharpe: evaluation.benchmarkSharpe)
        }
    }

    /// The run's model scores as registry records, for `shadow-report` and gated promotion.
    static func registryRecords(_ evaluations: [ShadowEvaluator.Evaluation], runID: RunID, instruments: [String],
                                time: Date) -> [ShadowEvaluation] {
        evaluations.map { evaluation in
            let instrument = instruments.indices.contains(evaluation.subject.instrument) ? instruments[evaluation.subject.instrument] : "?"
            return ShadowEvaluation(model: evaluation.subject.model, version: evaluation.subject.version, runId: runID.description,
                                    time: time, signals: evaluation.signals, hitRate: evaluation.hitRate, pnl: evaluation.pnl,
                                    sharpe: evaluation.sharpe,
                                    benchmark: .init(name: "buy-and-hold \(instrument)", pnl: evaluation.benchmarkPnL,
                                                     sharpe: evaluation.benchmarkSharpe))
        }
    }

    static func clientID(_ id: UInt64) -> String { "o\(id)" }

    static func status(_ status: OrderUpdate.Status) -> OrderStatus {
        switch status {
        case .accepted: .accepted
        case .partiallyFilled: .partiallyFilled
        case .filled: .filled
        case .cancelled: .cancelled
        case .rejected: .rejected
        case .expired: .expired
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same value always gives the same bytes.
    static var stable: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
