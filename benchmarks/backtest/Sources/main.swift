import Agents
import Foundation
import Indicators
import Runtime
import StrategyCompiler

/// Backtest engine throughput, with the data in memory and streamed from the CSV file.
///
/// Usage: bench-backtest STRATEGY.yaml BARS.csv [REPEATS] [--stream | --stream-backtest | --stream-runner]
///        [--single-thread | --pipeline-bars=N]
///
/// Lints and plans the strategy (its data section is ignored: the bars come from BARS.csv).
///
/// - Default: parses BARS.csv once with `CSVBarReader.readAll`, then, over the bars in memory,
///   REPEATS times each (default 5, best time kept), the bars handed over in blocks
///   (`FusedRunner.push(contentsOf:)`):
///   - the engine: `FusedRunner` into a sink that keeps what the statistics read (the equity
///     curve, the first instrument's close at each equity point, and the trades);
///   - `BacktestEngine`, which also keeps every bar, signal, order and fill for the run folder;
///   - `FusedRunner` into a sink that only counts.
/// - `--stream`: CSV → engine: `CSVBarReader` streaming into `FusedRunner` and the statistics
///   sink, without statistics, report or run folder. The file is parsed on a thread of its
///   own while the engine runs (`forEachBlockReadingAhead`), as `stratum backtest` reads it.
/// - `--stream-backtest`: `BacktestEngine` reading BARS.csv as `stratum backtest` does.
/// - `--stream-runner`: BARS.csv streamed through `FusedRunner` into the counting sink: what
///   a run costs when nothing is kept per bar (the memory floor).
///
/// Every mode hands the blocks to `FusedRunner.pushBlocks(pipelined:blockBars:into:from:)` (in
/// `BacktestEngine` too), which runs MarketData, Feature and Signal over the next block on a
/// second thread, `FusedRunner.pipelineBars` bars a block (`--pipeline-bars=N`: N; not in
/// `BacktestEngine`, which takes the default); `--single-thread` keeps them on the runner's thread.
///
/// Prints one JSON line.

/// Bars already parsed, handed out in order.
struct MemoryFeed: BarFeed {
    let series: BarSeries
    /// Bars a block has: the runner's pipeline block, so that a pipelined run hands each block
    /// to the second thread as it is, rather than copying it into a block of its own.
    let blockBars: Int

    /// The bars of `forEachBlockReadingAhead`, one at a time.
    func forEachBar(_ body: (Bar) throws -> Void) throws {
        try forEachBlockReadingAhead { block in
            for bar in block { try body(bar) }
        }
    }

    /// Blocks of `blockBars` bars assembled from the columns into one reused buffer.
    func forEachBlockReadingAhead(_ body: (UnsafeBufferPointer<Bar>) throws -> Void) throws {
        let count = series.close.count
        let size = blockBars
        let block = UnsafeMutablePointer<Bar>.allocate(capacity: size)
        defer { block.deallocate() }
        try series.timestamps.withUnsafeBufferPointer { t in
            try series.open.withUnsafeBufferPointer { o in
                try series.high.withUnsafeBufferPointer { h in
                    try series.low.withUnsafeBufferPointer { l in
                        try series.close.withUnsafeBufferPointer { c in
                            try series.volume.withUnsafeBufferPointer { v in
                                var start = 0
                                while start < count {
                                    let filled = min(size, count - start)
                                    for k in 0..<filled {
                                        let i = start + k
                                        (block + k).initialize(to: Bar(timestamp: t[i], open: o[i], high: h[i], low: l[i], close: c[i], volume: v[i]))
                                    }
                                    try body(UnsafeBufferPointer(start: block, count: filled))
                                    start += filled
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Counts what the runner emits and keeps the trades; stores nothing per bar.
struct CountingSink: RunSink {
    var messages = 0
    var closedTrades = 0

    mutating func receive(_ envelope: Envelope) {
        messages += 1
        guard envelope.topic == .portfolioTrade else { return }
        if case .trade(let trade) = envelope.payload, !trade.closedAtEnd { closedTrades += 1 }
    }

    mutating func receiveBar(_ bar: MarketBar, stamp: Stamp) { messages += 1 }
    mutating func receiveClock(_ stamp: Stamp) { messages += 1 }
    mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp) { messages += 1 }
    /// A bar, its close and its mark per moment.
    mutating func receiveQuiet(_ run: QuietRun) { messages += 3 * run.count }
}

/// Keeps what the statistics read: the equity curve (time and equity per closed moment) and the
/// trades. Everything else the runner emits is dropped.
struct StatisticsSink: RunSink {
    /// One equity point: its time, the equity, and the first instrument's close (Buy & Hold).
    /// One array of points rather than one per column: a mark is a single store.
    struct Point {
        var time: Int64
        var equity: Double
        var close: Double
    }

    /// The equity curve, in storage reserved for the whole run: a quiet run's points are each
    /// written once, in place (an array would take them through a staging copy, or a
    /// uniqueness and capacity check per point).
    ///
    /// Storage of 4 MiB or more is advised for transparent huge pages, as numpy's allocator
    /// advises its arrays (numpy.org, "Global state": on Linux 4.6 and newer, unless
    /// NUMPY_MADVISE_HUGEPAGE=0): the first write to each 2 MiB then costs one page fault
    /// rather than 512. The points are 24 bytes a bar, so a million bars fault 24 MB afresh
    /// on every run, as the peer's arrays do.
    final class Points {
        private(set) var count = 0
        private var capacity: Int
        private var base: UnsafeMutablePointer<Point>

        init(reserving capacity: Int) {
            self.capacity = max(capacity, 1)
            base = Self.allocate(self.capacity)
        }

        deinit {
            base.deinitialize(count: count)
            free(base)
        }

        /// Storage for `capacity` points, aligned to 2 MiB and advised for huge pages from 4 MiB.
        private static func allocate(_ capacity: Int) -> UnsafeMutablePointer<Point> {
            let bytes = capacity * MemoryLayout<Point>.stride, hugePage = 1 << 21
            let large = bytes >= 2 * hugePage
            var memory: UnsafeMutableRawPointer?
            guard posix_memalign(&memory, large ? hugePage : MemoryLayout<Point>.alignment, bytes) == 0, let memory else {
                fail("cannot allocate \(bytes) bytes for the equity curve")
            }
            if large { _ = madvise(memory, bytes, Int32(MADV_HUGEPAGE)) }
            return memory.bindMemory(to: Point.self, capacity: capacity)
        }

        var last: Point? { count > 0 ? base[count - 1] : nil }

        func append(_ point: Point) {
            append(count: 1) { _ in point }
        }

        /// `added` points, point `i` being `point(i)`.
        @inline(__always)
        func append(count added: Int, _ point: (Int) -> Point) {
            if count + added > capacity { grow(to: max(count + added, 2 * capacity)) }
            let slots = base + count
            for index in 0..<added { (slots + index).initialize(to: point(index)) }
            count += added
        }

        private func grow(to room: Int) {
            let grown = Self.allocate(room)
            grown.moveInitialize(from: base, count: count)
            free(base)
            base = grown
            capacity = room
        }
    }

    let points: Points
    var trades: [TradeRecord] = []
    private var lastClose = Double.nan

    init(reserving bars: Int) {
        points = Points(reserving: bars)
        // Room for a trade every other bar, more than a strategy that holds a position for a bar
        // or longer closes: the trades never move to a larger buffer, and only the pages they
        // fill are ever touched.
        trades.reserveCapacity(bars / 2)
    }

    mutating func receive(_ envelope: Envelope) {
        switch envelope.topic {
        case .marketRaw:
            if case .bar(let market) = envelope.payload, market.instrument == 0 { lastClose = market.bar.close }
        case .portfolioEquity:
            if case .equity(let snapshot) = envelope.payload {
                points.append(Point(time: snapshot.timestamp, equity: snapshot.equity, close: lastClose))
            }
        case .portfolioTrade:
            if case .trade(let trade) = envelope.payload { trades.append(trade) }
        default:
            break
        }
    }

    mutating func receiveBar(_ bar: MarketBar, stamp: Stamp) {
        if bar.instrument == 0 { lastClose = bar.bar.close }
    }

    mutating func receiveClock(_ stamp: Stamp) {}

    mutating func receiveEquity(_ snapshot: EquitySnapshot, stamp: Stamp) {
        points.append(Point(time: snapshot.timestamp, equity: snapshot.equity, close: lastClose))
    }

    /// `receiveBar` and `receiveEquity` for each moment, appended at once, reading only what a point keeps.
    mutating func receiveQuiet(_ run: QuietRun) {
        guard run.count > 0 else { return }
        // A run's bars are of one instrument.
        let bars = run.bars.bars, marks = run.marks, own = bars[0].instrument == 0, held = lastClose
        points.append(count: bars.count) { index in
            Point(time: bars[index].bar.timestamp, equity: marks[index].equity, close: own ? bars[index].bar.close : held)
        }
        if own { lastClose = bars[bars.count - 1].bar.close }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-backtest: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.filter { !$0.hasPrefix("--") }
var flags = Set(CommandLine.arguments.filter { $0.hasPrefix("--") })
let pipelined = flags.remove("--single-thread") == nil
let blockFlag = flags.first { $0.hasPrefix("--pipeline-bars=") }
let pipelineBars = blockFlag.map { Int($0.dropFirst("--pipeline-bars=".count)) ?? 0 } ?? FusedRunner.pipelineBars
if let blockFlag { flags.remove(blockFlag) }
guard arguments.count >= 3, flags.isSubset(of: ["--stream", "--stream-backtest", "--stream-runner"]), flags.count <= 1,
      pipelineBars > 0 else {
    FileHandle.standardError.write(Data(("usage: bench-backtest STRATEGY.yaml BARS.csv [REPEATS] [--stream | --stream-backtest | --stream-runner] "
        + "[--single-thread | --pipeline-bars=N]\n").utf8))
    exit(2)
}
let strategyPath = arguments[1]
let csvPath = arguments[2]
let repeats = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5)

let lint = Linter(models: nil).lint(path: strategyPath)
guard !lint.hasErrors, let checked = lint.checked else {
    fail("\(strategyPath) does not pass lint: \(lint.diagnostics.map(\.message).joined(separator: "; "))")
}
let plan: Plan
do {
    plan = try Planner.plan(checked)
} catch {
    fail("\(strategyPath): \(error)")
}
let engine = BacktestEngine(plan: plan, evaluators: [:], pipelined: pipelined)

func rate(_ bars: Int, _ seconds: Double) -> Double { (Double(bars) / seconds).rounded() }

/// Best time of `repeats` runs of `body`, which returns what it measured.
func best<T>(_ body: () throws -> T) -> (seconds: Double, last: T) {
    var fastest = Double.infinity
    var last: T?
    for _ in 0..<repeats {
        let start = ContinuousClock.now
        do {
            last = try body()
        } catch {
            fail("\(error)")
        }
        fastest = min(fastest, seconds(ContinuousClock.now - start))
    }
    return (fastest, last!)
}

/// Where the last run's blocks had their pure stages run: on the second thread or the runner's.
nonisolated(unsafe) var lastSplit = (second: 0, caller: 0)

/// `lastSplit` as JSON.
func blockSplit() -> String { "{\"second_thread\": \(lastSplit.second), \"runner_thread\": \(lastSplit.caller)}" }

/// Runs `feed` through the runner into the counting sink.
func runnerOnly(_ feed: some BarFeed) throws -> (bars: Int, sink: CountingSink) {
    var runner = FusedRunner(plan: plan, evaluators: [:])
    var sink = CountingSink()
    var bars = 0
    try runner.pushBlocks(pipelined: pipelined, blockBars: pipelineBars, into: &sink) { push in
        try feed.forEachBlockReadingAhead {
            push($0)
            bars += $0.count
        }
    }
    runner.finish(into: &sink)
    lastSplit = runner.pipelinedBlocks
    return (bars, sink)
}

/// Runs `feed` through the runner into the statistics sink: the engine as the statistics need it.
func engineRun(_ feed: some BarFeed, reserving bars: Int) throws -> (bars: Int, sink: StatisticsSink, closes: Int) {
    var runner = FusedRunner(plan: plan, evaluators: [:])
    var sink = StatisticsSink(reserving: bars)
    var count = 0
    try runner.pushBlocks(pipelined: pipelined, blockBars: pipelineBars, into: &sink) { push in
        try feed.forEachBlockReadingAhead {
            push($0)
            count += $0.count
        }
    }
    runner.finish(into: &sink)
    lastSplit = runner.pipelinedBlocks
    return (count, sink, sink.points.count)
}

/// The closed trades, the trades closed at the end and the last equity mark of a run.
func summary(trades: [TradeRecord], finalEquity: Double?) -> String {
    let closed = trades.filter { !$0.closedAtEnd }.count
    return "\"trades\": \(closed), \"trades_closed_at_end\": \(trades.count - closed), "
        + "\"final_equity\": \(finalEquity ?? .nan)"
}

func summary(_ result: BacktestEngine.Result) -> String {
    summary(trades: result.sink.trades, finalEquity: result.sink.equity.last?.equity)
}

func summary(_ sink: StatisticsSink) -> String {
    summary(trades: sink.trades, finalEquity: sink.points.last?.equity)
}

let reader: CSVBarReader
do {
    reader = try CSVBarReader(path: csvPath)
} catch {
    fail("\(error)")
}

/// A row count to reserve for when streaming: the file size over a typical row length of 40 bytes.
func estimatedRows(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 40
}

if flags.contains("--stream") {
    let (time, result) = best { try engineRun(reader, reserving: estimatedRows(csvPath)) }
    print("{\"mode\": \"stream\", \"pipelined\": \(pipelined), \"pipeline_bars\": \(pipelineBars), \"bars\": \(result.bars), \"repeats\": \(repeats), \"best_seconds\": \(time), "
        + "\"bars_per_second\": \(rate(result.bars, time)), \(summary(result.sink)), \"stage_blocks\": \(blockSplit())}")
} else if flags.contains("--stream-backtest") {
    let (time, result) = best { try engine.run(feeds: [reader]) }
    print("{\"mode\": \"stream-backtest\", \"pipelined\": \(pipelined), \"pipeline_bars\": \(pipelineBars), \"bars\": \(result.bars), \"repeats\": \(repeats), \"best_seconds\": \(time), "
        + "\"bars_per_second\": \(rate(result.bars, time)), \(summary(result))}")
} else if flags.contains("--stream-runner") {
    let (time, result) = best { try runnerOnly(reader) }
    print("{\"mode\": \"stream-runner\", \"pipelined\": \(pipelined), \"pipeline_bars\": \(pipelineBars), \"bars\": \(result.bars), \"repeats\": \(repeats), \"best_seconds\": \(time), "
        + "\"bars_per_second\": \(rate(result.bars, time)), \"trades\": \(result.sink.closedTrades), \"messages\": \(result.sink.messages), \"stage_blocks\": \(blockSplit())}")
} else {
    let parseStart = ContinuousClock.now
    let series: BarSeries
    do {
        series = try reader.readAll()
    } catch {
        fail("\(error)")
    }
    let parseSeconds = seconds(ContinuousClock.now - parseStart)
    let feed = MemoryFeed(series: series, blockBars: pipelineBars)
    let bars = series.close.count
    // The engine: FusedRunner keeping what the statistics read.
    let (engineTime, engineResult) = best { try engineRun(feed, reserving: bars) }
    precondition(engineResult.bars == bars, "the engine saw \(engineResult.bars) bars of \(bars)")
    // BacktestEngine: what `stratum backtest` runs, minus reading the file.
    let (backtestTime, backtest) = best { try engine.run(feeds: [feed]) }
    // FusedRunner alone, into a counting sink.
    let (runnerTime, runner) = best { try runnerOnly(feed) }
    print("{\"mode\": \"memory\", \"pipelined\": \(pipelined), \"pipeline_bars\": \(pipelineBars), \"bars\": \(bars), \"repeats\": \(repeats), \"parse_seconds\": \(parseSeconds), "
        + "\"parse_bars_per_second\": \(rate(bars, parseSeconds)), "
        + "\"best_seconds\": \(engineTime), \"bars_per_second\": \(rate(bars, engineTime)), \(summary(engineResult.sink)), "
        + "\"backtest_best_seconds\": \(backtestTime), \"backtest_bars_per_second\": \(rate(bars, backtestTime)), "
        + "\"backtest_trades\": \(backtest.sink.trades.filter { !$0.closedAtEnd }.count), "
        + "\"backtest_final_equity\": \(backtest.sink.equity.last?.equity ?? .nan), "
        + "\"runner_best_seconds\": \(runnerTime), \"runner_bars_per_second\": \(rate(bars, runnerTime)), "
        + "\"runner_trades\": \(runner.sink.closedTrades), \"runner_messages\": \(runner.sink.messages), \"runner_stage_blocks\": \(blockSplit())}")
}
