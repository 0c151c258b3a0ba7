import Foundation

/// The time an adapter reads and waits on: wall time for rate limits, bans and connection
/// state, and a sleep for backoff.
///
/// Injected so that tests run backoff and rate-limit waits without waiting in real time.
public protocol ExchangeClock: Sendable {
    /// Microseconds since the Unix epoch, UTC (the unit of every timestamp in Stratum).
    var nowMicroseconds: Int64 { get }

    /// Suspends for `duration`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func sleep(for duration: Duration) async throws
}

/// The system clock and `Task.sleep`.
public struct SystemExchangeClock: ExchangeClock {
    public init() {}

    public var nowMicroseconds: Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in whole microseconds, rounded toward zero.
    var microseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000
    }
}
