import Agents
import Dispatch
import Foundation
import Indicators
import Synchronization

/// What the pure stages computed for one block of instrument 0's bars: all the row loop of
/// `FusedRunner` reads of MarketData, Feature and Signal, so it can deliver the block while
/// those agents run on to the next one.
struct StageOutput: Sendable {
    /// What MarketData passed on.
    var passed: [MarketBar] = []
    /// For each of `passed`, its source bar's offset in the block.
    var origins: [Int] = []
    /// Scratch: the feature registers after each of `passed`, column by column, `columnRows`
    /// rows a column, which Signal decides from (the row loop reads no frame of them).
    var columns: [Double] = []
    var columnRows = 0
    /// Signal's messages for the block, by row.
    var signals = SignalBlock()
    /// Source bars in the block, and the trace id of the first.
    var bars = 0
    var firstTrace: UInt64 = 0
}

/// The agents of the block path that read nothing the later agents write: MarketData, Feature
/// and Signal (see `FusedRunner.push(contentsOf:instrument:into:)`).
struct PureStages: Sendable {
    var marketData: MarketDataAgent
    var feature: FeatureAgent
    var signal: SignalAgent

    mutating func run(_ bars: UnsafeBufferPointer<Bar>, firstTrace: UInt64, into output: inout StageOutput) {
        Self.run(bars, firstTrace: firstTrace, marketData: &marketData, feature: &feature, signal: &signal, into: &output)
    }

    /// MarketData over `bars` (instrument 0, source bar `k` carrying trace id `firstTrace + k`),
    /// Feature over what it passed into register columns, Signal's decisions from them: into
    /// `output`, whose `passed` and `origins` are empty.
    static func run(_ bars: UnsafeBufferPointer<Bar>, firstTrace: UInt64, marketData: inout MarketDataAgent,
                    feature: inout FeatureAgent, signal: inout SignalAgent, into output: inout StageOutput) {
        output.bars = bars.count
        output.firstTrace = firstTrace
        marketData.normalise(bars, instrument: 0, into: &output.passed, origins: &output.origins)
        let count = output.passed.count
        guard count > 0 else { return }
        let registers = feature.registerCount
        if output.columnRows < count || output.columns.count < registers * output.columnRows {
            output.columnRows = max(count, FusedRunner.blockBars)
            output.columns = [Double](repeating: 0, count: registers * output.columnRows)
        }
        // Moved into locals (no allocation) so the closures below reach no other part of `output`.
        var table: [Double] = [], passed: [MarketBar] = [], origins: [Int] = [], block = SignalBlock()
        swap(&table, &output.columns)
        swap(&passed, &output.passed)
        swap(&origins, &output.origins)
        swap(&block, &output.signals)
        block.removeAll()
        let rows = output.columnRows
        passed.withUnsafeBufferPointer { bars in
            origins.withUnsafeBufferPointer { offsets in
                table.withUnsafeMutableBufferPointer { table in
                    let columns = RegisterColumns(base: table.baseAddress!, rows: rows, registers: registers)
                    feature.update(contentsOf: bars, instrument: 0, into: columns)
                    signal.evaluate(block: columns, count: count, instrument: 0, stamp: { row in
                        Stamp(timestamp: bars[row].bar.timestamp, traceId: firstTrace &+ UInt64(offsets[row]))
                    }, into: &block)
                }
            }
        }
        swap(&table, &output.columns)
        swap(&passed, &output.passed)
        swap(&origins, &output.origins)
        swap(&block, &output.signals)
    }
}

/// A thread that runs the pure stages over one block while the caller's thread delivers the
/// block before it (`FusedRunner.pushBlocks(pipelined:blockBars:into:from:)`). It holds the stage agents
/// from its start until ``stop()``, and lives no longer than the call that started it.
///
/// A posted block is run by whichever thread takes it first: the worker, woken by ``post()``,
/// or the caller in ``finish()`` when it is done delivering and the worker has not started
/// (on a machine whose cores are busy with other work, the worker may not be scheduled in
/// time; the caller then loses nothing by waiting). The taking is one compare-and-exchange
/// on `state`.
///
/// `@unchecked Sendable` because the two threads take turns on its stored properties rather
/// than locking them: the caller sets `input`, `firstTrace` and `output`, then posts; from then
/// until ``finish()`` returns it touches none of them, and the worker touches them only after
/// it has taken a posted block and until it marks it done. The exchange that takes the block
/// (acquiring) sees every write before the post (releasing); the caller's wait on `done`
/// sees every write the worker made before signalling it.
final class StageWorker: @unchecked Sendable {
    var stages: PureStages
    /// The block to run: the caller keeps it valid until ``finish()`` returns.
    var input = UnsafeBufferPointer<Bar>(start: nil, count: 0)
    var firstTrace: UInt64 = 0
    /// Where the block's results go; emptied buffers kept from an earlier block are reused.
    var output = StageOutput()
    /// Read by the worker after any wake-up, some of which may come before the stop.
    private let stopping = Atomic<Bool>(false)
    /// `idle`, `posted`, or `taken` (by one of the two threads).
    private let state = Atomic<Int>(StageWorker.idle)
    private static let idle = 0, posted = 1, taken = 2
    /// One signal per post (wakes the worker) and one for the stop.
    private let go = DispatchSemaphore(value: 0)
    /// One signal per block the worker ran, and one when it ends.
    private let done = DispatchSemaphore(value: 0)
    /// Blocks the worker ran and blocks the caller ran itself, for the benchmark's report.
    private(set) var ranByWorker = 0, ranByCaller = 0

    /// Whether ``finish()`` may run a block the worker has not taken (false: tests of the worker's path).
    private let callerTakes: Bool
    /// The caller's waits in ``finish()`` (only the caller's thread touches it).
    private var callerWaiting = Waiting()

    init(stages: PureStages, callerTakes: Bool = true) {
        self.stages = stages
        self.callerTakes = callerTakes
        let thread = Thread { [self] in work() }
        thread.name = "stratum.pure-stages"
        thread.start()
    }

    private func work() {
        var waiting = Waiting()
        while true {
            // Right after a block the next one is usually posted soon after (the caller delivers
            // at about the pace the stages run): watch for it before sleeping, since a wake-up
            // from the semaphore costs tens of microseconds a block. A post taken this way
            // leaves its signal in `go`, which a later wait skips like any other.
            waiting.wait(until: { state.load(ordering: .relaxed) == Self.posted || stopping.load(ordering: .relaxed) }, else: go)
            if stopping.load(ordering: .relaxed) { break }
            // A post whose block the caller took already, or one a poll took: nothing to do.
            guard state.compareExchange(expected: Self.posted, desired: Self.taken, ordering: .acquiring).exchanged else {
                continue
            }
            stages.run(input, firstTrace: firstTrace, into: &output)
            state.store(Self.idle, ordering: .releasing)
            done.signal()
        }
        done.signal()
    }

    /// One thread's waits for the other: polling an atomic for a while before sleeping on a
    /// semaphore. How long it polls adapts to how long the last wait took: as long as
    /// `pollLimit` when that wait was shorter (the two threads keep pace, and a poll catches
    /// the hand-off microseconds after it), briefly when it was longer (the other thread, or
    /// the feed behind it, is slower, and polling would only take a core from it).
    struct Waiting {
        /// Nanoseconds: 250 µs is about a third of a block's delivery (8,192 bars).
        static let pollLimit: UInt64 = 250_000, briefPoll: UInt64 = 2_000
        private var budget = Waiting.pollLimit

        /// Returns true once polling saw `condition` hold (the semaphore's signal for it is still
        /// to be taken), or false after one wait on `semaphore` (which took a signal).
        @discardableResult
        mutating func wait(until condition: () -> Bool, else semaphore: DispatchSemaphore) -> Bool {
            let start = DispatchTime.now().uptimeNanoseconds
            let polled = Self.poll(condition, since: start, for: budget)
            if !polled { semaphore.wait() }
            budget = DispatchTime.now().uptimeNanoseconds &- start < Self.pollLimit ? Self.pollLimit : Self.briefPoll
            return polled
        }

        /// Polls `condition` until it holds (true) or `nanoseconds` have passed since `start` (false).
        private static func poll(_ condition: () -> Bool, since start: UInt64, for nanoseconds: UInt64) -> Bool {
            while true {
                for _ in 0..<256 where condition() { return true }
                if DispatchTime.now().uptimeNanoseconds &- start >= nanoseconds { return false }
            }
        }
    }

    /// Offers `input` to the worker's thread.
    func post() {
        state.store(Self.posted, ordering: .releasing)
        go.signal()
    }

    /// When this returns, the stages have run over `input` into `output`: on this thread if the
    /// worker had not taken the block yet, else on the worker's, waited for.
    func finish() {
        if callerTakes, state.compareExchange(expected: Self.posted, desired: Self.taken, ordering: .acquiring).exchanged {
            stages.run(input, firstTrace: firstTrace, into: &output)
            state.store(Self.idle, ordering: .relaxed)
            ranByCaller += 1
        } else {
            // The worker's block ends about when this thread's delivery does: watch for it
            // first. Seen by polling, its signal is still taken from `done`, at once.
            if callerWaiting.wait(until: { state.load(ordering: .relaxed) == Self.idle }, else: done) { done.wait() }
            ranByWorker += 1
        }
    }

    /// Ends the thread and waits for it to end; `stages` is the caller's again. Not while a block is posted.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        go.signal()
        // Signals of blocks the caller took are still counted in `go`: the worker skips them
        // (nothing posted), reaches the stop and signals `done` once.
        done.wait()
    }
}
