#!/usr/bin/env python3
"""SMA(10)/SMA(30) crossover backtest, vectorised with numpy: the benchmark's numpy baseline.

The semantics of `stratum backtest benchmarks/backtest/sma_cross_minute.yaml` and the
backtesting.py run in peers.py, except at exact ties of the two averages (see the second point
and the third): Stratum and backtesting.py compare the averages as pandas' rolling mean rounds
them and do nothing on a signal in the direction already held, so the benchmark's trade check
shows numpy's trade count beside theirs rather than requiring it to be equal:

- signals on the bar's close: long when crossover(fast, slow), i.e. fast[1] < slow[1] and
  fast > slow; short when crossover(slow, fast); the averages are compared exactly (prices
  as integer ticks of 0.0001), so two equal averages never count as one above the other;
- a signal on bar i fills at bar i+1's open (a signal on the last bar never fills);
- every signal closes the position held, then opens floor(0.99999999 × equity / price) units
  in the signal's direction at the same price (backtesting.py's position.close() then
  buy/sell(size=0.99999999)); two signals the same way in a row happen only when the averages
  were exactly equal in between, and then the position is closed and reopened;
- cash 10,000, no fees, no slippage; the open position is marked at every close, and
  "trades" counts closed round trips (a position still open at the end is not counted).

Everything but the per-trade compounding of the size is array arithmetic; that step is a plain
loop over trades (one iteration per fill, not per bar), because the size of each trade depends
on the equity the previous one left.

Usage: python3 benchmarks/backtest/numpy_sma_cross.py BARS.csv [--repeats 5]
Prints one JSON line: bars, best seconds, bars/s, trades, final equity; --fills FILE writes the
bar index of every fill, one a line, for the trade check.
"""

import argparse
import json
import math
import sys
import time

import numpy as np

ALL_IN = 0.99999999


def window_sums(ticks, period):
    """Sum of each window of `period` values (exact integers), zero before the first full window."""
    total = np.cumsum(ticks)
    out = np.zeros(len(ticks), dtype=np.int64)
    if len(ticks) >= period:
        out[period - 1] = total[period - 1]
        out[period:] = total[period:] - total[:-period]
    return out


def backtest(open_, close, fast=10, slow=30, cash=10_000.0):
    """Returns (closed trades, final equity, equity curve, bar index of every fill)."""
    n = len(close)
    # Prices have 4 decimals: as integer ticks the window sums are exact, and so is the
    # comparison fast < slow, i.e. sum_fast / fast < sum_slow / slow, done as
    # sum_fast * slow < sum_slow * fast. Equal averages (they happen at 4 decimals) never cross.
    ticks = np.rint(close * 10_000).astype(np.int64)
    f = window_sums(ticks, fast) * slow
    s = window_sums(ticks, slow) * fast
    ready = np.arange(n) >= slow - 1
    below = (f < s) & ready
    above = (f > s) & ready
    up = below[:-1] & above[1:]
    down = above[:-1] & below[1:]
    signal = np.zeros(n, dtype=np.int8)
    signal[1:][up] = 1
    signal[1:][down] = -1
    # Signals that get a fill: all but one on the last bar.
    at = np.flatnonzero(signal[:-1])
    direction = signal[at]
    fill_bar = at + 1
    price = open_[fill_bar]

    # Per-trade compounding: every fill closes the position held (if any) and opens a new one
    # sized with the equity after that close.
    sizes = np.empty(len(price))
    cash_after = np.empty(len(price))
    equity = cash
    held = 0.0
    entry = 0.0
    for k, (p, d) in enumerate(zip(price.tolist(), direction.tolist())):
        equity += held * (p - entry)
        units = math.floor(ALL_IN * equity / p) * d
        sizes[k] = units
        cash_after[k] = equity - units * p
        held, entry = units, p

    # Equity per bar: cash plus the position marked at the close.
    segment = np.searchsorted(fill_bar, np.arange(n), side="right") - 1
    position = np.where(segment >= 0, sizes[segment] if len(sizes) else 0.0, 0.0)
    cash_curve = np.where(segment >= 0, cash_after[segment] if len(sizes) else cash, cash)
    curve = cash_curve + position * close
    closed = max(len(price) - 1, 0)
    return closed, float(curve[-1]), curve, fill_bar


def load(path):
    """The open and close columns of a `timestamp,open,high,low,close,volume` file."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 4), dtype=np.float64)
    return np.ascontiguousarray(data[:, 0]), np.ascontiguousarray(data[:, 1])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bars", help="bar file (timestamp,open,high,low,close,volume)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fills", help="write the bar index of every fill, one a line")
    args = parser.parse_args(argv)
    open_, close = load(args.bars)
    best = math.inf
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        trades, final_equity, _, fills = backtest(open_, close)
        best = min(best, time.perf_counter() - start)
    if args.fills:
        np.savetxt(args.fills, fills, fmt="%d")
    print(json.dumps({"engine": "numpy", "version": np.__version__, "bars": len(close), "repeats": args.repeats,
                      "best_seconds": best, "bars_per_second": round(len(close) / best),
                      "trades": trades, "final_equity": final_equity}))


if __name__ == "__main__":
    main(sys.argv[1:])
