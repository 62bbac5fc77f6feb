#!/usr/bin/env python3
"""Question lists: the fact lists of docs/experiments/2026-12-07-all-families/sets.py as one
multi-turn conversation per scene — every single-hop fact asked in the benchmark's own wording and
answered by the fact's sentence:
    human  <image>\\nHow many squares are there?      gpt  There are 4 squares.
    human  How many red shapes are there?             gpt  There are 2 red shapes.
    ...
Hypothesis (docs/vision.md, sixth session): the fact lists train the lookup but not the hop from the
question's key to the sentence's subject ("How many squares are there?" -> "There are 2 circles."),
and a question-answer sample trains that hop once per image; a question list trains it ~10 times.
Usage: qa.py WORLD... OUT.json SEED [MAX_TURNS]   (MAX_TURNS: a random subset of at most that many
facts per scene; every fact makes a list ~6x the fact list's tokens per step on the 2 cores)
"""
import importlib.util, json, os, random, sys

# The all-families set maker under its own name (it imports another experiment's "sets" itself).
_spec = importlib.util.spec_from_file_location(
    "all_families_sets", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "2026-12-07-all-families", "sets.py"))
_sets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sets)
tasks, count_phrase, cell, num, SIDE = _sets.tasks, _sets.count_phrase, _sets.cell, _sets.num, _sets.SIDE
cues = sys.modules["facts"].cues  # perception lookups, imported by the set maker


def qa(t):
    """(question, fact sentence) for each single-hop fact of the scene."""
    s, f = t["scene"], t["family"]
    if f == "perception":
        ask = {"color": lambda p: f"What colour is the {p.split()[1]}?",
               "shape": lambda p: f"What shape is the {p.split()[1]} object?",
               "region": lambda p: f"Where in the image is the {' '.join(p.split()[1:3])}?"}
        return [(ask[k](p), f"{p} {a}.") for k, p, a in cues(s["objects"])]
    if f == "shapes":
        out = []
        for key in ("color", "shape", "size"):
            for v in sorted({o[key] for o in s["objects"]}):
                n = sum(o[key] == v for o in s["objects"])
                noun, plural = (v, v + "s") if key == "shape" else (v + " shape", v + " shapes")
                out.append((f"How many {plural} are there?", count_phrase(n, noun, plural)))
        return out
    if f == "bar_chart":
        bars = s["bars"]
        out = [(f"What is the value of bar {b['label']}?", f"Bar {b['label']} is {num(b['value'])}.") for b in bars]
        for word, pick in (("largest", max), ("smallest", min)):
            top = pick(bars, key=lambda b: b["value"])
            if sum(b["value"] == top["value"] for b in bars) == 1:
                out.append((f"Which bar has the {word} value?", f"The {word} value is in bar {top['label']}."))
        return out
    if f == "clock":
        return [("What time does the clock show? Give the time as H:MM.", f"The clock shows {s['hour']}:{s['minute']:02d}.")]
    if f == "digit_table":
        vals = s["values"]
        out = [(f"What number is in row {r + 1}, column {c + 1} (rows from the top, columns from the left)?",
                f"Row {r + 1}, column {c + 1} is {num(v)}.") for r, row in enumerate(vals) for c, v in enumerate(row)]
        out.append(("What is the largest number in the table?", f"The largest number is {num(max(max(r) for r in vals))}."))
        return out
    if f == "maze":
        walls = [0] * s["rows"]
        for w in s["walls"]: walls[w[0]] += 1
        out = [(f"How many black cells are there in row {r + 1} (counting rows from the top)?",
                f"Row {r + 1} has {n} black cell{'' if n == 1 else 's'}.") for r, n in enumerate(walls)]
        out += [("Where is the green cell?", f"The green cell is at {cell(s['start'])}."),
                ("Where is the red cell?", f"The red cell is at {cell(s['goal'])}.")]
        return out
    if f == "geometry":
        unit = " " + s["unit"] if s.get("unit") else ""
        return [(f"How long is the {SIDE.get(l['name'], l['name'])}?",
                 f"The {SIDE.get(l['name'], l['name'])} is {l['text']}{unit}.") for l in s["labels"] if l["text"] != "x"]
    raise ValueError(f)


def main(*args):
    max_turns = 0
    if len(args) > 2 and args[-1].isdigit() and args[-2].isdigit():
        *args, max_turns = args
        max_turns = int(max_turns)
    *worlds, out, seed = args
    rng = random.Random(int(seed))
    seen, data = set(), []
    for t in tasks(worlds):
        if t["image"] in seen: continue
        seen.add(t["image"])
        pairs = qa(t)
        rng.shuffle(pairs)
        if max_turns: pairs = pairs[:max_turns]
        conv = []
        for i, (q, a) in enumerate(pairs):
            conv += [{"from": "human", "value": ("<image>\n" if i == 0 else "") + q}, {"from": "gpt", "value": a}]
        data.append({"id": t["id"], "image": t["image"], "conversations": conv})
    rng.shuffle(data)
    json.dump(data, open(out, "w"))
    print(len(data), "question lists; turns per list:", sum(len(d["conversations"]) for d in data) // (2 * len(data)))
    for d in data[:2]:
        print("  " + " | ".join(c["value"].replace("\n", " ")[:70] for c in d["conversations"][:4]))


if __name__ == "__main__":
    main(*sys.argv[1:])
