import Agents
import Foundation
import Reports
import Testing

/// One backtesting.py run read back from Tests/ReportsTests/References/<case>/.
///
/// The files are written by scripts/reference/backtesting_py_reference.py (backtesting.py
/// 0.6.6 on data/GOOG.csv, and for sma_cross_ties on 1,500 synthetic minute bars); nothing
/// here comes from Stratum's own output.
struct ReferenceRun {
    static let cases = [
        "sma_cross", "sma_cross_close", "sma_cross_fees", "long_only_rsi",
        "long_only_rsi_winners", "sma_cross_hourly", "buy_and_hold", "sma_cross_ties",
    ]

    let name: String
    let trades: [TradeRecord]
    /// Entry and exit times exactly as pandas wrote them.
    let tradeTimeTexts: [(entry: String, exit: String)]
    let equity: [EquityPoint]
    /// Drawdown per bar as backtesting.py computed it (a fraction).
    let drawdownFractions: [Double]
    let closes: [Double]
    let firstTradingBar: Int
    /// backtesting.py's statistics keyed by its labels: numbers, ISO strings, or
    /// "NaN" / "Infinity" / "-Infinity".
    let statistics: [String: Any]

    init(_ name: String) throws {
        self.name = name
        let folder = try #require(Bundle.module.url(forResource: "References", withExtension: nil))
            .appendingPathComponent(name)

        let tradeRows = try Self.rows(folder.appendingPathComponent("trades.csv"))
        trades = try tradeRows.map(Self.trade)
        tradeTimeTexts = tradeRows.map { ($0["entry_time"]!, $0["exit_time"]!) }

        let equityRows = try Self.rows(folder.appendingPathComponent("equity.csv"))
        equity = try equityRows.map {
            EquityPoint(timestamp: try Self.micros($0["timestamp"]!), equity: Double($0["equity"]!)!)
        }
        drawdownFractions = equityRows.map { Double($0["drawdown_pct"]!)! }
        closes = equityRows.map { Double($0["close"]!)! }

        let data = try Data(contentsOf: folder.appendingPathComponent("stats.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        firstTradingBar = try #require(document["first_trading_bar"] as? Int)
        statistics = try #require(document["statistics"] as? [String: Any])
    }

    /// A reference statistic as a Double; the JSON strings stand for non-finite values.
    func number(_ label: String) -> Double? {
        switch statistics[label] {
        case let value as NSNumber: value.doubleValue
        case "NaN" as String: .nan
        case "Infinity" as String: .infinity
        case "-Infinity" as String: -.infinity
        default: nil
        }
    }

    static func trade(_ row: [String: String]) throws -> TradeRecord {
        func number(_ column: String) -> Double { Double(row[column]!)! }
        return TradeRecord(
            entryTime: try micros(row["entry_time"]!), exitTime: try micros(row["exit_time"]!),
            entryBar: Int(row["entry_bar"]!)!, exitBar: Int(row["exit_bar"]!)!,
            size: number("size"), entryPrice: number("entry_price"), exitPrice: number("exit_price"),
            fees: number("commission"), pnl: number("pnl"), returnFraction: number("return_pct"))
    }

    /// Reads a CSV file without quoted fields into rows keyed by the header.
    static func rows(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
    }

    /// One parser for all rows: creating a formatter per timestamp dominates the test's time.
    nonisolated(unsafe) private static let isoParser: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()

    /// Microseconds since the epoch of a pandas ISO timestamp (naive, meaning UTC),
    /// parsed with Foundation's ISO-8601 parser rather than Reports' own calendar code.
    static func micros(_ text: String) throws -> Int64 {
        let formatter = isoParser
        let date = try #require(formatter.date(from: text + "Z"), "unparsable time \(text)")
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
