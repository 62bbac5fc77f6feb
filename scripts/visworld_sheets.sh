#!/usr/bin/env bash
# Regenerates the VisWorld contact sheets under docs/visworld/ (one per family at 128 px, the
# nano model's input, and one of all families at 336 px). Usage: scripts/visworld_sheets.sh [insightv binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/insightv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p docs/visworld
for family in shapes bar_chart clock maze digit_table geometry perception; do
  "$bin" --log-level warn world --family "$family" --n 12 --seed 2026 --size 128 --out "$tmp/$family" --no-progress
  "$bin" world sheet --in "$tmp/$family" --family "$family" --n 12 --columns 4 --tile 128 \
    --out "docs/visworld/$family.png"
done
"$bin" --log-level warn world --family all --n 7 --seed 2026 --size 336 --out "$tmp/all336" --no-progress
"$bin" world sheet --in "$tmp/all336" --n 7 --columns 4 --tile 240 --out docs/visworld/all-336.png
ls -l docs/visworld
