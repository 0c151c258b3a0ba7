/// The strategy language: every section and field, with its type, default, example and meaning.
/// docs/strategy-language.md's field reference and `stratum schema` are generated from this.
public enum StrategySchema {
    public static let intervalExample = "1d"

    static let strategy = ObjectSchema("What the strategy is called", [
        Field("name", .string(.text), required: true, "Name shown in reports, logs and the run manifest.", example: "sma-cross"),
        Field("version", .string(.version), default: "1", "Free-form version of the strategy file, kept as written (1.10 stays 1.10).", example: "3"),
        Field("description", .string(.text), "One or two sentences for people reading reports."),
    ])

    static let portfolio = ObjectSchema("Starting capital", [
        Field("cash", .number(.positive), default: "10000", "Starting cash in the account currency (10,000 as in backtesting.py).", example: "1000000"),
        Field("currency", .string(.text), default: "USD", "Account currency, for reports."),
    ])

    static let sqliteSource = ObjectSchema("Bars from a SQLite table", [
        Field("path", .string(.path), required: true, "SQLite database file, relative to the strategy file's folder.", example: "data/bars.sqlite"),
        Field("table", .string(.name), required: true, "Table with columns timestamp, open, high, low, close, volume.", example: "bars"),
        Field("where", .string(.text), "Optional SQL condition selecting rows (e.g. an instrument).", example: "symbol = 'GOOG'"),
    ])

    static let syntheticSource = ObjectSchema("A seeded random walk, identical for the same seed", [
        Field("seed", .integer(min: 0, max: nil), required: true, "Random seed.", example: "42"),
        Field("bars", .integer(min: 1, max: nil), required: true, "Number of bars to generate.", example: "100000"),
        Field("start", .string(.text), default: "2024-01-01T00:00:00Z", "Timestamp of the first bar (ISO 8601)."),
        Field("start_price", .number(.positive), default: "100", "Price of the first bar."),
        Field("drift", .number(.any), default: "0", "Mean log return per bar."),
        Field("volatility", .number(.positive), default: "0.01", "Standard deviation of log returns per bar."),
    ])

    static let replaySource = ObjectSchema("A file replayed as a live feed", [
        Field("path", .string(.path), required: true, "CSV file to replay.", example: "data/GOOG.csv"),
        Field("speed", .string(.text), default: "max", "60x (times real time), 100/s (bars per second) or max.", example: "60x"),
    ])

    static let exchangeSource = ObjectSchema("An exchange stream", [
        Field("venue", .string(.choice(["binance"])), required: true, "Exchange whose public message format the stream speaks."),
        Field("symbol", .string(.text), required: true, "Exchange symbol.", example: "BTCUSDT"),
        Field("url", .string(.text), "WebSocket URL; defaults to the venue's public endpoint.", example: "ws://127.0.0.1:9443/ws"),
        Field("rest_url", .string(.text), "REST URL for backfilling missing bars."),
        Field("backfill", .boolean, default: "true", "Fetch missing bars over REST after a reconnect."),
    ])

    static let anomalies = ObjectSchema("What to do with suspicious bars", [
        Field("action", .string(.choice(["flag", "drop", "clamp"])), default: "flag",
              "flag reports and keeps the bar; drop removes it; clamp moves open/close into [low, high]."),
        Field("spike_sigma", .number(.positive), default: "10", "A close beyond this many robust sigmas of recent returns is a spike."),
        Field("window", .integer(min: 5, max: 10_000), default: "50", "Bars of returns behind the robust sigma."),
        Field("expect_volume", .boolean, default: "true", "Zero volume counts as an anomaly."),
    ])

    static let dataSource = ObjectSchema("A market data source", exactlyOneOf: ["csv", "sqlite", "synthetic", "replay", "exchange"], [
        Field("csv", .string(.path), "CSV file, `timestamp,open,high,low,close,volume` or `Date,Open,High,Low,Close,Volume`.", example: "data/GOOG.csv"),
        Field("sqlite", .object(sqliteSource), "Bars from a SQLite table."),
        Field("synthetic", .object(syntheticSource), "A seeded synthetic random walk."),
        Field("replay", .object(replaySource), "A file replayed as a live feed."),
        Field("exchange", .object(exchangeSource), "A live exchange stream."),
        Field("instrument", .string(.text), "Instrument traded on this data; defaults to the source's name in capitals.", example: "GOOG"),
        Field("interval", .string(.interval), default: "1d", "Bar interval.", example: "1m"),
        Field("timezone", .string(.timezone), default: "UTC", "Time zone of timestamps without an offset.", example: "America/New_York"),
        Field("calendar", .string(.choice(["always", "weekdays", "nyse"])), default: "nyse",
              "Trading calendar for gap detection: nyse (weekdays less NYSE holidays and closures), weekdays, or always (24/7, for crypto)."),
        Field("anomalies", .object(anomalies), "Anomaly filter settings."),
        Field("gaps", .string(.choice(["report", "skip", "forward_fill", "backfill"])), default: "report",
              "Missing bars: report only, skip, forward_fill the last close, or backfill from the source."),
    ])

    static let volatilityRegime = ObjectSchema("Regime by rolling realised volatility quantiles", [
        Field("window", .integer(min: 2, max: 10_000), default: "20", "Bars of log returns in the realised volatility."),
        Field("lookback", .integer(min: 10, max: 100_000), default: "252", "Bars of volatility history the quantiles come from."),
        Field("quantiles", .list(.number(.openFraction), minItems: 1), default: "[0.33, 0.67]", "Cut points; n cuts give n + 1 regimes."),
    ])

    static let trendRegime = ObjectSchema("Regime by trend strength", [
        Field("method", .string(.choice(["adx", "slope"])), default: "adx", "adx: ADX above threshold; slope: SMA slope above threshold."),
        Field("period", .integer(min: 2, max: 10_000), default: "14", "Indicator period."),
        Field("threshold", .number(.nonNegative), default: "25", "ADX level (or slope in % per bar) that counts as trending."),
    ])

    static let modelRegime = ObjectSchema("Regime from a classifier model", [
        Field("model", .string(.name), required: true, "A model alias from `models:` whose output classes are regimes."),
    ])

    static let regime = ObjectSchema("A market regime classifier", exactlyOneOf: ["volatility", "trend", "model"], [
        Field("volatility", .object(volatilityRegime), "Volatility regime."),
        Field("trend", .object(trendRegime), "Trend regime."),
        Field("model", .object(modelRegime), "Model regime."),
        Field("labels", .list(.string(.name), minItems: 2), "Names of the regimes, lowest first; defaults: low, normal, high (volatility) or range, trend (trend)."),
    ])

    static let gate = ObjectSchema("Regime gate", [
        Field("regime", .string(.name), required: true, "Regime name from `regimes:`."),
        Field("in", .list(.string(.name), minItems: 1), required: true, "Labels in which the signal is active.", example: "[low, normal]"),
    ])

    static let signal = ObjectSchema("A trading signal", [
        Field("long", .string(.expression), "Condition to be long (rule signal).", example: "crossover(fast, slow)"),
        Field("short", .string(.expression), "Condition to be short (rule signal).", example: "crossunder(fast, slow)"),
        Field("flat", .string(.expression), "Condition to close any position (rule signal)."),
        Field("model", .string(.name), "Model alias from `models:` (model signal)."),
        Field("output", .string(.text), "Model output to read; defaults to the model's first (for classifiers the positive class)."),
        Field("long_above", .number(.any), "Go long when the model output is above this value."),
        Field("short_below", .number(.any), "Go short when the model output is below this value."),
        Field("ensemble", .list(.string(.name), minItems: 2), "Member signals combined by vote (ensemble signal)."),
        Field("vote", .string(.choice(["majority", "weighted", "mean_confidence"])), default: "majority", "How an ensemble combines its members."),
        Field("weights", .list(.number(.positive), minItems: 2), "Member weights for `vote: weighted`, in member order."),
        Field("threshold", .number(.fraction), default: "0.5", "Share of votes (or mean confidence) a side needs."),
        Field("tie", .string(.choice(["flat", "long", "short", "hold"])), default: "flat", "What a tied vote means."),
        Field("when", .object(gate), "Regime gate: the signal is active only in these regimes."),
        Field("shadow", .list(.string(.name), minItems: 1), "Shadow model aliases evaluated beside this model signal, never traded."),
        Field("instrument", .string(.text), "Instrument the signal trades; defaults to the only data source's."),
        Field("trade", .boolean, default: "true", "false: the signal only feeds an ensemble or a report."),
    ])

    static let sizing = ObjectSchema("Position sizing", exactlyOneOf: ["fixed", "equity_fraction", "vol_target", "kelly"], [
        Field("fixed", .number(.positive), "Fixed quantity per position (units)."),
        Field("equity_fraction", .number(.positive), "Buy floor(f × equity / (price × lot)) lots.", example: "1.0"),
        Field("vol_target", .number(.positive), "Annualised volatility the position targets.", example: "0.15"),
        Field("kelly", .number(.fraction), "Fraction of the Kelly bet (0.5 = half Kelly)."),
        Field("lot", .integer(min: 1, max: nil), default: "1", "Lot size: quantities are whole multiples of it."),
        Field("window", .integer(min: 2, max: 100_000), default: "20", "Bars behind volatility and Kelly estimates."),
        Field("max_fraction", .number(.positive), default: "1", "Cap on position value / equity for vol_target and kelly."),
    ])

    static let orderRate = ObjectSchema("Order rate limit", [
        Field("count", .integer(min: 1, max: nil), required: true, "Orders allowed per window."),
        Field("per", .string(.duration), required: true, "Window length.", example: "1m"),
    ])

    static let valueAtRisk = ObjectSchema("Value-at-risk limit", [
        Field("method", .string(.choice(["historical", "parametric"])), default: "historical", "Historical or parametric (normal) VaR."),
        Field("confidence", .number(.openFraction), default: "0.99", "Confidence level."),
        Field("horizon", .integer(min: 1, max: 10_000), default: "1", "Horizon in bars."),
        Field("window", .integer(min: 10, max: 100_000), default: "250", "Bars of returns the VaR is estimated from."),
        Field("limit", .number(.fraction), required: true, "Largest VaR allowed, as a fraction of equity.", example: "0.05"),
    ])

    static let drawdown = ObjectSchema("Drawdown limit", [
        Field("limit", .number(.openFraction), required: true, "Drawdown from the equity peak that trips the limit.", example: "0.2"),
        Field("action", .string(.choice(["halt", "reduce_only"])), default: "halt", "halt: flatten and stop; reduce_only: only orders that shrink positions."),
    ])

    static let risk = ObjectSchema("Sizing and pre-trade limits", [
        Field("sizing", .object(sizing), default: "{ equity_fraction: 1.0 }", "How targets are sized."),
        Field("max_leverage", .number(.positive), default: "1", "Gross position value / equity."),
        Field("max_position", .number(.positive), "Largest absolute position per instrument (units)."),
        Field("max_position_notional", .number(.positive), "Largest absolute position value per instrument."),
        Field("max_order_notional", .number(.positive), "Largest order value."),
        Field("order_rate", .object(orderRate), "Order rate limit."),
        Field("var", .object(valueAtRisk), "Value-at-risk limit."),
        Field("max_drawdown", .object(drawdown), "Drawdown limit and what it does."),
    ])

    static let limitAlgo = ObjectSchema("Limit orders", [
        Field("offset_bps", .number(.nonNegative), default: "0", "Limit price this far inside the reference price, in basis points."),
        Field("ttl", .integer(min: 1, max: 100_000), default: "1", "Bars a limit order lives before it is cancelled."),
    ])

    static let twapAlgo = ObjectSchema("Time-weighted slicing", [
        Field("horizon", .string(.duration), required: true, "Time over which the parent order is worked.", example: "30m"),
        Field("slices", .integer(min: 1, max: 10_000), required: true, "Number of child orders.", example: "6"),
    ])

    static let vwapAlgo = ObjectSchema("Volume-weighted slicing", [
        Field("horizon", .string(.duration), required: true, "Time over which the parent order is worked.", example: "1h"),
        Field("slices", .integer(min: 1, max: 10_000), default: "10", "Number of child orders."),
        Field("profile", .string(.choice(["data", "flat"])), default: "data", "data: weights from the source's volume by time of day; flat: equal."),
        Field("lookback", .integer(min: 1, max: 1_000), default: "20", "Sessions of volume behind the profile."),
    ])

    static let simVenue = ObjectSchema("The simulated venue", [
        Field("fill", .string(.choice(["next_open", "close"])), default: "next_open", "Market orders fill at the next bar's open or this bar's close."),
        Field("fee_bps", .number(.nonNegative), default: "0", "Fee in basis points of traded value."),
        Field("fee_fixed", .number(.nonNegative), default: "0", "Fixed fee per order."),
        Field("slippage_bps", .number(.nonNegative), default: "0", "Price moved against the order, in basis points."),
        Field("participation", .number(.fraction), "Largest share of a bar's volume one order may fill (partial fills)."),
        Field("latency", .string(.duration), default: "0ms", "Delay between sending and reaching the venue (live simulation)."),
    ])

    static let exchangeVenue = ObjectSchema("A real exchange", [
        Field("name", .string(.choice(["binance"])), required: true, "Exchange protocol."),
        Field("url", .string(.text), "REST endpoint; defaults to the venue's."),
        Field("key_env", .string(.text), default: "STRATUM_API_KEY", "Environment variable holding the API key (never logged)."),
    ])

    static let venue = ObjectSchema("Where orders go", exactlyOneOf: ["sim", "exchange"], [
        Field("sim", .object(simVenue), "Simulated venue."),
        Field("exchange", .object(exchangeVenue), "Exchange venue."),
    ])

    static let killSwitch = ObjectSchema("Kill-switch rules", [
        Field("feed_timeout", .string(.duration), "Halt when no bar arrives for this long (live)."),
        Field("venue_timeout", .string(.duration), "Halt when the venue is unreachable for this long (live)."),
        Field("max_rejects", .integer(min: 1, max: nil), "Halt after this many rejected orders in a row."),
        Field("on_drawdown", .boolean, default: "true", "Trip with the drawdown limit."),
        Field("action", .string(.choice(["halt", "reduce_only"])), default: "halt", "State entered when the switch trips."),
    ])

    static let execution = ObjectSchema("Order execution", [
        Field("algo", .string(.choice(["market", "limit", "twap", "vwap"])), default: "market", "Execution algorithm."),
        Field("limit", .object(limitAlgo), "Settings for `algo: limit`."),
        Field("twap", .object(twapAlgo), "Settings for `algo: twap`."),
        Field("vwap", .object(vwapAlgo), "Settings for `algo: vwap`."),
        Field("venue", .object(venue), default: "{ sim: {} }", "Venue."),
        Field("kill_switch", .object(killSwitch), "Kill-switch rules."),
    ])

    static let compliance = ObjectSchema("Records kept", [
        Field("audit", .boolean, default: "true", "Hash-chained audit log of orders, fills, alerts and reloads."),
        Field("blotter", .boolean, default: "true", "Write trades.csv."),
        Field("daily_report", .boolean, default: "false", "Write a daily report (live)."),
        Field("archive", .string(.path), "Folder that completed runs are copied to."),
        Field("reconcile_tolerance", .number(.nonNegative), default: "0.01", "P&L reconciliation tolerance in account currency."),
    ])

    static let circuitBreaker = ObjectSchema("Circuit breaker per feed and venue", [
        Field("errors", .integer(min: 1, max: 10_000), default: "5", "Errors in the window that open the breaker."),
        Field("window", .string(.duration), default: "60s", "Error counting window."),
        Field("cooldown", .string(.duration), default: "30s", "Time before a half-open probe."),
    ])

    static let supervisor = ObjectSchema("Supervision of the agents", [
        Field("heartbeat", .string(.duration), default: "1s", "Heartbeat period of every agent."),
        Field("missed_heartbeats", .integer(min: 1, max: 1_000), default: "3", "Missed heartbeats before a restart."),
        Field("max_restarts", .integer(min: 0, max: 1_000), default: "5", "Restarts before the strategy halts."),
        Field("backoff", .string(.duration), default: "1s", "First restart delay; doubles each time."),
        Field("max_backoff", .string(.duration), default: "60s", "Longest restart delay."),
        Field("circuit_breaker", .object(circuitBreaker), "Circuit breaker settings."),
    ])

    /// The whole file.
    public static let root = ObjectSchema("A Stratum strategy", [
        Field("strategy", .object(strategy), required: true, "Name, version and description."),
        Field("portfolio", .object(portfolio), "Starting capital."),
        Field("data", .dictionary(value: .object(dataSource), keyKind: "data source"), required: true, "Market data sources, by name."),
        Field("imports", .list(.string(.path), minItems: 1), "Composite indicator files (indicators/*.yaml) whose indicators expressions may call.",
              example: "[indicators/keltner.yaml]"),
        Field("features", .dictionary(value: .string(.expression), keyKind: "feature"), "Named feature expressions.", example: "fast: sma(close, 10)"),
        Field("models", .dictionary(value: .string(.modelReference), keyKind: "model"), "Model aliases: name@vYYMMDD or name@tag.",
              example: "mom: momentum@prod"),
        Field("regimes", .dictionary(value: .object(regime), keyKind: "regime"), "Regime classifiers that gate signals."),
        Field("signals", .dictionary(value: .object(signal), keyKind: "signal"), required: true, "Trading signals: rules, models, ensembles."),
        Field("risk", .object(risk), "Sizing and limits."),
        Field("execution", .object(execution), "Execution algorithm and venue."),
        Field("compliance", .object(compliance), "Audit and records."),
        Field("supervisor", .object(supervisor), "Health checks and restarts."),
    ])
}
