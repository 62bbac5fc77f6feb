#!/usr/bin/env bash
# fuzz/build.sh — configure and build the libFuzzer targets in build-fuzz/ with clang
# (ASan + UBSan + libFuzzer). Extra arguments go to CMake. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || { echo "fuzz/build.sh: clang++ not found (scripts/setup.sh --fuzz installs it)" >&2; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-fuzz "${generator[@]}" -DINSIGHTV_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE= "$@"
cmake --build build-fuzz
