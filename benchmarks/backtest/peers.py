#!/usr/bin/env python3
"""The backtest benchmark's strategy in peer engines: backtesting.py, backtrader, NautilusTrader.

Each engine runs SMA(10)/SMA(30) crossover on the same bar file with the semantics of
benchmarks/backtest/sma_cross_minute.yaml (signals on the close, crossover(a, b) = a[1] < b[1]
and a > b, a reversal closes then opens all-in the other way, cash 10,000, no fees) as far as
the engine allows; README.md lists where an engine differs.

The file is read before the clock starts. The time is the engine's run (for backtesting.py
`Backtest.run`, which includes its statistics; for backtrader `Cerebro.run`, which includes
loading the DataFrame into its lines; for NautilusTrader `BacktestEngine.run`, after the bars
were added). Best of --repeats runs.

Usage: python3 benchmarks/backtest/peers.py ENGINE BARS.csv [--repeats N]
       ENGINE: backtesting | backtrader | nautilus
Prints one JSON line: engine, version, bars, best seconds, bars/s, trades, final equity.
--fills FILE (backtesting only) writes the bar index of every fill, for the trade check.
"""

import argparse
import json
import math
import sys
import time
import warnings

FAST, SLOW = 10, 30
CASH = 10_000.0
# backtesting.py reads a size below 1 as a fraction of available margin: all-in.
ALL_IN = 0.99999999


def read_frame(path):
    import pandas as pd

    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    frame.columns = ["Open", "High", "Low", "Close", "Volume"]
    frame.index = frame.index.tz_localize(None)
    return frame


def crossed(a_prev, b_prev, a, b):
    return a_prev < b_prev and a > b


# backtesting.py ---------------------------------------------------------------------------

def run_backtesting(path, repeats):
    import backtesting
    import pandas as pd
    from backtesting import Backtest, Strategy

    def sma(values, period):
        return pd.Series(values).rolling(period).mean().to_numpy()

    class SmaCross(Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self):
            # A signal in the direction already held does nothing (docs/backtesting.md): two
            # crossings the same way in a row follow an exact tie of the averages.
            fast, slow = self.fast, self.slow
            if crossed(fast[-2], slow[-2], fast[-1], slow[-1]):
                if not self.position.is_long:
                    self.position.close()
                    self.buy(size=ALL_IN)
            elif crossed(slow[-2], fast[-2], slow[-1], fast[-1]):
                if not self.position.is_short:
                    self.position.close()
                    self.sell(size=ALL_IN)

    data = read_frame(path)
    best, stats = math.inf, None
    for _ in range(repeats):
        bt = Backtest(data, SmaCross, cash=CASH, commission=0.0, trade_on_close=False,
                      exclusive_orders=False, finalize_trades=False)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stats = bt.run()
        best = min(best, time.perf_counter() - start)
    trades = stats["_trades"]
    fills = sorted(set(trades["EntryBar"].tolist()) | set(trades["ExitBar"].tolist())
                   | {trade.entry_bar for trade in stats["_strategy"].trades})
    return dict(engine="backtesting.py", version=backtesting.__version__, bars=len(data), best_seconds=best,
                trades=int(stats["# Trades"]), final_equity=float(stats["Equity Final [$]"]), fill_bars=fills)


# backtrader -------------------------------------------------------------------------------

def run_backtrader(path, repeats):
    import backtrader as bt

    class SmaCross(bt.Strategy):
        def __init__(self):
            self.fast = bt.indicators.SimpleMovingAverage(self.data.close, period=FAST)
            self.slow = bt.indicators.SimpleMovingAverage(self.data.close, period=SLOW)
            self.closed = 0

        def notify_trade(self, trade):
            if trade.isclosed:
                self.closed += 1

        def next(self):
            f0, f1, s0, s1 = self.fast[0], self.fast[-1], self.slow[0], self.slow[-1]
            if crossed(f1, s1, f0, s0):
                side = 1
            elif crossed(s1, f1, s0, f0):
                side = -1
            else:
                return
            if side * self.position.size > 0:
                return      # already held that way (after an exact tie): nothing to do
            # Close, then all-in the signal's way, sized at this close; both fill at the next open.
            units = math.floor(ALL_IN * self.broker.getvalue() / self.data.close[0])
            if self.position:
                self.close()
            if side > 0:
                self.buy(size=units)
            else:
                self.sell(size=units)

    data = read_frame(path)
    best, result = math.inf, None
    for _ in range(repeats):
        cerebro = bt.Cerebro(stdstats=False)
        cerebro.adddata(bt.feeds.PandasData(dataname=data))
        cerebro.addstrategy(SmaCross)
        cerebro.broker.setcash(CASH)
        cerebro.broker.setcommission(commission=0.0)
        # The size is computed at the close and filled at the next open: never refuse an order
        # whose cost moved past the cash in between.
        cerebro.broker.set_checksubmit(False)
        start = time.perf_counter()
        strategies = cerebro.run()
        best = min(best, time.perf_counter() - start)
        result = (strategies[0].closed, cerebro.broker.getvalue())
    return dict(engine="backtrader", version=bt.__version__, bars=len(data), best_seconds=best,
                trades=result[0], final_equity=float(result[1]))


# NautilusTrader ---------------------------------------------------------------------------

def run_nautilus(path, repeats):
    from decimal import Decimal

    import nautilus_trader
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
    from nautilus_trader.config import LoggingConfig, StrategyConfig
    from nautilus_trader.indicators.averages import SimpleMovingAverage
    from nautilus_trader.model.currencies import USD
    from nautilus_trader.model.data import BarType
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
    from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
    from nautilus_trader.model.instruments import Equity
    from nautilus_trader.model.objects import Money, Price, Quantity
    from nautilus_trader.persistence.wranglers import BarDataWrangler
    from nautilus_trader.trading.strategy import Strategy

    venue = Venue("SIM")
    instrument_id = InstrumentId(Symbol("SYN"), venue)
    instrument = Equity(instrument_id=instrument_id, raw_symbol=Symbol("SYN"), currency=USD,
                        price_precision=4, price_increment=Price.from_str("0.0001"),
                        lot_size=Quantity.from_int(1), ts_event=0, ts_init=0)
    bar_type = BarType.from_str("SYN.SIM-1-MINUTE-LAST-EXTERNAL")

    class SmaCrossConfig(StrategyConfig, frozen=True):
        instrument_id: InstrumentId
        bar_type: BarType

    class SmaCross(Strategy):
        def __init__(self, config):
            super().__init__(config)
            self.fast = SimpleMovingAverage(FAST)
            self.slow = SimpleMovingAverage(SLOW)
            self.prev = None
            self.held = 0       # the side of the last order sent: 1 long, -1 short
            self.closed = 0
            self.refused = 0

        def on_start(self):
            self.register_indicator_for_bars(self.config.bar_type, self.fast)
            self.register_indicator_for_bars(self.config.bar_type, self.slow)
            self.subscribe_bars(self.config.bar_type)

        def on_position_closed(self, event):
            self.closed += 1

        def on_order_denied(self, event):
            self.refused += 1
            self.held = 0       # the close went through, the new position did not

        def on_order_rejected(self, event):
            self.refused += 1
            self.held = 0

        def on_bar(self, bar):
            if not self.slow.initialized:
                return
            f0, s0 = self.fast.value, self.slow.value
            prev, self.prev = self.prev, (f0, s0)
            if prev is None:
                return
            f1, s1 = prev
            if crossed(f1, s1, f0, s0):
                side = 1
            elif crossed(s1, f1, s0, f0):
                side = -1
            else:
                return
            if side == self.held:
                return      # already held that way (after an exact tie): nothing to do
            self.held = side
            # Market orders fill at this bar's close, which is the next bar's open in this data.
            price = bar.close.as_double()
            account = self.portfolio.account(venue)
            unrealized = self.portfolio.unrealized_pnl(self.config.instrument_id)
            equity = account.balance_total(USD).as_double() + (unrealized.as_double() if unrealized else 0.0)
            units = math.floor(ALL_IN * equity / price)
            self.close_all_positions(self.config.instrument_id)
            self.submit_order(self.order_factory.market(
                instrument_id=self.config.instrument_id,
                order_side=OrderSide.BUY if side > 0 else OrderSide.SELL,
                quantity=Quantity.from_int(units)))

    frame = read_frame(path)
    frame.columns = [c.lower() for c in frame.columns]
    bars = BarDataWrangler(bar_type, instrument).process(frame)
    best, result = math.inf, None
    for _ in range(repeats):
        engine = BacktestEngine(config=BacktestEngineConfig(trader_id=TraderId("BENCH-001"),
                                                            logging=LoggingConfig(log_level="ERROR")))
        engine.add_venue(venue=venue, oms_type=OmsType.NETTING, account_type=AccountType.MARGIN,
                         base_currency=USD, starting_balances=[Money(CASH, USD)], default_leverage=Decimal(1))
        engine.add_instrument(instrument)
        engine.add_data(bars)
        strategy = SmaCross(SmaCrossConfig(instrument_id=instrument_id, bar_type=bar_type))
        engine.add_strategy(strategy)
        start = time.perf_counter()
        engine.run()
        best = min(best, time.perf_counter() - start)
        account = engine.trader.generate_account_report(venue)
        final_balance = float(account["total"].iloc[-1])
        last_close = float(frame["close"].iloc[-1])
        position_value = 0.0
        for position in engine.cache.positions_open():
            position_value += position.unrealized_pnl(Price(last_close, 4)).as_double()
        result = (strategy.closed, final_balance + position_value, strategy.refused)
        engine.dispose()
    return dict(engine="NautilusTrader", version=nautilus_trader.__version__, bars=len(frame), best_seconds=best,
                trades=result[0], final_equity=result[1], refused_orders=result[2])


ENGINES = {"backtesting": run_backtesting, "backtrader": run_backtrader, "nautilus": run_nautilus}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("bars", help="bar file (timestamp,open,high,low,close,volume)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fills", help="write the bar index of every fill, one a line (backtesting only)")
    args = parser.parse_args(argv)
    result = ENGINES[args.engine](args.bars, max(1, args.repeats))
    result["repeats"] = args.repeats
    result["bars_per_second"] = round(result["bars"] / result["best_seconds"])
    fills = result.pop("fill_bars", None)
    if args.fills and fills is not None:
        with open(args.fills, "w") as out:
            out.write("".join(f"{bar}\n" for bar in fills))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
