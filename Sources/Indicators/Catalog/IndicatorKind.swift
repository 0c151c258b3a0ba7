/// Which kernel computes an indicator; pairs a catalogue entry with its lookback and its state.
enum IndicatorKind: Sendable {
    case sma, ema, wma, dema, tema, kama, rsi, macd, bbands
    case atr, natr, adx, stoch, stochrsi, cci, mfi, obv
    case roc, mom, stddev, variance, zscore, min, max
    case vwap, logret, realvol, crossover, crossunder

    /// TA-Lib's lookback for resolved parameters (unstable periods at TA-Lib's default of 0).
    func lookback(_ p: [Double]) -> Int {
        let i = p.map { Int(Swift.min(Swift.max($0, -1e15), 1e15)) }   // real parameters (nbdev up to 3e37) never set a lookback; do not trap on them
        switch self {
        case .sma, .ema, .wma, .bbands, .cci, .min, .max, .stddev, .variance, .zscore: return i[0] - 1
        case .dema: return 2 * (i[0] - 1)
        case .tema: return 3 * (i[0] - 1)
        case .kama, .rsi, .atr, .natr, .mfi, .roc, .mom, .realvol: return i[0]
        case .macd: return Swift.max(i[0], i[1]) - 1 + i[2] - 1
        case .adx: return 2 * i[0] - 1
        case .stoch: return i[0] - 1 + i[1] - 1 + i[2] - 1
        case .stochrsi: return i[0] + i[1] - 1 + i[2] - 1
        case .obv, .vwap: return 0
        case .logret, .crossover, .crossunder: return 1
        }
    }

    /// A fresh kernel for resolved parameters.
    func makeKernel(_ p: [Double]) -> Kernel {
        let i = p.map { Int($0) }
        switch self {
        case .sma: return .sma(StateCell(SimpleMovingAverage(period: i[0])))
        case .ema: return .ema(StateCell(ExponentialMovingAverage(period: i[0])))
        case .wma: return .wma(StateCell(WeightedMovingAverage(period: i[0])))
        case .dema: return .dema(StateCell(DoubleExponentialMovingAverage(period: i[0])))
        case .tema: return .tema(StateCell(TripleExponentialMovingAverage(period: i[0])))
        case .kama: return .kama(StateCell(KaufmanAdaptiveMovingAverage(period: i[0])))
        case .rsi: return .rsi(StateCell(RelativeStrengthIndex(period: i[0])))
        case .macd: return .macd(StateCell(MovingAverageConvergenceDivergence(fastPeriod: i[0], slowPeriod: i[1], signalPeriod: i[2])))
        case .bbands: return .bbands(StateCell(BollingerBands(period: i[0], deviations: p[1])))
        case .atr: return .atr(StateCell(AverageTrueRange(period: i[0], normalised: false)))
        case .natr: return .atr(StateCell(AverageTrueRange(period: i[0], normalised: true)))
        case .adx: return .adx(StateCell(AverageDirectionalIndex(period: i[0])))
        case .stoch: return .stoch(StateCell(Stochastic(fastKPeriod: i[0], slowKPeriod: i[1], slowDPeriod: i[2])))
        case .stochrsi: return .stochrsi(StateCell(StochasticRSI(period: i[0], fastKPeriod: i[1], fastDPeriod: i[2])))
        case .cci: return .cci(StateCell(CommodityChannelIndex(period: i[0])))
        case .mfi: return .mfi(StateCell(MoneyFlowIndex(period: i[0])))
        case .obv: return .obv(StateCell(OnBalanceVolume()))
        case .roc: return .lag(StateCell(LaggedDifference(period: i[0], form: .rateOfChange)))
        case .mom: return .lag(StateCell(LaggedDifference(period: i[0], form: .momentum)))
        case .stddev: return .variance(StateCell(RollingVariance(period: i[0], output: .standardDeviation(deviations: p[1]))))
        case .variance: return .variance(StateCell(RollingVariance(period: i[0], output: .variance)))
        case .zscore: return .zscore(StateCell(ZScore(period: i[0])))
        case .min: return .extreme(StateCell(RollingExtremeIndicator(period: i[0], keepsMaximum: false)))
        case .max: return .extreme(StateCell(RollingExtremeIndicator(period: i[0], keepsMaximum: true)))
        case .vwap: return .vwap(StateCell(SessionVWAP()))
        case .logret: return .logret(StateCell(LogReturn()))
        case .realvol: return .realvol(StateCell(RealisedVolatility(period: i[0], annualisation: p[1])))
        case .crossover: return .crossing(StateCell(Crossing(direction: .over)))
        case .crossunder: return .crossing(StateCell(Crossing(direction: .under)))
        }
    }
}
