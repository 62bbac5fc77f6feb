#!/usr/bin/env bash
# The 2026-12-07 decoder-reading experiments of docs/vision.md (sixth session): the 6,000-step tower
# of docs/experiments/2026-12-07-scene-slots/run.sh (LONG=1; $OUT/long for seed 1, $OUT/long0 for
# seed 0) under five decoder-side changes, each scored on the same 1,400 test tasks with their own and
# another task's image (the data sets of docs/experiments/2026-12-07-all-families/run.sh under $BASE):
#   STEPS=3600  the fact-list stage three times as long (1,200 steps before);
#   QA=1        question lists instead of fact lists (qa.py: every fact of a scene asked in the
#               benchmark's wording, one multi-turn conversation per scene), 1,200 steps; QA_TURNS=4
#               keeps at most 4 questions per scene (all of them: ~0.3 steps/s, an hour); QA_EVERY=1
#               also runs them on the every-token tower of EVERY=1;
#   SUBJ=1      count facts with the subject first ("The number of squares is 2." for "There are 2
#               squares.") in the fact lists and the answers (subject_first.py);
#   CLS=1       a tower whose scene slots read the CLS token, and a decoder shown it
#               (vision_select_feature cls_patch: 17 image tokens instead of 16).
#   EVERY=1     a tower whose scene slots read every patch feature alone (vision_scene_from
#               every_token), so that each image token carries the scene's facts.
# Run from the repository root after the build; the figures of docs/vision.md are seed 1 (the
# default; SEEDS="1 0" for both), one change per run: STEPS=3600, CLS=1, EVERY=1, SUBJ=1, QA=1 QA_TURNS=4,
# then QA=1 QA_TURNS=4 QA_EVERY=1 (after EVERY=1).
# Then the tables: table.py "NAME=$OUT/RUN" ... (accuracy, own / other image), and per run
# copy.py $BASE/s1/big $OUT/RUN/mc_fact/big (does the answer name the question's subject).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x7}; BASE=${BASE:-runs/x6}
D=docs/experiments/2026-12-07-all-families
FAMILIES="perception shapes bar_chart clock digit_table maze geometry"
decoder() {  # decoder TOWER DIR SEED FACT_STEPS [FACTS_JSON [ANSWERS_JSON]]
  local T=$1 S=$2 seed=$3 steps=$4 X=$BASE/s$3 F=${5:-$BASE/s$3/facts.json} A=${6:-$BASE/s$3/mc/fact.json}
  [ -f $S/facts/model.safetensors ] || $B train sft --data $F --init $T --out $S/facts \
    --steps $steps --batch 16 --lr 1e-3 --bf16 --loss-norm token --seed $seed
  [ -f $S/mc_fact/model.safetensors ] || $B train sft --data $A --init $S/facts --out $S/mc_fact \
    --steps 600 --batch 16 --lr 1e-3 --bf16 --loss-norm example --seed $seed
  $B eval --system direct --model $S/mc_fact --benchmark $X/big --out $S/mc_fact/big --no-progress
  $B eval --system direct --model $S/mc_fact --benchmark $X/big_swap --out $S/mc_fact/big_swap --no-progress
  python3 $D/score.py $X/big $S/mc_fact/big $S/mc_fact/big_swap
}
for seed in ${SEEDS:-1}; do
  L=$OUT/long$([ $seed = 1 ] || echo $seed)
  if [ -n "${STEPS:-}" ]; then decoder $L/vision $OUT/facts${STEPS}_s$seed $seed $STEPS; fi
  if [ -n "${QA:-}" ]; then
    Q=$OUT/qa_s$seed; mkdir -p $Q
    [ -f $Q/qa.json ] || python3 docs/experiments/2026-12-07-decoder-reading/qa.py \
      $(for f in $FAMILIES; do echo $BASE/s$seed/train_$f; done) $Q/qa.json $((3 + seed)) ${QA_TURNS:-}
    decoder $L/vision $Q $seed 1200 $Q/qa.json
    # QA_EVERY=1: the same question lists on the every-token tower (EVERY=1 first).
    if [ -n "${QA_EVERY:-}" ]; then decoder $OUT/every_s$seed/vision $OUT/qa_every_s$seed $seed 1200 $Q/qa.json; fi
  fi
  if [ -n "${SUBJ:-}" ]; then
    U=$OUT/subj_s$seed; mkdir -p $U
    [ -f $U/facts.json ] || python3 docs/experiments/2026-12-07-decoder-reading/subject_first.py $BASE/s$seed/facts.json $U/facts.json
    [ -f $U/mc_fact.json ] || python3 docs/experiments/2026-12-07-decoder-reading/subject_first.py $BASE/s$seed/mc/fact.json $U/mc_fact.json
    decoder $L/vision $U $seed 1200 $U/facts.json $U/mc_fact.json
  fi
  if [ -n "${EVERY:-}" ]; then
    E=$OUT/every_s$seed
    [ -d $E/vision ] || $B pipeline --preset nano --seed $seed --set vision_scene_weight=1 --set vision_steps=6000 \
      --set vision_scene_from=every_token --out $E --stop-after vision
    decoder $E/vision $E $seed 1200
  fi
  if [ -n "${CLS:-}" ]; then
    C=$OUT/cls_s$seed
    [ -d $C/vision ] || $B pipeline --preset nano --seed $seed --set vision_scene_weight=1 --set vision_steps=6000 \
      --set vision_select_feature=cls_patch --out $C --stop-after vision
    decoder $C/vision $C $seed 1200
  fi
done
