import Agents
import Foundation

/// A text file written front to back through one buffer, for CSV files of millions of lines
/// written as a run produces them.
///
/// Times and numbers are spelled exactly as ``UTCTime/iso8601(_:)`` and ``ValueText/exact(_:)``
/// spell them; the date part of a time is formatted once per day.
final class TextFileWriter {
    let url: URL
    private let descriptor: Int32
    fileprivate var buffer: [UInt8] = []
    private static let flushSize = 1 << 18
    private var day = Int64.min
    private var datePrefix: [UInt8] = []

    /// Creates (or truncates) the file.
    init(url: URL) throws {
        self.url = url
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(url, "create") }
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    func append(byte: UInt8) {
        buffer.append(byte)
    }

    /// ``ValueText/exact(_:)``'s text, without making a String: a finite Double writes its
    /// shortest round-trip digits (the same as its `description`) straight into the buffer.
    func append(exact value: Double) {
        guard value.isFinite else { return append(ValueText.exact(value)) }
        var sink = ByteSink(writer: self)
        value.write(to: &sink)
    }

    /// Receives a number's ASCII digits from the standard library's formatter.
    private struct ByteSink: TextOutputStream {
        let writer: TextFileWriter

        mutating func write(_ string: String) {
            writer.buffer.append(contentsOf: string.utf8)
        }

        mutating func _writeASCII(_ bytes: UnsafeBufferPointer<UInt8>) {
            writer.buffer.append(contentsOf: bytes)
        }
    }

    /// `2024-01-02T09:30:00Z`, with `.ffffff` only when the time has microseconds.
    func append(iso8601 micros: Int64) {
        let day = UTCTime.floorDivide(micros, UTCTime.microsPerDay)
        if day != self.day {
            self.day = day
            // "…T00:00:00Z" less its time of day: the date part, however the year is spelled.
            datePrefix = Array(UTCTime.iso8601(day * UTCTime.microsPerDay).utf8.dropLast(9))
        }
        buffer.append(contentsOf: datePrefix)
        let inDay = micros - day * UTCTime.microsPerDay
        let seconds = inDay / 1_000_000
        let fraction = inDay % 1_000_000
        appendDigits(seconds / 3600, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2)
        if fraction != 0 {
            buffer.append(UInt8(ascii: "."))
            appendDigits(fraction, width: 6)
        }
        buffer.append(UInt8(ascii: "Z"))
    }

    private func appendDigits(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Writes the buffer out once it has grown past its flush size.
    func flushIfFull() throws {
        if buffer.count >= Self.flushSize { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes in
                write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure(url, "write")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and, when `sync`, waits until the file is on disk.
    func finish(sync: Bool) throws {
        try flush()
        if sync, fsync(descriptor) != 0 { throw Self.failure(url, "sync") }
    }

    private static func failure(_ url: URL, _ action: String) -> any Error {
        FileWriteError(description: "cannot \(action) \(url.path): \(String(cString: strerror(errno)))")
    }
}

/// A file that could not be written, with the system's reason.
struct FileWriteError: Error, CustomStringConvertible {
    var description: String
}
