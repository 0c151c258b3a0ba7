import Foundation
import GRDB
import Indicators
import Runtime

/// Bars from a table in a SQLite file, for strategies whose data lives in a database.
///
/// The table has columns `timestamp, open, high, low, close, volume`. Timestamps are integers
/// (epoch seconds, milliseconds or microseconds, told apart by size) or ISO 8601 text; text
/// without an offset is in the source's time zone. Rows are read in timestamp order; a repeated
/// timestamp is an error, as in CSV files.
public struct SQLiteBarFeed: BarFeed, Sendable {
    public let url: URL
    public let table: String
    public let whereClause: String?
    public let timeZone: TimeZone

    public init(url: URL, table: String, whereClause: String?, timeZone: TimeZone) {
        self.url = url
        self.table = table
        self.whereClause = whereClause
        self.timeZone = timeZone
    }

    public struct FeedFailure: Error, CustomStringConvertible {
        public var description: String
    }

    public func forEachBar(_ body: (Bar) throws -> Void) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            throw FeedFailure(description: "\(url.path): cannot open the database: \(error)")
        }
        let filter = whereClause.map { " WHERE \($0)" } ?? ""
        let sql = "SELECT timestamp, open, high, low, close, volume FROM \"\(table)\"\(filter) ORDER BY timestamp"
        let parser = TextTimestamps(timeZone: timeZone)
        try queue.read { db in
            let rows: RowCursor
            do {
                rows = try Row.fetchCursor(db, sql: sql)
            } catch {
                throw FeedFailure(description: "\(url.path): cannot read table '\(table)': \(error)")
            }
            var previous: Int64?
            var number = 0
            while let row = try rows.next() {
                number += 1
                guard let timestamp = parser.microseconds(row["timestamp"] as DatabaseValue) else {
                    throw FeedFailure(description: "\(url.path): table '\(table)', row \(number) (in timestamp order): the timestamp is neither an epoch number nor ISO 8601 text")
                }
                if let previous, timestamp == previous {
                    throw FeedFailure(description: "\(url.path): table '\(table)' has two rows at the same timestamp (row \(number) in timestamp order); remove the duplicate")
                }
                previous = timestamp
                let values: [Double?] = [row["open"], row["high"], row["low"], row["close"], row["volume"]]
                guard let open = values[0], let high = values[1], let low = values[2], let close = values[3], let volume = values[4] else {
                    throw FeedFailure(description: "\(url.path): table '\(table)', row \(number) (in timestamp order) has an empty price or volume")
                }
                try body(Bar(timestamp: timestamp, open: open, high: high, low: low, close: close, volume: volume))
            }
        }
    }
}

/// Timestamps as SQLite stores them: epoch numbers, or text dates and date-times.
struct TextTimestamps {
    let timeZone: TimeZone
    private let iso = ISO8601DateFormatter()
    private let formatter: DateFormatter

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
    }

    func microseconds(_ value: DatabaseValue) -> Int64? {
        switch value.storage {
        case .int64(let number): return Self.scaled(Double(number))
        case .double(let number): return Self.scaled(number)
        case .string(let text): return parse(text)
        default: return nil
        }
    }

    /// Seconds below 1e11, milliseconds below 1e14, microseconds above.
    static func scaled(_ number: Double) -> Int64 {
        let magnitude = abs(number)
        if magnitude < 1e11 { return Int64((number * 1_000_000).rounded()) }
        if magnitude < 1e14 { return Int64((number * 1_000).rounded()) }
        return Int64(number.rounded())
    }

    func parse(_ text: String) -> Int64? {
        if let date = iso.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        }
        return nil
    }
}
