#!/usr/bin/env python3
"""Write backtesting.py reference results for the Reports tests.

Runs backtesting.py (pinned in scripts/requirements.txt) on data/GOOG.csv with a few
strategies, and on a slice of the backtest benchmark's synthetic minute bars that holds an exact
tie of SMA(10) and SMA(30) (scripts/reference/minute_ties.py), and writes, for each case, into
Tests/ReportsTests/References/<case>/:

  trades.csv   one closed trade per row: bars, times, signed size, prices, PnL,
               return (fraction) and commissions
  equity.csv   one row per bar: timestamp, equity, drawdown (fraction), close price
  stats.json   backtesting.py's statistics for that run, its version, the case
               parameters and the first trading bar it used for Buy & Hold
  bars.csv     the case's bars, when they are not data/GOOG.csv

Floats are written with Python's repr (shortest round-trip), durations as days,
timestamps as ISO-8601. Non-finite statistics are written as the strings "NaN",
"Infinity" and "-Infinity" so that the files stay strict JSON.

Usage: python3 scripts/reference/backtesting_py_reference.py [repo-root]
"""

import csv
import json
import math
import sys
import warnings
from pathlib import Path

import backtesting
import numpy as np
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting._util import _indicator_warmup_nbars

sys.path.insert(0, str(Path(__file__).resolve().parent))
import minute_ties as minute_ties_slice  # noqa: E402

# Slightly below 1 so that backtesting.py reads it as a fraction of available margin
# (a size of 1 means one unit); floor(f * equity / price) equals the all-in size.
ALL_IN = 0.99999999


def sma(values, period):
    """Simple moving average; NaN until `period` values are available."""
    return pd.Series(values).rolling(period).mean().to_numpy()


def wilder_rsi(values, period):
    """RSI with Wilder smoothing, seeded by the plain mean of the first `period` changes.

    This is TA-Lib's RSI: the first value is at index `period`.
    """
    close = np.asarray(values, dtype=float)
    out = np.full(len(close), np.nan)
    if len(close) <= period:
        return out
    change = np.diff(close)
    gain = np.where(change > 0, change, 0.0)
    loss = np.where(change < 0, -change, 0.0)
    avg_gain = gain[:period].mean()
    avg_loss = loss[:period].mean()

    def rsi(g, l):
        total = g + l
        return 100.0 * g / total if total != 0 else 0.0

    out[period] = rsi(avg_gain, avg_loss)
    for i in range(period, len(change)):
        avg_gain = (avg_gain * (period - 1) + gain[i]) / period
        avg_loss = (avg_loss * (period - 1) + loss[i]) / period
        out[i + 1] = rsi(avg_gain, avg_loss)
    return out


def crossed_above(a, b):
    """a was strictly below b on the previous bar and is strictly above it now."""
    return a[-2] < b[-2] and a[-1] > b[-1]


class SmaCross(Strategy):
    """Long on a crossover of the fast average above the slow one, short on the opposite.

    A signal in the direction already held does nothing, as in Stratum (docs/backtesting.md,
    "Signals and crossovers"). Two crossovers the same way in a row happen only when the
    averages were exactly equal in between (then neither is a crossing): without the check,
    backtesting.py would close the position and reopen it at the same price.
    """
    fast = 10
    slow = 30

    def init(self):
        self.fast_sma = self.I(sma, self.data.Close, self.fast)
        self.slow_sma = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossed_above(self.fast_sma, self.slow_sma):
            if not self.position.is_long:
                self.position.close()
                self.buy(size=ALL_IN)
        elif crossed_above(self.slow_sma, self.fast_sma):
            if not self.position.is_short:
                self.position.close()
                self.sell(size=ALL_IN)


class LongOnlyRsi(Strategy):
    period = 14
    lower = 30
    upper = 70

    def init(self):
        self.rsi = self.I(wilder_rsi, self.data.Close, self.period)

    def next(self):
        if not self.position and self.rsi[-1] < self.lower:
            self.buy(size=ALL_IN)
        elif self.position and self.rsi[-1] > self.upper:
            self.position.close()


class BuyAndHold(Strategy):
    """Buys once and never sells: with finalize_trades=False no trade is ever closed."""

    def init(self):
        pass

    def next(self):
        if not self.position:
            self.buy(size=ALL_IN)


def minute_ties(case_dir):
    """The minute-bar slice of minute_ties.py as a backtesting.py frame; also written to
    <case>/bars.csv in the benchmark's bar format for the tests to run on."""
    columns = minute_ties_slice.bars()
    case_dir.mkdir(parents=True, exist_ok=True)
    minute_ties_slice.write_csv(case_dir / 'bars.csv', columns)
    times, open_, high, low, close, volume = columns
    frame = pd.DataFrame({'Open': open_, 'High': high, 'Low': low, 'Close': close, 'Volume': volume},
                         index=pd.DatetimeIndex(times))
    description = (f'bars.csv: scripts/data/make_minute_bars.py --bars {minute_ties_slice.BARS} '
                   f'--seed {minute_ties_slice.SEED}, rows {minute_ties_slice.FIRST}..'
                   f'{minute_ties_slice.FIRST + minute_ties_slice.COUNT - 1}')
    return frame, description


def hourly(data):
    """The same bars re-stamped one hour apart, weekends included.

    Exercises the intraday branch of backtesting.py's statistics: daily buckets of
    24 bars, 365 periods a year, durations rounded up to whole hours.
    """
    restamped = data.copy()
    restamped.index = pd.date_range(data.index[0], periods=len(data), freq='h')
    return restamped


CASES = {
    'sma_cross': dict(strategy=SmaCross, cash=10_000, commission=0.0, trade_on_close=False),
    'sma_cross_close': dict(strategy=SmaCross, cash=10_000, commission=0.0, trade_on_close=True),
    'sma_cross_fees': dict(strategy=SmaCross, cash=10_000, commission=0.002, trade_on_close=False),
    'long_only_rsi': dict(strategy=LongOnlyRsi, cash=100_000, commission=0.0, trade_on_close=False),
    # Every trade wins: Profit Factor and Kelly Criterion are NaN.
    'long_only_rsi_winners': dict(strategy=LongOnlyRsi, cash=100_000, commission=0.0,
                                  trade_on_close=False, run_args=dict(upper=80)),
    'sma_cross_hourly': dict(strategy=SmaCross, cash=10_000, commission=0.0, trade_on_close=False,
                             data=hourly),
    'buy_and_hold': dict(strategy=BuyAndHold, cash=10_000, commission=0.0, trade_on_close=False),
    # 1,500 minute bars whose SMA(10) and SMA(30) are exactly equal at row 660: which average
    # is larger there, and so whether a crossing happens, depends on pandas' rounding.
    'sma_cross_ties': dict(strategy=SmaCross, cash=10_000, commission=0.0, trade_on_close=False,
                           bars=minute_ties),
}


def iso(timestamp):
    return pd.Timestamp(timestamp).isoformat()


def days(timedelta):
    """A Timedelta as a number of days; NaT becomes NaN."""
    if pd.isna(timedelta):
        return math.nan
    return pd.Timedelta(timedelta) / pd.Timedelta(days=1)


def json_value(value):
    if isinstance(value, pd.Timestamp):
        return iso(value)
    if isinstance(value, pd.Timedelta) or value is pd.NaT:
        return json_number(days(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    return json_number(float(value))


def json_number(value):
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return 'Infinity' if value > 0 else '-Infinity'
    return value


def write_case(name, params, data, out_dir):
    settings = {k: v for k, v in params.items() if k not in ('strategy', 'data', 'bars', 'run_args')}
    run_args = params.get('run_args', {})
    strategy = params['strategy']
    case_dir = out_dir / name
    restamp = params.get('data')
    description = 'data/GOOG.csv'
    if restamp is not None:
        data = restamp(data)
        description += f' re-stamped by {restamp.__name__}()'
    if 'bars' in params:
        data, description = params['bars'](case_dir)
    bt = Backtest(data, strategy, exclusive_orders=False, finalize_trades=False, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        stats = bt.run(**run_args)

    case_dir.mkdir(parents=True, exist_ok=True)

    trades = stats['_trades']
    with open(case_dir / 'trades.csv', 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['entry_bar', 'exit_bar', 'entry_time', 'exit_time', 'size',
                    'entry_price', 'exit_price', 'pnl', 'return_pct', 'commission'])
        for t in trades.itertuples(index=False):
            w.writerow([int(t.EntryBar), int(t.ExitBar), iso(t.EntryTime), iso(t.ExitTime),
                        int(t.Size), repr(float(t.EntryPrice)), repr(float(t.ExitPrice)),
                        repr(float(t.PnL)), repr(float(t.ReturnPct)), repr(float(t.Commission))])

    curve = stats['_equity_curve']
    with open(case_dir / 'equity.csv', 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['timestamp', 'equity', 'drawdown_pct', 'close'])
        for (ts, row), close in zip(curve.iterrows(), data['Close']):
            w.writerow([iso(ts), repr(float(row.Equity)), repr(float(row.DrawdownPct)),
                        repr(float(close))])

    statistics = {key: json_value(value) for key, value in stats.items()
                  if not key.startswith('_')}
    document = {
        'generator': 'scripts/reference/backtesting_py_reference.py',
        'backtesting_version': backtesting.__version__,
        'pandas_version': pd.__version__,
        'numpy_version': np.__version__,
        'data': description,
        'parameters': {
            'strategy': strategy.__name__,
            **{k: getattr(strategy, k) for k in ('fast', 'slow', 'period', 'lower', 'upper')
               if hasattr(strategy, k)},
            **run_args,
            'size': ALL_IN,
            'exclusive_orders': False,
            'finalize_trades': False,
            'spread': 0.0,
            'margin': 1.0,
            **settings,
        },
        'first_trading_bar': int(_indicator_warmup_nbars(stats['_strategy'])),
        'open_trades_at_end': len(stats['_strategy'].trades),
        'statistics': statistics,
    }
    with open(case_dir / 'stats.json', 'w') as f:
        json.dump(document, f, indent=2, allow_nan=False)
        f.write('\n')
    print(f'{name}: {len(trades)} trades, final equity {stats["Equity Final [$]"]!r}')


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    data = pd.read_csv(root / 'data' / 'GOOG.csv', index_col=0, parse_dates=True)
    out_dir = root / 'Tests' / 'ReportsTests' / 'References'
    for name, params in CASES.items():
        write_case(name, params, data, out_dir)


if __name__ == '__main__':
    main()
