#!/usr/bin/env python3
"""pandas.read_csv on a bar file, best of several runs: the baseline for Stratum's CSV reader.

Two timings: `read_csv` alone (timestamps stay strings), and `read_csv` plus parsing the ISO 8601
timestamps to UTC (`pd.to_datetime(..., format="ISO8601", utc=True)`), which is the work the
Stratum reader does. Prints one JSON object.

Usage: python3 benchmarks/data/pandas_baseline.py FILE [REPEATS]
"""

import json
import sys
import time

import pandas as pd


def best(run, repeats):
    fastest, rows = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        rows = run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, rows


def main(path, repeats):
    plain = best(lambda: len(pd.read_csv(path)), repeats)

    def with_times():
        frame = pd.read_csv(path)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="ISO8601", utc=True)
        return len(frame)

    parsed = best(with_times, repeats)
    result = {
        "pandas_version": pd.__version__,
        "read_csv": {"rows": plain[1], "seconds": plain[0], "rows_per_second": round(plain[1] / plain[0])},
        "read_csv_and_timestamps": {"rows": parsed[1], "seconds": parsed[0], "rows_per_second": round(parsed[1] / parsed[0])},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
