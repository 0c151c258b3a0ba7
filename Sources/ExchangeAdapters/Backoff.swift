import Foundation

/// Jittered exponential backoff: how long to wait before retry or reconnect attempt `n`.
///
/// The ceiling doubles (by `multiplier`) from `initial` up to `maximum`; the delay is half the
/// ceiling plus a random part of the other half ("equal jitter"). Clients that lost the same
/// server at the same moment thereby spread their retries, yet none retries at once.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double

    public init(initial: Duration, maximum: Duration, multiplier: Double = 2) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1, "backoff needs 0 < initial <= maximum and multiplier >= 1")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before attempt `attempt`.
    ///
    /// - Parameters:
    ///   - attempt: 1 for the first retry, 2 for the second, and so on.
    ///   - jitter: a number in `0..<1`; the caller draws it, so that tests can fix it.
    /// - Returns: a delay in `ceiling/2 ..< ceiling`, where the ceiling is
    ///   `min(maximum, initial × multiplier^(attempt-1))`.
    public func delay(attempt: Int, jitter: Double) -> Duration {
        let growth = pow(multiplier, Double(max(0, attempt - 1)))
        let initialSeconds = Self.seconds(initial)
        let ceiling = min(Self.seconds(maximum), initialSeconds * growth)
        let fraction = min(max(jitter, 0), 1)
        return .microseconds(Int64((ceiling / 2 + ceiling / 2 * fraction) * 1_000_000))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
