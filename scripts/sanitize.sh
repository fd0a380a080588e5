#!/usr/bin/env bash
# Usage: scripts/sanitize.sh asan|tsan|all
# Runs the whole suite under AddressSanitizer + UBSan (build/asan) and/or ThreadSanitizer (build/tsan).
# The sanitizer options (halt_on_error, stack traces) live in the test presets of CMakePresets.json,
# so `ctest --preset asan` behaves the same; options already in the environment are appended and win.
set -euo pipefail
cd "$(dirname "$0")/.."

case ${1:-} in
  asan | tsan) presets=("$1") ;;
  all) presets=(asan tsan) ;;
  *) echo "usage: $0 asan|tsan|all" >&2; exit 2 ;;
esac

failed=()
for preset in "${presets[@]}"; do
  echo "=== $preset ==="
  scripts/test.sh "$preset" || failed+=("$preset")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "sanitize: FAILED under ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: passed under ${presets[*]}"
