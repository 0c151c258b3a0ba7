#!/usr/bin/env python3
"""The backtest benchmark: Stratum against backtesting.py, backtrader, NautilusTrader and numpy.

Builds the release binaries, writes seeded synthetic 1-minute bars with
scripts/data/make_minute_bars.py into a temporary folder, then measures on that file the
strategy benchmarks/backtest/sma_cross_minute.yaml (SMA(10)/SMA(30) crossover, all-in, fills
at the next open, cash 10,000, no fees):

  stratum backtest      `stratum backtest sma_cross_minute.yaml --json`, the whole command:
                        lint, plan, CSV read, engine, statistics and the run folder
                        (run.sqlite with equity, orders, fills and audit chain, trades.csv,
                        equity.csv, statistics.json, report.html); wall time and peak RSS
                        from /usr/bin/time -v
  CSV + engine          bench-backtest --stream: the CSV read as `stratum backtest` reads it
                        (parsed ahead on a thread of its own), streamed into the engine (FusedRunner keeping the equity curve and the
                        trades the statistics read), without statistics and run folder (the CLI
                        has no flag to skip writing the run folder)
  engine                bench-backtest: the same engine over bars already parsed into memory
  BacktestEngine        bench-backtest: BacktestEngine over the parsed bars, which also keeps
                        every bar, signal, order and fill for the run folder
  runner                bench-backtest: FusedRunner over the parsed bars into a sink that counts
  numpy, backtesting.py, backtrader, NautilusTrader
                        numpy_sma_cross.py and peers.py: the engine's run, data already loaded

then the trade check: MATCH when Stratum's fills equal backtesting.py's bar for bar and both
close the same number of trades (else MISMATCH, with the bars where they disagree); numpy,
which breaks exact ties of the averages by another rule, is shown beside it. Then the peak
memory of `stratum backtest` over 10 million bars. Every measurement is the best of several runs (--repeats and friends).

Usage: benchmarks/backtest/run.sh [--bars N] [--big-bars N] [--repeats N] [--peer-repeats N]
                                  [--slow-repeats N] [--skip ENGINE ...] [--data-dir DIR]
                                  [--write-results] [--no-build]
"""

import argparse
import bisect
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STRATEGY = HERE / "sma_cross_minute.yaml"
GENERATOR = ROOT / "scripts" / "data" / "make_minute_bars.py"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- backtest:begin -->", "<!-- backtest:end -->"
FILE_NAME = "minute_bars.csv"   # the name sma_cross_minute.yaml reads, from the working directory
SEED = 42
TIME = "/usr/bin/time"
PEERS = ("numpy", "backtesting", "backtrader", "nautilus")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command, cwd=None):
    """Runs a command; returns its stdout. Fails loudly with its stderr."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{result.stderr[-4000:]}")
    return result.stdout


def timed(command, cwd=None):
    """Runs a command under /usr/bin/time -v: (stdout, wall seconds, peak RSS in bytes)."""
    result = subprocess.run([TIME, "-v", *map(str, command)], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{result.stderr[-4000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return result.stdout, seconds, int(rss.group(1)) * 1024


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def make_bars(folder, bars):
    """The bar file for `bars` bars in `folder`, written once and reused while its stamp matches."""
    folder.mkdir(parents=True, exist_ok=True)
    path, stamp = folder / FILE_NAME, folder / "bars.stamp"
    wanted = f"bars={bars} seed={SEED}\n"
    if path.exists() and stamp.exists() and stamp.read_text() == wanted:
        log(f"reusing {path}")
        return path
    log(f"writing {bars:,} bars to {path}")
    run([sys.executable, GENERATOR, path, "--bars", str(bars), "--seed", str(SEED)])
    stamp.write_text(wanted)
    return path


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    swift = run(["swift", "--version"]).strip().splitlines()
    return dict(nproc=os.cpu_count(), cpu=model, memory_mb=memory, kernel=platform.release(),
                swift=next((line for line in swift if "Swift version" in line), swift[0]),
                python=platform.python_version(), load=os.getloadavg())


def nautilus_python(explicit):
    if explicit:
        return explicit
    venv = HERE / ".venv-nautilus" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


# Trade check ------------------------------------------------------------------------------

def exact_ties(path):
    """Bars where SMA(10) equals SMA(30) exactly (prices as integer ticks of 0.0001)."""
    close = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(4,), dtype=np.float64)
    ticks = np.rint(close * 10_000).astype(np.int64)
    total = np.concatenate(([0], np.cumsum(ticks)))
    index = np.arange(29, len(ticks))
    fast = (total[index + 1] - total[index - 9]) * 3
    slow = total[index + 1] - total[index - 29]
    return set((index[fast == slow]).tolist())


def stratum_fill_bars(run_dir, bars):
    """Bars at which Stratum's trades.csv opens or closes a trade, less the close-out at the end."""
    import csv

    fills = set()
    with open(Path(run_dir) / "trades.csv") as handle:
        for row in csv.DictReader(handle):
            fills.add(int(row["entry_bar"]))
            fills.add(int(row["exit_bar"]))
    fills.discard(bars - 1)     # positions still open are closed at the last close, not traded
    return fills


def read_fills(path):
    return set(int(line) for line in Path(path).read_text().split())


def trade_check(results, data, fill_files, run_dir, bars):
    """MATCH when Stratum trades as backtesting.py does: the same fills, bar for bar, and the
    same number of closed trades. Both average with pandas' rolling mean, so exact ties of the
    averages break the same way.

    numpy compares the averages exactly (integer ticks) and closes and reopens on a repeated
    signal: a different tie rule, so its count is shown beside, with how many of the fills
    where it differs follow an exact tie, and is not part of the verdict."""
    ties = exact_ties(data)
    stratum_fills = stratum_fill_bars(run_dir, bars)
    counts = {name: results[name]["trades"] for name in ("Stratum: stratum backtest", "Stratum engine") if name in results}
    reference = results.get("backtesting.py")
    path = fill_files.get("backtesting.py")
    if reference is None or path is None or not path.exists():
        return "NOT CHECKED", ["NOT CHECKED: backtesting.py was not run (closed trades "
                               + ", ".join(f"{name} {count}" for name, count in counts.items()) + ")"]

    def after_tie(fill_bars, *engines):
        # The fills that are the first of these engines after an exact tie: a tie decides the
        # signal on its own bar (fill one bar later) or, when neither engine crossed there,
        # whether the next crossing the same way is a new position or the one already held.
        tie_bars = sorted(ties)
        every = sorted(set().union(*engines))
        first = []
        for b in fill_bars:
            at = bisect.bisect_left(tie_bars, b) - 1
            if at < 0:
                continue
            t = tie_bars[at]
            if bisect.bisect_right(every, t) == bisect.bisect_left(every, b):
                first.append(b)
        return first

    def listed(fill_bars):
        return ", ".join(map(str, fill_bars[:8])) + (", ..." if len(fill_bars) > 8 else "")

    reference_fills = read_fills(path)
    same_fills = stratum_fills == reference_fills
    same_counts = set(counts.values()) == {reference["trades"]}
    verdict = "MATCH" if same_fills and same_counts else "MISMATCH"
    lines = [f"{verdict}: closed trades " + ", ".join(f"{name} {count}" for name, count in counts.items())
             + f", backtesting.py {reference['trades']}; fills "
             + (f"equal bar for bar ({len(stratum_fills)})" if same_fills else "differ")]
    if not same_fills:
        for name, extra in (("Stratum", sorted(stratum_fills - reference_fills)),
                            ("backtesting.py", sorted(reference_fills - stratum_fills))):
            if extra:
                lines.append(f"  {name}: {len(extra)} fills the other lacks (bars {listed(extra)}); "
                             f"{len(after_tie(extra, stratum_fills, reference_fills))} of them are the first fill "
                             f"after an exact tie of SMA(10) and SMA(30)")
    numpy_path = fill_files.get("numpy")
    if "numpy" in results and numpy_path is not None and numpy_path.exists():
        numpy_fills = read_fills(numpy_path)
        differing = sorted(numpy_fills ^ reference_fills)
        lines.append(f"  numpy (exact integer-tick comparison, another tie rule; not part of the check): "
                     f"{results['numpy']['trades']} closed trades; {len(differing)} fills differ from "
                     f"backtesting.py's, {len(after_tie(differing, numpy_fills, reference_fills))} of them "
                     f"the first fill after an exact tie")
    lines.append(f"  the data has {len(ties)} bars where the two averages are exactly equal")
    return verdict, lines


# Report -----------------------------------------------------------------------------------

def mb(value):
    return f"{value / 1e6:,.0f} MB" if value else "n/a"


def rate(value):
    if value >= 1e6:
        return f"{value / 1e6:,.2f} M"
    return f"{value / 1e3:,.1f} k"


def table(results, baseline_name):
    baseline = results[baseline_name]["bars_per_second"]
    rows = ["| engine | what is timed | bars/s | Stratum engine ÷ this | trades | peak RSS |",
            "|---|---|---:|---:|---:|---:|"]
    for name, r in results.items():
        ratio = baseline / r["bars_per_second"]
        rows.append(f"| {name} | {r['what']} | {rate(r['bars_per_second'])} | {ratio:,.2f}× | "
                    f"{r.get('trades', 'n/a')} | {mb(r.get('rss'))} |")
    return "\n".join(rows)


def render(args, facts, versions, results, check_lines, big, command, started, elapsed):
    engine = results["Stratum engine"]["bars_per_second"]
    e2e = results["Stratum: stratum backtest"]["bars_per_second"]
    csv_engine = results["Stratum CSV + engine"]["bars_per_second"]
    numpy_rate = results.get("numpy", {}).get("bars_per_second")
    targets = [
        f"- End to end (`stratum backtest`, CSV read included) ≥ 5 M bars/s: {rate(e2e)} bars/s — "
        f"{'met' if e2e >= 5e6 else 'not met'}.",
        f"- CSV + engine (the file read and run, no run folder) ≥ 5 M bars/s: {rate(csv_engine)} bars/s — "
        f"{'met' if csv_engine >= 5e6 else 'not met'}.",
        f"- Engine alone ≥ numpy: {rate(engine)} vs {rate(numpy_rate)} bars/s — "
        f"{'met' if numpy_rate and engine >= numpy_rate else 'not met'}." if numpy_rate else
        "- Engine alone ≥ numpy: numpy not measured.",
    ]
    if big:
        targets.append(f"- Peak memory for {args.big_bars:,} bars (`stratum backtest`) < 100 MB: "
                       f"{mb(big['stratum backtest']['rss'])} — {'met' if big['stratum backtest']['rss'] < 100e6 else 'not met'}.")
    out = [
        f"## Backtest: SMA(10)/SMA(30) crossover over {args.bars:,} synthetic 1-minute bars",
        "",
        f"Measured {started} UTC in {elapsed / 60:.1f} min. Reproduce from the repository root with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Machine: {facts['nproc']} cores ({facts['cpu']}), {facts['memory_mb']:,} MB RAM, Linux {facts['kernel']}; "
        f"{facts['swift']}; Python {facts['python']}. Load average when the run started: "
        f"{', '.join(f'{x:.1f}' for x in facts['load'])}. The machine is shared, so each figure is the best of "
        f"its runs: Stratum and numpy {args.repeats}, backtesting.py {args.peer_repeats}, backtrader and "
        f"NautilusTrader {args.slow_repeats} each (they take minutes per run).",
        "",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()) + ".",
        "",
        "Data: `scripts/data/make_minute_bars.py --bars N --seed 42` (written to a temporary folder). "
        "Strategy: `benchmarks/backtest/sma_cross_minute.yaml`; the peers' code is "
        "`benchmarks/backtest/peers.py` and `benchmarks/backtest/numpy_sma_cross.py`. "
        "Ratios divide Stratum's engine-alone rate by each row's rate (above 1: Stratum is faster). "
        "Trades are closed round trips; a position still open at the end is not counted. "
        "Peak RSS is the whole process's (for the Python engines including the interpreter and the loaded data).",
        "",
        table(results, "Stratum engine"),
        "",
        "Trade check (Stratum and backtesting.py: the same fills bar for bar and the same closed trades; "
        "numpy compares the averages exactly, a different rule on exact ties, and is shown beside):",
        "",
        "```",
        *check_lines,
        "```",
        "",
    ]
    if big:
        out += [f"Memory over {args.big_bars:,} bars (one run each, streamed from the CSV file):", "",
                "| run | what it keeps | wall | bars/s | peak RSS |", "|---|---|---:|---:|---:|"]
        for name, r in big.items():
            out.append(f"| {name} | {r['what']} | {r['wall']:.1f} s | {rate(r['bars_per_second'])} | {mb(r['rss'])} |")
        out.append("")
    out += ["Targets (issue 4):", "", *targets]
    return "\n".join(out) + "\n"


def write_results(section):
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)


# Main -------------------------------------------------------------------------------------

def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--big-bars", type=int, default=10_000_000, help="bars for the memory run; 0 skips it")
    parser.add_argument("--repeats", type=int, default=3, help="runs of Stratum and numpy (best kept)")
    parser.add_argument("--peer-repeats", type=int, default=3, help="runs of backtesting.py")
    parser.add_argument("--slow-repeats", type=int, default=1, help="runs of backtrader and NautilusTrader (each takes minutes)")
    parser.add_argument("--skip", nargs="*", default=[], choices=PEERS, help="peers to leave out")
    parser.add_argument("--data-dir", help="keep the generated bars here and reuse them (default: a temporary folder, removed)")
    parser.add_argument("--nautilus-python", help="Python with nautilus_trader (default: benchmarks/backtest/.venv-nautilus)")
    parser.add_argument("--write-results", action="store_true", help="replace this benchmark's section of benchmarks/RESULTS.md")
    parser.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    args = parser.parse_args(argv)
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is missing: install Debian's `time` package (apt-get install time)")

    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    clock = time.monotonic()
    facts = machine()
    if not args.no_build:
        log("swift build -c release (stratum, bench-backtest)")
        run(["swift", "build", "-c", "release", "--product", "stratum"], cwd=ROOT)
        run(["swift", "build", "-c", "release", "--product", "bench-backtest"], cwd=ROOT)
    bin_dir = Path(run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).strip())
    stratum, bench = bin_dir / "stratum", bin_dir / "bench-backtest"

    scratch = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="stratum-bench-"))
    try:
        small = scratch / f"bars-{args.bars}"
        data = make_bars(small, args.bars)
        runs_dir = scratch / "runs"
        results, versions, fill_files = {}, {}, {}

        # Stratum, the whole command.
        log(f"stratum backtest ×{args.repeats}")
        best = None
        shutil.rmtree(runs_dir, ignore_errors=True)
        for _ in range(args.repeats):
            out, wall, rss = timed([stratum, "backtest", STRATEGY, "--json", "--out", runs_dir], cwd=small)
            report = json.loads(out)
            if best is None or wall < best["wall"]:
                if best is not None:
                    shutil.rmtree(best["run_dir"], ignore_errors=True)
                best = dict(wall=wall, rss=rss, trades=report["trades"], final_equity=report["final_equity"],
                            run_dir=report["run_dir"])
            else:
                shutil.rmtree(report["run_dir"], ignore_errors=True)
        run_dir = best["run_dir"]
        results["Stratum: stratum backtest"] = dict(
            what="whole command: lint, CSV read, engine, statistics, run folder (process wall time)",
            bars_per_second=args.bars / best["wall"], **best)

        log(f"bench-backtest --stream ×{args.repeats}")
        out, _, rss = timed([bench, STRATEGY, data, args.repeats, "--stream"], cwd=small)
        report = last_json(out)
        results["Stratum CSV + engine"] = dict(what="CSV parsed on its own thread, streamed into the engine (equity curve and trades kept), "
                                                    "no statistics or run folder",
                                               bars_per_second=report["bars_per_second"], trades=report["trades"], rss=rss)

        log(f"bench-backtest ×{args.repeats}")
        out, _, rss = timed([bench, STRATEGY, data, args.repeats], cwd=small)
        report = last_json(out)
        results["Stratum engine"] = dict(what="engine over parsed bars: FusedRunner, equity curve and trades kept",
                                         bars_per_second=report["bars_per_second"],
                                         trades=report["trades"], final_equity=report["final_equity"], rss=rss)
        results["Stratum BacktestEngine"] = dict(what="BacktestEngine over parsed bars: also keeps every bar, signal, order "
                                                      "and fill for the run folder",
                                                 bars_per_second=report["backtest_bars_per_second"],
                                                 trades=report["backtest_trades"], rss=rss)
        results["Stratum runner"] = dict(what="FusedRunner over parsed bars, nothing kept per bar",
                                         bars_per_second=report["runner_bars_per_second"], trades=report["runner_trades"], rss=rss)
        parse_rate = report["parse_bars_per_second"]

        peers = [p for p in PEERS if p not in args.skip]
        if "numpy" in peers:
            log(f"numpy ×{args.repeats}")
            fill_files["numpy"] = scratch / "fills-numpy.txt"
            out, _, rss = timed([sys.executable, HERE / "numpy_sma_cross.py", data, "--repeats", args.repeats,
                                 "--fills", fill_files["numpy"]])
            report = last_json(out)
            versions["numpy"] = report["version"]
            results["numpy"] = dict(what="vectorised, data loaded", rss=rss, **report)
        for peer, repeats, python in (("backtesting", args.peer_repeats, sys.executable),
                                      ("backtrader", args.slow_repeats, sys.executable),
                                      ("nautilus", args.slow_repeats, nautilus_python(args.nautilus_python))):
            if peer not in peers:
                continue
            log(f"{peer} ×{repeats}")
            command = [python, HERE / "peers.py", peer, data, "--repeats", repeats]
            if peer == "backtesting":
                fill_files["backtesting.py"] = scratch / "fills-backtesting.txt"
                command += ["--fills", fill_files["backtesting.py"]]
            out, _, rss = timed(command)
            report = last_json(out)
            versions[report["engine"]] = report["version"]
            what = {"backtesting": "Backtest.run (its statistics included), data loaded",
                    "backtrader": "Cerebro.run, DataFrame loaded",
                    "nautilus": "BacktestEngine.run, bars added"}[peer]
            results[report["engine"]] = dict(what=what, rss=rss, **report)
            log(f"{report['engine']}: {json.dumps(results[report['engine']])}")
        for module in ("pandas",):
            versions[module] = run([sys.executable, "-c", f"import {module}; print({module}.__version__)"]).strip()

        for name, r in results.items():
            log(f"{name}: {json.dumps({k: v for k, v in r.items() if k != 'what'})}")
        verdict, check_lines = trade_check(results, data, fill_files, run_dir, args.bars)
        final = {name: r["final_equity"] for name, r in results.items() if "final_equity" in r}
        check_lines.append("  final equity: " + ", ".join(f"{name} {value:.4f}" for name, value in final.items()))
        check_lines.append(f"  CSV parsing alone (CSVBarReader.readAll): {rate(parse_rate)} bars/s")
        for line in check_lines:
            log(line)
        shutil.rmtree(runs_dir, ignore_errors=True)

        big = {}
        if args.big_bars:
            large = scratch / f"bars-{args.big_bars}"
            big_data = make_bars(large, args.big_bars)
            log(f"stratum backtest over {args.big_bars:,} bars")
            out, wall, rss = timed([stratum, "backtest", STRATEGY, "--json", "--out", runs_dir], cwd=large)
            size = sum(f.stat().st_size for f in Path(json.loads(out)["run_dir"]).iterdir())
            big["stratum backtest"] = dict(what=f"everything (run folder of {size / 1e6:,.0f} MB)", wall=wall,
                                           bars_per_second=args.big_bars / wall, rss=rss)
            shutil.rmtree(runs_dir, ignore_errors=True)
            for mode, what in (("--stream-backtest", "BacktestEngine: every bar, signal, order and fill, the equity curve and closes"),
                               ("--stream", "engine: the equity curve, closes and trades"),
                               ("--stream-runner", "FusedRunner only: the closes")):
                log(f"bench-backtest {mode} over {args.big_bars:,} bars")
                out, wall, rss = timed([bench, STRATEGY, big_data, 1, mode], cwd=large)
                big[f"bench-backtest {mode}"] = dict(what=what, wall=wall,
                                                     bars_per_second=last_json(out)["bars_per_second"], rss=rss)
            for name, r in big.items():
                log(f"{args.big_bars:,} bars, {name}: peak RSS {mb(r['rss'])}")
    finally:
        if not args.data_dir:
            shutil.rmtree(scratch, ignore_errors=True)

    # --data-dir only keeps the generated files between runs (they are the same for the same
    # --bars and seed), and --no-build only skips an up-to-date build: neither changes a figure.
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--data-dir":
            skip = True
        elif not arg.startswith("--data-dir=") and arg != "--no-build":
            shown.append(arg)
    command = "benchmarks/backtest/run.sh " + " ".join(shown)
    section = render(args, facts, versions, results, check_lines, big, command.strip(), started,
                     time.monotonic() - clock)
    print(section)
    if args.write_results:
        write_results(section)
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 1 if verdict == "MISMATCH" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
