#!/usr/bin/env python3
"""Count facts with the subject first: "There are 2 red shapes." -> "The number of red shapes is 2."
Every other fact sentence of the fact lists names its subject before its value ("Bar C is 28.",
"Row 1, column 2 is 7.", "The red object is a square."); the count sentence alone puts the value
first, so in a shuffled fact list the number is written before the model has said which count it
is giving. Hypothesis (docs/vision.md, sixth session): that is why counts are never stated although
the tower carries them at 99 %. Rewrites the replies of a LLaVA JSON set (fact lists, answers).
Usage: subject_first.py IN.json OUT.json
"""
import json, re, sys

COUNT = re.compile(r"There (?:is|are) (\d+) ([a-z ]+?)\.")


def plural(noun):
    return noun if noun.endswith("s") else noun + "s"


def rewrite(text):
    return COUNT.sub(lambda m: f"The number of {plural(m.group(2))} is {m.group(1)}.", text)


def main(src, dst):
    data = json.load(open(src))
    changed = 0
    for d in data:
        for c in d["conversations"]:
            if c["from"] == "gpt":
                new = rewrite(c["value"])
                changed += new != c["value"]
                c["value"] = new
    json.dump(data, open(dst, "w"))
    print(f"{dst}: {changed} replies rewritten of {len(data)} samples; e.g.",
          next(c["value"] for d in data for c in d["conversations"] if "The number of" in c["value"])[:120])


if __name__ == "__main__":
    main(*sys.argv[1:])
