"""Fixtures: a software TPM reached directly or through tpm2-abrmd, a
private store, and helpers to run the tpmcard CLI and PKCS#11 clients."""
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import tpmenv  # noqa: E402

BUILD = os.environ.get("TPMCARD_BUILD_DIR",
                       os.path.join(os.path.dirname(__file__), "..", "..",
                                    "build"))
MODULE = os.path.abspath(os.path.join(BUILD, "src/pkcs11/libtpmcard.so"))
CLI = os.path.abspath(os.path.join(BUILD, "tools/ptool/tpmcard"))
HELPER = os.path.join(os.path.dirname(__file__), "p11helper.py")

# In the sanitizer build, uninstrumented programs (python, pkcs11-tool, ssh)
# need the ASan runtime preloaded to load the module.
PRELOAD = os.environ.get("TPMCARD_TEST_PRELOAD")

USER_PIN = "123456"
SO_PIN = "12345678"


def client_env(base):
    """An environment for a program that loads the module."""
    env = dict(base)
    if PRELOAD:
        env["LD_PRELOAD"] = PRELOAD
    return env


def pytest_addoption(parser):
    parser.addoption("--mode", default="direct", choices=("direct", "abrmd"),
                     help="reach the software TPM directly or via abrmd")


@pytest.fixture(scope="session")
def mode(request):
    return request.config.getoption("--mode")


@pytest.fixture(scope="session")
def swtpm(mode):
    tpm = tpmenv.SwTpm()
    # Tests count wrong PINs: allow many, recover slowly (counts stay put).
    tpm.tools("tpm2_dictionarylockout", "--setup-parameters",
              "--max-tries=1000", "--recovery-time=10000",
              "--lockout-recovery-time=1")
    yield tpm
    if mode == "direct":
        # Nothing the suite ran may have left anything in the TPM.
        leftovers = tpm_leftovers(tpm)
        tpm.stop()
        assert leftovers == "", "the suite leaked TPM objects or sessions"
    else:
        tpm.stop()


@pytest.fixture(scope="session")
def tpm_access(mode, swtpm):
    """(TCTI string, extra environment) the module and CLI should use."""
    if mode == "direct":
        yield swtpm.tcti, {}
        return
    rm = tpmenv.Abrmd(swtpm)
    yield rm.tcti, rm.env
    rm.stop()


class Env:
    """Everything a test needs to run tpmcard's programs on one store."""

    def __init__(self, tcti, extra, store, runtime):
        self.store = store
        self.tcti = tcti
        # Where the module lists its TPM handles on a direct connection.
        self.runtime = runtime
        self.vars = client_env(dict(os.environ, TPMCARD_STORE=store,
                                    TPMCARD_TCTI=tcti,
                                    TPMCARD_RUNTIME_DIR=self.runtime,
                                    **extra))
        self.vars.pop("TPMCARD_LOG", None)
        self.module = MODULE

    def run(self, *args, input=None, check=True, env=None, timeout=120):
        merged = dict(self.vars, **(env or {}))
        return subprocess.run(list(args), env=merged, input=input,
                              capture_output=True, text=True, check=check,
                              timeout=timeout)

    def cli(self, *args, check=True, env=None, **kw):
        return self.run(CLI, *args, check=check, env=env, **kw)

    def p11(self, action, **params):
        """Runs one PyKCS11 scenario in a fresh process; returns its JSON."""
        out = self.run("/usr/bin/python3", HELPER, MODULE, action,
                       json.dumps(params), check=False)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def add_token(self, label="t1", user=USER_PIN, so=SO_PIN, extra=()):
        return self.cli("token", "add", label, *extra,
                        env={"TPMCARD_USER_PIN": user, "TPMCARD_SO_PIN": so})

    def add_key(self, token, kind, label, pin=USER_PIN, check=True):
        return self.cli("key", "generate", "--token", token, "--type", kind,
                        "--label", label, env={"TPMCARD_USER_PIN": pin},
                        check=check)


def tpm_leftovers(swtpm):
    """Transient objects and sessions left in the TPM, as tpm2_getcap says."""
    return (swtpm.tools("tpm2_getcap", "handles-transient").stdout.strip() +
            swtpm.tools("tpm2_getcap",
                        "handles-loaded-session").stdout.strip())


PIN_COUNTER_FIRST, PIN_COUNTER_END = 0x01350000, 0x01360000


def tpmcard_indices(swtpm):
    """tpmcard's NV indices in the TPM: {handle: attributes}."""
    out = swtpm.tools("tpm2_nvreadpublic").stdout
    found, handle, section = {}, None, None
    for line in out.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            handle, section = int(line[:-1], 0), None
        elif line.startswith("  ") and not line.startswith("    "):
            section = line.strip().rstrip(":")
        elif section == "attributes" and line.strip().startswith("value:"):
            found[handle] = int(line.split(":")[1], 0)
    return {h: a for h, a in found.items()
            if PIN_COUNTER_FIRST <= h < PIN_COUNTER_END}


def pin_counters(swtpm):
    """The PIN counters among them (TPM_NT_PIN_FAIL), one per token."""
    return sorted(h for h, a in tpmcard_indices(swtpm).items()
                  if (a >> 4) & 0xF == 8)


def _policy_cc(digest, cc):
    return hashlib.sha256(digest + struct.pack(">II", 0x16C, cc)).digest()


def pin_counter_branches():
    """The branch digests of a PIN counter's policy (tpm_pin_nv.c): read,
    change, first write."""
    zero = bytes(32)
    read = _policy_cc(zero, 0x14E)  # TPM2_CC_NV_Read
    auth = hashlib.sha256(zero + struct.pack(">I", 0x16B)).digest()
    change = _policy_cc(auth, 0x13B)  # TPM2_CC_NV_ChangeAuth
    written = hashlib.sha256(zero + struct.pack(">I", 0x18F) +
                             b"\x00").digest()
    first = _policy_cc(written, 0x137)  # TPM2_CC_NV_Write
    return [read, change, first]


def pin_count(swtpm, handle):
    """(pinCount, pinLimit) of a PIN counter, read through its policy."""
    with tempfile.TemporaryDirectory(prefix="tpmcard-nv-") as d:
        files = []
        for i, digest in enumerate(pin_counter_branches()):
            files.append(os.path.join(d, "b%d" % i))
            with open(files[-1], "wb") as f:
                f.write(digest)
        ctx = os.path.join(d, "s.ctx")
        swtpm.tools("tpm2_startauthsession", "--policy-session", "-S", ctx)
        try:
            swtpm.tools("tpm2_policycommandcode", "-S", ctx,
                        "TPM2_CC_NV_Read")
            swtpm.tools("tpm2_policyor", "-S", ctx,
                        "sha256:" + ",".join(files))
            out = os.path.join(d, "count")
            swtpm.tools("tpm2_nvread", hex(handle), "-P", "session:" + ctx,
                        "-s", "8", "-o", out)
        finally:
            swtpm.tools("tpm2_flushcontext", ctx, check=False)
        with open(out, "rb") as f:
            return struct.unpack(">II", f.read())


def pin_strikes(swtpm):
    """Wrong PINs the TPM has counted: its dictionary-attack counter and
    every PIN counter's count."""
    out = swtpm.tools("tpm2_getcap", "properties-variable").stdout
    da = [int(line.split(":")[1], 0) for line in out.splitlines()
          if "TPM2_PT_LOCKOUT_COUNTER" in line][0]
    return da + sum(pin_count(swtpm, h)[0] for h in pin_counters(swtpm))


def drop_pin_counters(swtpm):
    """Undefines them: a test's store is gone, so are its tokens."""
    for handle in tpmcard_indices(swtpm):
        swtpm.tools("tpm2_nvundefine", hex(handle), "-C", "o")


@pytest.fixture
def env(tpm_access, swtpm, mode):
    tcti, extra = tpm_access
    with tempfile.TemporaryDirectory(prefix="tpmcard-store-") as d, \
            tempfile.TemporaryDirectory(prefix="tpmcard-run-") as run:
        # Each test starts with a TPM that counts no failure.
        swtpm.tools("tpm2_dictionarylockout", "--clear-lockout")
        yield Env(tcti, extra, os.path.join(d, "store.sqlite3"),
                  os.path.join(run, "tpmcard"))
    drop_pin_counters(swtpm)
    if mode == "direct":
        # Every process this test ran has exited: none may have left
        # anything loaded in the TPM.
        leftovers = tpm_leftovers(swtpm)
        if leftovers:
            # Clear them so that the next test is judged on its own.
            swtpm.tools("tpm2_flushcontext", "--transient-object")
            swtpm.tools("tpm2_flushcontext", "--loaded-session")
        assert leftovers == "", "TPM objects or sessions leaked"


@pytest.fixture
def token_env(env):
    """A store with token t1 holding an RSA-2048 and an ECC P-256 key."""
    env.add_token("t1")
    env.add_key("t1", "rsa2048", "rsa")
    env.add_key("t1", "ecc-p256", "ec")
    return env
