#!/usr/bin/env python3
"""Write the CSV-reading results into benchmarks/RESULTS.md between the data markers.

Usage: python3 benchmarks/data/write_results.py STRATUM.json PANDAS.json LARGE.json ROWS LARGE_ROWS
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
    return f"{os.cpu_count()} cores ({cpu}), {swift}, 1-minute load average {load:.1f} when the run ended"


def section(stratum, pandas, large, rows, large_rows):
    base = pandas["read_csv_and_timestamps"]
    version = pandas["pandas_version"]

    def row(name, timing):
        return (f"| {name} | {timing['seconds']:.3f} | {timing['rows_per_second'] / 1e6:.2f} M | "
                f"{timing['rows_per_second'] / base['rows_per_second']:.1f}× | {timing['cpu_seconds']:.3f} | "
                f"{timing['rows_per_cpu_second'] / 1e6:.2f} M | {timing['rows_per_cpu_second'] / base['rows_per_cpu_second']:.1f}× |")

    lines = [
        BEGIN,
        "## Reading bar files (CSV)",
        "",
        f"{int(rows):,} seeded 1-minute bars (`timestamp,open,high,low,close,volume`, ISO 8601 UTC times, "
        f"{stratum['bytes'] / 1e6:.1f} MB) made by `scripts/data/make_minute_bars.py`, read by each reader in the "
        "same run: best of 7 runs for Stratum (release build), best of 3 for pandas. Wall time and CPU time "
        "(user + system) are both given: other work sharing the two cores stretches wall time but not CPU "
        "time. Ratios are against pandas reading the file and parsing its timestamps, the work "
        "Stratum's reader does.",
        "",
        "| reader | wall s | rows/s | vs pandas | CPU s | rows per CPU s | vs pandas (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("Stratum `CSVBarReader.forEachBar` (streaming)", stratum["for_each_bar"]),
        row("Stratum `CSVBarReader.readAll` (into a `BarSeries`)", stratum["read_all"]),
        row("Stratum `MarketDataFeed` (reader, anomaly filter with spike test, gap detector; defaults)", stratum["feed"]),
        row(f"pandas {version} `read_csv` + `to_datetime(format=\"ISO8601\", utc=True)`", base),
        row(f"pandas {version} `read_csv` alone (timestamps left as text)", pandas["read_csv"]),
        "",
        f"Peak resident memory of the benchmark process after the streaming runs on this file: "
        f"{stratum['peak_memory_megabytes_after_streaming']:.0f} MB.",
        "",
        f"Streaming {int(large_rows):,} rows ({large['bytes'] / 1e6:.0f} MB, same generator): "
        f"{large['for_each_bar']['rows_per_second'] / 1e6:.2f} M rows/s wall, "
        f"{large['for_each_bar']['rows_per_cpu_second'] / 1e6:.2f} M rows per CPU second, best of 3; peak resident memory "
        f"{large['peak_memory_megabytes_after_streaming']:.0f} MB (the reader holds one 1 MiB buffer, whatever the file's length).",
        "",
        f"Machine: {machine()}.",
        "",
        "Reproduce: `benchmarks/data/run.sh` (makes the files, builds the Runtime module in release, links",
        "`benchmarks/data/Sources/main.swift` against it, runs the readers and rewrites this section).",
        END,
    ]
    return "\n".join(lines)


def main(stratum_path, pandas_path, large_path, rows, large_rows):
    stratum = json.load(open(stratum_path))
    pandas = json.load(open(pandas_path))
    large = json.load(open(large_path))
    text = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n"
    new = section(stratum, pandas, large, rows, large_rows)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + new + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    with open(RESULTS, "w") as handle:
        handle.write(text)
    print(new)


if __name__ == "__main__":
    main(*sys.argv[1:6])
