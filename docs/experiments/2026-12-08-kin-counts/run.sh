#!/usr/bin/env bash
# 2026-12-08 (eighth session): kin counts — can the decoder select a count by attention?
# The seventh session's one-count probe: a decoder reads "How many shapes are there?" at 100 % and the
# family's count questions with their subject varying (red shapes, circles, large shapes) at 52 %:
# the count of every subject is linearly in the mean image token (scene slots, 99 %), but reading
# the asked one needs a question-dependent readout of it. Hypothesis: a count is selected the way a
# perception lookup is (attend to the red patches, read what they carry) if the red patches carry
# how many red objects there are. `train vision --kin-weight 1` trains per-patch heads for that
# (world/patch_labels.h kin_color, kin_shape, kin_size); a continued tower with them (KIN) against
# the same continuation without them (CTL), each under the seventh session's one-count probe.
# DECODER=1 then trains the seventh session's component decoder on each arm's tower (fact lists 1,200
# steps, then fact-sentence answers 600 steps; $BASE/s<seed> of ../2026-12-07-all-families) and scores
# it on the 1,400 tasks of all seven families with their own image and another task's (DECODER_ARMS,
# default "kin ctl"; not run on 2026-12-08: the one-count arms showed no gain to carry over).
# Run from the repository root after the build; SEEDS="1 0" for both seeds (the 6,000-step towers
# $OLD/long and $OLD/long0; the probe's scenes from ../2026-12-07-token-budget/run.sh ONE=1 [ONE_SEED=0]).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x9}; OLD=${OLD:-runs/x7}; X8=${X8:-runs/x8}; BASE=${BASE:-runs/x6}
C=docs/experiments/2026-12-07-token-budget/one_count.py
STEPS=${STEPS:-2000}
for seed in ${SEEDS:-1}; do
  T=$OLD/long$([ $seed = 1 ] || echo $seed)/vision
  N=$X8/one$([ $seed = 1 ] || echo _s$seed)
  # The tower as it was: the kin counts' share of a patch feature without training for them.
  [ -f $OUT/report_s$seed/vision.json ] || $B train vision --init $T --out $OUT/report_s$seed --steps 0 \
    --scene-weight 1 --world-seed $seed --eval-images 700 >/dev/null
  for aw in ${ARMS:-ctl:0 kin:1}; do  # arm:kin weight (kin4:4 weighs the kin heads 4 times)
    arm=${aw%%:*}; w=${aw##*:}
    V=$OUT/${arm}_s$seed
    [ -f $V/vision.json ] || $B train vision --init $T --heads $T/vision_heads.pt --out $V --steps $STEPS \
      --lr 5e-4 --scene-weight 1 --kin-weight $w --world-seed $seed --eval-images 700 --bf16 >/dev/null
    python3 -c "import json,sys; h=json.load(open(sys.argv[1]))['heldout']; print(sys.argv[1], {k: v for k, v in h['kin'].items()}, 'shapes slots', h['scene']['shapes']['accuracy'])" $V/vision.json
    # The one-count probe, subject varying (kind any), 600 steps from this tower.
    K=$N/any
    [ -f $K/model_$arm/model.safetensors ] || $B train sft --data $K/train.json --init $V --out $K/model_$arm \
      --steps ${PROBE_STEPS:-600} --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed >/dev/null
    for t in test test_swap; do
      [ -f $K/${t}_$arm/responses.jsonl ] || $B eval --system direct --model $K/model_$arm --benchmark $K/$t.json \
        --out $K/${t}_$arm --no-progress >/dev/null
      python3 $C score $K/test.json $K/${t}_$arm/responses.jsonl
    done
  done
done
for seed in ${SEEDS:-1}; do
  [ -n "${DECODER:-}" ] || break
  X=$BASE/s$seed
  for arm in ${DECODER_ARMS:-kin ctl}; do
    S=$OUT/${arm}_s$seed/decoder
    [ -f $S/facts/model.safetensors ] || $B train sft --data $X/facts.json --init $OUT/${arm}_s$seed --out $S/facts \
      --steps 1200 --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed >/dev/null
    [ -f $S/mc_fact/model.safetensors ] || $B train sft --data $X/mc/fact.json --init $S/facts --out $S/mc_fact \
      --steps 600 --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed >/dev/null
    for b in big big_swap; do
      [ -f $S/mc_fact/$b/responses.jsonl ] || $B eval --system direct --model $S/mc_fact --benchmark $X/$b \
        --out $S/mc_fact/$b --no-progress >/dev/null
    done
    python3 docs/experiments/2026-12-07-all-families/score.py $X/big $S/mc_fact/big $S/mc_fact/big_swap
  done
done
