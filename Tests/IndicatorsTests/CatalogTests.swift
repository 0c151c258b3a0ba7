import Testing
import Indicators

/// The catalogue is the contract with the strategy compiler: names, TA-Lib parameter order and
/// defaults (from TA-Lib's `talib.abstract` function info), output names, lookbacks.
@Suite("Catalogue")
struct CatalogTests {
    @Test("names are unique, lowercase and found by spec(named:)")
    func namesResolve() {
        let names = IndicatorCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0 == $0.lowercased() })
        for name in names { #expect(IndicatorCatalog.spec(named: name)?.name == name) }
        #expect(IndicatorCatalog.spec(named: "no_such_indicator") == nil)
    }

    @Test("every indicator of the issue is catalogued")
    func coverage() {
        let expected: Set = [
            "sma", "ema", "wma", "dema", "tema", "kama", "rsi", "macd", "bbands", "atr", "natr", "adx", "stoch",
            "stochrsi", "cci", "mfi", "obv", "roc", "mom", "stddev", "var", "zscore", "min", "max", "vwap",
            "logret", "realvol", "crossover", "crossunder",
        ]
        #expect(Set(IndicatorCatalog.all.map(\.name)) == expected)
    }

    /// TA-Lib output names, lowercased, with the names for the multi-output indicators.
    @Test("multi-output names", arguments: [
        ("macd", ["macd", "signal", "hist"]), ("bbands", ["upper", "middle", "lower"]),
        ("adx", ["adx", "plus_di", "minus_di"]), ("stoch", ["k", "d"]), ("stochrsi", ["k", "d"]),
    ])
    func outputs(_ name: String, _ outputs: [String]) throws {
        #expect(try #require(IndicatorCatalog.spec(named: name)).outputs == outputs)
    }

    /// Defaults and lookbacks as printed by `talib.abstract.Function(NAME).info` / `.lookback` (TA-Lib 0.8.1).
    @Test("TA-Lib parameter order, defaults and default lookback", arguments: [
        ("sma", ["timeperiod"], [30.0], 29), ("ema", ["timeperiod"], [30], 29), ("kama", ["timeperiod"], [30], 30),
        ("rsi", ["timeperiod"], [14], 14), ("macd", ["fastperiod", "slowperiod", "signalperiod"], [12, 26, 9], 33),
        ("bbands", ["timeperiod", "nbdev"], [5, 2], 4), ("stoch", ["fastk_period", "slowk_period", "slowd_period"], [5, 3, 3], 8),
        ("stochrsi", ["timeperiod", "fastk_period", "fastd_period"], [14, 5, 3], 20), ("adx", ["timeperiod"], [14], 27),
        ("atr", ["timeperiod"], [14], 14), ("cci", ["timeperiod"], [14], 13), ("mfi", ["timeperiod"], [14], 14),
        ("roc", ["timeperiod"], [10], 10), ("stddev", ["timeperiod", "nbdev"], [5, 1], 4), ("var", ["timeperiod", "nbdev"], [5, 1], 4),
        ("min", ["timeperiod"], [30], 29), ("obv", [], [], 0),
    ] as [(String, [String], [Double], Int)])
    func talibDefaults(_ name: String, _ parameters: [String], _ defaults: [Double], _ lookback: Int) throws {
        let spec = try #require(IndicatorCatalog.spec(named: name))
        #expect(spec.parameters.map(\.name) == parameters)
        #expect(spec.parameters.map(\.defaultValue) == defaults)
        #expect(spec.lookback([]) == lookback)
    }

    @Test("series and bar inputs")
    func inputs() throws {
        #expect(try #require(IndicatorCatalog.spec(named: "crossover")).input == .series(count: 2))
        #expect(try #require(IndicatorCatalog.spec(named: "sma")).input == .series(count: 1))
        #expect(try #require(IndicatorCatalog.spec(named: "atr")).input == .bar(fields: [.high, .low, .close]))
        #expect(try #require(IndicatorCatalog.spec(named: "mfi")).input == .bar(fields: [.high, .low, .close, .volume]))
    }

    @Test("omitted trailing parameters take TA-Lib's defaults")
    func defaults() throws {
        let macd = try #require(IndicatorCatalog.spec(named: "macd"))
        #expect(try macd.resolve([5]) == [5, 26, 9])
        #expect(macd.lookback([5, 35]) == 34 + 8)
        #expect(try StreamingIndicator(spec: macd, parameters: [12]).parameters == [12, 26, 9])
    }

    @Test("invalid parameters are refused")
    func refusals() throws {
        let sma = try #require(IndicatorCatalog.spec(named: "sma"))
        #expect(throws: IndicatorError.tooManyParameters(indicator: "sma", given: 2, accepted: 1)) { try sma.resolve([20, 3]) }
        #expect(throws: IndicatorError.notAnInteger(indicator: "sma", parameter: "timeperiod", value: 2.5)) { try sma.resolve([2.5]) }
        #expect(throws: IndicatorError.outOfRange(indicator: "sma", parameter: "timeperiod", value: 1, kind: .integer(min: 2, max: 100_000))) {
            try sma.resolve([1])
        }
        #expect(throws: IndicatorError.self) { try StreamingIndicator(spec: sma, parameters: [0]) }
        let crossover = try #require(IndicatorCatalog.spec(named: "crossover"))
        #expect(throws: IndicatorError.inputMismatch(indicator: "crossover", expected: .series(count: 2))) {
            try Batch.compute(spec: crossover, parameters: [], series: [[1, 2, 3]])
        }
    }
}
