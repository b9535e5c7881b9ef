#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz) with clang and runs each for
# FUZZ_SECONDS (default 30) from its committed seed corpus; new inputs
# go to a scratch directory, not into the repository.  A crash stops it
# with the input that caused it (add that input to test/fuzz/corpus/).
#
# The targets that drive the module (template, mech, store, cli) need a
# TPM: a private swtpm on free loopback ports, started here for the run
# and stopped at the end; after each of them the TPM must hold no object
# or session.  FUZZ_TARGETS="a b" runs only those.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TPMCARD_FUZZ_BUILD_DIR:-$top/build-fuzz}
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-attrs keyfile x509 template mech store cli}
tpm_targets=" template mech store cli "

CC=clang cmake -S "$top" -B "$build" -DTPMCARD_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
scratch=$(mktemp -d)
swtpm_pid=
cleanup() {
	if [[ -n $swtpm_pid ]]; then
		kill "$swtpm_pid" 2>/dev/null || true
		wait "$swtpm_pid" 2>/dev/null || true
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT

# A swtpm on two free loopback ports (server, ctrl), as the integration
# tests start one, with a dictionary-attack policy that a fuzzed store's
# wrong PINs cannot lock.
start_swtpm() {
	local port
	port=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import tpmenv; print(tpmenv.free_port_pair())' "$top/test/integration")
	mkdir -p "$scratch/swtpm"
	swtpm socket --tpm2 --tpmstate dir="$scratch/swtpm" \
		--server type=tcp,port="$port",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear >/dev/null 2>&1 &
	swtpm_pid=$!
	export TPMCARD_TCTI="swtpm:host=127.0.0.1,port=$port"
	export TPM2TOOLS_TCTI=$TPMCARD_TCTI TSS2_LOG=all+none
	for _ in $(seq 100); do
		tpm2_getcap properties-fixed >/dev/null 2>&1 && break
		sleep 0.1
	done
	tpm2_dictionarylockout --setup-parameters --max-tries=1000000 \
		--recovery-time=1 --lockout-recovery-time=1
	# Shared by the targets: one that crashed left keys loaded, and the
	# next one's module reclaims them from what it recorded here.
	export TPMCARD_RUNTIME_DIR=$scratch/run
	export TMPDIR=$scratch
}

tpm_leftovers() {
	tpm2_getcap handles-transient
	tpm2_getcap handles-loaded-session
}

for target in $targets; do
	if [[ $tpm_targets == *" $target "* && -z $swtpm_pid ]]; then
		start_swtpm
	fi
	mkdir -p "$scratch/$target"
	dict=()
	if [[ -f $top/test/fuzz/$target.dict ]]; then
		dict=(-dict="$top/test/fuzz/$target.dict")
	fi
	echo "== fuzz_$target, ${seconds} s"
	# -artifact_prefix: a crashing input lands next to the build.
	rc=0
	"$build/test/fuzz/fuzz_$target" -max_total_time="$seconds" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"${dict[@]}" -artifact_prefix="$build/crash-$target-" \
		"$scratch/$target" "$top/test/fuzz/corpus/$target" \
		</dev/null >"$scratch/$target.log" 2>&1 || rc=$?
	grep -E "^(Done|stat::number_of_executed_units)" "$scratch/$target.log" ||
		true
	if ((rc != 0)); then
		tail -40 "$scratch/$target.log" >&2
		echo "fuzz_$target failed (input saved as $build/crash-$target-*)" >&2
		exit 1
	fi
	if [[ $tpm_targets == *" $target "* ]]; then
		left=$(tpm_leftovers)
		if [[ -n $left ]]; then
			echo "fuzz_$target left objects or sessions in the TPM:" >&2
			echo "$left" >&2
			exit 1
		fi
	fi
done
