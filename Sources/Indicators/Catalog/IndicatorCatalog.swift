/// Every built-in indicator, as the strategy compiler sees them.
///
/// Names, parameter names, parameter order, defaults and output names follow TA-Lib (lowercased)
/// wherever TA-Lib has the indicator, so a strategy reads like the TA-Lib call it replaces.
public enum IndicatorCatalog {
    public static let all: [IndicatorSpec] = averages + oscillators + volatility + barIndicators + seriesTools

    public static func spec(named name: String) -> IndicatorSpec? {
        index[name]
    }

    private static let index: [String: IndicatorSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// TA-Lib's range for period parameters.
    private static func period(_ name: String = "timeperiod", min: Int = 2, default value: Double) -> IndicatorParameter {
        IndicatorParameter(name: name, kind: .integer(min: min, max: 100_000), defaultValue: value)
    }

    /// TA-Lib's range for real parameters such as nbdev.
    private static func deviations(_ name: String = "nbdev", default value: Double) -> IndicatorParameter {
        IndicatorParameter(name: name, kind: .real(min: -3.0e37, max: 3.0e37), defaultValue: value)
    }

    private static let oneSeries = IndicatorInput.series(count: 1)
    private static let highLowClose = IndicatorInput.bar(fields: [.high, .low, .close])
    private static let highLowCloseVolume = IndicatorInput.bar(fields: [.high, .low, .close, .volume])

    private static let averages: [IndicatorSpec] = [
        IndicatorSpec(name: "sma", summary: "Simple moving average", input: oneSeries,
                      parameters: [period(default: 30)], kind: .sma),
        IndicatorSpec(name: "ema", summary: "Exponential moving average, seeded with the SMA of its first values", input: oneSeries,
                      parameters: [period(default: 30)], kind: .ema),
        IndicatorSpec(name: "wma", summary: "Linearly weighted moving average", input: oneSeries,
                      parameters: [period(default: 30)], kind: .wma),
        IndicatorSpec(name: "dema", summary: "Double exponential moving average", input: oneSeries,
                      parameters: [period(default: 30)], kind: .dema),
        IndicatorSpec(name: "tema", summary: "Triple exponential moving average", input: oneSeries,
                      parameters: [period(default: 30)], kind: .tema),
        IndicatorSpec(name: "kama", summary: "Kaufman adaptive moving average", input: oneSeries,
                      parameters: [period(default: 30)], kind: .kama),
    ]

    private static let oscillators: [IndicatorSpec] = [
        IndicatorSpec(name: "rsi", summary: "Relative strength index (Wilder smoothing)", input: oneSeries,
                      parameters: [period(default: 14)], kind: .rsi),
        IndicatorSpec(name: "macd", summary: "Moving average convergence/divergence", input: oneSeries,
                      parameters: [period("fastperiod", default: 12), period("slowperiod", default: 26),
                                   period("signalperiod", min: 1, default: 9)],
                      outputs: ["macd", "signal", "hist"], kind: .macd),
        IndicatorSpec(name: "stochrsi", summary: "Stochastic oscillator applied to the RSI", input: oneSeries,
                      parameters: [period(default: 14), period("fastk_period", min: 1, default: 5),
                                   period("fastd_period", min: 1, default: 3)],
                      outputs: ["k", "d"], kind: .stochrsi),
        IndicatorSpec(name: "roc", summary: "Rate of change in percent: (x / x[n] - 1) * 100", input: oneSeries,
                      parameters: [period(min: 1, default: 10)], kind: .roc),
        IndicatorSpec(name: "mom", summary: "Momentum: x - x[n]", input: oneSeries,
                      parameters: [period(min: 1, default: 10)], kind: .mom),
    ]

    private static let volatility: [IndicatorSpec] = [
        IndicatorSpec(name: "bbands", summary: "Bollinger bands: SMA plus and minus nbdev population standard deviations",
                      input: oneSeries, parameters: [period(default: 5), deviations(default: 2)],
                      outputs: ["upper", "middle", "lower"], kind: .bbands),
        IndicatorSpec(name: "stddev", summary: "Rolling population standard deviation times nbdev", input: oneSeries,
                      parameters: [period(default: 5), deviations(default: 1)], kind: .stddev),
        IndicatorSpec(name: "var", summary: "Rolling population variance (nbdev is accepted and ignored, as in TA-Lib)",
                      input: oneSeries, parameters: [period(min: 1, default: 5), deviations(default: 1)], kind: .variance),
        IndicatorSpec(name: "zscore", summary: "Distance from the rolling mean in population standard deviations",
                      input: oneSeries, parameters: [period(default: 20)], kind: .zscore),
        IndicatorSpec(name: "realvol", summary: "Realised volatility: sample stddev of log returns times sqrt(annualisation)",
                      input: oneSeries,
                      parameters: [period(default: 20),
                                   IndicatorParameter(name: "annualisation", kind: .real(min: 1, max: 1.0e7), defaultValue: 252)],
                      kind: .realvol),
    ]

    private static let barIndicators: [IndicatorSpec] = [
        IndicatorSpec(name: "atr", summary: "Average true range (Wilder smoothing)", input: highLowClose,
                      parameters: [period(min: 1, default: 14)], kind: .atr),
        IndicatorSpec(name: "natr", summary: "Average true range as a percentage of the close", input: highLowClose,
                      parameters: [period(min: 1, default: 14)], kind: .natr),
        IndicatorSpec(name: "adx", summary: "Average directional index with the directional indicators", input: highLowClose,
                      parameters: [period(default: 14)], outputs: ["adx", "plus_di", "minus_di"], kind: .adx),
        IndicatorSpec(name: "stoch", summary: "Slow stochastic oscillator (SMA smoothing)", input: highLowClose,
                      parameters: [period("fastk_period", min: 1, default: 5), period("slowk_period", min: 1, default: 3),
                                   period("slowd_period", min: 1, default: 3)],
                      outputs: ["k", "d"], kind: .stoch),
        IndicatorSpec(name: "cci", summary: "Commodity channel index", input: highLowClose,
                      parameters: [period(default: 14)], kind: .cci),
        IndicatorSpec(name: "mfi", summary: "Money flow index", input: highLowCloseVolume,
                      parameters: [period(default: 14)], kind: .mfi),
        IndicatorSpec(name: "obv", summary: "On-balance volume, starting from the first bar's volume",
                      input: .bar(fields: [.close, .volume]), parameters: [], kind: .obv),
        IndicatorSpec(name: "vwap", summary: "Volume-weighted average typical price since the start of the UTC day",
                      input: highLowCloseVolume, parameters: [], kind: .vwap),
    ]

    private static let seriesTools: [IndicatorSpec] = [
        IndicatorSpec(name: "min", summary: "Lowest value over the period", input: oneSeries,
                      parameters: [period(default: 30)], kind: .min),
        IndicatorSpec(name: "max", summary: "Highest value over the period", input: oneSeries,
                      parameters: [period(default: 30)], kind: .max),
        IndicatorSpec(name: "logret", summary: "Log return: ln(x / x[1])", input: oneSeries, parameters: [], kind: .logret),
        IndicatorSpec(name: "crossover", summary: "1 on the bar where a moves from below b to above it, else 0",
                      input: .series(count: 2), parameters: [], kind: .crossover),
        IndicatorSpec(name: "crossunder", summary: "1 on the bar where a moves from above b to below it, else 0",
                      input: .series(count: 2), parameters: [], kind: .crossunder),
    ]
}
