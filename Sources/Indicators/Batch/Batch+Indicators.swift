// One public function per indicator, parameters in TA-Lib's order. Definitions live with the
// kernels in Kernels/; docs/indicators.md lists lookbacks and formulas.

extension Batch {
    private static func checkPeriod(_ period: Int, min: Int = 2) {
        precondition(period >= min && period <= 100_000, "period \(period) is outside \(min)...100000")
    }

    // MARK: Moving averages

    public static func sma(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(SimpleMovingAverage(period: period), x)[0]
    }

    public static func ema(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(ExponentialMovingAverage(period: period), x)[0]
    }

    public static func wma(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(WeightedMovingAverage(period: period), x)[0]
    }

    public static func dema(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(DoubleExponentialMovingAverage(period: period), x)[0]
    }

    public static func tema(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(TripleExponentialMovingAverage(period: period), x)[0]
    }

    public static func kama(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(KaufmanAdaptiveMovingAverage(period: period), x)[0]
    }

    // MARK: Oscillators

    public static func rsi(_ x: [Double], period: Int = 14) -> [Double] {
        checkPeriod(period)
        return run(RelativeStrengthIndex(period: period), x)[0]
    }

    public static func macd(
        _ x: [Double], fastPeriod: Int = 12, slowPeriod: Int = 26, signalPeriod: Int = 9
    ) -> (macd: [Double], signal: [Double], hist: [Double]) {
        checkPeriod(fastPeriod)
        checkPeriod(slowPeriod)
        checkPeriod(signalPeriod, min: 1)
        let out = run(MovingAverageConvergenceDivergence(fastPeriod: fastPeriod, slowPeriod: slowPeriod, signalPeriod: signalPeriod), x)
        return (out[0], out[1], out[2])
    }

    public static func stochrsi(
        _ x: [Double], period: Int = 14, fastKPeriod: Int = 5, fastDPeriod: Int = 3
    ) -> (k: [Double], d: [Double]) {
        checkPeriod(period)
        checkPeriod(fastKPeriod, min: 1)
        checkPeriod(fastDPeriod, min: 1)
        let out = run(StochasticRSI(period: period, fastKPeriod: fastKPeriod, fastDPeriod: fastDPeriod), x)
        return (out[0], out[1])
    }

    public static func roc(_ x: [Double], period: Int = 10) -> [Double] {
        checkPeriod(period, min: 1)
        return run(LaggedDifference(period: period, form: .rateOfChange), x)[0]
    }

    public static func mom(_ x: [Double], period: Int = 10) -> [Double] {
        checkPeriod(period, min: 1)
        return run(LaggedDifference(period: period, form: .momentum), x)[0]
    }

    // MARK: Volatility and statistics

    public static func bbands(
        _ x: [Double], period: Int = 5, nbdev: Double = 2
    ) -> (upper: [Double], middle: [Double], lower: [Double]) {
        checkPeriod(period)
        let out = run(BollingerBands(period: period, deviations: nbdev), x)
        return (out[0], out[1], out[2])
    }

    public static func stddev(_ x: [Double], period: Int = 5, nbdev: Double = 1) -> [Double] {
        checkPeriod(period)
        return run(RollingVariance(period: period, output: .standardDeviation(deviations: nbdev)), x)[0]
    }

    /// TA-Lib's VAR; its nbdev parameter has no effect there and is therefore not taken here.
    public static func variance(_ x: [Double], period: Int = 5) -> [Double] {
        checkPeriod(period, min: 1)
        return run(RollingVariance(period: period, output: .variance), x)[0]
    }

    public static func zscore(_ x: [Double], period: Int = 20) -> [Double] {
        checkPeriod(period)
        return run(ZScore(period: period), x)[0]
    }

    public static func min(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(RollingExtremeIndicator(period: period, keepsMaximum: false), x)[0]
    }

    public static func max(_ x: [Double], period: Int = 30) -> [Double] {
        checkPeriod(period)
        return run(RollingExtremeIndicator(period: period, keepsMaximum: true), x)[0]
    }

    public static func logret(_ x: [Double]) -> [Double] {
        run(LogReturn(), x)[0]
    }

    public static func realvol(_ x: [Double], period: Int = 20, annualisation: Double = 252) -> [Double] {
        checkPeriod(period)
        precondition(annualisation >= 1, "annualisation must be at least 1")
        return run(RealisedVolatility(period: period, annualisation: annualisation), x)[0]
    }

    public static func crossover(_ a: [Double], _ b: [Double]) -> [Double] {
        run(Crossing(direction: .over), a, b)[0]
    }

    public static func crossunder(_ a: [Double], _ b: [Double]) -> [Double] {
        run(Crossing(direction: .under), a, b)[0]
    }

    // MARK: Bar-based

    public static func atr(high: [Double], low: [Double], close: [Double], period: Int = 14) -> [Double] {
        checkPeriod(period, min: 1)
        return run(AverageTrueRange(period: period, normalised: false), BarColumns(high: high, low: low, close: close))[0]
    }

    public static func natr(high: [Double], low: [Double], close: [Double], period: Int = 14) -> [Double] {
        checkPeriod(period, min: 1)
        return run(AverageTrueRange(period: period, normalised: true), BarColumns(high: high, low: low, close: close))[0]
    }

    public static func adx(
        high: [Double], low: [Double], close: [Double], period: Int = 14
    ) -> (adx: [Double], plusDI: [Double], minusDI: [Double]) {
        checkPeriod(period)
        let out = run(AverageDirectionalIndex(period: period), BarColumns(high: high, low: low, close: close))
        return (out[0], out[1], out[2])
    }

    public static func stoch(
        high: [Double], low: [Double], close: [Double], fastKPeriod: Int = 5, slowKPeriod: Int = 3, slowDPeriod: Int = 3
    ) -> (k: [Double], d: [Double]) {
        checkPeriod(fastKPeriod, min: 1)
        checkPeriod(slowKPeriod, min: 1)
        checkPeriod(slowDPeriod, min: 1)
        let kernel = Stochastic(fastKPeriod: fastKPeriod, slowKPeriod: slowKPeriod, slowDPeriod: slowDPeriod)
        let out = run(kernel, BarColumns(high: high, low: low, close: close))
        return (out[0], out[1])
    }

    public static func cci(high: [Double], low: [Double], close: [Double], period: Int = 14) -> [Double] {
        checkPeriod(period)
        return run(CommodityChannelIndex(period: period), BarColumns(high: high, low: low, close: close))[0]
    }

    public static func mfi(high: [Double], low: [Double], close: [Double], volume: [Double], period: Int = 14) -> [Double] {
        checkPeriod(period)
        return run(MoneyFlowIndex(period: period), BarColumns(high: high, low: low, close: close, volume: volume))[0]
    }

    public static func obv(close: [Double], volume: [Double]) -> [Double] {
        run(OnBalanceVolume(), BarColumns(close: close, volume: volume))[0]
    }

    /// - Parameter timestamps: microseconds since the epoch, UTC; the sum restarts on each new UTC day.
    public static func vwap(
        high: [Double], low: [Double], close: [Double], volume: [Double], timestamps: [Int64]
    ) -> [Double] {
        run(SessionVWAP(), BarColumns(timestamps: timestamps, high: high, low: low, close: close, volume: volume))[0]
    }
}
