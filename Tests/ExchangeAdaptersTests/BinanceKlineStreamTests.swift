import ExchangeAdapters
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Indicators
import Testing

/// What the local stream server sends on each connection: connection `n` gets `scripts[n]`, then
/// is closed by the server, except the last, which stays open until the client leaves.
final class StreamScript: @unchecked Sendable {
    private let lock = NSLock()
    private let scripts: [[String]]
    private var connections = 0

    init(_ scripts: [[String]]) { self.scripts = scripts }

    var connectionCount: Int { lock.withLock { connections } }

    /// The messages for the next connection, and whether the server closes it after them.
    func nextConnection() -> (messages: [String], thenClose: Bool) {
        lock.withLock {
            let index = connections
            connections += 1
            guard index < scripts.count else { return ([], false) }
            return (scripts[index], index < scripts.count - 1)
        }
    }
}

private func serveStream(_ router: Router<BasicWebSocketRequestContext>, script: StreamScript) {
    router.ws("/ws/btcusdt@kline_1m") { inbound, outbound, _ in
        let (messages, thenClose) = script.nextConnection()
        for message in messages { try await outbound.write(.text(message)) }
        if thenClose { return }
        for try await _ in inbound {}
    }
}

private struct EnoughBars: Error {}

private func streamConfiguration(port: Int, maxReconnectAttempts: Int? = nil) -> BinanceKlineStream.Configuration {
    BinanceKlineStream.Configuration(
        symbol: "BTCUSDT", interval: .oneMinute, endpoint: "ws://127.0.0.1:\(port)/ws",
        reconnectBackoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1)), maxReconnectAttempts: maxReconnectAttempts)
}

private func restClient(port: Int, clock: ManualClock) -> BinanceRESTClient {
    BinanceRESTClient(configuration: .init(baseURL: URL(string: "http://127.0.0.1:\(port)")!), clock: clock, jitter: { 0 }, logger: quietLogger)
}

/// Runs `stream` until it has delivered `bars` bars and returns every event it reported.
private func collect(_ stream: BinanceKlineStream, bars: Int, after lastDelivered: Int64? = nil) async throws -> [KlineStreamEvent] {
    var events: [KlineStreamEvent] = []
    var delivered = 0
    do {
        try await stream.run(after: lastDelivered) { event in
            events.append(event)
            if case .bar = event { delivered += 1 }
            if delivered == bars { throw EnoughBars() }
        }
    } catch is EnoughBars {}
    return events
}

private func bars(_ events: [KlineStreamEvent]) -> [Bar] {
    events.compactMap { if case .bar(let bar) = $0 { bar } else { nil } }
}

private func at(_ index: Int64) -> Int64 { epoch2024 + index * minute }

@Suite struct BinanceKlineStreamTests {
    @Test func closedBarsInOrderWithFormingKlinesRepeatsAndJunkSkipped() async throws {
        let script = StreamScript([[
            klineEvent(open: at(0), close: 99, closed: false),
            klineEvent(open: at(0), close: 100, closed: true),
            klineEvent(open: at(0), close: 100, closed: true),
            #"{"result":null,"id":1}"#,
            klineEvent(open: at(1), close: 101, closed: false),
            klineEvent(open: at(1), close: 101, closed: true),
            klineEvent(open: at(2), close: 102, closed: true),
        ]])
        let events = try await withBinanceServer({ serveStream($0, script: script) }) { port in
            try await collect(BinanceKlineStream(configuration: streamConfiguration(port: port), backfill: nil,
                                                 clock: ManualClock(), logger: quietLogger), bars: 3)
        }
        #expect(events.first == .connection(.connected))
        #expect(bars(events) == [expectedBar(open: at(0), close: 100), expectedBar(open: at(1), close: 101), expectedBar(open: at(2), close: 102)])
    }

    @Test func droppedConnectionReconnectsAndBackfillsTheGap() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let script = StreamScript([
            [klineEvent(open: at(0), close: 100, closed: true), klineEvent(open: at(1), close: 101, closed: true)],
            // After the reconnect: a repeat of bar 1, then bar 4; bars 2 and 3 happened while away.
            [klineEvent(open: at(1), close: 101, closed: true), klineEvent(open: at(4), close: 104, closed: false),
             klineEvent(open: at(4), close: 104, closed: true), klineEvent(open: at(5), close: 105, closed: true)],
        ])
        let events = try await withBinanceServer({ router in
            serveStream(router, script: script)
            serveKlines(router, start: at(0), closes: [100, 101, 102, 103, 104, 105], log: log)
        }) { port in
            let stream = BinanceKlineStream(configuration: streamConfiguration(port: port), backfill: restClient(port: port, clock: clock),
                                            clock: clock, jitter: { 0 }, logger: quietLogger)
            return try await collect(stream, bars: 6)
        }
        #expect(bars(events) == (0...5).map { expectedBar(open: at($0), close: 100 + Double($0)) })
        #expect(script.connectionCount == 2)
        // One REST request, for exactly the missing bars.
        #expect(log.requests.map { [$0["startTime"], $0["endTime"]] } == [[String(at(2) / 1000), String(at(3) / 1000)]])
        let states = events.compactMap { if case .connection(let state) = $0 { state } else { nil } }
        #expect(states.count == 4)
        #expect(states[0] == .connected)
        guard case .disconnected(let since, _) = states[1] else {
            Issue.record("expected a disconnect, got \(states[1])")
            return
        }
        #expect(since == ManualClock().nowMicroseconds)
        #expect(states[2] == .reconnecting(attempt: 1, delay: .milliseconds(50)))
        #expect(states[3] == .connected)
        #expect(!events.contains { if case .gap = $0 { true } else { false } })
    }

    @Test func restartedStreamFillsFromTheLastDeliveredBar() async throws {
        let log = RequestLog()
        let clock = ManualClock()
        let script = StreamScript([[klineEvent(open: at(3), close: 103, closed: true)]])
        let events = try await withBinanceServer({ router in
            serveStream(router, script: script)
            serveKlines(router, start: at(0), closes: [100, 101, 102, 103], log: log)
        }) { port in
            let stream = BinanceKlineStream(configuration: streamConfiguration(port: port), backfill: restClient(port: port, clock: clock),
                                            clock: clock, logger: quietLogger)
            return try await collect(stream, bars: 3, after: at(0))
        }
        #expect(bars(events).map(\.timestamp) == [at(1), at(2), at(3)])
    }

    @Test func gapWithoutBackfillIsReported() async throws {
        let script = StreamScript([[klineEvent(open: at(0), close: 100, closed: true), klineEvent(open: at(3), close: 103, closed: true)]])
        let events = try await withBinanceServer({ serveStream($0, script: script) }) { port in
            try await collect(BinanceKlineStream(configuration: streamConfiguration(port: port), backfill: nil,
                                                 clock: ManualClock(), logger: quietLogger), bars: 2)
        }
        #expect(events.contains(.gap(firstMissing: at(1), lastMissing: at(2), reason: "backfill is off")))
        #expect(bars(events).map(\.timestamp) == [at(0), at(3)])
    }

    @Test func failedBackfillIsReportedAsAGapAndTheStreamGoesOn() async throws {
        let clock = ManualClock()
        let script = StreamScript([[klineEvent(open: at(0), close: 100, closed: true), klineEvent(open: at(3), close: 103, closed: true)]])
        let events = try await withBinanceServer({ router in
            serveStream(router, script: script)
            router.get("/api/v3/klines") { _, _ -> Response in
                Response(status: .init(code: 418), headers: [.retryAfter: "120"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
        }) { port in
            let stream = BinanceKlineStream(configuration: streamConfiguration(port: port), backfill: restClient(port: port, clock: clock),
                                            clock: clock, logger: quietLogger)
            return try await collect(stream, bars: 2)
        }
        let gaps = events.compactMap { if case .gap(let first, let last, let reason) = $0 { (first, last, reason) } else { nil } }
        #expect(gaps.count == 1)
        #expect(gaps.first?.0 == at(1) && gaps.first?.1 == at(2))
        #expect(gaps.first?.2.contains("418") == true)
        #expect(bars(events).map(\.timestamp) == [at(0), at(3)])
    }

    @Test func givesUpAfterTheReconnectLimit() async throws {
        let clock = ManualClock()
        try await withBinanceServer({ _ in }) { port in
            // No WebSocket route: every upgrade is refused.
            var events: [KlineStreamEvent] = []
            let stream = BinanceKlineStream(configuration: streamConfiguration(port: port, maxReconnectAttempts: 2), backfill: nil,
                                            clock: clock, jitter: { 0 }, logger: quietLogger)
            let error = try await #require(throws: KlineStreamError.self) {
                try await stream.run { events.append($0) }
            }
            #expect(error.description.hasPrefix("gave up reconnecting after 2 attempts"))
            let reconnects = events.compactMap { if case .connection(.reconnecting(let attempt, let delay)) = $0 { "\(attempt):\(delay)" } else { nil } }
            #expect(reconnects == ["1:\(Duration.milliseconds(50))", "2:\(Duration.milliseconds(100))"])
            #expect(events.filter { if case .connection(.disconnected) = $0 { true } else { false } }.count == 3)
            #expect(!events.contains(.connection(.connected)))
        }
    }
}
