#!/usr/bin/env python3
"""one_count.py KIND TRAIN_DIR TEST_DIR OUT_DIR — one count per image, the clock's situation for counts.
KIND total: "How many shapes are there?" → "There are N shapes."; KIND large: "How many large shapes are
there?" → "There are N large shapes." (a count the scene slots train); KIND any: the shapes family's own
count questions, one per scene, its subject drawn (seeded by the task id) among the colours, shapes and
sizes present in the scene — the selection the fact lists ask for, one fact at a time; KIND first: the
same questions answered subject first ("Red shapes: 3."); KIND text: the same questions with no image,
the scene given as its list of objects in the prompt ("Objects: large red circle; small blue square; ...") —
what the decoder learns in the same steps when every attribute is a token. Writes OUT_DIR/train.json,
test.json and test_swap.json (each test question with the next test image) from the scene graphs of
shapes tasks (`insightv world --family shapes`), in the benchmark's open-question wording.
score: one_count.py score TEST.json RESPONSES.jsonl — accuracy of the stated count, per attribute of the
asked subject, and how many answers name the asked subject."""
import json, os, random, re, sys

def subject(task, kind):
    """(attribute, value) counted: None for all shapes."""
    if kind == 'total':
        return None
    if kind == 'large':
        return ('size', 'large')
    kind = 'any' if kind in ('first', 'text') else kind
    pairs = sorted({(k, o[k]) for o in task['scene']['objects'] for k in ('color', 'shape', 'size')})
    return random.Random(task['id']).choice(pairs)

def count(task, kind):
    s = subject(task, kind)
    return sum(s is None or o[s[0]] == s[1] for o in task['scene']['objects'])

def sample(task, kind, image, root, shown=None):
    """shown: the task whose scene the prompt lists (kind text; default the task's own)."""
    n, s = count(task, kind), subject(task, kind)
    if s is not None and s[0] == 'shape':  # "How many squares ...?" → "There is 1 square."
        q_noun, a_noun = s[1] + 's', s[1] if n == 1 else s[1] + 's'
    else:                                  # "How many (cyan) shapes ...?" → "There is 1 (cyan) shape."
        what = '' if s is None else s[1] + ' '
        q_noun, a_noun = what + 'shapes', what + ('shape' if n == 1 else 'shapes')
    q = f"How many {q_noun} are there?\nAnswer the question using a single word or phrase."
    a = f"There {'is' if n == 1 else 'are'} {n} {a_noun}."
    if kind == 'first':  # the subject before the count: "Red shapes: 3." (the count's token follows the subject's)
        a = f"{q_noun[0].upper() + q_noun[1:]}: {n}."
    if kind == 'text':  # no image: the scene as a list of its objects, the decoder's part alone
        objects = '; '.join(f"{o['size']} {o['color']} {o['shape']}" for o in (shown or task)['scene']['objects'])
        return {'id': task['id'], 'conversations': [{'from': 'human', 'value': f"Objects: {objects}.\n{q}"},
                                                   {'from': 'gpt', 'value': a}]}
    return {'id': task['id'], 'image': os.path.abspath(os.path.join(root, image)),
            'conversations': [{'from': 'human', 'value': '<image>\n' + q}, {'from': 'gpt', 'value': a}]}

SHAPES = ('circle', 'square', 'triangle', 'star', 'pentagon', 'hexagon')

def tasks(d):
    return [json.loads(l) for l in open(os.path.join(d, 'tasks.jsonl'))]

if sys.argv[1] == 'score':
    gold = {s['id']: s for s in json.load(open(sys.argv[2]))}
    right = n = named = 0
    per = {}  # attribute of the asked subject -> [right, n]
    for l in open(sys.argv[3]):
        r = json.loads(l)
        g = gold[r['id']]['conversations']
        count = re.search(r'\d+', g[1]['value']).group()
        m = re.search(r'\d+', r['answer'])
        ok = bool(m and m.group() == count)
        right += ok
        n += 1
        asked = re.search(r'How many (.+?) are there', g[0]['value']).group(1)  # "red shapes", "circles"
        word = asked.split()[0].rstrip('s') if asked != 'shapes' else 'shape'
        named += word.lower() in r['answer'].lower()
        attr = ('total' if asked == 'shapes' else 'shape' if asked.rstrip('s') in SHAPES else
                'size' if asked.split()[0] in ('large', 'small') else 'colour')
        p = per.setdefault(attr, [0, 0])
        p[0] += ok
        p[1] += 1
    parts = ', '.join(f"{a} {r}/{k}" for a, (r, k) in sorted(per.items()))
    print(f"{sys.argv[3]}: {right}/{n} = {100 * right / n:.1f} % ({parts}); names the asked subject {named}/{n}")
    sys.exit()
kind, train_dir, test_dir, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
json.dump([sample(t, kind, t['image'], train_dir) for t in tasks(train_dir)], open(f'{out}/train.json', 'w'))
test = tasks(test_dir)
json.dump([sample(t, kind, t['image'], test_dir) for t in test], open(f'{out}/test.json', 'w'))
json.dump([sample(t, kind, test[(i + 1) % len(test)]['image'], test_dir, test[(i + 1) % len(test)])
           for i, t in enumerate(test)],
          open(f'{out}/test_swap.json', 'w'))
# The prior to beat: always the most frequent training count.
from collections import Counter
c = Counter(count(t, kind) for t in tasks(train_dir))
top, k = c.most_common(1)[0]
print(f"{out}: {sum(c.values())} train, {len(test)} test; counts {dict(sorted(c.items()))}; "
      f"most frequent {top} on test: {sum(count(t, kind) == top for t in test)}/{len(test)}")
