import Foundation

/// How numbers, times and durations are spelled in the files and tables Reports writes.
///
/// Every writer goes through here so that two identical runs produce byte-identical output
/// on any machine: no locale, no time zone, no platform-dependent float printing.
enum ValueText {
    /// The shortest decimal that reads back as the same Double (`0.1`, `51959.94999999997`,
    /// `1e-05`); `NaN`, `inf` and `-inf` for non-finite values, as pandas reads them.
    static func exact(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return value.description
    }

    /// A value rounded to `decimals` places for people, trailing zeros dropped
    /// (`0.58038`, `51959.95`, `66`); `--` for NaN as backtesting.py prints it.
    static func readable(_ value: Double, decimals: Int = 5) -> String {
        if value.isNaN { return "--" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A duration the way pandas prints a Timedelta: `3116 days 00:00:00`, `1 days 04:00:00`.
    static func duration(_ micros: Int64?) -> String {
        guard let micros else { return "--" }
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let days = magnitude / UInt64(UTCTime.microsPerDay)
        let rest = magnitude % UInt64(UTCTime.microsPerDay)
        let seconds = rest / 1_000_000
        var text = "\(sign)\(days) days \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if rest % 1_000_000 != 0 { text += String(format: ".%06llu", rest % 1_000_000) }
        return text
    }

    /// A duration in days as a JSON number (`584.0`, `1.1666666666666667`).
    static func days(_ micros: Int64) -> Double {
        Double(micros) / Double(UTCTime.microsPerDay)
    }

    private static func two(_ value: UInt64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
