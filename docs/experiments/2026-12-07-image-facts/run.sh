#!/usr/bin/env bash
# The 2026-12-07 image-facts experiments of docs/vision.md, in order (seed 0, then the seed-1 repeat).
# Run from the repository root after scripts/build.sh; results under $OUT (default runs/x4).
set -euo pipefail
B=${INSIGHTV:-build/insightv}; OUT=${OUT:-runs/x4}; D=docs/experiments/2026-12-07-image-facts
R=docs/experiments/2026-12-07-retrieval
export INSIGHTV=$B
mkdir -p $OUT
sft() { $B train sft --data "$1" --init "$2" --out "$3" --steps "$4" --batch 16 --lr 1e-3 --bf16 --loss-norm "$5" --seed "${6:-0}"; }
for seed in 0 1; do
  # The tower: 32 px patches (16 image tokens), 2,000 vision steps (245 s on 2 cores).
  $B pipeline --preset nano --seed $seed --set patch_size=32 --set vision_steps=2000 --out $OUT/p32s$seed --stop-after vision
  # 8,000 training scenes (1-5 objects) and 300 held-out ones.
  $B world --family perception --split train --n 8000 --seed $((11 + seed)) --out $OUT/ptrain$seed
  $B world --family perception --split test --n 300 --seed $((5 + seed)) --out $OUT/ftest$seed
  python3 $D/facts.py train $OUT/ptrain$seed $OUT/facts$seed.json $((3 + seed))
  # Fact lists, 1,200 steps (token-mean loss); the probe with each scene's own image and with another's.
  sft $OUT/facts$seed.json $OUT/p32s$seed/vision $OUT/facts$seed 1200 token $seed
  python3 $D/facts.py probe $OUT/ftest$seed $OUT/facts$seed 120
  python3 $D/facts.py probe $OUT/ftest$seed $OUT/facts$seed 120 --other
done
# Seed 0 only: the 400-step run, and question answering after the facts (bare-word and echo answers).
sft $OUT/facts0.json $OUT/p32s0/vision $OUT/facts0_400 400 token
python3 $D/facts.py probe $OUT/ftest0 $OUT/facts0_400 90
python3 $D/facts.py probe $OUT/ftest0 $OUT/facts0_400 90 --other
$B world --family perception --split test --n 150 --seed 0 --out $OUT/ptest
python3 $R/sets.py train $OUT/ptrain0 $OUT/sets
python3 $R/sets.py test $OUT/ptest $OUT/test
for kind in free echo; do
  sft $OUT/sets/$kind.json $OUT/facts0 $OUT/facts0_$kind 150 example
  $B eval --system direct --model $OUT/facts0_$kind --benchmark $OUT/test/free --out $OUT/facts0_$kind/eval
  python3 $R/sets.py score $OUT/test/free $OUT/facts0_$kind/eval/responses.jsonl
done
# Equal-step control: the repeated-key answers for 1,350 steps straight from the tower, no facts.
sft $OUT/sets/echo.json $OUT/p32s0/vision $OUT/echo1350 1350 example
$B eval --system direct --model $OUT/echo1350 --benchmark $OUT/test/free --out $OUT/echo1350/eval
python3 $R/sets.py score $OUT/test/free $OUT/echo1350/eval/responses.jsonl
# The option letter as dense text lookups, 600 steps on from the seed-0 fact model.
python3 $D/letters.py train $OUT/facts0.json 8000 5 $OUT/factsletters.json
sft $OUT/factsletters.json $OUT/facts0 $OUT/letters 600 token
python3 $D/letters.py probe $OUT/letters 80
# The whole nano pipeline with the facts stage (47 min).
$B pipeline --preset nano --out $OUT/nano_facts --set patch_size=32 --set vision_steps=2000 \
  --set ground_format=facts --set ground_images=8000 --set ground_single_steps=0 --set ground_steps=1200
# Seed 1: the repeated-key answers after the facts, on its own 150 test tasks.
$B world --family perception --split test --n 150 --seed 1 --out $OUT/ptest1
python3 $R/sets.py train $OUT/ptrain1 $OUT/sets1
python3 $R/sets.py test $OUT/ptest1 $OUT/test1
sft $OUT/sets1/echo.json $OUT/facts1 $OUT/facts1_echo 150 example 1
$B eval --system direct --model $OUT/facts1_echo --benchmark $OUT/test1/free --out $OUT/facts1_echo/eval
python3 $R/sets.py score $OUT/test1/free $OUT/facts1_echo/eval/responses.jsonl
