/// The statistics as a two-column table for the terminal, like backtesting.py's printout.
///
/// Labels are left-aligned, values right-aligned in one column, numbers rounded to five
/// decimals for reading (the `--json` output keeps full precision).
public enum StatisticsTable {
    /// The table, one statistic per line, each line ending in a newline.
    public static func render(_ statistics: BacktestStatistics) -> String {
        let rows = Statistic.allCases.map { ($0.label, text(statistics[$0])) }
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let valueWidth = rows.map(\.1.count).max() ?? 0
        return rows.map { label, value in
            label + String(repeating: " ", count: labelWidth - label.count + 2)
                + String(repeating: " ", count: valueWidth - value.count) + value + "\n"
        }.joined()
    }

    /// One value as the table shows it.
    static func text(_ value: StatisticValue) -> String {
        switch value {
        case .time(let micros): UTCTime.readable(micros)
        case .duration(let micros): ValueText.duration(micros)
        case .count(let count): String(count)
        case .number(let number): ValueText.readable(number)
        }
    }
}
