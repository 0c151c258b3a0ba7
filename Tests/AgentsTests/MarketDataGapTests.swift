import Foundation
import Testing
import Indicators
import StrategyDSL
@testable import Agents

/// Runs a detector over bar times and returns what each call reported.
private func missing(_ times: [Int64], interval: Int64, calendar: DataSourceSpec.Calendar, zone: TimeZone = .gmt) -> [[Int64]] {
    var detector = GapDetector(intervalMicroseconds: interval, calendar: calendar, timeZone: zone)
    return times.map { detector.observe($0) }
}

@Suite("MarketData gap detector")
struct MarketDataGapTests {
    @Test("Intraday, always: every missing minute is reported")
    func intradayAlways() {
        let t0 = utc(2024, 1, 6, 10, 0)
        let found = missing([t0, t0 + oneMinute, t0 + 4 * oneMinute, t0 + 5 * oneMinute], interval: oneMinute, calendar: .always)
        #expect(found == [[], [], [t0 + 2 * oneMinute, t0 + 3 * oneMinute], []])
    }

    @Test("Intraday, weekdays: gaps count within a session, not over the night or the weekend")
    func intradayWithinSession() {
        let friday = utc(2024, 1, 5, 23, 59), monday = utc(2024, 1, 8, 0, 0)
        let mondayLater = utc(2024, 1, 8, 0, 3)
        #expect(missing([friday, monday, mondayLater], interval: oneMinute, calendar: .weekdays)
                == [[], [], [utc(2024, 1, 8, 0, 1), utc(2024, 1, 8, 0, 2)]])
    }

    @Test("Intraday sessions follow the source's time zone: 18:58 to 19:01 New York is one day there")
    func sessionInLocalTime() {
        // 23:58Z on January 5 and 00:01Z on January 6 are both January 5 in New York (UTC-5).
        let before = utc(2024, 1, 5, 23, 58), after = utc(2024, 1, 6, 0, 1)
        #expect(missing([before, after], interval: oneMinute, calendar: .weekdays, zone: newYork)[1]
                == [before + oneMinute, before + 2 * oneMinute])
        #expect(missing([before, after], interval: oneMinute, calendar: .weekdays)[1] == [])
    }

    @Test("Daily: weekends are not gaps; missing weekdays are, at the previous bar's time of day")
    func dailyWeekdays() {
        let friday = utc(2024, 1, 5), monday = utc(2024, 1, 8), thursday = utc(2024, 1, 11)
        #expect(missing([friday, monday, thursday], interval: oneDay, calendar: .weekdays)
                == [[], [], [utc(2024, 1, 9), utc(2024, 1, 10)]])
        #expect(missing([friday, monday], interval: oneDay, calendar: .always)[1] == [utc(2024, 1, 6), utc(2024, 1, 7)])
    }

    @Test("Daily, nyse: Good Friday 2024 (March 29) is not a gap; under weekdays it is")
    func dailyNYSE() {
        let thursday = utc(2024, 3, 28), monday = utc(2024, 4, 1)
        #expect(missing([thursday, monday], interval: oneDay, calendar: .nyse)[1] == [])
        #expect(missing([thursday, monday], interval: oneDay, calendar: .weekdays)[1] == [utc(2024, 3, 29)])
    }

    @Test("Daily bars at New York midnight across the March 2024 change: the missing Monday is at 04:00Z")
    func dailyAcrossDaylightSaving() {
        // Friday March 8 00:00 EST = 05:00Z; Tuesday March 12 00:00 EDT = 04:00Z; Monday 00:00 EDT = 04:00Z.
        let found = missing([utc(2024, 3, 8, 5), utc(2024, 3, 12, 4)], interval: oneDay, calendar: .weekdays, zone: newYork)
        #expect(found[1] == [utc(2024, 3, 11, 4)])
    }

    @Test("Weekly bars: a bar a day late is not a gap; a skipped week is")
    func weekly() {
        let week = 7 * oneDay
        let found = missing([utc(2024, 1, 1), utc(2024, 1, 9), utc(2024, 1, 23)], interval: week, calendar: .nyse)
        #expect(found == [[], [], [utc(2024, 1, 16)]])
    }

    @Test("Counters add up gaps and missing bars")
    func counters() {
        var detector = GapDetector(intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
        for time in [0, 3, 4, 10].map({ Int64($0) * oneMinute }) { _ = detector.observe(time) }
        #expect(detector.gaps == 2)
        #expect(detector.missingBars == 2 + 5)
    }
}

@Suite("MarketData normaliser and gap policies")
struct MarketDataNormaliserTests {
    /// Minute bars at 0, 1 and 4 minutes past 10:00 on a Saturday: minutes 2 and 3 are missing.
    let t0 = utc(2024, 1, 6, 10, 0)
    var input: [Bar] {
        [bar(t0, close: 10), bar(t0 + oneMinute, close: 10.25), bar(t0 + 4 * oneMinute, close: 10.5)]
    }

    func run(_ gaps: DataSourceSpec.GapPolicy, anomalies: String = "{}", bars: [Bar]? = nil) -> ([NormalisedBar], FeedSummary) {
        var stage = MarketDataNormaliser(source: "test", anomalies: anomalyPolicy(anomalies), gaps: gaps,
                                         intervalMicroseconds: oneMinute, calendar: .always, timeZone: .gmt)
        var output: [NormalisedBar] = []
        for bar in bars ?? input { stage.process(bar, into: &output) }
        return (output, stage.summary)
    }

    @Test("report (the default): bars unchanged, the gap counted and listed")
    func report() {
        #expect(declaredSource("interval: 1m").gaps == .report)
        let (output, summary) = run(.report)
        #expect(output.map(\.bar) == input)
        #expect(output.allSatisfy { !$0.isFilled && $0.anomalies.isEmpty })
        #expect(summary.gapCount == 1 && summary.missingBars == 2 && summary.filledBars == 0)
        #expect(summary.gaps == [FeedSummary.Gap(after: t0 + oneMinute, firstMissing: t0 + 2 * oneMinute, missingBars: 2)])
        #expect(summary.rowsRead == 3 && summary.barsPassed == 3)
        #expect(summary.firstTimestamp == t0 && summary.lastTimestamp == t0 + 4 * oneMinute)
    }

    @Test("skip: bars unchanged, the gap counted but not listed")
    func skip() {
        let (output, summary) = run(.skip)
        #expect(output.map(\.bar) == input)
        #expect(summary.gapCount == 1 && summary.missingBars == 2 && summary.gaps.isEmpty)
    }

    @Test("forward_fill: the missing minutes come at the last close with zero volume, marked filled")
    func forwardFill() {
        let (output, summary) = run(.forwardFill)
        let fill = { (time: Int64) in Bar(timestamp: time, open: 10.25, high: 10.25, low: 10.25, close: 10.25, volume: 0) }
        #expect(output.map(\.bar) == [input[0], input[1], fill(t0 + 2 * oneMinute), fill(t0 + 3 * oneMinute), input[2]])
        #expect(output.map(\.isFilled) == [false, false, true, true, false])
        #expect(summary.filledBars == 2 && summary.barsPassed == 5 && summary.rowsRead == 3)
    }

    @Test("backfill from a file: nothing can answer, so the gap is reported and the summary says why")
    func backfillUnavailable() {
        let (output, summary) = run(.backfill)
        #expect(output.map(\.bar) == input)
        #expect(summary.gaps.count == 1)
        #expect(summary.notes == ["gaps: this source cannot backfill missing bars; they are reported instead"])
    }

    @Test("A dropped bar becomes a gap that forward_fill fills")
    func droppedThenFilled() {
        let bad = bar(t0 + oneMinute, open: 10, high: 9, low: 11, close: 10)
        let (output, summary) = run(.forwardFill, anomalies: "{ action: drop }", bars: [input[0], bad, bar(t0 + 2 * oneMinute, close: 10.5)])
        #expect(output.map(\.bar.timestamp) == [t0, t0 + oneMinute, t0 + 2 * oneMinute])
        #expect(output.map(\.isFilled) == [false, true, false])
        #expect(summary.barsDropped == 1 && summary.anomalies[.highBelowLow] == 1 && summary.filledBars == 1)
    }

    @Test("Flagged bars pass with their kinds; the summary prints and encodes with stable keys")
    func summaryOutput() throws {
        let (output, summary) = run(.report, bars: [bar(t0, close: 10), bar(t0 + oneMinute, open: 10, volume: 0)])
        #expect(output[1].anomalies == .zeroVolume)
        #expect(summary.barsFlagged == 1)
        #expect(summary.description.contains("anomalies (flag): zero_volume 1"))
        #expect(summary.description.contains("from 2024-01-06T10:00:00Z to 2024-01-06T10:01:00Z"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(summary), as: UTF8.self)
        #expect(json.contains(#""anomalies":{"high_below_low":0,"non_positive_price":0,"outside_range":0,"spike":0,"zero_volume":1}"#))
        #expect(json.contains(#""gap_policy":"report""#))
        #expect(try JSONDecoder().decode(FeedSummary.self, from: Data(json.utf8)) == summary)
    }
}
