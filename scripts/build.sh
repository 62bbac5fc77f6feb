#!/usr/bin/env bash
# Configure (once) and build insightv into build/ with Ninja. Extra arguments go to cmake
# at configure time, e.g. scripts/build.sh -DCMAKE_PREFIX_PATH=/path/to/libtorch
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${INSIGHTV_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ "$#" -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$BUILD_DIR"
