"""OpenSSH logs in with tpmcard keys, end to end with Debian's programs.

ssh-keygen -D lists the token's keys; ssh -I loads the module and signs
the login to a private sshd on 127.0.0.1 with the one key authorized
there, reading the PIN from SSH_ASKPASS; a wrong or missing PIN is
refused.  sshd only accepts public-key logins, so every accepted login is
a signature the module made with a TPM key.
"""
import os
import shlex
import subprocess
import time

import pytest

from conftest import PRELOAD, USER_PIN
from sshd import Sshd

GREETING = "tpmcard-ok"
KEY_TYPES = {"rsa": "ssh-rsa", "ec": "ecdsa-sha2-nistp256"}


@pytest.fixture(scope="module")
def sshd():
    server = Sshd()
    try:
        yield server
    finally:
        server.stop()


def token_public_keys(env):
    """The token's keys as ssh-keygen -D prints them, by our key label."""
    out = env.run("ssh-keygen", "-D", env.module, timeout=60)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    keys = {}
    for label, key_type in KEY_TYPES.items():
        found = [line for line in lines if line.startswith(key_type + " ")]
        assert len(found) == 1, "%s: %r" % (key_type, out.stdout)
        keys[label] = found[0]
    assert len(lines) == len(keys), out.stdout
    return keys


def fingerprint(identity):
    """ssh-keygen -l's (bits, SHA256 fingerprint, type) of IDENTITY.pub."""
    out = subprocess.run(["ssh-keygen", "-l", "-f", identity + ".pub"],
                         capture_output=True, text=True, check=True,
                         timeout=30)
    fields = out.stdout.split()
    return int(fields[0]), fields[1], fields[-1]


def write_public_key(directory, name, line):
    """Writes NAME.pub; returns NAME, an identity with no private half on
    disk, which ssh -I matches to the token key with the same public half."""
    identity = os.path.join(directory, name)
    with open(identity + ".pub", "w") as f:
        f.write(line + "\n")
    return identity


class Askpass:
    """An SSH_ASKPASS program that records its prompts and answers with a
    fixed PIN, or fails (exit 1) when the PIN is None."""

    def __init__(self, directory, pin):
        self.path = os.path.join(directory, "askpass.sh")
        self.prompts_path = os.path.join(directory, "askpass.prompts")
        answer = "exit 1" if pin is None else \
            "printf '%%s\\n' %s" % shlex.quote(pin)
        with open(self.path, "w") as f:
            f.write("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %s\n%s\n"
                    % (shlex.quote(self.prompts_path), answer))
        os.chmod(self.path, 0o700)

    def prompts(self):
        if not os.path.exists(self.prompts_path):
            return []
        with open(self.prompts_path) as f:
            return f.read().splitlines()


def ssh_login(env, server, identity_file, askpass, command="echo " + GREETING):
    """ssh -I <module> to the private sshd, offering only the token key
    whose public half is identity_file, with no terminal: the PIN can only
    come from askpass."""
    args = ["ssh", "-F", "/dev/null",
            "-I", env.module,
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityFile=" + identity_file,
            "-o", "IdentityAgent=none",
            "-o", "BatchMode=no",
            "-o", "PreferredAuthentications=publickey",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "ConnectTimeout=20",
            "-p", str(server.port),
            "%s@127.0.0.1" % server.user, command]
    ssh_env = dict(env.vars, SSH_ASKPASS=askpass.path,
                   SSH_ASKPASS_REQUIRE="force", DISPLAY=":tpmcard-test")
    ssh_env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run(args, env=ssh_env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120,
                          start_new_session=True)


def accepted_logins(log):
    return [line for line in log.splitlines()
            if "Accepted publickey for" in line]


def test_ssh_keygen_lists_token_keys(token_env, tmp_path):
    keys = token_public_keys(token_env)
    # ssh-keygen -D comments each key with its CKA_LABEL.
    assert keys["rsa"].split()[2:] == ["rsa"]
    assert keys["ec"].split()[2:] == ["ec"]
    rsa = fingerprint(write_public_key(str(tmp_path), "rsa", keys["rsa"]))
    ec = fingerprint(write_public_key(str(tmp_path), "ec", keys["ec"]))
    assert (rsa[0], rsa[2]) == (2048, "(RSA)")
    assert (ec[0], ec[2]) == (256, "(ECDSA)")


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_login_with_token_key(token_env, sshd, tmp_path, label):
    key_line = token_public_keys(token_env)[label]
    key_file = write_public_key(str(tmp_path), label, key_line)
    _, key_fingerprint, _ = fingerprint(key_file)
    sshd.authorize([key_line])
    askpass = Askpass(str(tmp_path), USER_PIN)
    log_start = sshd.log_offset()

    out = ssh_login(token_env, sshd, key_file, askpass)

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GREETING
    # ssh asked for the PIN of token t1, once, when it had to sign.
    assert askpass.prompts() == ["Enter PIN for 't1': "]
    # sshd accepted exactly this key's signature.
    accepted = accepted_logins(sshd.log_since(log_start))
    assert len(accepted) == 1, sshd.log_since(log_start)
    assert accepted[0].endswith(key_fingerprint)


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_wrong_pin_is_refused(token_env, sshd, tmp_path, label):
    key_line = token_public_keys(token_env)[label]
    key_file = write_public_key(str(tmp_path), label, key_line)
    sshd.authorize([key_line])
    askpass = Askpass(str(tmp_path), "999999")
    log_start = sshd.log_offset()

    out = ssh_login(token_env, sshd, key_file, askpass)

    assert out.returncode != 0
    assert GREETING not in out.stdout
    assert "Permission denied" in out.stderr, out.stderr
    # Refused because the token turned the PIN down, not for another cause.
    assert askpass.prompts() == ["Enter PIN for 't1': "]
    assert "PKCS#11 login failed: PIN incorrect" in out.stderr, out.stderr
    assert accepted_logins(sshd.log_since(log_start)) == []


@pytest.mark.parametrize("pin", ["", None], ids=["empty-pin", "askpass-fails"])
def test_missing_pin_is_refused(token_env, sshd, tmp_path, pin):
    key_line = token_public_keys(token_env)["ec"]
    key_file = write_public_key(str(tmp_path), "ec", key_line)
    sshd.authorize([key_line])
    askpass = Askpass(str(tmp_path), pin)
    log_start = sshd.log_offset()

    out = ssh_login(token_env, sshd, key_file, askpass)

    assert out.returncode != 0
    assert GREETING not in out.stdout
    assert "Permission denied" in out.stderr, out.stderr
    assert askpass.prompts() == ["Enter PIN for 't1': "]
    assert accepted_logins(sshd.log_since(log_start)) == []


def test_refused_logins_leave_the_token_usable(token_env, sshd, tmp_path):
    """ssh ends at once after a refused login, without C_Finalize: the
    module must not leave objects in the TPM that add up until, on a TPM
    without a resource manager, no later login can sign."""
    key_line = token_public_keys(token_env)["ec"]
    key_file = write_public_key(str(tmp_path), "ec", key_line)
    sshd.authorize([key_line])
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    for _ in range(3):
        refused = ssh_login(token_env, sshd, key_file,
                            Askpass(str(wrong), "999999"))
        assert refused.returncode != 0
        assert "PIN incorrect" in refused.stderr, refused.stderr

    out = ssh_login(token_env, sshd, key_file,
                    Askpass(str(tmp_path), USER_PIN))

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GREETING


class Agent:
    """A private ssh-agent; its PKCS#11 helper inherits the test's store
    and TPM settings."""

    def __init__(self, env, directory):
        self.sock = os.path.join(directory, "agent.sock")
        # -P: the agent loads only modules on this list (default /usr/lib*).
        self.proc = subprocess.Popen(["ssh-agent", "-D", "-a", self.sock,
                                      "-P", env.module],
                                     env=env.vars, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("ssh-agent did not start")

    def add(self, env, *args, askpass):
        run_env = dict(env.vars, SSH_AUTH_SOCK=self.sock,
                       SSH_ASKPASS=askpass.path,
                       SSH_ASKPASS_REQUIRE="force", DISPLAY=":tpmcard-test")
        return subprocess.run(["ssh-add", *args], env=run_env,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=120, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.mark.skipif(PRELOAD is not None,
                    reason="ssh-agent is setgid: the loader drops the "
                    "sanitizer preload its PKCS#11 helper would need")
def test_ssh_add_then_login_through_the_agent(token_env, sshd, tmp_path):
    keys = token_public_keys(token_env)
    sshd.authorize([keys["rsa"]])
    agent = Agent(token_env, str(tmp_path))
    try:
        added = agent.add(token_env, "-s", token_env.module,
                          askpass=Askpass(str(tmp_path), USER_PIN))
        assert added.returncode == 0, added.stderr
        listed = agent.add(token_env, "-L",
                           askpass=Askpass(str(tmp_path), None))
        assert sorted(listed.stdout.split("\n")[:2]) == \
            sorted([keys["ec"], keys["rsa"]])

        log_start = sshd.log_offset()
        args = ["ssh", "-F", "/dev/null", "-o", "IdentityAgent=" + agent.sock,
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-p", str(sshd.port), "%s@127.0.0.1" % sshd.user,
                "echo " + GREETING]
        out = subprocess.run(args, env=dict(token_env.vars),
                             stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=120, start_new_session=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == GREETING
        assert len(accepted_logins(sshd.log_since(log_start))) == 1

        removed = agent.add(token_env, "-e", token_env.module,
                            askpass=Askpass(str(tmp_path), None))
        assert removed.returncode == 0, removed.stderr
        listed = agent.add(token_env, "-L",
                           askpass=Askpass(str(tmp_path), None))
        assert keys["rsa"] not in listed.stdout
    finally:
        agent.stop()
