#!/usr/bin/env bash
# Usage: scripts/demo.sh [demo options...]
# Builds the release preset and runs the demo (for now the runtime tour), with its exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh release --target runtime_tour
exec build/release/examples/runtime_tour "$@"
