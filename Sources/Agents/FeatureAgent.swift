import Indicators
import StrategyCompiler

/// Computes the strategy's feature program on every bar and publishes the registers. Each
/// instrument has its own copy of the program, so indicator windows never mix instruments.
public struct FeatureAgent: Agent {
    public let id = AgentID.feature
    /// Per instrument, its program and bar count side by side: one array to open per bar.
    private var lanes: [Lane]

    struct Lane: Sendable {
        var program: FeatureProgram
        var barIndex = -1

        /// One bar: a single access to the lane, so `lanes` is checked for uniqueness once.
        @inline(__always)
        mutating func advance(_ bar: Bar, then body: (UnsafeBufferPointer<Double>) -> Void) {
            barIndex += 1
            program.evaluate(bar, then: body)
        }
    }

    /// Each instrument's program.
    public var programs: [FeatureProgram] { lanes.map(\.program) }
    /// Each instrument's bar count so far, less one (-1 before its first bar).
    public var barIndex: [Int] { lanes.map(\.barIndex) }

    public init(program: FeatureProgram, instruments: Int = 1) {
        lanes = Array(repeating: Lane(program: program), count: max(instruments, 1))
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.topic == .marketRaw, case .bar(let market) = message.payload, update(market) else { return }
        outbox.emit(Envelope(timestamp: message.timestamp, source: id, traceId: message.traceId,
                             topic: .featuresCandles, payload: .features(frame(of: market.instrument))))
    }

    /// Runs the instrument's program over a bar on `market.raw`, as `handle` does.
    ///
    /// - Returns: false for an instrument the agent does not know (nothing computed).
    @discardableResult
    public mutating func update(_ market: MarketBar) -> Bool {
        update(market) { _ in }
    }

    /// `update`, then lends the instrument's registers to `body` while they are open: how a
    /// runner hands them to Signal without copying or retaining the register array.
    ///
    /// - Returns: false for an instrument the agent does not know (nothing computed, `body` not called).
    @discardableResult @inline(__always)
    public mutating func update(_ market: MarketBar, then body: (UnsafeBufferPointer<Double>) -> Void) -> Bool {
        guard market.instrument < lanes.count else { return false }
        lanes[market.instrument].advance(market.bar, then: body)
        return true
    }

    /// How many instruments the agent runs a program for.
    public var instrumentCount: Int { lanes.count }
    /// How many registers the program has (the columns of a block, ``update(contentsOf:instrument:into:)``).
    public var registerCount: Int { lanes[0].program.registerCount }

    /// `update` for every bar of `bars` (all of `instrument`, oldest first), instruction by
    /// instruction over the whole block: register `k` after bar `i` goes to `columns[k, i]`,
    /// bit for bit what `update` bar by bar leaves in the registers, and the agent ends in the
    /// same state. Nothing is published: a runner hands the columns to Signal
    /// (``SignalAgent/evaluate(block:count:instrument:stamp:into:)``).
    ///
    /// - Returns: false for an instrument the agent does not know (nothing computed).
    @discardableResult
    public mutating func update(contentsOf bars: UnsafeBufferPointer<MarketBar>, instrument: Int, into columns: RegisterColumns) -> Bool {
        guard instrument < lanes.count else { return false }
        guard let first = bars.baseAddress else { return true }
        let block = BarBlock(base: UnsafeRawPointer(first) + MemoryLayout<MarketBar>.offset(of: \.bar)!,
                             stride: MemoryLayout<MarketBar>.stride, count: bars.count)
        lanes[instrument].barIndex += bars.count
        lanes[instrument].program.evaluate(block: block, into: columns)
        return true
    }

    /// What `handle` publishes on `features.candles` after a bar of the instrument.
    public func frame(of instrument: Int) -> FeatureFrame {
        FeatureFrame(instrument: instrument, barIndex: lanes[instrument].barIndex, values: lanes[instrument].program.registers)
    }
}

// MARK: Reload

extension FeatureAgent {
    /// This agent moved onto a new feature program between two bars.
    ///
    /// Per instrument, every indicator and lag buffer the new program shares with the running one
    /// (same computation over the same inputs, see `FeatureProgram.StateMapping`) keeps its state;
    /// the others start from a fresh program that has been run over `recentBars` of that
    /// instrument, oldest first, so they hold exactly what a fresh run over those bars would.
    /// Bar counts carry on: the new program continues the same bar sequence.
    ///
    /// - Parameters:
    ///   - program: the new plan's compiled program, as the planner built it (nothing seen yet).
    ///   - recentBars: per instrument, the bars this agent saw last, oldest first; at least the
    ///     new program's warm-up for the rebuilt features to be valid at once.
    /// - Returns: the agent and, per instrument, which slots were carried.
    public func reloaded(with program: FeatureProgram, recentBars: [[Bar]]) -> (agent: FeatureAgent, mappings: [FeatureProgram.StateMapping]) {
        var agent = self
        var mappings: [FeatureProgram.StateMapping] = []
        for instrument in lanes.indices {
            let old = lanes[instrument].program
            let mapping = program.stateMapping(from: old)
            var warmed = program
            if !mapping.carriesEverything, instrument < recentBars.count {
                for bar in recentBars[instrument] { warmed.evaluate(bar) }
            }
            agent.lanes[instrument].program = warmed.carryingState(from: old, mapping: mapping)
            mappings.append(mapping)
        }
        return (agent, mappings)
    }
}
