#!/usr/bin/env python3
"""Accuracy by family, and on difficulty 1, from `insightv eval` output folders; also how many
multiple-choice answers name no option (the grader's reason "no-option").
Usage: score.py TASKS_FOLDER EVAL_OUT [EVAL_OUT ...]"""
import json, os, sys, collections

tasks = {}
for l in open(os.path.join(sys.argv[1], "tasks.jsonl")):
    t = json.loads(l); tasks[t["id"]] = t
for out in sys.argv[2:]:
    by = collections.defaultdict(lambda: [0, 0])
    no_option = choice = 0
    for l in open(os.path.join(out, "responses.jsonl")):
        r = json.loads(l); t = tasks[r["id"]]
        if t.get("options"):
            choice += 1; no_option += r["reason"] == "no-option"
        for k in ("all", t["family"], f"{t['family']}.d{t['difficulty']}"):
            by[k][0] += bool(r["correct"]); by[k][1] += 1
    fam = [k for k in by if "." not in k]
    print(out, f"(multiple-choice answers naming no option: {no_option}/{choice})")
    print("  " + " ".join(f"{k} {by[k][0]}/{by[k][1]}" for k in sorted(fam)))
    print("  d1: " + " ".join(f"{k[:-3]} {c}/{n}" for k, (c, n) in sorted(by.items()) if k.endswith(".d1")))
