#!/usr/bin/env bash
# The 2026-12-07 experiments of docs/vision.md, in order. Each training run is ~2-12 min on 2 cores.
# Run from the repository root after scripts/build.sh; results under $OUT (default runs/x3).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x3}; D=docs/experiments/2026-12-07-retrieval
mkdir -p $OUT
# The nano pipeline up to the vision stage (500 steps) gives init/ and vision/ (the 500-step tower).
$B pipeline --preset nano --out $OUT/nano --stop-after vision
$B world --family perception --split train --n 8000 --seed 11 --out $OUT/ptrain
$B world --family perception --split test --n 150 --seed 0 --out $OUT/ptest
$B world --family perception --split test --n 600 --difficulty 1 --seed 77 --out $OUT/ptest1
python3 $D/sets.py train $OUT/ptrain $OUT/sets
python3 $D/sets.py test $OUT/ptest $OUT/test
python3 $D/sets.py test $OUT/ptest1 $OUT/test1        # test1/single: the one-object set
# The 2,000-step tower (16 px) and the 32 px one.
$B train vision --init $OUT/nano/init --out $OUT/vlong --steps 2000 --bf16
$B pipeline --preset nano --set patch_size=32 --set vision_steps=2000 --out $OUT/p32 --stop-after vision
sft() { $B train sft --data "$1" --init "$2" --out "$3" --steps "$4" --batch 16 --lr 1e-3 --bf16 --loss-norm "${5:-example}"; }
ev() { $B eval --system direct --model "$1" --benchmark "$2" --out "$1/eval-$(basename "$2")"
       python3 $D/sets.py score "$2" "$1/eval-$(basename "$2")/responses.jsonl"; }
# Single-object shape and colour, 150 steps, per tower.
sft $OUT/sets/single.json $OUT/nano/vision $OUT/single500 150;  ev $OUT/single500 $OUT/test1/single
sft $OUT/sets/single.json $OUT/vlong $OUT/single2000 150;       ev $OUT/single2000 $OUT/test1/single
# Multi-object free-form, 400 steps.
sft $OUT/sets/free.json $OUT/nano/vision $OUT/free500 400;      ev $OUT/free500 $OUT/test/free
sft $OUT/sets/free.json $OUT/vlong $OUT/free2000 400;           ev $OUT/free2000 $OUT/test/free
sft $OUT/sets/free.json $OUT/p32/vision $OUT/free32 400;        ev $OUT/free32 $OUT/test/free
sft $OUT/sets/echo.json $OUT/nano/vision $OUT/echo 400;         ev $OUT/echo $OUT/test/free
sft $OUT/sets/textscene.json $OUT/nano/vision $OUT/text 400;    ev $OUT/text $OUT/test/text
# Text-only pretraining attempts from the 2,000-step tower's checkpoint.
python3 $D/make_text_qa.py 20000 11 $OUT/sets/text_qa.json
sft $OUT/sets/text_qa.json $OUT/vlong $OUT/textqa 400;          ev $OUT/textqa $OUT/test/text
python3 $D/make_lm_sequences.py 20000 5 $OUT/sets/lm.json
sft $OUT/sets/lm.json $OUT/vlong $OUT/lm 300 token
INSIGHTV=$B python3 $D/eval_lm_next_word.py $OUT/lm 60
sft $OUT/sets/textscene.json $OUT/lm $OUT/lm_text 100;          ev $OUT/lm_text $OUT/test/text
# The same sequences at lr 3e-3, and for 1,000 steps.
$B train sft --data $OUT/sets/lm.json --init $OUT/vlong --out $OUT/lm_lr3 --steps 300 --batch 16 --lr 3e-3 --bf16 --loss-norm token
INSIGHTV=$B python3 $D/eval_lm_next_word.py $OUT/lm_lr3 60
sft $OUT/sets/lm.json $OUT/vlong $OUT/lm1000 1000 token
INSIGHTV=$B python3 $D/eval_lm_next_word.py $OUT/lm1000 60
# The nano base stage on the 2,000-step tower, probed on the pipeline's 1,050 test tasks.
sft $OUT/nano/assess/base.json $OUT/vlong $OUT/base2000 700
$B eval --probe --model $OUT/base2000 --benchmark $OUT/nano/world/test --out $OUT/base2000/probe
