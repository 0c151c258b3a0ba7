import Foundation
import Testing
import Indicators
@testable import Runtime

/// `forEachBarReadingAhead` parses on a thread of its own; what the caller sees must be what
/// `forEachBar` gives on the same file: the expected values are the plain reader's.
@Suite("Feed CSV read-ahead")
struct FeedReadAheadTests {
    /// `rows` one-minute rows, with a price that is not a round number so every digit is parsed.
    static func rows(_ count: Int, from first: Int = 0) -> String {
        var text = ""
        for index in first..<(first + count) {
            let price = 100 + Double(index % 977) * 0.0137
            text += "\(1_704_067_200 + index * 60),\(price),\(price + 0.5),\(price - 0.25),\(price + 0.125),\(index % 50 + 1)\n"
        }
        return text
    }

    static func read(_ path: String, aheadOf: Bool) -> (bars: [Bar], error: FeedError?) {
        var bars: [Bar] = []
        do {
            let reader = try CSVBarReader(path: path)
            if aheadOf {
                try reader.forEachBarReadingAhead { bars.append($0) }
            } else {
                try reader.forEachBar { bars.append($0) }
            }
            return (bars, nil)
        } catch let error as FeedError {
            return (bars, error)
        } catch {
            Issue.record("unexpected error \(error)")
            return (bars, nil)
        }
    }

    @Test("Several blocks of bars arrive whole and in order")
    func sameBarsAcrossBlocks() throws {
        let scratch = ScratchFolder()
        // Two full blocks and a partial one.
        let count = CSVBarReader.readAheadBlock * 2 + 123
        let path = scratch.file("bars.csv", "timestamp,open,high,low,close,volume\n" + Self.rows(count))
        let plain = Self.read(path, aheadOf: false), ahead = Self.read(path, aheadOf: true)
        #expect(plain.error == nil && ahead.error == nil)
        #expect(plain.bars.count == count)
        #expect(ahead.bars == plain.bars)
    }

    @Test("A bad row ends the read after every bar before it, with the plain reader's error")
    func sameErrorAfterSameBars() throws {
        let scratch = ScratchFolder()
        let before = CSVBarReader.readAheadBlock + 10
        let text = "timestamp,open,high,low,close,volume\n" + Self.rows(before) + "1999-01-01T00:00:00Z,1,1,1,1,1\n" + Self.rows(5, from: before + 1)
        let path = scratch.file("bars.csv", text)
        let plain = Self.read(path, aheadOf: false), ahead = Self.read(path, aheadOf: true)
        #expect(plain.error?.reason == .unsortedTimestamps)
        #expect(ahead.error == plain.error)
        #expect(ahead.bars.count == before)
        #expect(ahead.bars == plain.bars)
    }

    @Test("A caller that stops taking bars stops the read, and its error comes out")
    func callerStops() throws {
        struct Enough: Error {}
        let scratch = ScratchFolder()
        let path = scratch.file("bars.csv", "timestamp,open,high,low,close,volume\n" + Self.rows(CSVBarReader.readAheadBlock * 6))
        var seen = 0
        #expect(throws: Enough.self) {
            try CSVBarReader(path: path).forEachBarReadingAhead { _ in
                seen += 1
                if seen == 100 { throw Enough() }
            }
        }
        #expect(seen == 100)
    }

    @Test("A file without rows fails as the plain reader does")
    func noRows() throws {
        let scratch = ScratchFolder()
        let path = scratch.file("bars.csv", "timestamp,open,high,low,close,volume\n")
        let plain = Self.read(path, aheadOf: false), ahead = Self.read(path, aheadOf: true)
        #expect(plain.error?.reason == .noRows)
        #expect(ahead.error == plain.error)
    }
}
