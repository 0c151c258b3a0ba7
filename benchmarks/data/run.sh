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
# The objects of the current sources only (the output file maps), never those of deleted files.
OBJECTS=$(python3 - "$BUILD" <<'PY'
import json, os, sys
build = sys.argv[1]
for module in ("Runtime", "Agents", "StrategyCompiler", "StrategyDSL", "Indicators", "ModelRegistry", "Yams"):
    entries = json.load(open(os.path.join(build, f"{module}.build", "output-file-map.json")))
    print("\n".join(entry["object"] for source, entry in entries.items() if source and "object" in entry))
for root, _, files in os.walk(os.path.join(build, "CYaml.build")):
    print("\n".join(os.path.join(root, name) for name in files if name.endswith(".o")))
PY
)
YAML_HEADERS=.build/checkouts/Yams/Sources/CYaml/include
swiftc -O -I "$BUILD/Modules" -I "$YAML_HEADERS" benchmarks/data/Sources/main.swift $OBJECTS -o "$WORK/bench-data"

"$WORK/bench-data" "$FILE" 7 > "$WORK/stratum.json"
python3 benchmarks/data/pandas_baseline.py "$FILE" 3 > "$WORK/pandas.json"
rm "$FILE"
python3 scripts/data/make_minute_bars.py "$FILE" --bars "$LARGE_ROWS"
"$WORK/bench-data" "$FILE" 3 --stream-only > "$WORK/large.json"
python3 benchmarks/data/write_results.py "$WORK/stratum.json" "$WORK/pandas.json" "$WORK/large.json" "$ROWS" "$LARGE_ROWS"
