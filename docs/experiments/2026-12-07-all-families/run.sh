#!/usr/bin/env bash
# The 2026-12-07 "every family" experiments of docs/vision.md: fact lists read off the scene graphs
# of all seven families (1,200 steps from the 32 px / 2,000-step tower), then 600 steps of the
# benchmark's own questions over all families, answered by letter or by the single-hop fact and
# "The answer is X."; scored by `insightv eval --system direct` on 50 test tasks per family, and on
# the same tasks with each item given the next item's image. Seeds 0 and 1; a seed-0 control without
# the fact lists. Run from the repository root after the build; results under $OUT (default runs/x6).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x6}; D=docs/experiments/2026-12-07-all-families
O=docs/experiments/2026-12-07-option-text
export INSIGHTV=$B
FAMILIES="perception shapes bar_chart clock digit_table maze geometry"
mkdir -p $OUT
swapped() {  # a copy of a test folder whose tasks each carry the next task's image
  mkdir -p "$2"; cp "$1/world.json" "$2/"
  python3 -c "import json,sys
ts=[json.loads(l) for l in open(sys.argv[1])]
open(sys.argv[2],'w').writelines(json.dumps(dict(t,image=ts[(i+1)%len(ts)]['image']))+'\n' for i,t in enumerate(ts))" \
    "$1/tasks.jsonl" "$2/tasks.jsonl"
}
for seed in ${SEEDS:-0 1}; do
  S=$OUT/s$seed
  [ -d $S/tower/vision ] || $B pipeline --preset nano --seed $seed --set patch_size=32 --set vision_steps=2000 \
    --out $S/tower --stop-after vision
  train=(); test=()
  for f in $FAMILIES; do
    [ -d $S/train_$f ] || $B world --family $f --split train --n 2000 --seed $((11 + seed)) --out $S/train_$f
    [ -d $S/test_$f ] || $B world --family $f --split test --n 50 --seed $seed --out $S/test_$f
    train+=($S/train_$f); test+=($S/test_$f)
  done
  python3 $D/sets.py merge $S/test "${test[@]}"
  swapped $S/test $S/test_swap
  python3 $D/sets.py facts "${train[@]}" $S/facts.json $((3 + seed))
  python3 $D/sets.py mc "${train[@]}" $S/mc
  [ -f $S/facts/model.safetensors ] || $B train sft --data $S/facts.json --init $S/tower/vision --out $S/facts \
    --steps 1200 --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed
  for style in letter fact; do
    M=$S/mc_$style
    [ -f $M/model.safetensors ] || $B train sft --data $S/mc/$style.json --init $S/facts --out $M --steps 600 \
      --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed
    $B eval --system direct --model $M --benchmark $S/test --out $M/eval --no-progress
    $B eval --system direct --model $M --benchmark $S/test_swap --out $M/eval_swap --no-progress
  done
done
# Seed-0 control: the fact-style answers for 600 steps straight from the tower (no fact lists).
S=$OUT/s0; M=$S/mc_fact_nofacts
[ -f $M/model.safetensors ] || $B train sft --data $S/mc/fact.json --init $S/tower/vision --out $M --steps 600 \
  --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed 0
$B eval --system direct --model $M --benchmark $S/test --out $M/eval --no-progress
# The same models on 200 more test tasks per family (other test seeds), own and swapped images.
for seed in ${SEEDS:-0 1}; do
  S=$OUT/s$seed; big=()
  for f in $FAMILIES; do
    [ -d $S/big_$f ] || $B world --family $f --split test --n 200 --seed $((20 + seed)) --out $S/big_$f
    big+=($S/big_$f)
  done
  python3 $D/sets.py merge $S/big "${big[@]}"
  swapped $S/big $S/big_swap
  for M in $S/mc_letter $S/mc_fact $( [ $seed = 0 ] && echo $S/mc_fact_nofacts ); do
    $B eval --system direct --model $M --benchmark $S/big --out $M/big --no-progress
    $B eval --system direct --model $M --benchmark $S/big_swap --out $M/big_swap --no-progress
    python3 $D/score.py $S/big $M/big $M/big_swap
  done
done
