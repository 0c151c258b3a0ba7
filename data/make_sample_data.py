#!/usr/bin/env python3
"""Builds the small sample data files the example strategies read, deterministically.

- data/btc_1m.csv: 3,000 one-minute bars of a seeded random walk, in the
  `timestamp,open,high,low,close,volume` shape (ISO 8601 UTC timestamps).
- data/goog.sqlite: data/GOOG.csv copied into a table `bars`
  (symbol, timestamp, open, high, low, close, volume).

Run from the repository root: python3 data/make_sample_data.py
"""
import csv
import math
import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def minute_bars(path: Path, count: int = 3000, seed: int = 20261126) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
    price = 60000.0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["timestamp", "open", "high", "low", "close", "volume"])
        for index in range(count):
            open_ = price
            close = open_ * math.exp(rng.gauss(0.0, 0.0008))
            high = max(open_, close) * (1 + abs(rng.gauss(0.0, 0.0003)))
            low = min(open_, close) * (1 - abs(rng.gauss(0.0, 0.0003)))
            volume = round(rng.lognormvariate(2.0, 0.5), 4)
            stamp = (start + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([stamp, f"{open_:.2f}", f"{high:.2f}", f"{low:.2f}", f"{close:.2f}", volume])
            price = close


def goog_sqlite(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    with sqlite3.connect(target) as db:
        db.execute(
            "CREATE TABLE bars (symbol TEXT NOT NULL, timestamp TEXT NOT NULL, open REAL NOT NULL, high REAL NOT NULL,"
            " low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY (symbol, timestamp))"
        )
        with source.open(newline="") as handle:
            rows = [("GOOG", row[""], float(row["Open"]), float(row["High"]), float(row["Low"]),
                     float(row["Close"]), float(row["Volume"])) for row in csv.DictReader(handle)]
        db.executemany("INSERT INTO bars VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    # The page layout of a fresh file depends only on the rows: VACUUM makes it byte-stable.
    with sqlite3.connect(target) as db:
        db.execute("VACUUM")


if __name__ == "__main__":
    minute_bars(ROOT / "data" / "btc_1m.csv")
    goog_sqlite(ROOT / "data" / "GOOG.csv", ROOT / "data" / "goog.sqlite")
