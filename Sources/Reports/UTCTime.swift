import Agents
/// Calendar arithmetic on microsecond UTC timestamps, without Foundation's date formatters.
///
/// Reports must be byte-identical across runs and machines, and the statistics bucket bars
/// by calendar day, week, month and year. Both only need the proleptic Gregorian calendar
/// in UTC, which is a few lines of integer arithmetic (H. Hinnant's `civil_from_days`).
enum UTCTime {
    static let microsPerSecond: Int64 = 1_000_000
    static let microsPerDay: Int64 = 86_400 * microsPerSecond

    /// A calendar date and time of day in UTC.
    struct Civil: Equatable {
        var year: Int64
        var month: Int64
        var day: Int64
        var hour: Int64
        var minute: Int64
        var second: Int64
        var microsecond: Int64
    }

    /// Whole days since 1970-01-01, rounding towards the past for times before the epoch.
    static func dayNumber(_ micros: Int64) -> Int64 {
        floorDivide(micros, microsPerDay)
    }

    /// Day of the week with Monday = 0 … Sunday = 6, as pandas' `dayofweek`.
    static func weekday(_ micros: Int64) -> Int64 {
        // 1970-01-01 was a Thursday (3).
        floorModulo(dayNumber(micros) + 3, 7)
    }

    /// The civil date and time of a timestamp.
    static func civil(_ micros: Int64) -> Civil {
        let days = dayNumber(micros)
        let timeOfDay = micros - days * microsPerDay
        let (year, month, day) = civilDate(days)
        let seconds = timeOfDay / microsPerSecond
        return Civil(
            year: year, month: month, day: day,
            hour: seconds / 3600, minute: seconds / 60 % 60, second: seconds % 60,
            microsecond: timeOfDay % microsPerSecond)
    }

    /// ISO-8601 in UTC: `2004-08-19T00:00:00Z`, with `.ffffff` only when microseconds are set;
    /// the same spelling the feed summaries use, so every file a run writes agrees.
    static func iso8601(_ micros: Int64) -> String {
        UTCTimestamp.iso8601(micros)
    }

    /// `2004-08-19 00:00:00`, the way backtesting.py prints a timestamp.
    static func readable(_ micros: Int64) -> String {
        let c = civil(micros)
        var text = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
            + " \(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
        if c.microsecond != 0 { text += ".\(pad(c.microsecond, 6))" }
        return text
    }

    /// Year, month (1…12) and day (1…31) of a day number.
    static func civilDate(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Day number of a civil date; the inverse of `civilDate` (`days_from_civil`).
    static func dayNumber(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDivide(a, b) * b
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
