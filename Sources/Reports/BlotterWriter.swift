import Agents
import Foundation

/// Writes the closed trades as trades.csv, the run's blotter.
///
/// One row per trade in the order given, times in ISO-8601 UTC, prices and money in
/// shortest round-trip form, so the file is exact, diffable and byte-identical between
/// identical runs. Columns:
/// `entry_time,exit_time,side,size,entry_price,exit_price,pnl,return,fees,entry_bar,exit_bar,closed_at_end`
/// where `side` is `long` or `short`, `size` is the unsigned quantity, `return` is a
/// fraction of the entry value after fees (0.05 = 5 %), and `closed_at_end` is `true` for a
/// position the run closed at the last bar's close because it was still open.
public enum BlotterWriter {
    public static let header =
        "entry_time,exit_time,side,size,entry_price,exit_price,pnl,return,fees,entry_bar,exit_bar,closed_at_end"

    /// The CSV text, header included, each line ending in a newline.
    public static func csv(_ trades: [TradeRecord]) -> String {
        var text = header + "\n"
        for trade in trades { text += line(trade) }
        return text
    }

    /// One trade's row, newline included.
    static func line(_ trade: TradeRecord) -> String {
        let fields = [
            UTCTime.iso8601(trade.entryTime), UTCTime.iso8601(trade.exitTime),
            trade.isLong ? "long" : "short", ValueText.exact(abs(trade.size)),
            ValueText.exact(trade.entryPrice), ValueText.exact(trade.exitPrice),
            ValueText.exact(trade.pnl), ValueText.exact(trade.returnFraction), ValueText.exact(trade.fees),
            String(trade.entryBar), String(trade.exitBar), trade.closedAtEnd ? "true" : "false",
        ]
        return fields.joined(separator: ",") + "\n"
    }

    /// Writes `csv(trades)` to `url`, replacing any file there.
    public static func write(_ trades: [TradeRecord], to url: URL) throws {
        try Data(csv(trades).utf8).write(to: url, options: .atomic)
    }
}

extension BlotterWriter {
    /// trades.csv written a trade at a time as a run closes them: the same bytes as
    /// ``BlotterWriter/csv(_:)``.
    public final class Stream {
        private let file: TextFileWriter

        /// Creates the file and writes the header.
        public init(url: URL) throws {
            file = try TextFileWriter(url: url)
            file.append(BlotterWriter.header + "\n")
        }

        public func add(_ trade: TradeRecord) throws {
            file.append(BlotterWriter.line(trade))
            try file.flushIfFull()
        }

        /// Writes out the rest and syncs the file to disk.
        public func finish() throws {
            try file.finish(sync: true)
        }
    }
}
