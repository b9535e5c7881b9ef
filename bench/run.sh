#!/usr/bin/env bash
# The benchmark: builds what is missing, then measures tpmcard, raw ESAPI
# and, where Debian's libtpm2-pkcs11-1 and libtpm2-pkcs11-tools are
# installed, tpm2-pkcs11 on private software TPMs, directly and through
# tpm2-abrmd, and writes bench/results/latest.{json,md,png}.  BENCH_SECONDS (per steady
# run, default 5) and BENCH_COLD (cold processes, default 100) size it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export TPMCARD_BUILD_DIR=${TPMCARD_BUILD_DIR:-$top/build}
"$top/scripts/deps.sh"
"$top/scripts/build.sh" -DTPMCARD_SANITIZE=OFF
exec /usr/bin/python3 "$top/bench/run.py"
