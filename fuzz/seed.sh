#!/usr/bin/env bash
# fuzz/seed.sh — regenerates the seed corpora in fuzz/corpus/<target>/: the writers' output
# (build-fuzz/fuzz/make_corpus) plus small files from tests/data. Crash reproducers kept as
# regressions (fuzz/corpus/<target>/regression-*) are left alone. Run fuzz/build.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
build-fuzz/fuzz/make_corpus fuzz/corpus
cp tests/data/golden/llama/inputs.safetensors fuzz/corpus/safetensors/golden_llama_inputs.safetensors
cp tests/data/golden/qwen2/inputs.safetensors fuzz/corpus/safetensors/golden_qwen2_inputs.safetensors
cp tests/data/golden/llava_next/image.png fuzz/corpus/image/golden_llava_next.png
