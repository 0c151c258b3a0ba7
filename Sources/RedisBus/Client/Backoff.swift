/// Delays between reconnect attempts: doubling from `initial` up to `maximum`.
public struct Backoff: Sendable, Equatable {
    public var initialMilliseconds: Int
    public var maximumMilliseconds: Int

    public init(initialMilliseconds: Int = 50, maximumMilliseconds: Int = 2_000) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    /// The delay before attempt `attempt` (0-based).
    public func delay(attempt: Int) -> Int {
        let doublings = min(attempt, 30)
        return min(maximumMilliseconds, initialMilliseconds << doublings)
    }
}
