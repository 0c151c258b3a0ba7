#!/usr/bin/env bash
# `stratum features` end to end on seeded synthetic 1-minute bars: rows/s and peak memory for
# 1,000,000 bars, and peak memory for 10,000,000 bars (rows stream, so memory should not grow).
# Writes the features section of benchmarks/RESULTS.md with --write-results.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product stratum >/dev/null
command -v /usr/bin/time >/dev/null || { echo "install Debian's 'time' package (apt-get install time)"; exit 2; }
work=$(mktemp -d -t stratum-features.XXXXXX)
trap 'rm -rf "$work"' EXIT
measure() {  # bars → "seconds peak_kb"
    local bars=$1 csv="$work/bars_$1.csv" yaml="$work/features_$1.yaml"
    [ -f "$csv" ] || python3 scripts/data/make_minute_bars.py --bars "$bars" "$csv" >/dev/null
    sed "s#BARS_CSV#$csv#" benchmarks/features/features_minute.yaml > "$yaml"
    local best="" peak=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$work/time" .build/release/stratum features "$yaml" --out "$work/out.csv" 2>/dev/null
        read -r seconds kb < "$work/time"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $seconds < $best else 1)"; then best=$seconds; peak=$kb; fi
    done
    echo "$best $peak"
}
read -r s1 m1 < <(measure 1000000)
read -r s10 m10 < <(measure 10000000)
rate1=$(python3 -c "print(f'{1_000_000 / $s1:,.0f}')")
rate10=$(python3 -c "print(f'{10_000_000 / $s10:,.0f}')")
section=$(cat <<MD
<!-- features:begin -->
## \`stratum features\`

Six indicators (SMA 20, EMA 20, RSI 14, MACD 12/26/9, BBANDS 20/2, ATR 14: 10 columns) over seeded
synthetic 1-minute bars from \`scripts/data/make_minute_bars.py\`, release build, whole process
(CSV read, anomaly filter, gap check, features, CSV written), best of 3, measured with GNU time.
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs).
Reproduce: \`benchmarks/features/run.sh --write-results\`.

| bars | wall time | rows/s | peak RSS |
|---:|---:|---:|---:|
| 1,000,000 | ${s1} s | ${rate1} | $((m1 / 1024)) MB |
| 10,000,000 | ${s10} s | ${rate10} | $((m10 / 1024)) MB |

Peak memory does not grow with the number of bars: rows stream to the file.
<!-- features:end -->
MD
)
echo "$section"
if [ "${1:-}" = "--write-results" ]; then
    python3 - "$section" <<'PY'
import sys, re
path = "benchmarks/RESULTS.md"
text = open(path).read()
section = sys.argv[1]
if "<!-- features:begin -->" in text:
    text = re.sub(r"<!-- features:begin -->.*?<!-- features:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
fi
