import Foundation
import HummingbirdWSClient
import Indicators
public import Logging
public import Runtime

/// A Binance kline stream (`<symbol>@kline_<interval>`) as closed bars, each once and in order,
/// surviving disconnects.
///
/// - Only closed klines (`x: true`) become bars; updates of the forming kline are skipped.
/// - A bar at or before the last one delivered (a repeat after a reconnect) is dropped.
/// - When a bar arrives after a gap (typically the first bar after a reconnect), the missing
///   bars are fetched over REST and delivered first; without a REST client, or when REST fails,
///   a `.gap` event says which bars are missing.
/// - A lost connection is reopened after jittered exponential backoff; every change is reported
///   as a `.connection` event.
public struct BinanceKlineStream: Sendable {
    public struct Configuration: Sendable {
        /// Binance symbol (`BTCUSDT`); the stream name uses it in lower case.
        public var symbol: String
        public var interval: BinanceInterval
        /// The raw-stream endpoint, such as `wss://stream.binance.com:9443/ws`; the stream name
        /// is appended as a path component.
        public var endpoint: String
        public var reconnectBackoff: Backoff
        /// Consecutive failed reconnects before `run` gives up; nil retries for ever (a supervisor's
        /// kill switch watches the `.connection` events instead).
        public var maxReconnectAttempts: Int?
        /// The largest message accepted, in bytes.
        public var maxMessageBytes: Int

        public init(symbol: String, interval: BinanceInterval, endpoint: String = "wss://stream.binance.com:9443/ws",
                    reconnectBackoff: Backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(30)),
                    maxReconnectAttempts: Int? = nil, maxMessageBytes: Int = 1 << 16) {
            self.symbol = symbol
            self.interval = interval
            self.endpoint = endpoint
            self.reconnectBackoff = reconnectBackoff
            self.maxReconnectAttempts = maxReconnectAttempts
            self.maxMessageBytes = maxMessageBytes
        }

        /// `<endpoint>/<symbol>@kline_<interval>`.
        public var streamURL: String {
            let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            return "\(base)/\(symbol.lowercased())@kline_\(interval.rawValue)"
        }
    }

    public let configuration: Configuration
    /// Fills gaps; nil when the source's `backfill` is off.
    public let backfill: BinanceRESTClient?
    private let clock: any ExchangeClock
    private let jitter: @Sendable () -> Double
    private let gate: (any RequestGate)?
    private let logger: Logger

    /// - Parameters:
    ///   - backfill: the REST client that fetches missing bars; nil reports gaps instead.
    ///   - clock: time for connection states and reconnect waits.
    ///   - jitter: draws the backoff's random part in `0..<1`.
    ///   - gate: the feed's circuit breaker, asked before every connection attempt; while it is
    ///     open the stream waits instead of connecting. The caller reports the `.connection`
    ///     events to it (connected: success, disconnected: error).
    public init(configuration: Configuration, backfill: BinanceRESTClient?, clock: any ExchangeClock = SystemExchangeClock(),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, gate: (any RequestGate)? = nil, logger: Logger) {
        self.gate = gate
        self.configuration = configuration
        self.backfill = backfill
        self.clock = clock
        self.jitter = jitter
        self.logger = logger
    }

    /// Connects and delivers events to `onEvent` until cancelled.
    ///
    /// `onEvent` runs on this task, one event at a time; the next message waits until it returns.
    ///
    /// - Parameter lastDelivered: the open time (microseconds, UTC) of the last bar a previous run
    ///   delivered; the gap from there to the first streamed bar is filled like any other.
    /// - Throws: `CancellationError` when cancelled, `KlineStreamError` when reconnecting gives
    ///   up, or what `onEvent` throws.
    public func run(after lastDelivered: Int64? = nil, onEvent: (KlineStreamEvent) async throws -> Void) async throws {
        var sequencer = KlineSequencer(intervalMicroseconds: configuration.interval.microseconds, lastDelivered: lastDelivered)
        var failures = 0
        while true {
            try Task.checkCancellation()
            if failures > 0 {
                let delay = configuration.reconnectBackoff.delay(attempt: failures, jitter: jitter())
                try await onEvent(.connection(.reconnecting(attempt: failures, delay: delay)))
                try await clock.sleep(for: delay)
            }
            while let gate, !gate.mayRequest() {
                // The breaker is open: no connection attempt until its cooldown lets a probe through.
                try await clock.sleep(for: configuration.reconnectBackoff.delay(attempt: max(failures, 1), jitter: jitter()))
            }
            let outcome = try await session(sequencer: &sequencer, onEvent: onEvent)
            try Task.checkCancellation()
            // A connection that opened resets the count: the next failure starts the backoff afresh.
            failures = outcome.opened ? 1 : failures + 1
            logger.warning("Binance stream disconnected", metadata: [
                "exchange.stream": "\(configuration.streamURL)", "exchange.reason": "\(outcome.reason)",
            ])
            try await onEvent(.connection(.disconnected(sinceMicroseconds: clock.nowMicroseconds, reason: outcome.reason)))
            if let limit = configuration.maxReconnectAttempts, failures > limit {
                throw KlineStreamError.reconnectAttemptsExhausted(attempts: failures - 1, lastReason: outcome.reason)
            }
        }
    }

    /// How one connection ended.
    private struct SessionOutcome: Sendable {
        var opened: Bool
        var reason: String
    }

    /// What the connection hands to the consuming loop.
    private enum Inbound: Sendable {
        case opened
        case text(String)
    }

    /// One connection: opens it, handles its messages, and returns when it ends.
    ///
    /// The WebSocket runs in a child task that only forwards frames; sequencing, backfill and
    /// `onEvent` run here, so a slow consumer or a backfill never races the socket.
    private func session(sequencer: inout KlineSequencer, onEvent: (KlineStreamEvent) async throws -> Void) async throws -> SessionOutcome {
        let (inbound, continuation) = AsyncStream<Inbound>.makeStream()
        let url = configuration.streamURL
        let maxMessageBytes = configuration.maxMessageBytes
        let logger = logger
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                defer { continuation.finish() }
                do {
                    try await WebSocketClient.connect(url: url, logger: logger) { frames, _, _ in
                        continuation.yield(.opened)
                        for try await message in frames.messages(maxSize: maxMessageBytes) {
                            if case .text(let text) = message { continuation.yield(.text(text)) }
                        }
                    }
                    return "the server closed the connection"
                } catch {
                    return "\(error)"
                }
            }
            var opened = false
            for await item in inbound {
                switch item {
                case .opened:
                    opened = true
                    logger.info("Binance stream connected", metadata: ["exchange.stream": "\(url)"])
                    try await onEvent(.connection(.connected))
                case .text(let text):
                    try await handle(text, sequencer: &sequencer, onEvent: onEvent)
                }
            }
            let reason = try await group.next() ?? "the connection ended"
            return SessionOutcome(opened: opened, reason: reason)
        }
    }

    /// Delivers a message's bar if it is closed and new, after filling any gap before it.
    private func handle(_ text: String, sequencer: inout KlineSequencer, onEvent: (KlineStreamEvent) async throws -> Void) async throws {
        let bar: Bar
        do {
            guard let closed = try BinanceKlineParser.closedBar(text) else { return }
            bar = closed
        } catch {
            // One bad message is not worth a reconnect; the gap check catches a lost bar.
            logger.warning("skipping a malformed Binance message", metadata: ["exchange.problem": "\(error)"])
            return
        }
        switch sequencer.decide(bar.timestamp) {
        case .alreadyDelivered:
            return
        case .deliver:
            break
        case .gap(let firstMissing, let lastMissing):
            try await fill(firstMissing: firstMissing, lastMissing: lastMissing, before: bar.timestamp, sequencer: &sequencer, onEvent: onEvent)
        }
        sequencer.delivered(bar.timestamp)
        try await onEvent(.bar(bar))
    }

    /// Fetches and delivers the bars missing before the one opening at `upcoming`, and reports
    /// what REST could not supply.
    private func fill(firstMissing: Int64, lastMissing: Int64, before upcoming: Int64, sequencer: inout KlineSequencer,
                      onEvent: (KlineStreamEvent) async throws -> Void) async throws {
        guard let backfill else {
            try await onEvent(.gap(firstMissing: firstMissing, lastMissing: lastMissing, reason: "backfill is off"))
            return
        }
        let bars: [Bar]
        do {
            bars = try await backfill.klines(symbol: configuration.symbol, interval: configuration.interval,
                                             from: firstMissing, through: lastMissing)
        } catch let error as BinanceRESTError {
            logger.error("backfill failed", metadata: ["exchange.problem": "\(error)"])
            try await onEvent(.gap(firstMissing: firstMissing, lastMissing: lastMissing, reason: error.description))
            return
        }
        logger.info("backfilled missing bars", metadata: ["exchange.bars": "\(bars.count)"])
        for bar in bars {
            switch sequencer.decide(bar.timestamp) {
            case .alreadyDelivered: continue
            case .deliver: break
            case .gap(let first, let last): try await onEvent(.gap(firstMissing: first, lastMissing: last, reason: Self.absentFromREST))
            }
            sequencer.delivered(bar.timestamp)
            try await onEvent(.bar(bar))
        }
        if case .gap(let first, let last) = sequencer.decide(upcoming) {
            try await onEvent(.gap(firstMissing: first, lastMissing: last, reason: Self.absentFromREST))
        }
    }

    private static let absentFromREST = "Binance's REST API returned no klines for them either"
}
