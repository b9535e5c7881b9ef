"""The soak (issue 6): 8 processes of 4 threads on two tokens, each
process living a random part of the run and replaced when it ends, mix
signing, decryption, key generation, object creation and destruction,
login, logout and wrong PINs, each call checked for the exact code its
case calls for (soak_worker.c).  Meanwhile one long-lived process signs
again and again and must never fail.  Afterwards the store passes
PRAGMA integrity_check, every object the workers kept is there and works,
nothing they destroyed is, and the TPM holds nothing of theirs.

The regular suite runs it briefly; ctest's integration.soak runs it at
full length (TPMCARD_SOAK_SECONDS=120, TPMCARD_LONG_SIGNS=100000)."""
import os
import random
import re
import sqlite3
import subprocess
import tempfile
import time

from conftest import BUILD, MODULE, SO_PIN, USER_PIN, tpm_leftovers

PROGRAM = os.path.join(BUILD, "test/integration/tpmcard-soak")
SECONDS = float(os.environ.get("TPMCARD_SOAK_SECONDS", "15"))
LONG_SIGNS = int(os.environ.get("TPMCARD_LONG_SIGNS", "1500"))
PROCESSES = 8
TOKENS = ("soak-a", "soak-b")


def add_soak_token(env, label):
    # Workers try wrong PINs at random, several processes at once: a
    # limit of 255 keeps a run of them from ever locking the token.
    env.cli("token", "add", label, "--pin-tries", "255",
            env={"TPMCARD_USER_PIN": USER_PIN, "TPMCARD_SO_PIN": SO_PIN})
    env.add_key(label, "rsa2048", "rsa")
    env.add_key(label, "ecc-p256", "ec")


def start(env, *args):
    return subprocess.Popen([PROGRAM, *args], env=env.vars,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finished(proc, timeout):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


class WorkerPool:
    """Keeps PROCESSES workers running until the deadline; each lives a
    random share of the run, so processes come and go throughout."""

    def __init__(self, env, outdir, seconds):
        self.env, self.outdir = env, outdir
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.running, self.results, self.files = [], [], []

    def spawn(self):
        left = self.deadline - time.monotonic()
        life = min(left, random.uniform(0.2, 0.6) * self.seconds)
        n = len(self.files)
        path = os.path.join(self.outdir, "w%d.txt" % n)
        self.files.append(path)
        self.running.append(start(self.env, "worker", MODULE, USER_PIN,
                                  "%.1f" % max(life, 1.0),
                                  str(random.randrange(1 << 30)), path,
                                  *TOKENS))

    def reap(self, block=False):
        for proc in list(self.running):
            if block or proc.poll() is not None:
                self.results.append(finished(proc, 300))
                self.running.remove(proc)

    def run(self):
        while time.monotonic() < self.deadline - 1.0:
            self.reap()
            while len(self.running) < PROCESSES:
                self.spawn()
            time.sleep(0.2)
        self.reap(block=True)


def figures(results, key):
    return sum(int(re.search(key + r"=(\d+)", out).group(1))
               for _, out, _ in results)


def store_is_sound(env):
    with sqlite3.connect(env.store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_soak(env, swtpm, mode):
    for label in TOKENS:
        add_soak_token(env, label)
    signer = start(env, "signer", MODULE, USER_PIN, TOKENS[0],
                   str(LONG_SIGNS))
    with tempfile.TemporaryDirectory(prefix="tpmcard-soak-") as outdir:
        pool = WorkerPool(env, outdir, SECONDS)
        try:
            pool.run()
        finally:
            for proc in pool.running:
                proc.kill()
        signed = finished(signer, 3600)
        failed = [r for r in pool.results if r[0] != 0]
        assert failed == [], failed[:3]
        assert signed[0] == 0, signed
        assert "signs=%d " % LONG_SIGNS in signed[1]
        calls = figures(pool.results, "calls")
        print("soak (%s): %d processes, %d checked calls, 0 unexpected; "
              "long signer: %s" % (mode, len(pool.results), calls,
                                   signed[1].splitlines()[-1]))
        assert len(pool.results) > PROCESSES

        for label in TOKENS:
            out = env.run(PROGRAM, "verify", MODULE, USER_PIN, label,
                          *pool.files, check=False, timeout=600)
            assert out.returncode == 0, out.stdout + out.stderr
            print(out.stdout.strip())
    store_is_sound(env)
    # Every process has exited: nothing of theirs is left in the TPM
    # (through tpm2-abrmd, the resource manager flushed what a closed
    # connection held; directly, each process flushed its own).
    assert tpm_leftovers(swtpm) == ""
