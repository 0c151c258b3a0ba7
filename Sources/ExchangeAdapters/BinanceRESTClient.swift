public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif
public import Indicators
public import Logging
public import Runtime

/// Fetches closed klines from Binance's public REST API (`GET /api/v3/klines`), within its
/// rate limits.
///
/// - Every request takes its weight from a token bucket sized to the IP's weight per minute,
///   lowered further when the server's `X-MBX-USED-WEIGHT-1M` says others spent some.
/// - HTTP 429: waits `Retry-After` seconds (or the backoff when absent) and retries.
/// - HTTP 418: the IP is banned; the client stops and fails every call with
///   `BinanceRESTError.banned(untilMicroseconds:)` until the ban's end.
/// - HTTP 5xx and network errors: retries after jittered exponential backoff, up to `maxRetries`.
/// - With a `gate` (the feed's circuit breaker): every request asks it first and fails with
///   `BinanceRESTError.breakerOpen` while it refuses; every answer and failure is reported to it.
public actor BinanceRESTClient {
    public struct Configuration: Sendable {
        /// The API's origin, such as `https://api.binance.com`; requests go to `<baseURL>/api/v3/klines`.
        public var baseURL: URL
        /// The IP's request weight per minute (Binance spot: 6000).
        public var weightPerMinute: Int
        /// The weight of one klines request (Binance spot: 2).
        public var klinesWeight: Int
        /// Klines per request; Binance allows at most 1000.
        public var pageLimit: Int
        /// Retries after a 429, a 5xx or a network error before giving up.
        public var maxRetries: Int
        public var backoff: Backoff
        /// Wait after a 418 that carries no `Retry-After` (Binance's shortest ban).
        public var defaultBan: Duration
        public var requestTimeout: Duration

        public init(baseURL: URL, weightPerMinute: Int = 6000, klinesWeight: Int = 2, pageLimit: Int = 1000, maxRetries: Int = 5,
                    backoff: Backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30)),
                    defaultBan: Duration = .seconds(120), requestTimeout: Duration = .seconds(10)) {
            self.baseURL = baseURL
            self.weightPerMinute = weightPerMinute
            self.klinesWeight = klinesWeight
            self.pageLimit = pageLimit
            self.maxRetries = maxRetries
            self.backoff = backoff
            self.defaultBan = defaultBan
            self.requestTimeout = requestTimeout
        }
    }

    public let configuration: Configuration
    private let clock: any ExchangeClock
    private let jitter: @Sendable () -> Double
    private let session: URLSession
    private let logger: Logger
    private let gate: (any RequestGate)?
    private var bucket: TokenBucket
    private var bannedUntil: Int64?

    /// - Parameters:
    ///   - clock: time for the token bucket, bans and backoff waits.
    ///   - jitter: draws the backoff's random part in `0..<1`.
    ///   - gate: the circuit breaker every request passes; nil: none.
    public init(configuration: Configuration, clock: any ExchangeClock = SystemExchangeClock(),
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                session: URLSession = .shared, gate: (any RequestGate)? = nil, logger: Logger) {
        self.gate = gate
        self.configuration = configuration
        self.clock = clock
        self.jitter = jitter
        self.session = session
        self.logger = logger
        bucket = TokenBucket(capacity: configuration.weightPerMinute, window: .seconds(60), now: clock.nowMicroseconds)
    }

    /// The closed klines of `symbol` whose open times fall in `first...last` (microseconds, UTC),
    /// oldest first, fetched a page of `pageLimit` at a time.
    ///
    /// Klines that close after the clock's now are still forming and are left out.
    ///
    /// - Throws: `BinanceRESTError`, or `CancellationError` when cancelled while waiting.
    public func klines(symbol: String, interval: BinanceInterval, from first: Int64, through last: Int64) async throws -> [Bar] {
        var bars: [Bar] = []
        var start = first
        while start <= last {
            let page = try await page(symbol: symbol, interval: interval, start: start, end: last)
            let now = clock.nowMicroseconds
            bars += page.lazy.filter { $0.closeTimeMicroseconds < now && $0.bar.timestamp >= start && $0.bar.timestamp <= last }.map(\.bar)
            // A short page is the last one; otherwise the next page starts just after this one's last open time.
            guard page.count >= configuration.pageLimit, let lastOpen = page.last?.bar.timestamp else { break }
            start = lastOpen + 1000
        }
        return bars
    }

    /// One request for up to `pageLimit` klines opening in `start...end`, retried as the rate limits say.
    private func page(symbol: String, interval: BinanceInterval, start: Int64, end: Int64) async throws -> [BinanceKline] {
        let request = klinesRequest(symbol: symbol, interval: interval, start: start, end: end)
        var lastProblem = ""
        for attempt in 0...configuration.maxRetries {
            if attempt > 0 {
                logger.debug("retrying Binance klines request", metadata: ["exchange.attempt": "\(attempt)", "exchange.problem": "\(lastProblem)"])
            }
            try checkBan()
            let wait = bucket.take(configuration.klinesWeight, now: clock.nowMicroseconds)
            if wait > .zero { try await clock.sleep(for: wait) }
            try checkBan()

            guard gate?.mayRequest() ?? true else { throw BinanceRESTError.breakerOpen }
            let outcome = await send(request)
            report(outcome)
            switch outcome {
            case .success(let body):
                do {
                    return try BinanceKlineParser.restKlines(body)
                } catch {
                    throw BinanceRESTError.malformedResponse(error)
                }
            case .rateLimited(let retryAfter):
                lastProblem = "HTTP 429 (rate limited)"
                logger.warning("Binance rate limit hit (HTTP 429); backing off", metadata: ["exchange.retry_after": "\(retryAfter.map { "\($0)" } ?? "none")"])
                try await clock.sleep(for: retryAfter ?? configuration.backoff.delay(attempt: attempt + 1, jitter: jitter()))
            case .banned(let retryAfter):
                let until = clock.nowMicroseconds + (retryAfter ?? configuration.defaultBan).microseconds
                bannedUntil = until
                logger.error("Binance banned this IP (HTTP 418)", metadata: ["exchange.banned_until_us": "\(until)"])
                throw BinanceRESTError.banned(untilMicroseconds: until)
            case .rejected(let status, let code, let message):
                throw BinanceRESTError.rejected(status: status, code: code, message: message)
            case .transient(let problem):
                lastProblem = problem
                try await clock.sleep(for: configuration.backoff.delay(attempt: attempt + 1, jitter: jitter()))
            }
        }
        throw BinanceRESTError.retriesExhausted(attempts: configuration.maxRetries + 1, lastProblem: lastProblem)
    }

    /// Tells the breaker: an answer that is not an outage (data, or a refusal of this request)
    /// is contact; rate limits, bans, 5xx and network errors are errors.
    private func report(_ outcome: Outcome) {
        guard let gate else { return }
        switch outcome {
        case .success, .rejected: gate.succeeded()
        case .rateLimited: gate.failed("HTTP 429 (rate limited)")
        case .banned: gate.failed("HTTP 418 (IP banned)")
        case .transient(let problem): gate.failed(problem)
        }
    }

    private func checkBan() throws(BinanceRESTError) {
        guard let until = bannedUntil else { return }
        if clock.nowMicroseconds < until { throw .banned(untilMicroseconds: until) }
        bannedUntil = nil
    }

    private func klinesRequest(symbol: String, interval: BinanceInterval, start: Int64, end: Int64) -> URLRequest {
        var components = URLComponents(url: configuration.baseURL.appendingPathComponent("api/v3/klines"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "symbol", value: symbol.uppercased()),
            URLQueryItem(name: "interval", value: interval.rawValue),
            URLQueryItem(name: "startTime", value: String(start / 1000)),
            URLQueryItem(name: "endTime", value: String(end / 1000)),
            URLQueryItem(name: "limit", value: String(configuration.pageLimit)),
        ]
        var request = URLRequest(url: components.url!)
        request.timeoutInterval = Double(configuration.requestTimeout.components.seconds)
        return request
    }

    /// What one response means for the caller.
    private enum Outcome {
        case success(Data)
        case rateLimited(retryAfter: Duration?)
        case banned(retryAfter: Duration?)
        case rejected(status: Int, code: Int?, message: String)
        case transient(String)
    }

    private func send(_ request: URLRequest) async -> Outcome {
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            return .transient("network error: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else { return .transient("not an HTTP response") }
        if let used = http.value(forHTTPHeaderField: "X-MBX-USED-WEIGHT-1M").flatMap({ Int($0) }) {
            bucket.observe(usedWeight: used, now: clock.nowMicroseconds)
        }
        let retryAfter = http.value(forHTTPHeaderField: "Retry-After").flatMap { Int($0) }.map { Duration.seconds($0) }
        switch http.statusCode {
        case 200..<300: return .success(data)
        case 429: return .rateLimited(retryAfter: retryAfter)
        case 418: return .banned(retryAfter: retryAfter)
        case 500...: return .transient("HTTP \(http.statusCode)")
        default:
            let error = try? JSONDecoder().decode(APIError.self, from: data)
            return .rejected(status: http.statusCode, code: error?.code,
                             message: error?.msg ?? String(decoding: data.prefix(200), as: UTF8.self))
        }
    }

    /// Binance's error body.
    private struct APIError: Decodable {
        var code: Int
        var msg: String
    }
}
