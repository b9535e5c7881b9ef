"""The user PIN's own retry counter in the TPM (an NV index of the
PIN-fail type): wrong user PINs lock this token alone, never the TPM's
machine-wide dictionary-attack lockout; the token reports
CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED from the TPM's count; the
SO's C_InitPIN unlocks it with a fresh counter; a TPM without room (or
with an owner password) falls back to the DA-protected seal; a store
from before counters gets one at the user's next login; removing a
token removes its counter, or says which index stays when it cannot."""
import sqlite3

import PyKCS11
import pytest

import tpmenv
from conftest import (SO_PIN, USER_PIN, Env, pin_count, pin_counters,
                      tpm_leftovers, tpmcard_indices)
from test_pin import lockout_counter

WRONG = "000000"


def login(env, pin, token="t1"):
    return env.p11("login", pin=pin, token=token)


def user_nv(env, label="t1"):
    with sqlite3.connect(env.store) as db:
        return db.execute("SELECT user_nv FROM tokens WHERE label = ?",
                          (label,)).fetchone()[0]


def test_wrong_pins_lock_the_token_not_the_tpm(env, swtpm):
    env.add_token("t1", extra=("--pin-tries", "3"))
    env.add_token("t2")
    assert len(pin_counters(swtpm)) == 2
    da_before = lockout_counter(swtpm)
    first = login(env, WRONG)
    assert first["rv"] == "CKR_PIN_INCORRECT"
    assert first["flags"] == ["CKF_USER_PIN_COUNT_LOW"]
    second = login(env, WRONG)
    assert second["rv"] == "CKR_PIN_INCORRECT"
    assert second["flags"] == ["CKF_USER_PIN_COUNT_LOW",
                               "CKF_USER_PIN_FINAL_TRY"]
    assert [pin_count(swtpm, h) for h in pin_counters(swtpm)
            if pin_count(swtpm, h)[1] == 3] == [(2, 3)]
    third = login(env, WRONG)
    assert third["rv"] == "CKR_PIN_INCORRECT"
    assert third["flags"] == ["CKF_USER_PIN_LOCKED"]
    locked = login(env, USER_PIN)
    assert locked["rv"] == "CKR_PIN_LOCKED"
    assert "after" not in locked
    assert locked["flags"] == ["CKF_USER_PIN_LOCKED"]
    # Nothing of it reached the machine-wide lockout, nor the other token.
    assert lockout_counter(swtpm) == da_before
    other = login(env, USER_PIN, token="t2")
    assert other["rv"] == "CKR_OK" and other["flags"] == []


def test_a_right_pin_sets_the_count_back(env):
    env.add_token("t1", extra=("--pin-tries", "3"))
    assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    ok = login(env, USER_PIN)
    assert ok["rv"] == "CKR_OK" and ok["flags"] == []
    assert login(env, WRONG)["flags"] == ["CKF_USER_PIN_COUNT_LOW"]
    assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    assert login(env, USER_PIN)["rv"] == "CKR_OK"


def test_the_so_unlocks_with_init_pin(env, swtpm):
    env.add_token("t1", extra=("--pin-tries", "2"))
    env.add_key("t1", "ecc-p256", "ec")
    old_index = pin_counters(swtpm)
    for _ in range(2):
        assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    assert login(env, USER_PIN)["rv"] == "CKR_PIN_LOCKED"
    res = env.p11("init_pin", so=SO_PIN, new="13572468")
    assert res["rv"] == "CKR_OK"
    assert res["flags"] == []
    ok = login(env, "13572468")
    assert ok["rv"] == "CKR_OK"
    assert ["CKO_PRIVATE_KEY", "ec"] in ok["after"]
    # A fresh counter with the old limit; the old index is gone.
    now = pin_counters(swtpm)
    assert len(now) == 1 and now != old_index
    for _ in range(2):
        assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    assert login(env, "13572468")["rv"] == "CKR_PIN_LOCKED"
    # A wrong SO PIN changes nothing (and is a DA strike).
    assert env.p11("init_pin", so="99999999", new="24682468")["rv"] == \
        "CKR_PIN_INCORRECT"
    assert login(env, "24682468")["rv"] == "CKR_PIN_LOCKED"


def test_set_pin_counts_a_wrong_old_pin(env, swtpm):
    env.add_token("t1", extra=("--pin-tries", "2"))
    da_before = lockout_counter(swtpm)
    assert env.p11("set_pin", old=WRONG, new="24682468")["rv"] == \
        "CKR_PIN_INCORRECT"
    assert login(env, USER_PIN)["rv"] == "CKR_OK"
    assert env.p11("set_pin", old=USER_PIN, new="24682468")["rv"] == \
        "CKR_OK"
    assert login(env, USER_PIN)["rv"] == "CKR_PIN_INCORRECT"
    assert login(env, "24682468")["rv"] == "CKR_OK"
    assert lockout_counter(swtpm) == da_before
    for _ in range(2):
        assert env.p11("set_pin", old=WRONG, new="1111")["rv"] == \
            "CKR_PIN_INCORRECT"
    assert login(env, "24682468")["rv"] == "CKR_PIN_LOCKED"


@pytest.fixture
def owned_tpm(mode, tmp_path):
    """A private TPM whose owner has a password (and so a persistent
    SRK, which tpmcard then needs)."""
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        env = Env(tpm.tcti, {}, str(tmp_path / "store.sqlite3"),
                  str(tmp_path / "run"))
        env.cli("init", "--persist-srk")
        tpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                  "--max-tries=1000", "--recovery-time=1",
                  "--lockout-recovery-time=1")
        tpm.tools("tpm2_changeauth", "-c", "o", "ownerpass")
        yield env, tpm
    finally:
        tpm.stop()


def test_no_nv_falls_back_to_the_da_seal(owned_tpm):
    """An owner password: no index can be defined; the PIN still works,
    now behind the DA lockout."""
    env, swtpm = owned_tpm
    env.add_token("t1")
    assert pin_counters(swtpm) == []
    assert user_nv(env) == b"\x00"
    assert login(env, USER_PIN)["rv"] == "CKR_OK"
    before = lockout_counter(swtpm)
    assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    assert lockout_counter(swtpm) == before + 1
    # Marked: a login does not try again for a counter.
    assert login(env, USER_PIN)["rv"] == "CKR_OK"
    assert user_nv(env) == b"\x00"


def test_an_old_store_gets_a_counter_at_login(env, swtpm):
    """A store of schema 3 (before counters): migrated, and the user's
    next login moves the PIN behind a counter, same PIN."""
    env.add_token("t1", extra=("--no-pin-counter",))
    env.add_key("t1", "ecc-p256", "ec")
    with sqlite3.connect(env.store) as db:
        db.execute("ALTER TABLE tokens DROP COLUMN user_nv")
        db.execute("PRAGMA user_version = 3")
    assert pin_counters(swtpm) == []
    ok = login(env, USER_PIN)
    assert ok["rv"] == "CKR_OK"
    assert len(user_nv(env)) > 1 and len(pin_counters(swtpm)) == 1
    before = lockout_counter(swtpm)
    assert login(env, WRONG)["flags"] == ["CKF_USER_PIN_COUNT_LOW"]
    assert lockout_counter(swtpm) == before
    again = login(env, USER_PIN)
    assert again["rv"] == "CKR_OK"
    assert ["CKO_PRIVATE_KEY", "ec"] in again["after"]


def test_removing_a_token_removes_its_counter(env, swtpm):
    env.add_token("t1")
    env.add_token("t2")
    assert len(pin_counters(swtpm)) == 2
    env.cli("token", "remove", "t1")
    assert len(pin_counters(swtpm)) == 1
    assert login(env, USER_PIN, token="t2")["rv"] == "CKR_OK"


@pytest.mark.parametrize("srk", ["persistent", "transient"])
def test_a_counter_that_cannot_be_undefined_is_reported(mode, tmp_path,
                                                        srk):
    """The owner took a password after the token was made: removing the
    token cannot undefine its indices (with a transient SRK, it cannot
    even make the SRK to check that they are this TPM's).  The token goes
    all the same, and the warning says what stays and why."""
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        env = Env(tpm.tcti, {}, str(tmp_path / "store.sqlite3"),
                  str(tmp_path / "run"))
        if srk == "persistent":
            env.cli("init", "--persist-srk")
        env.add_token("t1")
        indices = sorted(tpmcard_indices(tpm))
        assert len(indices) == 2
        tpm.tools("tpm2_changeauth", "-c", "o", "ownerpass")
        out = env.cli("token", "remove", "t1", env={"TPMCARD_LOG": "info"})
        if srk == "persistent":
            for handle in indices:
                assert "NV index 0x%08x stays in the TPM" % handle in \
                    out.stderr
            assert "tpm2_nvundefine removes it" in out.stderr
        else:
            assert "cannot tell whether this TPM holds its PIN counter" \
                in out.stderr
        assert sorted(tpmcard_indices(tpm)) == indices
        assert "t1" not in env.cli("token", "list").stdout
        assert tpm_leftovers(tpm) == ""
    finally:
        tpm.stop()


def test_so_login_is_unaffected(env):
    env.add_token("t1", extra=("--pin-tries", "1"))
    assert login(env, WRONG)["rv"] == "CKR_PIN_INCORRECT"
    res = env.p11("login", pin=SO_PIN, user=PyKCS11.CKU_SO)
    assert res["rv"] == "CKR_OK"
    assert res["flags"] == ["CKF_USER_PIN_LOCKED"]


def test_bad_pin_tries_are_refused(env):
    for bad in ("0", "256", "x"):
        out = env.cli("token", "add", "t1", "--pin-tries", bad,
                      check=False)
        assert out.returncode != 0
        assert "--pin-tries: 1 to 255" in out.stderr
