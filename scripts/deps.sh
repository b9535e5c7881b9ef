#!/usr/bin/env bash
# Installs the Debian packages tpmcard needs to build, test and run its demo,
# but only those that are missing.  Needs root (or sudo) only when something
# is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	libtss2-dev libsqlite3-dev libssl-dev libp11-kit-dev libcmocka-dev
	p11-kit p11-kit-modules
	swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus
	opensc openssh-client openssh-server openssl sqlite3 procps util-linux
	python3-pytest python3-pykcs11 python3-cryptography
	gnutls-bin libengine-pkcs11-openssl libnss3-tools
	openjdk-17-jdk-headless firefox-esr
	gnuplot-nox valgrind clang
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "tpmcard: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
	>/dev/null
