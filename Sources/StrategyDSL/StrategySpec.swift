/// The typed strategy: what the compiler lowers into a plan. Every named thing keeps its span.
public struct StrategySpec: Sendable {
    public var file: String
    public var name: Located<String>
    public var version: String
    public var description: String?
    public var portfolio: PortfolioSpec
    public var dataSources: [DataSourceSpec]
    public var imports: [Located<String>]
    public var features: [FeatureSpec]
    public var models: [ModelAliasSpec]
    public var regimes: [RegimeSpec]
    public var signals: [SignalSpec]
    public var risk: RiskSpec
    public var execution: ExecutionSpec
    public var compliance: ComplianceSpec
    public var supervisor: SupervisorSpec
}

public struct PortfolioSpec: Sendable, Hashable {
    public var cash: Double
    public var currency: String
}

public struct DataSourceSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case csv(path: Located<String>)
        case sqlite(path: Located<String>, table: String, whereClause: String?)
        case synthetic(SyntheticSpec)
        case replay(path: Located<String>, speed: Located<String>)
        case exchange(venue: String, symbol: String, url: String?, restURL: String?, backfill: Bool)
    }

    public enum Calendar: String, Sendable, Hashable { case always, weekdays, nyse }
    public enum GapPolicy: String, Sendable, Hashable { case report, skip, forwardFill = "forward_fill", backfill }

    public var name: Located<String>
    public var kind: Kind
    public var instrument: String
    public var interval: Located<String>
    public var intervalMicroseconds: Int64
    public var timezone: String
    public var calendar: Calendar
    public var anomalies: AnomalyPolicy
    public var gaps: GapPolicy
}

public struct SyntheticSpec: Sendable, Hashable {
    public var seed: UInt64
    public var bars: Int
    public var start: String
    public var startPrice: Double
    public var drift: Double
    public var volatility: Double
}

public struct AnomalyPolicy: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable { case flag, drop, clamp }
    public var action: Action
    public var spikeSigma: Double
    public var window: Int
    public var expectVolume: Bool
}

public struct FeatureSpec: Sendable {
    public var name: Located<String>
    public var source: Located<String>
    /// nil when the text did not parse (the diagnostics say why).
    public var expression: ExpressionNode?
}

public struct ModelAliasSpec: Sendable, Hashable {
    public var name: Located<String>
    public var reference: Located<String>
}

public struct RegimeSpec: Sendable {
    public enum Kind: Sendable {
        case volatility(window: Int, lookback: Int, quantiles: [Double])
        case trend(method: String, period: Int, threshold: Double)
        case model(alias: Located<String>)
    }

    public var name: Located<String>
    public var kind: Kind
    public var labels: [String]
}

public struct SignalSpec: Sendable {
    public enum Kind: Sendable {
        case rule(long: ExpressionNode?, short: ExpressionNode?, flat: ExpressionNode?)
        case model(alias: Located<String>, output: String?, longAbove: Double?, shortBelow: Double?)
        case ensemble(members: [Located<String>], vote: Vote, weights: [Double]?, threshold: Double, tie: Tie)
    }

    public enum Vote: String, Sendable { case majority, weighted, meanConfidence = "mean_confidence" }
    public enum Tie: String, Sendable { case flat, long, short, hold }

    public var name: Located<String>
    public var kind: Kind
    public var gate: (regime: Located<String>, labels: [Located<String>])?
    public var shadows: [Located<String>]
    public var instrument: Located<String>?
    public var trade: Bool
}

public struct RiskSpec: Sendable {
    public enum SizingMode: Sendable, Hashable {
        case fixed(quantity: Double)
        case equityFraction(Double)
        case volatilityTarget(annualised: Double)
        case kelly(fraction: Double)
    }

    public struct Sizing: Sendable, Hashable {
        public var mode: SizingMode
        public var lot: Int
        public var window: Int
        public var maxFraction: Double
    }

    public struct ValueAtRisk: Sendable, Hashable {
        public enum Method: String, Sendable, Hashable { case historical, parametric }
        public var method: Method
        public var confidence: Double
        public var horizon: Int
        public var window: Int
        public var limit: Double
    }

    public enum DrawdownAction: String, Sendable, Hashable { case halt, reduceOnly = "reduce_only" }

    public var sizing: Sizing
    public var maxLeverage: Located<Double>?
    public var maxPosition: Located<Double>?
    public var maxPositionNotional: Located<Double>?
    public var maxOrderNotional: Located<Double>?
    public var orderRate: (count: Int, perMicroseconds: Int64)?
    public var valueAtRisk: ValueAtRisk?
    public var maxDrawdown: (limit: Double, action: DrawdownAction)?

    public var leverageLimit: Double { maxLeverage?.value ?? 1 }
}

public struct ExecutionSpec: Sendable {
    public enum Algorithm: Sendable, Hashable {
        case market
        case limit(offsetBps: Double, ttlBars: Int)
        case twap(horizonMicroseconds: Int64, slices: Int)
        case vwap(horizonMicroseconds: Int64, slices: Int, profile: String, lookback: Int)
    }

    public struct SimulatedVenue: Sendable, Hashable {
        public enum Fill: String, Sendable, Hashable { case nextOpen = "next_open", close }
        public var fill: Fill
        public var feeBps: Double
        public var feeFixed: Double
        public var slippageBps: Double
        public var participation: Double?
        public var latencyMicroseconds: Int64

        public init(fill: Fill, feeBps: Double, feeFixed: Double, slippageBps: Double, participation: Double?, latencyMicroseconds: Int64) {
            self.fill = fill
            self.feeBps = feeBps
            self.feeFixed = feeFixed
            self.slippageBps = slippageBps
            self.participation = participation
            self.latencyMicroseconds = latencyMicroseconds
        }
    }

    public enum Venue: Sendable, Hashable {
        case simulated(SimulatedVenue)
        case exchange(name: String, url: String?, keyEnvironmentVariable: String)
    }

    public struct KillSwitch: Sendable, Hashable {
        public var feedTimeoutMicroseconds: Int64?
        public var venueTimeoutMicroseconds: Int64?
        public var maxRejects: Int?
        public var onDrawdown: Bool
        public var action: RiskSpec.DrawdownAction
    }

    public var algorithm: Algorithm
    public var algorithmRange: SourceRange?
    public var venue: Venue
    public var killSwitch: KillSwitch
}

public struct ComplianceSpec: Sendable, Hashable {
    public var audit: Bool
    public var blotter: Bool
    public var dailyReport: Bool
    public var archive: String?
    public var reconcileTolerance: Double
}

public struct SupervisorSpec: Sendable, Hashable {
    public var heartbeatMicroseconds: Int64
    public var missedHeartbeats: Int
    public var maxRestarts: Int
    public var backoffMicroseconds: Int64
    public var maxBackoffMicroseconds: Int64
    public var breakerErrors: Int
    public var breakerWindowMicroseconds: Int64
    public var breakerCooldownMicroseconds: Int64
}
