#!/usr/bin/env bash
# Set up, build and run the test suite: scripts/test.sh [ctest args...]
# e.g. scripts/test.sh -L unit    (only the fast unit tests)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir "${INSIGHTV_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" "$@"
