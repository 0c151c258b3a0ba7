import Indicators
import StrategyDSL

/// Bars before a regime first has a label, in the same sense as an indicator's lookback: a
/// signal gated on a regime cannot be evaluated earlier, so its warm-up includes this.
public enum RegimeWarmup {
    /// - Parameters:
    ///   - models: resolved model aliases, for regimes a classifier decides.
    ///   - features: checked features, whose lookbacks a classifier waits for.
    public static func bars(_ regime: RegimeSpec, models: [String: ResolvedModelInfo], features: [CheckedFeature]) -> Int {
        switch regime.kind {
        case .volatility(let window, let lookback, _):
            // Realised volatility needs `window` returns (first value at bar `window`); ranking it
            // needs `lookback` values of it, the first of which is that one.
            return window + lookback - 1
        case .trend(let method, let period, _):
            // ADX as TA-Lib computes it; the SMA slope needs the SMA and one bar before it.
            return method == "adx" ? IndicatorCatalog.spec(named: "adx")?.lookback([Double(period)]) ?? 2 * period - 1 : period
        case .model(let alias):
            let inputs = models[alias.value]?.features ?? []
            return inputs.compactMap { input in
                features.first { $0.name == String(input.split(separator: ".")[0]) }?.lookback
            }.max() ?? 0
        }
    }
}
