#!/usr/bin/env bash
# End-to-end time and peak memory of `stratum backtest` (release build) over N seeded 1-minute
# bars: the whole command, CSV read, engine, run folder (run.sqlite, trades.csv, equity.csv,
# statistics.json, report.html). Writes the `backtest-e2e` section of benchmarks/RESULTS.md.
#
# Usage: benchmarks/backtest/end_to_end.sh [--bars "1000000 10000000"] [--repeats 3]
#        [--data-dir DIR] [--no-build] [--no-write] [--binary PATH] [--baseline PATH]
# --binary measures another build of stratum instead of building this checkout; --baseline also
# measures an earlier build (e.g. a copy of main's) in the same run, on the first bar count only.
# Needs /usr/bin/time (Debian's `time`) and python3 with numpy (scripts/requirements.txt) for the
# generator, scripts/data/make_minute_bars.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

bars_list="1000000 10000000"
repeats=3
data_dir=""
binary=""
baseline=""
build=1
write=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bars) bars_list="$2"; shift 2 ;;
        --repeats) repeats="$2"; shift 2 ;;
        --data-dir) data_dir="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --no-write) write=0; shift ;;
        --binary) binary="$2"; build=0; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        -h|--help) sed -n 2,10p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "end_to_end.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$build" = 1 ]; then
    echo "swift build -c release --product stratum" >&2
    swift build -c release --product stratum >&2
fi
stratum=${binary:-$root/.build/release/stratum}
scratch=${data_dir:-$(mktemp -d -t stratum-e2e-XXXXXX)}
mkdir -p "$scratch"
[ -n "$data_dir" ] || trap 'rm -rf "$scratch"' EXIT
strategy="$root/benchmarks/backtest/sma_cross_minute.yaml"
rows=""
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load=$(cut -d' ' -f1-3 /proc/loadavg)

# measure NAME BINARY BARS: appends one table row for the best of $repeats runs.
measure() {
    local name=$1 binary=$2 bars=$3
    local folder="$scratch/bars-$bars"
    mkdir -p "$folder"
    if [ ! -f "$folder/minute_bars.csv" ]; then
        echo "generating $bars bars" >&2
        python3 scripts/data/make_minute_bars.py "$folder/minute_bars.csv" --bars "$bars" --seed 42 >&2
    fi
    local best_wall="" best_rss="" best_cpu="" run_mb="" trades=""
    for _ in $(seq "$repeats"); do
        rm -rf "$folder/runs"
        ( cd "$folder" && /usr/bin/time -v "$binary" backtest "$strategy" --json --out runs >"$folder/out.json" 2>"$folder/time.txt" )
        local wall rss cpu
        wall=$(python3 -c 'import re,sys
t=open(sys.argv[1]).read(); m=re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
print((int(m.group(1) or 0)*3600)+int(m.group(2))*60+float(m.group(3)))' "$folder/time.txt")
        cpu=$(python3 -c 'import re,sys
t=open(sys.argv[1]).read()
print(float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1)))' "$folder/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$folder/time.txt")
        if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(0 if $wall < $best_wall else 1)"; then best_wall=$wall; fi
        if [ -z "$best_cpu" ] || python3 -c "import sys; sys.exit(0 if $cpu < $best_cpu else 1)"; then best_cpu=$cpu; fi
        if [ -z "$best_rss" ] || [ "$rss" -lt "$best_rss" ]; then best_rss=$rss; fi
        run_mb=$(du -sm "$folder/runs" | cut -f1)
        trades=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trades"])' "$folder/out.json")
    done
    local line
    line=$(python3 -c 'import sys
name, bars, wall, cpu, rss, mb, trades = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
def rate(r): return f"{r/1e6:.2f} M" if r >= 1e6 else f"{r/1e3:.1f} k"
print(f"| {name} | {bars:,} | {wall:.2f} s | {rate(bars / wall)} | {cpu:.2f} s | {rate(bars / cpu)} | {rss/1024:,.0f} MB | {mb} MB | {trades} |")' \
        "$name" "$bars" "$best_wall" "$best_cpu" "$best_rss" "$run_mb" "$trades")
    echo "$line" >&2
    rows="$rows$line"$'\n'
}

first_bars=${bars_list%% *}
if [ -n "$baseline" ]; then measure "baseline ($(basename "$baseline"))" "$baseline" "$first_bars"; fi
for bars in $bars_list; do measure "stratum backtest" "$stratum" "$bars"; done

section="<!-- backtest-e2e:begin -->
## Backtest end to end (\`stratum backtest\`, streamed run folder)

\`benchmarks/backtest/end_to_end.sh --bars \"$bars_list\" --repeats $repeats${baseline:+ --baseline $baseline}\`
(this checkout at $(git rev-parse --short HEAD)), started $started, load average $load when it started, $(nproc) cores
shared with other work (so wall time varies from run to run; CPU time, user + system, varies less). The whole command under \`/usr/bin/time -v\`: lint, CSV read, engine, and the run folder written
while the engine runs (run.sqlite with the bars used and the equity curve in column blocks, orders, fills, positions and the audit chain;
trades.csv, equity.csv, statistics.json, report.html). Strategy \`benchmarks/backtest/sma_cross_minute.yaml\`,
data \`scripts/data/make_minute_bars.py --bars N --seed 42\`. Best wall time, best CPU time and lowest peak RSS of
$repeats runs each.

| binary | bars | wall | bars/s (wall) | CPU | bars/s (CPU) | peak RSS | run folder | trades |
|---|---|---|---|---|---|---|---|---|
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
