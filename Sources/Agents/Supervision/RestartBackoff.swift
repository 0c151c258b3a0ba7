/// How long to wait before the n-th restart of an agent, and how many restarts are allowed.
///
/// The delay of attempt n (1-based) is `min(cap, base × factor^(n−1))`, then shortened by up to
/// `jitter` of itself: `delay × (1 − jitter × u)` with u in [0, 1) from a ``JitterSource``. The
/// jitter spreads restarts of several agents (or several strategies on one host) that failed
/// together, and shortening rather than lengthening keeps every delay within the cap.
public struct RestartBackoff: Sendable, Equatable {
    /// A fifth: enough to spread simultaneous restarts, small enough to keep the doubling visible.
    public static let defaultJitter = 0.2

    public var baseMicroseconds: Int64
    public var factor: Double
    public var capMicroseconds: Int64
    /// 0 ... 1, the largest fraction a delay is shortened by.
    public var jitter: Double
    /// Restarts allowed before the strategy halts; 0 halts on the first failure.
    public var maxRestarts: Int

    public init(baseMicroseconds: Int64 = 1_000_000, factor: Double = 2, capMicroseconds: Int64 = 60_000_000,
                jitter: Double = defaultJitter, maxRestarts: Int = 5) {
        self.baseMicroseconds = baseMicroseconds
        self.factor = factor
        self.capMicroseconds = capMicroseconds
        self.jitter = min(max(jitter, 0), 1)
        self.maxRestarts = maxRestarts
    }

    /// The delay before restart `attempt` (1-based) without jitter.
    public func nominalDelay(attempt: Int) -> Int64 {
        let exponent = Double(max(attempt, 1) - 1)
        var delay = Double(baseMicroseconds)
        // Multiply step by step and stop at the cap: factor^exponent alone can overflow a Double
        // long before a restart count that large is reachable, but the loop never needs to.
        var step = 0.0
        while step < exponent, delay < Double(capMicroseconds) {
            delay *= factor
            step += 1
        }
        return min(capMicroseconds, Int64(delay.rounded()))
    }

    /// The delay before restart `attempt`, shortened by jitter drawn from `source`.
    public func delay(attempt: Int, jitter source: inout JitterSource) -> Int64 {
        let nominal = nominalDelay(attempt: attempt)
        guard jitter > 0 else { return nominal }
        let shortened = Double(nominal) * (1 - jitter * source.nextUnit())
        return Int64(shortened.rounded(.down))
    }
}

/// A seeded source of numbers in [0, 1): the same seed gives the same restart delays on every run.
///
/// SplitMix64 (Steele, Lea and Flood), written out so a seed means the same sequence on every
/// platform and Swift version; agents take no randomness from the system.
public struct JitterSource: Sendable, Equatable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The top 53 bits as a Double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
