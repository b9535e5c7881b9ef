"""The module as a loadable object: exports, and startup without a TPM."""
import os
import subprocess
import socket
import tempfile

from conftest import CLI, MODULE, client_env


def test_exports_only_pkcs11_entry_points():
    out = subprocess.run(["nm", "-D", "--defined-only", MODULE],
                         capture_output=True, text=True, check=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert "C_GetFunctionList" in names
    assert "C_Initialize" in names
    # PKCS#11 3.0 interface discovery, and the 3.0 functions.
    assert "C_GetInterfaceList" in names and "C_GetInterface" in names
    assert "C_SessionCancel" in names and "C_MessageVerifyFinal" in names
    assert [n for n in names if not n.startswith("C_")] == []


class WatchedPort:
    """A loopback listener standing in for a TPM: records any connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.tcti = "swtpm:host=127.0.0.1,port=%d" % self.sock.getsockname()[1]

    def contacted(self):
        try:
            conn, _ = self.sock.accept()
            conn.close()
            return True
        except BlockingIOError:
            return False

    def close(self):
        self.sock.close()


def test_no_tpm_and_no_store_gives_one_empty_slot_quietly():
    port = WatchedPort()
    with tempfile.TemporaryDirectory() as home:
        env = client_env(os.environ)
        env.update(HOME=home, XDG_DATA_HOME=home + "/data",
                   TPMCARD_TCTI=port.tcti)
        env.pop("TPMCARD_STORE", None)
        r = subprocess.run(["pkcs11-tool", "--module", MODULE, "-L"],
                           env=env, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        assert r.stdout.count("Slot ") == 1
        assert "uninitialized" in r.stdout
        assert "tpmcard" not in r.stderr  # nothing logged
        assert not os.path.exists(home + "/data/tpmcard")
    assert not port.contacted()
    port.close()


def test_listing_tokens_and_public_objects_never_contacts_the_tpm(token_env):
    port = WatchedPort()
    r = token_env.run("pkcs11-tool", "--module", MODULE, "-L", "-O",
                      env={"TPMCARD_TCTI": port.tcti})
    assert "Public Key Object; RSA 2048 bits" in r.stdout
    assert "Public Key Object; EC" in r.stdout
    assert "label:      rsa" in r.stdout
    assert not port.contacted()
    port.close()


def test_cli_help_on_every_command():
    for args in (["--help"], ["init", "--help"], ["token", "--help"],
                 ["key", "--help"], ["pin", "--help"]):
        r = subprocess.run([CLI, *args], capture_output=True, text=True)
        assert r.returncode == 0, args
        assert "usage: tpmcard" in r.stdout
    r = subprocess.run([CLI, "frobnicate"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
