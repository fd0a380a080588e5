#!/usr/bin/env bash
# Usage: scripts/sanitize.sh asan|tsan|all
#        scripts/sanitize.sh stress [REPETITIONS]   (default 50)
# asan|tsan|all: the whole suite under AddressSanitizer + UBSan (build/asan) and/or ThreadSanitizer
# (build/tsan). The sanitizer options (halt_on_error, stack traces) live in the test presets of
# CMakePresets.json, so `ctest --preset asan` behaves the same; options already in the environment
# are appended and win.
# stress: the scheduler, process, timer and code tests, each repeated REPETITIONS times under
# ThreadSanitizer until one fails (run it before resolving work on the runtime).
set -euo pipefail
cd "$(dirname "$0")/.."

stress_tests='^(SchedulerThreads/|Scheduler\.|Process\.|Timer\.|FiberStack\.|Code\.|ScriptRunner\.|RollingScript\.|Every/LoadFailure\.)'
# (the out-of-tree project test installs and builds a project: not a scheduler test)
stress_excluded='AnInstalledOtpCpp'

case ${1:-} in
  asan | tsan) presets=("$1") ;;
  all) presets=(asan tsan) ;;
  stress)
    repetitions=${2:-50}
    scripts/build.sh tsan
    exec ctest --preset tsan -j "$(nproc)" -R "$stress_tests" -E "$stress_excluded" --repeat "until-fail:$repetitions"
    ;;
  *) echo "usage: $0 asan|tsan|all | stress [REPETITIONS]" >&2; exit 2 ;;
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
