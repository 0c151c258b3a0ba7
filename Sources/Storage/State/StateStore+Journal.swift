import Foundation
import GRDB

/// One input bar as the journal keeps it.
public struct JournalBar: Sendable, Equatable {
    /// The runner's bar sequence: the first bar of a state folder may have any sequence, each
    /// later one the next integer.
    public var sequence: UInt64
    public var instrument: String
    /// Microseconds since the Unix epoch, UTC.
    public var timestampMicros: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(sequence: UInt64, instrument: String, timestampMicros: Int64, open: Double, high: Double, low: Double,
                close: Double, volume: Double) {
        self.sequence = sequence
        self.instrument = instrument
        self.timestampMicros = timestampMicros
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

extension StateStore {
    /// Records a bar before the agents handle it.
    ///
    /// A bar already journaled with the same content (a feed re-delivering after reconnect,
    /// or a replay after restart) is accepted and reported as not new.
    ///
    /// - Returns: True when the bar was new.
    /// - Throws: ``StorageError`` of kind `rejected` when the sequence skips ahead, or a bar with
    ///   this sequence is already journaled with other values.
    @discardableResult
    public func recordBar(_ bar: JournalBar) throws -> Bool {
        try write("journaling bar \(bar.sequence)") { db in
            if let stored = try Self.storedBar(db, sequence: bar.sequence) {
                guard stored == bar else {
                    throw StorageError(
                        kind: .rejected, path: self.url.path,
                        problem: "journal already holds bar \(bar.sequence) with other values (\(stored.instrument) at \(stored.timestampMicros))",
                        remedy: "the feed delivered a different bar for the same sequence; check the feed, and do not reuse a state folder across data sources")
                }
                return false
            }
            try db.execute(sql: """
                INSERT INTO journal (seq, instrument, ts_us, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Int64(bitPattern: bar.sequence), bar.instrument, bar.timestampMicros, bar.open, bar.high, bar.low, bar.close, bar.volume])
            return true
        }
    }

    /// The journal from `sequence` on, in order, for replay after a restart.
    public func journal(from sequence: UInt64 = 0) throws -> [JournalBar] {
        try read("journal") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM journal WHERE seq >= ? ORDER BY seq", arguments: [Int64(bitPattern: sequence)])
                .map(Self.journalBar)
        }
    }

    /// The sequence of the last journaled bar; nil while the journal is empty.
    public func lastJournaledSequence() throws -> UInt64? {
        try read("journal") { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM journal").map { UInt64($0) } }
    }

    static func storedBar(_ db: Database, sequence: UInt64) throws -> JournalBar? {
        try Row.fetchOne(db, sql: "SELECT * FROM journal WHERE seq = ?", arguments: [Int64(bitPattern: sequence)]).map(journalBar)
    }

    static func journalBar(_ row: Row) -> JournalBar {
        JournalBar(
            sequence: UInt64(row["seq"] as Int64), instrument: row["instrument"], timestampMicros: row["ts_us"],
            open: row["open"], high: row["high"], low: row["low"], close: row["close"], volume: row["volume"])
    }
}
