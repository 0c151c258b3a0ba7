public import Foundation
public import Indicators
import Agents
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads OHLCV bars from a CSV file, streaming it in fixed-size chunks.
///
/// Memory stays constant whatever the file's length: `forEachBar` reuses one buffer and hands
/// each bar to its closure as soon as it is read. Numbers and timestamps are parsed from the
/// bytes in place (no String per row). Rows must be in strictly increasing time; the first row
/// that is not stops the read with an error naming both lines. No row is ever skipped:
/// every bad row is an error with its file, line, column and a fix.
///
/// Accepted shapes, timestamp formats and time zones are in docs/data.md.
public struct CSVBarReader: Sendable {
    public let path: String
    /// The zone of timestamps written without `Z` or an offset.
    public let timeZone: TimeZone
    /// The header's column names, as written.
    public var columns: [String] { layout.names }

    let layout: CSVLayout
    /// Bytes read per `read(2)`; a line longer than this grows the buffer.
    let chunkSize: Int

    /// Opens the file and reads its header.
    ///
    /// - Throws: `FeedError` when the file is missing or unreadable or its header is not a bar header.
    public init(path: String, timeZone: TimeZone = .gmt) throws(FeedError) {
        try self.init(path: path, timeZone: timeZone, chunkSize: 1 << 20)
    }

    init(path: String, timeZone: TimeZone, chunkSize: Int) throws(FeedError) {
        self.path = path
        self.timeZone = timeZone
        self.chunkSize = max(64, chunkSize)
        let file = try CSVFile(path: path)
        defer { file.closeFile() }
        guard let header = try file.firstLine() else { throw FeedError.missingHeader(file: path, firstLine: nil) }
        layout = try CSVLayout.parse(headerLine: header, file: path)
    }

    /// Calls `body` with every bar in file order.
    ///
    /// - Throws: `FeedError` for the first bad row (nothing after it is read), or what `body` throws.
    public func forEachBar(_ body: (Bar) throws -> Void) throws {
        let file = try CSVFile(path: path)
        defer { file.closeFile() }
        var parser = CSVRowParser(layout: layout, file: path, clock: ZonedClock(timeZone: timeZone))
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var atStart = true
        while true {
            if filled == buffer.count { buffer = grow(buffer) }
            let count = try file.readChunk(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), line: parser.line + 1)
            let endOfFile = count == 0
            filled += count
            let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            var start = base
            if atStart {
                guard let headerEnd = Self.endOfFirstLine(base, filled, endOfFile: endOfFile) else { continue }
                start = headerEnd
                atStart = false
            }
            let complete = endOfFile ? base + filled : Self.afterLastNewline(start, base + filled)
            if complete > start { try parser.parse(start, complete, body) }
            let rest = base + filled - complete
            if endOfFile { break }
            if rest > 0 { memmove(buffer.baseAddress!, complete, rest) }
            filled = rest
        }
        try parser.finish()
    }

    /// Every bar of the file as columns.
    public func readAll() throws -> BarSeries {
        var timestamps: [Int64] = [], open: [Double] = [], high: [Double] = []
        var low: [Double] = [], close: [Double] = [], volume: [Double] = []
        let estimate = Self.estimatedRowCount(path)
        timestamps.reserveCapacity(estimate)
        open.reserveCapacity(estimate)
        high.reserveCapacity(estimate)
        low.reserveCapacity(estimate)
        close.reserveCapacity(estimate)
        volume.reserveCapacity(estimate)
        try forEachBar { bar in
            timestamps.append(bar.timestamp)
            open.append(bar.open)
            high.append(bar.high)
            low.append(bar.low)
            close.append(bar.close)
            volume.append(bar.volume)
        }
        return BarSeries(timestamps: timestamps, open: open, high: high, low: low, close: close, volume: volume)
    }

    /// A row count to reserve for: the file size over a typical row length of 40 bytes.
    private static func estimatedRowCount(_ path: String) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return Int(info.st_size) / 40
    }

    private func grow(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutableRawBufferPointer {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        return larger
    }

    /// The position after the header line, or nil when the buffer does not hold all of it yet.
    private static func endOfFirstLine(_ base: UnsafePointer<UInt8>, _ count: Int, endOfFile: Bool) -> UnsafePointer<UInt8>? {
        guard let newline = memchr(base, Int32(UInt8(ascii: "\n")), count) else { return endOfFile ? base + count : nil }
        return UnsafePointer(newline.assumingMemoryBound(to: UInt8.self)) + 1
    }

    /// The position after the last line break in [start, end), or `start` when there is none.
    private static func afterLastNewline(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var p = end
        while p > start {
            if (p - 1).pointee == UInt8(ascii: "\n") { return p }
            p -= 1
        }
        return start
    }
}
