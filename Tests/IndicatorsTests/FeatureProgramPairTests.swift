import Testing
@testable import Indicators

/// Two averages of one register (`sma(close, 10)` and `sma(close, 30)`) run as one block step with
/// their columns interleaved (`SimpleMovingAverage.run(_:_:...)`). The reference is the general
/// path: each average through its own `StreamingIndicator`, bar by bar.
@Suite("Feature program: paired averages")
struct FeatureProgramPairTests {
    private static func sma(_ period: Int) throws -> StreamingIndicator {
        try StreamingIndicator(spec: #require(IndicatorCatalog.spec(named: "sma")), parameters: [Double(period)])
    }

    /// Registers: 0 close, 1 sma(close, fast), 2 sma(close, slow).
    private static func program(fast: Int, slow: Int) throws -> FeatureProgram {
        FeatureProgram(instructions: [.column(.close, into: 0), .indicator(0, a: 0, b: -1, into: 1), .indicator(1, a: 0, b: -1, into: 2)],
                       indicators: [try sma(fast), try sma(slow)], lags: [], registers: Array(repeating: .nan, count: 3))
    }

    /// A seeded walk of 4-decimal prices, with NaN closes (skipped bars) once both windows are
    /// full: single ones and a run of three.
    private static func closes(_ count: Int) -> [Double] {
        var state: UInt64 = 7, price = 100.0
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            price = ((price * (1 + (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.01)) * 10_000).rounded() / 10_000
            return [45, 46, 47, 301, 1_000].contains(index) ? .nan : price
        }
    }

    @Test("two averages of one register become one step; of different registers they do not")
    func pairing() throws {
        let paired = try Self.program(fast: 10, slow: 30)
        #expect(paired.kernels.program.contains { if case .smaPair(0, source: 0, into: 1) = $0 { true } else { false } })
        let apart = FeatureProgram(
            instructions: [.column(.close, into: 0), .column(.open, into: 1), .indicator(0, a: 0, b: -1, into: 2), .indicator(1, a: 1, b: -1, into: 3)],
            indicators: [try Self.sma(10), try Self.sma(30)], lags: [], registers: Array(repeating: .nan, count: 4))
        #expect(!apart.kernels.program.contains { if case .smaPair = $0 { true } else { false } })
    }

    @Test("the paired columns are each average's own, bit for bit, for every block size", arguments: [1, 7, 64, 1_024, 4_096])
    func pairedColumnsMatchTheGeneralPath(size: Int) throws {
        let closes = Self.closes(3_000)
        var fast = try Self.sma(10), slow = try Self.sma(30)
        var expected: [[UInt64]] = []
        for (index, close) in closes.enumerated() {
            let bar = Bar(timestamp: Int64(index) * 60_000_000, open: close, high: close, low: close, close: close, volume: 1)
            fast.update(a: close, bar: bar)
            slow.update(a: close, bar: bar)
            expected.append([close.bitPattern, fast.value(0).bitPattern, slow.value(0).bitPattern])
        }
        var program = try Self.program(fast: 10, slow: 30)
        let bars = closes.enumerated().map { Bar(timestamp: Int64($0.offset) * 60_000_000, open: $0.element, high: $0.element,
                                                  low: $0.element, close: $0.element, volume: 1) }
        let rows = FeatureProgramTests.blockRows(&program, bars: bars, size: size)
        #expect(rows.count == closes.count)
        for (index, row) in rows.enumerated() where row.map(\.bitPattern) != expected[index] {
            Issue.record("bar \(index), block size \(size): \(row) against \(expected[index].map(Double.init(bitPattern:)))")
            break
        }
        // The state after the blocks carries on bar by bar as the general path's does.
        let bar = Bar(timestamp: 1, open: 101, high: 101, low: 101, close: 101, volume: 1)
        program.evaluate(bar)
        fast.update(a: 101, bar: bar)
        slow.update(a: 101, bar: bar)
        #expect(program.registers.map(\.bitPattern) == [101, fast.value(0), slow.value(0)].map(\.bitPattern))
    }
}
