import Foundation
import Testing
import Indicators
import Agents
import StrategyDSL
@testable import Runtime

@Suite("Feed: data sources through the MarketData stage")
struct FeedMarketDataFeedTests {
    @Test("GOOG daily under nyse: zero gaps (every missing weekday is an NYSE closure, scripts/data/nyse_reference.py)")
    func googNYSE() throws {
        let series = try CSVBarReader(path: googPath).readAll()
        var detector = GapDetector(intervalMicroseconds: 86_400_000_000, calendar: .nyse, timeZone: .gmt)
        var missing: [Int64] = []
        for time in series.timestamps { missing += detector.observe(time) }
        #expect(missing.isEmpty, "\(missing.prefix(5).map(UTCTimestamp.iso8601))")
    }

    @Test("GOOG daily under weekdays: exactly the weekdays pandas finds missing (FeedReference)")
    func googWeekdays() throws {
        let series = try CSVBarReader(path: googPath).readAll()
        var detector = GapDetector(intervalMicroseconds: 86_400_000_000, calendar: .weekdays, timeZone: .gmt)
        var missing: [String] = []
        for time in series.timestamps { missing += detector.observe(time).map { String(UTCTimestamp.iso8601($0).prefix(10)) } }
        #expect(missing == FeedReference.googMissingWeekdays)
    }

    @Test("A csv source declared with calendar nyse reads GOOG unchanged and summarises it")
    func csvSource() throws {
        let source = declaredSource("csv: data/GOOG.csv\ninterval: 1d\ncalendar: nyse")
        let feed = try MarketDataFeed(source, baseDirectory: repositoryRoot.path)
        var bars: [Bar] = []
        let summary = try feed.run { bars.append($0.bar) }
        #expect(BarSeries(bars) == (try CSVBarReader(path: googPath).readAll()))
        #expect(summary.rowsRead == FeedReference.googRowCount && summary.barsPassed == FeedReference.googRowCount)
        #expect(summary.gapCount == 0)
        #expect(summary.firstTimestamp.map(UTCTimestamp.iso8601) == "2004-08-19T00:00:00Z")
        #expect(summary.lastTimestamp.map(UTCTimestamp.iso8601) == "2013-03-01T00:00:00Z")
    }

    @Test("A synthetic source streams the generator's bars with no gaps and no anomalies at default settings")
    func syntheticSource() throws {
        let source = declaredSource("synthetic: { seed: 3, bars: 5000 }\ninterval: 1m\ncalendar: always")
        let feed = try MarketDataFeed(source)
        var count = 0
        let summary = try feed.run { _ in count += 1 }
        #expect(count == 5000 && summary.rowsRead == 5000)
        #expect(summary.gapCount == 0 && summary.anomalies.total == 0)
    }

    @Test("A replay source read as history is its file")
    func replaySource() throws {
        let source = declaredSource("replay: { path: data/GOOG.csv, speed: 60x }\ninterval: 1d\ncalendar: nyse")
        var count = 0
        let summary = try MarketDataFeed(source, baseDirectory: repositoryRoot.path).run { _ in count += 1 }
        #expect(count == FeedReference.googRowCount && summary.gapCount == 0)
    }

    @Test("Sources this module cannot read, and unknown time zones, are errors")
    func unsupported() {
        let sqlite = declaredSource("sqlite: { path: bars.db }")
        #expect(throws: FeedError.self) { try MarketDataFeed(sqlite) }
        let zone = declaredSource("csv: data/GOOG.csv\ntimezone: Mars/Olympus")
        do {
            _ = try MarketDataFeed(zone, baseDirectory: repositoryRoot.path)
            Issue.record("an unknown zone was accepted")
        } catch {
            #expect(error.reason == .unknownTimeZone)
        }
    }
}
