#!/usr/bin/env bash
# Runs a command with a private redis-server on a free loopback port, and stops it after.
# The command sees STRATUM_TEST_REDIS_URL=redis://127.0.0.1:PORT.
set -euo pipefail
dir=$(mktemp -d -t stratum-redis.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --appendfsync always \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
cleanup() {
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
    sleep 0.2
    rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export STRATUM_TEST_REDIS_URL="redis://127.0.0.1:$port"
"$@"
