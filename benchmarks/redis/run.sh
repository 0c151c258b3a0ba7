#!/usr/bin/env bash
# Redis Streams benchmarks; writes the `redis` and `redis-dist` sections of benchmarks/RESULTS.md.
#
# redis: messages/s end to end (XADD pipelined → XREADGROUP → XACK) through Stratum's client, the
# envelope codec alone, and RedisStreamsBus with real envelopes (consumer group, ack after commit),
# against `redis-benchmark` XADD on the same private redis-server, ROUNDS times, each round running
# the baselines and Stratum back to back so both see the same machine load.
#
# redis-dist: the distributed SMA backtest (`stratum backtest --bus`), release build, agents as
# tasks of one process and as seven `stratum agent` processes, against the plain (fused) backtest
# of the same strategy and data in the same round.
#
# Usage: benchmarks/redis/run.sh [MESSAGES] [PAYLOAD-BYTES] [ROUNDS]   (defaults 1,000,000, 256, 3)
#        SKIP_DIST=1 benchmarks/redis/run.sh ...   (only the redis section)
set -euo pipefail
cd "$(dirname "$0")/../.."

MESSAGES="${1:-1000000}"
PAYLOAD="${2:-256}"
ROUNDS="${3:-3}"
# Stratum's producer: batches of BATCH XADDs, LANES batches in flight on one connection; the
# consumer reads up to READ entries per XREADGROUP and acks each read with one XACK.
export BENCH_BATCH=512 BENCH_LANES=4 BENCH_READ=2048
WORK="$(mktemp -d -t stratum-bench-redis.XXXXXX)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Throughput, not durability, is measured here: no AOF, no snapshots.
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK" --save "" --appendonly no \
    --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
cleanup() {
    jobs -p | xargs -r kill 2>/dev/null || true
    if [ -f "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true; fi
    sleep 0.2
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
URL="redis://127.0.0.1:$PORT"

swift build -c release --product bench-redis
BIN="$(swift build -c release --show-bin-path)"
VALUE=$(python3 -c "print('x' * $PAYLOAD)")
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# redis-benchmark's XADD, same command shape (MAXLEN ~, one 'envelope' field).
baseline() {
    redis-benchmark -h 127.0.0.1 -p "$PORT" -n "$MESSAGES" "$@" --csv \
        XADD bench:baseline MAXLEN '~' "$((MESSAGES * 2))" '*' envelope "$VALUE" | tail -1
    redis-cli -p "$PORT" del bench:baseline >/dev/null
}

for round in $(seq "$ROUNDS"); do
    echo "== redis round $round of $ROUNDS" >&2
    # Same shape as Stratum's producer: one connection pipelining 512; 4 connections × 512
    # (Stratum keeps 4 batches in flight); and redis-benchmark's best shape here, 50 × 64.
    baseline -c 1 -P 512 > "$WORK/r$round-c1-p512.csv"
    baseline -c 4 -P 512 > "$WORK/r$round-c4-p512.csv"
    baseline -c 50 -P 64 > "$WORK/r$round-c50-p64.csv"
    "$BIN/bench-redis" "$URL" "$MESSAGES" "$PAYLOAD" > "$WORK/r$round-stratum.jsonl"
    cat "$WORK/r$round-"*.csv "$WORK/r$round-stratum.jsonl" >&2
done

DIST_ARGS=()
if [ "${SKIP_DIST:-0}" != 1 ]; then
    swift build -c release --product stratum
    S=strategies/sma_cross.yaml
    BUS="$URL/3"
    RUNS="$WORK/runs"
    mkdir -p "$RUNS"
    STRATUM="$BIN/stratum"
    seconds() { python3 -c 'import time; print(time.time())'; }
    for round in $(seq "$ROUNDS"); do
        echo "== redis-dist round $round of $ROUNDS" >&2
        t0=$(seconds); "$STRATUM" backtest "$S" --json --out "$RUNS" > "$WORK/d$round-plain.json"; t1=$(seconds)
        echo "plain $t0 $t1" > "$WORK/d$round-times"
        t0=$(seconds); timeout 900 "$STRATUM" backtest "$S" --json --out "$RUNS" --bus "$BUS" > "$WORK/d$round-bus.json" 2> "$WORK/d$round-bus.err"; t1=$(seconds)
        echo "in-process $t0 $t1" >> "$WORK/d$round-times"
        pids=()
        for agent in market-data feature signal portfolio-risk execution compliance supervisor; do
            timeout 900 "$STRATUM" agent "$agent" --strategy "$S" --bus "$BUS" 2> "$WORK/d$round-agent-$agent.err" &
            pids+=($!)
        done
        t0=$(seconds); timeout 900 "$STRATUM" backtest "$S" --json --out "$RUNS" --bus "$BUS" --agents external > "$WORK/d$round-external.json" 2> "$WORK/d$round-external.err"; t1=$(seconds)
        echo "external $t0 $t1" >> "$WORK/d$round-times"
        wait "${pids[@]}"
        # The three runs must agree (all but the run's id and folder), or the figures mean nothing.
        python3 - "$WORK/d$round-plain.json" "$WORK/d$round-bus.json" "$WORK/d$round-external.json" <<'PY'
import json, sys
runs = [json.load(open(path)) for path in sys.argv[1:]]
for run in runs:
    run.pop("run_id"); run.pop("run_dir")
if runs[1] != runs[0] or runs[2] != runs[0]:
    sys.exit("a bus run's --json differs from the plain run's")
PY
        tail -n 1 "$WORK/d$round-bus.err" "$WORK/d$round-external.err" >&2
    done
    DIST_ARGS=(--dist "$S")
fi

python3 benchmarks/redis/write_results.py "$WORK" "$ROUNDS" "$MESSAGES" "$PAYLOAD" \
    "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" "$(nproc)" "$STARTED" "$LOAD_BEFORE" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!benchmarks/RESULTS.md' || echo ' with uncommitted changes')" \
    "${DIST_ARGS[@]}"
