import Agents
import ArgumentParser
import Foundation
import ModelRegistry
import Reports
import Runtime
import StrategyCompiler
import Storage

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over its historical data and report the results.",
        discussion: """
        Lints the strategy, runs it deterministically (docs/backtesting.md gives the semantics), \
        prints the statistics and writes runs/<run-id>/: run.sqlite, trades.csv, equity.csv, \
        statistics.json and report.html. Nothing is left in runs/ when a run fails.

        --replay RUN re-runs a recorded run from its manifest (same strategy and data bytes, the \
        same model versions) and confirms that trades.csv and the statistics are byte-identical.

        Exit status: 0 done (or replay identical), 1 the strategy fails lint, data is bad, or a \
        replay differs, 2 usage or I/O error.
        """)

    @Argument(help: ArgumentHelp("Strategy file.", valueName: "file"))
    var file: String?

    @OptionGroup var registryOptions: RegistryOptions

    @Option(help: ArgumentHelp("Folder that holds run folders.", valueName: "dir"))
    var out: String = "runs"

    @Flag(help: "Print every statistic, the trade count, the final equity and the run folder as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Re-run a recorded run (its id or folder) and confirm identical results.", valueName: "run"))
    var replay: String?

    @Flag(help: "Print how long each phase took (load, run, statistics, writing) on standard error.")
    var timings = false

    @Flag(help: "Run every agent on this thread. By default MarketData, Feature and Signal run one block of bars ahead on a second thread; the results are the same either way.")
    var singleThread = false

    @OptionGroup var busOptions: BacktestBusOptions

    func validate() throws {
        if file == nil && replay == nil { throw ValidationError("give a strategy file, or --replay RUN") }
        if singleThread && busOptions.bus != nil { throw ValidationError("--single-thread and --bus cannot be combined: with --bus every agent runs as a task or process of its own") }
    }

    func run() throws {
        try reportingErrors {
            if let replay {
                try Replay(run: replay, runsDirectory: out, registry: registryOptions.registryURL).confirm()
                return
            }
            let clock = PhaseClock(enabled: timings)
            let outcome = try BacktestRun.execute(path: file!, registry: registryOptions.registryURL, runsDirectory: URL(fileURLWithPath: out), clock: clock,
                                                 bus: busOptions.run, pipelined: !singleThread)
            if json {
                CommandOutput.line(outcome.json())
            } else {
                CommandOutput.line(StatisticsTable.render(outcome.statistics))
                for feed in outcome.feeds { CommandOutput.line(feed.description) }
                for shadow in outcome.shadows { CommandOutput.line(BacktestRun.describe(shadow)) }
                CommandOutput.line("trades.csv, equity.csv, report.html in \(outcome.folder.path)")
            }
        }
    }
}

/// One backtest from file to run folder: the part `backtest` and `--replay` share.
struct BacktestRun {
    var runID: RunID
    var folder: URL
    var statistics: BacktestStatistics
    var trades: Int
    var finalEquity: Double
    var feeds: [FeedSummary]
    var shadows: [ShadowEvaluator.Evaluation] = []

    /// - Parameter recordShadows: whether to add the run's model scores to the registry's
    ///   shadow records (`--replay` does not: it proves a run, it does not add evidence).
    static func execute(path: String, registry: URL, runsDirectory: URL, pinned: [String: [String]] = [:],
                        recordShadows: Bool = true, clock: PhaseClock = PhaseClock(enabled: false),
                        bus: BacktestBus? = nil, pipelined: Bool = true) throws -> BacktestRun {
        let prepared = try PreparedStrategy.load(path: path, registry: registry, pinned: pinned)
        clock.lap("load and check")
        let parameters = "{\"plan\":\"\(prepared.plan.hash)\",\"warmup\":\(prepared.plan.warmup)}"
        let fingerprint = SHA256.hex(prepared.plan.hash + prepared.dataFiles.map(\.written).joined())
        let now = Date()
        let created = Int64(now.timeIntervalSince1970 * 1_000_000)
        // The run folder is written while the engine runs; a failure anywhere discards it whole.
        let published = try RunFolder(runsDirectory: runsDirectory).build(at: now, fingerprint: fingerprint) {
            (runID: RunID, folder: URL) throws -> (BacktestStatistics, BacktestEngine.Outcome, Double?) in
            let manifest = try RunWriter.manifest(for: prepared, runID: runID, created: created, parametersJSON: parameters)
            let store = try RunStore.createForBulkLoad(at: folder.appendingPathComponent(RunStore.fileName), manifest: manifest)
            let writer: RunWriter
            do {
                writer = try RunWriter(prepared: prepared, folder: folder, store: store)
            } catch {
                try? store.close()
                throw error
            }
            do {
                let outcome = try stream(prepared: prepared, writer: writer, path: path, bus: bus, pipelined: pipelined)
                clock.lap("run \(outcome.bars) bars, writing as it runs")
                guard outcome.bars > 0 else { throw CommandError("\(path): the data sources hold no bars") }
                let statistics = try writer.finish(outcome: outcome, runID: runID, created: created)
                return (statistics, outcome, writer.finalEquity)
            } catch {
                try? store.close()
                throw error
            }
        }
        let (statistics, outcome, finalEquity) = published.result
        let result = outcome
        clock.lap("run folder")
        if recordShadows, !result.shadows.isEmpty {
            // The run is published whatever happens here: a registry that cannot take the records
            // leaves the version without evidence, which the promotion gate then reports.
            let store = ModelRegistry(root: registry)
            let instruments = prepared.plan.spec.dataSources.map(\.instrument)
            for record in RunWriter.registryRecords(result.shadows, runID: published.runID, instruments: instruments, time: now) {
                do {
                    try store.recordShadowEvaluation(record)
                } catch {
                    CommandOutput.current.error("warning: \(record.model)@\(record.version): shadow evaluation not recorded in \(registry.path): \(error)\n")
                }
            }
        }
        return BacktestRun(runID: published.runID, folder: published.directory, statistics: statistics,
                           trades: statistics.tradeCount, finalEquity: finalEquity ?? prepared.plan.spec.portfolio.cash,
                           feeds: result.feeds, shadows: result.shadows)
    }

    /// Runs the engine on this thread, the writer's preparing and storing on two others, joined
    /// by bounded channels (back-pressure all the way to the engine).
    private static func stream(prepared: PreparedStrategy, writer: RunWriter, path: String, bus: BacktestBus?,
                               pipelined: Bool) throws -> BacktestEngine.Outcome {
        let channel = EnvelopeChannel(capacity: 4)
        let rowBatches = BatchChannel<RunBatch>(capacity: 4)
        let storing = BackgroundThread {
            do {
                try writer.storeRows(rowBatches)
            } catch {
                rowBatches.abandon()
                throw error
            }
        }
        let preparing = BackgroundThread {
            defer { rowBatches.close() }
            do {
                try writer.prepare(channel, into: rowBatches)
            } catch {
                channel.abandon()
                throw error
            }
        }
        storing.start(name: "run store")
        preparing.start(name: "run files")
        let consumer = WriterThreads(preparing, storing)
        let progress = ProgressBar(label: "backtest", total: nil)
        let outcome: BacktestEngine.Outcome
        do {
            let run = try bus?.run(prepared: prepared, into: BatchingSink(channel: channel), progress: { progress.update($0) })
                ?? BacktestEngine(plan: prepared.plan, evaluators: prepared.evaluators, pipelined: pipelined)
                .run(feeds: prepared.feeds, into: BatchingSink(channel: channel), progress: { progress.update($0) })
            var sink = run.sink
            sink.flush()
            outcome = run.outcome
        } catch {
            progress.finish()
            channel.abandon()
            _ = consumer.join()
            try? writer.store.close()
            throw CommandError(wrapping: error)
        }
        progress.finish()
        channel.close()
        if let failure = consumer.join() {
            try? writer.store.close()
            throw failure
        }
        return outcome
    }

    /// One model's scores, as the text output lists them.
    static func describe(_ evaluation: ShadowEvaluator.Evaluation) -> String {
        let subject = evaluation.subject
        func fixed(_ value: Double, _ digits: Int) -> String { value.formatted(.number.precision(.fractionLength(digits)).grouping(.never)) }
        return "\(subject.role.rawValue) \(subject.model)@\(subject.version) (signal \(subject.signalName)): \(evaluation.signals) signals, "
            + "hit rate \(fixed(evaluation.hitRate, 4)), P&L \(fixed(evaluation.pnl, 2)), Sharpe \(fixed(evaluation.sharpe, 3)); "
            + "buy and hold \(fixed(evaluation.benchmarkReturn * 100, 2))%"
    }

    func json() -> String {
        let feedsJSON = String(decoding: (try? JSONEncoder.stable.encode(feeds)) ?? Data("[]".utf8), as: UTF8.self)
        let header = "{\"run_id\":\"\(runID)\",\"run_dir\":\(Self.quoted(folder.path)),\"trades\":\(trades),\"final_equity\":\(finalEquity),\"feeds\":\(feedsJSON),\"statistics\":"
        return header + StatisticsJSON.encode(statistics) + "}"
    }

    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder.stable.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

/// The writer's two threads, joined together: the store's error first (the preparer only
/// stops because of it), else the preparer's.
private struct WriterThreads {
    let preparing: BackgroundThread
    let storing: BackgroundThread

    init(_ preparing: BackgroundThread, _ storing: BackgroundThread) {
        self.preparing = preparing
        self.storing = storing
    }

    func join() -> (any Error)? {
        let prepared = preparing.join()
        return storing.join() ?? prepared
    }
}
