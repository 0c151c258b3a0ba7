import Agents
import Foundation
import Indicators
@testable import Runtime
import StrategyCompiler
import Testing

/// `FusedRunner.pushBlocks(pipelined:blockBars:into:from:)` runs MarketData, Feature and Signal over the
/// next block on a second thread while this one delivers the current block. The reference is
/// the runner's own bar-by-bar `push` (checked against an independent message router in
/// `FusedRunnerDeliveryTests`), over the seeded bars of `BlockPushTests` with injected
/// anomalies, late bars and gaps crossing block edges: every envelope the sink sees must be
/// the same, the agents must end in the same state and run on identically.
struct PipelinedPushTests {
    typealias Recording = BlockPushTests.Recording

    /// The bars pushed `pushSize` at a time through `pushBlocks`, `blockBars` a block; with
    /// `callerTakes` false every pipelined block runs on the second thread.
    static func pipelined(_ plan: Plan, _ bars: [Bar], pushSize: Int, blockBars: Int, callerTakes: Bool = false,
                          pipelined: Bool = true) -> (Recording, FusedRunner) {
        var runner = FusedRunner(plan: plan, evaluators: BlockPushTests.evaluators)
        var sink = Recording()
        bars.withUnsafeBufferPointer { all in
            runner.pushBlocks(pipelined: pipelined, blockBars: blockBars, callerTakes: callerTakes, into: &sink) { push in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + pushSize)
                    push(UnsafeBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
        }
        runner.finish(into: &sink)
        return (sink, runner)
    }

    /// (push size, block size) pairs: pushes shorter than, equal to and longer than a block,
    /// and blocks from a few bars to the default; each run has at least five blocks.
    static let shapes: [(push: Int, block: Int)] = [(1, 64), (7, 64), (100, 64), (64, 64), (1_500, 100), (5_000, 7),
                                                    (1_024, 1_024), (333, 1_024)]

    static func check(_ yaml: String, bars count: Int, seed: UInt64) throws {
        let plan = try BlockPushTests.plan(yaml)
        let bars = BlockPushTests.bars(count, seed: seed)
        let reference = BlockPushTests.Reference(plan, bars, seed: seed)
        let expected = reference.recording
        #expect(expected.lines.contains { $0.hasPrefix("portfolio.trade") }, "no trade")
        #expect(expected.lines.contains { $0.hasPrefix("signal.") }, "no signal")
        for shape in shapes {
            let blocks = (count + shape.block - 1) / shape.block
            #expect(blocks >= 5, "push \(shape.push), block \(shape.block): too few blocks to pipeline")
            let (actual, runner) = pipelined(plan, bars, pushSize: shape.push, blockBars: shape.block)
            let label = "push \(shape.push), block \(shape.block)"
            reference.expectSame(actual, runner, label)
            // The second thread ran every block after the first few.
            #expect(runner.pipelinedBlocks.second == blocks - FusedRunner.blocksBeforePipelining, "\(label)")
            #expect(runner.pipelinedBlocks.caller == FusedRunner.blocksBeforePipelining, "\(label)")
        }
        // Either thread taking a block, as it falls out, and the single-threaded switch: the same.
        for (callerTakes, pipelined) in [(true, true), (true, false)] {
            let (actual, runner) = Self.pipelined(plan, bars, pushSize: 1_000, blockBars: 64, callerTakes: callerTakes,
                                                  pipelined: pipelined)
            reference.expectSame(actual, runner, "callerTakes \(callerTakes), pipelined \(pipelined)")
            let blocks = runner.pipelinedBlocks.second + runner.pipelinedBlocks.caller
            #expect(blocks == (pipelined ? (count + 63) / 64 : 0))
        }
    }

    @Test(arguments: ["next_open", "close"])
    func smaCrossWithForwardFilledGaps(fill: String) throws {
        let yaml = BlockPushTests.strategy(source: ", anomalies: { action: flag, spike_sigma: 6, window: 30 }, gaps: forward_fill",
                                           fill: fill, body: BlockPushTests.smaCross)
        try Self.check(yaml, bars: 6_000, seed: 42)
    }

    @Test func droppedAnomaliesAndSkippedGaps() throws {
        let yaml = BlockPushTests.strategy(source: ", anomalies: { action: drop, spike_sigma: 6, window: 30 }, gaps: skip",
                                           fill: "next_open", body: BlockPushTests.smaCross)
        try Self.check(yaml, bars: 6_000, seed: 7)
    }

    @Test func severalSignals() throws {
        let yaml = BlockPushTests.strategy(source: ", anomalies: { action: drop }, gaps: forward_fill", fill: "close",
                                           body: BlockPushTests.severalSignals)
        try Self.check(yaml, bars: 6_000, seed: 99)
    }

    @Test func ensemble() throws {
        let yaml = BlockPushTests.strategy(source: ", gaps: forward_fill", fill: "next_open", body: BlockPushTests.ensemble)
        try Self.check(yaml, bars: 6_000, seed: 5)
    }

    @Test func modelSignal() throws {
        let yaml = BlockPushTests.strategy(source: ", anomalies: { action: drop }, gaps: forward_fill", fill: "close",
                                           body: BlockPushTests.model)
        try Self.check(yaml, bars: 6_000, seed: 11)
    }

    /// A gap longer than several blocks: the bars forward-filled for one source bar fill more
    /// than a block on the second thread, and all carry that bar's trace id.
    @Test func gapLongerThanABlock() throws {
        let plan = try BlockPushTests.plan(BlockPushTests.strategy(source: ", gaps: forward_fill", fill: "next_open",
                                                                   body: BlockPushTests.smaCross))
        var bars = BlockPushTests.bars(3_000, seed: 3)
        for index in 1_500..<bars.count { bars[index].timestamp += 2_000 * 60_000_000 }
        let (expected, _) = BlockPushTests.perBar(plan, bars)
        for shape in [(push: 1_000, block: 100), (push: 3_000, block: 1_024)] {
            let (actual, _) = Self.pipelined(plan, bars, pushSize: shape.push, blockBars: shape.block)
            #expect(actual.lines == expected.lines, "push \(shape.push), block \(shape.block)")
        }
    }

    struct Stop: Error {}

    /// A source that fails after some pushes: the bars pushed before are delivered, the second
    /// thread has ended and the agents are back in the runner, in the state of a bar-by-bar run
    /// of those bars.
    @Test func errorAfterSomeBlocksDeliversThemFirst() throws {
        let plan = try BlockPushTests.plan(BlockPushTests.strategy(source: ", gaps: forward_fill", fill: "next_open",
                                                                   body: BlockPushTests.smaCross))
        let bars = BlockPushTests.bars(5_000, seed: 21)
        // 3,333 bars pushed, the last 5 of them into a block not yet handed over when the source fails.
        let pushed = 3_333
        let (expected, reference) = BlockPushTests.perBar(plan, Array(bars[..<pushed]))
        var runner = FusedRunner(plan: plan, evaluators: BlockPushTests.evaluators)
        var sink = Recording()
        #expect(throws: Stop.self) {
            try bars.withUnsafeBufferPointer { all in
                try runner.pushBlocks(pipelined: true, blockBars: 64, callerTakes: false, into: &sink) { push in
                    var start = 0
                    while start < all.count {
                        let end = min(pushed, start + 1_111)
                        push(UnsafeBufferPointer(rebasing: all[start..<end]))
                        start = end
                        if start == pushed { throw Stop() }
                    }
                }
            }
        }
        #expect(runner.sequence == UInt64(pushed))
        runner.finish(into: &sink)
        #expect(sink.lines == expected.lines)
        #expect(BlockPushTests.state(runner) == BlockPushTests.state(reference))
        #expect(runner.pipelinedBlocks.second == (pushed + 63) / 64 - FusedRunner.blocksBeforePipelining)
    }

    /// A feed's default blocks are `pipelineBars` long, the pipeline's block: each whole one
    /// goes to the second thread as the feed handed it over, uncopied, and the feed refills its
    /// buffer once the push returns. The same envelopes, state and continuation as bar by bar,
    /// with every pipelined block run on the second thread (so it read each while the caller
    /// delivered the block before).
    @Test func defaultFeedBlocksGoThroughWhole() throws {
        let plan = try BlockPushTests.plan(BlockPushTests.strategy(source: ", anomalies: { action: flag, spike_sigma: 6, window: 30 }, gaps: forward_fill",
                                                                   fill: "next_open", body: BlockPushTests.smaCross))
        let whole = 5, count = whole * FusedRunner.pipelineBars + 777
        let bars = BlockPushTests.bars(count, seed: 13)
        let reference = BlockPushTests.Reference(plan, bars, seed: 13)
        var runner = FusedRunner(plan: plan, evaluators: BlockPushTests.evaluators)
        var sink = Recording()
        var sizes: [Int] = []
        try runner.pushBlocks(pipelined: true, blockBars: FusedRunner.pipelineBars, callerTakes: false, into: &sink) { push in
            try BlockPushTests.ArrayFeed(bars: bars).forEachBlockReadingAhead { block in
                sizes.append(block.count)
                push(block)
            }
        }
        runner.finish(into: &sink)
        #expect(sizes == Array(repeating: FusedRunner.pipelineBars, count: whole) + [777])
        #expect(reference.recording.lines.contains { $0.hasPrefix("portfolio.trade") }, "no trade")
        reference.expectSame(sink, runner, "default feed blocks")
        #expect(runner.pipelinedBlocks.second == whole + 1 - FusedRunner.blocksBeforePipelining)
    }

    /// A run shorter than `blocksBeforePipelining` blocks starts no second thread.
    @Test func shortRunStaysOnOneThread() throws {
        let plan = try BlockPushTests.plan(BlockPushTests.strategy(source: "", fill: "next_open", body: BlockPushTests.smaCross))
        let bars = BlockPushTests.bars(2 * FusedRunner.pipelineBars, seed: 2)
        let (expected, _) = BlockPushTests.perBar(plan, bars)
        let (actual, runner) = Self.pipelined(plan, bars, pushSize: 500, blockBars: FusedRunner.pipelineBars)
        #expect(actual.lines == expected.lines)
        #expect(runner.pipelinedBlocks.second == 0)
        #expect(runner.pipelinedBlocks.caller == 2)
    }

    /// `BacktestEngine` runs one feed in blocks, with and without the second thread: the same
    /// results as the runner bar by bar, and progress reported at the same counts.
    @Test(arguments: [true, false])
    func backtestEngine(pipelined: Bool) throws {
        let plan = try BlockPushTests.plan(BlockPushTests.strategy(source: ", gaps: forward_fill", fill: "next_open",
                                                                   body: BlockPushTests.smaCross))
        let bars = BlockPushTests.bars(9_000, seed: 8)
        var runner = FusedRunner(plan: plan, evaluators: [:])
        var expected = CollectingSink()
        for bar in bars { runner.push(bar, into: &expected) }
        runner.finish(into: &expected)
        var reports: [Int] = []
        let engine = BacktestEngine(plan: plan, evaluators: [:], pipelined: pipelined)
        let result = try engine.run(feeds: [BlockPushTests.ArrayFeed(bars: bars)], progressEvery: 700) { reports.append($0) }
        #expect(reports == Array(stride(from: 700, through: 9_000, by: 700)))
        #expect(result.bars == bars.count)
        #expect(!expected.trades.isEmpty)
        #expect(result.sink.trades == expected.trades)
        #expect(result.sink.equity == expected.equity)
        #expect(result.sink.bars == expected.bars)
        #expect(result.sink.audit.map(\.payload.canonicalJSON) == expected.audit.map(\.payload.canonicalJSON))
        #expect(result.sink.audit.map(\.timestamp) == expected.audit.map(\.timestamp))
        #expect(result.feeds == runner.marketData.summaries)
    }
}
