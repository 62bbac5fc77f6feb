#!/usr/bin/env bash
# The 2026-12-07 answer-style experiments of docs/vision.md ("The letter hop"): after the fact-list
# stage, 300 steps of multiple-choice perception questions answered by the letter, by the option's
# text or by the answer sentence; scored by `insightv eval` (the grader) on 200 test tasks, and on the
# same tasks with each item given another item's image. Seeds 0 and 1. Run from the repository root
# after scripts/build.sh; results under $OUT (default runs/x5).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x5}; F=docs/experiments/2026-12-07-image-facts
D=docs/experiments/2026-12-07-option-text
export INSIGHTV=$B
mkdir -p $OUT
swapped() {  # a copy of a test folder whose tasks each carry the next task's image
  mkdir -p "$2"; ln -sfn "$(realpath "$1")/images" "$2/images"; cp "$1/world.json" "$2/"
  python3 -c "import json,sys
ts=[json.loads(l) for l in open(sys.argv[1])]
open(sys.argv[2],'w').writelines(json.dumps(dict(t,image=ts[(i+1)%len(ts)]['image']))+'\n' for i,t in enumerate(ts))" \
    "$1/tasks.jsonl" "$2/tasks.jsonl"
}
for seed in 0 1; do
  $B pipeline --preset nano --seed $seed --set patch_size=32 --set vision_steps=2000 --out $OUT/p32s$seed --stop-after vision
  $B world --family perception --split train --n 8000 --seed $((11 + seed)) --out $OUT/ptrain$seed
  $B world --family perception --split test --n 200 --seed $seed --out $OUT/ptest$seed
  swapped $OUT/ptest$seed $OUT/ptest${seed}_swap
  python3 $F/facts.py train $OUT/ptrain$seed $OUT/facts$seed.json $((3 + seed))
  python3 $D/mc.py $OUT/ptrain$seed $OUT/mc$seed
  $B train sft --data $OUT/facts$seed.json --init $OUT/p32s$seed/vision --out $OUT/facts$seed --steps 1200 \
    --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed
  for style in letter text echo; do
    M=$OUT/mc${seed}_$style
    $B train sft --data $OUT/mc$seed/$style.json --init $OUT/facts$seed --out $M --steps 300 --batch 16 --lr 1e-3 \
      --bf16 --loss-norm example --seed $seed
    $B eval --system direct --model $M --benchmark $OUT/ptest$seed --out $M/eval --no-progress
    $B eval --system direct --model $M --benchmark $OUT/ptest${seed}_swap --out $M/eval_swap --no-progress
  done
  python3 $D/bykind.py $OUT/ptest$seed $OUT/mc${seed}_{letter,text,echo}/eval $OUT/mc${seed}_{letter,text,echo}/eval_swap
done
# Seed 0 control: the sentence answers for 300 steps straight from the tower (no fact lists).
$B train sft --data $OUT/mc0/echo.json --init $OUT/p32s0/vision --out $OUT/mc0_echo_nofacts --steps 300 --batch 16 \
  --lr 1e-3 --bf16 --loss-norm example --seed 0
$B eval --system direct --model $OUT/mc0_echo_nofacts --benchmark $OUT/ptest0 --out $OUT/mc0_echo_nofacts/eval --no-progress
# The whole nano pipeline with the facts stage and sentence answers.
$B pipeline --preset nano --out $OUT/nano_facts_sentence --set patch_size=32 --set vision_steps=2000 \
  --set ground_format=facts --set ground_images=8000 --set ground_single_steps=0 --set ground_steps=1200 \
  --set answer_style=sentence
