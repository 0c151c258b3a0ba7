#!/usr/bin/env python3
"""Instructions a bar of the caller's own work in each memory mode of bench-backtest, from callgrind.

The caller's own work is everything under the mode's entry (`engineRun`, `runnerOnly`,
`BacktestEngine.run`) less the pure stages that ran on the caller's thread: the blocks it took in
`StageWorker.finish` (pipelined) and the stages of `FusedRunner.pushBlock` (the first blocks, or
every block with --single-thread).

Usage:
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=cgp.out ./bench-backtest STRATEGY bars100k.csv 1
  caller_instructions.py cgp.out-01 100000      # the caller's thread (cgp.out-02: the second thread)
  valgrind --tool=callgrind --callgrind-out-file=cg.out ./bench-backtest STRATEGY bars100k.csv 1 --single-thread
  caller_instructions.py cg.out 100000
"""
import re
import subprocess
import sys

MODES = {"engine": ("bench_backtest9engineRun", "Statistics"),
         "runner": ("bench_backtest10runnerOnly", "Counting"),
         "BacktestEngine": ("BacktestEngineV3run5feeds13progressEvery", "Collecting")}


def calling_tree(path):
    """Each function's inclusive count and its calls' inclusive counts, from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--tree=calling", "--inclusive=yes", path],
                          capture_output=True, text=True, check=True).stdout
    functions, current = {}, None
    for line in text.splitlines():
        if not line.strip():
            current = None
            continue
        own = re.match(r"^\s*([\d,]+) \([ \d.]+%\)  \*  \S*:(\S+)", line)
        if own:
            current = own.group(2)
            functions[current] = (int(own.group(1).replace(",", "")), [])
            continue
        call = re.match(r"^\s*([\d,]+) \([ \d.]+%\)  >   \S*:(\S+)", line)
        if call and current:
            functions[current][1].append((call.group(2), int(call.group(1).replace(",", ""))))
    return functions


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    functions, bars = calling_tree(sys.argv[1]), int(sys.argv[2])

    def named(*parts):
        return next((name for name in functions if all(part in name for part in parts)), None)

    def calls(caller, *parts):
        return sum(count for name, count in functions[caller][1] if all(part in name for part in parts)) if caller else 0

    for mode, (entry, sink) in MODES.items():
        root = named(entry)
        total = functions[root][0] if root else 0
        feed, push = named("FusedRunnerV4feed", sink), named("FusedRunnerV9pushBlock", sink)
        stages = calls(feed, "StageWorkerC6finish") + ((functions[push][0] - calls(push, "deliverBlock")) if push else 0)
        print(f"{mode:15s} entry {total / bars:7.1f}  stages on this thread {stages / bars:6.1f}  caller's own {(total - stages) / bars:6.1f}")


if __name__ == "__main__":
    main()
