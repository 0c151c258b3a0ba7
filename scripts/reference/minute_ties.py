"""A slice of the backtest benchmark's synthetic minute bars that holds an exact tie of SMA(10)
and SMA(30), shared by the reference scripts beside this file.

The bars are scripts/data/make_minute_bars.py's, 100,000 of them with seed 42 (the benchmark's
100 k file), rows FIRST to FIRST + COUNT - 1. Prices have 4 decimals, so the two averages are
often mathematically equal; which one is larger then depends only on how each was rounded,
and backtesting.py's averages are pandas' `rolling(n).mean()`.
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'scripts' / 'data'))
import make_minute_bars  # noqa: E402

BARS, SEED = 100_000, 42
FIRST, COUNT = 81_000, 1_500
FAST, SLOW = 10, 30


def exact_ties(close):
    """Rows where SMA(FAST) equals SMA(SLOW) exactly (prices as integer ticks of 0.0001),
    the benchmark's `exact_ties` (benchmarks/backtest/run.py)."""
    ticks = np.rint(np.asarray(close) * 10_000).astype(np.int64)
    total = np.concatenate(([0], np.cumsum(ticks)))
    index = np.arange(SLOW - 1, len(ticks))
    fast = (total[index + 1] - total[index - FAST + 1]) * (SLOW // FAST)
    slow = total[index + 1] - total[index - SLOW + 1]
    return index[fast == slow].tolist()


def bars():
    """The slice as (timestamps, open, high, low, close, volume) numpy columns."""
    columns = make_minute_bars.make_bars(BARS, SEED, '2024-01-01T00:00:00Z', 100.0, 0.0, 0.001)
    columns = tuple(column[FIRST:FIRST + COUNT] for column in columns)
    ties = exact_ties(columns[4])
    if not ties:
        sys.exit(f'minute_ties: no exact tie of SMA({FAST}) and SMA({SLOW}) in rows {FIRST}..{FIRST + COUNT - 1}')
    return columns


def write_csv(path, columns):
    """The slice in make_minute_bars.py's format (the benchmark's bar file, same text)."""
    make_minute_bars.write_csv(path, columns)
