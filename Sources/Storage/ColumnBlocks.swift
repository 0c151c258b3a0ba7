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

/// One column of a block being filled, bound to SQLite as a BLOB without a copy.
struct BlockColumn<Value: FixedWidthInteger> {
    private(set) var values: [Value] = []

    init() {
        values.reserveCapacity(ColumnBlocks.capacity)
    }

    mutating func append(_ value: Value) {
        values.append(value.littleEndian)
    }

    mutating func removeAll() {
        values.removeAll(keepingCapacity: true)
    }
}

/// The bars of one instrument gathered into a block: times must rise strictly (the
/// (instrument, ts_us) key of the `bars` table, checked here because SQLite does not look
/// inside a BLOB) and every price and volume must be a number (the `NOT NULL` of a REAL).
struct BarBlockBuilder {
    let instrument: String
    private(set) var last: Int64?
    private(set) var first: Int64 = 0
    private var times = BlockColumn<UInt64>()
    private var open = BlockColumn<UInt64>()
    private var high = BlockColumn<UInt64>()
    private var low = BlockColumn<UInt64>()
    private var close = BlockColumn<UInt64>()
    private var volume = BlockColumn<UInt64>()

    /// - Parameter after: The instrument's last time already stored, if any.
    init(instrument: String, after: Int64?) {
        self.instrument = instrument
        last = after
    }

    var count: Int { times.values.count }
    var isFull: Bool { count >= ColumnBlocks.capacity }

    /// The reason `bar` cannot follow the bars before it, or nil.
    func refusal(_ bar: BarRecord) -> String? {
        if bar.instrument.isEmpty { return "bars: instrument must not be empty" }
        if let last, bar.timestampMicros <= last {
            return "bars: an instrument's bars must have rising timestamps (ts_us \(bar.timestampMicros) after \(last))"
        }
        if bar.open.isNaN || bar.high.isNaN || bar.low.isNaN || bar.close.isNaN || bar.volume.isNaN {
            return "bars: open, high, low, close and volume must be numbers"
        }
        return nil
    }

    mutating func append(_ bar: BarRecord) {
        if count == 0 { first = bar.timestampMicros }
        last = bar.timestampMicros
        times.append(UInt64(bitPattern: bar.timestampMicros))
        open.append(bar.open.bitPattern)
        high.append(bar.high.bitPattern)
        low.append(bar.low.bitPattern)
        close.append(bar.close.bitPattern)
        volume.append(bar.volume.bitPattern)
    }

    /// Inserts the block gathered so far (nothing when empty) and starts the next.
    mutating func flush(into inserter: inout RowInserter) throws {
        guard count > 0, let last else { return }
        inserter.bind(instrument)
        inserter.bind(first)
        inserter.bind(last)
        inserter.bind(Int64(count))
        for column in [times.values, open.values, high.values, low.values, close.values, volume.values] {
            inserter.bind(blob: column)
        }
        try inserter.insertRow()
        times.removeAll()
        open.removeAll()
        high.removeAll()
        low.removeAll()
        close.removeAll()
        volume.removeAll()
    }
}

/// Equity points gathered into a block: times rise strictly (the `ts_us` key of `equity`),
/// cash and equity are numbers and the drawdown a number `>= 0`.
struct EquityBlockBuilder {
    private(set) var last: Int64?
    private(set) var first: Int64 = 0
    private var times = BlockColumn<UInt64>()
    private var cash = BlockColumn<UInt64>()
    private var equity = BlockColumn<UInt64>()
    private var drawdown = BlockColumn<UInt64>()

    /// - Parameter after: The last time already stored, if any.
    init(after: Int64?) {
        last = after
    }

    var count: Int { times.values.count }
    var isFull: Bool { count >= ColumnBlocks.capacity }

    /// The reason `point` cannot follow the points before it, or nil.
    func refusal(_ point: EquityPoint) -> String? {
        if let last, point.timestampMicros <= last {
            return "equity: timestamps must rise (ts_us \(point.timestampMicros) after \(last))"
        }
        if point.cash.isNaN || point.equity.isNaN { return "equity: cash and equity must be numbers" }
        if !(point.drawdown >= 0) { return "equity: drawdown must be a number >= 0" }
        return nil
    }

    mutating func append(_ point: EquityPoint) {
        if count == 0 { first = point.timestampMicros }
        last = point.timestampMicros
        times.append(UInt64(bitPattern: point.timestampMicros))
        cash.append(point.cash.bitPattern)
        equity.append(point.equity.bitPattern)
        drawdown.append(point.drawdown.bitPattern)
    }

    /// Inserts the block gathered so far (nothing when empty) and starts the next.
    mutating func flush(into inserter: inout RowInserter) throws {
        guard count > 0, let last else { return }
        inserter.bind(first)
        inserter.bind(last)
        inserter.bind(Int64(count))
        inserter.bind(blob: times.values)
        inserter.bind(blob: cash.values)
        inserter.bind(blob: equity.values)
        inserter.bind(blob: drawdown.values)
        try inserter.insertRow()
        times.removeAll()
        cash.removeAll()
        equity.removeAll()
        drawdown.removeAll()
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
