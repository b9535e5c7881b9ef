"""Killed at any moment (issue 6): tpmcard is sent SIGKILL at random
times inside key generation, key removal, a PIN change and token removal.
After each kill the store is intact (PRAGMA integrity_check), holds no
orphan rows, every key it lists still signs, the token logs in with
exactly one of the old and the new PIN, and nothing of the killed process
stays in the TPM once the next process has reclaimed it."""
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import CLI, SO_PIN, USER_PIN

NEW_PIN = "24681357"
ROUNDS = int(os.environ.get("TPMCARD_KILL_ROUNDS", "12"))


def killed_at_random(env, args, extra, max_delay):
    """Runs the CLI and SIGKILLs it after a random delay (it may have
    finished by then); its exit status."""
    proc = subprocess.Popen([CLI, *args], env=dict(env.vars, **extra),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0, max_delay))
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


def store_is_sound(env):
    with sqlite3.connect(env.store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = db.execute(
            "SELECT COUNT(*) FROM objects WHERE token_id NOT IN "
            "(SELECT id FROM tokens)").fetchone()[0]
        assert orphans == 0


def labels(env):
    out = env.cli("key", "list", "--token", "t1").stdout
    return sorted({line.split()[0] for line in out.splitlines()
                   if line.strip()})


def signs(env, label, pin):
    res = env.p11("sign", pin=pin, label=label, mech="ECDSA_SHA256",
                  data="00")
    return res["rv"]


def working_pin(env):
    """The one PIN the token takes, of the old and the new."""
    taking = [pin for pin in (USER_PIN, NEW_PIN)
              if env.p11("login", pin=pin)["rv"] == "CKR_OK"]
    assert len(taking) == 1, taking
    return taking[0]


@pytest.fixture
def killable(token_env, mode):
    if mode != "direct":
        pytest.skip("kill points do not depend on the way to the TPM")
    token_env.add_key("t1", "ecc-p256", "keep")
    return token_env


def test_killed_in_key_generation_and_removal(killable):
    env = killable
    pins = {"TPMCARD_USER_PIN": USER_PIN}
    for i in range(ROUNDS):
        label = "k%d" % i
        killed_at_random(env, ["key", "generate", "--token", "t1", "--type",
                               "ecc-p256", "--label", label], pins, 0.15)
        store_is_sound(env)
        if label in labels(env):
            assert signs(env, label, USER_PIN) == "CKR_OK"
            killed_at_random(env, ["key", "remove", "--token", "t1",
                                   "--label", label], pins, 0.1)
            store_is_sound(env)
    for label in labels(env):
        if label != "rsa":  # the fixture's RSA key; the rest are EC
            assert signs(env, label, USER_PIN) == "CKR_OK", label
    assert "keep" in labels(env)
    # What the killed processes left in the TPM, the next ones reclaimed:
    # the env fixture finds the TPM empty after the test.


def test_killed_in_a_pin_change(killable):
    env = killable
    for i in range(ROUNDS):
        old = working_pin(env)
        new = NEW_PIN if old == USER_PIN else USER_PIN
        killed_at_random(env, ["pin", "change", "--token", "t1"],
                         {"TPMCARD_USER_PIN": old, "TPMCARD_NEW_PIN": new},
                         0.15)
        store_is_sound(env)
        assert signs(env, "keep", working_pin(env)) == "CKR_OK"


def test_killed_in_token_removal(killable):
    env = killable
    for i in range(ROUNDS):
        env.add_token("r%d" % i)
        killed_at_random(env, ["token", "remove", "r%d" % i],
                         {"TPMCARD_SO_PIN": SO_PIN}, 0.05)
        store_is_sound(env)
        assert signs(env, "keep", USER_PIN) == "CKR_OK"
