#!/usr/bin/env python3
# Greedy next words after a prefix in the LM-pretraining format: is in-context retrieval learnt?
import json,random,subprocess,sys,collections
# Usage: eval_lm_next_word.py MODEL [N] (INSIGHTV: the binary, default build/insightv)
import os
model=sys.argv[1]; N=int(sys.argv[2]) if len(sys.argv)>2 else 60
BIN=os.environ.get('INSIGHTV','build/insightv')
SYS=("You are a helpful language and vision assistant. You are able to understand the visual content that the user "
     "provides, and assist the user with a variety of tasks using natural language.")
rng=random.Random(999)
COLS=['red','green','blue','yellow','purple','cyan']; SH=['circle','square','triangle']
REG=["top-left","top","top-right","left","center","right","bottom-left","bottom","bottom-right"]
res=collections.defaultdict(lambda:[0,0])
for i in range(N):
    n=rng.randint(3,5); cells=rng.sample(range(9),n); cols=rng.sample(COLS,n)
    objs=[dict(color=cols[k],shape=rng.choice(SH),region=REG[cells[k]]) for k in range(n)]
    scene="Scene: "+"; ".join(f"{o['color']} {o['shape']} at {o['region']}" for o in objs)+"."
    o=rng.choice(objs); shapes=[x['shape'] for x in objs]
    kind=rng.choice(['color','shape','region','letter'])
    if kind=='color' and shapes.count(o['shape'])!=1: kind='shape'
    if kind=='color': pre,ans=f"The {o['shape']} is",o['color']
    elif kind=='shape': pre,ans=f"The {o['color']} object is a",o['shape']
    elif kind=='region': pre,ans=f"The {o['color']} {o['shape']} is at",o['region']
    else:
        pool=rng.choice([COLS,REG,[str(x) for x in range(40)]]); a=rng.choice(pool); opts=[a]+rng.sample([p for p in pool if p!=a],3); rng.shuffle(opts)
        pre,ans=("Options: "+" ".join(f"{'ABCD'[k]}. {x}" for k,x in enumerate(opts))+f". {a} is option"),'ABCD'[opts.index(a)]
    p=("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"+SYS+"<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nRead the scene.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"+scene+" "+pre)
    out=subprocess.run([BIN,'generate','--model',model,'--raw','--prompt',p,'--max-tokens','4','--json'],capture_output=True,text=True).stdout
    got=json.loads(out)['texts'][0].strip().split('.')[0].strip()
    res[kind][0]+= got==ans; res[kind][1]+=1
print(model,{k:'%d/%d'%tuple(v) for k,v in res.items()}, 'all %d/%d'%(sum(v[0] for v in res.values()),N))
