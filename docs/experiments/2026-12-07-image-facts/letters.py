#!/usr/bin/env python3
"""The option-letter hop as dense facts (docs/vision.md, 2026-12-07): can the decoder learn to find the
option that holds a word and give its letter, when every sample trains several such lookups?
Usage:
  letters.py train FACTS.json N SEED OUT.json  FACTS.json (facts.py train) plus N text-only samples
                                               "Options: A. red B. cyan C. blue D. green. cyan is B. ..."
  letters.py probe MODEL N                     greedy letter after "Options: ... <word> is", by pool
"""
import json, os, random, subprocess, sys, collections

PROMPT = "Match the options."
POOLS = {"colour": ["red", "green", "blue", "yellow", "purple", "cyan"],
         "shape": ["circle", "square", "triangle", "star", "pentagon", "hexagon"],
         "region": ["top-left", "top", "top-right", "left", "center", "right", "bottom-left", "bottom", "bottom-right"],
         "number": [str(x) for x in range(40)]}


def options(rng):
    pool = POOLS[rng.choice(list(POOLS))]
    opts = rng.sample(pool, 4)
    return opts, "Options: " + " ".join(f"{'ABCD'[k]}. {o}" for k, o in enumerate(opts)) + "."


def train(facts, n, seed, out):
    rng = random.Random(int(seed))
    data = json.load(open(facts))
    for i in range(int(n)):
        opts, head = options(rng)
        order = list(range(4)); rng.shuffle(order)
        body = " ".join(f"{opts[k]} is {'ABCD'[k]}." for k in order)
        data.append({"id": f"letters-{i}", "conversations": [{"from": "human", "value": PROMPT},
                                                             {"from": "gpt", "value": head + " " + body}]})
    rng.shuffle(data)
    json.dump(data, open(out, "w"))
    print(len(data), "examples")


def probe(model, n):
    binary = os.environ.get("INSIGHTV", "build/insightv")
    rng = random.Random(4242)
    res = collections.defaultdict(lambda: [0, 0])
    for _ in range(int(n)):
        pool = rng.choice(list(POOLS))
        opts = rng.sample(POOLS[pool], 4)
        head = "Options: " + " ".join(f"{'ABCD'[k]}. {o}" for k, o in enumerate(opts)) + "."
        k = rng.randrange(4)
        r = subprocess.run([binary, "generate", "--model", model, "--prompt", PROMPT, "--reply-prefix",
                            f"{head} {opts[k]} is", "--max-tokens", "3", "--json"],
                           capture_output=True, text=True, check=True)
        got = json.loads(r.stdout)["texts"][0].strip().split(".")[0].strip()
        for key in (pool, "all"):
            res[key][0] += got == "ABCD"[k]; res[key][1] += 1
    print(model, " ".join(f"{k} {c}/{m}" for k, (c, m) in sorted(res.items())))


if __name__ == "__main__":
    {"train": train, "probe": probe}[sys.argv[1]](*sys.argv[2:])
