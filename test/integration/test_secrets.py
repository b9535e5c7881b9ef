"""What the module leaves of a token's secrets in the host's memory and
in its logs (issue 6).  A host (secrets_host.c) logs in with a PIN read
from a file, signs, decrypts, and logs out, wiping its own copies; then
every readable page of it (/proc/PID/mem) is searched for the PIN, the
PIN-derived auth value, the wrap secret and the decrypted plaintext.  The
wrap secret is unsealed here, with tpm2-tools and the PIN-derived value,
so that the search knows what to look for; a host that stays logged in
must still hold it (the positive control).  The same run with the most
verbose logging of both the module and tpm2-tss must print none of them,
in any encoding."""
import base64
import os
import sqlite3
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

import tpmenv
from conftest import BUILD, MODULE, PRELOAD, Env, tpm_leftovers
from test_bus import pin_auth, rsa_public, wrap_secret

PROGRAM = os.path.join(BUILD, "test/integration/tpmcard-secrets-host")
PIN = "Mem-PIN-of-tpmcard-4711"
SO_PIN = "SO-PIN-of-tpmcard-0815"


@pytest.fixture
def card(mode, tmp_path):
    """A private TPM (persistent SRK) with one token and its keys, and
    the token's secrets as the test can know them."""
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    if PRELOAD:
        pytest.skip("the sanitizer runtime's own memory is not ours")
    tpm = tpmenv.SwTpm()
    try:
        env = Env(tpm.tcti, {}, str(tmp_path / "store.sqlite3"),
                  str(tmp_path / "run"))
        env.tpm, env.dir = tpm, tmp_path
        env.cli("init", "--persist-srk")
        env.add_token("t1", user=PIN, so=SO_PIN)
        env.add_key("t1", "rsa2048", "rsa", pin=PIN)
        env.add_key("t1", "ecc-p256", "ec", pin=PIN)
        env.secrets = token_secrets(env)
        yield env
        assert tpm_leftovers(tpm) == ""
    finally:
        tpm.stop()


def token_secrets(env):
    with sqlite3.connect(env.store) as db:
        (salt,) = db.execute("SELECT user_salt FROM tokens").fetchone()
    wrap = wrap_secret(env.tpm.tools, env.store, PIN, env.dir)
    plain = os.urandom(24)
    (env.dir / "cipher.bin").write_bytes(
        rsa_public(env).encrypt(plain, padding.PKCS1v15()))
    (env.dir / "pin").write_bytes(PIN.encode())
    return {"PIN": PIN.encode(), "PIN auth": pin_auth(PIN, salt),
            "wrap secret": wrap, "decrypted plaintext": plain}


def start_host(env, mode, extra=None):
    """The host, logged in or out and waiting; its log goes to a file (a
    pipe would fill up and stop it)."""
    log = open(env.dir / ("host-%s.log" % mode), "wb+")
    proc = subprocess.Popen(
        [PROGRAM, MODULE, "t1", str(env.dir / "pin"),
         str(env.dir / "cipher.bin"), mode],
        env=dict(env.vars, **(extra or {})), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=log)
    proc.log = log
    lines = [proc.stdout.readline() for _ in range(2)]
    assert lines[1] == b"ready\n", lines
    return proc


def memory_of(pid):
    """Every readable mapping of a process, concatenated."""
    chunks = []
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or fields[-1] in ("[vvar]",
                                                      "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except OSError:
                continue  # a mapping that cannot be read (guard pages)
    return b"".join(chunks)


def stop(proc):
    """Ends the host; its log."""
    proc.communicate(timeout=60)  # closes its standard input
    proc.log.seek(0)
    log = proc.log.read()
    proc.log.close()
    assert proc.returncode == 0, log[-2000:]
    return log


def found_in(data, secrets):
    """The names of the secrets whose value data holds (any 12 bytes of
    it, raw, or in hex or base64)."""
    hits = []
    for name, value in secrets.items():
        forms = [value, value.hex().encode(), value.hex().upper().encode(),
                 base64.b64encode(value)]
        for form in forms:
            if any(form[i:i + 12] in data
                   for i in range(0, max(1, len(form) - 11))):
                hits.append(name)
                break
    return hits


def test_a_logged_in_host_holds_the_wrap_secret(card):
    """The positive control: the search finds what the module must hold
    while the token is logged in."""
    proc = start_host(card, "stay")
    try:
        memory = memory_of(proc.pid)
    finally:
        stop(proc)
    assert "wrap secret" in found_in(memory, card.secrets)


def test_nothing_is_left_after_logout(card):
    proc = start_host(card, "logout")
    try:
        memory = memory_of(proc.pid)
    finally:
        stop(proc)
    assert len(memory) > 1 << 20  # the whole process was read
    assert found_in(memory, card.secrets) == []


def test_the_most_verbose_logs_hold_no_secret(card):
    proc = start_host(card, "logout", {"TPMCARD_LOG": "trace",
                                       "TSS2_LOG": "all+trace"})
    log = stop(proc)
    # It did log, verbosely: the module, and tpm2-tss down to its buffers.
    assert b"C_Login" in log and b"trace:" in log
    assert found_in(log, card.secrets) == []
