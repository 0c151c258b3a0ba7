import Foundation
import Testing
@testable import Storage

/// A backtest-sized write: one million equity points in batches, then read back whole.
@Suite struct ScaleTests {
    static let rowCount = 1_000_000
    static let batchSize = 100_000

    @Test func millionEquityPointsRoundTrip() throws {
        let folder = try TemporaryDirectory()
        let store = try Fixture.store(in: folder)
        let clock = ContinuousClock()
        let writing = try clock.measure {
            for start in stride(from: 0, to: Self.rowCount, by: Self.batchSize) {
                try store.append(equity: (start..<(start + Self.batchSize)).lazy.map(Self.point))
            }
        }
        var curve: [EquityPoint] = []
        let reading = try clock.measure { curve = try store.equityCurve() }
        print("stored \(Self.rowCount) equity points in \(writing), read them back in \(reading)")

        #expect(curve.count == Self.rowCount)
        #expect(curve.first == Self.point(0))
        #expect(curve[123_456] == Self.point(123_456))
        #expect(curve.last == Self.point(Self.rowCount - 1))
    }

    /// Bar-by-bar points one minute apart; drawdown cycles so values differ row to row.
    static func point(_ index: Int) -> EquityPoint {
        EquityPoint(
            timestampMicros: 1_700_000_000_000_000 + Int64(index) * 60_000_000, cash: 10_000 - Double(index % 1_000),
            equity: 10_000 + Double(index) / 8, drawdown: Double(index % 100) / 1_000)
    }
}
