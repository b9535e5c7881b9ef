"""Several of the module's processes on one TPM without a resource
manager (swtpm: three object and three session slots), each logged in
and signing at once: they take turns, and take what an idle one holds
out of the TPM when they need the room (src/tpm/tpm_share.c)."""
import os
import subprocess

import pytest

from conftest import MODULE, USER_PIN, tpm_leftovers

LOOP = r'''
import sys, time
import PyKCS11
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
slot = lib.getSlotList(tokenPresent=True)[0]
session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
session.login(sys.argv[2])
key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                           (PyKCS11.CKA_LABEL, "ec")])[0]
spki = bytes(session.getAttributeValue(key, [PyKCS11.CKA_PUBLIC_KEY_INFO])[0])
public = serialization.load_der_public_key(spki)
mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256)
print("ready", flush=True)
sys.stdin.readline()  # all start signing together
for i in range(int(sys.argv[3])):
    data = b"%d %d" % (i, time.monotonic_ns())
    sig = bytes(session.sign(key, data, mech))
    n = len(sig) // 2
    der = utils.encode_dss_signature(int.from_bytes(sig[:n], "big"),
                                     int.from_bytes(sig[n:], "big"))
    public.verify(der, data, ec.ECDSA(hashes.SHA256()))
    if i % 7 == 0:
        time.sleep(0.01)  # idle now and then, holding what it holds
session.logout()
session.closeSession()
print("done", flush=True)
'''


@pytest.fixture(autouse=True)
def direct_only(mode):
    if mode != "direct":
        pytest.skip("a resource manager shares the TPM by itself")


@pytest.mark.parametrize("processes", [4, 6])
def test_processes_signing_at_once_all_succeed(token_env, swtpm, processes):
    procs = [subprocess.Popen(
        ["/usr/bin/python3", "-c", LOOP, MODULE, USER_PIN, "60"],
        env=token_env.vars, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        # Every one logged in before any signs: all hold their SRK, key
        # and session at once, more than the TPM has slots for.
        for p in procs:
            assert p.stdout.readline() == "ready\n", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert out == "done\n", out + err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert tpm_leftovers(swtpm) == ""
    left = [f for f in os.listdir(token_env.runtime)
            if not f.endswith((".srk", ".lock"))]
    assert left == [], left
