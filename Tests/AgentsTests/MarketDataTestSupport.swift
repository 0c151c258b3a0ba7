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
