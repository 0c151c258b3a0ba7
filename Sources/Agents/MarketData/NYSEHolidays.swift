/// The New York Stock Exchange's full-day closures, computed by rule for any year.
///
/// The rules are the exchange's current ones (NYSE Rule 7.2): each holiday with its weekend
/// observance, Martin Luther King Jr. Day from 1998 (when the exchange first closed for it) and
/// Juneteenth from 2022. Unscheduled closures cannot be derived, so they are listed with their
/// cause; every one of them was a weekday on which the exchange did not open.
public enum NYSEHolidays {
    /// A day the exchange is closed, and why.
    public struct Closure: Sendable, Hashable {
        public var date: CivilDate
        public var name: String
    }

    /// Unscheduled full-day closures since 1990.
    public static let specialClosures: [Closure] = [
        Closure(date: CivilDate(year: 1994, month: 4, day: 27), name: "National Day of Mourning for Richard Nixon"),
        Closure(date: CivilDate(year: 2001, month: 9, day: 11), name: "September 11 attacks"),
        Closure(date: CivilDate(year: 2001, month: 9, day: 12), name: "September 11 attacks"),
        Closure(date: CivilDate(year: 2001, month: 9, day: 13), name: "September 11 attacks"),
        Closure(date: CivilDate(year: 2001, month: 9, day: 14), name: "September 11 attacks"),
        Closure(date: CivilDate(year: 2004, month: 6, day: 11), name: "National Day of Mourning for Ronald Reagan"),
        Closure(date: CivilDate(year: 2007, month: 1, day: 2), name: "National Day of Mourning for Gerald Ford"),
        Closure(date: CivilDate(year: 2012, month: 10, day: 29), name: "Hurricane Sandy"),
        Closure(date: CivilDate(year: 2012, month: 10, day: 30), name: "Hurricane Sandy"),
        Closure(date: CivilDate(year: 2018, month: 12, day: 5), name: "National Day of Mourning for George H. W. Bush"),
        Closure(date: CivilDate(year: 2025, month: 1, day: 9), name: "National Day of Mourning for Jimmy Carter"),
    ]

    /// Every weekday of `year` on which the exchange is closed, in date order.
    public static func closures(in year: Int) -> [Closure] {
        var result: [Closure] = []
        func add(_ date: CivilDate?, _ name: String) {
            if let date { result.append(Closure(date: date, name: name)) }
        }
        // New Year's Day on a Saturday is not moved to the Friday before: that Friday ends the
        // previous year's books, so the exchange stays open.
        add(observedOnWeekday(CivilDate(year: year, month: 1, day: 1), saturdayMovesToFriday: false), "New Year's Day")
        if year >= 1998 { add(nthWeekday(3, weekday: 1, month: 1, year: year), "Martin Luther King Jr. Day") }
        add(nthWeekday(3, weekday: 1, month: 2, year: year), "Washington's Birthday")
        add(CivilDate(daysSinceEpoch: easterSunday(year: year).daysSinceEpoch - 2), "Good Friday")
        add(lastWeekday(1, month: 5, year: year), "Memorial Day")
        if year >= 2022 { add(observedOnWeekday(CivilDate(year: year, month: 6, day: 19)), "Juneteenth") }
        add(observedOnWeekday(CivilDate(year: year, month: 7, day: 4)), "Independence Day")
        add(nthWeekday(1, weekday: 1, month: 9, year: year), "Labor Day")
        add(nthWeekday(4, weekday: 4, month: 11, year: year), "Thanksgiving Day")
        add(observedOnWeekday(CivilDate(year: year, month: 12, day: 25)), "Christmas Day")
        result += specialClosures.filter { $0.date.year == year }
        return result.sorted { $0.date < $1.date }
    }

    /// Easter Sunday by the anonymous Gregorian computus (Meeus, Jones, Butcher).
    public static func easterSunday(year: Int) -> CivilDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)
    }

    /// A fixed-date holiday's day off: Sunday moves to Monday, Saturday to Friday (or nowhere).
    private static func observedOnWeekday(_ date: CivilDate, saturdayMovesToFriday: Bool = true) -> CivilDate? {
        let days = date.daysSinceEpoch
        switch CivilDate.weekday(daysSinceEpoch: days) {
        case 6: return saturdayMovesToFriday ? CivilDate(daysSinceEpoch: days - 1) : nil
        case 7: return CivilDate(daysSinceEpoch: days + 1)
        default: return date
        }
    }

    /// The `n`th given ISO weekday (1 = Monday) of a month.
    private static func nthWeekday(_ n: Int, weekday: Int, month: Int, year: Int) -> CivilDate {
        let first = CivilDate.daysSinceEpoch(year: year, month: month, day: 1)
        let shift = (weekday - CivilDate.weekday(daysSinceEpoch: first) + 7) % 7
        return CivilDate(daysSinceEpoch: first + Int64(shift + 7 * (n - 1)))
    }

    /// The last given ISO weekday of a month.
    private static func lastWeekday(_ weekday: Int, month: Int, year: Int) -> CivilDate {
        let last = CivilDate.daysSinceEpoch(year: year, month: month, day: CivilDate.daysInMonth(year: year, month: month))
        let shift = (CivilDate.weekday(daysSinceEpoch: last) - weekday + 7) % 7
        return CivilDate(daysSinceEpoch: last - Int64(shift))
    }
}
