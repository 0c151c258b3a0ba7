#!/usr/bin/env python3
"""Benchmark Stratum's batch indicator kernels against TA-Lib on the same data, in one run.

1. Writes a seeded random walk of N float64 points (close, high, low) once, reused afterwards.
2. Times TA-Lib (PyPI `ta-lib`) on it: SMA(20), EMA(20), RSI(14), MACD(12,26,9), BBANDS(20,2), ATR(14).
3. Runs the release `bench-indicators` binary on the same files: the same six batch kernels,
   a memory-bandwidth bound (fresh array, out[i] = x[i] + 1) and the six as streaming
   indicators updated bar by bar.
4. Writes the table between the indicators markers of benchmarks/RESULTS.md.

Every figure is the best of --repetitions runs in each of --rounds rounds, the two sides
alternating round by round so that both meet the same load on a shared machine. Run from the
repository root:
    python3 benchmarks/indicators/run_benchmarks.py
"""

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time

import numpy as np
import talib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "benchmarks", "RESULTS.md")
BEGIN, END = "<!-- indicators:begin -->", "<!-- indicators:end -->"
COMMAND = "python3 benchmarks/indicators/run_benchmarks.py"


def write_data(directory, points, seed=20241126):
    """The random walk the two sides read; regenerated only when absent."""
    paths = {name: os.path.join(directory, f"{name}.f64") for name in ("close", "high", "low")}
    if all(os.path.exists(p) and os.path.getsize(p) == points * 8 for p in paths.values()):
        return paths
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, points)))
    high = close * (1.0 + np.abs(rng.normal(0.0, 0.001, points)))
    low = close * (1.0 - np.abs(rng.normal(0.0, 0.001, points)))
    for name, column in (("close", close), ("high", high), ("low", low)):
        column.astype("<f8").tofile(paths[name])
    return paths


def best(repetitions, call):
    fastest = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        call()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def time_talib(paths, repetitions):
    close, high, low = (np.fromfile(paths[name], dtype="<f8") for name in ("close", "high", "low"))
    calls = {
        "sma": lambda: talib.SMA(close, 20),
        "ema": lambda: talib.EMA(close, 20),
        "rsi": lambda: talib.RSI(close, 14),
        "macd": lambda: talib.MACD(close, 12, 26, 9),
        "bbands": lambda: talib.BBANDS(close, 20, 2.0, 2.0, 0),
        "atr": lambda: talib.ATR(high, low, close, 14),
    }
    return {name: best(repetitions, call) for name, call in calls.items()}


def build_swift():
    subprocess.run(["swift", "build", "-c", "release", "--product", "bench-indicators"], cwd=ROOT, check=True)
    return os.path.join(ROOT, ".build", "release", "bench-indicators")


def run_swift(binary, directory, repetitions):
    output = subprocess.run([binary, directory, str(repetitions)], check=True, capture_output=True, text=True)
    return json.loads(output.stdout)


def fastest(results):
    """The per-figure minimum over several rounds of `bench-indicators` output."""
    best_of = dict(results[0])
    best_of["batch"] = {name: min(r["batch"][name] for r in results) for name in results[0]["batch"]}
    for key in ("bandwidth", "streaming"):
        best_of[key] = min(r[key] for r in results)
    return best_of


def table(points, repetitions, talib_times, swift):
    labels = {"sma": "SMA(20)", "ema": "EMA(20)", "rsi": "RSI(14)", "macd": "MACD(12,26,9)",
              "bbands": "BBANDS(20,2)", "atr": "ATR(14)"}
    lines = [
        "## Indicators",
        "",
        f"Batch kernels over {points:,} float64 points (seeded random walk), best of {repetitions} runs,",
        f"TA-Lib {talib.__ta_version__.decode().split()[0]} through PyPI `ta-lib` {talib.__version__} timed in the same run on the same data.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}.",
        f"Reproduce: `{COMMAND}` (builds `bench-indicators` in release mode; the two sides alternate in rounds).",
        "",
        "| indicator | Stratum ms | ns/point | TA-Lib ms | Stratum / TA-Lib | target ≤ 1.0 |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for name, label in labels.items():
        ours, theirs = swift["batch"][name], talib_times[name]
        ratio = ours / theirs
        lines.append(f"| {label} | {ours * 1e3:.1f} | {ours * 1e9 / points:.2f} | {theirs * 1e3:.1f} | {ratio:.2f} | "
                     f"{'met' if ratio <= 1.0 else 'missed'} |")
    bound = swift["bandwidth"]
    sma_ratio = swift["batch"]["sma"] / bound
    per_bar = swift["streaming"] * 1e9 / points
    lines += [
        "",
        f"- SMA(20) against the memory-bandwidth bound measured in the same run (fresh array, `out[i] = x[i] + 1`, "
        f"{bound * 1e3:.1f} ms = {bound * 1e9 / points:.2f} ns/point): **{sma_ratio:.2f}×** (target ≤ 2×, "
        f"{'met' if sma_ratio <= 2.0 else 'missed'}).",
        f"- Streaming: the six indicators as `StreamingIndicator`s updated bar by bar: **{per_bar:.1f} ns per bar** "
        f"for all six together (target ≤ 60 ns, {'met' if per_bar <= 60 else 'missed'}).",
        "",
        "The machine is shared with other builds, so single figures move by some 10–20% between runs.",
    ]
    return "\n".join(lines)


def write_results(section):
    text = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n"
    block = f"{BEGIN}\n{section}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(RESULTS, "w") as handle:
        handle.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--data-dir", default=None, help="where the data files live (default: a folder under the temp dir)")
    arguments = parser.parse_args()
    directory = arguments.data_dir or os.path.join(tempfile.gettempdir(), f"stratum-bench-indicators-{arguments.points}")
    paths = write_data(directory, arguments.points)
    binary = build_swift()
    talib_rounds, swift_rounds = [], []
    for _ in range(arguments.rounds):
        talib_rounds.append(time_talib(paths, arguments.repetitions))
        swift_rounds.append(run_swift(binary, directory, arguments.repetitions))
    talib_times = {name: min(r[name] for r in talib_rounds) for name in talib_rounds[0]}
    swift = fastest(swift_rounds)
    runs = arguments.repetitions * arguments.rounds
    section = table(arguments.points, runs, talib_times, swift)
    write_results(section)
    print(section)


if __name__ == "__main__":
    main()
