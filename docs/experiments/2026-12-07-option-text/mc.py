#!/usr/bin/env python3
"""Multiple-choice perception sets in three answer styles (docs/vision.md, "the letter hop").
The prompt is the benchmark's own (question, options "A. red", the letter instruction); only the
reply differs:
  letter  "B"                                   (what the pipeline trains today)
  text    "square"                              (the option's text; the grader accepts it)
  echo    "The green object is a square."       (the answer as the fact it looks up)
Usage:
  mc.py WORLD_TRAIN OUT_DIR     writes OUT_DIR/{letter,text,echo}.json from the perception tasks
"""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "2026-12-07-retrieval"))
from sets import echo  # the answer sentence: "The green object is a square."

CHOICE = "\nAnswer with the option letter from the given choices directly."
OPEN = "\nAnswer the question using a single word or phrase."


def prompt(t):
    p = t["question"]
    for i, o in enumerate(t["options"]): p += f"\n{chr(65 + i)}. {o}"
    return p + (CHOICE if t["options"] else OPEN)


def main(world, out):
    os.makedirs(out, exist_ok=True)
    sets = {"letter": [], "text": [], "echo": []}
    for line in open(os.path.join(world, "tasks.jsonl")):
        t = json.loads(line)
        if t["family"] != "perception": continue
        img = os.path.abspath(os.path.join(world, t["image"]))
        a = t["answer_value"]
        for style, reply in (("letter", t["answer"]), ("text", a), ("echo", echo(t["question"], a))):
            sets[style].append({"id": t["id"], "image": img, "conversations": [
                {"from": "human", "value": "<image>\n" + prompt(t)}, {"from": "gpt", "value": reply}]})
    for k, v in sets.items():
        json.dump(v, open(os.path.join(out, k + ".json"), "w"))
        print(k, len(v), v[0]["conversations"][1]["value"])


if __name__ == "__main__":
    main(*sys.argv[1:])
