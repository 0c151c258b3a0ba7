import Agents
import Foundation
import Indicators
import ModelRegistry
import Runtime
import StrategyCompiler
import StrategyDSL
import Testing

/// `FusedRunner.push(contentsOf:)` runs MarketData, Feature and Signal over a block before the
/// bars go one by one through the rest. The reference is the runner's own bar-by-bar `push`
/// (itself checked against an independent message router in `FusedRunnerDeliveryTests`): over
/// seeded bars with injected anomalies, late bars and gaps, every envelope the sink sees must
/// be the same, byte for byte in canonical JSON, for every block size, and the agents must end
/// in the same state.
struct BlockPushTests {
    /// Every envelope the sink is handed, as comparable text (the typed callbacks fall back to
    /// `receive` with the envelope they stand for).
    struct Recording: RunSink {
        var lines: [String] = []

        mutating func receive(_ envelope: Envelope) {
            lines.append("\(envelope.topic.name) \(envelope.source) \(envelope.timestamp) \(envelope.traceId) \(envelope.payload.canonicalJSON)")
        }
    }

    /// A model of the spread between two features: P(up) = logistic(10 · (fast − slow) / slow).
    struct SpreadModel: ModelEvaluator {
        var featureNames: [String] { ["fast", "slow"] }
        var outputNames: [String] { ["prediction"] }
        var outputKind: OutputKind { .probability }

        func predict(_ features: [Double], into output: inout [Double]) {
            output[0] = 1 / (1 + exp(-1_000 * (features[0] - features[1]) / features[1]))
        }
    }

    struct SpreadModels: ModelResolving {
        func resolve(_ reference: String) -> ModelResolution {
            guard reference.hasPrefix("spread@") else { return .unknownModel(known: ["spread"]) }
            return .resolved(ResolvedModelInfo(name: "spread", version: "v1", features: ["fast", "slow"], outputs: ["prediction"],
                                               manifestHash: String(repeating: "0", count: 64)))
        }
    }

    /// A one-minute source with the given settings, and the strategy's other sections.
    static func strategy(source: String, fill: String, body: String) -> String {
        """
        strategy: { name: blocks }
        data:
          x: { synthetic: { seed: 1, bars: 50 }, instrument: X, interval: 1m, calendar: always\(source) }
        \(body)
        risk:
          sizing: { equity_fraction: 0.5, lot: 1 }
        execution:
          venue: { sim: { fill: \(fill), fee_bps: 2, slippage_bps: 1 } }
        """
    }

    /// The benchmark's strategy: an SMA(10)/SMA(30) crossover.
    static let smaCross = """
        features:
          fast: sma(close, 10)
          slow: sma(close, 30)
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
        """

    /// Two traded rule signals over general indicators (EMA, RSI), a lag and constants.
    static let severalSignals = """
        features:
          fast: ema(close, 8)
          slow: sma(close, 21)
          rsi14: rsi(close, 14)
          prev: close[3]
          up: close > prev
        signals:
          trend:
            long: crossover(fast, slow)
            short: crossunder(fast, slow)
          revert:
            long: rsi14 < 35 and up
            short: rsi14 > 65
            flat: abs(close - slow) < 0.02
        """

    /// Rules as members of an ensemble: the general per-bar decision, from each bar's registers.
    static let ensemble = """
        features:
          fast: sma(close, 5)
          slow: sma(close, 20)
          rsi14: rsi(close, 14)
        signals:
          trend:
            long: fast > slow
            short: fast < slow
            trade: false
          revert:
            long: rsi14 < 40
            short: rsi14 > 60
            trade: false
          vote:
            ensemble: [trend, revert]
            vote: majority
            threshold: 0.5
            tie: flat
        """

    static let model = """
        features:
          fast: sma(close, 5)
          slow: sma(close, 20)
        models:
          live: spread@v1
        signals:
          model:
            model: live
            long_above: 0.7
            short_below: 0.3
        """

    static func plan(_ yaml: String) throws -> Plan {
        let result = Linter(models: SpreadModels()).lint(text: yaml, path: "blocks.yaml")
        return try Planner.plan(try #require(result.checked, "\(result.diagnostics.map(\.message))"))
    }

    static let evaluators: [String: any ModelEvaluator] = ["live": SpreadModel()]

    /// Seeded one-minute bars (xorshift64*, a random walk of closes) with, at fixed odds: gaps of
    /// 1 to 40 minutes, spikes, a high below the low, zero volume, and late bars (a timestamp
    /// not after the previous one, which MarketData drops).
    static func bars(_ count: Int, seed: UInt64) -> [Bar] {
        var state = seed | 1
        func next() -> Double {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Double((state &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 53)
        }
        var bars: [Bar] = []
        var time: Int64 = 1_704_067_200_000_000
        var close = 100.0
        for _ in 0..<count {
            time += 60_000_000
            let odds = next()
            if odds < 0.01 { time += Int64(1 + Int(next() * 40)) * 60_000_000 }
            let open = close
            close = open * (1 + (next() - 0.5) * 0.004)
            var high = max(open, close) + next() * 0.05, low = min(open, close) - next() * 0.05
            var bar = Bar(timestamp: time, open: open, high: high, low: low, close: close, volume: 100 + next() * 900)
            switch odds {
            case 0.01..<0.015:
                bar.close = open * 1.08
                high = bar.close
                bar.high = high
            case 0.015..<0.02:
                swap(&high, &low)
                bar.high = high
                bar.low = low
            case 0.02..<0.025:
                bar.volume = 0
            case 0.025..<0.028:
                bar.timestamp = bars.last?.timestamp ?? time
            default:
                break
            }
            bars.append(bar)
        }
        return bars
    }

    /// Every bar through `push`, then the end of the run.
    static func perBar(_ plan: Plan, _ bars: [Bar]) -> (Recording, FusedRunner) {
        var runner = FusedRunner(plan: plan, evaluators: evaluators)
        var sink = Recording()
        for bar in bars { runner.push(bar, into: &sink) }
        runner.finish(into: &sink)
        return (sink, runner)
    }

    /// The bars through `push(contentsOf:)` in blocks of `size`, then the end of the run.
    static func inBlocks(_ plan: Plan, _ bars: [Bar], size: Int) -> (Recording, FusedRunner) {
        var runner = FusedRunner(plan: plan, evaluators: evaluators)
        var sink = Recording()
        bars.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(all.count, start + size)
                runner.push(contentsOf: UnsafeBufferPointer(rebasing: all[start..<end]), into: &sink)
                start = end
            }
        }
        runner.finish(into: &sink)
        return (sink, runner)
    }

    /// The agents' state as text: every stored value, with addresses (which differ between
    /// runs) blanked. Kernel windows live behind pointers; `continued` compares those by
    /// running on. A set's members and a dictionary's entries come in an order of their storage
    /// (two equal ones built apart may list them differently): sorted.
    static func state(_ runner: FusedRunner) -> String {
        var text = ""
        dump(runner.agents, to: &text)
        let lines = text.replacing(/0x[0-9a-f]+/, with: "0x").replacing(/pointerValue: [0-9]+/, with: "pointerValue")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func depth(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        var normal: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            normal.append(line)
            index += 1
            guard line.hasSuffix(" members") || line.hasSuffix(" key/value pairs") else { continue }
            // Each element: its first line one level (two spaces) deeper, then anything deeper still.
            let elementDepth = depth(line) + 2
            var elements: [[String]] = []
            while index < lines.count, depth(lines[index]) >= elementDepth {
                if depth(lines[index]) == elementDepth || elements.isEmpty { elements.append([]) }
                elements[elements.count - 1].append(lines[index])
                index += 1
            }
            for element in elements.sorted(by: { $0.joined(separator: "\n") < $1.joined(separator: "\n") }) {
                normal.append(contentsOf: element)
            }
        }
        return normal.joined(separator: "\n")
    }

    /// What both runners do with the same further bars, bar by bar: equal only if every
    /// indicator window and decision state came out of the blocks as it went in bar by bar.
    static func continued(_ runner: FusedRunner, with bars: [Bar]) -> [String] {
        var runner = runner
        var sink = Recording()
        for bar in bars { runner.push(bar, into: &sink) }
        return sink.lines
    }

    /// What `plan` does with `bars` pushed bar by bar, which every block path must equal: the
    /// envelopes, the runner's sequence and agents' state, and what it does with later bars.
    struct Reference {
        let recording: Recording
        let runner: FusedRunner
        let state: String
        /// Bars after the last of the run's, and the envelopes `continued` gives for them.
        let later: [Bar]
        let continued: [String]

        init(_ plan: Plan, _ bars: [Bar], seed: UInt64) {
            (recording, runner) = perBar(plan, bars)
            state = BlockPushTests.state(runner)
            let shift = (bars.map(\.timestamp).max() ?? 0) - bars[0].timestamp + 60_000_000
            later = BlockPushTests.bars(300, seed: seed &+ 1).map { bar in
                var later = bar
                later.timestamp += shift
                return later
            }
            continued = BlockPushTests.continued(runner, with: later)
        }

        /// Records each way a run (`recording`, `runner`) differs from this one, naming `label`.
        func expectSame(_ recording: Recording, _ runner: FusedRunner, _ label: String) {
            let expected = self.recording.lines, actual = recording.lines
            #expect(actual.count == expected.count, "\(label)")
            if let first = actual.indices.first(where: { $0 < expected.count && actual[$0] != expected[$0] }) {
                Issue.record("\(label): envelope \(first) differs:\n\(actual[first])\n\(expected[first])")
            }
            #expect(runner.sequence == self.runner.sequence, "\(label)")
            let runState = BlockPushTests.state(runner)
            if runState != state {
                let ours = runState.split(separator: "\n"), theirs = state.split(separator: "\n")
                let line = ours.indices.first { $0 >= theirs.count || ours[$0] != theirs[$0] } ?? ours.count
                Issue.record("\(label): agent state differs at line \(line) after \(ours[max(0, line - 12)..<line].joined(separator: "\n")): \(line < ours.count ? ours[line] : "end") vs \(line < theirs.count ? theirs[line] : "end")")
            }
            #expect(BlockPushTests.continued(runner, with: later) == continued, "\(label): continuation")
        }
    }

    /// Compares block pushes of every size in `sizes` with the per-bar reference.
    static func check(_ yaml: String, bars count: Int, sizes: [Int], seed: UInt64) throws {
        let plan = try Self.plan(yaml)
        let bars = Self.bars(count, seed: seed)
        let reference = Reference(plan, bars, seed: seed)
        // Enough happened for the comparison to mean something.
        let expected = reference.recording.lines
        #expect(expected.contains { $0.hasPrefix("portfolio.trade") }, "no trade")
        #expect(expected.contains { $0.hasPrefix("compliance.audit") }, "no audit record")
        #expect(expected.contains { $0.hasPrefix("signal.") }, "no signal")
        for size in sizes {
            let (actual, runner) = inBlocks(plan, bars, size: size)
            reference.expectSame(actual, runner, "block size \(size)")
        }
    }

    static let sizes = [1, 2, 7, 64, 1_000, 1_024, 1_500, 100_000]

    @Test(arguments: ["next_open", "close"])
    func smaCrossWithForwardFilledGaps(fill: String) throws {
        let yaml = Self.strategy(source: ", anomalies: { action: flag, spike_sigma: 6, window: 30 }, gaps: forward_fill",
                            fill: fill, body: Self.smaCross)
        try Self.check(yaml, bars: 6_000, sizes: Self.sizes, seed: 42)
    }

    @Test func droppedAnomaliesAndSkippedGaps() throws {
        let yaml = Self.strategy(source: ", anomalies: { action: drop, spike_sigma: 6, window: 30 }, gaps: skip",
                            fill: "next_open", body: Self.smaCross)
        try Self.check(yaml, bars: 4_000, sizes: Self.sizes, seed: 7)
    }

    @Test(arguments: ["next_open", "close"])
    func severalSignals(fill: String) throws {
        let yaml = Self.strategy(source: ", anomalies: { action: drop }, gaps: forward_fill", fill: fill, body: Self.severalSignals)
        try Self.check(yaml, bars: 4_000, sizes: Self.sizes, seed: 99)
    }

    @Test func ensembleDecidesBarByBarFromTheColumns() throws {
        let yaml = Self.strategy(source: ", gaps: forward_fill", fill: "next_open", body: Self.ensemble)
        try Self.check(yaml, bars: 3_000, sizes: [1, 7, 1_024, 100_000], seed: 5)
    }

    @Test func modelSignal() throws {
        let yaml = Self.strategy(source: ", anomalies: { action: drop }, gaps: forward_fill", fill: "close", body: Self.model)
        try Self.check(yaml, bars: 3_000, sizes: [1, 7, 1_024, 100_000], seed: 11)
    }

    /// A gap longer than a block: the bars forward-filled for one source bar outnumber a block's
    /// bars, and all carry that bar's trace id.
    @Test func gapLongerThanABlock() throws {
        let yaml = Self.strategy(source: ", gaps: forward_fill", fill: "next_open", body: Self.smaCross)
        let plan = try Self.plan(yaml)
        var bars = Self.bars(3_000, seed: 3)
        for index in 1_500..<bars.count { bars[index].timestamp += 2_000 * 60_000_000 }
        let (expected, _) = Self.perBar(plan, bars)
        for size in [1, 1_000, 1_600, 100_000] {
            let (actual, _) = Self.inBlocks(plan, bars, size: size)
            #expect(actual.lines == expected.lines, "block size \(size)")
        }
    }

    /// A bar array handed out bar by bar: the default blocks of `BarFeed`.
    struct ArrayFeed: BarFeed {
        let bars: [Bar]

        func forEachBar(_ body: (Bar) throws -> Void) throws {
            for bar in bars { try body(bar) }
        }
    }

    /// The default blocks hold every bar once, in order, and a feed error still comes after
    /// every bar before it.
    @Test func defaultBlocksKeepEveryBarAndTheErrorLast() throws {
        struct Failing: BarFeed, Error {
            let bars: [Bar]

            func forEachBar(_ body: (Bar) throws -> Void) throws {
                for bar in bars { try body(bar) }
                throw self
            }
        }
        let bars = Self.bars(2 * FusedRunner.pipelineBars + 452, seed: 4)
        var seen: [Bar] = []
        var sizes: [Int] = []
        #expect(throws: Failing.self) {
            try Failing(bars: bars).forEachBlockReadingAhead { block in
                sizes.append(block.count)
                seen.append(contentsOf: block)
            }
        }
        #expect(seen == bars)
        // Blocks of the pipeline's size, which a pipelined run takes without copying them.
        #expect(sizes == [FusedRunner.pipelineBars, FusedRunner.pipelineBars, 452])
    }
}
