#!/usr/bin/env bash
# Usage: scripts/build.sh [preset] [cmake --build options...]   (preset: release (default), debug, asan, tsan)
# Installs missing packages, configures build/<preset> once, then builds incrementally on every core.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
shift || true

scripts/setup.sh
[[ -f build/$preset/build.ninja ]] || cmake --preset "$preset"
cmake --build --preset "$preset" --parallel "$(nproc)" "$@"
