#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, builds,
# then runs the whole suite (unit and integration) under ctest, first in a
# normal build, then in an ASan+UBSan build, then the fuzz targets for a
# bounded time.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/scripts/deps.sh"

echo "== build and test (release)"
TPMCARD_BUILD_DIR=$top/build "$top/scripts/build.sh" -DTPMCARD_SANITIZE=OFF
(cd "$top/build" && ctest --output-on-failure --timeout 900)

echo "== build and test (ASan+UBSan)"
TPMCARD_BUILD_DIR=$top/build-asan "$top/scripts/build.sh" \
	-DTPMCARD_SANITIZE=ON
(cd "$top/build-asan" && ctest --output-on-failure --timeout 900)

echo "== fuzz (libFuzzer, bounded)"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} "$top/scripts/fuzz.sh"
