#!/usr/bin/env python3
"""Fact lists and answer sentences for every VisWorld family (docs/vision.md, "every family").
The perception experiments showed that a from-scratch nano decoder learns to look things up in the
image from dense fact lists, and answers questions when the reply restates the looked-up fact. This
script makes the same two kinds of sets for all seven families, read off the scene graphs:
  facts    "<image>\\nList facts about the image." -> every single-hop fact of the scene, shuffled:
           perception  The red object is a square. The circle is blue. The red square is at top.
           shapes      There are 2 red shapes. There is 1 circle. There are 3 large shapes.
           bar_chart   Bar A is 3. Bar B is 7. The largest value is in bar B.
           clock       The clock shows 4:25.
           digit_table Row 1, column 2 is 7. The largest number is 9.
           maze        Row 2 has 1 black cell. The green cell is at row 1, column 3.
           geometry    The width is 7 cm. The height is 4 cm.
  mc       the benchmark's own prompt, replied to in one of two styles:
           letter  "B"
           fact    the single-hop fact the question asks, then "The answer is X." (X the option's
                   text or the value); perception restates its lookup ("The green object is a
                   square."); questions of two or more hops: "The answer is X."
Usage:
  sets.py facts WORLD... OUT.json SEED
  sets.py mc WORLD... OUT_DIR          writes OUT_DIR/{letter,fact}.json
  sets.py merge OUT WORLD...           one tasks.jsonl over several world folders (absolute images)
"""
import json, os, random, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "2026-12-07-image-facts"))
from facts import cues  # perception lookups: (kind, reply prefix, answer)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "2026-12-07-retrieval"))
from sets import echo   # the perception answer sentence

PROMPT = "List facts about the image."
CHOICE = "\nAnswer with the option letter from the given choices directly."
OPEN = "\nAnswer the question using a single word or phrase."


def tasks(worlds):
    for w in worlds:
        for line in open(os.path.join(w, "tasks.jsonl")):
            t = json.loads(line)
            t["image"] = os.path.abspath(os.path.join(w, t["image"]))
            yield t


def count_phrase(n, noun, plural):
    return f"There is 1 {noun}." if n == 1 else f"There are {n} {plural}."


def cell(c):
    return f"row {c['row'] + 1}, column {c['col'] + 1}"


SIDE = {"w": "width", "h": "height", "a": "vertical leg", "b": "horizontal leg", "W": "bottom side",
        "H": "left side", "T": "top side", "R": "right side", "nw": "notch width", "nh": "notch height"}


def num(v):
    return str(int(v)) if float(v) == int(v) else str(v)


def facts(t):
    s, f = t["scene"], t["family"]
    if f == "perception":
        return [f"{p} {a}." for _, p, a in cues(s["objects"])]
    if f == "shapes":
        out = []
        for key in ("color", "shape", "size"):
            for v in sorted({o[key] for o in s["objects"]}):
                n = sum(o[key] == v for o in s["objects"])
                noun = v if key == "shape" else v + " shape"
                out.append(count_phrase(n, noun, v + "s" if key == "shape" else v + " shapes"))
        return out
    if f == "bar_chart":
        bars = s["bars"]
        out = [f"Bar {b['label']} is {num(b['value'])}." for b in bars]
        hi = max(bars, key=lambda b: b["value"]); lo = min(bars, key=lambda b: b["value"])
        if sum(b["value"] == hi["value"] for b in bars) == 1: out.append(f"The largest value is in bar {hi['label']}.")
        if sum(b["value"] == lo["value"] for b in bars) == 1: out.append(f"The smallest value is in bar {lo['label']}.")
        return out
    if f == "clock":
        return [f"The clock shows {s['hour']}:{s['minute']:02d}."]
    if f == "digit_table":
        vals = s["values"]
        out = [f"Row {r + 1}, column {c + 1} is {num(v)}." for r, row in enumerate(vals) for c, v in enumerate(row)]
        out.append(f"The largest number is {num(max(max(row) for row in vals))}.")
        return out
    if f == "maze":
        walls = [0] * s["rows"]
        for w in s["walls"]: walls[w[0]] += 1
        out = [f"Row {r + 1} has {n} black cell{'' if n == 1 else 's'}." for r, n in enumerate(walls)]
        out += [f"The green cell is at {cell(s['start'])}.", f"The red cell is at {cell(s['goal'])}."]
        return out
    if f == "geometry":
        unit = " " + s["unit"] if s.get("unit") else ""
        return [f"The {SIDE.get(l['name'], l['name'])} is {l['text']}{unit}." for l in s["labels"] if l["text"] != "x"]
    raise ValueError(f)


def fact_reply(t):
    """The single-hop fact the question asks, then the answer; None for questions of two or more hops."""
    q, s, f, a = t["query"], t["scene"], t["family"], t["answer_value"]
    kind = q.get("kind")
    if f == "shapes" and kind == "count":
        flt = q["a"]
        attrs = [flt.get(k, "") for k in ("size", "color")]
        pre = " ".join(x for x in attrs if x)
        shape = flt.get("shape", "")
        noun = (pre + " " if pre else "") + (shape or "shape")
        plural = (pre + " " if pre else "") + (shape + "s" if shape else "shapes")
        return count_phrase(int(a), noun, plural)
    if f == "bar_chart" and kind == "value": return f"Bar {q['label']} is {a}."
    if f == "bar_chart" and kind in ("max", "min"):
        return f"The {'largest' if kind == 'max' else 'smallest'} value is in bar {a}."
    if f == "clock" and kind == "read": return f"The clock shows {a}."
    if f == "digit_table" and kind == "cell": return f"Row {q['row'] + 1}, column {q['col'] + 1} is {a}."
    if f == "digit_table" and kind == "max": return f"The largest number is {a}."
    if f == "maze" and kind == "row_walls":
        return f"Row {q['row'] + 1} has {a} black cell{'' if a == '1' else 's'}."
    if f == "maze" and kind == "direction":
        return f"The green cell is at {cell(s['start'])}. The red cell is at {cell(s['goal'])}."
    return None


def reply(t, style):
    if style == "letter": return t["answer"]
    if t["family"] == "perception": return echo(t["question"], t["answer_value"])
    fact = fact_reply(t)
    # A bar label as an option's text ("C") would read as a letter: such answers keep the letter.
    value = t["answer"] if t.get("options") and len(t["answer_value"]) == 1 and t["answer_value"] in "ABCD" \
        else t["answer_value"]
    return (fact + " " if fact else "") + f"The answer is {value}."


def prompt(t):
    p = t["question"]
    for i, o in enumerate(t.get("options", [])): p += f"\n{chr(65 + i)}. {o}"
    return p + (CHOICE if t.get("options") else OPEN)


def sample(t, human, gpt):
    return {"id": t["id"], "image": t["image"], "conversations": [
        {"from": "human", "value": "<image>\n" + human}, {"from": "gpt", "value": gpt}]}


def cmd_facts(*args):
    *worlds, out, seed = args
    rng = random.Random(int(seed))
    seen, data = set(), []
    for t in tasks(worlds):
        if t["image"] in seen: continue
        seen.add(t["image"])
        fs = facts(t)
        rng.shuffle(fs)
        data.append(sample(t, PROMPT, " ".join(fs)))
    rng.shuffle(data)
    json.dump(data, open(out, "w"))
    print(len(data), "fact lists; e.g.", *(d["conversations"][1]["value"][:100] for d in data[:3]), sep="\n  ")


def cmd_mc(*args):
    *worlds, out = args
    os.makedirs(out, exist_ok=True)
    sets = {"letter": [], "fact": []}
    for t in tasks(worlds):
        for style in sets: sets[style].append(sample(t, prompt(t), reply(t, style)))
    for k, v in sets.items():
        random.Random(1).shuffle(v)
        json.dump(v, open(os.path.join(out, k + ".json"), "w"))
        print(k, len(v), "e.g.", *(d["conversations"][1]["value"] for d in v[:4]), sep="\n  ")


def cmd_merge(out, *worlds):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tasks.jsonl"), "w") as f:
        for t in tasks(worlds): f.write(json.dumps(t) + "\n")
    json.dump({"merged": list(worlds)}, open(os.path.join(out, "world.json"), "w"))


if __name__ == "__main__":
    {"facts": cmd_facts, "mc": cmd_mc, "merge": cmd_merge}[sys.argv[1]](*sys.argv[2:])
