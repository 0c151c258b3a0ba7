/// The equity curve's distance below its running peak, and the drawdown periods it forms.
///
/// A drawdown period runs from a bar at a peak (drawdown zero) to the next bar at a peak,
/// or to the last bar if the curve has not recovered by then. Its duration is measured in
/// time between those two bars and its depth is the deepest drawdown in between. As in
/// backtesting.py, a period must span at least one bar strictly between its ends, so a
/// drawdown that starts on the very last bar does not form a period.
struct Drawdown: Sendable {
    /// One drawdown period.
    struct Period: Sendable, Equatable {
        /// Last bar at the previous peak.
        var startBar: Int
        /// First bar back at a peak, or the last bar of the curve.
        var endBar: Int
        var durationMicros: Int64
        /// Deepest drawdown within the period, as a fraction of the peak.
        var depth: Double
    }

    /// Per bar: 1 − equity / running peak (0 at a peak, 0.25 when 25 % below it).
    let fractions: [Double]
    let periods: [Period]

    init(equity: [EquityPoint]) {
        var peak = -Double.infinity
        var fractions = [Double]()
        fractions.reserveCapacity(equity.count)
        for point in equity {
            peak = Swift.max(peak, point.equity)
            fractions.append(1 - point.equity / peak)
        }
        self.fractions = fractions

        var boundaries = fractions.indices.filter { fractions[$0] == 0 }
        if let last = fractions.indices.last, boundaries.last != last { boundaries.append(last) }
        periods = zip(boundaries, boundaries.dropFirst()).compactMap { start, end in
            guard end > start + 1 else { return nil }
            return Period(
                startBar: start, endBar: end,
                durationMicros: equity[end].timestamp - equity[start].timestamp,
                depth: fractions[start...end].max() ?? .nan)
        }
    }

    /// Deepest drawdown of the whole curve as a fraction; 0 for a curve that never fell.
    var maximum: Double {
        fractions.lazy.filter { !$0.isNaN }.max() ?? 0
    }
}
