#!/usr/bin/env python3
# Usage: make_lm_sequences.py N SEED OUT.json
# Plain-text LM sequences of in-context retrieval: a scene, then every fact about it, then option lookups.
import json,random,sys
rng=random.Random(int(sys.argv[2]))
N=int(sys.argv[1])
COLS=['red','green','blue','yellow','purple','cyan']; SH=['circle','square','triangle']
REG=["top-left","top","top-right","left","center","right","bottom-left","bottom","bottom-right"]
out=[]
for i in range(N):
    n=rng.randint(2,5); cells=rng.sample(range(9),n); cols=rng.sample(COLS,n)
    objs=[dict(color=cols[k],shape=rng.choice(SH),region=REG[cells[k]]) for k in range(n)]
    order=objs[:]; rng.shuffle(order)
    scene="Scene: "+"; ".join(f"{o['color']} {o['shape']} at {o['region']}" for o in order)+"."
    shapes=[o['shape'] for o in objs]
    facts=[]
    for o in objs:
        if shapes.count(o['shape'])==1: facts.append(f"The {o['shape']} is {o['color']}.")
        facts.append(f"The {o['color']} object is a {o['shape']}.")
        facts.append(f"The {o['color']} {o['shape']} is at {o['region']}.")
    for _ in range(3):
        pool=rng.choice([COLS,SH+['star','pentagon'],REG,[str(x) for x in range(40)]])
        ans=rng.choice(pool); opts=[ans]+rng.sample([p for p in pool if p!=ans],3); rng.shuffle(opts)
        facts.append("Options: "+" ".join(f"{'ABCD'[k]}. {o}" for k,o in enumerate(opts))+f". {ans} is option {'ABCD'[opts.index(ans)]}.")
    rng.shuffle(facts)
    out.append({'id':f'lmpre-{i:06d}','conversations':[{'from':'human','value':'Read the scene.'},{'from':'gpt','value':scene+" "+" ".join(facts)}]})
json.dump(out,open(sys.argv[3],'w'))
print(len(out), out[0]['conversations'][1]['value'])
