extension Batch {
    /// Computes any catalogued indicator over whole arrays, the batch twin of `StreamingIndicator`.
    ///
    /// - Parameters:
    ///   - spec: the catalogue entry.
    ///   - parameters: TA-Lib-ordered parameters; omitted trailing ones take their defaults.
    ///   - series: the series arguments, for `.series` indicators (one or two arrays of equal length).
    ///   - bars: the bars, for `.bar` indicators.
    /// - Returns: one array per output, in `spec.outputs` order, each as long as the input.
    /// - Throws: `IndicatorError` on invalid parameters or inputs that do not match `spec.input`.
    public static func compute(
        spec: IndicatorSpec, parameters: [Double], series: [[Double]] = [], bars: BarSeries? = nil
    ) throws(IndicatorError) -> [[Double]] {
        let resolved = try spec.resolve(parameters)
        let kernel = spec.kind.makeKernel(resolved)
        switch spec.input {
        case let .series(count):
            guard series.count == count, series.allSatisfy({ $0.count == series[0].count }) else {
                throw .inputMismatch(indicator: spec.name, expected: spec.input)
            }
        case .bar:
            guard bars != nil else { throw .inputMismatch(indicator: spec.name, expected: spec.input) }
        }
        let x = series.first ?? []
        let columns = bars.map(BarColumns.init) ?? BarColumns(close: [])
        switch kernel {
        case let .sma(k): return run(k, x)
        case let .ema(k): return run(k, x)
        case let .wma(k): return run(k, x)
        case let .dema(k): return run(k, x)
        case let .tema(k): return run(k, x)
        case let .kama(k): return run(k, x)
        case let .rsi(k): return run(k, x)
        case let .macd(k): return run(k, x)
        case let .bbands(k): return run(k, x)
        case let .stochrsi(k): return run(k, x)
        case let .lag(k): return run(k, x)
        case let .variance(k): return run(k, x)
        case let .zscore(k): return run(k, x)
        case let .extreme(k): return run(k, x)
        case let .logret(k): return run(k, x)
        case let .realvol(k): return run(k, x)
        case let .atr(k): return run(k, columns)
        case let .adx(k): return run(k, columns)
        case let .stoch(k): return run(k, columns)
        case let .cci(k): return run(k, columns)
        case let .mfi(k): return run(k, columns)
        case let .obv(k): return run(k, columns)
        case let .vwap(k): return run(k, columns)
        case let .crossing(k): return run(k, x, series[1])
        case .vacant: return []
        }
    }
}
