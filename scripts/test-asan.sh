#!/usr/bin/env bash
# scripts/test-asan.sh [ctest args...] — the whole project (library, CLI, tests; LibTorch
# translation units included) built with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/, then its tests run with every finding fatal. Default: the unit tests (-L unit).
#   scripts/test-asan.sh                 # unit tests
#   scripts/test-asan.sh -R Generator    # a subset
# LibTorch, OpenBLAS and the other system libraries are not instrumented: errors inside them go
# unseen (their allocations are still tracked, through the malloc interceptors). The unit tests
# need only insightv_unit_tests (no CLI, no integration tests), so that is all a unit run builds.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-asan/build.ninja ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1" \
    -DINSIGHTV_SANITIZE=address,undefined -DINSIGHTV_BUILD_BENCH=OFF
fi
if [ "$#" -eq 0 ]; then set -- -L unit; fi
if [ "$*" = "-L unit" ]; then
  cmake --build build-asan --target insightv_unit_tests
else
  cmake --build build-asan --target insightv_unit_tests insightv_integration_tests insightv_cli
fi
# Leaks are checked (LeakSanitizer), except fontconfig's process-lifetime caches
# (tests/sanitizers/lsan.supp).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" "$@"
