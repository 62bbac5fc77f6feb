#!/usr/bin/env bash
# Set up, build and run the main job. Until the end-to-end pipeline lands this is
# `insightv doctor`; extra arguments are passed to it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
"${INSIGHTV_BUILD_DIR:-build}/insightv" doctor "$@"
