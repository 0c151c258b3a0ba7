import Foundation
import Indicators
import StrategyDSL

/// A data source as a strategy file declares it, decoded by the real loader (the spec types
/// have no public initialisers: strategies are their only source).
func declaredSource(_ settings: String, kind: String = "csv: data/GOOG.csv") -> DataSourceSpec {
    let text = """
    strategy: { name: test }
    data:
      feed:
        \(kind)
    \(settings.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    signals:
      s: { long: close > 0 }
    """
    guard let spec = StrategyLoader().load(text: text, path: "test.yaml").spec, let source = spec.dataSources.first else {
        fatalError("test strategy did not decode:\n\(text)")
    }
    return source
}

/// The anomaly policy of a source declaring `anomalies: {...}`.
func anomalyPolicy(_ settings: String = "{}") -> AnomalyPolicy {
    declaredSource("anomalies: \(settings)").anomalies
}

func bar(_ timestamp: Int64 = 0, open: Double = 10, high: Double = 11, low: Double = 9, close: Double = 10.5, volume: Double = 100) -> Bar {
    Bar(timestamp: timestamp, open: open, high: high, low: low, close: close, volume: volume)
}

/// UTC microseconds of a UTC wall-clock time (hand-checked day numbers in the tests).
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    return Int64(date.timeIntervalSince1970) * 1_000_000
}

let oneMinute: Int64 = 60_000_000
let oneDay: Int64 = 86_400_000_000
let newYork = TimeZone(identifier: "America/New_York")!

/// Seeded bars around a random walk with every kind of anomaly and gap injected: non-positive and
/// NaN prices, inverted and out-of-range bars, zero volume, spikes, infinite closes, bars late,
/// repeated or out of order, and runs of missing minutes. Mostly clean, as real feeds are, so
/// the window fills and the common bar's shortcut runs between the injected ones. `rate` scales
/// how often each kind is injected (the draws are the same, so 1 gives the same bars always).
func messyBars(count: Int, seed: UInt64, rate: Double = 1) -> [Bar] {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1.0p-53
    }
    var bars: [Bar] = []
    var close = 100.0, time = utc(2024, 1, 8, 9, 30)
    for _ in 0..<count {
        let draw = uniform()
        // Time: usually the next minute; sometimes a gap, a repeat or a step back.
        if draw < 0.03 * rate { time += oneMinute * Int64(2 + Int(uniform() * 6)) }
        else if draw < 0.035 * rate { time += 0 }
        else if draw < 0.04 * rate { time -= oneMinute }
        else if draw < 0.045 * rate { time += oneMinute / 2 }
        else { time += oneMinute }
        let open = close
        var next = close * exp((uniform() - 0.5) * 0.004)
        if uniform() < 0.02 * rate { next = close * exp((uniform() < 0.5 ? -1 : 1) * (0.02 + uniform() * 0.2)) }  // a spike
        var bar = Bar(timestamp: time, open: open, high: max(open, next) * (1 + uniform() * 0.001),
                      low: min(open, next) / (1 + uniform() * 0.001), close: next, volume: 1000 + (uniform() * 9000).rounded(.down))
        let kind = uniform() / rate
        switch kind {
        case ..<0.01: bar.low = -bar.low
        case ..<0.015: bar.close = 0
        case ..<0.02: bar.open = .nan
        case ..<0.03: swap(&bar.high, &bar.low)
        case ..<0.04: bar.open = bar.high * 1.01
        case ..<0.045: bar.close = bar.low * 0.99
        case ..<0.055: bar.volume = 0
        case ..<0.057: bar.close = .infinity; bar.high = .infinity
        case ..<0.06: bar.high = .nan
        default: break
        }
        bars.append(bar)
        if bar.close > 0 && bar.close.isFinite { close = bar.close }
    }
    return bars
}

/// The bits of a bar, so that bars holding NaN compare as equal when they are the same.
func bits(_ bar: Bar?) -> [UInt64] {
    guard let bar else { return [] }
    return [UInt64(bitPattern: bar.timestamp), bar.open.bitPattern, bar.high.bitPattern, bar.low.bitPattern,
            bar.close.bitPattern, bar.volume.bitPattern]
}

/// Anomaly policies covering every action, spikes off, and windows from 4 to 100.
let anomalyPolicies = [
    "{}", "{ action: drop }", "{ action: clamp }", "{ expect_volume: false }", "{ spike_sigma: 3, window: 5 }",
    "{ action: clamp, spike_sigma: 3, window: 7 }", "{ action: drop, spike_sigma: 2, window: 20 }", "{ spike_sigma: 0 }",
    "{ action: clamp, spike_sigma: 4, window: 100 }", "{ spike_sigma: 1.5, window: 4 }",
]

