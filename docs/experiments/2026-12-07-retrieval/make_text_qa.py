#!/usr/bin/env python3
# Usage: make_text_qa.py N SEED OUT.json — question-answer conversations about text scenes (4 turns, half multiple choice).
import json,random,sys
rng=random.Random(int(sys.argv[2]) if len(sys.argv)>2 else 11)
N=int(sys.argv[1])
COLS=['red','green','blue','yellow','purple','cyan']; SH=['circle','square','triangle']
REG=["top-left","top","top-right","left","center","right","bottom-left","bottom","bottom-right"]
FREE="\nAnswer the question using a single word or phrase."; MC="\nAnswer with the option letter from the given choices directly."
def mc(q,ans,pool):
    opts=[ans]+rng.sample([p for p in pool if p!=ans],3); rng.shuffle(opts)
    L='ABCD'[opts.index(ans)]
    return q+''.join(f"\n{'ABCD'[i]}. {o}" for i,o in enumerate(opts))+MC, L
out=[]
for i in range(N):
    n=rng.randint(1,5); cells=rng.sample(range(9),n); cols=rng.sample(COLS,n)
    objs=[dict(color=cols[k],shape=rng.choice(SH),region=REG[cells[k]],row=cells[k]//3) for k in range(n)]
    order=objs[:]; rng.shuffle(order)
    scene="Scene: "+"; ".join(f"{o['color']} {o['shape']} at {o['region']}" for o in order)+"."
    qa=[]
    shapes=[o['shape'] for o in objs]
    for o in objs:
        kind=rng.random()
        if shapes.count(o['shape'])==1 and kind<0.33: q,a,pool=f"What colour is the {o['shape']}?",o['color'],COLS
        elif kind<0.66: q,a,pool=f"What shape is the {o['color']} object?",o['shape'],SH+['star','pentagon','hexagon']
        else: q,a,pool=f"Where in the image is the {o['color']} {o['shape']}?",o['region'],REG
        if rng.random()<0.5: q,a=mc(q,a,pool)
        else: q=q+FREE
        qa.append((q,a))
    # a pure option lookup: which letter holds a given word or number
    for _ in range(1):
        if rng.random()<0.5:
            pool=[str(x) for x in range(0,40)]
        else:
            pool=COLS+SH+REG
        ans=rng.choice(pool)
        q,a=mc(f"The answer is {ans}. Which option is it?",ans,pool)
        qa.append((q,a))
    rng.shuffle(qa); qa=qa[:4]
    conv=[]
    for k,(q,a) in enumerate(qa):
        conv.append({'from':'human','value':(scene+"\n" if k==0 else '')+q}); conv.append({'from':'gpt','value':a})
    out.append({'id':f'textpre-{i:06d}','conversations':conv})
json.dump(out,open(sys.argv[3],'w'))
print(len(out)); print(json.dumps(out[0])[:900])
