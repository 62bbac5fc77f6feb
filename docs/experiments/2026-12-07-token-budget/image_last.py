#!/usr/bin/env python3
"""image_last.py IN.json OUT.json — a LLaVA JSON with the image after the question: a human turn
"<image>\\nQUESTION" becomes "QUESTION\\n<image>" (LLaVA's own data has both orders). In a causal
decoder the image tokens then follow the question, so each image token can attend to it."""
import json, sys
data = json.load(open(sys.argv[1]))
moved = 0
for s in data:
    for turn in s['conversations']:
        v = turn['value']
        if turn['from'] == 'human' and v.startswith('<image>\n'):
            turn['value'] = v[len('<image>\n'):] + '\n<image>'
            moved += 1
json.dump(data, open(sys.argv[2], 'w'), ensure_ascii=False)
print(f'{sys.argv[2]}: {len(data)} samples, image moved after the question in {moved}')
