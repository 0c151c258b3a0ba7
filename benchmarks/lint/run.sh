#!/usr/bin/env bash
# Lint benchmarks, release build, run from the repository root:
#   (a) `stratum lint strategies/sma_cross.yaml` as a cold process      target < 50 ms
#   (b) one invocation over 1,000 strategy files                        target < 5 s
#   (c) the nine-level billion-laughs fixture refused, cold process     target < 100 ms
# Uses hyperfine (Debian package `hyperfine`) when installed, else a loop with the median.
# Writes the figures to this benchmark's section of benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

swift build -c release --product stratum >/dev/null
STRATUM=.build/release/stratum
LAUGHS=Tests/StrategyCompilerTests/Fixtures/invalid/e006_billion_laughs.yaml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1,000 files: the shipped strategies copied round-robin; paths inside them resolve from here.
shipped=(strategies/*.yaml)
for i in $(seq 0 999); do
    cp "${shipped[$((i % ${#shipped[@]}))]}" "$WORK/s$(printf %04d "$i").yaml"
done
"$STRATUM" lint "$WORK"/*.yaml >/dev/null    # must exit 0: errors would make the timing meaningless
if "$STRATUM" lint "$LAUGHS" >/dev/null; then echo "the billion-laughs file was accepted" >&2; exit 1; fi

# median_ms RUNS CMD...: wall time of each run in milliseconds, median printed.
median_ms() {
    local runs=$1; shift
    python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - start) * 1000)
print(f"{statistics.median(times):.1f}")
PY
}

if command -v hyperfine >/dev/null; then
    TOOL="hyperfine $(hyperfine --version | awk '{print $2}'), median of the runs after 3 warm-ups"
    measure() { # NAME RUNS CMD: median in ms
        local name=$1 runs=$2; shift 2
        hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$WORK/$name.json" -- "$*" >/dev/null
        python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['results'][0]['median']*1000:.1f}\")" "$WORK/$name.json"
    }
else
    TOOL="a loop of runs with the median (hyperfine not installed)"
    measure() { local name=$1 runs=$2; shift 2; median_ms "$runs" "$@"; }
fi

A=$(measure single 50 "$STRATUM" lint strategies/sma_cross.yaml)
B=$(measure thousand 5 "$STRATUM" lint "$WORK"/*.yaml)
C=$(measure laughs 50 "$STRATUM" lint "$LAUGHS")

verdict() { python3 -c "import sys; print('met' if float(sys.argv[1]) < float(sys.argv[2]) else 'missed')" "$1" "$2"; }
B_S=$(python3 -c "import sys; print(f'{float(sys.argv[1])/1000:.2f}')" "$B")
MACHINE="$(uname -m), $(nproc) cores, $(uname -sr)"

SECTION=$(cat <<MD
<!-- lint:begin -->
## Lint

\`stratum lint\` from a release build, wall time of whole processes (start-up included),
measured with $TOOL. Machine: $MACHINE.
Reproduce: \`benchmarks/lint/run.sh\` (builds \`stratum\` in release mode).

| case | median | target | |
|---|---:|---:|:---:|
| (a) \`stratum lint strategies/sma_cross.yaml\`, cold process | $A ms | < 50 ms | $(verdict "$A" 50) |
| (b) one invocation over 1,000 files (the shipped strategies, copied) | $B_S s | < 5 s | $(verdict "$B" 5000) |
| (c) nine-level billion laughs (\`e006_billion_laughs.yaml\`) refused, cold process | $C ms | < 100 ms | $(verdict "$C" 100) |
<!-- lint:end -->
MD
)
echo "$SECTION"

RESULTS=benchmarks/RESULTS.md
[ -f "$RESULTS" ] || printf '# Benchmark results\n' > "$RESULTS"
python3 - "$RESULTS" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- lint:begin -->.*?<!-- lint:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
