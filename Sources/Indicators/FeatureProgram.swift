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
    public private(set) var indicators: [StreamingIndicator]
    public private(set) var lags: [LagBuffer]
    /// Every value the program computes this bar; constants sit in registers no instruction writes.
    public private(set) var registers: [Double]

    public init(instructions: [Instruction], indicators: [StreamingIndicator], lags: [LagBuffer], registers: [Double]) {
        self.instructions = instructions
        self.indicators = indicators
        self.lags = lags
        self.registers = registers
    }

    /// Runs every instruction for one bar.
    ///
    /// The arrays the loop writes are moved out of `self` into locals (a swap with an empty
    /// array allocates nothing) and opened once, side by side, as plain buffers: reached through
    /// `self` from inside another array's closure, an array is retained across its uniqueness
    /// check and copied on every bar.
    public mutating func evaluate(_ bar: Bar) {
        var indicators: [StreamingIndicator] = [], lags: [LagBuffer] = [], registers: [Double] = []
        swap(&indicators, &self.indicators)
        swap(&lags, &self.lags)
        swap(&registers, &self.registers)
        instructions.withUnsafeBufferPointer { program in
            Self.open(&indicators) { indicators in
                Self.open(&lags) { lags in
                    Self.open(&registers) { r in
                        Self.run(program, bar: bar, indicators: indicators, lags: lags, registers: r)
                    }
                }
            }
        }
        swap(&indicators, &self.indicators)
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
    private static func run(_ program: UnsafeBufferPointer<Instruction>, bar: Bar,
                            indicators: UnsafeMutableBufferPointer<StreamingIndicator>,
                            lags: UnsafeMutableBufferPointer<LagBuffer>, registers r: UnsafeMutableBufferPointer<Double>) {
        for instruction in program {
            switch instruction {
            case .column(let field, let into):
                r[into] = bar.value(field)
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
        for (index, source) in mapping.indicators.enumerated() {
            if let source { program.indicators[index] = old.indicators[source] }
        }
        for (index, source) in mapping.lags.enumerated() {
            if let source { program.lags[index] = old.lags[source] }
        }
        return program
    }
}
