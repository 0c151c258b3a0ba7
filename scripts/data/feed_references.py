#!/usr/bin/env python3
"""Write Tests/RuntimeTests/FeedReferenceData.swift: what the feed tests expect, from Python.

Every expected value is computed here without Stratum's code:
- CSV fixtures: rows split by Python's `csv` module, numbers by `float()` (correctly rounded),
  timestamps by pandas (`pd.Timestamp`, `tz_localize` in the fixture's time zone, `tz_convert`
  to UTC), written as microseconds and IEEE bit patterns so the test compares exactly.
- data/GOOG.csv: row count, a sample of rows, and the weekdays between its first and last
  date that have no row (the gaps a `weekdays` calendar must find).
- The synthetic generator: a line-by-line Python port of its definition in docs/data.md
  (SplitMix64, xoshiro256**, the Marsaglia polar method and the exp/log series, all in IEEE
  double arithmetic, which Python floats are), so the test checks the Swift bits against an
  independent implementation of the same formulas.

Usage: python3 scripts/data/feed_references.py   (from the repository root)
"""

import csv
import io
import math
import os
import struct

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "RuntimeTests", "FeedReferenceData.swift")
MASK = (1 << 64) - 1

CSV_CASES = [
    ("utc minute bars, CRLF, extra column, capitalised header", "UTC",
     "Timestamp,Open,High,Low,Close,Volume,Symbol\r\n"
     "2024-01-02T09:30:00Z,100.5,101.25,99.75,100.0,1200,ABC\r\n"
     "2024-01-02T09:31:00+00:00,100,100.125,99.5,99.875,0,ABC\r\n"
     "2024-01-02 09:32:00.250Z,99.875,100.5,99.8,100.3,3.5e3,ABC\r\n"
     "2024-01-02T04:33:00-05:00,100.3,100.4,100.1,100.2,1e3,ABC\r\n"
     "2024-01-02T10:34:30.000001+0100,100.2,100.2,100.2,100.2,1,ABC\r\n"),
    ("pandas index header, daily, New York, no final line break", "America/New_York",
     ",Open,High,Low,Close,Volume\n"
     "2024-03-08,10,11,9,10.5,100\n"
     "2024-03-11,10.5,12,10,11.5,200\n"
     "2024-11-01,11.5,12,11,11.75,300\n"
     "2024-11-04,11.75,12.5,11.5,12.25,400"),
    ("local date-times across both 2024 daylight-saving changes", "America/New_York",
     "Date,Open,High,Low,Close,Volume,Adj Close\n"
     "2024-03-09 23:00:00,1,1,1,1,1,1\n"
     "2024-03-10 01:59:00,1,1,1,1,1,1\n"
     "2024-03-10 03:00:00,1,1,1,1,1,1\n"
     "2024-03-10T09:30,1,1,1,1,1,1\n"
     "2024-11-03 00:30:00,1,1,1,1,1,1\n"
     "2024-11-03 02:00:00,1,1,1,1,1,1\n"
     "2024-11-03 09:30:00,1,1,1,1,1,1\n"),
    ("epoch seconds and milliseconds", "Europe/London",
     "timestamp,open,high,low,close,volume\n"
     "1704187800,1.5,2.5,0.5,2,10\n"
     "1704187860000,2,2,2,2,10\n"
     "1704187920,2,3,1,2.25,10\n"),
    ("columns in another order, Tokyo dates", "Asia/Tokyo",
     "volume,close,low,high,open,date\n"
     "5,1.25,1,1.5,1.125,2024-01-04\n"
     "6,1.375,1.25,1.5,1.25,2024-01-05\n"),
]

NUMBERS = [
    "0", "7", "+7", "-7", "0.1", "0.2", "0.30000000000000004", ".5", "5.", "100.0000", "1e3", "1E-3", "2.5e+2",
    "123.456", "99.875", "1234.5678", "0.000001", "9007199254740992", "9007199254740993", "18446744073709551617",
    "123456789012345678901234.5", "1234.5678901234567890123", "1.7976931348623157e308", "2.2250738585072014e-308",
    "4.9e-324", "1e23", "1e22", "8.98846567431158e307", "0.0000000000000000000000001", "3.14159265358979323846",
    "2.718281828459045", "1.0000000000000002", "0.9999999999999999", "4503599627370496.5", "123456.7890123",
]

SYNTHETIC_CASES = [
    # seed, bars, start, start price, drift, volatility, interval µs
    (42, 12, "2024-01-01T00:00:00Z", 100.0, 0.0, 0.01, 60_000_000),
    (7, 12, "2023-06-30", 25.5, 0.0002, 0.03, 86_400_000_000),
    (0, 8, "2024-02-29T12:00:00+02:00", 1.0, -0.001, 0.5, 3_600_000_000),
]


def bits(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def utc_microseconds(text, zone):
    text = text.strip()
    if text.isdigit():
        value = int(text)
        unit = "s" if len(text) <= 11 else "ms"
        return int(pd.Timestamp(value, unit=unit).value // 1000)
    stamp = pd.Timestamp(text)
    stamp = stamp.tz_localize(zone) if stamp.tzinfo is None else stamp
    return int(stamp.tz_convert("UTC").value // 1000)


def csv_rows(text, zone):
    rows = list(csv.reader(io.StringIO(text)))
    header = [name.strip().lower() for name in rows[0]]
    time_column = next(i for i, name in enumerate(header) if name in ("timestamp", "date", "datetime", "time", ""))
    index = {name: header.index(name) for name in ("open", "high", "low", "close", "volume")}
    result = []
    for line, row in enumerate(rows[1:], start=2):
        result.append((line, utc_microseconds(row[time_column], zone),
                       *(bits(float(row[index[name]])) for name in ("open", "high", "low", "close", "volume"))))
    return result


def goog():
    with open(os.path.join(ROOT, "data", "GOOG.csv"), newline="") as handle:
        text = handle.read()
    rows = csv_rows(text, "UTC")
    sample = [row for i, row in enumerate(rows) if i % 100 == 0 or i == len(rows) - 1]
    dates = pd.to_datetime([row[0] for row in list(csv.reader(io.StringIO(text)))[1:]])
    weekdays = pd.bdate_range(dates[0], dates[-1])
    missing = [day.strftime("%Y-%m-%d") for day in weekdays if day not in set(dates)]
    return len(rows), sample, missing


# --- Python port of the synthetic generator (docs/data.md) ---------------------------------

LN2_HIGH = 6.93147180369123816490e-01
LN2_LOW = 1.90821492927058770002e-10
INVERSE_LN2 = 1.44269504088896338700


def round_half_away(value):
    whole = math.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += 1 if value > 0 else -1
    return float(whole)


def portable_exp(x):
    if x > 709.782712893384:
        return math.inf
    if x < -745.1332191019411:
        return 0.0
    k = round_half_away(x * INVERSE_LN2)
    r = (x - k * LN2_HIGH) - k * LN2_LOW
    total = 1.0
    for n in range(13, 0, -1):
        total = 1 + total * r / float(n)
    return math.ldexp(total, int(k))


def portable_log(x):
    fraction, exponent2 = math.frexp(x)
    exponent = float(exponent2 - 1)
    mantissa = fraction * 2
    if mantissa > 1.4142135623730951:
        mantissa /= 2
        exponent += 1
    f = (mantissa - 1) / (mantissa + 1)
    square = f * f
    series = 0.0
    for n in range(23, 2, -2):
        series = (series + 1 / float(n)) * square
    ln_mantissa = 2 * f + 2 * f * series
    return exponent * LN2_HIGH + (exponent * LN2_LOW + ln_mantissa)


class Xoshiro:
    def __init__(self, seed):
        mixer = seed
        state = []
        for _ in range(4):
            mixer = (mixer + 0x9E3779B97F4A7C15) & MASK
            z = mixer
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    @staticmethod
    def rotl(value, count):
        return ((value << count) | (value >> (64 - count))) & MASK

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        shifted = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= shifted
        s[3] = self.rotl(s[3], 45)
        return result

    def uniform(self):
        return float(self.next() >> 11) * 2.0 ** -53


def synthetic_bars(seed, bars, start, start_price, drift, volatility, interval):
    random = Xoshiro(seed)
    spare = [None]

    def normal():
        if spare[0] is not None:
            value, spare[0] = spare[0], None
            return value
        while True:
            u = 2 * random.uniform() - 1
            v = 2 * random.uniform() - 1
            s = u * u + v * v
            if 0 < s < 1:
                factor = math.sqrt(-2 * portable_log(s) / s)
                spare[0] = v * factor
                return u * factor

    stamp = pd.Timestamp(start)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    first = int(stamp.tz_convert("UTC").value // 1000)
    last_close = start_price
    rows = []
    for i in range(bars):
        open_ = last_close
        close = open_ * portable_exp(drift + volatility * normal())
        high = max(open_, close) * (1 + volatility * random.uniform() / 2)
        low = min(open_, close) / (1 + volatility * random.uniform() / 2)
        volume = 1000 + math.floor(9000 * random.uniform())
        rows.append((i + 1, first + i * interval, bits(open_), bits(high), bits(low), bits(close), bits(float(volume))))
        last_close = close
    return rows


# --- Swift output ----------------------------------------------------------------------------

def swift_string(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{escaped}"'


def swift_rows(rows, indent):
    pad = " " * indent
    return "\n".join(f"{pad}Row(line: {r[0]}, timestamp: {r[1]}, open: 0x{r[2]:016X}, high: 0x{r[3]:016X}, "
                     f"low: 0x{r[4]:016X}, close: 0x{r[5]:016X}, volume: 0x{r[6]:016X})," for r in rows)


def main():
    out = [
        "// Generated by scripts/data/feed_references.py with Python's csv module, float() and",
        f"// pandas {pd.__version__}; do not edit. Regenerate from the repository root with",
        "// `python3 scripts/data/feed_references.py`. Doubles are IEEE bit patterns.",
        "",
        "/// Expected values for the feed tests, computed in Python without Stratum's code.",
        "enum FeedReference {",
        "    struct Row {",
        "        let line: Int, timestamp: Int64, open: UInt64, high: UInt64, low: UInt64, close: UInt64, volume: UInt64",
        "    }",
        "",
        "    struct CSVCase {",
        "        let name: String, timeZone: String, text: String, rows: [Row]",
        "    }",
        "",
        "    struct SyntheticCase {",
        "        let seed: UInt64, bars: Int, start: String, startPrice: Double, drift: Double, volatility: Double",
        "        let intervalMicroseconds: Int64, rows: [Row]",
        "    }",
        "",
        "    static let csvCases: [CSVCase] = [",
    ]
    for name, zone, text in CSV_CASES:
        out.append(f"        CSVCase(name: {swift_string(name)}, timeZone: {swift_string(zone)},")
        out.append(f"                text: {swift_string(text)},")
        out.append("                rows: [")
        out.append(swift_rows(csv_rows(text, zone), 20))
        out.append("                ]),")
    out.append("    ]")
    out.append("")
    out.append("    /// Decimal texts and `float(text)`.")
    out.append("    static let numbers: [(text: String, bits: UInt64)] = [")
    for text in NUMBERS:
        out.append(f"        ({swift_string(text)}, 0x{bits(float(text)):016X}),")
    out.append("    ]")
    out.append("")
    count, sample, missing = goog()
    out.append(f"    /// data/GOOG.csv: {count} rows; every 100th row and the last.")
    out.append(f"    static let googRowCount = {count}")
    out.append("    static let googSample: [Row] = [")
    out.append(swift_rows(sample, 8))
    out.append("    ]")
    out.append("")
    out.append("    /// Weekdays from GOOG's first to last date without a row (pandas bdate_range minus the file's dates).")
    out.append("    static let googMissingWeekdays: [String] = [")
    for i in range(0, len(missing), 6):
        out.append("        " + " ".join(f'"{day}",' for day in missing[i:i + 6]))
    out.append("    ]")
    out.append("")
    out.append("    /// The first outputs of xoshiro256** seeded through SplitMix64.")
    out.append("    static let xoshiro: [(seed: UInt64, outputs: [UInt64])] = [")
    for seed in (0, 42, 0xFFFFFFFFFFFFFFFF):
        generator = Xoshiro(seed)
        values = ", ".join(f"0x{generator.next():016X}" for _ in range(5))
        out.append(f"        (0x{seed:X}, [{values}]),")
    out.append("    ]")
    out.append("")
    out.append("    static let synthetic: [SyntheticCase] = [")
    for seed, bars, start, price, drift, vol, interval in SYNTHETIC_CASES:
        out.append(f"        SyntheticCase(seed: {seed}, bars: {bars}, start: {swift_string(start)}, startPrice: {price!r}, "
                   f"drift: {drift!r}, volatility: {vol!r},")
        out.append(f"                      intervalMicroseconds: {interval}, rows: [")
        out.append(swift_rows(synthetic_bars(seed, bars, start, price, drift, vol, interval), 30))
        out.append("                      ]),")
    out.append("    ]")
    out.append("}")
    with open(OUT, "w") as handle:
        handle.write("\n".join(out) + "\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(CSV_CASES)} CSV cases, {len(NUMBERS)} numbers, "
          f"GOOG {count} rows / {len(missing)} missing weekdays, {len(SYNTHETIC_CASES)} synthetic cases")


if __name__ == "__main__":
    main()
