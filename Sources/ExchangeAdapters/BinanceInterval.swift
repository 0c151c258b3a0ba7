/// A Binance kline interval of fixed length, as the stream name and REST `interval` spell it.
///
/// `1M` (calendar month) is left out: its length varies, so a gap between two monthly bars
/// cannot be told from the interval alone.
public enum BinanceInterval: String, Sendable, CaseIterable {
    case oneSecond = "1s"
    case oneMinute = "1m", threeMinutes = "3m", fiveMinutes = "5m", fifteenMinutes = "15m", thirtyMinutes = "30m"
    case oneHour = "1h", twoHours = "2h", fourHours = "4h", sixHours = "6h", eightHours = "8h", twelveHours = "12h"
    case oneDay = "1d", threeDays = "3d", oneWeek = "1w"

    /// The bar length in microseconds.
    public var microseconds: Int64 {
        let second: Int64 = 1_000_000
        let minute = 60 * second, hour = 60 * minute, day = 24 * hour
        switch self {
        case .oneSecond: return second
        case .oneMinute: return minute
        case .threeMinutes: return 3 * minute
        case .fiveMinutes: return 5 * minute
        case .fifteenMinutes: return 15 * minute
        case .thirtyMinutes: return 30 * minute
        case .oneHour: return hour
        case .twoHours: return 2 * hour
        case .fourHours: return 4 * hour
        case .sixHours: return 6 * hour
        case .eightHours: return 8 * hour
        case .twelveHours: return 12 * hour
        case .oneDay: return day
        case .threeDays: return 3 * day
        case .oneWeek: return 7 * day
        }
    }

    /// The interval of this length, if Binance has one (a strategy's `interval:` arrives in microseconds).
    public init?(microseconds: Int64) {
        guard let match = Self.allCases.first(where: { $0.microseconds == microseconds }) else { return nil }
        self = match
    }
}
