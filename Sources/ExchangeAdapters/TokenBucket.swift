/// A token bucket for request weight: it holds up to `capacity` tokens and refills them evenly
/// over `window`, the way an exchange counts weight per minute.
///
/// A request takes its weight before it is sent; when the bucket runs short the tokens go
/// negative and the caller waits until they are repaid. Callers that take tokens while another
/// waits therefore queue behind it instead of all waking at once.
struct TokenBucket: Sendable, Equatable {
    let capacity: Double
    /// Tokens regained per microsecond.
    let refillPerMicrosecond: Double
    private(set) var tokens: Double
    private(set) var updatedAt: Int64

    init(capacity: Int, window: Duration, now: Int64) {
        precondition(capacity > 0 && window > .zero, "a token bucket needs a positive capacity and window")
        self.capacity = Double(capacity)
        refillPerMicrosecond = Double(capacity) / Double(window.microseconds)
        tokens = Double(capacity)
        updatedAt = now
    }

    /// Takes `weight` tokens.
    ///
    /// - Returns: how long the caller must wait before sending (zero when the tokens were there).
    mutating func take(_ weight: Int, now: Int64) -> Duration {
        refill(now: now)
        tokens -= Double(weight)
        guard tokens < 0 else { return .zero }
        return .microseconds(Int64((-tokens / refillPerMicrosecond).rounded(.up)))
    }

    /// Lowers the balance to what the server says is left (`X-MBX-USED-WEIGHT-1M`), since other
    /// processes on the same IP spend from the same server-side budget.
    mutating func observe(usedWeight: Int, now: Int64) {
        refill(now: now)
        tokens = min(tokens, capacity - Double(usedWeight))
    }

    private mutating func refill(now: Int64) {
        // A wall clock that steps back refills nothing rather than draining the bucket.
        let elapsed = max(0, now - updatedAt)
        tokens = min(capacity, tokens + Double(elapsed) * refillPerMicrosecond)
        updatedAt = max(updatedAt, now)
    }
}
