"""The module inside a host whose OpenSSL hands RSA and EC keys to an
engine (libp11's shape, registered as the default for everything): the
module's own public-key cryptography must never reach it.
See engine_host.c."""
import os

from conftest import BUILD, MODULE, USER_PIN

PROGRAM = os.path.join(BUILD, "test/integration/tpmcard-engine-host")


def test_module_crypto_never_reaches_the_hosts_engine(token_env):
    out = token_env.run(PROGRAM, MODULE, "t1", USER_PIN, check=False,
                        timeout=300)
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
