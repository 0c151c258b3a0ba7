/// ADX with +DI and -DI, TA-Lib's Wilder construction.
///
/// Directional movement: up = high - previous high, down = previous low - low; +DM = up when
/// up > 0 and up > down, -DM = down when down > 0 and down > up. Bars 1...n-1 sum +DM, -DM and
/// true range; from bar n each is smoothed as s - s/n + new. DI = 100·DM/TR, DX = 100·|+DI - -DI| / (+DI + -DI).
/// ADX on bar 2n-1 is the mean of the n DX values from bar n, then Wilder-smoothed.
/// All three outputs start on bar 2n-1 (TA-Lib's PLUS_DI/MINUS_DI values, from ADX's first bar).
struct AverageDirectionalIndex: BarKernel {
    static let outputCount = 3
    let period: Int
    private var previous = Bar(timestamp: 0, open: 0, high: 0, low: 0, close: 0, volume: 0)
    private var seen = 0
    private var plusMovement = 0.0
    private var minusMovement = 0.0
    private var range = 0.0
    private var dxSum = 0.0
    private var average = Double.nan
    private var plusIndicator = 0.0
    private var minusIndicator = 0.0

    init(period: Int) {
        self.period = period
    }

    @inline(__always)
    mutating func update(_ bar: Bar) {
        defer { previous = bar; seen += 1 }
        if seen == 0 { return }
        let n = Double(period)
        let up = bar.high - previous.high
        let down = previous.low - bar.low
        let bodyRange = trueRange(bar, previousClose: previous.close)
        if seen >= period {
            plusMovement -= plusMovement / n
            minusMovement -= minusMovement / n
            range = range - range / n + bodyRange
        } else {
            range += bodyRange
        }
        if down > 0 && up < down {
            minusMovement += down
        } else if up > 0 && up > down {
            plusMovement += up
        }
        guard seen >= period else { return }
        var directional: Double?
        if isNearZero(range) {
            plusIndicator = 0
            minusIndicator = 0
        } else {
            minusIndicator = 100.0 * (minusMovement / range)
            plusIndicator = 100.0 * (plusMovement / range)
            let total = minusIndicator + plusIndicator
            if !isNearZero(total) { directional = 100.0 * (abs(minusIndicator - plusIndicator) / total) }
        }
        if seen < 2 * period - 1 {
            dxSum += directional ?? 0
        } else if seen == 2 * period - 1 {
            dxSum += directional ?? 0
            average = dxSum / n
        } else if let directional {
            average = (average * (n - 1) + directional) / n
        }
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> AverageDirectionalIndex { self }

    func value(_ output: Int) -> Double {
        guard !average.isNaN else { return .nan }
        switch output {
        case 0: return average
        case 1: return plusIndicator
        default: return minusIndicator
        }
    }
}

/// Slow stochastic with TA-Lib's default SMA smoothing: fast %K over `fastKPeriod` bars,
/// k = SMA(fast %K, slowKPeriod), d = SMA(k, slowDPeriod).
struct Stochastic: BarKernel {
    static let outputCount = 2
    private var range: StochasticRange
    private var slowK: SimpleMovingAverage
    private var slowD: SimpleMovingAverage
    private var k = Double.nan
    private var d = Double.nan

    init(fastKPeriod: Int, slowKPeriod: Int, slowDPeriod: Int) {
        range = StochasticRange(period: fastKPeriod)
        slowK = SimpleMovingAverage(period: slowKPeriod)
        slowD = SimpleMovingAverage(period: slowDPeriod)
    }

    @inline(__always)
    mutating func update(_ bar: Bar) {
        guard let fastK = range.update(high: bar.high, low: bar.low, close: bar.close) else { return }
        slowK.update(fastK)
        guard slowK.isReady else { return }
        slowD.update(slowK.current)
        guard slowD.isReady else { return }
        k = slowK.current
        d = slowD.current
    }

    func duplicated() -> Stochastic {
        var copy = self
        copy.range = range.duplicated()
        copy.slowK = slowK.duplicated()
        copy.slowD = slowD.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { output == 0 ? k : d }
}

/// CCI = (tp - mean) / (0.015 · mean absolute deviation), tp = (high + low + close) / 3, over `period` bars.
///
/// The mean absolute deviation has no running form, so each bar costs O(period) over fixed storage.
struct CommodityChannelIndex: BarKernel {
    static let outputCount = 1
    let period: Int
    private var window: RingBuffer
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        window = RingBuffer(capacity: period)
    }

    @inline(__always)
    mutating func update(_ bar: Bar) {
        let typical = (bar.high + bar.low + bar.close) / 3.0
        window.push(typical)
        guard window.isFull else { return }
        let mean = window.sum() / Double(period)
        let deviation = window.absoluteDeviation(from: mean)
        let distance = typical - mean
        current = (distance != 0 && deviation != 0) ? distance / (0.015 * (deviation / Double(period))) : 0
    }

    func duplicated() -> CommodityChannelIndex {
        var copy = self
        copy.window = window.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// MFI = 100 · positive flow / (positive + negative flow) over `period` bars; 0 when the total is below 1 (TA-Lib).
///
/// Flow = tp · volume, positive when tp rose from the previous bar, negative when it fell, neither when equal.
struct MoneyFlowIndex: BarKernel {
    static let outputCount = 1
    static let readsVolume = true
    let period: Int
    /// Signed flows of the window: > 0 counted as positive, < 0 as negative.
    private var flows: RingBuffer
    private var previousTypical = 0.0
    private var seen = 0
    private var positive = 0.0
    private var negative = 0.0
    private(set) var current = Double.nan

    init(period: Int) {
        self.period = period
        flows = RingBuffer(capacity: period)
    }

    @inline(__always)
    mutating func update(_ bar: Bar) {
        let typical = (bar.high + bar.low + bar.close) / 3.0
        defer { previousTypical = typical; seen += 1 }
        if seen == 0 { return }
        if flows.isFull {
            let leaving = flows.oldest
            if leaving > 0 { positive -= leaving } else if leaving < 0 { negative -= -leaving }
        }
        let flow = typical * bar.volume
        if typical > previousTypical {
            positive += flow
            flows.push(flow)
        } else if typical < previousTypical {
            negative += flow
            flows.push(-flow)
        } else {
            flows.push(0)
        }
        guard flows.isFull else { return }
        let total = positive + negative
        current = total < 1.0 ? 0 : 100.0 * (positive / total)
    }

    func duplicated() -> MoneyFlowIndex {
        var copy = self
        copy.flows = flows.duplicated()
        return copy
    }

    func value(_ output: Int) -> Double { current }
}

/// OBV: starts at the first bar's volume, then adds the volume on an up close and subtracts it on a down close.
struct OnBalanceVolume: BarKernel {
    static let outputCount = 1
    static let readsRange = false
    static let readsVolume = true
    private var previousClose = Double.nan
    private(set) var current = Double.nan

    @inline(__always)
    mutating func update(_ bar: Bar) {
        if current.isNaN {
            current = bar.volume
        } else if bar.close > previousClose {
            current += bar.volume
        } else if bar.close < previousClose {
            current -= bar.volume
        }
        previousClose = bar.close
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> OnBalanceVolume { self }

    func value(_ output: Int) -> Double { current }
}

/// Session VWAP: Σ tp·volume / Σ volume since the first bar of the current UTC day, tp = (high + low + close) / 3.
///
/// Resets when the bar's timestamp falls on a new UTC day; while the session's volume is still 0 it reads tp.
struct SessionVWAP: BarKernel {
    static let outputCount = 1
    static let readsVolume = true
    static let readsTimestamp = true
    private static let microsecondsPerDay: Int64 = 86_400_000_000
    private var session = Int64.min
    private var priceVolume = 0.0
    private var volume = 0.0
    private(set) var current = Double.nan

    @inline(__always)
    mutating func update(_ bar: Bar) {
        let day = bar.timestamp >= 0
            ? bar.timestamp / Self.microsecondsPerDay
            : (bar.timestamp + 1) / Self.microsecondsPerDay - 1
        if day != session {
            session = day
            priceVolume = 0
            volume = 0
        }
        let typical = (bar.high + bar.low + bar.close) / 3.0
        priceVolume += typical * bar.volume
        volume += bar.volume
        current = volume > 0 ? priceVolume / volume : typical
    }

    /// No window storage: a plain copy is independent.
    func duplicated() -> SessionVWAP { self }

    func value(_ output: Int) -> Double { current }
}
