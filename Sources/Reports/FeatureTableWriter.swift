import Foundation

/// Streams feature values as CSV or as a JSON array, one row per bar, without holding the table.
///
/// CSV: `timestamp` (ISO 8601 UTC), an `instrument` column when the strategy has several,
/// then one column per feature in declaration order (`macd.signal` for one output of `macd`).
/// Cells are empty while a feature warms up; numbers are the shortest text that reads back as
/// the same Double, so a file round-trips exactly.
public struct FeatureTableWriter {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    private let handle: FileHandle
    private let format: Format
    private let columns: [String]
    private let registers: [Int]
    private let instruments: [String]?
    private var buffer: [UInt8] = []
    private var rows = 0

    /// - Parameters:
    ///   - columns: header names with the register each reads.
    ///   - instruments: instrument names, when there is more than one.
    public init(handle: FileHandle, format: Format, columns: [(name: String, register: Int)], instruments: [String]?) {
        self.handle = handle
        self.format = format
        self.columns = columns.map(\.name)
        self.registers = columns.map(\.register)
        self.instruments = instruments
        buffer.reserveCapacity(1 << 20)
        switch format {
        case .csv:
            append(("timestamp" + (instruments == nil ? "" : ",instrument") + columns.map { "," + Self.csvField($0.name) }.joined() + "\n"))
        case .json:
            append("[")
        }
    }

    public mutating func row(instrument: Int, timestamp: Int64, values: [Double]) throws {
        switch format {
        case .csv:
            append(UTCTime.iso8601(timestamp))
            if let instruments { append(","); append(Self.csvField(instruments[instrument])) }
            for register in registers {
                append(",")
                let value = values[register]
                if !value.isNaN { append(ValueText.exact(value)) }
            }
            append("\n")
        case .json:
            append(rows == 0 ? "\n{" : ",\n{")
            append("\"timestamp\":\"\(UTCTime.iso8601(timestamp))\"")
            if let instruments { append(",\"instrument\":"); append(Self.jsonString(instruments[instrument])) }
            for (name, register) in zip(columns, registers) {
                append(",")
                append(Self.jsonString(name))
                append(":")
                let value = values[register]
                append(value.isFinite ? value.description : "null")
            }
            append("}")
        }
        rows += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func finish() throws {
        if format == .json { append(rows == 0 ? "]\n" : "\n]\n") }
        try flush()
    }

    private mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
