#!/usr/bin/env python3
"""Image fact lists: dense in-context lookups from the image (docs/vision.md, 2026-12-07 image facts).
Usage:
  facts.py train WORLD OUT.json [SEED]   one example per scene: "<image>\\nList facts about the objects." ->
                                         every fact about every object, shuffled (each fact is a lookup: a
                                         shape, a colour or a colour+shape in the image -> another attribute)
  facts.py probe WORLD MODEL N [--other] greedy continuation of a prefilled reply "The circle is" etc.
                                         (`insightv generate --reply-prefix`), scored by kind; --other gives
                                         each scene another scene's image (the no-image control)
"""
import json, os, random, subprocess, sys, collections

PROMPT = "List facts about the objects."


def tasks(world):
    return [json.loads(l) for l in open(os.path.join(world, "tasks.jsonl"))]


def cues(objs):
    """(kind, reply prefix, answer) for each lookup whose key is unique in the scene."""
    shapes = [o["shape"] for o in objs]
    out = []
    for o in objs:
        if shapes.count(o["shape"]) == 1: out.append(("color", f"The {o['shape']} is", o["color"]))
        out.append(("shape", f"The {o['color']} object is a", o["shape"]))
        out.append(("region", f"The {o['color']} {o['shape']} is at", o["region"]))
    return out


def train(world, out, seed="0"):
    rng = random.Random(int(seed))
    seen, data = set(), []
    for t in tasks(world):
        if t["image"] in seen: continue
        seen.add(t["image"])
        facts = [f"{p} {a}." for _, p, a in cues(t["scene"]["objects"])]
        rng.shuffle(facts)
        data.append({"id": t["id"], "image": os.path.abspath(os.path.join(world, t["image"])),
                     "conversations": [{"from": "human", "value": "<image>\n" + PROMPT},
                                       {"from": "gpt", "value": " ".join(facts)}]})
    json.dump(data, open(out, "w"))
    print(len(data), "examples;", data[0]["conversations"][1]["value"])


def probe(world, model, n, *flags):
    other = "--other" in flags
    binary = os.environ.get("INSIGHTV", "build/insightv")
    rng = random.Random(999)
    ts = [t for t in tasks(world) if len(t["scene"]["objects"]) >= 2]
    rng.shuffle(ts)
    res = collections.defaultdict(lambda: [0, 0])
    for i, t in enumerate(ts[:int(n)]):
        kind, prefix, ans = rng.choice(cues(t["scene"]["objects"]))
        img = ts[(i + 1) % len(ts)]["image"] if other else t["image"]
        r = subprocess.run([binary, "generate", "--model", model, "--image", os.path.join(world, img),
                            "--prompt", PROMPT, "--reply-prefix", prefix, "--max-tokens", "6", "--json"],
                           capture_output=True, text=True, check=True)
        got = json.loads(r.stdout)["texts"][0].strip().split(".")[0].strip()
        for k in (kind, "all", f"n{len(t['scene']['objects'])}"):
            res[k][0] += got == ans; res[k][1] += 1
    print(model, "other-image" if other else "own-image",
          " ".join(f"{k} {c}/{m}" for k, (c, m) in sorted(res.items())))


if __name__ == "__main__":
    {"train": train, "probe": probe}[sys.argv[1]](*sys.argv[2:])
