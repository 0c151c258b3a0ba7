#!/usr/bin/env python3
"""Write pandas' rolling means, bit for bit, for the Indicators tests.

backtesting.py's strategies average with pandas' `Series.rolling(n).mean()`, and Stratum's SMA
computes the same bits (Sources/Indicators/Kernels/MovingAverages.swift), so that exact ties of
two averages break the same way. This script records pandas' outputs for inputs that exercise
that arithmetic:

  goog         data/GOOG.csv closes (2 decimals), periods 10 and 30
  minute_ties  the minute-bar slice of scripts/reference/minute_ties.py (4 decimals), whose
               SMA(10) and SMA(30) are exactly equal at row 660, periods 10 and 30
  constant     runs of identical values, shorter and longer than the window (pandas returns a
               window of one repeated value exactly), periods 2, 3, 10 and 30
  negative     values of both signs, a stretch of only negative ones, signed zeros and a
               cancellation of large values (pandas' sign guards), periods 2, 5, 10 and 30

Output: Tests/IndicatorsTests/References/pandas_sma/<case>.csv, one row per input value:
`input` and one `sma_<period>` column per period, each the 16 hex digits of the Float64's bits
(pandas' NaN before the window is full).

Run from the repository root: python3 scripts/reference/pandas_sma_references.py
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import minute_ties  # noqa: E402

OUT = ROOT / 'Tests' / 'IndicatorsTests' / 'References' / 'pandas_sma'


def constant_runs():
    return np.array([0.1] * 45 + [0.3] * 12 + [0.1, 0.2] * 20 + [100.0001] * 40
                    + [1e-7] * 31 + [0.7] * 9 + [123.4567] * 35, dtype=np.float64)


def negative_values():
    rng = np.random.default_rng(7)
    return np.concatenate([
        np.round(rng.normal(-0.2, 1.0, 300), 4),
        -np.round(rng.uniform(0.0001, 0.01, 100), 4),
        np.array([-0.0, 0.0, -0.0, 0.0, 0.0] * 8),
        np.array([1e16, 1.0, -1e16, -3.0, 2.5] * 10),
        np.round(rng.normal(0.0, 1e-3, 200), 6),
    ])


def cases():
    goog = pd.read_csv(ROOT / 'data' / 'GOOG.csv')['Close'].to_numpy(dtype=np.float64)
    yield 'goog', goog, (10, 30)
    yield 'minute_ties', minute_ties.bars()[4], (10, 30)
    yield 'constant', constant_runs(), (2, 3, 10, 30)
    yield 'negative', negative_values(), (2, 5, 10, 30)


def hex_bits(values):
    return [f'{bits:016x}' for bits in np.asarray(values, dtype=np.float64).view(np.uint64).tolist()]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, values, periods in cases():
        columns = [hex_bits(values)] + [hex_bits(pd.Series(values).rolling(p).mean().to_numpy()) for p in periods]
        with open(OUT / f'{name}.csv', 'w') as out:
            out.write(','.join(['input'] + [f'sma_{p}' for p in periods]) + '\n')
            out.writelines(','.join(row) + '\n' for row in zip(*columns))
        print(f'{name}: {len(values)} values, periods {", ".join(map(str, periods))} (pandas {pd.__version__})')


if __name__ == '__main__':
    main()
