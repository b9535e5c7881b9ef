"""OpenSSH beyond ssh -I: the module named by PKCS11Provider in an
ssh_config, each RSA signature algorithm ssh negotiates (rsa-sha2-256,
rsa-sha2-512) and ECDSA on P-256 and P-384, and an sshd whose host key is
a token key held by ssh-agent (HostKeyAgent), which a client that knows
only that key accepts and a client expecting another key refuses."""
import os
import subprocess

import pytest

from conftest import PRELOAD, USER_PIN
from sshd import Sshd
from test_ssh import (GREETING, Agent, Askpass, accepted_logins, fingerprint,
                      sshd, write_public_key)  # noqa: F401 (sshd: a fixture)

KEY_TYPES = {"rsa": "ssh-rsa", "ec": "ecdsa-sha2-nistp256",
             "ec384": "ecdsa-sha2-nistp384"}


@pytest.fixture
def keys_env(token_env):
    """Token t1 with RSA-2048 "rsa", P-256 "ec" and P-384 "ec384"."""
    token_env.add_key("t1", "ecc-p384", "ec384")
    return token_env


def public_keys(env):
    out = env.run("ssh-keygen", "-D", env.module, timeout=60)
    keys = {}
    for line in out.stdout.splitlines():
        for label, key_type in KEY_TYPES.items():
            if line.startswith(key_type + " ") and line.endswith(" " + label):
                keys[label] = line
    assert sorted(keys) == sorted(KEY_TYPES), out.stdout
    return keys


def write_config(directory, env, identity, algorithms=None):
    """An ssh_config naming the module by PKCS11Provider."""
    path = os.path.join(directory, "ssh_config")
    lines = ["Host *", "  PKCS11Provider " + env.module,
             "  IdentityFile " + identity, "  IdentitiesOnly yes",
             "  IdentityAgent none", "  PreferredAuthentications publickey",
             "  StrictHostKeyChecking no", "  UserKnownHostsFile /dev/null",
             "  GlobalKnownHostsFile /dev/null", "  ConnectTimeout 20"]
    if algorithms:
        lines.append("  PubkeyAcceptedAlgorithms " + algorithms)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def ssh(env, server, config, askpass, *options):
    run_env = dict(env.vars, SSH_ASKPASS=askpass.path,
                   SSH_ASKPASS_REQUIRE="force", DISPLAY=":tpmcard-test")
    run_env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run(
        ["ssh", "-F", config, "-v", *options, "-p", str(server.port),
         "%s@127.0.0.1" % server.user, "echo " + GREETING],
        env=run_env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=120, start_new_session=True)


@pytest.mark.parametrize("label,algorithm", [
    ("rsa", "rsa-sha2-256"), ("rsa", "rsa-sha2-512"),
    ("ec", "ecdsa-sha2-nistp256"), ("ec384", "ecdsa-sha2-nistp384")])
def test_pkcs11provider_login(keys_env, tmp_path, label, algorithm):
    """sshd accepts only this algorithm: a login proves the token made a
    signature of exactly that kind (for RSA, PKCS#1 with that hash)."""
    line = public_keys(keys_env)[label]
    identity = write_public_key(str(tmp_path), label, line)
    _, key_fingerprint, _ = fingerprint(identity)
    server = Sshd(pubkey_algorithms=algorithm)
    try:
        server.authorize([line])
        config = write_config(str(tmp_path), keys_env, identity, algorithm)
        askpass = Askpass(str(tmp_path), USER_PIN)

        out = ssh(keys_env, server, config, askpass)

        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == GREETING
        assert askpass.prompts() == ["Enter PIN for 't1': "]
        accepted = accepted_logins(server.log_text())
        assert len(accepted) == 1 and accepted[0].endswith(key_fingerprint)
    finally:
        server.stop()


def test_pkcs11provider_wrong_pin(keys_env, sshd, tmp_path):
    line = public_keys(keys_env)["ec384"]
    identity = write_public_key(str(tmp_path), "ec384", line)
    sshd.authorize([line])
    config = write_config(str(tmp_path), keys_env, identity)
    log_start = sshd.log_offset()

    out = ssh(keys_env, sshd, config, Askpass(str(tmp_path), "999999"))

    assert out.returncode != 0
    assert "PIN incorrect" in out.stderr, out.stderr
    assert accepted_logins(sshd.log_since(log_start)) == []


def known_hosts(directory, port, line):
    path = os.path.join(directory, "known_hosts")
    key = " ".join(line.split()[:2])
    with open(path, "w") as f:
        f.write("[127.0.0.1]:%d %s\n" % (port, key))
    return path


def host_checked_ssh(env, server, known, client_key):
    """A client with its own key on disk that trusts only known's host key."""
    return subprocess.run(
        ["ssh", "-F", "/dev/null", "-i", client_key,
         "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
         "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
         "-o", "UserKnownHostsFile=" + known,
         "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", "HostKeyAlgorithms=ecdsa-sha2-nistp256",
         "-p", str(server.port), "%s@127.0.0.1" % server.user,
         "echo " + GREETING],
        env=dict(os.environ), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=120, start_new_session=True)


@pytest.mark.skipif(PRELOAD is not None,
                    reason="ssh-agent is setgid: the loader drops the "
                    "sanitizer preload its PKCS#11 helper would need")
def test_sshd_host_key_on_the_token(keys_env, tmp_path):
    host_line = public_keys(keys_env)["ec"]
    agent = Agent(keys_env, str(tmp_path))
    server = None
    try:
        added = agent.add(keys_env, "-s", keys_env.module,
                          askpass=Askpass(str(tmp_path), USER_PIN))
        assert added.returncode == 0, added.stderr
        server = Sshd(host_key_agent=agent.sock, host_key_line=host_line)
        client_key = str(tmp_path / "client")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                        "-f", client_key], check=True, capture_output=True)
        with open(client_key + ".pub") as f:
            server.authorize([f.read()])

        trusted = known_hosts(str(tmp_path), server.port, host_line)
        out = host_checked_ssh(keys_env, server, trusted, client_key)
        assert out.returncode == 0, out.stderr + server.log_text()
        assert out.stdout.strip() == GREETING

        # A client expecting another host key refuses this server.
        other = str(tmp_path / "other")
        subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "",
                        "-f", other], check=True, capture_output=True)
        (tmp_path / "wrong").mkdir()
        with open(other + ".pub") as f:
            wrong = known_hosts(str(tmp_path / "wrong"), server.port,
                                f.read())
        refused = host_checked_ssh(keys_env, server, wrong, client_key)
        assert refused.returncode != 0
        assert "HOST IDENTIFICATION HAS CHANGED" in refused.stderr, \
            refused.stderr
        # The agent's helper lets go of the token: nothing stays in the TPM.
        removed = agent.add(keys_env, "-e", keys_env.module,
                            askpass=Askpass(str(tmp_path), None))
        assert removed.returncode == 0, removed.stderr
    finally:
        if server is not None:
            server.stop()
        agent.stop()
