/// Why a Binance REST request gave no klines.
public enum BinanceRESTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Binance banned this IP (HTTP 418) until the given time (microseconds, UTC). The client
    /// sends nothing before then; every call fails with this error at once.
    case banned(untilMicroseconds: Int64)
    /// Binance refused the request (a 4xx other than 418 and 429), with its error code and text
    /// when the body carried them (`{"code": -1121, "msg": "Invalid symbol."}`).
    case rejected(status: Int, code: Int?, message: String)
    /// Server errors, rate limiting or network failures outlasted the retries.
    case retriesExhausted(attempts: Int, lastProblem: String)
    /// A 200 response whose body is not the documented kline array.
    case malformedResponse(BinanceMessageError)
    /// The feed's circuit breaker is open after repeated errors: nothing is sent until its
    /// cooldown passes and a probe request succeeds.
    case breakerOpen

    public var description: String {
        switch self {
        case .banned(let until):
            "Binance banned this IP (HTTP 418) until \(until) µs UTC; no requests are sent before then"
        case .rejected(let status, let code, let message):
            "Binance rejected the request (HTTP \(status)\(code.map { ", code \($0)" } ?? "")): \(message)"
        case .retriesExhausted(let attempts, let lastProblem):
            "gave up after \(attempts) attempts; last problem: \(lastProblem)"
        case .malformedResponse(let error):
            error.description
        case .breakerOpen:
            "the feed's circuit breaker is open after repeated errors; no request is sent until its cooldown has passed"
        }
    }
}
