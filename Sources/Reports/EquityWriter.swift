import Foundation

/// Writes the equity curve as equity.csv, one row per bar.
///
/// Columns: `timestamp` (ISO-8601 UTC), `equity` (account currency, shortest round-trip)
/// and `drawdown_pct`, the distance below the running peak in percent, zero or negative,
/// so that its minimum is the statistics' Max. Drawdown [%].
public enum EquityWriter {
    public static let header = "timestamp,equity,drawdown_pct"

    /// The CSV text, header included, each line ending in a newline.
    public static func csv(_ equity: [EquityPoint]) -> String {
        let drawdown = Drawdown(equity: equity)
        var text = header + "\n"
        for (point, fraction) in zip(equity, drawdown.fractions) {
            text += "\(UTCTime.iso8601(point.timestamp)),\(ValueText.exact(point.equity)),"
                + "\(ValueText.exact(fraction == 0 ? 0 : -fraction * 100))\n"
        }
        return text
    }

    /// Writes `csv(equity)` to `url`, replacing any file there.
    public static func write(_ equity: [EquityPoint], to url: URL) throws {
        try Data(csv(equity).utf8).write(to: url, options: .atomic)
    }
}

extension EquityWriter {
    /// equity.csv written a line at a time as a run marks its equity: the same bytes as
    /// ``EquityWriter/csv(_:)``, with no copy of the curve.
    public final class Stream {
        private let file: TextFileWriter

        /// Creates the file and writes the header.
        public init(url: URL) throws {
            file = try TextFileWriter(url: url)
            file.append(EquityWriter.header + "\n")
        }

        /// Adds one point and its drawdown fraction (``StatisticsAccumulator/add(timestamp:equity:close:)`` returns it).
        public func add(timestamp: Int64, equity: Double, drawdownFraction fraction: Double) throws {
            file.append(iso8601: timestamp)
            file.append(byte: UInt8(ascii: ","))
            file.append(exact: equity)
            file.append(byte: UInt8(ascii: ","))
            file.append(exact: fraction == 0 ? 0 : -fraction * 100)
            file.append(byte: UInt8(ascii: "\n"))
            try file.flushIfFull()
        }

        /// Writes out the rest and syncs the file to disk.
        public func finish() throws {
            try file.finish(sync: true)
        }
    }
}
