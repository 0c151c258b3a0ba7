#!/usr/bin/env bash
# The backtest benchmark (benchmarks/backtest/README.md). Options: benchmarks/backtest/run.py --help.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 benchmarks/backtest/run.py "$@"
