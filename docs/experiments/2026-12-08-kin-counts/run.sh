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
# Run from the repository root after the build; SEEDS="1 0" for both seeds (the 6,000-step towers
# $OLD/long and $OLD/long0; the probe's scenes from ../2026-12-07-token-budget/run.sh ONE=1 [ONE_SEED=0]).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x9}; OLD=${OLD:-runs/x7}; X8=${X8:-runs/x8}
C=docs/experiments/2026-12-07-token-budget/one_count.py
STEPS=${STEPS:-2000}
for seed in ${SEEDS:-1}; do
  T=$OLD/long$([ $seed = 1 ] || echo $seed)/vision
  N=$X8/one$([ $seed = 1 ] || echo _s$seed)
  # The tower as it was: the kin counts' share of a patch feature without training for them.
  [ -f $OUT/report_s$seed/vision.json ] || $B train vision --init $T --out $OUT/report_s$seed --steps 0 \
    --scene-weight 1 --world-seed $seed --eval-images 700 >/dev/null
  for arm in ctl kin; do
    V=$OUT/${arm}_s$seed
    w=$([ $arm = kin ] && echo 1 || echo 0)
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
