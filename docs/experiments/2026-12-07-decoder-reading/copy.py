#!/usr/bin/env python3
"""Does the answer's fact sentence name what the question asked about? For every single-hop
question whose reply states a fact (sets.py fact_reply; perception's restated lookup), the reply's
first sentence is compared with the expected one with its value masked (numbers, and the last word;
counts in either phrasing, subject_first.py: "There are 2 circles." ~ "The number of circles is 1."), per family: the share of
replies whose subject is the question's (the copy), and of those, the share with the right value.
Usage: copy.py TASKS_DIR EVAL_DIR
"""
import importlib.util, json, os, re, sys
from collections import defaultdict

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("all_families_sets", os.path.join(_here, "..", "2026-12-07-all-families", "sets.py"))
_sets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sets)
sys.path.insert(0, _here)
from subject_first import rewrite  # noqa: E402  counts with the subject first, either phrasing scored


def key(sentence):
    words = re.sub(r"\d+", "#", sentence.strip().rstrip(".")).split()[:-1]
    return " ".join("are" if w == "is" else w.rstrip("s") for w in words)


def first_sentence(text):
    m = re.match(r"\s*(.*?\.)(\s|$)", text)
    return m.group(1) if m else text


def main(tasks_dir, eval_dir):
    tasks = {json.loads(l)["id"]: json.loads(l) for l in open(os.path.join(tasks_dir, "tasks.jsonl"))}
    n, copied, right = defaultdict(int), defaultdict(int), defaultdict(int)
    for line in open(os.path.join(eval_dir, "responses.jsonl")):
        r = json.loads(line)
        t = tasks[r["id"]]
        expected = _sets.echo(t["question"], t["answer_value"]) if t["family"] == "perception" else _sets.fact_reply(t)
        if not expected or t["difficulty"] != 1: continue
        expected = first_sentence(rewrite(expected))  # the maze's direction answers state two cells
        got = rewrite(first_sentence(r["responses"][0] if isinstance(r["responses"], list) else str(r["responses"])))
        f = t["family"]
        n[f] += 1
        if key(got) == key(expected):
            copied[f] += 1
            right[f] += got.strip() == expected.strip()
    for f in sorted(n):
        print(f"  {f:12s} single-hop d1 {n[f]:3d}  subject copied {copied[f]:3d}  of those value right {right[f]:3d}")
    print(f"  {'all':12s} single-hop d1 {sum(n.values()):3d}  subject copied {sum(copied.values()):3d}  "
          f"of those value right {sum(right.values()):3d}")


if __name__ == "__main__":
    main(*sys.argv[1:])
