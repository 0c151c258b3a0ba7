@testable import ExchangeAdapters
import Runtime
import Testing

@Suite struct BackoffTests {
    let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8))

    @Test func delayDoublesFromHalfTheCeilingWithNoJitter() {
        #expect(backoff.delay(attempt: 1, jitter: 0) == .milliseconds(500))
        #expect(backoff.delay(attempt: 2, jitter: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 3, jitter: 0) == .seconds(2))
    }

    @Test func fullJitterReachesTheCeilingWhichIsCapped() {
        #expect(backoff.delay(attempt: 1, jitter: 0.999_999) < .seconds(1))
        #expect(backoff.delay(attempt: 3, jitter: 0.5) == .seconds(3))
        #expect(backoff.delay(attempt: 10, jitter: 0) == .seconds(4))
        #expect(backoff.delay(attempt: 60, jitter: 1) == .seconds(8))
    }
}

@Suite struct TokenBucketTests {
    @Test func takesWithoutWaitingUntilEmptyThenWaitsForTheRefill() {
        var bucket = TokenBucket(capacity: 4, window: .seconds(60), now: 0)
        #expect(bucket.take(2, now: 0) == .zero)
        #expect(bucket.take(2, now: 0) == .zero)
        // 2 tokens short at 4 per minute: 30 seconds.
        #expect(bucket.take(2, now: 0) == .seconds(30))
        // The next caller queues behind the first: 4 short.
        #expect(bucket.take(2, now: 0) == .seconds(60))
    }

    @Test func refillsWithTimeUpToCapacity() {
        var bucket = TokenBucket(capacity: 60, window: .seconds(60), now: 0)
        #expect(bucket.take(60, now: 0) == .zero)
        #expect(bucket.take(10, now: 10_000_000) == .zero)
        #expect(bucket.take(1, now: 10_000_000) == .seconds(1))
        var rested = TokenBucket(capacity: 60, window: .seconds(60), now: 0)
        #expect(rested.take(61, now: 3_600_000_000) == .seconds(1))
    }

    @Test func serverReportedWeightLowersTheBalance() {
        var bucket = TokenBucket(capacity: 100, window: .seconds(60), now: 0)
        bucket.observe(usedWeight: 99, now: 0)
        #expect(bucket.take(1, now: 0) == .zero)
        #expect(bucket.take(1, now: 0) > .zero)
    }
}

@Suite struct KlineSequencerTests {
    let minute: Int64 = 60_000_000

    @Test func firstBarIsDeliveredAndRepeatsAreDropped() {
        var sequencer = KlineSequencer(intervalMicroseconds: minute)
        #expect(sequencer.decide(10 * minute) == .deliver)
        sequencer.delivered(10 * minute)
        #expect(sequencer.decide(10 * minute) == .alreadyDelivered)
        #expect(sequencer.decide(9 * minute) == .alreadyDelivered)
        #expect(sequencer.decide(11 * minute) == .deliver)
    }

    @Test func barAfterMissingOnesAsksForThem() {
        let sequencer = KlineSequencer(intervalMicroseconds: minute, lastDelivered: 10 * minute)
        #expect(sequencer.decide(14 * minute) == .gap(firstMissing: 11 * minute, lastMissing: 13 * minute))
    }
}

@Suite struct BinanceIntervalTests {
    @Test func intervalsMatchByLength() {
        #expect(BinanceInterval(microseconds: 60_000_000) == .oneMinute)
        #expect(BinanceInterval(microseconds: 86_400_000_000) == .oneDay)
        #expect(BinanceInterval(microseconds: 7 * 60_000_000) == nil)
        #expect(BinanceInterval.fifteenMinutes.rawValue == "15m")
    }
}

@Suite struct BinanceSourceTests {
    @Test func defaultsToBinanceEndpointsWithBackfill() throws {
        let source = try BinanceSource(name: "btc", venue: "binance", symbol: "BTCUSDT", intervalMicroseconds: 60_000_000,
                                       url: nil, restURL: nil, backfill: true)
        #expect(source.stream.streamURL == "wss://stream.binance.com:9443/ws/btcusdt@kline_1m")
        #expect(source.rest?.baseURL.absoluteString == "https://api.binance.com")
    }

    @Test func localEndpointsAndNoBackfill() throws {
        let source = try BinanceSource(name: "btc", venue: "binance", symbol: "ETHUSDT", intervalMicroseconds: 300_000_000,
                                       url: "ws://127.0.0.1:9443/ws/", restURL: "http://127.0.0.1:8080", backfill: false)
        #expect(source.stream.streamURL == "ws://127.0.0.1:9443/ws/ethusdt@kline_5m")
        #expect(source.rest == nil)
    }

    @Test func unsupportedSettingsAreRefusedWithTheSourceName() throws {
        let venue = try #require(throws: FeedError.self) {
            try BinanceSource(name: "btc", venue: "kraken", symbol: "BTCUSDT", intervalMicroseconds: 60_000_000, url: nil, restURL: nil, backfill: true)
        }
        #expect(venue.file == "btc")
        #expect(venue.message.contains("kraken"))
        #expect(throws: FeedError.self) {
            try BinanceSource(name: "btc", venue: "binance", symbol: "BTCUSDT", intervalMicroseconds: 7 * 60_000_000, url: nil, restURL: nil, backfill: true)
        }
        #expect(throws: FeedError.self) {
            try BinanceSource(name: "btc", venue: "binance", symbol: "BTCUSDT", intervalMicroseconds: 60_000_000, url: "http://x", restURL: nil, backfill: true)
        }
    }
}
