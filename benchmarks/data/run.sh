#!/usr/bin/env bash
# CSV reading benchmark: Stratum's CSVBarReader (release build) and pandas.read_csv on the same
# seeded 1-million-row minute-bar file, in one run, then Stratum streaming a 10-million-row file
# (speed and peak memory); writes the data section of benchmarks/RESULTS.md.
#
# Usage: benchmarks/data/run.sh [ROWS] [LARGE_ROWS]   (from anywhere; defaults 1,000,000 and 10,000,000)
set -euo pipefail
cd "$(dirname "$0")/../.."

ROWS="${1:-1000000}"
LARGE_ROWS="${2:-10000000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FILE="$WORK/minute-bars.csv"

python3 scripts/data/make_minute_bars.py "$FILE" --bars "$ROWS"

# The reader lives in the Runtime module; the benchmark is linked against its release objects.
swift build -c release --target Runtime
BUILD="$(swift build -c release --show-bin-path)"
OBJECTS=$(find "$BUILD"/{Runtime,Agents,StrategyCompiler,StrategyDSL,Indicators,ModelRegistry,Yams,CYaml}.build -name '*.o')
YAML_HEADERS=.build/checkouts/Yams/Sources/CYaml/include
swiftc -O -I "$BUILD/Modules" -I "$YAML_HEADERS" benchmarks/data/Sources/main.swift $OBJECTS -o "$WORK/bench-data"

"$WORK/bench-data" "$FILE" 7 > "$WORK/stratum.json"
python3 benchmarks/data/pandas_baseline.py "$FILE" 3 > "$WORK/pandas.json"
rm "$FILE"
python3 scripts/data/make_minute_bars.py "$FILE" --bars "$LARGE_ROWS"
"$WORK/bench-data" "$FILE" 3 --stream-only > "$WORK/large.json"
python3 benchmarks/data/write_results.py "$WORK/stratum.json" "$WORK/pandas.json" "$WORK/large.json" "$ROWS" "$LARGE_ROWS"
