#!/usr/bin/env bash
# Set up, build and run the main job: the end-to-end nano Insight-V pipeline
# (`insightv pipeline --preset nano`), writing runs/nano/report.md. Rerunning resumes: finished
# stages are skipped. Extra arguments are passed to the pipeline (e.g. --preset tiny,
# --config my.yaml, --set base_steps=900); without --preset or --config the preset is nano.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
"${INSIGHTV_BUILD_DIR:-build}/insightv" doctor
preset=(--preset nano)
for a in "$@"; do
  case "$a" in --preset|--preset=*|--config|--config=*) preset=() ;; esac
done
"${INSIGHTV_BUILD_DIR:-build}/insightv" pipeline "${preset[@]}" --out "${INSIGHTV_RUN_DIR:-runs/nano}" "$@"
