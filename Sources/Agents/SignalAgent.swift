import ModelRegistry
import Indicators
import StrategyCompiler
import StrategyDSL

/// Turns feature frames into long/short/flat decisions: rules, model thresholds, ensembles,
/// regime gates and shadow models. Emits a signal when a traded signal's direction changes.
///
/// Decisions that are scored but never traded go out with `shadow: true`: each shadow model's
/// (`members` = its 1-based position in the signal's `shadow:` list) and the live model's of a
/// model signal that does not trade (`members` = 0). PortfolioRisk ignores them.
public struct SignalAgent: Agent {
    public let id = AgentID.signal
    let signals: [SignalPlan]
    let regimes: [RegimePlan]
    /// Evaluators by model alias, loaded (and checksum-verified) before the agent is built.
    let evaluators: [String: any ModelEvaluator]
    /// Ensembles after their members: evaluation order.
    let order: [Int]
    /// Signals whose decisions trade (top level and `trade: true`).
    let traded: Set<Int>
    /// Instrument index each signal trades.
    let instrumentOfSignal: [Int]
    let singleInstrument: Bool
    /// `order` as plain values: what the per-bar loop reads of each signal without touching
    /// the reference-counted plan.
    let steps: [Step]
    /// True when every signal is a plain rule (no model, ensemble, gate or shadow) and no regime
    /// is tracked: the per-bar loop is then `evaluateRules`, reading only condition registers.
    let rulesOnly: Bool

    /// One signal as the per-bar loop sees it.
    struct Step: Sendable {
        var index: Int
        var instrument: Int
        /// A rule's condition registers (-1: none written); unused for models and ensembles.
        var long = -1, short = -1, flat = -1
        var isRule = false
        var isModel = false
        var isGated: Bool
        var hasShadows: Bool
        var isTraded: Bool
    }

    public internal(set) var directions: [Direction?]
    public internal(set) var confidences: [Double]
    public private(set) var regimeLabels: [Int]
    var shadowDirections: [[Direction?]]
    var volatilityHistory: [RingHistory]
    private var modelInputs: [Double] = []
    private var modelOutputs: [Double] = []

    public init(plan: Plan, evaluators: [String: any ModelEvaluator]) {
        signals = plan.signals
        regimes = plan.regimes
        self.evaluators = evaluators
        let instruments = plan.spec.dataSources.map(\.instrument)
        instrumentOfSignal = plan.signals.map { instruments.firstIndex(of: $0.instrument) ?? 0 }
        singleInstrument = instruments.count <= 1
        directions = Array(repeating: nil, count: plan.signals.count)
        confidences = Array(repeating: 0, count: plan.signals.count)
        regimeLabels = Array(repeating: -1, count: plan.regimes.count)
        shadowDirections = plan.signals.map { Array(repeating: nil, count: $0.shadows.count) }
        volatilityHistory = plan.regimes.map { regime in
            if case .volatility(_, let lookback, _) = regime.kind { return RingHistory(capacity: lookback) }
            return RingHistory(capacity: 1)
        }
        var members = Set<Int>()
        for signal in plan.signals {
            if case .ensemble(let list, _, _, _, _) = signal.kind { members.formUnion(list) }
        }
        traded = Set(plan.signals.indices.filter { plan.signals[$0].trade && !members.contains($0) })
        order = Self.evaluationOrder(plan.signals)
        steps = order.map { [traded, instrumentOfSignal] index in
            let signal = plan.signals[index]
            var step = Step(index: index, instrument: instrumentOfSignal[index], isGated: signal.gate != nil,
                            hasShadows: !signal.shadows.isEmpty, isTraded: traded.contains(index))
            switch signal.kind {
            case .rule(let long, let short, let flat):
                step.isRule = true
                step.long = long ?? -1
                step.short = short ?? -1
                step.flat = flat ?? -1
            case .model: step.isModel = true
            case .ensemble: break
            }
            return step
        }
        rulesOnly = plan.regimes.isEmpty && steps.allSatisfy { $0.isRule && !$0.isGated && !$0.hasShadows }
    }

    static func evaluationOrder(_ signals: [SignalPlan]) -> [Int] {
        var order: [Int] = []
        var placed = Set<Int>()
        func place(_ index: Int, depth: Int) {
            guard !placed.contains(index), depth <= signals.count else { return }
            if case .ensemble(let members, _, _, _, _) = signals[index].kind {
                for member in members { place(member, depth: depth + 1) }
            }
            placed.insert(index)
            order.append(index)
        }
        for index in signals.indices { place(index, depth: 0) }
        return order
    }

    public mutating func handle(_ message: Envelope, into outbox: inout Outbox) {
        guard message.topic == .featuresCandles, case .features(let frame) = message.payload else { return }
        evaluate(instrument: frame.instrument, values: frame.values, stamp: message.stamp, into: &outbox)
    }

    /// Decides on one instrument's feature registers after a bar, as `handle` does with the
    /// frame on `features.candles`, for a runner that calls this directly. Emits only when a
    /// direction changes.
    public mutating func evaluate(instrument: Int, values: [Double], stamp: Stamp, into outbox: inout Outbox) {
        values.withUnsafeBufferPointer { evaluate(instrument: instrument, registers: $0, stamp: stamp, into: &outbox) }
    }

    /// `evaluate` over registers lent as a buffer (``FeatureAgent/update(_:then:)``).
    @inline(__always)
    public mutating func evaluate(instrument: Int, registers: UnsafeBufferPointer<Double>, stamp: Stamp, into outbox: inout Outbox) {
        if rulesOnly {
            evaluateRules(instrument: instrument, values: registers, stamp: stamp, into: &outbox)
        } else {
            evaluateAll(instrument: instrument, values: registers, stamp: stamp, into: &outbox)
        }
    }

    /// `evaluate` for each bar of a block, from the feature registers in `columns` (register `k`
    /// after bar `i` at `columns[k, i]`, ``FeatureAgent/update(contentsOf:instrument:into:)``),
    /// oldest first: the same decisions and the same messages, each stamped `stamp(i)`, recorded
    /// in `block` by bar instead of emitted, and the agent ends in the same state. Signal reads
    /// nothing but the registers, so a runner can decide a whole block before it delivers the
    /// block's bars one by one.
    ///
    /// Plain rules (``rulesOnly``) scan the condition columns for the bars where one is set and
    /// decide only those; any other strategy decides bar by bar from each bar's registers.
    public mutating func evaluate(block columns: RegisterColumns, count: Int, instrument: Int, stamp: (Int) -> Stamp,
                                  into block: inout SignalBlock) {
        if rulesOnly {
            evaluateRules(block: columns, count: count, instrument: instrument, stamp: stamp, into: &block)
            return
        }
        var row = [Double](repeating: 0, count: columns.registers)
        row.withUnsafeMutableBufferPointer { values in
            for bar in 0..<count {
                for register in values.indices { values[register] = columns[register, bar] }
                let before = block.messages.count
                evaluateAll(instrument: instrument, values: UnsafeBufferPointer(values), stamp: stamp(bar), into: &block.messages)
                block.recorded(bar: bar, since: before)
            }
        }
    }

    /// `evaluateRules` over a block: a bar on which no condition register of the instrument's
    /// rules is set decides nothing, so only the others are decided, in bar order.
    private mutating func evaluateRules(block columns: RegisterColumns, count: Int, instrument: Int, stamp: (Int) -> Stamp,
                                        into block: inout SignalBlock) {
        var conditions: [UnsafeMutablePointer<Double>] = []
        for step in steps where singleInstrument || step.instrument == instrument {
            for register in [step.long, step.short, step.flat] where register >= 0 {
                let column = columns.column(register)
                if !conditions.contains(column) { conditions.append(column) }
            }
        }
        guard !conditions.isEmpty else { return }
        // One or two conditions (a rule's long and short, a crossover pair) is the common case:
        // scanned with no inner loop. The second column is the first again when there is one.
        let first = conditions[0], second = conditions.count > 1 ? conditions[1] : conditions[0]
        let more = conditions.dropFirst(2), hasMore = !more.isEmpty
        var bar = 0
        while bar < count {
            defer { bar += 1 }
            guard Self.isTrue(first[bar]) || Self.isTrue(second[bar]) || (hasMore && more.contains(where: { Self.isTrue($0[bar]) })) else {
                continue
            }
            let before = block.messages.count
            let barStamp = stamp(bar)
            for step in steps where singleInstrument || step.instrument == instrument {
                guard let direction = Self.ruleDirection(step, { columns[$0, bar] }) else { continue }
                decided(step, direction: direction, instrument: instrument, stamp: barStamp, into: &block.messages)
            }
            block.recorded(bar: bar, since: before)
        }
    }

    /// `evaluate` for any strategy: regimes, models, ensembles, gates and shadows.
    @inline(never)
    private mutating func evaluateAll(instrument: Int, values: UnsafeBufferPointer<Double>, stamp: Stamp, into outbox: inout Outbox) {
        if !regimes.isEmpty { updateRegimes(values) }
        for step in steps {
            let index = step.index
            guard singleInstrument || step.instrument == instrument else { continue }
            var (direction, confidence, votes) = step.isRule ? ruleDecision(step, values: values) : decide(index, values: values)
            var regime = -1
            var gatedOff = false
            if step.isGated, let gate = signals[index].gate {
                regime = regimeLabels[gate.regime]
                gatedOff = !gate.labels.contains(regime)
                // Outside its regimes a signal votes flat, even on a bar where no rule fires; one
                // that has never decided (still warming up) stays undecided.
                if gatedOff, direction != nil || directions[index] != nil { direction = .flat }
            }
            let previous = directions[index]
            if let direction {
                directions[index] = direction
                confidences[index] = confidence
            }
            if let direction, direction != previous {
                if step.isTraded {
                    let event = SignalEvent(signal: index, instrument: instrument, direction: direction, confidence: confidence,
                                            regime: regime, members: votes)
                    outbox.emit(Envelope(timestamp: stamp.timestamp, source: id, traceId: stamp.traceId,
                                         topic: direction.topic, payload: .signal(event)))
                } else if step.isModel {
                    // A model signal that does not trade is still scored beside its shadows.
                    let event = SignalEvent(signal: index, instrument: instrument, direction: direction, confidence: confidence,
                                            regime: regime, members: 0, shadow: true)
                    outbox.emit(Envelope(timestamp: stamp.timestamp, source: id, traceId: stamp.traceId,
                                         topic: direction.topic, payload: .signal(event)))
                }
            }
            guard step.hasShadows else { continue }
            let signal = signals[index]
            for (shadowIndex, shadow) in signal.shadows.enumerated() {
                guard case .model(_, let output, let longAbove, let shortBelow) = signal.kind,
                      var (shadowDirection, shadowConfidence) = modelDecision(shadow, output: output, longAbove: longAbove,
                                                                               shortBelow: shortBelow, values: values)
                else { continue }
                // A shadow stands in the live model's place, so the signal's regime gate applies to it too.
                if gatedOff {
                    shadowDirection = .flat
                    shadowConfidence = 1
                }
                guard shadowDirection != shadowDirections[index][shadowIndex] else { continue }
                shadowDirections[index][shadowIndex] = shadowDirection
                let event = SignalEvent(signal: index, instrument: instrument, direction: shadowDirection,
                                        confidence: shadowConfidence, regime: regime, members: UInt64(shadowIndex + 1), shadow: true)
                outbox.emit(Envelope(timestamp: stamp.timestamp, source: id, traceId: stamp.traceId,
                                     topic: shadowDirection.topic, payload: .signal(event)))
            }
        }
    }

    /// `evaluate` for a strategy whose signals are all plain rules: what `evaluateAll` does for
    /// them (no gate, no shadow), over the registers as a buffer. A bar on which no rule fires,
    /// the usual case, only reads.
    @inline(__always)
    private mutating func evaluateRules(instrument: Int, values: UnsafeBufferPointer<Double>, stamp: Stamp,
                                        into outbox: inout Outbox) {
        var position = 0
        while position < steps.count {
            let step = steps[position]
            position += 1
            guard singleInstrument || step.instrument == instrument,
                  let direction = Self.ruleDirection(step, { values[$0] }) else { continue }
            decided(step, direction: direction, instrument: instrument, stamp: stamp, into: &outbox)
        }
    }

    /// Records a rule's decision and emits it when its direction changed and it trades.
    @inline(never)
    private mutating func decided(_ step: Step, direction: Direction, instrument: Int, stamp: Stamp, into outbox: inout Outbox) {
        let index = step.index
        let previous = directions[index]
        directions[index] = direction
        confidences[index] = 1
        guard direction != previous, step.isTraded else { return }
        let event = SignalEvent(signal: index, instrument: instrument, direction: direction, confidence: 1,
                                regime: -1, members: 0)
        outbox.emit(Envelope(timestamp: stamp.timestamp, source: id, traceId: stamp.traceId,
                             topic: direction.topic, payload: .signal(event)))
    }

    /// A rule's direction this bar, or nil to keep the last one: `flat` wins over `long` and
    /// `short`, and `long` with `short` on the same bar is flat. `register` reads the bar's
    /// value of a register (from the registers after the bar, or a block's columns).
    @inline(__always)
    private static func ruleDirection(_ step: Step, _ register: (Int) -> Double) -> Direction? {
        let wantsLong = step.long >= 0 && Self.isTrue(register(step.long))
        let wantsShort = step.short >= 0 && Self.isTrue(register(step.short))
        if step.flat >= 0 && Self.isTrue(register(step.flat)) { return .flat }
        if wantsLong && wantsShort { return .flat }
        if wantsLong { return .long }
        if wantsShort { return .short }
        return nil
    }

    /// `ruleDirection` with the confidence and votes `evaluateAll` records.
    @inline(__always)
    private func ruleDecision(_ step: Step, values: UnsafeBufferPointer<Double>) -> (Direction?, Double, UInt64) {
        guard let direction = Self.ruleDirection(step, { values[$0] }) else { return (nil, 0, 0) }
        return (direction, 1, 0)
    }

    /// The direction a signal wants this bar, or nil to keep the last one (no rule fired, or warming up).
    private mutating func decide(_ index: Int, values: UnsafeBufferPointer<Double>) -> (Direction?, Double, UInt64) {
        switch signals[index].kind {
        case .rule(let long, let short, let flat):
            // `flat` wins over `long` and `short`, and `long` with `short` on the same bar is flat.
            let wantsLong = long.map { truth(values[$0]) } ?? false
            let wantsShort = short.map { truth(values[$0]) } ?? false
            if let flat, truth(values[flat]) { return (.flat, 1, 0) }
            if wantsLong && wantsShort { return (.flat, 1, 0) }
            if wantsLong { return (.long, 1, 0) }
            if wantsShort { return (.short, 1, 0) }
            return (nil, 0, 0)
        case .model(let input, let output, let longAbove, let shortBelow):
            guard let (direction, confidence) = modelDecision(input, output: output, longAbove: longAbove, shortBelow: shortBelow, values: values) else {
                return (nil, 0, 0)
            }
            return (direction, confidence, 0)
        case .ensemble(let members, let vote, let weights, let threshold, let tie):
            return ensemble(members, vote: vote, weights: weights, threshold: threshold, tie: tie, previous: directions[index])
        }
    }

    private mutating func modelDecision(_ input: ModelInput, output: Int, longAbove: Double?, shortBelow: Double?,
                                        values: UnsafeBufferPointer<Double>) -> (Direction, Double)? {
        guard let evaluator = evaluators[input.alias] else { return nil }
        modelInputs.removeAll(keepingCapacity: true)
        for register in input.registers {
            let value = values[register]
            // A model is not asked while its inputs warm up: NaN there means "not yet", not "missing".
            guard !value.isNaN else { return nil }
            modelInputs.append(value)
        }
        Self.size(&modelOutputs, for: evaluator)
        evaluator.predict(modelInputs, into: &modelOutputs)
        guard output < modelOutputs.count else { return nil }
        let prediction = modelOutputs[output]
        if let longAbove, prediction > longAbove {
            return (.long, min(1, max(0, prediction)))
        }
        if let shortBelow, prediction < shortBelow {
            return (.short, min(1, max(0, 1 - prediction)))
        }
        return (.flat, min(1, max(0, 1 - abs(prediction - 0.5) * 2)))
    }

    private func ensemble(_ members: [Int], vote: SignalSpec.Vote, weights: [Double], threshold: Double,
                          tie: SignalSpec.Tie, previous: Direction?) -> (Direction?, Double, UInt64) {
        var long = 0.0, short = 0.0, total = 0.0
        var longVotes: UInt64 = 0, shortVotes: UInt64 = 0
        for (position, member) in members.enumerated() {
            let weight = vote == .weighted ? weights[position] : 1
            total += weight
            let bit: UInt64 = member < 64 ? 1 << UInt64(member) : 0
            switch (directions[member], vote) {
            case (.long?, .meanConfidence): long += confidences[member]; longVotes |= bit
            case (.short?, .meanConfidence): short += confidences[member]; shortVotes |= bit
            case (.long?, _): long += weight; longVotes |= bit
            case (.short?, _): short += weight; shortVotes |= bit
            default: break
            }
        }
        guard total > 0 else { return (nil, 0, 0) }
        let longShare = long / total, shortShare = short / total
        if longShare > shortShare, longShare >= threshold { return (.long, longShare, longVotes) }
        if shortShare > longShare, shortShare >= threshold { return (.short, shortShare, shortVotes) }
        // A tie is both sides reaching the threshold with equal shares; below it the ensemble is flat.
        if longShare == shortShare, longShare > 0, longShare >= threshold {
            switch tie {
            case .flat: return (.flat, longShare, 0)
            case .long: return (.long, longShare, longVotes)
            case .short: return (.short, shortShare, shortVotes)
            case .hold: return (previous, longShare, 0)
            }
        }
        return (.flat, max(longShare, shortShare), 0)
    }

    private mutating func updateRegimes(_ values: UnsafeBufferPointer<Double>) {
        for (index, regime) in regimes.enumerated() {
            switch regime.kind {
            case .volatility(let register, _, let quantiles):
                let value = values[register]
                guard !value.isNaN else { regimeLabels[index] = -1; continue }
                volatilityHistory[index].append(value)
                // The label is how many quantile cuts the current volatility's rank is at or above.
                let rank = volatilityHistory[index].fractionBelow(value)
                // Ranked only once `lookback` values exist, as the documented warm-up says.
                let history = volatilityHistory[index]
                regimeLabels[index] = history.count < history.capacity ? -1 : quantiles.filter { rank >= $0 }.count
            case .trend(let register, let threshold):
                let value = values[register]
                regimeLabels[index] = value.isNaN ? -1 : (value >= threshold ? 1 : 0)
            case .model(let input):
                guard let evaluator = evaluators[input.alias] else { regimeLabels[index] = -1; continue }
                let inputs = input.registers.map { values[$0] }
                guard !inputs.contains(where: \.isNaN) else { regimeLabels[index] = -1; continue }
                Self.size(&modelOutputs, for: evaluator)
                evaluator.predict(inputs, into: &modelOutputs)
                if modelOutputs.count == 1 {
                    // One output is the probability of the second class (a binary classifier).
                    regimeLabels[index] = modelOutputs[0].isNaN ? -1 : (modelOutputs[0] > 0.5 ? 1 : 0)
                } else {
                    regimeLabels[index] = modelOutputs.indices.max { modelOutputs[$0] < modelOutputs[$1] } ?? -1
                }
            }
        }
    }

    /// Evaluators write exactly one value per output name; models of a strategy may differ in count.
    @inline(__always)
    private static func size(_ outputs: inout [Double], for evaluator: any ModelEvaluator) {
        let count = evaluator.outputNames.count
        if outputs.count != count { outputs = Array(repeating: 0, count: count) }
    }

    @inline(__always)
    private func truth(_ value: Double) -> Bool { Self.isTrue(value) }

    /// A condition register is true when it is neither 0 nor NaN (warming up).
    @inline(__always)
    private static func isTrue(_ value: Double) -> Bool { value != 0 && !value.isNaN }
}

/// What Signal decided over a block of bars (``SignalAgent/evaluate(block:count:instrument:stamp:into:)``):
/// the messages it would have emitted, in order, and for each bar that emitted any, its row in
/// the block and where its messages end.
public struct SignalBlock: Sendable {
    public internal(set) var messages = Outbox(capacity: 0)
    /// Rows that emitted, ascending.
    public private(set) var bars: [Int] = []
    /// For each of `bars`, the end of its messages in `messages` (they start where the previous row's end).
    public private(set) var ends: [Int] = []

    public init() {}

    /// Message `index` of the block.
    @inline(__always)
    public func message(_ index: Int) -> Envelope { messages[index] }

    /// Forgets the block and keeps the capacity.
    public mutating func removeAll() {
        messages.removeAll()
        bars.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Bar `bar`'s messages are those from `start` on, if any.
    mutating func recorded(bar: Int, since start: Int) {
        guard messages.count > start else { return }
        bars.append(bar)
        ends.append(messages.count)
    }
}

/// The last `capacity` values of a series, for ranking the current one among them.
struct RingHistory: Sendable {
    private var values: [Double]
    private var next = 0
    private(set) var count = 0

    var capacity: Int { values.count }

    init(capacity: Int) {
        values = Array(repeating: 0, count: max(capacity, 1))
    }

    mutating func append(_ value: Double) {
        values[next] = value
        next = (next + 1) % values.count
        count = min(count + 1, values.count)
    }

    func fractionBelow(_ value: Double) -> Double {
        var below = 0
        for index in 0..<count where values[index] < value { below += 1 }
        return Double(below) / Double(count)
    }
}
