public import StrategyDSL

/// Which local calendar days a source is expected to have bars on.
///
/// `always` trades every day (crypto, 24/7 synthetic data), `weekdays` Monday to Friday (FX),
/// `nyse` Monday to Friday less the exchange's closures. Closures are computed one year at a
/// time and cached, so asking about consecutive days costs a comparison or two.
public struct TradingCalendar: Sendable {
    public let kind: DataSourceSpec.Calendar

    private var cachedYear = Int.min
    private var cachedClosureDays: [Int64] = []

    public init(_ kind: DataSourceSpec.Calendar) {
        self.kind = kind
    }

    /// Whether bars are expected on a local day (days since 1970-01-01).
    public mutating func isTradingDay(_ day: Int64) -> Bool {
        switch kind {
        case .always:
            return true
        case .weekdays:
            return CivilDate.weekday(daysSinceEpoch: day) <= 5
        case .nyse:
            guard CivilDate.weekday(daysSinceEpoch: day) <= 5 else { return false }
            let year = CivilDate(daysSinceEpoch: day).year
            if year != cachedYear {
                cachedYear = year
                cachedClosureDays = NYSEHolidays.closures(in: year).map(\.date.daysSinceEpoch)
            }
            return !cachedClosureDays.contains(day)
        }
    }
}
