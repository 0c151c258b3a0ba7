import Foundation

/// A strategy's feature graph compiled once into straight-line code over registers.
///
/// Expressions are parsed and checked once; the planner lowers them into `Instruction`s in
/// dependency order, sharing common subexpressions (`sma(close, 20)` written in three features
/// is one instruction). Each bar runs the instructions in order: no parsing, no allocation,
/// no dynamic dispatch beyond one switch per instruction.
public struct FeatureProgram: Sendable {
    public enum UnaryOperation: Sendable, Hashable {
        case negate, not, abs, log, exp, sqrt
    }

    public enum BinaryOperation: Sendable, Hashable {
        case add, subtract, multiply, divide
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
        case and, or
    }

    public enum Instruction: Sendable, Hashable {
        case column(BarField, into: Int)
        /// Updates `indicators[indicator]` with the series in registers `a` and `b` (-1: none) and
        /// writes its outputs to consecutive registers from `into`.
        case indicator(Int, a: Int, b: Int, into: Int)
        case unary(UnaryOperation, Int, into: Int)
        case binary(BinaryOperation, Int, Int, into: Int)
        /// The value of register `source` `bars` bars ago, kept in `lags[buffer]`.
        case lag(buffer: Int, source: Int, into: Int)
        /// Copies a register: a composite indicator's outputs are gathered into consecutive registers.
        case copy(Int, into: Int)
    }

    /// A fixed ring of the last `bars + 1` values of one register.
    public struct LagBuffer: Sendable {
        var values: [Double]
        var head = 0
        var filled = 0

        public init(bars: Int) {
            values = [Double](repeating: .nan, count: bars + 1)
        }

        @inline(__always)
        mutating func push(_ value: Double) -> Double {
            head = head == values.count - 1 ? 0 : head + 1
            values[head] = value
            if filled < values.count { filled += 1 }
            guard filled == values.count else { return .nan }
            let oldest = head == values.count - 1 ? 0 : head + 1
            return values[oldest]
        }
    }

    public private(set) var instructions: [Instruction]
    /// Every indicator of the program, in `instructions`' numbering; those kept in `kernels`
    /// are read out of it (see `slots`).
    public var indicators: [StreamingIndicator] { slots.indices.map(indicator(at:)) }
    public private(set) var lags: [LagBuffer]
    /// Every value the program computes this bar; constants sit in registers no instruction writes.
    public private(set) var registers: [Double]

    /// `indicators` as stored: the state of indicators run by the general path; for those whose
    /// state lives in `kernels`, only their spec and parameters are read.
    private var slots: [StreamingIndicator]
    /// Where each indicator's state lives.
    private let places: [Place]
    /// The state of the common kernels, side by side in flat storage, opened once per bar, and
    /// `instructions` lowered once into `Step`s that run them.
    private(set) var kernels: KernelStore<Step>
    /// True when every indicator lives in `kernels` and there is no lag: `evaluate` then opens
    /// the registers alone.
    private let runsAlone: Bool
    /// Registers no instruction writes (constants): a block's columns hold their value on every row.
    private let constantRegisters: [Int]
    /// True when every instruction reads only constants and registers written by an earlier
    /// instruction, so that a block can run instruction by instruction over all its bars.
    private let runsByColumn: Bool

    enum Place: Sendable {
        /// In `slots`, run through `StreamingIndicator`.
        case general
        case sma(Int)
        case crossing(Int)
    }

    /// One instruction as `evaluate` runs it.
    enum Step: Sendable {
        /// The bar field at byte `offset` of `Bar` (read without a `switch` on the field).
        case column(offset: Int, into: Int)
        case indicator(Int, a: Int, b: Int, into: Int)
        /// `kernels.sma[slot]` over register `source`.
        case sma(Int, source: Int, into: Int)
        /// Two averages over the same `source` in consecutive slots writing consecutive registers:
        /// `.sma` twice, one dispatch, their columns interleaved (`SimpleMovingAverage.run(_:_:...)`).
        case smaPair(Int, source: Int, into: Int)
        /// `kernels.crossing[slot]` over registers `a` and `b`.
        case crossing(Int, a: Int, b: Int, into: Int)
        /// Two crossings over the same `a` and `b` (crossover and crossunder of one pair), in
        /// consecutive slots writing consecutive registers: `.crossing` twice, one dispatch.
        case crossingPair(Int, a: Int, b: Int, into: Int)
        case unary(UnaryOperation, Int, into: Int)
        case binary(BinaryOperation, Int, Int, into: Int)
        case lag(buffer: Int, source: Int, into: Int)
        case copy(Int, into: Int)
    }

    public init(instructions: [Instruction], indicators: [StreamingIndicator], lags: [LagBuffer], registers: [Double]) {
        self.instructions = instructions
        self.lags = lags
        self.registers = registers
        slots = indicators
        var places: [Place] = [], sma: [KernelSlot<SimpleMovingAverage>] = [], crossing: [KernelSlot<Crossing>] = []
        for indicator in indicators {
            if let kernel = indicator.simpleMovingAverage {
                places.append(.sma(sma.count))
                sma.append(.init(kernel: kernel, skipped: indicator.skipped))
            } else if let kernel = indicator.crossing {
                places.append(.crossing(crossing.count))
                crossing.append(.init(kernel: kernel, skipped: indicator.skipped))
            } else {
                places.append(.general)
            }
        }
        self.places = places
        runsAlone = lags.isEmpty && !places.contains { if case .general = $0 { true } else { false } }
        let steps: [Step] = Self.pairing(instructions.map { instruction in
            switch instruction {
            case .column(let field, let into): .column(offset: Self.offset(of: field), into: into)
            case .indicator(let index, let a, let b, let into):
                switch places[index] {
                case .general: .indicator(index, a: a, b: b, into: into)
                case .sma(let slot): .sma(slot, source: a, into: into)
                case .crossing(let slot): .crossing(slot, a: a, b: b, into: into)
                }
            case .unary(let operation, let operand, let into): .unary(operation, operand, into: into)
            case .binary(let operation, let lhs, let rhs, let into): .binary(operation, lhs, rhs, into: into)
            case .lag(let buffer, let source, let into): .lag(buffer: buffer, source: source, into: into)
            case .copy(let source, let into): .copy(source, into: into)
            }
        })
        kernels = KernelStore(sma: sma, crossing: crossing, program: steps)
        (constantRegisters, runsByColumn) = Self.columnOrder(instructions, indicators: indicators, registers: registers.count)
    }

    /// The registers no instruction writes, and whether each instruction reads only those and
    /// registers written before it (what running a block column by column relies on).
    private static func columnOrder(_ instructions: [Instruction], indicators: [StreamingIndicator],
                                    registers count: Int) -> (constants: [Int], ordered: Bool) {
        var written = [Bool](repeating: false, count: count)
        var reads: [[Int]] = [], writes: [[Int]] = []
        for instruction in instructions {
            var inputs: [Int] = [], outputs: [Int] = []
            switch instruction {
            case .column(_, let into): outputs = [into]
            case .indicator(let index, let a, let b, let into):
                inputs = [a, b].filter { $0 >= 0 }
                outputs = Array(into..<(into + indicators[index].outputCount))
            case .unary(_, let operand, let into): (inputs, outputs) = ([operand], [into])
            case .binary(_, let lhs, let rhs, let into): (inputs, outputs) = ([lhs, rhs], [into])
            case .lag(_, let source, let into): (inputs, outputs) = ([source], [into])
            case .copy(let source, let into): (inputs, outputs) = ([source], [into])
            }
            outputs.removeAll { $0 >= count }
            reads.append(inputs)
            writes.append(outputs)
            for output in outputs { written[output] = true }
        }
        var writtenBefore = [Bool](repeating: false, count: count)
        var ordered = true
        for (inputs, outputs) in zip(reads, writes) {
            // An input written only later would be read from the bar before.
            if inputs.contains(where: { $0 >= count || (written[$0] && !writtenBefore[$0]) }) { ordered = false }
            for output in outputs { writtenBefore[output] = true }
        }
        return (written.indices.filter { !written[$0] }, ordered)
    }

    /// `steps` with each crossing followed by one of the same pair in the next slot and register
    /// (`crossover(a, b)` then `crossunder(a, b)`) merged into a `.crossingPair`, and likewise
    /// two averages of one register into a `.smaPair`.
    private static func pairing(_ steps: [Step]) -> [Step] {
        var paired: [Step] = []
        var index = 0
        while index < steps.count {
            let next = index + 1 < steps.count ? steps[index + 1] : nil
            switch (steps[index], next) {
            case (.crossing(let slot, let a, let b, let into), .crossing(let nextSlot, let nextA, let nextB, let nextInto)?)
                where nextSlot == slot + 1 && nextA == a && nextB == b && nextInto == into + 1:
                paired.append(.crossingPair(slot, a: a, b: b, into: into))
                index += 2
            case (.sma(let slot, let source, let into), .sma(let nextSlot, let nextSource, let nextInto)?)
                where nextSlot == slot + 1 && nextSource == source && nextInto == into + 1 && source != into:
                paired.append(.smaPair(slot, source: source, into: into))
                index += 2
            default:
                paired.append(steps[index])
                index += 1
            }
        }
        return paired
    }

    /// Where `field` sits in a `Bar`.
    private static func offset(of field: BarField) -> Int {
        let path: KeyPath<Bar, Double> = switch field {
        case .open: \.open
        case .high: \.high
        case .low: \.low
        case .close: \.close
        case .volume: \.volume
        }
        return MemoryLayout<Bar>.offset(of: path)!
    }

    /// Indicator `index` with its current state, independent of this program.
    private func indicator(at index: Int) -> StreamingIndicator {
        switch places[index] {
        case .general:
            return slots[index]
        case .sma(let slot):
            let state = kernels.sma[slot]
            return slots[index].holding(.sma(StateCell(state.kernel.duplicated())), skipped: state.skipped)
        case .crossing(let slot):
            let state = kernels.crossing[slot]
            return slots[index].holding(.crossing(StateCell(state.kernel)), skipped: state.skipped)
        }
    }

    /// Gives indicator `index` the state of `indicator` (the same computation, from another program).
    private mutating func setIndicator(_ index: Int, to indicator: StreamingIndicator) {
        switch places[index] {
        case .general:
            slots[index] = indicator
        case .sma(let slot):
            guard let kernel = indicator.simpleMovingAverage else { preconditionFailure("an SMA's state must come from an SMA") }
            kernels.sma[slot] = .init(kernel: kernel, skipped: indicator.skipped)
        case .crossing(let slot):
            guard let kernel = indicator.crossing else { preconditionFailure("a crossing's state must come from a crossing") }
            kernels.crossing[slot] = .init(kernel: kernel, skipped: indicator.skipped)
        }
    }

    /// Runs every instruction for one bar.
    public mutating func evaluate(_ bar: Bar) {
        evaluate(bar) { _ in }
    }

    /// Runs every instruction for one bar, then lends the registers to `body` while they are
    /// still open: a reader (Signal, in a runner) gets them without a retain or a copy of the array.
    ///
    /// The arrays the loop writes are moved out of `self` into locals (a swap with an empty
    /// array allocates nothing) and opened once, side by side, as plain buffers: reached through
    /// `self` from inside another array's closure, an array is retained across its uniqueness
    /// check and copied on every bar. The kernel store is checked for uniqueness once per bar,
    /// not once per kernel.
    @inline(__always)
    public mutating func evaluate(_ bar: Bar, then body: (UnsafeBufferPointer<Double>) -> Void) {
        kernels.makeUnique()
        let program = kernels.program, sma = kernels.sma, crossing = kernels.crossing
        if runsAlone {
            registers.withUnsafeMutableBufferPointer { r in
                Self.run(program, bar: bar, indicators: UnsafeMutableBufferPointer(start: nil, count: 0),
                         lags: UnsafeMutableBufferPointer(start: nil, count: 0), sma: sma, crossing: crossing, registers: r)
                body(UnsafeBufferPointer(r))
            }
            return
        }
        var indicators: [StreamingIndicator] = [], lags: [LagBuffer] = [], registers: [Double] = []
        swap(&indicators, &slots)
        swap(&lags, &self.lags)
        swap(&registers, &self.registers)
        Self.open(&indicators) { indicators in
            Self.open(&lags) { lags in
                Self.open(&registers) { r in
                    Self.run(program, bar: bar, indicators: indicators, lags: lags, sma: sma, crossing: crossing, registers: r)
                    body(UnsafeBufferPointer(r))
                }
            }
        }
        swap(&indicators, &slots)
        swap(&lags, &self.lags)
        swap(&registers, &self.registers)
    }

    /// `array` as a buffer to write through. An empty array (a program without lags or
    /// indicators) shares the one static empty buffer, which is never uniquely referenced:
    /// opening it for writing would make a new one on every bar.
    @inline(__always)
    private static func open<Element>(_ array: inout [Element], _ body: (UnsafeMutableBufferPointer<Element>) -> Void) {
        if array.isEmpty {
            body(UnsafeMutableBufferPointer(start: nil, count: 0))
        } else {
            array.withUnsafeMutableBufferPointer { body($0) }
        }
    }

    @inline(__always)
    private static func run(_ program: UnsafeBufferPointer<Step>, bar: Bar,
                            indicators: UnsafeMutableBufferPointer<StreamingIndicator>,
                            lags: UnsafeMutableBufferPointer<LagBuffer>,
                            sma: UnsafeMutablePointer<KernelSlot<SimpleMovingAverage>>,
                            crossing: UnsafeMutablePointer<KernelSlot<Crossing>>,
                            registers r: UnsafeMutableBufferPointer<Double>) {
        withUnsafeBytes(of: bar) { fields in
            for step in program {
                switch step {
                case .column(let offset, let into):
                    r[into] = fields.load(fromByteOffset: offset, as: Double.self)
                case .sma(let slot, let source, let into):
                    r[into] = average(sma + slot, r[source])
                case .smaPair(let slot, let source, let into):
                    let x = r[source]
                    r[into] = average(sma + slot, x)
                    r[into + 1] = average(sma + slot + 1, x)
                case .crossing(let slot, let a, let b, let into):
                    r[into] = cross(crossing + slot, r[a], r[b])
                case .crossingPair(let slot, let a, let b, let into):
                    let x = r[a], y = r[b]
                    r[into] = cross(crossing + slot, x, y)
                    r[into + 1] = cross(crossing + slot + 1, x, y)
                case .indicator(let index, let a, let b, let into):
                    let x = a >= 0 ? r[a] : .nan
                    let y = b >= 0 ? r[b] : .nan
                    indicators[index].update(a: x, b: y, bar: bar)
                    let count = indicators[index].outputCount
                    for output in 0..<count {
                        r[into + output] = indicators[index].value(output)
                    }
                case .unary(let operation, let operand, let into):
                    r[into] = apply(operation, r[operand])
                case .binary(let operation, let lhs, let rhs, let into):
                    r[into] = apply(operation, r[lhs], r[rhs])
                case .lag(let buffer, let source, let into):
                    r[into] = lags[buffer].push(r[source])
                case .copy(let source, let into):
                    r[into] = r[source]
                }
            }
        }
    }

    /// What `StreamingIndicator.update` and `value` do for an SMA, without the dispatch.
    @inline(__always)
    private static func average(_ slot: UnsafeMutablePointer<KernelSlot<SimpleMovingAverage>>, _ x: Double) -> Double {
        if x.isNaN {
            slot.pointee.skipped = true
            return .nan
        }
        slot.pointee.skipped = false
        slot.pointee.kernel.update(x)
        return slot.pointee.kernel.current
    }

    /// What `StreamingIndicator.update` and `value` do for a crossing, without the dispatch.
    @inline(__always)
    private static func cross(_ slot: UnsafeMutablePointer<KernelSlot<Crossing>>, _ x: Double, _ y: Double) -> Double {
        if x.isNaN || y.isNaN {
            slot.pointee.skipped = true
            return .nan
        }
        slot.pointee.skipped = false
        slot.pointee.kernel.update(x, y)
        return slot.pointee.kernel.current
    }

    /// How many registers the program has: the columns a block evaluation writes.
    public var registerCount: Int { registers.count }

    /// Runs every instruction for each bar of `bars`, oldest first, writing register `k` after
    /// bar `i` to `columns[k, i]`: what `evaluate(_:)` bar by bar leaves in the registers, bit
    /// for bit, and the same state after. Instruction by instruction over the whole block (one
    /// dispatch per instruction, not per bar and instruction), the kernels' state held in
    /// registers across a column; `registers` ends with the last bar's values.
    ///
    /// A program whose instructions read a register before it is written (none the planner
    /// builds) runs bar by bar instead, with the same result.
    ///
    /// - Precondition: `columns` has a column per register and a row per bar.
    public mutating func evaluate(block bars: BarBlock, into columns: RegisterColumns) {
        let count = bars.count
        guard count > 0 else { return }
        precondition(columns.registers >= registers.count && columns.rows >= count, "the columns are smaller than the block")
        guard runsByColumn else {
            for row in 0..<count {
                evaluate(bars[row]) { r in
                    for register in r.indices { columns.column(register)[row] = r[register] }
                }
            }
            return
        }
        for register in constantRegisters {
            columns.column(register).update(repeating: registers[register], count: count)
        }
        kernels.makeUnique()
        let program = kernels.program, sma = kernels.sma, crossing = kernels.crossing
        var indicators: [StreamingIndicator] = [], lags: [LagBuffer] = []
        swap(&indicators, &slots)
        swap(&lags, &self.lags)
        Self.open(&indicators) { indicators in
            Self.open(&lags) { lags in
                for step in program {
                    Self.run(step, over: bars, indicators: indicators, lags: lags, sma: sma, crossing: crossing, columns: columns)
                }
            }
        }
        swap(&indicators, &slots)
        swap(&lags, &self.lags)
        registers.withUnsafeMutableBufferPointer { r in
            for register in r.indices { r[register] = columns.column(register)[count - 1] }
        }
    }

    /// One step over every row of a block: the arithmetic of `run(_:bar:...)` row by row.
    private static func run(_ step: Step, over bars: BarBlock,
                            indicators: UnsafeMutableBufferPointer<StreamingIndicator>,
                            lags: UnsafeMutableBufferPointer<LagBuffer>,
                            sma: UnsafeMutablePointer<KernelSlot<SimpleMovingAverage>>,
                            crossing: UnsafeMutablePointer<KernelSlot<Crossing>>,
                            columns: RegisterColumns) {
        let count = bars.count
        switch step {
        case .column(let offset, let into):
            let output = columns.column(into)
            for row in 0..<count { output[row] = bars.field(at: offset, row) }
        case .sma(let slot, let source, let into):
            var skipped = sma[slot].skipped
            sma[slot].kernel.run(columns.column(source), into: columns.column(into), count: count, skipped: &skipped)
            sma[slot].skipped = skipped
        case .smaPair(let slot, let source, let into):
            var skipped = sma[slot].skipped, secondSkipped = sma[slot + 1].skipped
            SimpleMovingAverage.run(&sma[slot].kernel, &sma[slot + 1].kernel, columns.column(source),
                                    into: columns.column(into), columns.column(into + 1), count: count,
                                    skipped: &skipped, &secondSkipped)
            sma[slot].skipped = skipped
            sma[slot + 1].skipped = secondSkipped
        case .crossing(let slot, let a, let b, let into):
            cross(crossing + slot, columns.column(a), columns.column(b), into: columns.column(into), count: count)
        case .crossingPair(let slot, let a, let b, let into):
            var skipped = crossing[slot].skipped, secondSkipped = crossing[slot + 1].skipped
            Crossing.run(&crossing[slot].kernel, &crossing[slot + 1].kernel, columns.column(a), columns.column(b),
                         into: columns.column(into), columns.column(into + 1), count: count,
                         skipped: &skipped, &secondSkipped)
            crossing[slot].skipped = skipped
            crossing[slot + 1].skipped = secondSkipped
        case .indicator(let index, let a, let b, let into):
            let outputs = indicators[index].outputCount
            for row in 0..<count {
                let x = a >= 0 ? columns.column(a)[row] : .nan
                let y = b >= 0 ? columns.column(b)[row] : .nan
                indicators[index].update(a: x, b: y, bar: bars[row])
                for output in 0..<outputs { columns.column(into + output)[row] = indicators[index].value(output) }
            }
        case .unary(let operation, let operand, let into):
            let input = columns.column(operand), output = columns.column(into)
            for row in 0..<count { output[row] = apply(operation, input[row]) }
        case .binary(let operation, let lhs, let rhs, let into):
            let x = columns.column(lhs), y = columns.column(rhs), output = columns.column(into)
            for row in 0..<count { output[row] = apply(operation, x[row], y[row]) }
        case .lag(let buffer, let source, let into):
            let input = columns.column(source), output = columns.column(into)
            for row in 0..<count { output[row] = lags[buffer].push(input[row]) }
        case .copy(let source, let into):
            columns.column(into).update(from: columns.column(source), count: count)
        }
    }

    /// `cross` over two columns.
    @inline(__always)
    private static func cross(_ slot: UnsafeMutablePointer<KernelSlot<Crossing>>, _ a: UnsafePointer<Double>,
                              _ b: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>, count: Int) {
        var skipped = slot.pointee.skipped
        slot.pointee.kernel.run(a, b, into: output, count: count, skipped: &skipped)
        slot.pointee.skipped = skipped
    }

    /// The value of one register after the last `evaluate`.
    @inline(__always)
    public func value(_ register: Int) -> Double { registers[register] }

    /// Conditions are 1 or 0; NaN (warming up) is false, so nothing trades on missing data.
    @inline(__always)
    static func truth(_ value: Double) -> Bool { value != 0 && !value.isNaN }

    @inline(__always)
    static func apply(_ operation: UnaryOperation, _ x: Double) -> Double {
        switch operation {
        case .negate: -x
        case .not: x.isNaN ? .nan : (truth(x) ? 0 : 1)
        case .abs: Swift.abs(x)
        case .log: x > 0 ? log(x) : .nan
        case .exp: exp(x)
        case .sqrt: x >= 0 ? x.squareRoot() : .nan
        }
    }

    @inline(__always)
    static func apply(_ operation: BinaryOperation, _ x: Double, _ y: Double) -> Double {
        switch operation {
        case .add: x + y
        case .subtract: x - y
        case .multiply: x * y
        case .divide: x / y
        // IEEE comparisons with NaN are false, which is what warm-up needs; != is spelt so it is too.
        case .less: x < y ? 1 : 0
        case .lessOrEqual: x <= y ? 1 : 0
        case .greater: x > y ? 1 : 0
        case .greaterOrEqual: x >= y ? 1 : 0
        case .equal: x == y ? 1 : 0
        case .notEqual: (x < y || x > y) ? 1 : 0
        case .and: truth(x) && truth(y) ? 1 : 0
        case .or: truth(x) || truth(y) ? 1 : 0
        }
    }
}

/// Bars one after another `stride` bytes apart, read in place: a block of `Bar`s, or the
/// `Bar` inside each of a block of larger records (a runner's normalised bars).
public struct BarBlock {
    public let base: UnsafeRawPointer
    public let stride: Int
    public let count: Int

    /// - Parameter base: the first bar; bar `i` is at `base + i * stride`, aligned for `Bar`.
    public init(base: UnsafeRawPointer, stride: Int, count: Int) {
        self.base = base
        self.stride = stride
        self.count = count
    }

    public init(_ bars: UnsafeBufferPointer<Bar>) {
        // An empty buffer may have no address; no bar of an empty block is ever read.
        self.init(base: UnsafeRawPointer(bars.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Bar>.alignment)!),
                  stride: MemoryLayout<Bar>.stride, count: bars.count)
    }

    @inline(__always)
    public subscript(row: Int) -> Bar { (base + row * stride).load(as: Bar.self) }

    /// The `Double` field at byte `offset` of bar `row`.
    @inline(__always)
    func field(at offset: Int, _ row: Int) -> Double { (base + row * stride + offset).load(as: Double.self) }
}

/// A feature program's registers over a block of bars, column by column: register `k` after
/// bar `i` at `base[k * rows + i]`. The caller owns the memory.
public struct RegisterColumns {
    public let base: UnsafeMutablePointer<Double>
    /// Rows per column: the most bars a block may have.
    public let rows: Int
    public let registers: Int

    public init(base: UnsafeMutablePointer<Double>, rows: Int, registers: Int) {
        self.base = base
        self.rows = rows
        self.registers = registers
    }

    @inline(__always)
    public func column(_ register: Int) -> UnsafeMutablePointer<Double> { base + register * rows }

    @inline(__always)
    public subscript(register: Int, row: Int) -> Double { base[register * rows + row] }
}

extension Bar {
    @inline(__always)
    public func value(_ field: BarField) -> Double {
        switch field {
        case .open: open
        case .high: high
        case .low: low
        case .close: close
        case .volume: volume
        }
    }
}

// MARK: Carrying state across a reload

extension FeatureProgram {
    /// Which stateful slots of a new program take their state from an old one.
    ///
    /// A slot is an indicator or a lag buffer. Two slots match when they compute the same thing
    /// from the same bars: the same indicator with the same parameters (or the same lag depth)
    /// over inputs that are themselves computed the same way, down to bar columns and constants.
    /// That is finer than comparing plan nodes: a feature that changed can still share an
    /// unchanged `sma(close, 20)` with its neighbours, and that kernel keeps its window.
    public struct StateMapping: Sendable, Equatable {
        /// For each indicator of the new program, the old program's indicator it continues, or nil (rebuilt).
        public var indicators: [Int?]
        /// For each lag buffer of the new program, the old program's buffer it continues, or nil (rebuilt).
        public var lags: [Int?]

        public init(indicators: [Int?], lags: [Int?]) {
            self.indicators = indicators
            self.lags = lags
        }

        public var carriedIndicators: Int { indicators.count(where: { $0 != nil }) }
        public var rebuiltIndicators: Int { indicators.count(where: { $0 == nil }) }
        public var rebuiltLags: Int { lags.count(where: { $0 == nil }) }
        /// True when every slot of the new program keeps state: nothing needs warming up.
        public var carriesEverything: Bool { !indicators.contains(nil) && !lags.contains(nil) }
    }

    /// A structural key for every register, indicator and lag buffer: what it computes, spelt
    /// from bar columns and constants up, independent of register and slot numbers.
    public var stateKeys: (registers: [String], indicators: [String], lags: [String]) {
        var keys = registers.map { "#\($0.bitPattern)" }
        let indicators = slots
        var indicatorKeys = Array(repeating: "", count: indicators.count)
        var lagKeys = Array(repeating: "", count: lags.count)
        for instruction in instructions {
            switch instruction {
            case .column(let field, let into):
                keys[into] = field.rawValue
            case .indicator(let index, let a, let b, let into):
                let indicator = indicators[index]
                let arguments = [a, b].filter { $0 >= 0 }.map { keys[$0] } + indicator.parameters.map { "#\($0.bitPattern)" }
                let key = "\(indicator.spec.name)(\(arguments.joined(separator: ",")))"
                indicatorKeys[index] = key
                for output in 0..<indicator.outputCount { keys[into + output] = "\(key).\(output)" }
            case .unary(let operation, let operand, let into):
                keys[into] = "\(operation)(\(keys[operand]))"
            case .binary(let operation, let lhs, let rhs, let into):
                keys[into] = "\(operation)(\(keys[lhs]),\(keys[rhs]))"
            case .lag(let buffer, let source, let into):
                let key = "\(keys[source])[\(lags[buffer].values.count - 1)]"
                lagKeys[buffer] = key
                keys[into] = key
            case .copy(let source, let into):
                keys[into] = keys[source]
            }
        }
        return (keys, indicatorKeys, lagKeys)
    }

    /// Matches this (new) program's stateful slots with `old`'s by their structural keys.
    public func stateMapping(from old: FeatureProgram) -> StateMapping {
        let before = old.stateKeys, after = stateKeys
        let oldIndicators = Dictionary(before.indicators.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let oldLags = Dictionary(before.lags.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return StateMapping(indicators: after.indicators.map { oldIndicators[$0] }, lags: after.lags.map { oldLags[$0] })
    }

    /// This program with the mapped slots' state taken from `old`; unmapped slots keep the state
    /// they have here (fresh, or warmed up by replaying recent bars before the call).
    ///
    /// Registers are not carried: the next `evaluate` writes every register an instruction writes.
    public func carryingState(from old: FeatureProgram, mapping: StateMapping) -> FeatureProgram {
        var program = self
        program.kernels.makeUnique()
        for (index, source) in mapping.indicators.enumerated() {
            if let source { program.setIndicator(index, to: old.indicator(at: source)) }
        }
        for (index, source) in mapping.lags.enumerated() {
            if let source { program.lags[index] = old.lags[source] }
        }
        return program
    }
}
