#!/usr/bin/env bash
# The 2026-12-07 token-budget experiment of docs/vision.md (seventh session).
# 1. REPORT=1: how much of an image token's variance each whole-image fact holds, for the towers of
#    earlier sessions ($OLD: long = mean-pooled slots, every_s1 = slots on every token, nano_s1 = the
#    preset's tower): `train vision --steps 0` reads a tower with its saved heads and writes
#    vision.json, whose heldout.variance_share gives per family token / mean / own_token shares and
#    their chance levels (labels shuffled across images).
# 2. SLOT=1: a 6,000-step tower whose scene slots are each trained on one token (vision_scene_from
#    slot_token: slot s from patch feature s mod 16, so a family's facts lie one per image token),
#    its report, then the decoder of docs/experiments/2026-12-07-decoder-reading (fact lists 1,200
#    steps, fact-style answers 600 steps) scored on the same 1,400 test tasks with their own image and
#    with another task's image (the data sets of docs/experiments/2026-12-07-all-families/run.sh under $BASE).
#    QA=1 with SLOT=1: the question lists of decoder-reading (qa.py, ≤ 4 per scene) on that tower too.
# 3. LAST=1: the image after the question (image_last.py: "QUESTION\n<image>" in the fact lists and the
#    answers; `eval --image-last`), so that in the causal decoder every image token can attend to the
#    question, on the every-token tower of decoder-reading ($OLD/every_s1; its image-first run is
#    decoder-reading's EVERY=1).
# 4. ONE=1: one count per image, the clock's situation for counts (one_count.py): 6,000 generated shapes
#    scenes, each asked only "How many shapes are there?" (total) or only "How many large shapes are
#    there?" (large: a count the scene slots train), or one of the family's count questions with its
#    subject drawn among the colours, shapes and sizes present (any: the selection), a decoder trained on that alone (600 steps) on the
#    6,000-step tower with slots on the mean ($OLD/long), scored on 400 test scenes with their own image
#    and with the next scene's image.
# Run from the repository root after the build; seed 1 (SEEDS="1 0" for both).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x8}; BASE=${BASE:-runs/x6}; OLD=${OLD:-runs/x7}
D=docs/experiments/2026-12-07-all-families
decoder() {  # decoder TOWER DIR SEED [FACTS_JSON [ANSWERS_JSON [EVAL FLAGS]]]
  local T=$1 S=$2 seed=$3 X=$BASE/s$3 F=${4:-$BASE/s$3/facts.json} A=${5:-$BASE/s$3/mc/fact.json} E=${6:-}
  [ -f $S/facts/model.safetensors ] || $B train sft --data $F --init $T --out $S/facts \
    --steps 1200 --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed
  [ -f $S/mc_fact/model.safetensors ] || $B train sft --data $A --init $S/facts --out $S/mc_fact \
    --steps 600 --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed
  $B eval --system direct --model $S/mc_fact --benchmark $X/big --out $S/mc_fact/big --no-progress $E
  $B eval --system direct --model $S/mc_fact --benchmark $X/big_swap --out $S/mc_fact/big_swap --no-progress $E
  python3 $D/score.py $X/big $S/mc_fact/big $S/mc_fact/big_swap
}
report() {  # report TOWER OUTDIR [vision flags]
  local T=$1 R=$2; shift 2
  [ -f $R/vision.json ] || $B train vision --init $T --out $R --steps 0 --world-seed 1 --eval-images 1400 "$@" >/dev/null
  python3 docs/experiments/2026-12-07-token-budget/shares.py $R/vision.json
}
if [ -n "${REPORT:-}" ]; then
  report $OLD/long/vision $OUT/report_long --scene-weight 1
  report $OLD/every_s1/vision $OUT/report_every --scene-weight 1 --scene-from every_token
  report $OLD/nano_s1/vision $OUT/report_nano
fi
for seed in ${SEEDS:-1}; do
  if [ -n "${SLOT:-}" ]; then
    S=$OUT/slot_s$seed
    [ -d $S/vision ] || $B pipeline --preset nano --seed $seed --set vision_scene_weight=1 --set vision_steps=6000 \
      --set vision_scene_from=slot_token --out $S --stop-after vision
    report $S/vision $OUT/report_slot_s$seed --scene-weight 1 --scene-from slot_token
    decoder $S/vision $S $seed
    if [ -n "${QA:-}" ]; then decoder $S/vision $OUT/slot_qa_s$seed $seed $OLD/qa_s$seed/qa.json; fi
  fi
  if [ -n "${LAST:-}" ]; then
    L=$OUT/last_s$seed; mkdir -p $L
    [ -f $L/facts.json ] || python3 docs/experiments/2026-12-07-token-budget/image_last.py $BASE/s$seed/facts.json $L/facts.json
    [ -f $L/mc_fact.json ] || python3 docs/experiments/2026-12-07-token-budget/image_last.py $BASE/s$seed/mc/fact.json $L/mc_fact.json
    decoder $OLD/every_s$seed/vision $L $seed $L/facts.json $L/mc_fact.json --image-last
  fi
done
if [ -n "${ONE:-}" ]; then
  # ONE_SEED=0 repeats it at the other seed: the seed-0 tower ($OLD/long0), other scenes, decoder seed 0,
  # in $OUT/one_s0.
  os=${ONE_SEED:-1}; N=$OUT/one$([ $os = 1 ] || echo _s$os); C=docs/experiments/2026-12-07-token-budget/one_count.py
  [ -d $N/train_shapes ] || $B world --family shapes --split train --n 6000 --seed $((20 + os)) --out $N/train_shapes
  # ONE_TRAIN_N=48000 trains on that many scenes instead (seed 40 + ONE_SEED; folders KIND_n48000), so
  # that 3,000 steps of 16 see each scene once instead of 8 times.
  ntrain=${ONE_TRAIN_N:-6000}; TR=$N/train_shapes; kx=""
  if [ $ntrain != 6000 ]; then
    TR=$N/train_shapes_$ntrain; kx=_n$ntrain
    [ -d $TR ] || $B world --family shapes --split train --n $ntrain --seed $((40 + os)) --out $TR --no-progress
  fi
  [ -d $N/test_shapes ] || $B world --family shapes --split test --n 400 --seed $os --out $N/test_shapes
  # ONE_STEPS (default 600) and ONE_KINDS (default "total large any") vary the run; other step
  # counts go to model_STEPS and test_STEPS folders.
  # ONE_FROM=large starts each decoder from the large-count model instead of the bare tower (a
  # curriculum: one subject first), in model_from_large and test_from_large folders.
  steps=${ONE_STEPS:-600}; sfx=$([ $steps = 600 ] || echo _$steps)
  init=$OLD/long$([ $os = 1 ] || echo $os)/vision
  if [ -n "${ONE_FROM:-}" ]; then init=$N/$ONE_FROM/model; sfx=${sfx}_from_$ONE_FROM; fi
  for kind in ${ONE_KINDS:-total large any}; do
    K=$N/$kind$kx
    [ -f $K/train.json ] || python3 $C $kind $TR $N/test_shapes $K
    [ -f $K/model$sfx/model.safetensors ] || $B train sft --data $K/train.json --init $init \
      --out $K/model$sfx --steps $steps --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $os
    for t in test test_swap; do
      $B eval --system direct --model $K/model$sfx --benchmark $K/$t.json --out $K/$t$sfx --no-progress >/dev/null
      python3 $C score $K/test.json $K/$t$sfx/responses.jsonl
    done
  done
fi
