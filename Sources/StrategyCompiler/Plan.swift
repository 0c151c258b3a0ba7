import Indicators
import ModelRegistry
import StrategyDSL

/// The seven agent roles of a plan.
public enum AgentRole: String, Sendable, CaseIterable, Codable {
    case supervisor, marketData = "market_data", feature, signal, portfolioRisk = "portfolio_risk", execution, compliance
}

/// One node of the plan's DAG. Its `identity` (kind, parameters and inputs, hashed) is what a
/// plan diff compares: same identity, same node, state kept across a reload.
public struct PlanNode: Sendable, Hashable {
    public var name: String
    public var role: AgentRole
    public var parameters: [String: String]
    public var inputs: [String]
    public var consumes: [String]
    public var emits: [String]
    public var warmup: Int
    public var identity: String

    init(name: String, role: AgentRole, parameters: [String: String], inputs: [String], consumes: [String], emits: [String], warmup: Int = 0) {
        self.name = name
        self.role = role
        self.parameters = parameters
        self.inputs = inputs
        self.consumes = consumes
        self.emits = emits
        self.warmup = warmup
        let canonical = ([role.rawValue] + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + ["<-"] + inputs).joined(separator: "|")
        self.identity = String(SHA256.hex(canonical).prefix(16))
    }
}

/// A feature column as `stratum features` writes it: `macd.signal` for one output of `macd`.
public struct FeatureColumn: Sendable, Hashable {
    public var name: String
    public var register: Int
}

/// What the Signal agent evaluates for one signal.
public struct SignalPlan: Sendable {
    public enum Kind: Sendable {
        /// Registers holding the long/short/flat conditions, when written.
        case rule(long: Int?, short: Int?, flat: Int?)
        case model(ModelInput, output: Int, longAbove: Double?, shortBelow: Double?)
        /// Members by index into `Plan.signals`.
        case ensemble(members: [Int], vote: SignalSpec.Vote, weights: [Double], threshold: Double, tie: SignalSpec.Tie)
    }

    public var name: String
    public var kind: Kind
    public var instrument: String
    public var trade: Bool
    public var gate: (regime: Int, labels: Set<Int>)?
    public var shadows: [ModelInput]
}

/// A model the plan reads: the resolved version and where its inputs live.
public struct ModelInput: Sendable, Hashable {
    public var alias: String
    public var model: ResolvedModelInfo
    /// Registers of the model's input features, in the model's order.
    public var registers: [Int]
}

/// A regime classifier the Signal agent runs beside the features.
public struct RegimePlan: Sendable {
    public enum Kind: Sendable {
        /// Realised volatility in `register`, ranked against its last `lookback` values.
        case volatility(register: Int, lookback: Int, quantiles: [Double])
        /// ADX (or SMA slope in % per bar) in `register`; trending when at or above `threshold`.
        case trend(register: Int, threshold: Double)
        /// A classifier whose most probable class index is the label index.
        case model(ModelInput)
    }

    public var name: String
    public var kind: Kind
    public var labels: [String]
}

/// A checked strategy lowered for running: the feature program, the signals over its registers,
/// the agent DAG with topics and identities, and the warm-up.
public struct Plan: Sendable {
    public var strategy: CheckedStrategy
    public var program: FeatureProgram
    public var columns: [FeatureColumn]
    public var signals: [SignalPlan]
    public var regimes: [RegimePlan]
    public var nodes: [PlanNode]
    public var warmup: Int
    /// The first bar on which every feature the signals read is valid: where backtesting.py
    /// starts measuring Buy & Hold (its indicator warm-up).
    public var firstTradingBar: Int
    /// Hash of every node identity: equal plans have equal hashes.
    public var hash: String

    public var spec: StrategySpec { strategy.spec }
}
