#!/usr/bin/env python3
"""Write the reference values the Indicators tests compare against.

Inputs: data/GOOG.csv (daily bars) and a seeded random walk of hourly OHLCV bars.
Both are rewritten as `timestamp,open,high,low,close,volume` CSV (timestamp in
microseconds since the epoch, UTC; floats as Python repr) so that the Swift tests
read exactly the numbers the references were computed from.

Expected values come from TA-Lib (PyPI `ta-lib`, default settings: unstable
periods 0, default compatibility) for every indicator TA-Lib has, and from
direct numpy formulas for the ones it lacks (zscore, vwap, logret, realvol,
crossover, crossunder).

Output: Tests/IndicatorsTests/References/cases.json (one entry per case) and
Tests/IndicatorsTests/References/<dataset>/<case>.csv (one column per output).

Run from the repository root: python3 scripts/reference/talib_references.py
"""

import csv
import json
import os
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import talib
from numpy.lib.stride_tricks import sliding_window_view

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "IndicatorsTests", "References")
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US


def load_goog():
    frame = pd.read_csv(os.path.join(ROOT, "data", "GOOG.csv"), index_col=0)
    stamps = [
        int(datetime.strptime(d, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()) * 1_000_000
        for d in frame.index
    ]
    return {
        "timestamp": np.array(stamps, dtype=np.int64),
        "open": frame["Open"].to_numpy(float),
        "high": frame["High"].to_numpy(float),
        "low": frame["Low"].to_numpy(float),
        "close": frame["Close"].to_numpy(float),
        "volume": frame["Volume"].to_numpy(float),
    }


def random_walk(count=5000, seed=20241126):
    """Hourly bars from a geometric random walk; sessions span several bars so VWAP resets are exercised."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, count)))
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(rng.normal(0.0, 0.002, count))
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, 0.004, count)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, 0.004, count)))
    volume = np.round(rng.lognormal(10.0, 0.5, count))
    start = int(datetime(2024, 1, 2, 13, tzinfo=timezone.utc).timestamp()) * 1_000_000
    return {
        "timestamp": start + np.arange(count, dtype=np.int64) * HOUR_US,
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
    }


def text(value):
    return "nan" if np.isnan(value) else repr(float(value))


def write_bars(name, bars):
    with open(os.path.join(OUT, f"{name}.csv"), "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        for i in range(len(bars["close"])):
            writer.writerow([int(bars["timestamp"][i])] + [text(bars[k][i]) for k in ("open", "high", "low", "close", "volume")])


def first_valid(column):
    valid = np.flatnonzero(~np.isnan(column))
    return int(valid[0]) if len(valid) else len(column)


# Formulas for the indicators TA-Lib does not have; each mirrors docs/indicators.md.

def zscore(x, period):
    out = np.full(len(x), np.nan)
    windows = sliding_window_view(x, period)
    mean = windows.mean(axis=1)
    std = windows.std(axis=1)
    z = np.where(std > 0, (x[period - 1:] - mean) / np.where(std > 0, std, 1.0), 0.0)
    out[period - 1:] = z
    return out


def logret(x):
    out = np.full(len(x), np.nan)
    out[1:] = np.log(x[1:] / x[:-1])
    return out


def realvol(x, period, annualisation):
    returns = np.log(x[1:] / x[:-1])
    out = np.full(len(x), np.nan)
    out[period:] = sliding_window_view(returns, period).std(axis=1, ddof=1) * np.sqrt(annualisation)
    return out


def vwap(bars):
    typical = (bars["high"] + bars["low"] + bars["close"]) / 3.0
    day = bars["timestamp"] // DAY_US
    frame = pd.DataFrame({"day": day, "pv": typical * bars["volume"], "v": bars["volume"]})
    pv = frame.groupby("day")["pv"].cumsum().to_numpy()
    v = frame.groupby("day")["v"].cumsum().to_numpy()
    return np.where(v > 0, pv / np.where(v > 0, v, 1.0), typical)


def crossing(a, b, over):
    out = np.full(len(a), np.nan)
    start = max(first_valid(a), first_valid(b))
    pa, pb, ca, cb = a[start:-1], b[start:-1], a[start + 1:], b[start + 1:]
    hit = (pa < pb) & (ca > cb) if over else (pa > pb) & (ca < cb)
    out[start + 1:] = hit.astype(float)
    return out


def cases(bars):
    """Yield (name, parameters, inputs, outputs, lookback, source, columns) for every case."""
    o, h, l, c, v = (bars[k] for k in ("open", "high", "low", "close", "volume"))

    def ta(name, parameters, source, result, lookback, outputs=("value",), inputs=("close",)):
        columns = list(result) if isinstance(result, tuple) else [result]
        return name, parameters, list(inputs), list(outputs), lookback, source, columns

    for p in (20, 5):
        yield ta("sma", [p], f"talib.SMA(close, {p})", talib.SMA(c, p), p - 1)
    for p in (20, 9):
        yield ta("ema", [p], f"talib.EMA(close, {p})", talib.EMA(c, p), p - 1)
    for p in (20, 7):
        yield ta("wma", [p], f"talib.WMA(close, {p})", talib.WMA(c, p), p - 1)
    for p in (20, 5):
        yield ta("dema", [p], f"talib.DEMA(close, {p})", talib.DEMA(c, p), 2 * (p - 1))
        yield ta("tema", [p], f"talib.TEMA(close, {p})", talib.TEMA(c, p), 3 * (p - 1))
    for p in (30, 10):
        yield ta("kama", [p], f"talib.KAMA(close, {p})", talib.KAMA(c, p), p)
    for p in (14, 5):
        yield ta("rsi", [p], f"talib.RSI(close, {p})", talib.RSI(c, p), p)
    for f, s, g in ((12, 26, 9), (5, 35, 5)):
        yield ta("macd", [f, s, g], f"talib.MACD(close, {f}, {s}, {g})", talib.MACD(c, f, s, g),
                 s - 1 + g - 1, ("macd", "signal", "hist"))
    for p, d in ((20, 2.0), (10, 1.5)):
        yield ta("bbands", [p, d], f"talib.BBANDS(close, {p}, {d}, {d}, MA_Type.SMA)", talib.BBANDS(c, p, d, d, 0),
                 p - 1, ("upper", "middle", "lower"))
    for p in (14, 5):
        yield ta("atr", [p], f"talib.ATR(high, low, close, {p})", talib.ATR(h, l, c, p), p, inputs=())
    for p in (14, 7):
        yield ta("natr", [p], f"talib.NATR(high, low, close, {p})", talib.NATR(h, l, c, p), p, inputs=())
        # adx reports +DI and -DI from its own first valid bar, so TA-Lib's earlier DI values are masked.
        plus_di, minus_di = talib.PLUS_DI(h, l, c, p), talib.MINUS_DI(h, l, c, p)
        plus_di[:2 * p - 1] = np.nan
        minus_di[:2 * p - 1] = np.nan
        yield ta("adx", [p], f"talib.ADX/PLUS_DI/MINUS_DI(high, low, close, {p}), DI before bar {2 * p - 1} masked",
                 (talib.ADX(h, l, c, p), plus_di, minus_di),
                 2 * p - 1, ("adx", "plus_di", "minus_di"), inputs=())
    for k, sk, sd in ((14, 3, 3), (5, 3, 4)):
        yield ta("stoch", [k, sk, sd], f"talib.STOCH(high, low, close, {k}, {sk}, SMA, {sd}, SMA)",
                 talib.STOCH(h, l, c, k, sk, 0, sd, 0), k - 1 + sk - 1 + sd - 1, ("k", "d"), inputs=())
    for p, k, d in ((14, 5, 3), (9, 14, 3)):
        yield ta("stochrsi", [p, k, d], f"talib.STOCHRSI(close, {p}, {k}, {d}, SMA)", talib.STOCHRSI(c, p, k, d, 0),
                 p + k - 1 + d - 1, ("k", "d"))
    for p in (14, 20):
        yield ta("cci", [p], f"talib.CCI(high, low, close, {p})", talib.CCI(h, l, c, p), p - 1, inputs=())
    for p in (14, 7):
        yield ta("mfi", [p], f"talib.MFI(high, low, close, volume, {p})", talib.MFI(h, l, c, v, p), p, inputs=())
    yield ta("obv", [], "talib.OBV(close, volume)", talib.OBV(c, v), 0, inputs=())
    for p in (10, 3):
        yield ta("roc", [p], f"talib.ROC(close, {p})", talib.ROC(c, p), p)
        yield ta("mom", [p], f"talib.MOM(close, {p})", talib.MOM(c, p), p)
    for p, d in ((20, 1.0), (5, 2.0)):
        yield ta("stddev", [p, d], f"talib.STDDEV(close, {p}, {d})", talib.STDDEV(c, p, d), p - 1)
    for p in (20, 5):
        yield ta("var", [p, 1.0], f"talib.VAR(close, {p}, 1.0)", talib.VAR(c, p, 1.0), p - 1)
    for p in (30, 5):
        yield ta("min", [p], f"talib.MIN(close, {p})", talib.MIN(c, p), p - 1)
        yield ta("max", [p], f"talib.MAX(close, {p})", talib.MAX(c, p), p - 1)

    # Composition: TA-Lib skips the leading NaNs of its input, as the streaming form does.
    rsi14 = talib.RSI(c, 14)
    yield ta("sma", [5], "talib.SMA(talib.RSI(close, 14), 5)", talib.SMA(rsi14, 5), 14 + 4, inputs=("rsi(14)",))
    macd_line = talib.MACD(c, 12, 26, 9)[0]
    yield ta("ema", [10], "talib.EMA(talib.MACD(close, 12, 26, 9).macd, 10)", talib.EMA(macd_line, 10), 33 + 9,
             inputs=("macd(12,26,9)",))

    # Indicators without a TA-Lib counterpart: numpy/pandas formulas above.
    for p in (20, 5):
        yield ta("zscore", [p], f"numpy: (x - mean) / population std over {p}-bar windows", zscore(c, p), p - 1)
    yield ta("logret", [], "numpy: log(close[t] / close[t-1])", logret(c), 1)
    for p, a in ((20, 252.0), (10, 365.0)):
        yield ta("realvol", [p, a], f"numpy: sample std (ddof=1) of {p} log returns * sqrt({a})",
                 realvol(c, p, a), p)
    yield ta("vwap", [], "pandas: per-UTC-day cumsum(typical * volume) / cumsum(volume)", vwap(bars), 0, inputs=())
    sma20 = talib.SMA(c, 20)
    yield ta("crossover", [], "numpy: a[t-1] < b[t-1] and a[t] > b[t], b = talib.SMA(close, 20)",
             crossing(c, sma20, True), 20, inputs=("close", "sma(20)"))
    yield ta("crossunder", [], "numpy: a[t-1] > b[t-1] and a[t] < b[t], b = talib.SMA(close, 20)",
             crossing(c, sma20, False), 20, inputs=("close", "sma(20)"))


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for dataset, bars in (("goog", load_goog()), ("randomwalk", random_walk())):
        write_bars(dataset, bars)
        os.makedirs(os.path.join(OUT, dataset), exist_ok=True)
        for name, parameters, inputs, outputs, lookback, source, columns in cases(bars):
            case_id = "_".join([name] + [("%g" % p) for p in parameters] + [i.replace("(", "_").replace(")", "").replace(",", "_") for i in inputs if i != "close"])
            found = first_valid(columns[0])
            assert found == lookback, f"{dataset}/{case_id}: first valid {found}, expected lookback {lookback}"
            path = os.path.join(dataset, f"{case_id}.csv")
            with open(os.path.join(OUT, path), "w", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(outputs)
                for row in zip(*columns):
                    writer.writerow([text(value) for value in row])
            manifest.append({
                "dataset": dataset, "indicator": name, "parameters": [float(p) for p in parameters],
                "inputs": inputs, "outputs": outputs, "lookback": lookback, "source": source, "file": path,
            })
    with open(os.path.join(OUT, "cases.json"), "w") as handle:
        json.dump({"talib": talib.__ta_version__.decode(), "cases": manifest}, handle, indent=1)
        handle.write("\n")
    print(f"wrote {len(manifest)} cases to {OUT}")


if __name__ == "__main__":
    main()
