public import Indicators

/// What a kline stream tells its consumer: bars, in order and each once, and how the
/// connection is doing.
public enum KlineStreamEvent: Sendable, Equatable {
    /// A closed bar, either from the stream or fetched over REST to fill a gap.
    case bar(Bar)
    /// The connection changed state (for a supervisor's circuit breaker and kill switch).
    case connection(ConnectionState)
    /// Bars opening in `firstMissing...lastMissing` (microseconds, UTC) are missing and could not
    /// be fetched (backfill is off, or REST failed); the next bar follows the gap.
    case gap(firstMissing: Int64, lastMissing: Int64, reason: String)
}

/// The state of a stream's WebSocket connection.
public enum ConnectionState: Sendable, Equatable {
    /// Subscribed; messages are flowing.
    case connected
    /// The connection was lost (or could not be made) at `sinceMicroseconds` (UTC), for `reason`.
    case disconnected(sinceMicroseconds: Int64, reason: String)
    /// Reconnect attempt `attempt` (1, 2, ...) will start after `delay`.
    case reconnecting(attempt: Int, delay: Duration)
}

/// Why a kline stream stopped.
public enum KlineStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reconnecting failed `attempts` times in a row.
    case reconnectAttemptsExhausted(attempts: Int, lastReason: String)

    public var description: String {
        switch self {
        case .reconnectAttemptsExhausted(let attempts, let lastReason):
            "gave up reconnecting after \(attempts) attempts; last problem: \(lastReason)"
        }
    }
}
