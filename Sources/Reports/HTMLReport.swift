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
        render(title: title, statistics: statistics, curves: curves(equity: equity, closes: closes, trades: trades))
    }

    /// The charts' input from whole series: what a streamed run gathers point by point.
    static func curves(equity: [EquityPoint], closes: [Double], trades: [TradeRecord]) -> ReportCurves {
        var curves = ReportCurves()
        let fractions = Drawdown(equity: equity).fractions
        for index in equity.indices {
            curves.add(timestamp: equity[index].timestamp, equity: equity[index].equity,
                       drawdownFraction: fractions[index], close: closes[index])
        }
        for trade in trades { curves.add(trade: trade) }
        return curves
    }

    /// The HTML document of a run whose curves were gathered as it ran.
    public static func render(title: String, statistics: BacktestStatistics, curves: ReportCurves) -> String {
        let trades = curves.marks.count
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
            <p class="span">\(UTCTime.readable(statistics.start)) → \(UTCTime.readable(statistics.end)), \(curves.count) bars, \(Self.tradeSummary(count: trades, closedAtEnd: curves.closedAtEnd))</p>

            """
        html += "<h2>Statistics</h2>\n" + statisticsTable(statistics) + "\n"
        html += "<h2>Equity</h2>\n" + equityChart(curves) + "\n"
        html += "<h2>Drawdown [%]</h2>\n" + drawdownChart(curves) + "\n"
        html += "<h2>Price and trades</h2>\n" + legend(trades: trades) + "\n"
        html += priceChart(curves) + "\n"
        html += "</body>\n</html>\n"
        return html
    }

    /// "65 trades", or "65 trades, 1 closed at the end" when positions were still open.
    static func tradeSummary(_ trades: [TradeRecord]) -> String {
        tradeSummary(count: trades.count, closedAtEnd: trades.filter(\.closedAtEnd).count)
    }

    static func tradeSummary(count: Int, closedAtEnd atEnd: Int) -> String {
        let closed = count - atEnd
        return "\(closed) trade\(closed == 1 ? "" : "s")" + (atEnd > 0 ? ", \(atEnd) closed at the end" : "")
    }

    /// Writes `render(...)` to `url`, replacing any file there.
    public static func write(
        title: String, statistics: BacktestStatistics, equity: [EquityPoint], closes: [Double],
        trades: [TradeRecord], to url: URL
    ) throws {
        let html = render(title: title, statistics: statistics, equity: equity, closes: closes, trades: trades)
        try Data(html.utf8).write(to: url, options: .atomic)
    }

    /// Writes the report of a run whose curves were gathered as it ran.
    public static func write(title: String, statistics: BacktestStatistics, curves: ReportCurves, to url: URL) throws {
        try Data(render(title: title, statistics: statistics, curves: curves).utf8).write(to: url, options: .atomic)
    }

    static func statisticsTable(_ statistics: BacktestStatistics) -> String {
        let rows = Statistic.allCases.map { statistic in
            "<tr><th>\(escape(statistic.label))</th><td>\(escape(StatisticsTable.text(statistics[statistic])))</td></tr>"
        }
        return "<table class=\"stats\"><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>"
    }

    static func equityChart(_ curves: ReportCurves) -> String {
        let frame = frame(curves, height: 300, low: curves.equityRange.low ?? 0, high: curves.equityRange.high ?? 1)
        let line = curves.equity.points()
        return svg(frame, label: "Equity curve")
            + "<path class=\"equity\" d=\"\(frame.linePath(times: line.times, values: line.values))\"/></svg>"
    }

    static func drawdownChart(_ curves: ReportCurves) -> String {
        let frame = frame(curves, height: 200, low: curves.drawdownRange.low ?? -1, high: 0)
        let line = curves.drawdown.points()
        return svg(frame, label: "Drawdown")
            + "<path class=\"drawdown\" d=\"\(frame.areaPath(times: line.times, values: line.values, baseline: 0))\"/></svg>"
    }

    static func priceChart(_ curves: ReportCurves) -> String {
        let range = curves.closeRange.merged(curves.tradePriceRange)
        let frame = frame(curves, height: 360, low: range.low ?? 0, high: range.high ?? 1)
        let line = curves.price.points()
        var svg = svg(frame, label: "Close price with trade entries and exits")
            + "<path class=\"price\" d=\"\(frame.linePath(times: line.times, values: line.values))\"/>"
        for trade in markedTrades(curves.marks) {
            svg += marker(frame, trade: trade.trade, entry: true) + marker(frame, trade: trade.trade, entry: false)
        }
        return svg + "</svg>"
    }

    /// At most this many trades get markers: beyond it they overlap on a 1280-pixel chart anyway,
    /// and a long intraday run would otherwise make a report of tens of megabytes.
    static let markerLimit = 1_000

    /// Every trade, or an evenly spaced `markerLimit` of them (the first and the last included).
    static func markedTrades<Trade>(_ trades: [Trade]) -> [Trade] {
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
        legend(trades: trades.count)
    }

    static func legend(trades count: Int) -> String {
        guard count > markerLimit else { return legend }
        return legend + "<p class=\"legend\">Markers show \(markerLimit) of \(count) trades, evenly spaced; trades.csv lists all.</p>"
    }

    private static func frame(_ curves: ReportCurves, height: Double, low: Double, high: Double) -> ChartFrame {
        ChartFrame(width: chartWidth, height: height, start: curves.count == 0 ? 0 : curves.firstTime,
                   end: curves.count == 0 ? 1 : curves.lastTime, low: low, high: high)
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
