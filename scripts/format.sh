#!/usr/bin/env bash
# Usage: scripts/format.sh [--check]
# Formats the project's C++ sources with .clang-format; --check changes nothing and fails on a difference.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=(-i)
[[ ${1:-} == --check ]] && mode=(--dry-run --Werror)

dirs=()
for dir in runtime supervisor release appup observer cli tests examples bench; do
  [[ -d $dir ]] && dirs+=("$dir")
done
find "${dirs[@]}" -type f \( -name '*.hpp' -o -name '*.cpp' \) -print0 | xargs -0 -r clang-format "${mode[@]}"
