import ExchangeAdapters
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Indicators
import Testing

/// A client of the local server whose clock starts long after the test klines closed.
private func makeClient(port: Int, clock: ManualClock, weightPerMinute: Int = 6000, maxRetries: Int = 5) -> BinanceRESTClient {
    BinanceRESTClient(
        configuration: .init(baseURL: URL(string: "http://127.0.0.1:\(port)")!, weightPerMinute: weightPerMinute, maxRetries: maxRetries,
                             backoff: Backoff(initial: .seconds(1), maximum: .seconds(16))),
        clock: clock, jitter: { 0 }, logger: quietLogger)
}

private func status(_ code: Int, headers: HTTPFields = [:], body: String = "{}") -> Response {
    Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
}

/// Answers with `failures` in turn, then with one 1m kline.
private func serveFailuresThenKline(_ router: Router<BasicWebSocketRequestContext>, failures: [Response], log: RequestLog) {
    router.get("/api/v3/klines") { _, _ -> Response in
        let index = log.count
        log.record([:])
        if index < failures.count { return failures[index] }
        return status(200, body: "[" + klineRow(open: epoch2024, close: 100) + "]")
    }
}

@Suite struct BinanceRESTClientTests {
    @Test func paginatesByLimitAdvancingStartTime() async throws {
        let log = RequestLog()
        let closes = (0..<2500).map { 100 + Double($0) }
        let bars = try await withBinanceServer({ serveKlines($0, start: epoch2024, closes: closes, log: log) }) { port in
            try await makeClient(port: port, clock: ManualClock())
                .klines(symbol: "btcusdt", interval: .oneMinute, from: epoch2024, through: epoch2024 + 2499 * minute)
        }
        #expect(bars.count == 2500)
        #expect(bars.first == expectedBar(open: epoch2024, close: 100))
        #expect(bars.last == expectedBar(open: epoch2024 + 2499 * minute, close: 2599))
        #expect(zip(bars, bars.dropFirst()).allSatisfy { $1.timestamp - $0.timestamp == minute })
        let requests = log.requests
        #expect(requests.count == 3)
        #expect(requests.map { $0["startTime"] } == [epoch2024 / 1000, epoch2024 / 1000 + 999 * 60_000 + 1, epoch2024 / 1000 + 1999 * 60_000 + 1].map { String($0) })
        #expect(requests.allSatisfy { $0["limit"] == "1000" && $0["symbol"] == "BTCUSDT" && $0["interval"] == "1m" })
        #expect(requests.allSatisfy { $0["endTime"] == String((epoch2024 + 2499 * minute) / 1000) })
    }

    @Test func rangeEndIsHonouredAndFormingKlinesAreLeftOut() async throws {
        let log = RequestLog()
        let closes = (0..<10).map(Double.init)
        let clock = ManualClock(nowMicroseconds: epoch2024 + 5 * minute + 30_000_000)
        let bars = try await withBinanceServer({ serveKlines($0, start: epoch2024, closes: closes, log: log) }) { port in
            try await makeClient(port: port, clock: clock)
                .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024 + minute, through: epoch2024 + 8 * minute)
        }
        // Klines 1...4 have closed; kline 5 is still forming at the clock's now.
        #expect(bars.map(\.timestamp) == (1...4).map { epoch2024 + $0 * minute })
    }

    @Test func weightBeyondTheBucketWaitsForTheRefill() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let bars = try await withBinanceServer({ serveKlines($0, start: epoch2024, closes: (0..<2500).map(Double.init), log: log) }) { port in
            // 4 weight a minute, 2 per request: the third page waits 30 s for 2 tokens.
            try await makeClient(port: port, clock: clock, weightPerMinute: 4)
                .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024 + 2499 * minute)
        }
        #expect(bars.count == 2500)
        #expect(clock.sleeps == [.seconds(30)])
    }

    @Test func tooManyRequestsWaitsRetryAfterThenRetries() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let limited = status(429, headers: [.retryAfter: "7"], body: #"{"code":-1003,"msg":"Too many requests."}"#)
        let bars = try await withBinanceServer({ serveFailuresThenKline($0, failures: [limited], log: log) }) { port in
            try await makeClient(port: port, clock: clock)
                .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
        }
        #expect(bars == [expectedBar(open: epoch2024, close: 100)])
        #expect(log.count == 2)
        #expect(clock.sleeps == [.seconds(7)])
    }

    @Test func tooManyRequestsWithoutRetryAfterBacksOff() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let bars = try await withBinanceServer({ serveFailuresThenKline($0, failures: [status(429), status(429)], log: log) }) { port in
            try await makeClient(port: port, clock: clock)
                .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
        }
        #expect(bars.count == 1)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
    }

    @Test func banStopsRequestsUntilItEnds() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let banned = status(418, headers: [.retryAfter: "300"], body: #"{"code":-1003,"msg":"Way too many requests; IP banned."}"#)
        let start = clock.nowMicroseconds
        try await withBinanceServer({ serveFailuresThenKline($0, failures: [banned], log: log) }) { port in
            let client = makeClient(port: port, clock: clock)
            let until = start + 300_000_000
            await #expect(throws: BinanceRESTError.banned(untilMicroseconds: until)) {
                try await client.klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
            }
            // While banned nothing is sent.
            clock.advance(by: .seconds(299))
            await #expect(throws: BinanceRESTError.banned(untilMicroseconds: until)) {
                try await client.klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
            }
            #expect(log.count == 1)
            clock.advance(by: .seconds(1))
            let bars = try await client.klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
            #expect(bars.count == 1)
            #expect(log.count == 2)
        }
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let bars = try await withBinanceServer({ serveFailuresThenKline($0, failures: [status(503), status(500), status(502)], log: log) }) { port in
            try await makeClient(port: port, clock: clock)
                .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
        }
        #expect(bars.count == 1)
        #expect(log.count == 4)
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1), .seconds(2)])
    }

    @Test func serverErrorsBeyondTheRetriesGiveUp() async throws {
        let log = RequestLog()
        let failures = Array(repeating: status(503), count: 10)
        try await withBinanceServer({ serveFailuresThenKline($0, failures: failures, log: log) }) { port in
            await #expect(throws: BinanceRESTError.retriesExhausted(attempts: 3, lastProblem: "HTTP 503")) {
                try await makeClient(port: port, clock: ManualClock(), maxRetries: 2)
                    .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
            }
        }
        #expect(log.count == 3)
    }

    @Test func refusedRequestReportsBinanceError() async throws {
        let log = RequestLog()
        let invalid = status(400, body: #"{"code":-1121,"msg":"Invalid symbol."}"#)
        try await withBinanceServer({ serveFailuresThenKline($0, failures: [invalid], log: log) }) { port in
            await #expect(throws: BinanceRESTError.rejected(status: 400, code: -1121, message: "Invalid symbol.")) {
                try await makeClient(port: port, clock: ManualClock())
                    .klines(symbol: "NOPE", interval: .oneMinute, from: epoch2024, through: epoch2024)
            }
        }
        #expect(log.count == 1)
    }

    @Test func malformedBodyIsReportedNotRetried() async throws {
        let log = RequestLog()
        try await withBinanceServer({ router in
            router.get("/api/v3/klines") { _, _ -> String in
                log.record([:])
                return #"[[1499040000000,"1","2","0.5","x","10",1499040059999]]"#
            }
        }) { port in
            let error = try await #require(throws: BinanceRESTError.self) {
                try await makeClient(port: port, clock: ManualClock())
                    .klines(symbol: "BTCUSDT", interval: .oneMinute, from: epoch2024, through: epoch2024)
            }
            #expect(error == .malformedResponse(BinanceMessageError(field: "[0][4] (close)", expected: #"a decimal number in a string, such as "0.0010""#, found: #""x""#)))
        }
        #expect(log.count == 1)
    }
}
