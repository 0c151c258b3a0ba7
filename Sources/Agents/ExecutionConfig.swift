import StrategyCompiler
import StrategyDSL

/// What Execution needs from the plan: the algorithm and the simulated venue's rules.
public struct ExecutionConfig: Sendable {
    public var algorithm: ExecutionSpec.Algorithm
    public var venue: ExecutionSpec.SimulatedVenue
    public var instruments: Int
    /// Bar interval, to schedule TWAP/VWAP children in bars.
    public var intervalMicroseconds: Int64
    public var maxRejects: Int?
    /// Sessions of volume history behind a VWAP profile.
    public var profileSessions: Int
    /// Whole bars between sending an order and the venue seeing it (`latency` over the interval, rounded up).
    public var latencyBars: Int

    public init(plan: Plan) {
        let spec = plan.spec
        algorithm = spec.execution.algorithm
        if case .simulated(let venue) = spec.execution.venue {
            self.venue = venue
        } else {
            // Real venues fill on their side; the simulation stands in for them in backtests.
            self.venue = ExecutionSpec.SimulatedVenue(fill: .nextOpen, feeBps: 0, feeFixed: 0, slippageBps: 0, participation: nil, latencyMicroseconds: 0)
        }
        instruments = max(spec.dataSources.count, 1)
        intervalMicroseconds = spec.dataSources.map(\.intervalMicroseconds).min() ?? 86_400_000_000
        maxRejects = spec.execution.killSwitch.maxRejects
        if case .vwap(_, _, _, let lookback) = algorithm { profileSessions = lookback } else { profileSessions = 20 }
        let latency = venue.latencyMicroseconds
        latencyBars = latency <= 0 ? 0 : Int((latency + intervalMicroseconds - 1) / max(intervalMicroseconds, 1))
    }
}
