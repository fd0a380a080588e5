#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [seconds] [target...]   (seconds: per target, default 60; targets: all by default)
# Installs clang and libFuzzer if missing (scripts/setup.sh fuzz), builds the fuzz preset
# (build/fuzz), then runs each fuzz target of tests/fuzz for the given seconds, one after the other.
# A target starts from its seed corpus, tests/fuzz/corpus/<target> (read only), and the inputs it
# keeps go to build/fuzz/corpus/<target>, which later runs start from too. Prints per target the
# inputs run (libFuzzer's stat::number_of_executed_units) and, for a crash, the input that caused
# it (under build/fuzz/crashes/<target>/); exits non-zero when any target crashed. docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: scripts/fuzz.sh [seconds] [target...]" >&2; exit 2; }

scripts/setup.sh fuzz
[[ -f build/fuzz/build.ninja ]] || cmake --preset fuzz
cmake --build --preset fuzz --parallel "$(nproc)"

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/*_fuzz.cpp; do
    name=${source##*/}
    targets+=("${name%_fuzz.cpp}")
  done
fi

export ASAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
failed=()
for target in "${targets[@]}"; do
  program=build/fuzz/tests/fuzz/fuzz_$target
  [[ -x $program ]] || { echo "fuzz: no fuzz target '$target' ($program)" >&2; exit 2; }
  corpus=build/fuzz/corpus/$target
  crashes=build/fuzz/crashes/$target
  log=build/fuzz/logs/$target.log
  mkdir -p "$corpus" "$crashes" "${log%/*}"
  # -timeout: an input that runs longer than 10 s is a hang, reported like a crash. A long run grows
  # (atoms and node-table entries that inputs create are never freed, as in Erlang; a YAML target
  # reached 900 MB under ASan in 2 minutes): 4 GB are allowed, 2 GB in one allocation.
  status=0
  "$program" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [[ $status -eq 0 ]]; then
    echo "fuzz: $target: ${runs:-?} inputs in ${seconds} s, no crash (corpus: $(find "$corpus" -type f | wc -l) inputs)"
  else
    input=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    echo "fuzz: $target: CRASHED (exit $status) after ${runs:-?} inputs; input: ${input:-none written}; log: $log" >&2
    grep -m 20 -E 'ERROR: |runtime error|invariant broken|uncaught exception|SUMMARY' "$log" >&2 || true
    # The input itself, so that a log is enough to reproduce a crash found on a machine since wiped.
    if [[ -n ${input:-} && -f $input && $(stat -c %s "$input") -le 4096 ]]; then
      echo "fuzz: $target: the input, base64: $(base64 -w0 "$input")" >&2
    fi
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashed: ${failed[*]} (docs/fuzzing.md: add the input to tests/fuzz/corpus/<target>/ once fixed)" >&2
  exit 1
fi
