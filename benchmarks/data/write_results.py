#!/usr/bin/env python3
"""Write the CSV-reading results into benchmarks/RESULTS.md between the data markers.

Usage: python3 benchmarks/data/write_results.py STRATUM.json PANDAS.json ROWS
"""

import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(ROOT, "benchmarks", "RESULTS.md")
BEGIN, END = "<!-- data:begin -->", "<!-- data:end -->"


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), {swift}, load average {load:.1f} at the start of the pandas run"


def section(stratum, pandas, rows):
    base = pandas["read_csv_and_timestamps"]["rows_per_second"]
    plain = pandas["read_csv"]["rows_per_second"]

    def row(name, rate, seconds):
        return f"| {name} | {seconds:.3f} | {rate / 1e6:.2f} M | {rate / base:.1f}× | {rate / plain:.1f}× |"

    lines = [
        BEGIN,
        "## Reading bar files (CSV)",
        "",
        f"{int(rows):,} seeded 1-minute bars (`timestamp,open,high,low,close,volume`, ISO 8601 UTC times, "
        f"{stratum['bytes'] / 1e6:.1f} MB) made by `scripts/data/make_minute_bars.py`; best of 7 runs (Stratum) "
        "and of 3 (pandas), release build, same file, same run.",
        "",
        "| reader | seconds | rows/s | vs pandas with timestamps | vs pandas `read_csv` alone |",
        "|---|---:|---:|---:|---:|",
        row("Stratum `CSVBarReader.forEachBar` (streaming)", stratum["for_each_bar"]["rows_per_second"], stratum["for_each_bar"]["seconds"]),
        row("Stratum `CSVBarReader.readAll` (into a `BarSeries`)", stratum["read_all"]["rows_per_second"], stratum["read_all"]["seconds"]),
        row("Stratum `MarketDataFeed` (reader + anomaly filter + gap detector, defaults)", stratum["feed"]["rows_per_second"], stratum["feed"]["seconds"]),
        row(f"pandas {pandas['pandas_version']} `read_csv` + `to_datetime(ISO8601, utc)`", base, pandas["read_csv_and_timestamps"]["seconds"]),
        row(f"pandas {pandas['pandas_version']} `read_csv` (timestamps left as text)", plain, pandas["read_csv"]["seconds"]),
        "",
        f"Machine: {machine()}. Other builds were sharing the two cores, so the figures are lower bounds.",
        "",
        "Reproduce: `benchmarks/data/run.sh` (makes the file, builds the Runtime module in release, links",
        "`benchmarks/data/Sources/main.swift` against it, runs both readers and rewrites this section).",
        END,
    ]
    return "\n".join(lines)


def main(stratum_path, pandas_path, rows):
    stratum = json.load(open(stratum_path))
    pandas = json.load(open(pandas_path))
    text = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n"
    new = section(stratum, pandas, rows)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + new + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    with open(RESULTS, "w") as handle:
        handle.write(text)
    print(new)


if __name__ == "__main__":
    main(*sys.argv[1:4])
