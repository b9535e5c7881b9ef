#!/usr/bin/env bash
# Configures and builds tpmcard into build/ (or $TPMCARD_BUILD_DIR).
# Extra arguments go to cmake's configure step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TPMCARD_BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
