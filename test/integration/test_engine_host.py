"""The module inside a host whose OpenSSL hands RSA and EC keys to an
engine (libp11's shape, registered as the default for everything), and
then also digests, ciphers and random numbers ("all", every family an
engine can take): nothing the module computes, nor anything computed for
its TPM sessions, may reach it.  See engine_host.c."""
import os

import pytest

import tpmenv
from conftest import BUILD, MODULE, USER_PIN, Env

PROGRAM = os.path.join(BUILD, "test/integration/tpmcard-engine-host")


FAMILIES = {"keys": (), "all": ("all",)}


@pytest.mark.parametrize("families", sorted(FAMILIES))
def test_module_crypto_never_reaches_the_hosts_engine(token_env, families):
    out = token_env.run(PROGRAM, MODULE, "t1", USER_PIN, *FAMILIES[families],
                        check=False, timeout=300)
    report = out.stdout + out.stderr
    assert "engine calls: 0\n" in out.stdout, report
    assert "failures: 0\n" in out.stdout, report
    assert out.returncode == 0, report


def test_engine_really_is_the_hosts_default(token_env):
    """The program refuses to report anything unless its engine captured
    the host's own RSA key generation first; a wrong PIN still fails
    cleanly with it."""
    out = token_env.run(PROGRAM, MODULE, "t1", "wrong-pin", check=False,
                        timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "C_Login: 0xa0" in out.stderr, out.stderr
    assert "engine calls: 0\n" in out.stdout, out.stdout


@pytest.mark.parametrize("families", sorted(FAMILIES))
def test_rsa_srk_salting_never_reaches_the_hosts_engine(env, mode, tmp_path,
                                                        families):
    """With a persistent RSA SRK (what tpm2_createprimary makes by
    default), the salt of the module's session is RSA-OAEP encrypted to
    it: by the module, not by an OpenSSL RSA key the engine would get."""
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        ctx = str(tmp_path / "srk.ctx")
        tpm.tools("tpm2_createprimary", "-C", "o", "-G", "rsa2048", "-c", ctx)
        tpm.tools("tpm2_evictcontrol", "-C", "o", "-c", ctx, "0x81000001")
        tpm.tools("tpm2_flushcontext", "--transient-object")
        own = Env(tpm.tcti, {}, env.store, env.runtime)
        own.add_token("t1")
        own.add_key("t1", "rsa2048", "rsa")
        own.add_key("t1", "ecc-p256", "ec")
        out = own.run(PROGRAM, MODULE, "t1", USER_PIN, *FAMILIES[families],
                      check=False, timeout=300)
        report = out.stdout + out.stderr
        assert "engine calls: 0\n" in out.stdout, report
        assert "failures: 0\n" in out.stdout, report
        assert out.returncode == 0, report
        assert tpm.tools("tpm2_getcap", "handles-transient").stdout == ""
        # The module remembers which SRK matched (a hint file, with the
        # persistent SRK's public area); told wrong, it still finds the
        # token's: the recorded name decides.
        hint = os.path.join(env.runtime,
                            "%016x.srk" % tpmenv.tcti_tag(tpm.tcti))
        with open(hint, "rb") as f:
            assert f.read().startswith(b"persistent\n")
        with open(hint, "w") as f:
            f.write("transient\n")
        out = own.run(PROGRAM, MODULE, "t1", USER_PIN, *FAMILIES[families],
                      check=False, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        with open(hint, "rb") as f:
            assert f.read().startswith(b"persistent\n")
    finally:
        tpm.stop()
