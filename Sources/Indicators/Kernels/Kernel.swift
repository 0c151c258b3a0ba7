/// One indicator's state, a closed set of value types dispatched by `switch`.
///
/// An enum instead of an existential keeps updates free of witness tables and heap boxes; the
/// feature graph holds thousands of these and updates each one per bar.
enum Kernel: Sendable {
    case sma(SimpleMovingAverage)
    case ema(ExponentialMovingAverage)
    case wma(WeightedMovingAverage)
    case dema(DoubleExponentialMovingAverage)
    case tema(TripleExponentialMovingAverage)
    case kama(KaufmanAdaptiveMovingAverage)
    case rsi(RelativeStrengthIndex)
    case macd(MovingAverageConvergenceDivergence)
    case bbands(BollingerBands)
    case stochrsi(StochasticRSI)
    case lag(LaggedDifference)
    case variance(RollingVariance)
    case zscore(ZScore)
    case extreme(RollingExtremeIndicator)
    case logret(LogReturn)
    case realvol(RealisedVolatility)
    case atr(AverageTrueRange)
    case adx(AverageDirectionalIndex)
    case stoch(Stochastic)
    case cci(CommodityChannelIndex)
    case mfi(MoneyFlowIndex)
    case obv(OnBalanceVolume)
    case vwap(SessionVWAP)
    case crossing(Crossing)
    /// Held only for the instant a payload is being updated, so its ring storage stays uniquely
    /// referenced and is written in place instead of copied.
    case vacant
}

extension Kernel {
    /// Advances the kernel by one bar. `a`, `b` are the series arguments, `bar` the current bar.
    @inline(__always)
    mutating func update(a: Double, b: Double, bar: Bar) {
        switch self {
        case var .sma(k): self = .vacant; k.update(a); self = .sma(k)
        case var .ema(k): self = .vacant; k.update(a); self = .ema(k)
        case var .wma(k): self = .vacant; k.update(a); self = .wma(k)
        case var .dema(k): self = .vacant; k.update(a); self = .dema(k)
        case var .tema(k): self = .vacant; k.update(a); self = .tema(k)
        case var .kama(k): self = .vacant; k.update(a); self = .kama(k)
        case var .rsi(k): self = .vacant; k.update(a); self = .rsi(k)
        case var .macd(k): self = .vacant; k.update(a); self = .macd(k)
        case var .bbands(k): self = .vacant; k.update(a); self = .bbands(k)
        case var .stochrsi(k): self = .vacant; k.update(a); self = .stochrsi(k)
        case var .lag(k): self = .vacant; k.update(a); self = .lag(k)
        case var .variance(k): self = .vacant; k.update(a); self = .variance(k)
        case var .zscore(k): self = .vacant; k.update(a); self = .zscore(k)
        case var .extreme(k): self = .vacant; k.update(a); self = .extreme(k)
        case var .logret(k): self = .vacant; k.update(a); self = .logret(k)
        case var .realvol(k): self = .vacant; k.update(a); self = .realvol(k)
        case var .atr(k): self = .vacant; k.update(bar); self = .atr(k)
        case var .adx(k): self = .vacant; k.update(bar); self = .adx(k)
        case var .stoch(k): self = .vacant; k.update(bar); self = .stoch(k)
        case var .cci(k): self = .vacant; k.update(bar); self = .cci(k)
        case var .mfi(k): self = .vacant; k.update(bar); self = .mfi(k)
        case var .obv(k): self = .vacant; k.update(bar); self = .obv(k)
        case var .vwap(k): self = .vacant; k.update(bar); self = .vwap(k)
        case var .crossing(k): self = .vacant; k.update(a, b); self = .crossing(k)
        case .vacant: break
        }
    }

    func value(_ output: Int) -> Double {
        switch self {
        case let .sma(k): k.value(output)
        case let .ema(k): k.value(output)
        case let .wma(k): k.value(output)
        case let .dema(k): k.value(output)
        case let .tema(k): k.value(output)
        case let .kama(k): k.value(output)
        case let .rsi(k): k.value(output)
        case let .macd(k): k.value(output)
        case let .bbands(k): k.value(output)
        case let .stochrsi(k): k.value(output)
        case let .lag(k): k.value(output)
        case let .variance(k): k.value(output)
        case let .zscore(k): k.value(output)
        case let .extreme(k): k.value(output)
        case let .logret(k): k.value(output)
        case let .realvol(k): k.value(output)
        case let .atr(k): k.value(output)
        case let .adx(k): k.value(output)
        case let .stoch(k): k.value(output)
        case let .cci(k): k.value(output)
        case let .mfi(k): k.value(output)
        case let .obv(k): k.value(output)
        case let .vwap(k): k.value(output)
        case let .crossing(k): k.value(output)
        case .vacant: .nan
        }
    }
}
