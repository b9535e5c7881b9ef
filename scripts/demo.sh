#!/usr/bin/env bash
# The one command that sets everything up and shows tpmcard working:
# installs what is missing, builds, finds a TPM (or starts a private
# software TPM), provisions a token with an RSA-2048 and an ECC P-256 key,
# prints their ssh public keys, signs a file through PKCS#11 and verifies
# the signature with OpenSSL.  Running it again reuses what exists.
#
# Environment (all optional):
#   TPMCARD_DEMO_TPM   auto (default): /dev/tpmrm0 if present, else swtpm;
#                      swtpm: always the private software TPM;
#                      device: the real TPM, fail if there is none
#   TPMCARD_TCTI       use this TPM connection as it is
#   TPMCARD_STORE      the store to provision (default: the demo's own)
#   TPMCARD_USER_PIN, TPMCARD_SO_PIN   the demo token's PINs
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${TPMCARD_BUILD_DIR:-$top/build}
data=${XDG_DATA_HOME:-$HOME/.local/share}/tpmcard-demo
module=$build/src/pkcs11/libtpmcard.so
cli=$build/tools/ptool/tpmcard
token=demo
user_pin=${TPMCARD_USER_PIN:-123456}
so_pin=${TPMCARD_SO_PIN:-12345678}
swtpm_pid=

say() { printf '\n== %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

stop_swtpm() {
	if [[ -n "$swtpm_pid" ]] && kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid"
		wait "$swtpm_pid" 2>/dev/null || true
		echo "demo: stopped the private swtpm"
	fi
}
trap stop_swtpm EXIT

free_port_pair() {
	# Like swtpm's listener, with SO_REUSEADDR: a port that an earlier
	# client connection left in TIME_WAIT (the suite makes thousands)
	# counts as free.
	/usr/bin/python3 - <<-'EOF'
	import random
	import socket

	def bindable(port):
	    with socket.socket() as s:
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	        try:
	            s.bind(("127.0.0.1", port))
	        except OSError:
	            return False
	    return True

	for _ in range(2000):
	    port = random.randrange(20000, 60000)
	    if bindable(port) and bindable(port + 1):
	        print(port)
	        break
	EOF
}

# A swtpm whose state lives in the demo's directory, on loopback only.
start_swtpm() {
	local state=$data/swtpm port
	mkdir -p "$state"
	chmod 700 "$data" "$state"
	port=$(free_port_pair)
	[[ -n "$port" ]] || die "no free loopback port for swtpm"
	swtpm socket --tpm2 --tpmstate dir="$state" \
		--server type=tcp,port="$port",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear >/dev/null 2>&1 &
	swtpm_pid=$!
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			break
		fi
		kill -0 "$swtpm_pid" 2>/dev/null || die "swtpm did not start"
		sleep 0.05
	done
	export TPMCARD_TCTI="swtpm:host=127.0.0.1,port=$port"
	echo "demo: private swtpm on 127.0.0.1:$port, state in $state"
}

choose_tpm() {
	local want=${TPMCARD_DEMO_TPM:-auto}
	if [[ -n "${TPMCARD_TCTI:-}" ]]; then
		echo "demo: TPM from TPMCARD_TCTI=$TPMCARD_TCTI"
	elif [[ "$want" != swtpm && -e /dev/tpmrm0 ]]; then
		export TPMCARD_TCTI=device:/dev/tpmrm0
		echo "demo: the machine's TPM through /dev/tpmrm0"
	elif [[ "$want" == device ]]; then
		die "TPMCARD_DEMO_TPM=device but there is no /dev/tpmrm0"
	else
		start_swtpm
	fi
}

has_key() {
	"$cli" key list --token "$token" | awk '{print $1}' | grep -qx "$1"
}

provision() {
	if ! "$cli" token list 2>/dev/null | awk '{print $1}' |
		grep -qx "$token"; then
		TPMCARD_USER_PIN=$user_pin TPMCARD_SO_PIN=$so_pin \
			"$cli" token add "$token"
	else
		echo "demo: token '$token' exists"
	fi
	for spec in "demo-rsa rsa2048 01" "demo-ec ecc-p256 02"; do
		set -- $spec
		if has_key "$1"; then
			echo "demo: key '$1' exists"
		else
			TPMCARD_USER_PIN=$user_pin "$cli" key generate \
				--token "$token" --type "$2" --label "$1" --id "$3"
		fi
	done
	"$cli" key list --token "$token"
}

# Signs a file through PKCS#11 with the key of this id and label; OpenSSL
# verifies it against the public key that ssh-keygen -D printed for it.
sign_and_verify() {
	local id=$1 label=$2 mech=$3 work=$4
	grep " $label\$" "$work/ssh-keys.pub" >"$work/$label.pub" ||
		die "ssh-keygen -D did not show key '$label'"
	ssh-keygen -e -m PKCS8 -f "$work/$label.pub" >"$work/$label.pem"
	pkcs11-tool --module "$module" --token-label "$token" --login \
		--pin "$user_pin" --id "$id" --sign --mechanism "$mech" \
		--signature-format openssl \
		-i "$work/message.txt" -o "$work/$label.sig" 2>/dev/null
	printf 'demo: %s signature by %s, checked by openssl: ' "$mech" "$label"
	openssl dgst -sha256 -verify "$work/$label.pem" \
		-signature "$work/$label.sig" "$work/message.txt"
}

main() {
	say "dependencies"
	"$top/scripts/deps.sh"
	say "build"
	TPMCARD_BUILD_DIR=$build "$top/scripts/build.sh" >/dev/null
	echo "demo: built $module"
	say "TPM and store"
	choose_tpm
	export TPMCARD_STORE=${TPMCARD_STORE:-$data/store.sqlite3}
	"$cli" init
	say "token and keys"
	provision
	local work
	work=$(mktemp -d)
	say "ssh public keys (ssh-keygen -D)"
	ssh-keygen -D "$module" | tee "$work/ssh-keys.pub"
	say "sign a file with pkcs11-tool, verify with openssl"
	echo "signed by a TPM through tpmcard, $(date -u)" >"$work/message.txt"
	sign_and_verify 01 demo-rsa SHA256-RSA-PKCS "$work"
	sign_and_verify 02 demo-ec ECDSA-SHA256 "$work"
	rm -rf "$work"
	say "use it with ssh"
	cat <<-EOF
	Put a public key printed above into ~/.ssh/authorized_keys on a
	server, then log in with the key in the TPM (the PIN is $user_pin):

	    export TPMCARD_STORE=$TPMCARD_STORE
	    ssh -I $module user@server

	or add "PKCS11Provider $module" to ~/.ssh/config, or load the keys
	into ssh-agent with: ssh-add -s $module
	EOF
	if [[ -n "$swtpm_pid" ]]; then
		cat <<-EOF
		These keys live in the demo's private software TPM, which stops
		now; run this demo again to use them.  On a machine with a TPM
		the demo uses /dev/tpmrm0 and the keys stay usable.
		EOF
	fi
}

main "$@"
