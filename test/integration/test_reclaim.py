"""On a TPM without a resource manager, what a process strands when it
ends without C_Finalize (killed, or _exit() as Firefox does) is flushed
by the next process that opens the TPM -- and nothing a live process
holds, nothing another program loaded, nothing from before the TPM last
started (src/tpm/tpm_reclaim.c)."""
import os
import subprocess
import time

import pytest

import tpmenv
from conftest import MODULE, USER_PIN, tpm_leftovers

SIGNER = r'''
import os, signal, sys
import PyKCS11

lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
slot = lib.getSlotList(tokenPresent=True)[0]
session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
how = sys.argv[3]
if how == "random":
    session.generateRandom(8)
    sys.exit(0)
session.login(sys.argv[2])
key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                           (PyKCS11.CKA_LABEL, "ec")])[0]
mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256)
session.sign(key, b"before", mech)
if how == "exit":
    os._exit(0)
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
if how == "wait":
    print("ready", flush=True)
    sys.stdin.readline()
    session.sign(key, b"after", mech)
    print("signed again", flush=True)
session.logout()
session.closeSession()
'''


@pytest.fixture(autouse=True)
def direct_only(mode):
    if mode != "direct":
        pytest.skip("a resource manager flushes what its clients leave")


def records(env):
    """The handle records in the runtime directory (not the SRK hint,
    not the lock file the processes take turns with)."""
    if not os.path.isdir(env.runtime):
        return []
    return [f for f in os.listdir(env.runtime)
            if not f.endswith((".srk", ".lock"))]


def sign(env, how):
    return env.run("/usr/bin/python3", "-c", SIGNER, MODULE, USER_PIN, how,
                   check=False)


def dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def write_record(env, lines, age=0):
    """A record as a process that has died would have left it."""
    os.makedirs(env.runtime, mode=0o700, exist_ok=True)
    path = os.path.join(env.runtime, "%016x.%d.1" % (tpmenv.tcti_tag(env.tcti),
                                                     dead_pid()))
    with open(path, "w") as f:
        f.write("tpmcard-handles 1\n" + "".join(l + "\n" for l in lines))
    if age:
        past = time.time() - age
        os.utime(path, (past, past))
    return path


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_next_process_flushes_what_a_dead_one_stranded(token_env, swtpm,
                                                       how):
    out = sign(token_env, how)
    assert out.returncode in (0, -9), out.stderr
    stranded = tpm_leftovers(swtpm)
    # The transient SRK, the key and the salted session are still there.
    assert "0x80" in stranded and "0x2" in stranded, stranded
    assert records(token_env), "no record was left"

    out = sign(token_env, "finish")
    assert out.returncode == 0, out.stderr
    assert tpm_leftovers(swtpm) == ""
    assert records(token_env) == []


def test_a_live_process_keeps_its_handles(token_env, swtpm):
    """A record of a dead process that lists the handles a live one holds
    (as after a TPM restart) flushes nothing of the live one's."""
    live = subprocess.Popen(
        ["/usr/bin/python3", "-c", SIGNER, MODULE, USER_PIN, "wait"],
        env=token_env.vars, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        assert live.stdout.readline() == "ready\n", live.stderr.read()
        held_by_live = tpm_leftovers(swtpm)
        [own] = records(token_env)
        with open(os.path.join(token_env.runtime, own)) as f:
            lines = f.read().splitlines()[1:]
        assert len(lines) == 3, lines  # SRK, key, session
        dead = write_record(token_env, lines)
        out = sign(token_env, "random")
        assert out.returncode == 0, out.stderr
        assert not os.path.exists(dead)
        assert tpm_leftovers(swtpm) == held_by_live
        live.stdin.write("go\n")
        live.stdin.flush()
        assert live.stdout.readline() == "signed again\n", live.stderr.read()
        assert live.wait(timeout=60) == 0
    finally:
        if live.poll() is None:
            live.kill()
            live.wait()
    assert tpm_leftovers(swtpm) == ""
    assert records(token_env) == []


def other_program_object(swtpm, tmp_path):
    """A transient object tpm2-tools leaves loaded, with its name."""
    swtpm.tools("tpm2_createprimary", "-C", "o", "-c",
                str(tmp_path / "primary.ctx"))
    handle = swtpm.tools("tpm2_getcap", "handles-transient").stdout.split()
    assert len(handle) == 2 and handle[0] == "-", handle
    handle = int(handle[1], 16)
    swtpm.tools("tpm2_readpublic", "-c", "0x%08x" % handle, "-n",
                str(tmp_path / "name"))
    return handle, (tmp_path / "name").read_bytes().hex()


@pytest.mark.parametrize("record", ["other name", "older than the TPM",
                                    "same name, after the TPM started"])
def test_only_the_listed_object_of_this_tpm_start_is_flushed(
        token_env, swtpm, tmp_path, record):
    handle, name = other_program_object(swtpm, tmp_path)
    try:
        if record == "other name":
            write_record(token_env, ["o %08x %s" % (handle, "00" * 34)])
        elif record == "older than the TPM":
            # swtpm started minutes ago at most: a day-old record is of
            # an earlier start, whose objects are gone.
            write_record(token_env, ["o %08x %s" % (handle, name)],
                         age=86400)
        else:
            write_record(token_env, ["o %08x %s" % (handle, name)])
        out = sign(token_env, "finish")
        assert out.returncode == 0, out.stderr
        left = tpm_leftovers(swtpm)
        if record == "same name, after the TPM started":
            assert left == ""
        else:
            assert "0x%08x" % handle in left, left
        assert records(token_env) == []
    finally:
        swtpm.tools("tpm2_flushcontext", "--transient-object")
