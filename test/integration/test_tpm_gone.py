"""The TPM goes away and comes back, or is cleared (issue 6).  A client
that logged in and signed sees its TPM stop: its calls fail with a
device code within a bounded time, nothing hangs; once the TPM is back, a
new C_Initialize logs in and signs again.  A TPM that was cleared (a new
storage seed) refuses the old token's login with a device error and a log
line that says why, and spends no dictionary-attack strike."""
import json
import subprocess
import time

import pytest

import tpmenv
from conftest import MODULE, USER_PIN, Env, tpm_leftovers

CLIENT = r'''
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
state = {}

def login():
    slot = lib.getSlotList(tokenPresent=True)[0]
    s = lib.openSession(slot)
    s.login(sys.argv[2])
    state["s"] = s
    state["k"] = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                (PyKCS11.CKA_LABEL, "ec")])[0]

def sign():
    state["s"].sign(state["k"], b"gone",
                    PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256))

def reinit():
    lib.lib.C_Finalize()
    lib.lib.C_Initialize()
    login()

for line in sys.stdin:
    try:
        {"login": login, "sign": sign, "reinit": reinit}[line.strip()]()
        print("CKR_OK", flush=True)
    except PyKCS11.PyKCS11Error as e:
        print(PyKCS11.CKR[e.value], flush=True)
'''

DEVICE_CODES = ("CKR_DEVICE_ERROR", "CKR_DEVICE_REMOVED")


@pytest.fixture
def own(mode, tmp_path):
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        tpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                  "--max-tries=1000", "--recovery-time=10000",
                  "--lockout-recovery-time=1")
        env = Env(tpm.tcti, {}, str(tmp_path / "store.sqlite3"),
                  str(tmp_path / "run"))
        env.tpm = tpm
        env.add_token("t1")
        env.add_key("t1", "ecc-p256", "ec")
        yield env
    finally:
        tpm.stop()


class Client:
    def __init__(self, env):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-c", CLIENT, MODULE, USER_PIN],
            env=env.vars, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)

    def do(self, what):
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def test_the_tpm_goes_away_and_comes_back(own):
    client = Client(own)
    try:
        assert client.do("login") == "CKR_OK"
        assert client.do("sign") == "CKR_OK"
        own.tpm.pause()
        start = time.monotonic()
        assert client.do("sign") in DEVICE_CODES
        assert client.do("sign") in DEVICE_CODES
        assert time.monotonic() - start < 30
        own.tpm.resume()
        assert client.do("reinit") == "CKR_OK"
        assert client.do("sign") == "CKR_OK"
    finally:
        client.close()
    assert tpm_leftovers(own.tpm) == ""


def test_a_cleared_tpm_refuses_the_old_token_and_says_why(own):
    own.tpm.tools("tpm2_clear", "-c", "p")
    own.tpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                  "--max-tries=1000", "--recovery-time=10000",
                  "--lockout-recovery-time=1")
    out = own.run("/usr/bin/python3", "-c", CLIENT, MODULE, USER_PIN,
                  input="login\n", env={"TPMCARD_LOG": "info"})
    assert out.stdout.strip() == "CKR_DEVICE_ERROR"
    assert "sealed under another SRK: the TPM was cleared" in out.stderr
    counter = own.tpm.tools("tpm2_getcap", "properties-variable").stdout
    assert "TPM2_PT_LOCKOUT_COUNTER: 0x0" in counter
