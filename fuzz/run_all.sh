#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS (default 600) each, one job at a
# time, memory capped at 2 GiB, scratch files on a tmpfs. New inputs go to
# fuzz/work/<target> (not committed); the committed seeds in
# fuzz/corpus/<target> are read only. Each run's log is fuzz/logs/<target>.log
# (libFuzzer's job log fuzz-0.log), crashes land in fuzz/artifacts/<target>;
# an input taking over 10 s counts as a crash (-timeout=10).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx cifar weights npy npz ranking)
mkdir -p fuzz/logs
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t"
  TMPDIR=/dev/shm cargo +nightly fuzz run -O "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
     -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -jobs=1 -workers=1 -print_final_stats=1 \
     >"fuzz/logs/$t.run.log" 2>&1
  echo "$t exit $? $(date -u +%H:%M:%S)" >>fuzz/logs/summary.txt
  [ -f fuzz-0.log ] && mv fuzz-0.log "fuzz/logs/$t.log"
done
