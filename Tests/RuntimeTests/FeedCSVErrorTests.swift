import Foundation
import Testing
import Indicators
@testable import Runtime

/// The error a file's read stops with, and the bars delivered before it.
private func failure(_ text: String, zone: TimeZone = .gmt) -> (FeedError?, [Bar]) {
    let scratch = ScratchFolder()
    let path = scratch.file("bad.csv", text)
    var bars: [Bar] = []
    do {
        try CSVBarReader(path: path, timeZone: zone).forEachBar { bars.append($0) }
        return (nil, bars)
    } catch let error as FeedError {
        return (FeedError(reason: error.reason, file: "bad.csv", line: error.line, column: error.column, field: error.field,
                          relatedLine: error.relatedLine, message: error.message, fix: error.fix), bars)
    } catch {
        return (nil, bars)
    }
}

private let header = "timestamp,open,high,low,close,volume\n"

@Suite("Feed CSV reader errors")
struct FeedCSVErrorTests {
    @Test("A missing file, and a directory, are named with a fix")
    func missingAndUnreadable() {
        #expect(throws: FeedError.missingFile(file: "/nonexistent/bars.csv")) { try CSVBarReader(path: "/nonexistent/bars.csv") }
        let scratch = ScratchFolder()
        do {
            _ = try CSVBarReader(path: scratch.url.path)
            Issue.record("a directory was read")
        } catch {
            #expect(error.reason == .unreadableFile)
            #expect(error.description.contains("it is a directory"))
            #expect(error.description.contains("fix: "))
        }
    }

    @Test("An empty file, a file without a header and an unknown header list the accepted headers")
    func headers() {
        let empty = failure("").0
        #expect(empty?.reason == .missingHeader && empty?.message == "the file is empty")
        let noHeader = failure("2024-01-02,1,1,1,1,1\n").0
        #expect(noHeader?.reason == .missingHeader)
        #expect(noHeader?.fix.contains("timestamp,open,high,low,close,volume") == true)
        let unknown = failure("time,price,size\n").0
        #expect(unknown?.reason == .unknownHeader)
        #expect(unknown?.message.contains("no `open`, `high`, `low`, `close`, `volume` column") == true)
        let twice = failure("date,open,high,low,close,close,volume\n").0
        #expect(twice?.message.contains("columns 5 and 6 both name the close column") == true)
    }

    @Test("A header with no rows is an error, not an empty series")
    func noRows() {
        #expect(failure(header).0?.reason == .noRows)
        #expect(failure(header + "\n\n").0?.reason == .noRows)
    }

    @Test("Wrong field counts name the line and both counts")
    func fieldCount() {
        let (short, before) = failure(header + "2024-01-02,1,1,1,1,1\n2024-01-03,1,1,1,1\n")
        #expect(short?.reason == .fieldCount && short?.line == 3)
        #expect(short?.message == "line 3 has 5 fields; the header has 6")
        #expect(before.count == 1)
        let long = failure(header + "2024-01-02,1,1,1,1,1,7\n").0
        #expect(long?.line == 2 && long?.message == "line 2 has 7 fields; the header has 6")
    }

    @Test("A bad number names line, column and field")
    func badNumber() {
        // Line 3: `2024-01-03,1,1,1,1.2.3,1` — the close field starts at byte 18.
        let error = failure(header + "2024-01-02,1,1,1,1,1\n2024-01-03,1,1,1,1.2.3,1\n").0
        #expect(error?.reason == .badNumber)
        #expect(error?.line == 3 && error?.column == 18 && error?.field == "close")
        #expect(error?.description.hasPrefix("bad.csv:3:18: error: `1.2.3` in column `close` is not a number") == true)
        #expect(failure(header + "2024-01-02,1,1,,1,1\n").0?.message == "`` in column `low` is not a number")
        #expect(failure(header + "2024-01-02,\"1\",1,1,1,1\n").0?.field == "open")
        #expect(failure(header + "2024-01-02,1,1,1,1,1 000\n").0?.reason == .badNumber)
    }

    @Test("Bad timestamps say what is wrong", arguments: [
        ("2024-13-02", "the month is not 01 to 12"),
        ("2023-02-29", "that day does not exist in that month"),
        ("2024-01-02T24:00", "the hour is not 00 to 23"),
        ("2024-01-02T10:60", "the minute is not 00 to 59"),
        ("2024-01-02T10:00:61", "the second is not 00 to 59"),
        ("2024-01-02T10:00:00.0000001", "the fraction of a second is finer than a microsecond"),
        ("2024-01-02T10:00:00+19:00", "the UTC offset is not Z, ±HH, ±HHMM or ±HH:MM within ±18:00"),
        ("20240102", "an epoch number must have 9 to 11 digits (seconds) or 12 to 14 (milliseconds)"),
        ("02/01/2024", "it is neither an ISO 8601 date or date-time nor an epoch number"),
        ("2024-01-02 10:00 EST", "it is neither an ISO 8601 date or date-time nor an epoch number"),
    ])
    func badTimestamp(text: String, problem: String) {
        let error = failure(header + "\(text),1,1,1,1,1\n").0
        #expect(error?.reason == .badTimestamp)
        #expect(error?.line == 2 && error?.column == 1 && error?.field == "timestamp")
        #expect(error?.message == "`\(text)` in column `timestamp` is not a timestamp: \(problem)")
    }

    @Test("Unsorted and duplicate timestamps name both lines; nothing after them is delivered")
    func ordering() {
        let (unsorted, delivered) = failure(header + "2024-01-02,1,1,1,1,1\n2024-01-04,1,1,1,1,1\n2024-01-03,1,1,1,1,1\n2024-01-05,1,1,1,1,1\n")
        #expect(unsorted?.reason == .unsortedTimestamps && unsorted?.line == 4 && unsorted?.relatedLine == 3)
        #expect(unsorted?.message == "timestamp `2024-01-03` on line 4 is earlier than the timestamp on line 3")
        #expect(delivered.count == 2)
        // 09:30Z and 04:30-05:00 are the same instant.
        let duplicate = failure(header + "2024-01-02T09:30:00Z,1,1,1,1,1\n2024-01-02T04:30:00-05:00,1,1,1,1,1\n").0
        #expect(duplicate?.reason == .duplicateTimestamp && duplicate?.line == 3 && duplicate?.relatedLine == 2)
        #expect(duplicate?.fix == "keep one bar per timestamp: remove or merge one of lines 2 and 3")
    }

    @Test("A blank line between rows is an error naming it; blank lines at the end are not")
    func blankLines() {
        let error = failure(header + "2024-01-02,1,1,1,1,1\n\n2024-01-03,1,1,1,1,1\n").0
        #expect(error?.reason == .blankLine && error?.line == 3 && error?.relatedLine == 4)
        let (none, bars) = failure(header + "2024-01-02,1,1,1,1,1\r\n\r\n\n")
        #expect(none == nil && bars.count == 1)
    }
}
