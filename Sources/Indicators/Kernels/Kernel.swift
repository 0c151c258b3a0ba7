/// One indicator's state behind a closed set of cases, dispatched by `switch`.
///
/// An enum instead of an existential keeps updates free of witness tables. Each case holds its
/// kernel in a `StateCell` so an update writes the state in place: an enum payload bound with
/// `case var` is copied out and back on every update, which for the larger kernels costs more
/// than the arithmetic.
enum Kernel: Sendable {
    case sma(StateCell<SimpleMovingAverage>)
    case ema(StateCell<ExponentialMovingAverage>)
    case wma(StateCell<WeightedMovingAverage>)
    case dema(StateCell<DoubleExponentialMovingAverage>)
    case tema(StateCell<TripleExponentialMovingAverage>)
    case kama(StateCell<KaufmanAdaptiveMovingAverage>)
    case rsi(StateCell<RelativeStrengthIndex>)
    case macd(StateCell<MovingAverageConvergenceDivergence>)
    case bbands(StateCell<BollingerBands>)
    case stochrsi(StateCell<StochasticRSI>)
    case lag(StateCell<LaggedDifference>)
    case variance(StateCell<RollingVariance>)
    case zscore(StateCell<ZScore>)
    case extreme(StateCell<RollingExtremeIndicator>)
    case logret(StateCell<LogReturn>)
    case realvol(StateCell<RealisedVolatility>)
    case atr(StateCell<AverageTrueRange>)
    case adx(StateCell<AverageDirectionalIndex>)
    case stoch(StateCell<Stochastic>)
    case cci(StateCell<CommodityChannelIndex>)
    case mfi(StateCell<MoneyFlowIndex>)
    case obv(StateCell<OnBalanceVolume>)
    case vwap(StateCell<SessionVWAP>)
    case crossing(StateCell<Crossing>)
}

extension Kernel {
    /// Advances the kernel by one bar. `a`, `b` are the series arguments, `bar` the current bar.
    ///
    /// - Precondition: the caller owns the cell uniquely (see `StreamingIndicator`).
    @inline(__always)
    func update(a: Double, b: Double, bar: Bar) {
        switch self {
        case let .sma(cell): cell.state.pointee.update(a)
        case let .ema(cell): cell.state.pointee.update(a)
        case let .wma(cell): cell.state.pointee.update(a)
        case let .dema(cell): cell.state.pointee.update(a)
        case let .tema(cell): cell.state.pointee.update(a)
        case let .kama(cell): cell.state.pointee.update(a)
        case let .rsi(cell): cell.state.pointee.update(a)
        case let .macd(cell): cell.state.pointee.update(a)
        case let .bbands(cell): cell.state.pointee.update(a)
        case let .stochrsi(cell): cell.state.pointee.update(a)
        case let .lag(cell): cell.state.pointee.update(a)
        case let .variance(cell): cell.state.pointee.update(a)
        case let .zscore(cell): cell.state.pointee.update(a)
        case let .extreme(cell): cell.state.pointee.update(a)
        case let .logret(cell): cell.state.pointee.update(a)
        case let .realvol(cell): cell.state.pointee.update(a)
        case let .atr(cell): cell.state.pointee.update(bar)
        case let .adx(cell): cell.state.pointee.update(bar)
        case let .stoch(cell): cell.state.pointee.update(bar)
        case let .cci(cell): cell.state.pointee.update(bar)
        case let .mfi(cell): cell.state.pointee.update(bar)
        case let .obv(cell): cell.state.pointee.update(bar)
        case let .vwap(cell): cell.state.pointee.update(bar)
        case let .crossing(cell): cell.state.pointee.update(a, b)
        }
    }

    func value(_ output: Int) -> Double {
        switch self {
        case let .sma(cell): cell.state.pointee.value(output)
        case let .ema(cell): cell.state.pointee.value(output)
        case let .wma(cell): cell.state.pointee.value(output)
        case let .dema(cell): cell.state.pointee.value(output)
        case let .tema(cell): cell.state.pointee.value(output)
        case let .kama(cell): cell.state.pointee.value(output)
        case let .rsi(cell): cell.state.pointee.value(output)
        case let .macd(cell): cell.state.pointee.value(output)
        case let .bbands(cell): cell.state.pointee.value(output)
        case let .stochrsi(cell): cell.state.pointee.value(output)
        case let .lag(cell): cell.state.pointee.value(output)
        case let .variance(cell): cell.state.pointee.value(output)
        case let .zscore(cell): cell.state.pointee.value(output)
        case let .extreme(cell): cell.state.pointee.value(output)
        case let .logret(cell): cell.state.pointee.value(output)
        case let .realvol(cell): cell.state.pointee.value(output)
        case let .atr(cell): cell.state.pointee.value(output)
        case let .adx(cell): cell.state.pointee.value(output)
        case let .stoch(cell): cell.state.pointee.value(output)
        case let .cci(cell): cell.state.pointee.value(output)
        case let .mfi(cell): cell.state.pointee.value(output)
        case let .obv(cell): cell.state.pointee.value(output)
        case let .vwap(cell): cell.state.pointee.value(output)
        case let .crossing(cell): cell.state.pointee.value(output)
        }
    }

    /// A copy with its own cells, for a `StreamingIndicator` about to write shared state.
    func duplicate() -> Kernel {
        switch self {
        case let .sma(cell): .sma(cell.duplicate())
        case let .ema(cell): .ema(cell.duplicate())
        case let .wma(cell): .wma(cell.duplicate())
        case let .dema(cell): .dema(cell.duplicate())
        case let .tema(cell): .tema(cell.duplicate())
        case let .kama(cell): .kama(cell.duplicate())
        case let .rsi(cell): .rsi(cell.duplicate())
        case let .macd(cell): .macd(cell.duplicate())
        case let .bbands(cell): .bbands(cell.duplicate())
        case let .stochrsi(cell): .stochrsi(cell.duplicate())
        case let .lag(cell): .lag(cell.duplicate())
        case let .variance(cell): .variance(cell.duplicate())
        case let .zscore(cell): .zscore(cell.duplicate())
        case let .extreme(cell): .extreme(cell.duplicate())
        case let .logret(cell): .logret(cell.duplicate())
        case let .realvol(cell): .realvol(cell.duplicate())
        case let .atr(cell): .atr(cell.duplicate())
        case let .adx(cell): .adx(cell.duplicate())
        case let .stoch(cell): .stoch(cell.duplicate())
        case let .cci(cell): .cci(cell.duplicate())
        case let .mfi(cell): .mfi(cell.duplicate())
        case let .obv(cell): .obv(cell.duplicate())
        case let .vwap(cell): .vwap(cell.duplicate())
        case let .crossing(cell): .crossing(cell.duplicate())
        }
    }
}

/// A kernel's state at a fixed heap address, so it can be updated in place.
///
/// `@unchecked Sendable`: a cell is written only by the `StreamingIndicator` that owns it, and
/// an indicator duplicates its cells before writing whenever a copy of it shares them.
final class StateCell<State: DuplicableKernel>: @unchecked Sendable {
    let state: UnsafeMutablePointer<State>

    init(_ initial: State) {
        state = .allocate(capacity: 1)
        state.initialize(to: initial)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    func duplicate() -> StateCell { StateCell(state.pointee.duplicated()) }
}
