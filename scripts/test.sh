#!/usr/bin/env bash
# Usage: scripts/test.sh [preset] [ctest options...]   (preset: release (default), debug, asan, tsan)
# Builds, then runs the whole suite in parallel; the exit code and the last lines are ctest's.
# With OTP_FUZZ_SECONDS=N in the environment (.ci/run sets 5), every fuzz target first runs for N
# seconds (scripts/fuzz.sh N, docs/fuzzing.md), then the suite; ctest's lines still come last, and
# the exit code is non-zero if either failed. Off by default: the first clang build of the fuzz
# preset alone takes about 6 minutes of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
shift || true

scripts/build.sh "$preset"
[[ -z ${OTP_FUZZ_SECONDS:-} ]] && exec ctest --preset "$preset" -j "$(nproc)" "$@"
fuzz_status=0
fuzz_report=$(mktemp)
trap 'rm -f "$fuzz_report"' EXIT
scripts/fuzz.sh "$OTP_FUZZ_SECONDS" 2> >(tee "$fuzz_report" >&2) || fuzz_status=$?
ctest --preset "$preset" -j "$(nproc)" "$@" || exit $?
if [[ $fuzz_status -ne 0 ]]; then
  # Repeated here, where the end of a long log shows it.
  tail -n 40 "$fuzz_report" >&2
  echo "test.sh: the suite passed, but a fuzz target failed (its report is just above)" >&2
  exit "$fuzz_status"
fi
