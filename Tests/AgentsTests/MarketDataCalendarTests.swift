import Foundation
import Testing
import StrategyDSL
@testable import Agents

@Suite("MarketData calendars and clocks")
struct MarketDataCalendarTests {
    @Test("NYSE closures 1998-2030 equal pandas_market_calendars' NYSE calendar (NYSEReference)")
    func nyseClosuresMatchReference() {
        let ours = (NYSEReference.firstYear...NYSEReference.lastYear).flatMap { NYSEHolidays.closures(in: $0) }.map(\.date.description)
        #expect(ours == NYSEReference.closedWeekdays)
    }

    @Test("Easter Sunday by the computus matches published dates")
    func easter() {
        // Published Western Easter dates.
        let known = [2000: (4, 23), 2008: (3, 23), 2011: (4, 24), 2019: (4, 21), 2024: (3, 31), 2025: (4, 20), 2038: (4, 25)]
        for (year, (month, day)) in known {
            #expect(NYSEHolidays.easterSunday(year: year) == CivilDate(year: year, month: month, day: day))
        }
    }

    @Test("New Year's Day on a Saturday closes nothing; on a Sunday, the Monday")
    func newYearObservance() {
        // 2022-01-01 was a Saturday, 2023-01-01 a Sunday.
        #expect(!NYSEHolidays.closures(in: 2021).map(\.date).contains(CivilDate(year: 2021, month: 12, day: 31)))
        #expect(NYSEHolidays.closures(in: 2022).first?.date == CivilDate(year: 2022, month: 1, day: 17))
        #expect(NYSEHolidays.closures(in: 2023).first?.date == CivilDate(year: 2023, month: 1, day: 2))
    }

    @Test("Calendars: weekends are not trading days; nyse also skips Good Friday 2024 (March 29)")
    func tradingDays() {
        func trades(_ kind: DataSourceSpec.Calendar, _ day: Int64) -> Bool {
            var calendar = TradingCalendar(kind)
            return calendar.isTradingDay(day)
        }
        let goodFriday = CivilDate(year: 2024, month: 3, day: 29).daysSinceEpoch
        let saturday = goodFriday + 1
        #expect(!trades(.nyse, goodFriday))
        #expect(trades(.weekdays, goodFriday))
        #expect(!trades(.weekdays, saturday))
        #expect(trades(.always, saturday))
        #expect(trades(.nyse, goodFriday + 3))
    }

    @Test("Civil dates: hand-counted day numbers and weekdays; round trip over ±2000 years")
    func civilDates() {
        // 1970..1999 is 30 years with 7 leap days: 10957 days to 2000-01-01, then 31 + 29 to March 1.
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11017)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
        #expect(CivilDate(year: 2024, month: 1, day: 1).weekday == 1)
        #expect(CivilDate(year: 1970, month: 1, day: 1).weekday == 4)
        for days in stride(from: Int64(-730_000), through: 730_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }

    @Test("Zoned clock: New York local times to UTC, including both daylight-saving changes (hand-computed)")
    func newYorkClock() {
        var clock = ZonedClock(timeZone: newYork)
        func local(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int) -> Int64 { utc(y, m, d, h, mi) }
        func toUTC(_ local: Int64) -> Int64 { clock.utcMicroseconds(fromLocal: local) }
        func dayOf(_ utc: Int64) -> Int64 { clock.localDay(ofUTC: utc) }
        // EDT is UTC-4, EST UTC-5; 2024 changes: March 10 02:00 EST -> 03:00 EDT, November 3 02:00 EDT -> 01:00 EST.
        #expect(toUTC(local(2024, 7, 1, 9, 30)) == utc(2024, 7, 1, 13, 30))
        #expect(toUTC(local(2024, 1, 2, 9, 30)) == utc(2024, 1, 2, 14, 30))
        #expect(toUTC(local(2024, 3, 10, 1, 59)) == utc(2024, 3, 10, 6, 59))
        // 02:30 does not exist that day: read with the offset before the change, it is 07:30Z (03:30 EDT).
        #expect(toUTC(local(2024, 3, 10, 2, 30)) == utc(2024, 3, 10, 7, 30))
        #expect(toUTC(local(2024, 3, 10, 3, 0)) == utc(2024, 3, 10, 7, 0))
        // 01:30 happens twice: the first (EDT) is 05:30Z.
        #expect(toUTC(local(2024, 11, 3, 1, 30)) == utc(2024, 11, 3, 5, 30))
        #expect(toUTC(local(2024, 11, 3, 2, 0)) == utc(2024, 11, 3, 7, 0))
        // 2024-01-05 23:58Z is 18:58 on January 5 in New York; 2024-01-06 00:01Z still January 5 there.
        let january5 = CivilDate(year: 2024, month: 1, day: 5).daysSinceEpoch
        #expect(dayOf(utc(2024, 1, 5, 23, 58)) == january5)
        #expect(dayOf(utc(2024, 1, 6, 0, 1)) == january5)
        #expect(dayOf(utc(2024, 1, 6, 5, 0)) == january5 + 1)
    }

    @Test("UTC timestamps print as ISO 8601")
    func printing() {
        #expect(UTCTimestamp.iso8601(utc(2024, 1, 2, 9, 30)) == "2024-01-02T09:30:00Z")
        #expect(UTCTimestamp.iso8601(utc(1969, 12, 31, 23, 59) + 250) == "1969-12-31T23:59:00.000250Z")
    }
}
