import StrategyDSL

/// Conditions are what comparisons, `and`/`or`/`not` and crossovers give; everything else is a number.
public enum ValueType: String, Sendable, Hashable {
    case number, condition
}

/// A feature after checking: its type, outputs, warm-up and the features it reads.
public struct CheckedFeature: Sendable {
    public var name: String
    public var range: SourceRange
    public var expression: ExpressionNode
    public var type: ValueType
    /// Output names for a multi-output feature (`macd` → macd, signal, hist); empty for one output.
    public var outputs: [String]
    /// Bars before the first valid value (TA-Lib's lookback, summed through composition and lags).
    public var lookback: Int
    public var dependencies: [String]
}

public struct CheckedSignal: Sendable {
    public var spec: SignalSpec
    public var lookback: Int
    /// Features the signal's rules read.
    public var features: [String]
    /// Model aliases it reads (its own model and shadows).
    public var models: [String]
    /// Ensemble members.
    public var members: [String]

    public var name: String { spec.name.value }
}

/// The strategy with every reference resolved: what `stratum graph` draws and the planner lowers.
public struct CheckedStrategy: Sendable {
    public var spec: StrategySpec
    /// In dependency order: every feature comes after the features it reads.
    public var features: [CheckedFeature]
    public var signals: [CheckedSignal]
    /// Model alias → the version it resolved to.
    public var models: [String: ResolvedModelInfo]
    public var composites: [String: CompositeIndicator]
    /// Bars before every signal can be evaluated.
    public var warmup: Int

    public func feature(_ name: String) -> CheckedFeature? {
        features.first { $0.name == name }
    }
}
