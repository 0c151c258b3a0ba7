#!/usr/bin/env python3
"""Write seeded synthetic 1-minute OHLCV bars as `timestamp,open,high,low,close,volume` CSV.

The benchmark data for the backtest and CSV-reading benchmarks (docs/data.md). It is made with
numpy's PCG64 generator, independently of Stratum's own synthetic source, so that every engine
compared reads the same file:

    close[i] = close[i-1] * exp(drift + volatility * z[i])      z ~ N(0, 1)
    open[i]  = close[i-1]                                        (open[0] = start price)
    high[i]  = max(open, close) * (1 + volatility * u1 / 2)      u ~ U[0, 1)
    low[i]   = min(open, close) / (1 + volatility * u2 / 2)
    volume   = 1000 + floor(9000 * u3)

Prices are written with 4 decimals (then high and low are widened to cover the rounded open
and close), timestamps as ISO 8601 UTC (`2024-01-01T00:00:00Z`), one bar every minute, 24/7.

Usage: python3 scripts/data/make_minute_bars.py OUT.csv [--bars 1000000] [--seed 42]
"""

import argparse
import sys

import numpy as np


def make_bars(bars, seed, start, start_price, drift, volatility):
    """The columns of the bar file, as numpy arrays (prices already rounded)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(bars)
    u = rng.random((3, bars))
    close_raw = start_price * np.exp(np.cumsum(drift + volatility * z))
    close = np.round(close_raw, 4)
    open_ = np.concatenate(([round(start_price, 4)], close[:-1]))
    top = np.maximum(open_, close)
    bottom = np.minimum(open_, close)
    high = np.maximum(top, np.round(top * (1 + volatility * u[0] / 2), 4))
    low = np.minimum(bottom, np.round(bottom / (1 + volatility * u[1] / 2), 4))
    volume = 1000 + np.floor(9000 * u[2]).astype(np.int64)
    times = np.datetime64(start.rstrip("Z"), "s") + np.arange(bars, dtype=np.int64) * np.timedelta64(60, "s")
    return times, open_, high, low, close, volume


def write_csv(path, columns):
    times, open_, high, low, close, volume = columns
    stamps = np.datetime_as_string(times, unit="s")
    with open(path, "w", newline="\n") as out:
        out.write("timestamp,open,high,low,close,volume\n")
        block = 100_000
        for first in range(0, len(stamps), block):
            rows = range(first, min(first + block, len(stamps)))
            out.write("".join(
                f"{stamps[i]}Z,{open_[i]:.4f},{high[i]:.4f},{low[i]:.4f},{close[i]:.4f},{volume[i]}\n" for i in rows))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="CSV file to write")
    parser.add_argument("--bars", type=int, default=1_000_000, help="number of bars (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--start", default="2024-01-01T00:00:00Z", help="first bar time, UTC (default 2024-01-01T00:00:00Z)")
    parser.add_argument("--start-price", type=float, default=100.0, help="price of the first open (default 100)")
    parser.add_argument("--drift", type=float, default=0.0, help="mean log return per bar (default 0)")
    parser.add_argument("--volatility", type=float, default=0.001, help="standard deviation of log returns per bar (default 0.001)")
    args = parser.parse_args(argv)
    if args.bars < 1:
        parser.error("--bars must be at least 1")
    write_csv(args.out, make_bars(args.bars, args.seed, args.start, args.start_price, args.drift, args.volatility))
    print(f"wrote {args.bars} bars to {args.out}")


if __name__ == "__main__":
    main(sys.argv[1:])
