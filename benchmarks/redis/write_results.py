"""Writes the redis and redis-dist sections of benchmarks/RESULTS.md from one run of benchmarks/redis/run.sh.

usage: write_results.py WORK ROUNDS MESSAGES PAYLOAD REDIS-VERSION CORES STARTED LOAD-BEFORE LOAD-AFTER COMMIT [--dist STRATEGY]
"""
import csv
import json
import re
import statistics
import sys
from pathlib import Path

work, rounds, messages, payload, version, cores, started, load_before, load_after, commit = sys.argv[1:11]
dist_strategy = sys.argv[12] if len(sys.argv) > 12 and sys.argv[11] == "--dist" else None
work, rounds = Path(work), int(rounds)

BASELINES = [
    ("c1-p512", "redis-benchmark XADD, 1 connection, pipeline 512 (Stratum's batch)"),
    ("c4-p512", "redis-benchmark XADD, 4 connections, pipeline 512 (Stratum's batches in flight)"),
    ("c50-p64", "redis-benchmark XADD, 50 connections, pipeline 64"),
]


def rps(path):
    return float(next(csv.reader(open(path)))[1])


def spread(values, fmt):
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def rate(value):
    return f"{value:,.0f}"


def percent(value):
    return f"{value:.0%}"


# Per round: every baseline, the best of them, and Stratum's measurements.
per_round = []
for r in range(1, rounds + 1):
    base = {key: rps(work / f"r{r}-{key}.csv") for key, _ in BASELINES}
    rows = [json.loads(line) for line in open(work / f"r{r}-stratum.jsonl") if line.strip()]
    per_round.append({"base": base, "best": max(base.values()), "rows": {row["name"]: row["messagesPerSecond"] for row in rows}})
names = list(per_round[0]["rows"])
client = names[0]


def column(name):
    return [r["rows"][name] for r in per_round]


def ratios(values):
    return [v / r["best"] for v, r in zip(values, per_round)]


lines = [
    "<!-- redis:begin -->",
    "## Redis Streams bus",
    "",
    f"`benchmarks/redis/run.sh {messages} {payload} {rounds}` (this checkout at {commit}), started {started}: a private "
    f"redis-server {version} on loopback (no persistence), {int(messages):,} messages of {payload} bytes (the bus: a fill "
    f"envelope's JSON, a fifth as many messages), {rounds} rounds, each running the three redis-benchmark baselines and then "
    f"Stratum's measurements back to back. {cores} cores shared with other work: load average {load_before} when it "
    f"started, {load_after} when it ended, so absolute rates move with the load; the ratio to the baseline of the same "
    "round moves less. End to end = from the first XADD until the last message is acked: XADD pipelined 512 at a time "
    "with 4 batches in flight on one connection, XREADGROUP reading up to 2,048 with the next read sent as soon as one "
    "arrives, one XACK per read (its ids copied from the reply's bytes). The bus runs RedisStreamsBus: envelopes encoded to JSON (EnvelopeCodec) and XADDed in one "
    "pipeline per publish, read through a consumer group, decoded, and acked in batches of 2,048 after handling "
    "(with idempotency on, each id is also checked with EXISTS on delivery and recorded with SET NX EX on ack).",
    "",
    "| what | messages/s, median | range over the rounds | ÷ best baseline of the round |",
    "|---|---:|---:|---:|",
]
for key, label in BASELINES:
    values = [r["base"][key] for r in per_round]
    lines.append(f"| {label} | {rate(statistics.median(values))} | {spread(values, rate)} | {spread(ratios(values), percent)} |")
for name in names:
    values = column(name)
    # The codec alone involves no Redis: its ratio to redis-benchmark would mean nothing.
    ratio = "" if "no Redis" in name else spread(ratios(values), percent)
    lines.append(f"| {name} | {rate(statistics.median(values))} | {spread(values, rate)} | {ratio} |")
codec_names = [n for n in names if "no Redis" in n]
codec_speedup = ""
if len(codec_names) == 2:
    ours = [a / b for a, b in zip(column(codec_names[1]), column(codec_names[0]))]
    codec_speedup = (f" EnvelopeCodec encodes and decodes {spread(ours, lambda v: f'{v:.1f}×')} as fast as Foundation's "
                     "JSONEncoder/JSONDecoder in the same round, with the same bytes (the benchmark checks).")
client_values = column(client)
client_ratios = ratios(client_values)
same_depth = [v / r["base"]["c1-p512"] for v, r in zip(client_values, per_round)]
lines += [
    "",
    "Targets (the baseline is the best of the three redis-benchmark shapes in the same round): end to end ≥ 50% of "
    f"redis-benchmark's XADD rate: {spread(client_ratios, percent)} over {rounds} rounds (median "
    f"{percent(statistics.median(client_ratios))}) — {'met in every round' if min(client_ratios) >= 0.5 else 'not met in every round'}; "
    f"against redis-benchmark with Stratum's pipelining depth (1 connection, 512): {spread(same_depth, percent)}. "
    f"≥ 200,000 messages/s: {spread(client_values, rate)} (median {rate(statistics.median(client_values))}) — "
    f"{'met in every round' if min(client_values) >= 200_000 else 'not met in every round'}. "
    "redis-benchmark only adds; the end-to-end figures also read and ack every message." + codec_speedup,
    "<!-- redis:end -->",
]
sections = {"redis": "\n".join(lines)}

if dist_strategy:
    def times(r):
        result = {}
        for line in open(work / f"d{r}-times"):
            kind, start, end = line.split()
            result[kind] = float(end) - float(start)
        return result

    def bus_line(path):
        # The bus run's own figure (stderr): "bus: N bars, M messages in S s (B bars/s, R messages/s)".
        text = Path(path).read_text()
        found = re.findall(r"bus: (\d+) bars, (\d+) messages in ([\d.]+) s", text)
        bars, msgs, secs = found[-1]
        return int(bars), int(msgs), float(secs)

    walls = [times(r) for r in range(1, rounds + 1)]
    inproc = [bus_line(work / f"d{r}-bus.err") for r in range(1, rounds + 1)]
    external = [bus_line(work / f"d{r}-external.err") for r in range(1, rounds + 1)]
    bars, routed = inproc[0][0], inproc[0][1]
    plain_rate = [bars / w["plain"] for w in walls]

    def row(label, wall_key, own):
        wall = [w[wall_key] for w in walls]
        wall_rate = [bars / w for w in wall]
        lines.append(f"| {label} | {spread(wall, lambda v: f'{v:.2f} s')} | {spread(wall_rate, rate)} | "
                     + (f"{spread([b / s for b, _, s in own], rate)} | {spread([m / s for _, m, s in own], rate)} | "
                        if own else "| | ")
                     + f"{spread([p / x for p, x in zip(plain_rate, wall_rate)], lambda v: f'{v:,.0f}×')} |")

    lines = [
        "<!-- redis-dist:begin -->",
        "## Agents over Redis Streams in waves (`stratum backtest --bus`)",
        "",
        f"`benchmarks/redis/run.sh {messages} {payload} {rounds}` (this checkout at {commit}), started {started}, "
        f"**release** build, a private redis-server {version} on loopback, `{dist_strategy}` ({bars:,} bars, {routed:,} "
        f"messages routed), {rounds} rounds; load average {load_before} when it started, {load_after} when it ended "
        f"({cores} cores shared with other work). Each round runs the plain backtest, then the same backtest with "
        "`--bus` (seven agents as tasks of one process), then with `--bus --agents external` and seven `stratum agent` "
        "processes; the script checks the three `--json` outputs are identical but for the run's id and folder. Wall = the whole command (start-up, "
        "lint, data, run folder); bus = the bus run's own figure from the first bar to the last wave.",
        "",
        "| run | wall | bars/s (wall) | bars/s (bus) | messages/s (bus) | plain ÷ this (wall) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    row("plain backtest (fused runner), baseline", "plain", None)
    row("`--bus`, seven agents as tasks of one process", "in-process", inproc)
    row("`--bus --agents external`, seven `stratum agent` processes", "external", external)
    lines += [
        "",
        "A wave costs a pipelined round trip per agent and one for the coordinator, and a bar is about six waves, so a "
        "bus run is bounded by round trips and scheduling (seven agents and Redis sharing two cores), not by the agents.",
        "<!-- redis-dist:end -->",
    ]
    sections["redis-dist"] = "\n".join(lines)

results = Path("benchmarks/RESULTS.md")
text = results.read_text()
for name, section in sections.items():
    pattern = re.compile(rf"<!-- {name}:begin -->.*?<!-- {name}:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    print(section)
results.write_text(text)
