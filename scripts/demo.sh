#!/usr/bin/env bash
# The demo: installs what is missing, builds, and shows tpmcard at work.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
echo "tpmcard: built in $top/build; the TPM demo arrives with the module" \
	"(src/pkcs11), which is not built yet." >&2
