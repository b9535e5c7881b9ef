#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz) with clang and runs each for
# FUZZ_SECONDS (default 30) from its committed seed corpus; new inputs
# go to a scratch directory, not into the repository.  A crash stops it
# with the input that caused it (add that input to test/fuzz/corpus/).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TPMCARD_FUZZ_BUILD_DIR:-$top/build-fuzz}
seconds=${FUZZ_SECONDS:-30}

CC=clang cmake -S "$top" -B "$build" -DTPMCARD_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in attrs keyfile x509; do
	mkdir -p "$scratch/$target"
	echo "== fuzz_$target, ${seconds} s"
	# -artifact_prefix: a crashing input lands next to the build.
	rc=0
	"$build/test/fuzz/fuzz_$target" -max_total_time="$seconds" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crash-$target-" \
		"$scratch/$target" "$top/test/fuzz/corpus/$target" \
		>"$scratch/$target.log" 2>&1 || rc=$?
	grep -E "^(Done|stat::number_of_executed_units)" "$scratch/$target.log" ||
		true
	if ((rc != 0)); then
		tail -40 "$scratch/$target.log" >&2
		echo "fuzz_$target failed (input saved as $build/crash-$target-*)" >&2
		exit 1
	fi
done
