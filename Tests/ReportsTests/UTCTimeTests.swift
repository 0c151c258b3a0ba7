import Foundation
import Testing
@testable import Reports

/// Reports' calendar arithmetic against Foundation's Gregorian calendar in UTC.
@Suite struct UTCTimeTests {
    @Test("ISO-8601 text agrees with Foundation's formatter, before and after the epoch",
          arguments: [Int64(0), 951_782_400_000_000, 1_092_873_600_000_000, -86_400_000_000,
                      4_107_542_399_000_000, -2_208_988_800_000_000, 1_362_096_000_000_000])
    func iso8601(micros: Int64) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let expected = formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
        #expect(UTCTime.iso8601(micros) == expected)
        #expect(UTCTime.dayNumber(year: UTCTime.civil(micros).year, month: UTCTime.civil(micros).month,
                                  day: UTCTime.civil(micros).day) == UTCTime.dayNumber(micros))
    }

    @Test("microseconds are kept, and weekdays count from Monday")
    func fractionAndWeekday() {
        // 2004-08-19 was a Thursday (weekday 3 with Monday = 0), 2004-08-21 a Saturday.
        #expect(UTCTime.iso8601(1_092_873_600_000_001) == "2004-08-19T00:00:00.000001Z")
        #expect(UTCTime.weekday(1_092_873_600_000_000) == 3)
        #expect(UTCTime.weekday(1_092_873_600_000_000 + 2 * 86_400_000_000) == 5)
        #expect(UTCTime.weekday(-1) == 2, "1969-12-31 was a Wednesday")
    }
}
