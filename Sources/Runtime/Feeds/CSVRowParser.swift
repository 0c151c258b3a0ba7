import Indicators
import Agents
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns complete CSV lines into bars: the reader's hot loop.
///
/// Works on raw bytes between two pointers and keeps only a few scalars between chunks (line
/// number, previous timestamp and its line, a pending blank line), so chunk boundaries are
/// invisible to it. Nothing is allocated per row; Strings are made only to describe an error.
struct CSVRowParser {
    let layout: CSVLayout
    let file: String
    var clock: ZonedClock
    /// The number of the last line handed to `parse` (1 is the header).
    private(set) var line = 1
    private(set) var rows = 0
    private var previousTimestamp = Int64.min
    private var previousLine = 0
    private var blankLine: Int?
    private var dateCache = TimestampParser.DateCache()
    private let isCanonical: Bool

    init(layout: CSVLayout, file: String, clock: ZonedClock) {
        self.layout = layout
        isCanonical = layout.isCanonical
        self.file = file
        self.clock = clock
    }

    /// Parses the lines in [start, end); the last may lack its line break only at end of file.
    mutating func parse(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ body: (Bar) throws -> Void) throws {
        try layout.roles.withUnsafeBufferPointer { roles in
            var lineStart = start
            while lineStart < end {
                let newline = memchr(lineStart, Int32(UInt8(ascii: "\n")), end - lineStart)
                let lineEnd = newline.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? end
                var contentEnd = lineEnd
                if contentEnd > lineStart && (contentEnd - 1).pointee == UInt8(ascii: "\r") { contentEnd -= 1 }
                line += 1
                if contentEnd == lineStart {
                    if blankLine == nil { blankLine = line }
                } else {
                    if let blankLine { throw FeedError.blankLine(file: file, line: blankLine, nextRow: line) }
                    try body(parseRow(lineStart, contentEnd, roles))
                }
                lineStart = lineEnd + 1
            }
        }
    }

    /// Checks what can only be checked once the whole file is read.
    func finish() throws(FeedError) {
        if rows == 0 { throw FeedError.noRows(file: file) }
    }

    @inline(__always)
    private mutating func parseRow(_ lineStart: UnsafePointer<UInt8>, _ lineEnd: UnsafePointer<UInt8>,
                                   _ roles: UnsafeBufferPointer<CSVLayout.Role>) throws(FeedError) -> Bar {
        var bar: Bar
        var cursor = lineStart
        if isCanonical {
            let timestamp = try self.timestamp(&cursor, lineStart, lineEnd, 0)
            bar = Bar(timestamp: timestamp,
                      open: try number(&cursor, lineStart, lineEnd, 1), high: try number(&cursor, lineStart, lineEnd, 2),
                      low: try number(&cursor, lineStart, lineEnd, 3), close: try number(&cursor, lineStart, lineEnd, 4),
                      volume: try number(&cursor, lineStart, lineEnd, 5))
        } else {
            bar = Bar(timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0)
            for column in 0..<roles.count {
                switch roles[column] {
                case .ignored:
                    if column > 0 { try expectComma(&cursor, lineEnd, column) }
                    while cursor < lineEnd && cursor.pointee != UInt8(ascii: ",") { cursor += 1 }
                case .timestamp:
                    if column > 0 { try expectComma(&cursor, lineEnd, column) }
                    bar.timestamp = try timestamp(&cursor, lineStart, lineEnd, column)
                case .open, .high, .low, .close, .volume:
                    store(try number(&cursor, lineStart, lineEnd, column), in: &bar, role: roles[column])
                }
            }
        }
        if cursor != lineEnd { throw FeedError.fieldCount(file: file, line: line, expected: roles.count, found: fieldCount(lineStart, lineEnd)) }
        rows += 1
        return bar
    }

    /// Steps over the comma before a column's field; a missing one means the row is short.
    @inline(__always)
    private func expectComma(_ cursor: inout UnsafePointer<UInt8>, _ lineEnd: UnsafePointer<UInt8>, _ column: Int) throws(FeedError) {
        guard cursor < lineEnd && cursor.pointee == UInt8(ascii: ",") else {
            throw FeedError.fieldCount(file: file, line: line, expected: layout.fieldCount, found: column)
        }
        cursor += 1
    }

    /// Parses the number field of `column`, from the comma before it (if it is not the first).
    @inline(__always)
    private func number(_ cursor: inout UnsafePointer<UInt8>, _ lineStart: UnsafePointer<UInt8>,
                        _ lineEnd: UnsafePointer<UInt8>, _ column: Int) throws(FeedError) -> Double {
        if column > 0 { try expectComma(&cursor, lineEnd, column) }
        guard let (value, end) = DecimalParser.parse(cursor, lineEnd), end == lineEnd || end.pointee == UInt8(ascii: ",") else {
            throw badNumber(cursor, lineStart, lineEnd, column)
        }
        cursor = end
        return value
    }

    @inline(__always)
    private func store(_ value: Double, in bar: inout Bar, role: CSVLayout.Role) {
        switch role {
        case .open: bar.open = value
        case .high: bar.high = value
        case .low: bar.low = value
        case .close: bar.close = value
        default: bar.volume = value
        }
    }

    /// Parses the timestamp field at `cursor`, converts it to UTC and checks it follows the previous row.
    @inline(__always)
    private mutating func timestamp(_ cursor: inout UnsafePointer<UInt8>, _ lineStart: UnsafePointer<UInt8>,
                                    _ lineEnd: UnsafePointer<UInt8>, _ column: Int) throws(FeedError) -> Int64 {
        let fieldStart = cursor
        let utc: Int64
        switch TimestampParser.parse(fieldStart, lineEnd, cache: &dateCache) {
        case .parsed(let microseconds, let isLocal, let end):
            guard end == lineEnd || end.pointee == UInt8(ascii: ",") else {
                throw badTimestamp(fieldStart, lineStart, lineEnd, column, problem: .shape)
            }
            cursor = end
            utc = isLocal ? clock.utcMicroseconds(fromLocal: microseconds) : microseconds
        case .failed(let problem):
            throw badTimestamp(fieldStart, lineStart, lineEnd, column, problem: problem)
        }
        if utc <= previousTimestamp {
            let text = fieldText(fieldStart, lineEnd)
            let columnNumber = fieldStart - lineStart + 1
            if utc == previousTimestamp {
                throw FeedError.duplicateTimestamp(file: file, line: line, column: columnNumber, field: layout.names[column],
                                                   previousLine: previousLine, text: text)
            }
            throw FeedError.unsortedTimestamps(file: file, line: line, column: columnNumber, field: layout.names[column],
                                               previousLine: previousLine, text: text)
        }
        previousTimestamp = utc
        previousLine = line
        return utc
    }

    private func badNumber(_ fieldStart: UnsafePointer<UInt8>, _ lineStart: UnsafePointer<UInt8>,
                           _ lineEnd: UnsafePointer<UInt8>, _ column: Int) -> FeedError {
        FeedError.badNumber(file: file, line: line, column: fieldStart - lineStart + 1, field: layout.names[column],
                            text: fieldText(fieldStart, lineEnd))
    }

    private func badTimestamp(_ fieldStart: UnsafePointer<UInt8>, _ lineStart: UnsafePointer<UInt8>,
                              _ lineEnd: UnsafePointer<UInt8>, _ column: Int, problem: TimestampParser.Problem) -> FeedError {
        FeedError.badTimestamp(file: file, line: line, column: fieldStart - lineStart + 1, field: layout.names[column],
                               text: fieldText(fieldStart, lineEnd), problem: problem.explanation)
    }

    /// The field's bytes up to the next comma, as text for a message.
    private func fieldText(_ fieldStart: UnsafePointer<UInt8>, _ lineEnd: UnsafePointer<UInt8>) -> String {
        var end = fieldStart
        while end < lineEnd && end.pointee != UInt8(ascii: ",") { end += 1 }
        return String(decoding: UnsafeBufferPointer(start: fieldStart, count: end - fieldStart), as: UTF8.self)
    }

    private func fieldCount(_ lineStart: UnsafePointer<UInt8>, _ lineEnd: UnsafePointer<UInt8>) -> Int {
        UnsafeBufferPointer(start: lineStart, count: lineEnd - lineStart).reduce(1) { $0 + ($1 == UInt8(ascii: ",") ? 1 : 0) }
    }
}
