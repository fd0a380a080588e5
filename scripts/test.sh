#!/usr/bin/env bash
# Usage: scripts/test.sh [preset] [ctest options...]   (preset: release (default), debug, asan, tsan)
# Builds, then runs the whole suite in parallel; the exit code and the last lines are ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
shift || true

scripts/build.sh "$preset"
exec ctest --preset "$preset" -j "$(nproc)" "$@"
