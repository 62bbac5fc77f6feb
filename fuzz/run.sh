#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS [libFuzzer flags...] — one fuzzing campaign of one target, one
# process (-jobs=1 -workers=1), niced. New inputs go to build-fuzz/corpus/TARGET (the
# committed seeds in fuzz/corpus/TARGET are read, never written); crashes, leaks and
# timeouts to build-fuzz/artifacts/TARGET/; the log (with libFuzzer's final stats) to
# build-fuzz/logs/TARGET-<date>.log. Prints the final stats line.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1 seconds=$2
shift 2
bin=build-fuzz/fuzz/fuzz_$target
[ -x "$bin" ] || { echo "fuzz/run.sh: $bin missing — run fuzz/build.sh" >&2; exit 1; }
mkdir -p "build-fuzz/corpus/$target" "build-fuzz/artifacts/$target" build-fuzz/logs
log=build-fuzz/logs/$target-$(date -u +%Y%m%dT%H%M%SZ).log
dict=()
[ -f "fuzz/dict/$target.dict" ] && dict=(-dict="fuzz/dict/$target.dict")
# -jobs=1 makes libFuzzer write fuzz-0.log in the current folder: run from the log folder.
abs=$(pwd)
(cd build-fuzz/logs && nice -n 19 "$abs/$bin" "$abs/build-fuzz/corpus/$target" "$abs/fuzz/corpus/$target" \
  "${dict[@]/#-dict=/-dict=$abs/}" -max_total_time="$seconds" -jobs=1 -workers=1 -print_final_stats=1 \
  -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$abs/build-fuzz/artifacts/$target/" "$@" \
  >/dev/null 2>&1) || true
mv build-fuzz/logs/fuzz-0.log "$log"
grep -E "(DONE|INITED) +cov|^Done [0-9]+ runs|stat::|ERROR|SUMMARY|Test unit written|invariant failed" "$log" | tail -12
echo "log: $log"
