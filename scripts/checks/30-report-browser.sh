#!/usr/bin/env bash
# report.html in a real browser: headless Chromium opens a run's report from disk (no network)
# and every <img> must have decoded (the page marks <body data-images-loaded="yes">).
# A screenshot of the page is kept in target/checks/report-browser/ for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update && apt-get install -y chromium
fi
cargo build -p lifsim-cli
keep=target/checks/report-browser
rm -rf "$keep" && mkdir -p "$keep"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/debug/lifsim run --out "$work/run" --quiet
page="file://$work/run/report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --virtual-time-budget=10000)
chromium "${flags[@]}" --dump-dom "$page" >"$keep/report-dom.html" 2>"$keep/chromium.log"
chromium "${flags[@]}" --window-size=1200,3000 --screenshot="$keep/report.png" "$page" >>"$keep/chromium.log" 2>&1
body=$(grep -o '<body[^>]*>' "$keep/report-dom.html" || true)
images=$(grep -c '<img ' "$work/run/report.html" || true)
echo "report.html: $images images; $body"
if [[ "$body" != *'data-images-loaded="yes"'* ]] || [[ "$body" != *"data-images=\"$images\""* ]] || [ "$images" -lt 4 ]; then
  echo "FAIL: not every image of report.html loaded in Chromium (see $keep/)" >&2
  exit 1
fi
[ -s "$keep/report.png" ] || { echo "FAIL: no screenshot of report.html" >&2; exit 1; }
echo "every image loaded; screenshot: $keep/report.png"
