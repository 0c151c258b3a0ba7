import Agents
import Indicators
import ModelRegistry
import StrategyCompiler

/// Anything that yields bars in time order: a CSV file, a SQLite table, a synthetic generator.
public protocol BarFeed {
    func forEachBar(_ body: (Bar) throws -> Void) throws
    /// The same bars to `body`, on the caller's thread, while the feed may prepare the next ones
    /// on a thread of its own (a CSV file is parsed ahead); by default, `forEachBar`.
    func forEachBarReadingAhead(_ body: (Bar) throws -> Void) throws
    /// The bars of `forEachBarReadingAhead`, in order, handed over a block at a time (a block
    /// is valid during its call only): what `FusedRunner.push(contentsOf:instrument:into:)`
    /// takes. By default, `forEachBarReadingAhead`'s bars gathered into blocks.
    func forEachBlockReadingAhead(_ body: (UnsafeBufferPointer<Bar>) throws -> Void) throws
}

/// Runs a plan over its feeds with the fused runner and collects the results.
public struct BacktestEngine {
    public let plan: Plan
    public let evaluators: [String: any ModelEvaluator]
    /// With one feed, MarketData, Feature and Signal run over the next block of bars on a
    /// second thread while this one delivers the current block
    /// (`FusedRunner.pushBlocks(pipelined:blockBars:into:from:)`); the results are the same either way.
    public var pipelined: Bool

    public init(plan: Plan, evaluators: [String: any ModelEvaluator], pipelined: Bool = true) {
        self.plan = plan
        self.evaluators = evaluators
        self.pipelined = pipelined
    }

    public struct Result {
        public var sink: CollectingSink
        /// The first instrument's close on each of its bars (Buy & Hold, the price chart).
        public var closes: [Double]
        public var bars: Int
        /// Per source: rows read, anomalies flagged, gaps found (docs/data.md).
        public var feeds: [FeedSummary]
        /// Each model signal's live model and shadows, scored in shadow books (``ShadowEvaluator``).
        public var shadows: [ShadowEvaluator.Evaluation] = []
    }

    /// - Parameters:
    ///   - feeds: one per data source, in the strategy's order (instrument index = position).
    ///   - progress: called every `progressEvery` bars with the count so far.
    public func run(feeds: [any BarFeed], progressEvery: Int = 65_536, progress: ((Int) -> Void)? = nil) throws -> Result {
        let evaluator = ShadowEvaluator(plan: plan)
        // Strategies without model signals keep the plain sink: nothing to score.
        if evaluator.isEmpty {
            return try run(feeds: feeds, sink: CollectingSink(), progressEvery: progressEvery, progress: progress) { sink in
                Result(sink: sink, closes: [], bars: 0, feeds: [])
            }
        }
        return try run(feeds: feeds, sink: ShadowSink(base: CollectingSink(), evaluator: evaluator),
                       progressEvery: progressEvery, progress: progress) { sink in
            Result(sink: sink.base, closes: [], bars: 0, feeds: [], shadows: sink.evaluator.evaluations())
        }
    }

    /// What a streamed run reports besides what its sink received.
    public struct Outcome {
        public var bars: Int
        /// Per source: rows read, anomalies flagged, gaps found (docs/data.md).
        public var feeds: [FeedSummary]
        /// Each model signal's live model and shadows, scored in shadow books (``ShadowEvaluator``).
        public var shadows: [ShadowEvaluator.Evaluation] = []
    }

    /// Runs the plan into `sink`, which sees every envelope as it is produced and keeps what it
    /// wants (a ``BatchingSink`` streams a run to disk in constant memory). Model signals are
    /// scored beside the run as in ``run(feeds:progressEvery:progress:)``.
    ///
    /// - Returns: The sink after the run (positions still open closed at the last close) and the outcome.
    public func run<Sink: RunSink>(feeds: [any BarFeed], into sink: Sink, progressEvery: Int = 65_536,
                                   progress: ((Int) -> Void)? = nil) throws -> (sink: Sink, outcome: Outcome) {
        try streamed(feeds: feeds, into: sink, progressEvery: progressEvery, progress: progress)
    }

    private func streamed<Sink: RunSink>(feeds: [any BarFeed], into sink: Sink, progressEvery: Int,
                                         progress: ((Int) -> Void)?) throws -> (sink: Sink, outcome: Outcome) {
        let evaluator = ShadowEvaluator(plan: plan)
        if evaluator.isEmpty {
            var result: Sink?
            let run = try run(feeds: feeds, sink: sink, progressEvery: progressEvery, progress: progress) { finished in
                result = finished
                return Result(sink: CollectingSink(), closes: [], bars: 0, feeds: [])
            }
            return (result!, Outcome(bars: run.bars, feeds: run.feeds))
        }
        var result: Sink?
        let run = try run(feeds: feeds, sink: ShadowSink(base: sink, evaluator: evaluator), progressEvery: progressEvery,
                          progress: progress) { finished in
            result = finished.base
            return Result(sink: CollectingSink(), closes: [], bars: 0, feeds: [], shadows: finished.evaluator.evaluations())
        }
        return (result!, Outcome(bars: run.bars, feeds: run.feeds, shadows: run.shadows))
    }

    /// ``run(feeds:into:progressEvery:progress:)`` for the run-folder sink. Compiled here for
    /// this sink: called from another module, the generic method runs unspecialised, every
    /// sink call going through the protocol's witness table.
    public func run(feeds: [any BarFeed], into sink: BatchingSink, progressEvery: Int = 65_536,
                    progress: ((Int) -> Void)? = nil) throws -> (sink: BatchingSink, outcome: Outcome) {
        try streamed(feeds: feeds, into: sink, progressEvery: progressEvery, progress: progress)
    }

    /// - Parameter collect: the result's sink part (and shadow evaluations) from the finished sink.
    private func run<Sink: RunSink>(feeds: [any BarFeed], sink initial: Sink, progressEvery: Int, progress: ((Int) -> Void)?,
                                    collect: (Sink) -> Result) throws -> Result {
        var runner = FusedRunner(plan: plan, evaluators: evaluators)
        var sink = initial
        var count = 0
        if feeds.count == 1 {
            try runner.pushBlocks(pipelined: pipelined, into: &sink) { push in
                try feeds[0].forEachBlockReadingAhead { block in
                    guard let progress else {
                        push(block)
                        count += block.count
                        return
                    }
                    // Split where a report falls due, so progress sees the same counts as bar by bar.
                    var start = 0
                    while start < block.count {
                        let end = min(block.count, start + progressEvery - count % progressEvery)
                        push(UnsafeBufferPointer(rebasing: block[start..<end]))
                        count += end - start
                        if count % progressEvery == 0 { progress(count) }
                        start = end
                    }
                }
            }
        } else {
            // One equity point per timestamp: all bars of a moment first, then the close.
            var open: Int64?
            try Self.forEachBar(in: feeds) { bar, instrument in
                if let current = open, bar.timestamp != current { runner.close(into: &sink) }
                open = bar.timestamp
                runner.open(bar, instrument: instrument, into: &sink)
                count += 1
                if let progress, count % progressEvery == 0 { progress(count) }
            }
            if open != nil { runner.close(into: &sink) }
        }
        runner.finish(into: &sink)
        var result = collect(sink)
        var closes = result.sink.closes
        // Moments before the first instrument's first bar take its first close (Buy & Hold starts there).
        if let first = closes.firstIndex(where: { !$0.isNaN }) {
            for index in 0..<first { closes[index] = closes[first] }
        }
        result.closes = closes
        result.bars = count
        result.feeds = runner.marketData.summaries
        return result
    }
}

extension BacktestEngine {
    /// Every bar of every feed in time order: one feed streams; several are merged by time,
    /// equal times in the strategy's source order.
    static func forEachBar(in feeds: [any BarFeed], _ body: (Bar, Int) throws -> Void) throws {
        if feeds.count == 1 {
            try feeds[0].forEachBar { try body($0, 0) }
            return
        }
        var all: [(Bar, Int)] = []
        for (instrument, feed) in feeds.enumerated() {
            try feed.forEachBar { all.append(($0, instrument)) }
        }
        all.sort { ($0.0.timestamp, $0.1) < ($1.0.timestamp, $1.1) }
        for (bar, instrument) in all { try body(bar, instrument) }
    }
}

extension CSVBarReader: BarFeed {}

extension SyntheticBarGenerator: BarFeed {
    public func forEachBar(_ body: (Bar) throws -> Void) throws {
        for bar in self { try body(bar) }
    }
}
