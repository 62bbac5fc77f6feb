#!/usr/bin/env python3
"""One row per run: correct of 1,400 with the own image / another task's image, then per family
(own / other, of 200). Usage: table.py NAME=RUN_DIR ...  (RUN_DIR holds mc_fact/big and mc_fact/big_swap)"""
import json, os, sys

FAMS = ["perception", "shapes", "bar_chart", "clock", "digit_table", "maze", "geometry"]
print("| run | own | other | " + " | ".join(FAMS) + " |")
print("|---|---:|---:|" + "---:|" * len(FAMS))
for arg in sys.argv[1:]:
    name, d = arg.split("=", 1)
    own, other = (json.load(open(os.path.join(d, "mc_fact", b, "results.json"))) for b in ("big", "big_swap"))
    cells = [f"{own['by_category'][f]['correct']} / {other['by_category'][f]['correct']}" for f in FAMS]
    print(f"| {name} | {own['overall']['correct']} ({100 * own['overall']['acc']:.1f} %) | "
          f"{other['overall']['correct']} ({100 * other['overall']['acc']:.1f} %) | " + " | ".join(cells) + " |")
