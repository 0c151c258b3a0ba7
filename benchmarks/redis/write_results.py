"""Writes the redis section of benchmarks/RESULTS.md from one run of benchmarks/redis/run.sh."""
import csv
import json
import re
import sys
from pathlib import Path

baseline_1, baseline_50, stratum, messages, payload, version, cores = sys.argv[1:8]


def rps(path):
    row = next(csv.reader(open(path)))
    return float(row[1])


single = rps(baseline_1)
many = rps(baseline_50)
baseline = max(single, many)
rows = [json.loads(line) for line in open(stratum) if line.strip()]

lines = [
    "<!-- redis:begin -->",
    "## Redis Streams bus",
    "",
    f"`benchmarks/redis/run.sh {messages} {payload}`: a private redis-server {version} on loopback (no persistence), "
    f"{int(messages):,} messages of {payload} bytes (the bus: a fill envelope's JSON), {cores} cores shared with other work. "
    "End to end = from the first XADD until the last message is acked; XADD pipelined 512 at a time with 4 batches in flight, "
    "XREADGROUP reading up to 2,048, one XACK per read.",
    "",
    "| what | messages/s | vs redis-benchmark XADD |",
    "|---|---:|---:|",
    f"| redis-benchmark XADD, 1 connection, pipeline 256 (baseline) | {single:,.0f} | {single / baseline:.0%} |",
    f"| redis-benchmark XADD, 50 connections, pipeline 64 (baseline) | {many:,.0f} | {many / baseline:.0%} |",
]
for row in rows:
    lines.append(f"| {row['name']} | {row['messagesPerSecond']:,} | {row['messagesPerSecond'] / baseline:.0%} |")
client = rows[0]["messagesPerSecond"]
lines += [
    "",
    f"Targets: end to end ≥ 50% of redis-benchmark's XADD rate (the better configuration): "
    f"{client / baseline:.0%} — {'met' if client >= 0.5 * baseline else 'not met'}; "
    f"≥ 200,000 messages/s: {client:,} — {'met' if client >= 200_000 else 'not met'}. "
    "redis-benchmark only adds; the end-to-end figures also read and ack every message.",
    "<!-- redis:end -->",
]
section = "\n".join(lines)

results = Path("benchmarks/RESULTS.md")
text = results.read_text()
pattern = re.compile(r"<!-- redis:begin -->.*?<!-- redis:end -->", re.S)
text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
results.write_text(text)
print(section)
