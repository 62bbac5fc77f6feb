#!/usr/bin/env python3
"""Data sets of the 2026-12-07 perception / retrieval experiments (docs/vision.md), made from
`insightv world` folders. Usage (see run.sh):
  sets.py train  WORLD_TRAIN OUT   free.json, single.json, echo.json, textscene.json from perception train tasks
  sets.py test   WORLD_TEST  OUT   free-form test folders: OUT/free (the task's question, the answer word),
                                   OUT/text (the scene written before the question), OUT/single (one-object
                                   scenes asked "What shape/colour is the object?")
  sets.py score  TASKS RESPONSES   accuracy by question kind and difficulty (echo answers: the words after "is")
"""
import json, os, random, re, sys

FREE = "\nAnswer the question using a single word or phrase."


def tasks(folder):
    return [json.loads(l) for l in open(os.path.join(folder, "tasks.jsonl"))]


def scene_text(t, rng):
    objs = list(t["scene"]["objects"]); rng.shuffle(objs)
    return "Scene: " + "; ".join(f"{o['color']} {o['shape']} at {o['region']}" for o in objs) + "."


def echo(q, a):
    if m := re.search(r"What colour is the (\w+)\?", q): return f"The {m.group(1)} is {a}."
    if m := re.search(r"What shape is the (\w+) object\?", q): return f"The {m.group(1)} object is a {a}."
    if m := re.search(r"Where in the image is the (\w+ \w+)\?", q): return f"The {m.group(1)} is at {a}."
    side = re.search(r"closest to the (\w+)", q).group(1)
    return f"Closest to the {side} is {a}."


def train(world, out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(3)
    sets = {"free": [], "single": [], "echo": [], "textscene": []}
    for t in tasks(world):
        if t["family"] != "perception": continue
        img = os.path.abspath(os.path.join(world, t["image"]))
        a = t["answer_value"]
        def ex(i, q, ans): return {"id": i, "image": img, "conversations": [
            {"from": "human", "value": "<image>\n" + q + FREE}, {"from": "gpt", "value": ans}]}
        sets["free"].append(ex(t["id"], t["question"], a))
        sets["echo"].append(ex(t["id"], t["question"], echo(t["question"], a)))
        sets["textscene"].append(ex(t["id"], scene_text(t, rng) + "\n" + t["question"], a))
        objs = t["scene"]["objects"]
        if len(objs) == 1:
            sets["single"].append(ex(t["id"] + "shap", "What shape is the object?", objs[0]["shape"]))
            sets["single"].append(ex(t["id"] + "col", "What colour is the object?", objs[0]["color"]))
    for k, v in sets.items():
        json.dump(v, open(os.path.join(out, k + ".json"), "w"))
        print(k, len(v))


def test(world, out):
    rng = random.Random(3)
    folders = {k: [] for k in ("free", "text", "single")}
    for t in tasks(world):
        if t["family"] != "perception": continue
        u = dict(t, options=[], answer=t["answer_value"], answer_type="text")
        folders["free"].append(u)
        folders["text"].append(dict(u, question=scene_text(t, rng) + "\n" + t["question"]))
        objs = t["scene"]["objects"]
        if len(objs) == 1:
            for k, q, a in (("s", "What shape is the object?", objs[0]["shape"]),
                            ("c", "What colour is the object?", objs[0]["color"])):
                folders["single"].append(dict(u, id=t["id"] + k, question=q, answer=a, answer_value=a,
                                              query={"kind": "shape_of" if k == "s" else "color_of"}))
    for k, v in folders.items():
        d = os.path.join(out, k); os.makedirs(d, exist_ok=True)
        link = os.path.join(d, "images")
        if not os.path.exists(link): os.symlink(os.path.abspath(os.path.join(world, "images")), link)
        with open(os.path.join(d, "tasks.jsonl"), "w") as f:
            for u in v: f.write(json.dumps(u) + "\n")
        print(k, len(v))


def score(tasks_folder, responses):
    gold = {t["id"]: t for t in tasks(tasks_folder)}
    by = {}
    for l in open(responses):
        r = json.loads(l); t = gold[r["id"]]
        resp = r["responses"][0].strip().rstrip(".")
        m = re.search(r"(?:is at|is a|is) (.+)$", resp)
        got = re.sub(r"^(the|a|an) ", "", m.group(1) if m else resp)
        ok = got == re.sub(r"^the ", "", t["answer"])
        for k in ("all", t["query"]["kind"], f"d{t['difficulty']}"):
            by.setdefault(k, [0, 0]); by[k][0] += ok; by[k][1] += 1
    print(" ".join(f"{k} {c}/{n}" for k, (c, n) in sorted(by.items())))


if __name__ == "__main__":
    {"train": train, "test": test, "score": score}[sys.argv[1]](*sys.argv[2:])
