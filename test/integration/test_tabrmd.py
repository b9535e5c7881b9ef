"""tpm2-abrmd reached by the module itself (src/tpm/tcti_tabrmd.c): one
D-Bus call, CreateConnection, instead of tpm2-tss's GLib-based TCTI.  It
is the one in use for a "tabrmd" TCTI string; TPMCARD_OWN_TABRMD=0 goes
back to tpm2-tss's; a daemon that is not there fails cleanly."""
import json
import time

import pytest

from conftest import HELPER, MODULE, USER_PIN

OWN = "reached over D-Bus by the module itself"


@pytest.fixture
def abrmd_env(token_env, mode):
    if mode != "abrmd":
        pytest.skip("about tpm2-abrmd")
    return token_env


def run(env, action, extra, **params):
    params.setdefault("pin", USER_PIN)
    out = env.run("/usr/bin/python3", HELPER, MODULE, action,
                  json.dumps(params), check=False,
                  env=dict(extra, TPMCARD_LOG="debug"))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


def test_the_module_reaches_abrmd_itself(abrmd_env):
    res, log = run(abrmd_env, "sign", {}, label="ec", mech="ECDSA_SHA256",
                   data="00")
    assert res["rv"] == "CKR_OK"
    assert OWN in log


def test_tpm2_tss_tcti_on_request(abrmd_env):
    res, log = run(abrmd_env, "sign", {"TPMCARD_OWN_TABRMD": "0"},
                   label="ec", mech="ECDSA_SHA256", data="00")
    assert res["rv"] == "CKR_OK"
    assert OWN not in log


@pytest.mark.parametrize("own", ["1", "0"])
def test_a_daemon_that_is_not_there_fails_cleanly(abrmd_env, own):
    start = time.monotonic()
    res, log = run(abrmd_env, "login", {
        "TPMCARD_TCTI": abrmd_env.tcti + ",bus_name=org.example.NoTabrmd",
        "TPMCARD_OWN_TABRMD": own})
    # No TPM reachable: the same code either way.
    assert res["rv"] == "CKR_DEVICE_REMOVED", log
    assert OWN not in log
    assert time.monotonic() - start < 30
