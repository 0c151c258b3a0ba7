import Foundation
import Testing
import Indicators
@testable import Runtime

/// The reference row's values as a bar (bit patterns from Python's float()).
private func expectedBar(_ row: FeedReference.Row) -> Bar {
    Bar(timestamp: row.timestamp, open: Double(bitPattern: row.open), high: Double(bitPattern: row.high),
        low: Double(bitPattern: row.low), close: Double(bitPattern: row.close), volume: Double(bitPattern: row.volume))
}

@Suite("Feed CSV reader")
struct FeedCSVReaderTests {
    @Test("Fixtures read exactly as Python's csv, float() and pandas read them (FeedReference)",
          arguments: FeedReference.csvCases.map(\.name))
    func fixture(name: String) throws {
        let reference = FeedReference.csvCases.first { $0.name == name }!
        let scratch = ScratchFolder()
        let path = scratch.file("bars.csv", reference.text)
        let reader = try CSVBarReader(path: path, timeZone: TimeZone(identifier: reference.timeZone)!)
        var bars: [Bar] = []
        try reader.forEachBar { bars.append($0) }
        #expect(bars == reference.rows.map(expectedBar))
        // Parsing in chunks of 64 bytes, so rows straddle chunk ends, gives the same bars.
        let small = try CSVBarReader(path: path, timeZone: TimeZone(identifier: reference.timeZone)!, chunkSize: 64)
        #expect(try small.readAll() == BarSeries(bars))
    }

    @Test("data/GOOG.csv: row count and sampled rows as Python reads them (FeedReference)")
    func goog() throws {
        let series = try CSVBarReader(path: googPath).readAll()
        #expect(series.count == FeedReference.googRowCount)
        for row in FeedReference.googSample {
            #expect(series[row.line - 2] == expectedBar(row))
        }
    }

    @Test("Numbers parse to the same bits as Python's float(), fast path and strtod fallback alike",
          arguments: FeedReference.numbers.map(\.text))
    func number(text: String) {
        let expected = FeedReference.numbers.first { $0.text == text }!.bits
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            DecimalParser.parse(buffer.baseAddress!, buffer.baseAddress! + buffer.count).map { ($0.value, $0.end - buffer.baseAddress!) }
        }
        #expect(parsed?.0.bitPattern == expected)
        #expect(parsed?.1 == bytes.count)
    }

    @Test("Numbers followed by more of the row parse as alone: the parser stops at the first byte that cannot continue them",
          arguments: FeedReference.numbers.map(\.text))
    func numberInRow(text: String) {
        let expected = FeedReference.numbers.first { $0.text == text }!.bits
        for tail in [",12345678,9", "\r\n2024-01-01", ",", "e", "x0123456789"] {
            let bytes = Array(text.utf8) + Array(tail.utf8)
            let parsed = bytes.withUnsafeBufferPointer { buffer in
                DecimalParser.parse(buffer.baseAddress!, buffer.baseAddress! + buffer.count).map { ($0.value, $0.end - buffer.baseAddress!) }
            }
            // "e" after a number starts an exponent without digits: no number, as for "1e" alone.
            if tail == "e" {
                #expect(parsed == nil || parsed!.1 < bytes.count)
                continue
            }
            #expect(parsed?.0.bitPattern == expected, "\(text) before \(tail)")
            #expect(parsed?.1 == text.utf8.count, "\(text) before \(tail)")
        }
    }

    @Test("Strings that are not numbers are refused", arguments: ["", "-", ".", "e5", "nan", "inf", "1e", "1e+"])
    func notANumber(text: String) {
        let bytes = Array(text.utf8) + [0]
        let end = bytes.withUnsafeBufferPointer { buffer in
            DecimalParser.parse(buffer.baseAddress!, buffer.baseAddress! + text.utf8.count)?.end
        }
        // Either nothing parses, or the parse stops short of the text (the reader then reports the field).
        let consumed = bytes.withUnsafeBufferPointer { buffer in end.map { $0 - buffer.baseAddress! } }
        #expect(consumed == nil || consumed! < text.utf8.count)
    }

    @Test("Ten thousand rows over many chunk sizes give the same series")
    func chunkBoundaries() throws {
        var text = "timestamp,open,high,low,close,volume\n"
        for index in 0..<10_000 {
            text += "\(1_700_000_000 + index * 60),\(100 + index % 7).25,\(101 + index % 7).5,\(99 + index % 7),\(100 + index % 7).125,\(index)\n"
        }
        let scratch = ScratchFolder()
        let path = scratch.file("many.csv", text)
        let whole = try CSVBarReader(path: path).readAll()
        #expect(whole.count == 10_000)
        // Hand-derived: row 9999 is 1_700_000_000 + 9999 × 60 seconds, prices with index % 7 = 3.
        #expect(whole[9999] == Bar(timestamp: (1_700_000_000 + 9999 * 60) * 1_000_000, open: 103.25, high: 104.5, low: 102, close: 103.125, volume: 9999))
        for chunk in [64, 100, 1000, 4097] {
            #expect(try CSVBarReader(path: path, timeZone: .gmt, chunkSize: chunk).readAll() == whole)
        }
    }

    @Test("The header's column names are kept as written")
    func columns() throws {
        let scratch = ScratchFolder()
        let reader = try CSVBarReader(path: scratch.file("a.csv", "\u{FEFF}Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,1,1,1,1,1\n"))
        #expect(reader.columns == ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
        #expect(try reader.readAll().volume == [1])
    }
}
