import Foundation
import GRDB

/// Bars and equity points stored by column, up to ``capacity`` rows of a run to one row of
/// SQLite (tables `bar_blocks` and `equity_blocks`, docs/storage.md).
///
/// A backtest stores one bar and one equity point per bar of its data: as rows, that is two
/// INSERTs and two B-tree entries per bar, most of the time and space of a run database. As
/// blocks, each column of 4,096 rows is one BLOB of little-endian 8-byte values (IEEE-754
/// binary64 for prices, signed integers for times), so a block is a handful of `memcpy`s to
/// write and to read, and the file is about the size of the numbers themselves.
public enum ColumnBlocks {
    /// Rows per block; the last block of a series holds the rest.
    public static let capacity = 4_096

    /// Decodes a column of `count` little-endian binary64 values.
    ///
    /// - Throws: ``ColumnBlockError`` when the BLOB does not hold exactly `count` values.
    public static func doubles(_ blob: Data, count: Int, column: String) throws -> [Double] {
        try decode(blob, count: count, column: column) { Double(bitPattern: UInt64(littleEndian: $0)) }
    }

    /// Decodes a column of `count` little-endian signed 64-bit integers.
    ///
    /// - Throws: ``ColumnBlockError`` when the BLOB does not hold exactly `count` values.
    public static func integers(_ blob: Data, count: Int, column: String) throws -> [Int64] {
        try decode(blob, count: count, column: column) { Int64(bitPattern: UInt64(littleEndian: $0)) }
    }

    private static func decode<Value>(_ blob: Data, count: Int, column: String, _ value: (UInt64) -> Value) throws -> [Value] {
        guard count >= 0, blob.count == 8 * count else {
            throw ColumnBlockError(column: column, detail: "\(blob.count) bytes for \(count) values of 8 bytes")
        }
        return blob.withUnsafeBytes { bytes in
            (0..<count).map { value(bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
        }
    }
}

/// A block column whose length does not match its row count.
public struct ColumnBlockError: Error, CustomStringConvertible {
    public let column: String
    public let detail: String
    public var description: String { "column \(column): \(detail)" }
}

/// A row that ``ColumnBlockBuilder`` gathers into a block: its time, then its values, each
/// stored as an 8-byte bit pattern in a BLOB column of its own.
protocol ColumnBlockRow {
    /// How many value columns follow `ts_us` in the block's table.
    static var valueColumnCount: Int { get }
    /// The time the rows of a series rise strictly by (`ts_us`).
    var timestampMicros: Int64 { get }
    /// Why this row cannot follow a row at `last` (nil: the series is empty), or nil: what the
    /// table's key and NOT NULL / CHECK constraints would say if the row were a row of its own.
    func refusal(after last: Int64?) -> String?
    /// Writes the row's ``valueColumnCount`` values, in the table's column order.
    func write(into values: inout BlockRowWriter)
}

/// Where one row's values go in a block being filled: the same row of each value column.
struct BlockRowWriter {
    /// The row's cell in the first column (`ts_us`); column `c` is `c × columnStride` further.
    private let cell: UnsafeMutablePointer<UInt64>
    private let columnStride: Int
    private let columns: Int
    /// The column the last value went to.
    private var column = 0

    fileprivate init(cell: UnsafeMutablePointer<UInt64>, columnStride: Int, columns: Int) {
        self.cell = cell
        self.columnStride = columnStride
        self.columns = columns
    }

    mutating func append(_ value: Double) {
        column &+= 1
        // The writes below go through a raw pointer: a row type that writes too many values
        // must stop here, not past its block.
        precondition(column <= columns, "more values than the row type's valueColumnCount")
        cell[column &* columnStride] = value.bitPattern.littleEndian
    }
}

/// The rows of one series gathered into a block, column by column: `ts_us` and every value
/// column of up to ``ColumnBlocks/capacity`` rows, each bound to SQLite as one BLOB.
///
/// Times must rise strictly (the key of the row table, checked here because SQLite does not
/// look inside a BLOB), and the row type checks the rest (``ColumnBlockRow/refusal(after:)``).
struct ColumnBlockBuilder<Row: ColumnBlockRow> {
    /// The series' name, bound before the block's columns: the instrument of `bar_blocks`;
    /// nil for `equity_blocks`, which holds one series.
    let series: String?
    private(set) var last: Int64?
    private(set) var first: Int64 = 0
    private(set) var count = 0
    /// Column after column, ``ColumnBlocks/capacity`` cells each: `ts_us` first, then the
    /// row's values, every cell little-endian.
    private var cells: [UInt64]

    /// - Parameters:
    ///   - series: The series' name, bound first in each block's row; nil for none.
    ///   - after: The series' last time already stored, if any.
    init(series: String?, after: Int64?) {
        self.series = series
        last = after
        cells = Array(repeating: 0, count: (1 + Row.valueColumnCount) * ColumnBlocks.capacity)
    }

    var isFull: Bool { count >= ColumnBlocks.capacity }

    /// The reason `row` cannot follow the rows before it, or nil.
    func refusal(_ row: Row) -> String? {
        row.refusal(after: last)
    }

    /// Adds `row`, which ``refusal(_:)`` has admitted, to a block that is not full.
    mutating func append(_ row: Row) {
        precondition(!isFull, "a full block is flushed before the next row")
        if count == 0 { first = row.timestampMicros }
        last = row.timestampMicros
        let count = self.count
        cells.withUnsafeMutableBufferPointer { cells in
            let cell = cells.baseAddress! + count
            cell.pointee = UInt64(bitPattern: row.timestampMicros).littleEndian
            var values = BlockRowWriter(cell: cell, columnStride: ColumnBlocks.capacity, columns: Row.valueColumnCount)
            row.write(into: &values)
        }
        self.count = count + 1
    }

    /// Inserts the block gathered so far (nothing when empty) and starts the next.
    mutating func flush(into inserter: inout RowInserter) throws {
        guard count > 0, let last else { return }
        if let series { inserter.bind(series) }
        inserter.bind(first)
        inserter.bind(last)
        inserter.bind(Int64(count))
        let count = self.count
        cells.withUnsafeBytes { cells in
            for column in 0...Row.valueColumnCount {
                let start = 8 * column * ColumnBlocks.capacity
                inserter.bind(blob: UnsafeRawBufferPointer(rebasing: cells[start..<(start + 8 * count)]))
            }
        }
        try inserter.insertRow()
        self.count = 0
    }
}

/// A bar stores open, high, low, close and volume (`bar_blocks`); its series is its instrument.
extension BarRecord: ColumnBlockRow {
    static var valueColumnCount: Int { 5 }

    /// The `bars` table's rules: a named instrument, rising times per instrument, every price
    /// and the volume a number (the `NOT NULL` of a REAL).
    func refusal(after last: Int64?) -> String? {
        if instrument.isEmpty { return "bars: instrument must not be empty" }
        if let last, timestampMicros <= last {
            return "bars: an instrument's bars must have rising timestamps (ts_us \(timestampMicros) after \(last))"
        }
        if open.isNaN || high.isNaN || low.isNaN || close.isNaN || volume.isNaN {
            return "bars: open, high, low, close and volume must be numbers"
        }
        return nil
    }

    func write(into values: inout BlockRowWriter) {
        values.append(open)
        values.append(high)
        values.append(low)
        values.append(close)
        values.append(volume)
    }
}

/// An equity point stores cash, equity and drawdown (`equity_blocks`).
extension EquityPoint: ColumnBlockRow {
    static var valueColumnCount: Int { 3 }

    /// The `equity` table's rules: rising times, cash and equity numbers, a drawdown `>= 0`.
    func refusal(after last: Int64?) -> String? {
        if let last, timestampMicros <= last {
            return "equity: timestamps must rise (ts_us \(timestampMicros) after \(last))"
        }
        if cash.isNaN || equity.isNaN { return "equity: cash and equity must be numbers" }
        if !(drawdown >= 0) { return "equity: drawdown must be a number >= 0" }
        return nil
    }

    func write(into values: inout BlockRowWriter) {
        values.append(cash)
        values.append(equity)
        values.append(drawdown)
    }
}

extension RunStore {
    /// The bars stored in `bar_blocks`, decoded.
    func blockBars(_ db: Database) throws -> [BarRecord] {
        var bars = [BarRecord]()
        let rows = try Row.fetchCursor(db, sql: """
            SELECT instrument, count, ts_us, open, high, low, close, volume FROM bar_blocks ORDER BY instrument, first_ts_us
            """)
        while let row = try rows.next() {
            let instrument: String = try row.decode(atIndex: 0)
            let count: Int = try row.decode(atIndex: 1)
            do {
                let times = try ColumnBlocks.integers(try row.decode(atIndex: 2), count: count, column: "ts_us")
                let columns = try ["open", "high", "low", "close", "volume"].enumerated().map { index, name in
                    try ColumnBlocks.doubles(try row.decode(atIndex: 3 + index), count: count, column: name)
                }
                for index in 0..<count {
                    bars.append(BarRecord(instrument: instrument, timestampMicros: times[index], open: columns[0][index],
                                          high: columns[1][index], low: columns[2][index], close: columns[3][index],
                                          volume: columns[4][index]))
                }
            } catch let error as ColumnBlockError {
                throw StorageError.corruptRow(url, table: "bar_blocks", detail: "\(instrument): \(error)")
            }
        }
        return bars
    }

    /// The equity points stored in `equity_blocks`, decoded.
    func blockEquity(_ db: Database) throws -> [EquityPoint] {
        var points = [EquityPoint]()
        let rows = try Row.fetchCursor(db, sql: "SELECT count, ts_us, cash, equity, drawdown FROM equity_blocks ORDER BY first_ts_us")
        while let row = try rows.next() {
            let count: Int = try row.decode(atIndex: 0)
            do {
                let times = try ColumnBlocks.integers(try row.decode(atIndex: 1), count: count, column: "ts_us")
                let cash = try ColumnBlocks.doubles(try row.decode(atIndex: 2), count: count, column: "cash")
                let equity = try ColumnBlocks.doubles(try row.decode(atIndex: 3), count: count, column: "equity")
                let drawdown = try ColumnBlocks.doubles(try row.decode(atIndex: 4), count: count, column: "drawdown")
                for index in 0..<count {
                    points.append(EquityPoint(timestampMicros: times[index], cash: cash[index], equity: equity[index],
                                              drawdown: drawdown[index]))
                }
            } catch let error as ColumnBlockError {
                throw StorageError.corruptRow(url, table: "equity_blocks", detail: "\(error)")
            }
        }
        return points
    }
}
