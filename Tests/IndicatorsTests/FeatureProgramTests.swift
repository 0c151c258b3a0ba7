import Testing
import Indicators

/// `FeatureProgram` runs SMAs and crossovers from its own flat store rather than through
/// `StreamingIndicator`. These tests hold that path to the general one (the same indicators
/// updated one by one through `StreamingIndicator`, register by register, bit for bit) and to
/// values worked by hand.
@Suite("Feature program")
struct FeatureProgramTests {
    private static func spec(_ name: String) throws -> IndicatorSpec {
        try #require(IndicatorCatalog.spec(named: name))
    }

    private static func bar(_ index: Int, close: Double) -> Bar {
        Bar(timestamp: Int64(index) * 60_000_000, open: close, high: close + 1, low: close - 1, close: close, volume: 100)
    }

    /// Registers: 0 close, 1 sma(close, 2), 2 sma(close, 3), 3 crossover(1, 2), 4 crossunder(1, 2),
    /// 5 ema(close, 3) (general path), 6 sma(ema, 2) (fast SMA over a warming-up input),
    /// 7 close[1] (lag), 8 1 - 7.
    private static func program() throws -> FeatureProgram {
        let indicators = [
            try StreamingIndicator(spec: spec("sma"), parameters: [2]),
            try StreamingIndicator(spec: spec("sma"), parameters: [3]),
            try StreamingIndicator(spec: spec("crossover"), parameters: []),
            try StreamingIndicator(spec: spec("crossunder"), parameters: []),
            try StreamingIndicator(spec: spec("ema"), parameters: [3]),
            try StreamingIndicator(spec: spec("sma"), parameters: [2]),
        ]
        let instructions: [FeatureProgram.Instruction] = [
            .column(.close, into: 0),
            .indicator(0, a: 0, b: -1, into: 1),
            .indicator(1, a: 0, b: -1, into: 2),
            .indicator(2, a: 1, b: 2, into: 3),
            .indicator(3, a: 1, b: 2, into: 4),
            .indicator(4, a: 0, b: -1, into: 5),
            .indicator(5, a: 5, b: -1, into: 6),
            .lag(buffer: 0, source: 0, into: 7),
            .binary(.subtract, 0, 7, into: 8),
        ]
        return FeatureProgram(instructions: instructions, indicators: indicators,
                              lags: [FeatureProgram.LagBuffer(bars: 1)], registers: Array(repeating: .nan, count: 9))
    }

    /// Falls, rises past the slow average, falls back, with a NaN close (a skipped bar) in the middle.
    private static let closes: [Double] = [10, 9, 8, 7, 10, 12, 13, .nan, 10, 8, 6, 7, 9, 10, 10, 10]

    /// The general path: each indicator updated through `StreamingIndicator`, registers by hand.
    private static func reference(_ closes: [Double]) throws -> [[Double]] {
        var sma2 = try StreamingIndicator(spec: spec("sma"), parameters: [2])
        var sma3 = try StreamingIndicator(spec: spec("sma"), parameters: [3])
        var over = try StreamingIndicator(spec: spec("crossover"), parameters: [])
        var under = try StreamingIndicator(spec: spec("crossunder"), parameters: [])
        var ema = try StreamingIndicator(spec: spec("ema"), parameters: [3])
        var smaOfEma = try StreamingIndicator(spec: spec("sma"), parameters: [2])
        var previous = Double.nan
        var rows: [[Double]] = []
        for (index, close) in closes.enumerated() {
            let bar = bar(index, close: close)
            sma2.update(a: close, bar: bar)
            sma3.update(a: close, bar: bar)
            over.update(a: sma2.value(0), b: sma3.value(0), bar: bar)
            under.update(a: sma2.value(0), b: sma3.value(0), bar: bar)
            ema.update(a: close, bar: bar)
            smaOfEma.update(a: ema.value(0), bar: bar)
            rows.append([close, sma2.value(0), sma3.value(0), over.value(0), under.value(0), ema.value(0), smaOfEma.value(0),
                         previous, close - previous])
            previous = close
        }
        return rows
    }

    private static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

    @Test("every register equals the general path's, bit for bit, on every bar")
    func matchesGeneralPath() throws {
        var program = try Self.program()
        let expected = try Self.reference(Self.closes)
        for (index, close) in Self.closes.enumerated() {
            program.evaluate(Self.bar(index, close: close))
            #expect(Self.bits(program.registers) == Self.bits(expected[index]), "bar \(index)")
        }
    }

    /// Registers 0–4 of `program()` alone: SMAs and crossings only, the store-only path.
    private static func kernelsOnlyProgram() throws -> FeatureProgram {
        let indicators = [
            try StreamingIndicator(spec: spec("sma"), parameters: [2]),
            try StreamingIndicator(spec: spec("sma"), parameters: [3]),
            try StreamingIndicator(spec: spec("crossover"), parameters: []),
            try StreamingIndicator(spec: spec("crossunder"), parameters: []),
        ]
        let instructions: [FeatureProgram.Instruction] = [
            .column(.close, into: 0),
            .indicator(0, a: 0, b: -1, into: 1),
            .indicator(1, a: 0, b: -1, into: 2),
            .indicator(2, a: 1, b: 2, into: 3),
            .indicator(3, a: 1, b: 2, into: 4),
        ]
        return FeatureProgram(instructions: instructions, indicators: indicators, lags: [],
                              registers: Array(repeating: .nan, count: 5))
    }

    @Test("the registers lent after a bar are the general path's, on both the store-only and the mixed path")
    func lentRegistersMatchGeneralPath() throws {
        let expected = try Self.reference(Self.closes)
        for var program in [try Self.program(), try Self.kernelsOnlyProgram()] {
            let count = program.registers.count
            for (index, close) in Self.closes.enumerated() {
                var lent: [Double] = []
                program.evaluate(Self.bar(index, close: close)) { lent = Array($0) }
                #expect(Self.bits(lent) == Self.bits(Array(expected[index].prefix(count))), "bar \(index)")
                #expect(Self.bits(program.registers) == Self.bits(lent), "bar \(index)")
            }
        }
    }

    /// sma(close, 2) and sma(close, 3) by hand; the crossings where the fast one goes from below
    /// to above the slow one and back. Bar 7's close is NaN: the SMAs and crossings skip it.
    @Test("SMA and crossings over a hand-worked series")
    func handComputed() throws {
        var program = try Self.program()
        var fast: [Double] = [], slow: [Double] = [], over: [Double] = [], under: [Double] = []
        for (index, close) in Self.closes.prefix(11).enumerated() {
            program.evaluate(Self.bar(index, close: close))
            fast.append(program.value(1))
            slow.append(program.value(2))
            over.append(program.value(3))
            under.append(program.value(4))
        }
        // sma2: (10+9)/2, (9+8)/2, (8+7)/2, (7+10)/2, (10+12)/2, (12+13)/2, skip, (13+10)/2, (10+8)/2, (8+6)/2
        #expect(Self.bits(fast) == Self.bits([.nan, 9.5, 8.5, 7.5, 8.5, 11, 12.5, .nan, 11.5, 9, 7]))
        // sma3: 27/3, 24/3, 25/3, 29/3, 35/3, skip, 35/3 (12+13+10), 31/3, 24/3
        let slowByHand: [Double] = [.nan, .nan, 9, 8, 25.0 / 3, 29.0 / 3, 35.0 / 3, .nan, 35.0 / 3, 31.0 / 3, 8]
        for (value, hand) in zip(slow, slowByHand) {
            #expect(value.isNaN == hand.isNaN && (hand.isNaN || abs(value - hand) < 1e-12))
        }
        // Bar 2 is the first with both averages, bar 3 the first with a previous pair to compare.
        // Bar 4: fast was below (7.5 < 8) and is now above (8.5 > 8.33): a crossover.
        #expect(Self.bits(over) == Self.bits([.nan, .nan, .nan, 0, 1, 0, 0, .nan, 0, 0, 0]))
        // Bar 8 (the NaN bar 7 skipped): fast was above (12.5 > 11.67), now below (11.5 < 11.67).
        #expect(Self.bits(under) == Self.bits([.nan, .nan, .nan, 0, 0, 0, 0, .nan, 1, 0, 0]))
    }

    @Test("a copy keeps its own state: running one does not move the other")
    func copiesAreIndependent() throws {
        var first = try Self.program()
        for index in 0..<6 { first.evaluate(Self.bar(index, close: Self.closes[index])) }
        var second = first
        second.evaluate(Self.bar(6, close: 100))
        for index in 6..<Self.closes.count { first.evaluate(Self.bar(index, close: Self.closes[index])) }
        let expected = try Self.reference(Self.closes)
        #expect(Self.bits(first.registers) == Self.bits(expected[Self.closes.count - 1]))
        let diverged = try Self.reference(Array(Self.closes.prefix(6)) + [100])
        #expect(Self.bits(second.registers) == Self.bits(diverged[6]))
    }

    @Test("indicators read back with the state the program gave them")
    func indicatorsReadBack() throws {
        var program = try Self.program()
        for index in 0..<10 { program.evaluate(Self.bar(index, close: Self.closes[index])) }
        let indicators = program.indicators
        let outputs = [1, 2, 3, 4, 5, 6]
        for (index, register) in outputs.enumerated() {
            #expect(indicators[index].value(0).bitPattern == program.value(register).bitPattern, "indicator \(index)")
        }
        // Read-back copies are independent: updating one leaves the program as it was.
        var copy = indicators[0]
        copy.update(a: 1000, bar: Self.bar(10, close: 1000))
        #expect(program.indicators[0].value(0) == program.value(1))
    }

    @Test("state carried into a new program continues exactly as the old one would")
    func carriedState() throws {
        var old = try Self.program()
        for index in 0..<8 { old.evaluate(Self.bar(index, close: Self.closes[index])) }
        let fresh = try Self.program()
        let mapping = fresh.stateMapping(from: old)
        #expect(mapping.carriesEverything)
        var carried = fresh.carryingState(from: old, mapping: mapping)
        for index in 8..<Self.closes.count {
            old.evaluate(Self.bar(index, close: Self.closes[index]))
            carried.evaluate(Self.bar(index, close: Self.closes[index]))
            #expect(Self.bits(carried.registers) == Self.bits(old.registers), "bar \(index)")
        }
    }

    /// Runs `program` over `closes` in blocks of `size` (`evaluate(block:into:)`) and returns
    /// each bar's registers as read from the columns.
    private static func blockRows(_ program: inout FeatureProgram, _ closes: ArraySlice<Double>, first: Int, size: Int) -> [[Double]] {
        blockRows(&program, bars: closes.enumerated().map { bar(first + $0.offset, close: $0.element) }, size: size)
    }

    /// Runs `program` over `bars` in blocks of `size` (`evaluate(block:into:)`) and returns
    /// each bar's registers as read from the columns.
    static func blockRows(_ program: inout FeatureProgram, bars: [Bar], size: Int) -> [[Double]] {
        let registers = program.registerCount
        var table = [Double](repeating: 0, count: registers * size)
        var rows: [[Double]] = []
        bars.withUnsafeBufferPointer { all in
            table.withUnsafeMutableBufferPointer { table in
                let columns = RegisterColumns(base: table.baseAddress!, rows: size, registers: registers)
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + size)
                    program.evaluate(block: BarBlock(UnsafeBufferPointer(rebasing: all[start..<end])), into: columns)
                    for row in 0..<(end - start) { rows.append((0..<registers).map { columns[$0, row] }) }
                    start = end
                }
            }
        }
        return rows
    }

    @Test("a block's columns hold the general path's registers, bit for bit, for every block size",
          arguments: [1, 2, 3, 5, 7, 16])
    func blockMatchesGeneralPath(size: Int) throws {
        let expected = try Self.reference(Self.closes)
        for var program in [try Self.program(), try Self.kernelsOnlyProgram()] {
            let count = program.registerCount
            let rows = Self.blockRows(&program, Self.closes[...], first: 0, size: size)
            #expect(rows.count == Self.closes.count)
            for (index, row) in rows.enumerated() {
                #expect(Self.bits(row) == Self.bits(Array(expected[index].prefix(count))), "bar \(index), block size \(size)")
            }
            // The registers end as the last bar left them, and the state carries on bar by bar.
            #expect(Self.bits(program.registers) == Self.bits(Array(expected[Self.closes.count - 1].prefix(count))))
            let more: [Double] = [11, 12, 9, .nan, 8, 14]
            let continued = try Self.reference(Self.closes + more)
            for (offset, close) in more.enumerated() {
                let index = Self.closes.count + offset
                program.evaluate(Self.bar(index, close: close))
                #expect(Self.bits(program.registers) == Self.bits(Array(continued[index].prefix(count))), "bar \(index)")
            }
        }
    }

    @Test("bar by bar, then in blocks, then bar by bar: one series")
    func blocksAndBarsInterleave() throws {
        var program = try Self.program()
        let expected = try Self.reference(Self.closes)
        for index in 0..<4 { program.evaluate(Self.bar(index, close: Self.closes[index])) }
        let rows = Self.blockRows(&program, Self.closes[4..<12], first: 4, size: 3)
        for (offset, row) in rows.enumerated() {
            #expect(Self.bits(row) == Self.bits(expected[4 + offset]), "bar \(4 + offset)")
        }
        for index in 12..<Self.closes.count {
            program.evaluate(Self.bar(index, close: Self.closes[index]))
            #expect(Self.bits(program.registers) == Self.bits(expected[index]), "bar \(index)")
        }
    }
}
