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
    """Best wall time, best CPU time (other work on the cores stretches only the first), rows."""
    fastest, cpu, rows = float("inf"), float("inf"), 0
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        rows = run()
        cpu = min(cpu, time.process_time() - cpu_start)
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, rows, cpu


def main(path, repeats):
    plain = best(lambda: len(pd.read_csv(path)), repeats)

    def with_times():
        frame = pd.read_csv(path)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="ISO8601", utc=True)
        return len(frame)

    parsed = best(with_times, repeats)
    def entry(timing):
        seconds, rows, cpu = timing
        return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu,
                "rows_per_second": round(rows / seconds), "rows_per_cpu_second": round(rows / cpu)}

    result = {"pandas_version": pd.__version__, "read_csv": entry(plain), "read_csv_and_timestamps": entry(parsed)}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
