#!/usr/bin/env bash
# Redis Streams benchmark: messages/s end to end (XADD pipelined → XREADGROUP → XACK) through
# Stratum's hiredis client and through RedisStreamsBus, against `redis-benchmark` XADD on the same
# private redis-server in the same run; writes the redis section of benchmarks/RESULTS.md.
#
# Usage: benchmarks/redis/run.sh [MESSAGES] [PAYLOAD-BYTES]   (defaults 1,000,000 and 256)
set -euo pipefail
cd "$(dirname "$0")/../.."

MESSAGES="${1:-1000000}"
PAYLOAD="${2:-256}"
WORK="$(mktemp -d -t stratum-bench-redis.XXXXXX)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# Throughput, not durability, is measured here: no AOF, no snapshots.
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK" --save "" --appendonly no \
    --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
cleanup() {
    if [ -f "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true; fi
    sleep 0.2
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

swift build -c release --product bench-redis
BIN="$(swift build -c release --show-bin-path)/bench-redis"
VALUE=$(python3 -c "print('x' * $PAYLOAD)")

# redis-benchmark's XADD: one connection pipelining 256 (as Stratum's producer does), then 50
# connections pipelining 64; the better of the two is the baseline.
run_baseline() {
    redis-benchmark -h 127.0.0.1 -p "$PORT" -n "$MESSAGES" "$@" --csv \
        XADD bench:baseline MAXLEN '~' "$((MESSAGES * 2))" '*' envelope "$VALUE" | tail -1
    redis-cli -p "$PORT" del bench:baseline >/dev/null
}
run_baseline -c 1 -P 256 > "$WORK/baseline-1.csv"
run_baseline -c 50 -P 64 > "$WORK/baseline-50.csv"
"$BIN" "redis://127.0.0.1:$PORT" "$MESSAGES" "$PAYLOAD" > "$WORK/stratum.jsonl"
cat "$WORK/baseline-1.csv" "$WORK/baseline-50.csv" "$WORK/stratum.jsonl"
python3 benchmarks/redis/write_results.py "$WORK/baseline-1.csv" "$WORK/baseline-50.csv" "$WORK/stratum.jsonl" "$MESSAGES" "$PAYLOAD" \
    "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" "$(nproc)"
