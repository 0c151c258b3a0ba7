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
    public mutating func evaluate(_ bar: Bar) {
        registers.withUnsafeMutableBufferPointer { r in
            for instruction in instructions {
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
                    r[into] = Self.apply(operation, r[operand])
                case .binary(let operation, let lhs, let rhs, let into):
                    r[into] = Self.apply(operation, r[lhs], r[rhs])
                case .lag(let buffer, let source, let into):
                    r[into] = lags[buffer].push(r[source])
                case .copy(let source, let into):
                    r[into] = r[source]
                }
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
