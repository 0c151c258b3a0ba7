import Foundation
import Testing
import Indicators

/// SMA against pandas' `Series.rolling(n).mean()`, bit for bit: backtesting.py averages with
/// it, and a crossover of two exactly equal averages is decided by their rounding alone.
/// Expected bits from References/pandas_sma/, written by scripts/reference/pandas_sma_references.py
/// (pandas 3.1.1). Each case is checked on every path an SMA runs on: `StreamingIndicator` bar
/// by bar, `Batch.compute`, and a `FeatureProgram` bar by bar and in blocks (the column loop).
@Suite("SMA equals pandas' rolling mean")
struct PandasRollingMeanTests {
    static let cases = ["goog", "minute_ties", "constant", "negative"]

    /// One reference file: the inputs and, per period, pandas' outputs (bit patterns).
    struct Reference {
        let inputs: [Double]
        let periods: [Int]
        let expected: [[UInt64]]

        init(_ name: String) throws {
            let (header, rows) = ReferenceData.table(named: "pandas_sma/\(name).csv")
            #expect(header.first == "input")
            func bits(_ field: String) throws -> UInt64 { try #require(UInt64(field, radix: 16), "\(name): \(field)") }
            inputs = try rows.map { Double(bitPattern: try bits($0[0])) }
            periods = try header.dropFirst().map { try #require(Int($0.dropFirst("sma_".count)), "\(name): \($0)") }
            expected = try periods.indices.map { column in try rows.map { try bits($0[column + 1]) } }
        }
    }

    /// Where `actual` first differs from pandas: NaN matches NaN (before the window is full),
    /// every number must have pandas' exact bits.
    static func firstDifference(_ actual: [Double], _ expected: [UInt64]) -> String? {
        guard actual.count == expected.count else { return "\(actual.count) values for \(expected.count)" }
        for (index, (value, bits)) in zip(actual, expected).enumerated() {
            let wanted = Double(bitPattern: bits)
            let same = wanted.isNaN ? value.isNaN : value.bitPattern == bits
            if !same { return "index \(index): \(value) (\(String(value.bitPattern, radix: 16))), pandas \(wanted) (\(String(bits, radix: 16)))" }
        }
        return nil
    }

    static func bar(_ index: Int, _ value: Double) -> Bar {
        Bar(timestamp: Int64(index) * 60_000_000, open: value, high: value, low: value, close: value, volume: 1)
    }

    static func sma(_ period: Int) throws -> StreamingIndicator {
        try StreamingIndicator(spec: try #require(IndicatorCatalog.spec(named: "sma")), parameters: [Double(period)])
    }

    /// Register 0 the close, register k + 1 sma(close, periods[k]).
    static func program(_ periods: [Int]) throws -> FeatureProgram {
        let instructions: [FeatureProgram.Instruction] = [.column(.close, into: 0)]
            + periods.indices.map { .indicator($0, a: 0, b: -1, into: $0 + 1) }
        return FeatureProgram(instructions: instructions, indicators: try periods.map(sma), lags: [],
                              registers: Array(repeating: .nan, count: periods.count + 1))
    }

    @Test("StreamingIndicator, bar by bar", arguments: cases)
    func streaming(_ name: String) throws {
        let reference = try Reference(name)
        for (period, expected) in zip(reference.periods, reference.expected) {
            var indicator = try Self.sma(period)
            let values = reference.inputs.enumerated().map { index, x in
                indicator.update(a: x, bar: Self.bar(index, x))
                return indicator.value(0)
            }
            let difference = Self.firstDifference(values, expected)
            #expect(difference == nil, "\(name), period \(period): \(difference ?? "")")
        }
    }

    @Test("Batch.compute", arguments: cases)
    func batch(_ name: String) throws {
        let reference = try Reference(name)
        let spec = try #require(IndicatorCatalog.spec(named: "sma"))
        for (period, expected) in zip(reference.periods, reference.expected) {
            let values = try Batch.compute(spec: spec, parameters: [Double(period)], series: [reference.inputs])[0]
            let difference = Self.firstDifference(values, expected)
            #expect(difference == nil, "\(name), period \(period): \(difference ?? "")")
        }
    }

    @Test("FeatureProgram, bar by bar", arguments: cases)
    func programBars(_ name: String) throws {
        let reference = try Reference(name)
        var program = try Self.program(reference.periods)
        var columns = Array(repeating: [Double](), count: reference.periods.count)
        for (index, x) in reference.inputs.enumerated() {
            program.evaluate(Self.bar(index, x))
            for column in columns.indices { columns[column].append(program.value(column + 1)) }
        }
        for (column, period) in reference.periods.enumerated() {
            let difference = Self.firstDifference(columns[column], reference.expected[column])
            #expect(difference == nil, "\(name), period \(period): \(difference ?? "")")
        }
    }

    /// Block sizes: one bar, a size that splits the warm-up, and the runner's 4,096.
    @Test("FeatureProgram in blocks (the column loop)", arguments: cases, [1, 7, 4_096])
    func programBlocks(_ name: String, size: Int) throws {
        let reference = try Reference(name)
        var program = try Self.program(reference.periods)
        let bars = reference.inputs.enumerated().map { Self.bar($0.offset, $0.element) }
        let rows = FeatureProgramTests.blockRows(&program, bars: bars, size: size)
        let columns = reference.periods.indices.map { column in rows.map { $0[column + 1] } }
        for (column, period) in reference.periods.enumerated() {
            let difference = Self.firstDifference(columns[column], reference.expected[column])
            #expect(difference == nil, "\(name), period \(period), blocks of \(size): \(difference ?? "")")
        }
    }
}
