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
    /// Deepest drawdown of the whole curve as a fraction; 0 for a curve that never fell.
    let maximum: Double

    init(equity: [EquityPoint]) {
        var tracker = DrawdownTracker()
        var fractions = [Double]()
        fractions.reserveCapacity(equity.count)
        for point in equity { fractions.append(tracker.add(timestamp: point.timestamp, equity: point.equity)) }
        self.fractions = fractions
        periods = tracker.periods()
        maximum = tracker.maximum
    }
}

/// The drawdown of a curve fed one point at a time: what ``Drawdown`` computes from the whole
/// curve, kept in constant memory per point (one ``Drawdown/Period`` per drawdown period).
///
/// Same definitions as ``Drawdown``; the maxima compare with `<` in order, as `Sequence.max()`
/// does, so NaN fractions are passed over exactly as there.
struct DrawdownTracker: Sendable {
    private var peak = -Double.infinity
    private var count = 0
    /// The last bar at a peak (fraction zero) and its time.
    private var boundary: (bar: Int, timestamp: Int64)?
    /// Deepest fraction since `boundary`, that bar included.
    private var depthSinceBoundary = 0.0
    private var closed: [Drawdown.Period] = []
    private var last: (timestamp: Int64, fraction: Double) = (0, .nan)
    /// Non-zero fractions before the first peak (only a non-finite start leaves any).
    private var leadingDepths: [Double] = []
    private var deepest: Double?

    /// Adds the next point and returns its drawdown fraction.
    @discardableResult
    mutating func add(timestamp: Int64, equity: Double) -> Double {
        peak = Swift.max(peak, equity)
        let fraction = 1 - equity / peak
        let bar = count
        count += 1
        if !fraction.isNaN {
            if let current = deepest { if current < fraction { deepest = fraction } } else { deepest = fraction }
        }
        if fraction == 0 {
            if let start = boundary, bar > start.bar + 1 {
                closed.append(Drawdown.Period(startBar: start.bar, endBar: bar, durationMicros: timestamp - start.timestamp,
                                              depth: depthSinceBoundary < fraction ? fraction : depthSinceBoundary))
            }
            boundary = (bar, timestamp)
            depthSinceBoundary = fraction
        } else if boundary != nil {
            if depthSinceBoundary < fraction { depthSinceBoundary = fraction }
        } else if !fraction.isNaN {
            leadingDepths.append(fraction)
        }
        last = (timestamp, fraction)
        return fraction
    }

    /// Deepest drawdown so far as a fraction; 0 for a curve that never fell.
    var maximum: Double { deepest ?? 0 }

    /// The periods of the curve so far, the last one closed at the last point if still open.
    func periods() -> [Drawdown.Period] {
        guard let start = boundary, last.fraction != 0, count - 1 > start.bar + 1 else { return closed }
        return closed + [Drawdown.Period(startBar: start.bar, endBar: count - 1, durationMicros: last.timestamp - start.timestamp,
                                         depth: depthSinceBoundary)]
    }

    /// What backtesting.py averages when no period formed: the non-zero drawdowns there are
    /// (only one opening on the last bar, or any before a non-finite start's first peak).
    func depthsWithoutPeriods() -> [Double] {
        var depths = leadingDepths
        if boundary != nil, last.fraction != 0, !last.fraction.isNaN { depths.append(last.fraction) }
        return depths
    }
}
