#!/usr/bin/env python3
"""Accuracy by perception query kind from an `insightv eval` output folder.
Usage: bykind.py TASKS_FOLDER EVAL_OUT [EVAL_OUT ...]"""
import json, os, sys, collections

kinds = {}
for l in open(os.path.join(sys.argv[1], "tasks.jsonl")):
    t = json.loads(l); kinds[t["id"]] = t["query"]["kind"].replace("most", "")
for out in sys.argv[2:]:
    by = collections.defaultdict(lambda: [0, 0])
    for l in open(os.path.join(out, "responses.jsonl")):
        r = json.loads(l)
        for k in ("all", kinds[r["id"]]):
            by[k][0] += bool(r["correct"]); by[k][1] += 1
    print(out, " ".join(f"{k} {c}/{n}" for k, (c, n) in sorted(by.items())))
