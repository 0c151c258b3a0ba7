import Agents
import Foundation
import ModelRegistry
import Reports
import Runtime
import StrategyCompiler
import Storage

/// Writes a backtest's run folder while the run goes: run.sqlite (manifest, bars used, equity,
/// orders, fills, positions, risk events, audit chain), trades.csv and equity.csv as the
/// envelopes arrive, then statistics.json and report.html from what it gathered on the way
/// (``StatisticsAccumulator``, ``ReportCurves``). Nothing it keeps grows with the bars but the
/// few numbers per closed trade and per day that the statistics read.
///
/// Two threads share the work so the engine does not wait on storage: ``prepare(_:into:)``
/// turns the engine's envelopes into rows (chaining the audit hashes), writes the CSV files and
/// gathers statistics; ``storeRows(_:)`` writes the rows into run.sqlite in one bulk-load
/// transaction. Bounded channels join engine, preparer and store.
final class RunWriter {
    let prepared: PreparedStrategy
    let folder: URL
    let store: RunStore
    private let instruments: [String]
    private let tracePrefix: String
    private let equityFile: EquityWriter.Stream
    private let tradesFile: BlotterWriter.Stream
    private(set) var statistics: StatisticsAccumulator
    private(set) var curves = ReportCurves()
    private(set) var finalEquity: Double?
    private var lastClose = Double.nan
    /// Equity points waiting for the first instrument's first close: moments before it take that close.
    private var waitingForClose: [(timestamp: Int64, equity: Double)] = []
    /// Orders recorded and not yet in a final status.
    private var openOrders = Set<UInt64>()
    private var fills = 0
    private var positions = PositionBook()
    private var chain: AuditChainer
    /// The batch being prepared.
    private var batch = RunBatch()
    /// Orders inserted in the batch being prepared: where their row is, so that a later status
    /// in the same batch goes into that row instead of an UPDATE (the table keeps only an
    /// order's latest state, and most orders fill within a batch of being placed).
    private var insertedInBatch: [UInt64: Int] = [:]

    init(prepared: PreparedStrategy, folder: URL, store: RunStore) throws {
        self.prepared = prepared
        self.folder = folder
        self.store = store
        instruments = prepared.plan.spec.dataSources.map(\.instrument)
        tracePrefix = String(prepared.plan.hash.prefix(12))
        equityFile = try EquityWriter.Stream(url: folder.appendingPathComponent("equity.csv"))
        tradesFile = try BlotterWriter.Stream(url: folder.appendingPathComponent("trades.csv"))
        statistics = StatisticsAccumulator(firstTradingBar: prepared.plan.firstTradingBar)
        chain = AuditChainer(after: try store.auditEntries().last)
    }

    /// Turns every batch of envelopes into a batch of rows for ``storeRows(_:)``, writing the CSV
    /// files and gathering statistics on the way, until the engine's channel closes. Stops early
    /// (abandoning the engine's channel) when the store has given up.
    func prepare(_ envelopes: EnvelopeChannel, into rowBatches: BatchChannel<RunBatch>) throws {
        while let envelopeBatch = envelopes.receive() {
            if rowBatches.isAbandoned {
                envelopes.abandon()
                return
            }
            batch.reserve(envelopeBatch.count)
            for envelope in envelopeBatch { try take(envelope) }
            rowBatches.send(batch)
            batch = RunBatch()
            insertedInBatch.removeAll(keepingCapacity: true)
        }
        batch.rows = positions.drain(instruments).map(RunRow.position)
        try flushWaiting()
        rowBatches.send(batch)
        batch = RunBatch()
        // The CSV files are complete: they go to disk while the store writes its last rows.
        try equityFile.finish()
        try tradesFile.finish()
    }

    /// Writes every batch into run.sqlite in one transaction, until the channel closes.
    func storeRows(_ rowBatches: BatchChannel<RunBatch>) throws {
        try store.bulkLoad { loader in
            while let batch = rowBatches.receive() {
                for bar in batch.bars { try loader.append(bar: bar) }
                for point in batch.equity { try loader.append(equity: point) }
                for row in batch.rows { try loader.append(row) }
            }
        }
    }

    private func take(_ envelope: Envelope) throws {
        switch envelope.payload {
        case .bar(let market):
            let bar = market.bar
            if market.instrument == 0 { lastClose = bar.close }
            batch.bars.append(BarRecord(instrument: instruments[market.instrument], timestampMicros: bar.timestamp, open: bar.open,
                                        high: bar.high, low: bar.low, close: bar.close, volume: bar.volume))
        case .equity(let snapshot):
            batch.equity.append(Storage.EquityPoint(timestampMicros: snapshot.timestamp, cash: snapshot.cash,
                                                    equity: snapshot.equity, drawdown: snapshot.drawdown))
            finalEquity = snapshot.equity
            if lastClose.isNaN && (!waitingForClose.isEmpty || statistics.count == 0) {
                waitingForClose.append((snapshot.timestamp, snapshot.equity))
            } else {
                try flushWaiting()
                try mark(snapshot.timestamp, snapshot.equity, close: lastClose)
            }
        case .trade(let trade):
            try tradesFile.add(trade)
            curves.add(trade: trade)
            // Statistics count the trades the strategy closed; positions still open at the end are
            // marked in the equity curve (backtesting.py's finalize_trades=False) and listed in trades.csv.
            if !trade.closedAtEnd { statistics.add(trade: trade) }
        case .order(let order):
            record(order, at: envelope.timestamp)
        case .fill(let fill):
            fills += 1
            let id = Self.clientID(fill.order)
            batch.rows.append(.fill(FillRecord(fillID: "\(id)-f\(fills)", clientOrderID: id, timestampMicros: envelope.timestamp,
                                         quantity: abs(fill.quantity), price: fill.price, fee: fill.fee, liquidity: .taker)))
            if let record = positions.apply(fill, at: envelope.timestamp, instruments) { batch.rows.append(.position(record)) }
        case .alert(let alert):
            batch.rows.append(.riskEvent(RiskEventRecord(
                timestampMicros: envelope.timestamp, kind: alert.kind.rawValue,
                severity: alert.kind == .drawdown || alert.kind == .halted ? .critical : .warning,
                message: "\(alert.kind.rawValue): requested \(alert.requested), allowed \(alert.allowed) (measured \(alert.measured), limit \(alert.limit))",
                subjectJSON: String(decoding: try JSONEncoder.stable.encode(alert), as: UTF8.self))))
        case .audit(let record):
            batch.rows.append(.audit(chain.next(AuditEvent(kind: record.kind, canonicalJSON: record.payload.canonicalJSON, at: record.timestamp))))
        default:
            break
        }
    }

    /// One equity point into the statistics, the report's curves and equity.csv.
    private func mark(_ timestamp: Int64, _ equity: Double, close: Double) throws {
        let fraction = statistics.add(timestamp: timestamp, equity: equity, close: close)
        curves.add(timestamp: timestamp, equity: equity, drawdownFraction: fraction, close: close)
        try equityFile.add(timestamp: timestamp, equity: equity, drawdownFraction: fraction)
    }

    private func flushWaiting() throws {
        guard !waitingForClose.isEmpty else { return }
        for point in waitingForClose { try mark(point.timestamp, point.equity, close: lastClose) }
        waitingForClose = []
    }

    /// An order's first update inserts its row; later ones move its status (ids grow in creation
    /// order, so a parent is recorded before its children).
    private func record(_ order: OrderUpdate, at timestamp: Int64) {
        let status = Self.status(order.status)
        if openOrders.contains(order.id) {
            if let index = insertedInBatch[order.id], case .order(var pending) = batch.rows[index],
               Self.schemaAllows(from: pending, to: status, at: timestamp) {
                pending.status = status
                pending.updatedMicros = timestamp
                batch.rows[index] = .order(pending)
            } else {
                batch.rows.append(.orderStatus(clientOrderID: Self.clientID(order.id), status: status, updatedMicros: timestamp))
            }
        } else {
            insertedInBatch[order.id] = batch.rows.count
            batch.rows.append(.order(OrderRecord(
                clientOrderID: Self.clientID(order.id), parentClientOrderID: order.parent == order.id ? nil : Self.clientID(order.parent),
                instrument: instruments[order.instrument], side: order.quantity >= 0 ? .buy : .sell,
                type: order.kind == .limit ? .limit : .market, quantity: abs(order.quantity), limitPrice: order.limitPrice,
                status: status, createdMicros: timestamp, updatedMicros: timestamp, traceID: "\(tracePrefix)-\(order.parent)")))
            openOrders.insert(order.id)
        }
        switch status {
        case .filled, .cancelled, .rejected, .expired: openOrders.remove(order.id)
        default: break
        }
    }

    /// After the run: the feeds' summaries and the model scores on the record, the run marked
    /// completed and run.sqlite synced (``prepare(_:into:)`` has synced the CSV files), then
    /// statistics.json and report.html.
    func finish(outcome: BacktestEngine.Outcome, runID: RunID, created: Int64) throws -> BacktestStatistics {
        // What the feeds looked like (anomalies, gaps) goes on the record too.
        try store.appendAudit(outcome.feeds.map { feed in
            try AuditEvent(kind: "feed.summary", payload: feed, at: feed.lastTimestamp ?? created)
        })
        try store.record(shadowEvaluations: Self.shadowRecords(outcome.shadows, runID: runID))
        try store.markCompleted(at: created)
        try store.finishBulkLoad()
        let statistics: BacktestStatistics
        do {
            statistics = try self.statistics.statistics()
        } catch {
            throw CommandError("\(prepared.path): statistics cannot be computed: \(error)")
        }
        try Data(StatisticsJSON.encode(statistics).utf8).write(to: folder.appendingPathComponent("statistics.json"))
        try HTMLReport.write(title: prepared.plan.spec.name.value, statistics: statistics, curves: curves,
                             to: folder.appendingPathComponent("report.html"))
        return statistics
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

    /// Whether the schema's triggers let an order move to `status` at `time`: a final status
    /// stays, time does not go back. Only such a move is folded into a pending row; any other
    /// goes to the store as an UPDATE, which the schema refuses as it always did.
    static func schemaAllows(from order: OrderRecord, to status: OrderStatus, at time: Int64) -> Bool {
        let isFinal: Bool
        switch order.status {
        case .filled, .cancelled, .rejected, .expired: isFinal = true
        default: isFinal = false
        }
        return (status == order.status || !isFinal) && time >= order.updatedMicros
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

/// What the preparing thread hands the storing one at a time: bars and equity points apart
/// (the store packs them into column blocks, so their order against other rows does not
/// matter), every other row in the order it happened.
struct RunBatch: Sendable {
    var bars: [BarRecord] = []
    var equity: [Storage.EquityPoint] = []
    var rows: [RunRow] = []

    mutating func reserve(_ envelopes: Int) {
        bars.reserveCapacity(envelopes / 2)
        equity.reserveCapacity(envelopes / 2)
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

/// The position after each moment with fills: signed quantity and average entry price, the last
/// fill of a moment standing for it (a reversal closes and reopens at one time).
struct PositionBook {
    private var quantity: [Int: Double] = [:]
    private var average: [Int: Double] = [:]
    /// Per instrument, the position at its latest fill time, written once a later fill or the end comes.
    private var pending: [Int: PositionRecord] = [:]

    /// Applies a fill; returns the instrument's previous moment's position once it is final.
    mutating func apply(_ fill: Fill, at timestamp: Int64, _ instruments: [String]) -> PositionRecord? {
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
        let previous = pending[fill.instrument]
        pending[fill.instrument] = record
        guard let previous, previous.timestampMicros != timestamp else { return nil }
        return previous
    }

    /// The positions still pending, by instrument.
    mutating func drain(_ instruments: [String]) -> [PositionRecord] {
        defer { pending = [:] }
        return pending.keys.sorted().compactMap { pending[$0] }
    }
}

/// Work that runs on a thread of its own and is joined once.
final class BackgroundThread: @unchecked Sendable {
    // `body` runs only on the thread; `failure` is written there before `done` is signalled
    // and read after `join` has waited for it.
    private let body: () throws -> Void
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?

    init(_ body: @escaping () throws -> Void) {
        self.body = body
    }

    func start(name: String) {
        let thread = Thread { [self] in
            do {
                try body()
            } catch {
                failure = error
            }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits for the work to end; its error, if it failed.
    func join() -> (any Error)? {
        done.wait()
        return failure
    }
}
