#!/usr/bin/env bash
# Usage: scripts/test.sh [preset] [ctest options...]   (preset: release (default), debug, asan, tsan)
# Builds, then runs the whole suite in parallel; the exit code and the last lines are ctest's.
# With OTP_FUZZ_SECONDS=N in the environment (OTP_FUZZ_SECONDS=10 .ci/run), the suite is followed
# by every fuzz target for N seconds (scripts/fuzz.sh N, docs/fuzzing.md), whose lines come last,
# and the exit code is non-zero if either failed. Off by default: the first clang build of the
# fuzz preset alone takes about 6 minutes of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
shift || true

scripts/build.sh "$preset"
[[ -z ${OTP_FUZZ_SECONDS:-} ]] && exec ctest --preset "$preset" -j "$(nproc)" "$@"
status=0
ctest --preset "$preset" -j "$(nproc)" "$@" || status=$?
scripts/fuzz.sh "$OTP_FUZZ_SECONDS" || status=1
exit "$status"
