public import Indicators

/// A bar as the MarketData stage passes it on, with what the stage found or did.
public struct NormalisedBar: Sendable, Equatable {
    public var bar: Bar
    /// Anomalies found in the source bar (for a clamped bar, the ones that were repaired).
    public var anomalies: AnomalyKinds
    /// True for a bar the gap policy `forward_fill` made up (last close, zero volume).
    public var isFilled: Bool

    public init(bar: Bar, anomalies: AnomalyKinds = [], isFilled: Bool = false) {
        self.bar = bar
        self.anomalies = anomalies
        self.isFilled = isFilled
    }
}
