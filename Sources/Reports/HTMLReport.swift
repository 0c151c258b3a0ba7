import Agents
import Foundation

/// report.html: the statistics and three charts of one run in a single self-contained file.
///
/// The page carries its own styles and inline SVG: no scripts, fonts, images or links
/// outside the file, so it opens offline and can be archived with the run. Charts are
/// drawn for a 1280-pixel-wide window and downsampled to the pixel, so the file stays
/// small however many bars the run had. The price chart marks every entry (▲ long, ▼
/// short) and exit (○) of the closed trades.
public enum HTMLReport {
    static let chartWidth = 1200.0

    /// The HTML document.
    ///
    /// - Parameters:
    ///   - title: Shown as the page heading, e.g. the strategy name.
    ///   - statistics: The run's statistics.
    ///   - equity: The equity curve, one point per bar.
    ///   - closes: The close price of every bar of `equity`.
    ///   - trades: The closed trades to mark on the price chart.
    public static func render(
        title: String, statistics: BacktestStatistics, equity: [EquityPoint], closes: [Double],
        trades: [TradeRecord]
    ) -> String {
        let times = equity.map(\.timestamp)
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>\(escape(title))</h1>
            <p class="span">\(UTCTime.readable(statistics.start)) → \(UTCTime.readable(statistics.end)), \(equity.count) bars, \(Self.tradeSummary(trades))</p>

            """
        html += "<h2>Statistics</h2>\n" + statisticsTable(statistics) + "\n"
        html += "<h2>Equity</h2>\n" + equityChart(times: times, equity: equity.map(\.equity)) + "\n"
        html += "<h2>Drawdown [%]</h2>\n" + drawdownChart(times: times, equity: equity) + "\n"
        html += "<h2>Price and trades</h2>\n" + legend(for: trades) + "\n"
        html += priceChart(times: times, closes: closes, trades: trades) + "\n"
        html += "</body>\n</html>\n"
        return html
    }

    /// Writes `render(...)` to `url`, replacing any file there.
    /// "65 trades", or "65 trades, 1 closed at the end" when positions were still open.
    static func tradeSummary(_ trades: [TradeRecord]) -> String {
        let atEnd = trades.filter(\.closedAtEnd).count
        let closed = trades.count - atEnd
        return "\(closed) trade\(closed == 1 ? "" : "s")" + (atEnd > 0 ? ", \(atEnd) closed at the end" : "")
    }

    public static func write(
        title: String, statistics: BacktestStatistics, equity: [EquityPoint], closes: [Double],
        trades: [TradeRecord], to url: URL
    ) throws {
        let html = render(title: title, statistics: statistics, equity: equity, closes: closes, trades: trades)
        try Data(html.utf8).write(to: url, options: .atomic)
    }

    static func statisticsTable(_ statistics: BacktestStatistics) -> String {
        let rows = Statistic.allCases.map { statistic in
            "<tr><th>\(escape(statistic.label))</th><td>\(escape(StatisticsTable.text(statistics[statistic])))</td></tr>"
        }
        return "<table class=\"stats\"><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>"
    }

    static func equityChart(times: [Int64], equity: [Double]) -> String {
        let finite = equity.filter(\.isFinite)
        let frame = frame(times: times, height: 300, low: finite.min() ?? 0, high: finite.max() ?? 1)
        return svg(frame, label: "Equity curve")
            + "<path class=\"equity\" d=\"\(frame.linePath(times: times, values: equity))\"/></svg>"
    }

    static func drawdownChart(times: [Int64], equity: [EquityPoint]) -> String {
        let percent = Drawdown(equity: equity).fractions.map { $0 == 0 ? 0 : -$0 * 100 }
        let frame = frame(times: times, height: 200, low: percent.filter(\.isFinite).min() ?? -1, high: 0)
        return svg(frame, label: "Drawdown")
            + "<path class=\"drawdown\" d=\"\(frame.areaPath(times: times, values: percent, baseline: 0))\"/></svg>"
    }

    static func priceChart(times: [Int64], closes: [Double], trades: [TradeRecord]) -> String {
        let prices = closes.filter(\.isFinite) + trades.flatMap { [$0.entryPrice, $0.exitPrice] }
        let frame = frame(times: times, height: 360, low: prices.min() ?? 0, high: prices.max() ?? 1)
        var svg = svg(frame, label: "Close price with trade entries and exits")
            + "<path class=\"price\" d=\"\(frame.linePath(times: times, values: closes))\"/>"
        for trade in markedTrades(trades) {
            svg += marker(frame, trade: trade, entry: true) + marker(frame, trade: trade, entry: false)
        }
        return svg + "</svg>"
    }

    /// At most this many trades get markers: beyond it they overlap on a 1280-pixel chart anyway,
    /// and a long intraday run would otherwise make a report of tens of megabytes.
    static let markerLimit = 1_000

    /// Every trade, or an evenly spaced `markerLimit` of them (the first and the last included).
    static func markedTrades(_ trades: [TradeRecord]) -> [TradeRecord] {
        guard trades.count > markerLimit else { return trades }
        return (0..<markerLimit).map { trades[$0 * (trades.count - 1) / (markerLimit - 1)] }
    }

    /// An entry triangle pointing the trade's way, or an exit circle, with a tooltip.
    static func marker(_ frame: ChartFrame, trade: TradeRecord, entry: Bool) -> String {
        let side = trade.isLong ? "long" : "short"
        let time = entry ? trade.entryTime : trade.exitTime
        let price = entry ? trade.entryPrice : trade.exitPrice
        let x = frame.x(time)
        let y = frame.y(price)
        let tip = "<title>\(side) \(entry ? "entry" : "exit") \(UTCTime.readable(time)) at \(ValueText.readable(price))</title>"
        let c = ChartFrame.coordinate
        guard entry else {
            return "<circle class=\"marker exit \(side)\" cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"4\">\(tip)</circle>"
        }
        let shape = trade.isLong
            ? "M\(c(x)) \(c(y - 1)) l5 9 h-10 Z"
            : "M\(c(x)) \(c(y + 1)) l5 -9 h-10 Z"
        return "<path class=\"marker entry \(side)\" d=\"\(shape)\">\(tip)</path>"
    }

    static let legend = """
        <p class="legend"><span class="long">▲ long entry</span> <span class="short">▼ short entry</span> \
        <span class="long">○ long exit</span> <span class="short">○ short exit</span></p>
        """

    /// The legend, saying so when only some trades are marked.
    static func legend(for trades: [TradeRecord]) -> String {
        guard trades.count > markerLimit else { return legend }
        return legend + "<p class=\"legend\">Markers show \(markerLimit) of \(trades.count) trades, evenly spaced; trades.csv lists all.</p>"
    }

    private static func frame(times: [Int64], height: Double, low: Double, high: Double) -> ChartFrame {
        ChartFrame(width: chartWidth, height: height, start: times.first ?? 0, end: times.last ?? 1, low: low, high: high)
    }

    private static func svg(_ frame: ChartFrame, label: String) -> String {
        "<svg role=\"img\" aria-label=\"\(label)\" "
            + "width=\"\(Int(frame.width))\" height=\"\(Int(frame.height))\" "
            + "viewBox=\"0 0 \(Int(frame.width)) \(Int(frame.height))\">" + frame.axes()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;\
        margin:24px 40px;color:#1f2328;background:#fff;max-width:1200px}\
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}\
        .span{color:#59636e;margin:0}\
        table.stats{border-collapse:collapse;font-size:13px}\
        .stats tbody{display:grid;grid-template-columns:repeat(2,minmax(0,420px));column-gap:48px;grid-auto-flow:column;grid-template-rows:repeat(16,auto)}\
        .stats tr{display:flex;justify-content:space-between;border-bottom:1px solid #eaeef2;padding:3px 0}\
        .stats th{font-weight:normal;text-align:left;color:#59636e}\
        .stats td{font-variant-numeric:tabular-nums;text-align:right}\
        svg{display:block;font-size:11px;overflow:visible}\
        .grid{stroke:#eaeef2;stroke-width:1}.frame{fill:none;stroke:#d0d7de}\
        .tick{fill:#59636e}\
        .equity{fill:none;stroke:#0969da;stroke-width:1.4}\
        .price{fill:none;stroke:#57606a;stroke-width:1}\
        .drawdown{fill:#cf222e33;stroke:#cf222e;stroke-width:1}\
        .marker.long{fill:#1a7f37}.marker.short{fill:#cf222e}\
        circle.marker.long,circle.marker.short{fill:#fff;stroke-width:1.6}\
        circle.marker.long{stroke:#1a7f37}circle.marker.short{stroke:#cf222e}\
        .legend{font-size:13px;margin:0 0 6px}.legend .long{color:#1a7f37}.legend .short{color:#cf222e}
        """
}
