#!/usr/bin/env bash
# The 2026-12-07 scene-slot experiment of docs/vision.md: the vision stage with a whole-image head
# for each family's single-hop facts (vision_scene_weight), then the all-family experiment's recipe
# (fact lists 1,200 steps, fact-style answers 600 steps) on the same data sets, scored on the same
# 1,400 test tasks with their own and another task's image. Needs the data of
# docs/experiments/2026-12-07-all-families/run.sh under $BASE (default runs/x6). Run from the
# repository root after the build; results under $OUT (default runs/x7). SEEDS="0 1" for both seeds;
# WIDE=1 adds the wider-tower probe (vision stage only); LONG=1 the 6,000-step tower and its decoder run.
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x7}; BASE=${BASE:-runs/x6}; W=${WEIGHT:-1}
D=docs/experiments/2026-12-07-all-families
for seed in ${SEEDS:-0}; do
  S=$OUT/s$seed; X=$BASE/s$seed
  mkdir -p $S
  [ -d $S/tower/vision ] || $B pipeline --preset nano --seed $seed --set vision_scene_weight=$W \
    --out $S/tower --stop-after vision
  [ -f $S/facts/model.safetensors ] || $B train sft --data $X/facts.json --init $S/tower/vision --out $S/facts \
    --steps 1200 --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed
  M=$S/mc_fact
  [ -f $M/model.safetensors ] || $B train sft --data $X/mc/fact.json --init $S/facts --out $M --steps 600 \
    --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed
  $B eval --system direct --model $M --benchmark $X/big --out $M/big --no-progress
  $B eval --system direct --model $M --benchmark $X/big_swap --out $M/big_swap --no-progress
  python3 $D/score.py $X/big $M/big $M/big_swap
done
# The wider-tower probe (vision stage only; its held-out report is $OUT/wide/vision/vision.json):
[ -n "${WIDE:-}" ] && $B pipeline --preset nano --seed 0 --set vision_scene_weight=$W --set vision_hidden_size=384 \
  --set vision_intermediate_size=1536 --set vision_heads=6 --out $OUT/wide --stop-after vision
true
# The 6,000-step tower (seed 1, scene slots on), then the same decoder recipe on seed 1's sets:
if [ -n "${LONG:-}" ]; then
  S=$OUT/long; X=$BASE/s1
  [ -d $S/vision ] || $B pipeline --preset nano --seed 1 --set vision_scene_weight=1 --set vision_steps=6000 \
    --out $S --stop-after vision
  [ -f $S/facts/model.safetensors ] || $B train sft --data $X/facts.json --init $S/vision --out $S/facts \
    --steps 1200 --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed 1
  [ -f $S/mc_fact/model.safetensors ] || $B train sft --data $X/mc/fact.json --init $S/facts --out $S/mc_fact \
    --steps 600 --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed 1
  $B eval --system direct --model $S/mc_fact --benchmark $X/big --out $S/mc_fact/big --no-progress
  $B eval --system direct --model $S/mc_fact --benchmark $X/big_swap --out $S/mc_fact/big_swap --no-progress
  python3 $D/score.py $X/big $S/mc_fact/big $S/mc_fact/big_swap
fi
