import Agents
import Indicators
import ModelRegistry
import StrategyCompiler

/// The backtest runner: the plan's agents in one loop, each bar pushed through them
/// synchronously in a fixed order. No actors, no JSON, no allocation per bar once queues have
/// grown; the same agents run live under the actor runner.
///
/// Per bar: the bar goes to MarketData; `market.raw` reaches Execution (resting orders work at
/// the open), PortfolioRisk (decisions waiting for this open act) and Feature; features reach
/// Signal; signals reach PortfolioRisk, which targets; Execution fills. Then `clock` closes the
/// bar: PortfolioRisk marks equity. Messages are handled first in, first out.
///
/// Most bars change no signal and move no order, and for them no envelope is built: the bar
/// goes through the agents' typed entry points (`MarketDataAgent.normalise`,
/// `ExecutionAgent.onBar`, `PortfolioRiskAgent.onBar`, `FeatureAgent.update`,
/// `SignalAgent.evaluate`, `PortfolioRiskAgent.closeBar`), the same code their `handle` runs,
/// and the sink gets the bar, the close and the equity mark through its typed callbacks.
/// Envelopes are built only when an agent emits a message; from there the subscription table
/// routes them, in the order the message-by-message delivery would.
public struct FusedRunner {
    public private(set) var marketData: MarketDataAgent
    public private(set) var feature: FeatureAgent
    public private(set) var signal: SignalAgent
    public private(set) var portfolio: PortfolioRiskAgent
    public private(set) var execution: ExecutionAgent
    public private(set) var compliance: ComplianceAgent
    public private(set) var supervisor: SupervisorAgent

    /// What MarketData passed on for the bar being pushed.
    private var passed: [MarketBar] = []
    /// First in, first out is delivery by generations: every message of one generation is
    /// routed, in order, before any message it caused. The runner takes the messages of the
    /// current generation out of their buffer while the agents append the next one to the other,
    /// so no envelope is copied to be delivered.
    private var current = Outbox()
    private var next = Outbox()
    /// An empty outbox, whose buffer every empty outbox shares: a drain's starting value for
    /// the generation it delivers, copied (a retain) rather than made (a lazy global's lookup).
    private let idle = Outbox(capacity: 0)
    public private(set) var sequence: UInt64 = 0
    /// Blocks whose pure stages ran on the second thread of `pushBlocks(pipelined:blockBars:into:from:)`,
    /// and blocks it ran on the caller's thread (the first few, and those the second thread had
    /// not started when the caller was ready for them).
    public private(set) var pipelinedBlocks = (second: 0, caller: 0)
    private var lastTimestamp: Int64 = 0

    // The block path (`push(contentsOf:instrument:into:)`): what the pure stages computed for
    // the block being delivered. Scratch, emptied after each block, reused without allocating.
    /// For each of `passed`, its source bar's offset in the block.
    private var origins: [Int] = []
    /// Signal's messages for the block, by row.
    private var signals = SignalBlock()
    /// The block path's scratch, stage results and their buffers, while the fields above hold the block being delivered.
    private var staged = StageOutput()
    /// The row of `passed` being delivered, or -1 outside the block path (Signal then decides
    /// when a frame is routed).
    private var blockRow = -1
    /// The position in `signals.bars` of the next row with messages, and that row (`Int.max`: none left).
    private var signalCursor = 0
    private var nextSignalRow = Int.max
    /// PortfolioRisk's marks over a run of quiet rows (`deliverQuietRows`), one per row of the block.
    private var quietMarks: [EquityMark] = []

    public init(plan: Plan, evaluators: [String: any ModelEvaluator]) {
        self.init(agents: AgentSet(plan: plan, evaluators: evaluators))
    }

    /// Runs on from agents that already hold state: restored after a restart, or mapped by a reload.
    public init(agents: AgentSet) {
        marketData = agents.marketData
        feature = agents.feature
        signal = agents.signal
        portfolio = agents.portfolio
        execution = agents.execution
        compliance = agents.compliance
        supervisor = agents.supervisor
    }

    /// The agents' state between two bars. Setting it swaps agents (a reload) while the runner
    /// keeps its own bar sequence: Execution and PortfolioRisk count bars by trace id, so orders
    /// due at a later bar (algo slices, venue latency) stay due at that bar across the swap.
    public var agents: AgentSet {
        get {
            AgentSet(marketData: marketData, feature: feature, signal: signal, portfolio: portfolio,
                     execution: execution, compliance: compliance, supervisor: supervisor)
        }
        set {
            marketData = newValue.marketData
            feature = newValue.feature
            signal = newValue.signal
            portfolio = newValue.portfolio
            execution = newValue.execution
            compliance = newValue.compliance
            supervisor = newValue.supervisor
        }
    }

    /// Runs one bar of one instrument through every agent, closing the moment after each bar
    /// MarketData passes on (none for a dropped bar, several when a gap is forward-filled).
    public mutating func push<Sink: RunSink>(_ bar: Bar, instrument: Int = 0, into sink: inout Sink) {
        marketData.normalise(bar, instrument: instrument, into: &passed)
        var index = 0
        while index < passed.count {
            deliver(passed[index], into: &sink)
            closeMoment(traceId: sequence, into: &sink)
            index += 1
        }
        while passed.popLast() != nil {}
        sequence += 1
    }

    /// Bars a block runs through the pure stages at a time: the feature columns of a block stay
    /// in the first-level cache (a few registers × 8 bytes × this).
    public static let blockBars = 1_024

    /// `push(_:instrument:into:)` for each bar of `bars` in order, with exactly its effects: the
    /// same sink calls in the same order, the same messages with the same stamps, the same agent
    /// state after. The pure stages run over the block first, stage by stage: MarketData
    /// normalises it, Feature runs its program instruction by instruction over all the passed
    /// bars (register columns), Signal decides every bar from the columns and records what it
    /// would emit. They read nothing the later agents write (Signal only feature registers,
    /// Feature only `market.raw`; supervisor commands reach PortfolioRisk, Execution,
    /// Compliance and the Supervisor only). Then the bars go one by one through Execution and
    /// PortfolioRisk as in `push`: where Signal would decide, its recorded messages for the bar
    /// join the next generation; where a frame would be routed to Signal, they are emitted in
    /// its place, so every message keeps its place in the delivery order.
    ///
    /// With several instruments (the bars of a moment interleave across sources) each bar goes
    /// through `push` on its own.
    public mutating func push<Sink: RunSink>(contentsOf bars: UnsafeBufferPointer<Bar>, instrument: Int = 0, into sink: inout Sink) {
        guard instrument == 0, feature.instrumentCount == 1 else {
            for bar in bars { push(bar, instrument: instrument, into: &sink) }
            return
        }
        var start = 0
        while start < bars.count {
            let end = min(start + Self.blockBars, bars.count)
            pushBlock(UnsafeBufferPointer(rebasing: bars[start..<end]), into: &sink)
            start = end
        }
    }

    /// Bars a block of `pushBlocks(pipelined:blockBars:into:from:)` has when it runs the pure
    /// stages on a second thread. Each hand-over (an atomic store, a semaphore signal and, when the
    /// second thread ran the block, a wait) costs the same whatever the block's size, and the two
    /// threads' paces differ from block to block: larger blocks amortise both. 8,192 is also the
    /// CSV reader's block, which then goes to the second thread without a copy; the block's
    /// columns stay within a core's second-level cache (benchmarks/RESULTS.md, "The hand-off").
    public static let pipelineBars = 8_192

    /// Blocks a pipelined run delivers on the caller's thread alone before it starts the second
    /// thread: a run this short costs less than starting a thread saves in it.
    static let blocksBeforePipelining = 2

    /// `push(contentsOf:instrument:into:)` for each block `blocks` hands to its `push` (on this
    /// thread, in order; instrument 0), with the same effects, in the same order: while the
    /// bars of one block go one by one through Execution, PortfolioRisk and the messages here,
    /// MarketData, Feature and Signal run over the next block on a second thread (`pipelined`).
    /// The runner's effects therefore trail `push` by up to a block (a block's last
    /// `pipelineBars` bars reach the sink at the next `push` or at the end), and all of them
    /// have happened when this returns, also when `blocks` throws: the bars pushed before the
    /// error are delivered, then the error is rethrown.
    ///
    /// The stage agents are lent to the second thread (``StageWorker``) and are the runner's
    /// again when this returns; the thread never outlives the call. Runs of a few blocks stay on
    /// this thread (`blocksBeforePipelining`), and so do runs with several instruments (bar by
    /// bar, as `push(contentsOf:)`) and `pipelined: false`.
    ///
    /// - Parameter blockBars: bars a block has (`pipelineBars` unless measuring).
    public mutating func pushBlocks<Sink: RunSink>(pipelined: Bool = true, blockBars: Int = pipelineBars, into sink: inout Sink,
                                                   from blocks: (_ push: (UnsafeBufferPointer<Bar>) -> Void) throws -> Void) rethrows {
        try pushBlocks(pipelined: pipelined, blockBars: blockBars, callerTakes: true, into: &sink, from: blocks)
    }

    /// `pushBlocks(pipelined:blockBars:into:from:)`; with `callerTakes` false, this thread always
    /// waits for the second to run a block (tests of the second thread's path).
    mutating func pushBlocks<Sink: RunSink>(pipelined: Bool, blockBars: Int, callerTakes: Bool, into sink: inout Sink,
                                            from blocks: (_ push: (UnsafeBufferPointer<Bar>) -> Void) throws -> Void) rethrows {
        guard pipelined, feature.instrumentCount == 1 else {
            try blocks { push(contentsOf: $0, into: &sink) }
            return
        }
        var pipeline = Pipeline(blockBars: max(1, blockBars), callerTakes: callerTakes)
        do {
            try blocks { feed($0, to: &pipeline, into: &sink) }
        } catch {
            finish(&pipeline, into: &sink)
            throw error
        }
        finish(&pipeline, into: &sink)
    }

    /// A pipelined run's state on the caller's thread.
    private struct Pipeline {
        let blockBars: Int
        let callerTakes: Bool
        /// Bars gathered from pushes shorter than a block, `buffered` of them so far.
        let buffer: UnsafeMutablePointer<Bar>
        var buffered = 0
        var blocksAlone = 0
        var worker: StageWorker?
        /// The trace id of the next bar handed to the worker (the runner's `sequence` trails it).
        var nextTrace: UInt64 = 0
        /// The worker's last block, to deliver here while it runs the next.
        var ready = StageOutput()
        var hasReady = false

        init(blockBars: Int, callerTakes: Bool) {
            self.blockBars = blockBars
            self.callerTakes = callerTakes
            buffer = .allocate(capacity: blockBars)
        }
    }

    /// One push of a pipelined run: whole blocks straight from `bars`, the rest through the buffer.
    private mutating func feed<Sink: RunSink>(_ bars: UnsafeBufferPointer<Bar>, to pipeline: inout Pipeline, into sink: inout Sink) {
        let size = pipeline.blockBars
        var start = 0
        while start < bars.count {
            if pipeline.buffered == 0, bars.count - start >= size {
                // Valid until this push returns, and the worker is done with it before then.
                step(UnsafeBufferPointer(rebasing: bars[start..<start + size]), pipeline: &pipeline, into: &sink)
                start += size
                continue
            }
            let take = min(size - pipeline.buffered, bars.count - start)
            (pipeline.buffer + pipeline.buffered).update(from: bars.baseAddress! + start, count: take)
            pipeline.buffered += take
            start += take
            if pipeline.buffered == size {
                step(UnsafeBufferPointer(start: pipeline.buffer, count: size), pipeline: &pipeline, into: &sink)
                pipeline.buffered = 0
            }
        }
    }

    /// One block: the worker runs its pure stages while the block before is delivered here.
    private mutating func step<Sink: RunSink>(_ bars: UnsafeBufferPointer<Bar>, pipeline: inout Pipeline, into sink: inout Sink) {
        if pipeline.worker == nil {
            if pipeline.blocksAlone < Self.blocksBeforePipelining {
                pipeline.blocksAlone += 1
                pipelinedBlocks.caller += 1
                pushBlock(bars, into: &sink)
                return
            }
            // The worker's copies become the only ones that change; the runner's are replaced at the end.
            pipeline.worker = StageWorker(stages: PureStages(marketData: marketData, feature: feature, signal: signal),
                                          callerTakes: pipeline.callerTakes)
            pipeline.nextTrace = sequence
        }
        let worker = pipeline.worker!
        worker.input = bars
        worker.firstTrace = pipeline.nextTrace
        pipeline.nextTrace &+= UInt64(bars.count)
        worker.post()
        if pipeline.hasReady { deliverBlock(&pipeline.ready, into: &sink) }
        worker.finish()
        // The block just run is delivered next; the worker gets the emptied buffers of the one delivered.
        swap(&pipeline.ready, &worker.output)
        pipeline.hasReady = true
    }

    /// The end of a pipelined run: the bars still buffered, the last block delivered, the
    /// worker stopped and the stage agents back in the runner.
    private mutating func finish<Sink: RunSink>(_ pipeline: inout Pipeline, into sink: inout Sink) {
        if pipeline.buffered > 0 {
            step(UnsafeBufferPointer(start: pipeline.buffer, count: pipeline.buffered), pipeline: &pipeline, into: &sink)
            pipeline.buffered = 0
        }
        if pipeline.hasReady {
            deliverBlock(&pipeline.ready, into: &sink)
            pipeline.hasReady = false
        }
        if let worker = pipeline.worker {
            worker.stop()
            pipelinedBlocks.second += worker.ranByWorker
            pipelinedBlocks.caller += worker.ranByCaller
            marketData = worker.stages.marketData
            feature = worker.stages.feature
            signal = worker.stages.signal
            pipeline.worker = nil
        }
        pipeline.buffer.deallocate()
    }

    /// One block of instrument 0: the pure stages over the block, then the bars one by one.
    private mutating func pushBlock<Sink: RunSink>(_ bars: UnsafeBufferPointer<Bar>, into sink: inout Sink) {
        var output = StageOutput()
        swap(&output, &staged)
        PureStages.run(bars, firstTrace: sequence, marketData: &marketData, feature: &feature, signal: &signal, into: &output)
        deliverBlock(&output, into: &sink)
        swap(&output, &staged)
    }

    /// The bars of a block whose pure stages have run (`output`, emptied for reuse after) one by
    /// one through the rest, the sequence then past the block.
    private mutating func deliverBlock<Sink: RunSink>(_ output: inout StageOutput, into sink: inout Sink) {
        let count = output.passed.count
        if count > 0 {
            install(&output)
            signalCursor = 0
            nextSignalRow = signals.bars.first ?? Int.max
            deliverRows(count: count, first: output.firstTrace, into: &sink)
            install(&output)
        }
        output.passed.removeAll(keepingCapacity: true)
        output.origins.removeAll(keepingCapacity: true)
        sequence = output.firstTrace &+ UInt64(output.bars)
    }

    /// Swaps `output` with what the row loop reads: no copy, so a second call swaps it back.
    private mutating func install(_ output: inout StageOutput) {
        swap(&passed, &output.passed)
        swap(&origins, &output.origins)
        swap(&signals, &output.signals)
    }

    /// The row loop of a block: the `count` passed bars, whose pure stages have run, through
    /// Execution, PortfolioRisk and the sink in order, each closing its moment. Runs of quiet rows
    /// (before the next row with Signal's messages, while Execution works no order and
    /// PortfolioRisk neither acts at an open nor trips the drawdown limit) go through the agents'
    /// quiet entry points and `RunSink.receiveQuiet` in one call each; the rest row by row, as
    /// `push` would.
    private mutating func deliverRows<Sink: RunSink>(count: Int, first: UInt64, into sink: inout Sink) {
        blockRow = 0
        while blockRow < count {
            // After a signal row a decision usually waits for the next open: no run to try.
            if blockRow < nextSignalRow, !portfolio.mayActAtNextOpen {
                blockRow += deliverQuietRows(blockRow..<min(count, nextSignalRow), firstTrace: first, into: &sink)
                if blockRow == count { break }
            }
            // Every bar a source bar passed on carries that bar's trace id.
            sequence = first &+ UInt64(origins[blockRow])
            deliverRow(blockRow, into: &sink)
            closeMoment(traceId: sequence, into: &sink)
            blockRow += 1
        }
        blockRow = -1
    }

    /// The leading quiet rows of `rows`, all at once, with exactly the effects of `deliverRow`
    /// and `closeMoment` on each: Execution says how far nothing works, PortfolioRisk marks up
    /// to there or to the first bar it would act on, Execution takes what PortfolioRisk took,
    /// and the sink gets the bars and marks. Returns how many rows it delivered (0: the first
    /// row is not quiet).
    private mutating func deliverQuietRows<Sink: RunSink>(_ rows: Range<Int>, firstTrace: UInt64, into sink: inout Sink) -> Int {
        if quietMarks.count < rows.count {
            quietMarks = [EquityMark](repeating: EquityMark(equity: 0, peak: 0), count: max(passed.count, Self.blockBars))
        }
        // Moved into locals (no allocation) so the closures below reach no other part of `self`.
        var bars: [MarketBar] = [], offsets: [Int] = [], marks: [EquityMark] = []
        swap(&bars, &passed)
        swap(&offsets, &origins)
        swap(&marks, &quietMarks)
        let taken = bars.withUnsafeBufferPointer { bars in
            offsets.withUnsafeBufferPointer { offsets in
                marks.withUnsafeMutableBufferPointer { marks in
                    let all = BarRun(bars: UnsafeBufferPointer(rebasing: bars[rows]), offsets: UnsafeBufferPointer(rebasing: offsets[rows]),
                                     firstTrace: firstTrace)
                    let taken = portfolio.markQuiet(all.prefix(execution.quietBars(all)), into: marks.baseAddress!)
                    guard taken > 0 else { return 0 }
                    let run = all.prefix(taken)
                    execution.markQuiet(run)
                    sink.receiveQuiet(QuietRun(bars: run, marks: UnsafeBufferPointer(rebasing: marks[..<taken]),
                                               cash: portfolio.cash, state: portfolio.state))
                    let last = run.stamp(taken - 1)
                    lastTimestamp = last.timestamp
                    sequence = last.traceId
                    return taken
                }
            }
        }
        swap(&bars, &passed)
        swap(&offsets, &origins)
        swap(&marks, &quietMarks)
        return taken
    }

    /// `deliver` for row `row` of the block: Feature and Signal have run; their results are read.
    private mutating func deliverRow<Sink: RunSink>(_ row: Int, into sink: inout Sink) {
        let market = passed[row]
        let stamp = openBar(market, into: &sink)
        if next.isEmpty {
            // Where `deliver` lets Signal decide at once.
            if row == nextSignalRow { emitSignals(of: row) }
        } else {
            // The frame's place in the delivery order, where `route` emits Signal's messages for
            // the row. Only Signal reads a frame, and it has decided already; the sink never
            // gets one: so the place is held by a marker, with no frame (an array) built and freed.
            next.emit(Envelope(timestamp: stamp.timestamp, source: .feature, traceId: stamp.traceId,
                               topic: .featuresCandles, payload: .heartbeat(.feature)))
        }
        if !next.isEmpty { drain(into: &sink) }
    }

    /// Signal's recorded messages for row `row` into the next generation, as its `evaluate` would emit them.
    private mutating func emitSignals(of row: Int) {
        guard row == nextSignalRow else { return }
        let start = signalCursor == 0 ? 0 : signals.ends[signalCursor - 1]
        for index in start..<signals.ends[signalCursor] { next.emit(signals.message(index)) }
        signalCursor += 1
        nextSignalRow = signalCursor < signals.bars.count ? signals.bars[signalCursor] : Int.max
    }

    /// Runs one bar through every agent without closing the moment: with several instruments,
    /// every bar of one timestamp is opened, then `close` marks equity once.
    public mutating func open<Sink: RunSink>(_ bar: Bar, instrument: Int, into sink: inout Sink) {
        marketData.normalise(bar, instrument: instrument, into: &passed)
        var index = 0
        while index < passed.count {
            deliver(passed[index], into: &sink)
            index += 1
        }
        while passed.popLast() != nil {}
        sequence += 1
    }

    /// Ends the current timestamp: PortfolioRisk marks equity (one equity point per timestamp).
    public mutating func close<Sink: RunSink>(into sink: inout Sink) {
        closeMoment(traceId: sequence &- 1, into: &sink)
    }

    /// Routes one bar on `market.raw` (what `route` does with its envelope) and what it causes.
    private mutating func deliver<Sink: RunSink>(_ market: MarketBar, into sink: inout Sink) {
        let stamp = openBar(market, into: &sink)
        if next.isEmpty {
            // The frame would be the only message of its generation: Signal takes it now, from
            // the registers Feature lends, and what it emits is the next generation, as when the
            // frame is routed.
            Self.decide(market, stamp: stamp, feature: &feature, signal: &signal, into: &next)
        } else if feature.update(market) {
            next.emit(Envelope(timestamp: stamp.timestamp, source: .feature, traceId: stamp.traceId,
                               topic: .featuresCandles, payload: .features(feature.frame(of: market.instrument))))
        }
        // Most bars emit nothing: no call into the delivery loop.
        if !next.isEmpty { drain(into: &sink) }
    }

    /// What every bar on `market.raw` meets before Feature and Signal, on both paths: the sink,
    /// then Execution (resting orders work at the open), then PortfolioRisk (decisions waiting
    /// for this open act). Returns the bar's stamp.
    @inline(__always)
    private mutating func openBar<Sink: RunSink>(_ market: MarketBar, into sink: inout Sink) -> Stamp {
        let stamp = Stamp(timestamp: market.bar.timestamp, traceId: sequence)
        lastTimestamp = market.bar.timestamp
        sink.receiveBar(market, stamp: stamp)
        execution.onBar(market, stamp: stamp, into: &next)
        portfolio.onBar(market, stamp: stamp, into: &next)
        return stamp
    }

    /// Feature's update of `market` with Signal deciding on the registers it lends.
    @inline(__always)
    private static func decide(_ market: MarketBar, stamp: Stamp, feature: inout FeatureAgent, signal: inout SignalAgent,
                               into next: inout Outbox) {
        feature.update(market) { signal.evaluate(instrument: market.instrument, registers: $0, stamp: stamp, into: &next) }
    }

    /// Routes `clock` (what `route` does with its envelope) and what it causes.
    private mutating func closeMoment<Sink: RunSink>(traceId: UInt64, into sink: inout Sink) {
        let stamp = Stamp(timestamp: lastTimestamp, traceId: traceId)
        sink.receiveClock(stamp)
        let snapshot = portfolio.closeBar(stamp, into: &next)
        if next.isEmpty {
            sink.receiveEquity(snapshot, stamp: stamp)
            return
        }
        // Alerts or orders came first: the mark follows them, as PortfolioRisk's `handle` emits it.
        next.emit(Envelope(timestamp: stamp.timestamp, source: .portfolioRisk, traceId: stamp.traceId,
                           topic: .portfolioEquity, payload: .equity(snapshot)))
        drain(into: &sink)
    }

    /// Closes what is still open at the last close (recorded as closed at the end).
    public mutating func finish<Sink: RunSink>(into sink: inout Sink) {
        let trades = portfolio.closeOut(at: lastTimestamp, barIndex: Int(sequence) - 1)
        for trade in trades {
            next.emit(Envelope(timestamp: lastTimestamp, source: .portfolioRisk, traceId: sequence &- 1,
                               topic: .portfolioTrade, payload: .trade(trade)))
        }
        drain(into: &sink)
    }

    /// Delivers what the last routed messages caused, generation by generation, until nothing is left.
    private mutating func drain<Sink: RunSink>(into sink: inout Sink) {
        // Made once per drain, not per generation: it holds each generation's buffer in turn.
        var generation = idle
        while !next.isEmpty {
            swap(&generation, &next)
            swap(&next, &current)
            // `generation` holds the messages to deliver, each lent where it lies rather than
            // copied; `next`, emptied, collects what they cause.
            generation.takeAll { route($0, into: &sink) }
            swap(&generation, &current)
        }
    }

    /// The subscription table, in delivery order.
    @inline(__always)
    private mutating func route<Sink: RunSink>(_ message: Envelope, into sink: inout Sink) {
        switch message.topic {
        case .marketRaw:
            if case .bar(let market) = message.payload { lastTimestamp = market.bar.timestamp }
            sink.receive(message)
            execution.handle(message, into: &next)
            portfolio.handle(message, into: &next)
            feature.handle(message, into: &next)
        case .featuresCandles:
            // In a block, Signal has decided already: its messages for the bar take the place of
            // the frame (a marker there, `deliverRow`).
            if blockRow >= 0 { emitSignals(of: blockRow) } else { signal.handle(message, into: &next) }
        case .featuresMicro:
            signal.handle(message, into: &next)
        case .signalLong, .signalShort, .signalFlat:
            sink.receive(message)
            portfolio.handle(message, into: &next)
            compliance.handle(message, into: &next)
        case .portfolioTarget:
            execution.handle(message, into: &next)
            compliance.handle(message, into: &next)
        case .executionFill:
            sink.receive(message)
            portfolio.handle(message, into: &next)
            supervisor.handle(message, into: &next)
            compliance.handle(message, into: &next)
        case .executionError, .riskAlert:
            sink.receive(message)
            supervisor.handle(message, into: &next)
            compliance.handle(message, into: &next)
        case .executionOrder, .portfolioTrade:
            sink.receive(message)
            compliance.handle(message, into: &next)
        case .supervisorCommand:
            sink.receive(message)
            portfolio.handle(message, into: &next)
            execution.handle(message, into: &next)
            compliance.handle(message, into: &next)
            supervisor.handle(message, into: &next)
        case .portfolioEquity, .complianceAudit:
            sink.receive(message)
        case .clock:
            sink.receive(message)
            portfolio.handle(message, into: &next)
        case .heartbeat:
            break
        }
    }
}
