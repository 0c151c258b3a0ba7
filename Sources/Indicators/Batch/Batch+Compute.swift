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
        case let .sma(cell): return run(cell.state.pointee, x)
        case let .ema(cell): return run(cell.state.pointee, x)
        case let .wma(cell): return run(cell.state.pointee, x)
        case let .dema(cell): return run(cell.state.pointee, x)
        case let .tema(cell): return run(cell.state.pointee, x)
        case let .kama(cell): return run(cell.state.pointee, x)
        case let .rsi(cell): return run(cell.state.pointee, x)
        case let .macd(cell): return run(cell.state.pointee, x)
        case let .bbands(cell): return run(cell.state.pointee, x)
        case let .stochrsi(cell): return run(cell.state.pointee, x)
        case let .lag(cell): return run(cell.state.pointee, x)
        case let .variance(cell): return run(cell.state.pointee, x)
        case let .zscore(cell): return run(cell.state.pointee, x)
        case let .extreme(cell): return run(cell.state.pointee, x)
        case let .logret(cell): return run(cell.state.pointee, x)
        case let .realvol(cell): return run(cell.state.pointee, x)
        case let .atr(cell): return run(cell.state.pointee, columns)
        case let .adx(cell): return run(cell.state.pointee, columns)
        case let .stoch(cell): return run(cell.state.pointee, columns)
        case let .cci(cell): return run(cell.state.pointee, columns)
        case let .mfi(cell): return run(cell.state.pointee, columns)
        case let .obv(cell): return run(cell.state.pointee, columns)
        case let .vwap(cell): return run(cell.state.pointee, columns)
        case let .crossing(cell): return run(cell.state.pointee, x, series[1])
        }
    }
}
