import Foundation

/// The plotting area of one SVG chart: scales from time and value to pixels, and the axes.
///
/// Charts share a width so their time axes line up when stacked in the report. Coordinates
/// are written with one decimal, enough for a screen and small for long series.
struct ChartFrame {
    let width: Double
    let height: Double
    let left = 76.0
    let right = 16.0
    let top = 12.0
    let bottom = 26.0
    let start: Int64
    let end: Int64
    let low: Double
    let high: Double

    init(width: Double, height: Double, start: Int64, end: Int64, low: Double, high: Double) {
        self.width = width
        self.height = height
        self.start = start
        self.end = end
        // A flat series still gets a visible band around its value.
        let pad = high > low ? (high - low) * 0.04 : max(abs(high) * 0.05, 1)
        self.low = low - pad
        self.high = high + pad
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    func x(_ micros: Int64) -> Double {
        left + Double(micros - start) / Double(max(end - start, 1)) * plotWidth
    }

    func y(_ value: Double) -> Double {
        top + (high - value) / (high - low) * plotHeight
    }

    /// Gridlines, tick labels and the frame, drawn beneath the data.
    func axes() -> String {
        var svg = ""
        for tick in AxisTicks.values(low: low, high: high) {
            let y = Self.coordinate(y(tick.position))
            svg += "<line class=\"grid\" x1=\"\(Self.coordinate(left))\" y1=\"\(y)\" x2=\"\(Self.coordinate(width - right))\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick\" x=\"\(Self.coordinate(left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(tick.label)</text>"
        }
        for tick in AxisTicks.times(start: start, end: end) {
            let x = Self.coordinate(x(Int64(tick.position)))
            svg += "<line class=\"grid\" x1=\"\(x)\" y1=\"\(Self.coordinate(top))\" x2=\"\(x)\" y2=\"\(Self.coordinate(height - bottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(x)\" y=\"\(Self.coordinate(height - bottom + 16))\" text-anchor=\"middle\">\(tick.label)</text>"
        }
        svg += "<rect class=\"frame\" x=\"\(Self.coordinate(left))\" y=\"\(Self.coordinate(top))\" width=\"\(Self.coordinate(plotWidth))\" height=\"\(Self.coordinate(plotHeight))\"/>"
        return svg
    }

    /// Path data through the given points, downsampled to the plot's pixel columns.
    func linePath(times: [Int64], values: [Double]) -> String {
        let kept = MinMaxDownsampler.indices(times: times, values: values, columns: Int(plotWidth))
        return kept.enumerated().map { offset, index in
            (offset == 0 ? "M" : "L") + Self.coordinate(x(times[index])) + " " + Self.coordinate(y(values[index]))
        }.joined(separator: " ")
    }

    /// Path data of the region between the series and `baseline`.
    func areaPath(times: [Int64], values: [Double], baseline: Double) -> String {
        guard let first = times.first, let last = times.last else { return "" }
        let base = Self.coordinate(y(baseline))
        let line = linePath(times: times, values: values).dropFirst()
        return "M\(Self.coordinate(x(first))) \(base) L\(line) L\(Self.coordinate(x(last))) \(base) Z"
    }

    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
