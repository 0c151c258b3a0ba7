#!/usr/bin/env bash
# Render a Stratum report.html to a PNG with headless Chromium, to check how it reads.
#
# Usage: scripts/report_screenshot.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
# Defaults: OUT = REPORT with .png, window 1280x2000. Needs Debian's `chromium`
# (apt-get install -y chromium). The report is self-contained, so no network is used.
set -euo pipefail

report=${1:?usage: $0 REPORT.html [OUT.png] [WIDTHxHEIGHT]}
out=${2:-${report%.html}.png}
size=${3:-1280x2000}

command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
[[ -f $report ]] || { echo "no such report: $report" >&2; exit 2; }

chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" \
    "file://$(realpath "$report")" 2>/dev/null
echo "$out"
