"""The PIN model against a real (software) TPM."""
import PyKCS11

from conftest import SO_PIN, USER_PIN


def lockout_counter(swtpm):
    out = swtpm.tools("tpm2_getcap", "properties-variable").stdout
    for line in out.splitlines():
        if "TPM2_PT_LOCKOUT_COUNTER" in line:
            return int(line.split(":")[1].strip(), 0)
    raise AssertionError("no lockout counter in: " + out)


def test_private_keys_are_invisible_before_login(token_env):
    res = token_env.p11("login", pin=USER_PIN)
    assert res["rv"] == "CKR_OK"
    assert res["before"] == [["CKO_PUBLIC_KEY", "ec"],
                             ["CKO_PUBLIC_KEY", "rsa"]]
    assert res["after"] == [["CKO_PRIVATE_KEY", "ec"],
                            ["CKO_PRIVATE_KEY", "rsa"],
                            ["CKO_PUBLIC_KEY", "ec"],
                            ["CKO_PUBLIC_KEY", "rsa"]]


def test_wrong_pin_counts_in_the_tpm(env, swtpm):
    """A token without a PIN counter: the TPM's DA lockout counts."""
    env.add_token("t1", extra=("--no-pin-counter",))
    before = lockout_counter(swtpm)
    res = env.p11("login", pin="654321")
    assert res["rv"] == "CKR_PIN_INCORRECT"
    assert lockout_counter(swtpm) == before + 1
    assert "CKF_USER_PIN_COUNT_LOW" in res["flags"]
    assert "after" not in res


def test_wrong_so_pin_counts_in_the_tpm(token_env, swtpm):
    """The SO PIN always stays behind the DA lockout."""
    before = lockout_counter(swtpm)
    res = token_env.p11("login", pin="87654321", user=PyKCS11.CKU_SO)
    assert res["rv"] == "CKR_PIN_INCORRECT"
    assert lockout_counter(swtpm) == before + 1


def test_lockout_gives_pin_locked_and_the_flag(env, swtpm):
    env.add_token("t1", extra=("--no-pin-counter",))
    token_env = env
    swtpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                "--max-tries=2", "--recovery-time=10000",
                "--lockout-recovery-time=1")
    try:
        first = token_env.p11("login", pin="000000")
        assert first["rv"] == "CKR_PIN_INCORRECT"
        assert "CKF_USER_PIN_FINAL_TRY" in first["flags"]
        second = token_env.p11("login", pin="000001")
        assert second["rv"] in ("CKR_PIN_INCORRECT", "CKR_PIN_LOCKED")
        locked = token_env.p11("login", pin=USER_PIN)
        assert locked["rv"] == "CKR_PIN_LOCKED"
        assert "CKF_USER_PIN_LOCKED" in locked["flags"]
    finally:
        swtpm.tools("tpm2_dictionarylockout", "--clear-lockout")
        swtpm.tools("tpm2_dictionarylockout", "--setup-parameters",
                    "--max-tries=1000", "--recovery-time=10000",
                    "--lockout-recovery-time=1")
    assert token_env.p11("login", pin=USER_PIN)["rv"] == "CKR_OK"


def test_set_pin_old_fails_new_works(token_env):
    assert token_env.p11("set_pin", old=USER_PIN, new="24682468")["rv"] == \
        "CKR_OK"
    assert token_env.p11("login", pin=USER_PIN)["rv"] == "CKR_PIN_INCORRECT"
    assert token_env.p11("login", pin="24682468")["rv"] == "CKR_OK"
    # Too short for the token's minimum (4): refused before the TPM.
    assert token_env.p11("set_pin", old="24682468", new="12")["rv"] == \
        "CKR_PIN_LEN_RANGE"
    assert token_env.p11("set_pin", old="wrong-pin", new="13571357")["rv"] \
        == "CKR_PIN_INCORRECT"


def test_so_pin_logs_in_as_so(token_env):
    res = token_env.p11("login", pin=SO_PIN, user=PyKCS11.CKU_SO)
    assert res["rv"] == "CKR_OK"
    res = token_env.p11("login", pin=USER_PIN, user=PyKCS11.CKU_SO)
    assert res["rv"] == "CKR_PIN_INCORRECT"


def test_tokens_have_unique_serials_and_real_min_pin(env):
    env.add_token("a")
    env.add_token("b", extra=("--min-pin", "6"))
    slots = env.p11("slots")["slots"]
    tokens = [s for s in slots if s["initialized"]]
    assert [t["label"] for t in tokens] == ["a", "b"]
    assert tokens[0]["serial"] != tokens[1]["serial"]
    assert len(tokens[0]["serial"]) == 16
    assert [t["min_pin"] for t in tokens] == [4, 6]
    assert [s["initialized"] for s in slots][-1] is False  # the empty slot
