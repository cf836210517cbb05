#!/usr/bin/env bash
# Runs every libFuzzer target (or those named) for FUZZ_SECONDS each, one
# after another, with FUZZ_JOBS parallel workers per target. New inputs grow
# the corpus in build/fuzz/tests/fuzz/corpus/<target>/ (the seeds in
# tests/fuzz/corpus/ are only read); a crash, leak or timeout leaves its
# input in build/fuzz/tests/fuzz/artifacts/ and makes the exit status 1.
# Usage: scripts/fuzz.sh [target...]   (make fuzz FUZZ_SECONDS=3600)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
bin=$root/build/fuzz/tests/fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^rota_fuzzer(\([a-z0-9_]*_fuzz\) .*/\1/p' "$root/tests/fuzz/CMakeLists.txt")
fi
parallel=()
if [ "$jobs" -gt 1 ]; then
  parallel=(-jobs="$jobs" -workers="$jobs")  # each worker logs to fuzz-<n>.log in $bin
fi
cd "$bin"
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" artifacts
  echo "fuzz: $t for ${seconds}s"
  start=$(date +%s)
  if ! "./$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      "${parallel[@]}" -print_final_stats=1 -artifact_prefix="artifacts/$t-" \
      "corpus/$t" "$root/tests/fuzz/corpus/$t" > "$t.log" 2>&1; then
    echo "fuzz: $t FOUND SOMETHING after $(( $(date +%s) - start ))s: see $bin/$t.log and $bin/artifacts/"
    status=1
    continue
  fi
  runs=$(find . -maxdepth 1 \( -name "$t.log" -o -name 'fuzz-*.log' \) -exec cat {} + |
         grep -o 'stat::number_of_executed_units: *[0-9]*' | awk '{s+=$2} END {print s+0}')
  rm -f fuzz-*.log
  echo "fuzz: $t clean: $runs inputs in $(( $(date +%s) - start ))s, corpus $(ls "corpus/$t" | wc -l) files"
done
exit $status
