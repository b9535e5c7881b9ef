"""The TPM goes away and comes back, or is cleared (issue 6).  A client
that logged in and signed sees its TPM stop: its calls fail with a
device code within a bounded time, nothing hangs; once the TPM is back, a
new C_Initialize logs in and signs again.  A TPM that was cleared (a new
storage seed) refuses the old token's login with a device error and a log
line that says why, and spends no dictionary-attack strike.  A store
copied to another TPM opens none of its keys there, says why, and its
token's removal there leaves both TPMs' indices alone."""
import json
import shutil
import subprocess
import time

import pytest

import tpmenv
from conftest import (MODULE, USER_PIN, Env, pin_count, pin_counters,
                      tpm_leftovers, tpmcard_indices)

CLIENT = r'''
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
state = {}

def login():
    slot = lib.getSlotList(tokenPresent=True)[0]
    s = lib.openSession(slot)
    state["s"] = s
    s.login(sys.argv[2])
    state["k"] = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                (PyKCS11.CKA_LABEL, "ec")])[0]

def sign():
    state["s"].sign(state["k"], b"gone",
                    PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256))

def keys():
    found = state["s"].findObjects([(PyKCS11.CKA_CLASS,
                                     PyKCS11.CKO_PRIVATE_KEY)])
    return "keys=%d" % len(found)

def reinit():
    lib.lib.C_Finalize()
    lib.lib.C_Initialize()
    login()

for line in sys.stdin:
    try:
        done = {"login": login, "sign": sign, "keys": keys,
                "reinit": reinit}[line.strip()]()
        print(done or "CKR_OK", flush=True)
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


@pytest.fixture
def other_tpm(own, tmp_path):
    """A second TPM, and an Env on it with a copy of own's store."""
    tpm = tpmenv.SwTpm()
    try:
        tpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                  "--max-tries=1000", "--recovery-time=10000",
                  "--lockout-recovery-time=1")
        copy = str(tmp_path / "copied.sqlite3")
        shutil.copyfile(own.store, copy)
        env = Env(tpm.tcti, {}, copy, str(tmp_path / "run-other"))
        env.tpm = tpm
        yield env
    finally:
        tpm.stop()


def test_a_store_copied_to_another_tpm_opens_no_key(own, other_tpm):
    counters = pin_counters(own.tpm)
    assert len(counters) == 1
    # The other TPM has an index of its own where the token's counter is.
    other_tpm.tpm.tools("tpm2_nvdefine", hex(counters[0]), "-C", "o",
                        "-s", "8", "-a", "ownerread|ownerwrite")
    out = other_tpm.run("/usr/bin/python3", "-c", CLIENT, MODULE, USER_PIN,
                        input="login\nkeys\n", env={"TPMCARD_LOG": "info"})
    assert out.stdout.split() == ["CKR_DEVICE_ERROR", "keys=0"]
    assert "the store comes from another machine" in out.stderr
    for tpm in (own.tpm, other_tpm.tpm):
        counter = tpm.tools("tpm2_getcap", "properties-variable").stdout
        assert "TPM2_PT_LOCKOUT_COUNTER: 0x0" in counter
    assert pin_count(own.tpm, counters[0])[0] == 0
    assert other_tpm.cli("key", "generate", "--token", "t1", "--type",
                         "ecc-p256", "--label", "new", check=False,
                         env={"TPMCARD_USER_PIN": USER_PIN}).returncode != 0
    # Removing the copy's token leaves both TPMs' indices alone.
    removed = other_tpm.cli("token", "remove", "t1",
                            env={"TPMCARD_LOG": "info"})
    assert "its PIN counter is not in this TPM; not undefined" in \
        removed.stderr
    assert counters[0] in tpmcard_indices(other_tpm.tpm)
    assert pin_counters(own.tpm) == counters
    # The original store on its own TPM still works.
    out = own.run("/usr/bin/python3", "-c", CLIENT, MODULE, USER_PIN,
                  input="login\nsign\n")
    assert out.stdout.split() == ["CKR_OK", "CKR_OK"]
    assert tpm_leftovers(other_tpm.tpm) == ""
