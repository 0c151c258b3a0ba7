/// The catalog of reported statistics: their order, printed labels and JSON keys.
///
/// The terminal table, the `--json` object, the HTML report and docs/statistics.md all
/// list the statistics in this order under these names, so a statistic is added in one
/// place. Labels are backtesting.py's, so results can be compared side by side.
public enum Statistic: String, CaseIterable, Sendable {
    case start
    case end
    case duration
    case exposureTime
    case equityFinal
    case equityPeak
    case commissions
    case returnTotal
    case buyAndHoldReturn
    case annualReturn
    case annualVolatility
    case cagr
    case sharpeRatio
    case sortinoRatio
    case calmarRatio
    case alpha
    case beta
    case maxDrawdown
    case avgDrawdown
    case maxDrawdownDuration
    case avgDrawdownDuration
    case tradeCount
    case winRate
    case bestTrade
    case worstTrade
    case avgTrade
    case maxTradeDuration
    case avgTradeDuration
    case profitFactor
    case expectancy
    case sqn
    case kellyCriterion

    /// The label backtesting.py prints for this statistic.
    public var label: String {
        switch self {
        case .start: "Start"
        case .end: "End"
        case .duration: "Duration"
        case .exposureTime: "Exposure Time [%]"
        case .equityFinal: "Equity Final [$]"
        case .equityPeak: "Equity Peak [$]"
        case .commissions: "Commissions [$]"
        case .returnTotal: "Return [%]"
        case .buyAndHoldReturn: "Buy & Hold Return [%]"
        case .annualReturn: "Return (Ann.) [%]"
        case .annualVolatility: "Volatility (Ann.) [%]"
        case .cagr: "CAGR [%]"
        case .sharpeRatio: "Sharpe Ratio"
        case .sortinoRatio: "Sortino Ratio"
        case .calmarRatio: "Calmar Ratio"
        case .alpha: "Alpha [%]"
        case .beta: "Beta"
        case .maxDrawdown: "Max. Drawdown [%]"
        case .avgDrawdown: "Avg. Drawdown [%]"
        case .maxDrawdownDuration: "Max. Drawdown Duration"
        case .avgDrawdownDuration: "Avg. Drawdown Duration"
        case .tradeCount: "# Trades"
        case .winRate: "Win Rate [%]"
        case .bestTrade: "Best Trade [%]"
        case .worstTrade: "Worst Trade [%]"
        case .avgTrade: "Avg. Trade [%]"
        case .maxTradeDuration: "Max. Trade Duration"
        case .avgTradeDuration: "Avg. Trade Duration"
        case .profitFactor: "Profit Factor"
        case .expectancy: "Expectancy [%]"
        case .sqn: "SQN"
        case .kellyCriterion: "Kelly Criterion"
        }
    }

    /// The snake_case key in `--json` output; the suffix names the unit
    /// (`_pct` percent, `_days` days; money is in account currency).
    public var jsonKey: String {
        switch self {
        case .start: "start"
        case .end: "end"
        case .duration: "duration_days"
        case .exposureTime: "exposure_time_pct"
        case .equityFinal: "equity_final"
        case .equityPeak: "equity_peak"
        case .commissions: "commissions"
        case .returnTotal: "return_pct"
        case .buyAndHoldReturn: "buy_and_hold_return_pct"
        case .annualReturn: "return_ann_pct"
        case .annualVolatility: "volatility_ann_pct"
        case .cagr: "cagr_pct"
        case .sharpeRatio: "sharpe_ratio"
        case .sortinoRatio: "sortino_ratio"
        case .calmarRatio: "calmar_ratio"
        case .alpha: "alpha_pct"
        case .beta: "beta"
        case .maxDrawdown: "max_drawdown_pct"
        case .avgDrawdown: "avg_drawdown_pct"
        case .maxDrawdownDuration: "max_drawdown_duration_days"
        case .avgDrawdownDuration: "avg_drawdown_duration_days"
        case .tradeCount: "trades"
        case .winRate: "win_rate_pct"
        case .bestTrade: "best_trade_pct"
        case .worstTrade: "worst_trade_pct"
        case .avgTrade: "avg_trade_pct"
        case .maxTradeDuration: "max_trade_duration_days"
        case .avgTradeDuration: "avg_trade_duration_days"
        case .profitFactor: "profit_factor"
        case .expectancy: "expectancy_pct"
        case .sqn: "sqn"
        case .kellyCriterion: "kelly_criterion"
        }
    }
}

/// One statistic's value, typed by what it measures.
public enum StatisticValue: Sendable, Equatable {
    /// A point in time, microseconds since the Unix epoch, UTC.
    case time(Int64)
    /// A span of time in microseconds; nil where it is undefined (no trades, no drawdown).
    case duration(Int64?)
    case count(Int)
    case number(Double)
}

extension BacktestStatistics {
    /// The value of one statistic of the catalog.
    public subscript(statistic: Statistic) -> StatisticValue {
        switch statistic {
        case .start: .time(start)
        case .end: .time(end)
        case .duration: .duration(durationMicros)
        case .exposureTime: .number(exposureTimePct)
        case .equityFinal: .number(equityFinal)
        case .equityPeak: .number(equityPeak)
        case .commissions: .number(commissions)
        case .returnTotal: .number(returnFraction)
        case .buyAndHoldReturn: .number(buyAndHoldReturnPct)
        case .annualReturn: .number(annualReturnPct)
        case .annualVolatility: .number(annualVolatilityPct)
        case .cagr: .number(cagrPct)
        case .sharpeRatio: .number(sharpeRatio)
        case .sortinoRatio: .number(sortinoRatio)
        case .calmarRatio: .number(calmarRatio)
        case .alpha: .number(alphaPct)
        case .beta: .number(beta)
        case .maxDrawdown: .number(maxDrawdownPct)
        case .avgDrawdown: .number(avgDrawdownPct)
        case .maxDrawdownDuration: .duration(maxDrawdownDurationMicros)
        case .avgDrawdownDuration: .duration(avgDrawdownDurationMicros)
        case .tradeCount: .count(tradeCount)
        case .winRate: .number(winRatePct)
        case .bestTrade: .number(bestTradePct)
        case .worstTrade: .number(worstTradePct)
        case .avgTrade: .number(avgTradePct)
        case .maxTradeDuration: .duration(maxTradeDurationMicros)
        case .avgTradeDuration: .duration(avgTradeDurationMicros)
        case .profitFactor: .number(profitFactor)
        case .expectancy: .number(expectancyPct)
        case .sqn: .number(sqn)
        case .kellyCriterion: .number(kellyCriterion)
        }
    }
}
