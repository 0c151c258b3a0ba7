/// The statistics as a JSON object with stable snake_case keys, for `--json` output.
///
/// Keys come in the catalog's order (`Statistic.allCases`) and numbers in shortest
/// round-trip form, so identical runs print identical bytes. Times are ISO-8601 UTC
/// strings, durations numbers of days, and undefined values (NaN, infinite, or a missing
/// duration) `null`. docs/statistics.md lists every key.
public enum StatisticsJSON {
    /// A pretty-printed object, two-space indented, ending in a newline.
    public static func encode(_ statistics: BacktestStatistics) -> String {
        let members = Statistic.allCases.map { statistic in
            "  \"\(statistic.jsonKey)\": \(literal(statistics[statistic]))"
        }
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }

    private static func literal(_ value: StatisticValue) -> String {
        switch value {
        case .time(let micros): "\"\(UTCTime.iso8601(micros))\""
        case .duration(let micros): micros.map { number(ValueText.days($0)) } ?? "null"
        case .count(let count): String(count)
        case .number(let value): number(value)
        }
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? ValueText.exact(value) : "null"
    }
}
