#!/usr/bin/env python3
"""Prints heldout.variance_share of a vision.json (train vision): per whole-image fact, the share of an
image token's variance it holds (token: every token alone; mean: the mean of an image's tokens;
own: the token scene_from slot_token trains the slot on), each with its chance level and the excess."""
import json, sys
j = json.load(open(sys.argv[1]))['heldout']
v = j['variance_share']
rows = [('clock hour', v['clock']['hour']), ('clock minute', v['clock']['minute'])] + sorted(v['scene'].items())
print(sys.argv[1])
for name, s in rows:
    line = f"  {name:13s}"
    for k in ('token', 'mean', 'own_token'):
        if k in s:
            line += f"  {k} {s[k]:.3f} - {s[k + '_chance']:.3f} = {s[k] - s[k + '_chance']:.3f}"
    print(line)
if 'scene' in j:
    print('  slot accuracy: ' + ', '.join(f"{f} {t['accuracy']:.3f}" for f, t in sorted(j['scene'].items())))
