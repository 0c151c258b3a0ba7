#!/usr/bin/env bash
# Hot-reload benchmark: file save → swap for a 20-node strategy, p50/p99 over ROUNDS saves, with
# a plain lint of the same file as the baseline in the same run. Release build. Writes the
# reload section of benchmarks/RESULTS.md.
#
# Usage: benchmarks/reload/run.sh [ROUNDS]   (from anywhere; default 250)
set -euo pipefail
cd "$(dirname "$0")/../.."

swift build -c release --product bench-reload >/dev/null
SECTION=$("$(swift build -c release --show-bin-path)/bench-reload" "${1:-250}")
printf '%s\n' "$SECTION"
python3 - "$SECTION" <<'PY'
import re, sys
section = sys.argv[1].strip()
path = "benchmarks/RESULTS.md"
text = open(path).read()
pattern = re.compile(r"<!-- reload:begin -->.*?<!-- reload:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
