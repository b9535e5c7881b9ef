"""A persistent SRK remembered between processes: once a login found a
token's keys under the persistent SRK at 0x81000001, the next process
salts its session to the public area it remembers (the runtime
directory's TAG.srk) instead of asking the TPM with TPM2_ReadPublic, so
a cold ssh-style sign is eight TPM commands.  When the TPM no longer
holds that key there (evicted, or replaced by another), the first Load
fails, the module asks the TPM again, and the token still works under
the SRK of its recorded name, with no wrong authorization counted."""
import collections
import json
import os
import time

import pytest

import tpmenv
from conftest import HELPER, MODULE, USER_PIN, Env, pin_strikes, tpm_leftovers

READ_PUBLIC, CREATE_PRIMARY = 0x173, 0x131
# StartAuthSession (the salted session), StartAuthSession (a policy
# session, through the first, which proves the remembered SRK),
# PolicySecret (the PIN, to the token's PIN counter), NV_Read (the wrap
# secret), Load (key), Sign, FlushContext (key, session) at C_Finalize.
COLD_SIGN = collections.Counter({0x176: 2, 0x151: 1, 0x14e: 1, 0x157: 1,
                                 0x15d: 1, 0x165: 2})


def private_card(mode, tmp_path, persist_srk):
    """A private TPM (its SRK persistent or not), one token with an EC
    key, signed with once (so the SRK is remembered)."""
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        env = Env(tpm.tcti, {}, str(tmp_path / "store.sqlite3"),
                  str(tmp_path / "run"))
        env.tpm = tpm
        if persist_srk:
            env.cli("init", "--persist-srk")
        env.add_token("t1")
        env.add_key("t1", "ecc-p256", "k")
        assert sign(env)["rv"] == "CKR_OK"
        yield env
        assert tpm_leftovers(tpm) == "", "TPM objects or sessions leaked"
    finally:
        tpm.stop()


@pytest.fixture
def own(mode, tmp_path):
    yield from private_card(mode, tmp_path, persist_srk=True)


def sign(env, pcap=None):
    extra = {}
    if pcap is not None:
        extra = {"TPMCARD_TCTI": "pcap:" + env.tcti,
                 "TCTI_PCAP_FILE": str(pcap)}
    out = env.run("/usr/bin/python3", HELPER, MODULE, "sign",
                  '{"pin": "%s", "label": "k", "mech": "ECDSA_SHA256", '
                  '"data": "00"}' % USER_PIN, check=False, env=extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def hint(env):
    path = os.path.join(env.runtime, "%016x.srk" % tpmenv.tcti_tag(env.tcti))
    with open(path, "rb") as f:
        return path, f.read()


def test_a_remembered_persistent_srk_is_not_read_again(own, tmp_path):
    path, content = hint(own)
    assert content.startswith(b"persistent\n") and len(content) > 100
    capture = tmp_path / "cold.pcap"
    assert sign(own, capture)["rv"] == "CKR_OK"
    codes = tpmenv.tpm_commands(capture)
    assert READ_PUBLIC not in codes and CREATE_PRIMARY not in codes
    assert collections.Counter(codes) == COLD_SIGN, [hex(c) for c in codes]


def test_an_evicted_persistent_srk_is_found_again(own):
    # The token was made under the standard SRK: a transient one of the
    # same template has the same name.
    own.tpm.tools("tpm2_evictcontrol", "-C", "o", "-c", "0x81000001")
    assert sign(own)["rv"] == "CKR_OK"
    assert hint(own)[1] == b"transient\n"
    assert sign(own)["rv"] == "CKR_OK"


# Another key at 0x81000001: of another type, where salting to the
# remembered one fails at once; or another P-256 key, where the salt
# yields another session key, which the module must notice before the PIN
# is proven in that session (a wrong HMAC there would count as a PIN).
@pytest.mark.parametrize("other", [
    ("-G", "rsa2048"),
    # The SRK's template but for noDA: another key of the same kind.
    ("-G", "ecc256:aes128cfb",
     "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|"
     "restricted|decrypt"),
], ids=["rsa", "another-p256"])
def test_a_replaced_persistent_srk_is_not_trusted(own, tmp_path, other):
    own.tpm.tools("tpm2_evictcontrol", "-C", "o", "-c", "0x81000001")
    ctx = str(tmp_path / "other.ctx")
    own.tpm.tools("tpm2_createprimary", "-C", "o", *other, "-c", ctx)
    own.tpm.tools("tpm2_evictcontrol", "-C", "o", "-c", ctx, "0x81000001")
    own.tpm.tools("tpm2_flushcontext", "--transient-object")
    failures = pin_strikes(own.tpm)
    assert sign(own)["rv"] == "CKR_OK"
    assert pin_strikes(own.tpm) == failures
    assert hint(own)[1] == b"transient\n"


def test_a_damaged_hint_is_ignored(own, tmp_path):
    path, _ = hint(own)
    with open(path, "wb") as f:
        f.write(b"persistent\n" + os.urandom(200))
    assert sign(own)["rv"] == "CKR_OK"
    assert hint(own)[1].startswith(b"persistent\n")
    capture = tmp_path / "after.pcap"
    assert sign(own, capture)["rv"] == "CKR_OK"
    assert READ_PUBLIC not in tpmenv.tpm_commands(capture)


@pytest.fixture
def transient(mode, tmp_path):
    for env in private_card(mode, tmp_path, persist_srk=False):
        assert hint(env)[1] == b"transient\n"
        yield env


def cold_codes(env, tmp_path, name):
    capture = tmp_path / name
    assert sign(env, capture)["rv"] == "CKR_OK"
    return tpmenv.tpm_commands(capture)


def test_persisting_the_srk_takes_effect_at_once(transient, tmp_path):
    transient.cli("init", "--persist-srk")
    codes = cold_codes(transient, tmp_path, "after.pcap")
    assert CREATE_PRIMARY not in codes and READ_PUBLIC not in codes
    assert collections.Counter(codes) == COLD_SIGN


def test_a_day_old_transient_hint_looks_for_a_persistent_srk(transient,
                                                             tmp_path):
    # Another user (another runtime directory) makes the SRK persistent:
    # this user's hint still says transient.
    other = Env(transient.tcti, {}, transient.store, str(tmp_path / "other"))
    other.cli("init", "--persist-srk")
    assert CREATE_PRIMARY in cold_codes(transient, tmp_path, "fresh.pcap")
    path, _ = hint(transient)
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    assert CREATE_PRIMARY not in cold_codes(transient, tmp_path, "old.pcap")
    assert hint(transient)[1].startswith(b"persistent\n")


def test_a_day_old_transient_hint_is_confirmed_again(transient, tmp_path):
    path, _ = hint(transient)
    old = time.time() - 2 * 24 * 3600
    os.utime(path, (old, old))
    codes = cold_codes(transient, tmp_path, "probe.pcap")
    assert READ_PUBLIC in codes and CREATE_PRIMARY in codes
    assert os.stat(path).st_mtime > old + 24 * 3600
    # Confirmed: the next process no longer probes.
    assert READ_PUBLIC not in cold_codes(transient, tmp_path, "next.pcap")
