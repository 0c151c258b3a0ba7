#!/usr/bin/env bash
# End-to-end time and peak memory of `stratum backtest` (release build) over N seeded 1-minute
# bars: the whole command, CSV read, engine, run folder (run.sqlite, trades.csv, equity.csv,
# statistics.json, report.html). Writes the `backtest-e2e` section of benchmarks/RESULTS.md.
#
# Usage: benchmarks/backtest/end_to_end.sh [--bars "1000000 10000000"] [--repeats 3]
#        [--data-dir DIR] [--no-build] [--no-write]
# Needs /usr/bin/time (Debian's `time`) and python3 with numpy (scripts/requirements.txt) for the
# generator, scripts/data/make_minute_bars.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bars_list="1000000 10000000"
repeats=3
data_dir=""
build=1
write=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bars) bars_list="$2"; shift 2 ;;
        --repeats) repeats="$2"; shift 2 ;;
        --data-dir) data_dir="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --no-write) write=0; shift ;;
        -h|--help) sed -n 2,8p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "end_to_end.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$build" = 1 ]; then
    echo "swift build -c release --product stratum" >&2
    swift build -c release --product stratum >&2
fi
stratum="$root/.build/release/stratum"
scratch=${data_dir:-$(mktemp -d -t stratum-e2e-XXXXXX)}
mkdir -p "$scratch"
[ -n "$data_dir" ] || trap 'rm -rf "$scratch"' EXIT
strategy="$root/benchmarks/backtest/sma_cross_minute.yaml"
rows=""
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load=$(cut -d' ' -f1-3 /proc/loadavg)

for bars in $bars_list; do
    folder="$scratch/bars-$bars"
    mkdir -p "$folder"
    if [ ! -f "$folder/minute_bars.csv" ]; then
        echo "generating $bars bars" >&2
        python3 scripts/data/make_minute_bars.py "$folder/minute_bars.csv" --bars "$bars" --seed 42 >&2
    fi
    best_wall=""; best_rss=""; run_mb=""; trades=""
    for _ in $(seq "$repeats"); do
        rm -rf "$folder/runs"
        ( cd "$folder" && /usr/bin/time -v "$stratum" backtest "$strategy" --json --out runs >"$folder/out.json" 2>"$folder/time.txt" )
        wall=$(python3 -c 'import re,sys
t=open(sys.argv[1]).read(); m=re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
print((int(m.group(1) or 0)*3600)+int(m.group(2))*60+float(m.group(3)))' "$folder/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$folder/time.txt")
        if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(0 if $wall < $best_wall else 1)"; then best_wall=$wall; fi
        if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
        run_mb=$(du -sm "$folder/runs" | cut -f1)
        trades=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trades"])' "$folder/out.json")
    done
    line=$(python3 -c 'import sys
bars, wall, rss, mb, trades = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rate = bars / wall
text = f"{rate/1e6:.2f} M" if rate >= 1e6 else f"{rate/1e3:.1f} k"
print(f"| {bars:,} | {wall:.2f} s | {text} | {rss/1024:,.0f} MB | {mb} MB | {trades} |")' "$bars" "$best_wall" "$best_rss" "$run_mb" "$trades")
    echo "$line" >&2
    rows="$rows$line"$'\n'
done

section="<!-- backtest-e2e:begin -->
## Backtest end to end (\`stratum backtest\`, streamed run folder)

\`benchmarks/backtest/end_to_end.sh --bars \"$bars_list\" --repeats $repeats\`, started $started (load average $load),
$(nproc) cores. The whole command under \`/usr/bin/time -v\`: lint, CSV read, engine, and the run folder written
while the engine runs (run.sqlite with the bars used, equity, orders, fills, positions and the audit chain;
trades.csv, equity.csv, statistics.json, report.html). Strategy \`benchmarks/backtest/sma_cross_minute.yaml\`,
data \`scripts/data/make_minute_bars.py --bars N --seed 42\`. Best wall time and lowest peak RSS of $repeats runs.

| bars | wall | bars/s | peak RSS | run folder | trades |
|---|---|---|---|---|---|
$rows<!-- backtest-e2e:end -->"

if [ "$write" = 1 ]; then
    SECTION="$section" python3 - <<'PY'
import os, re
path = "benchmarks/RESULTS.md"
text = open(path).read()
section = os.environ["SECTION"]
pattern = re.compile(r"<!-- backtest-e2e:begin -->.*?<!-- backtest-e2e:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
fi
echo "$section"
