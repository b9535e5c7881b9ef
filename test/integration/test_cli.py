"""The tpmcard CLI: what it does, and how it refuses bad input.

Every refusal must be one line on stderr, a non-zero exit, and no change
to the store (compared as an SQL dump, which ignores page layout).
"""
import os
import pty
import select
import subprocess
import time

import pytest

import tpmenv
from conftest import CLI, SO_PIN, USER_PIN, Env

NO_TPM = "swtpm:host=127.0.0.1,port=1"


def dump(store):
    if not os.path.exists(store):
        return None
    return subprocess.run(["sqlite3", store, ".dump"], capture_output=True,
                          text=True, check=True).stdout


def refused(result):
    """Asserts a clean refusal; returns its one stderr line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tpmcard: ")
    assert result.stdout == ""
    return lines[0]


def key_list(env, token="t1"):
    return env.cli("key", "list", "--token", token).stdout


def test_token_add_list_remove(env):
    out = env.cli("init").stdout
    assert "store: " + env.store in out
    assert "SRK: created in each process" in out
    env.add_token("alpha")
    env.add_token("beta", extra=("--min-pin", "6"))
    listing = env.cli("token", "list").stdout.splitlines()
    assert [line.split()[0] for line in listing] == ["alpha", "beta"]
    assert "min-pin 6" in listing[1]
    assert env.cli("token", "remove", "alpha").returncode == 0
    assert [line.split()[0] for line in
            env.cli("token", "list").stdout.splitlines()] == ["beta"]


def test_store_is_private(env):
    env.add_token("t1")
    assert os.stat(env.store).st_mode & 0o777 == 0o600


def test_key_generate_list_remove(token_env):
    env = token_env
    env.add_key("t1", "rsa3072", "big", check=True)
    env.add_key("t1", "ecc-p384", "p384", check=True)
    env.cli("key", "generate", "--token", "t1", "--type", "ecc-p256",
            "--label", "withid", "--id", "a1b2",
            env={"TPMCARD_USER_PIN": USER_PIN})
    listing = key_list(env)
    assert "withid  id a1b2  ec" in listing
    labels = sorted(line.split()[0] for line in listing.splitlines())
    assert labels == ["big", "ec", "p384", "rsa", "withid"]
    env.cli("key", "remove", "--token", "t1", "--label", "big",
            env={"TPMCARD_USER_PIN": USER_PIN})
    assert "big" not in key_list(env)


def test_pin_from_file(token_env, tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_text(USER_PIN + "\n")
    r = token_env.cli("key", "generate", "--token", "t1", "--type",
                      "ecc-p256", "--label", "f", "--user-pin-file",
                      str(pin_file), env={"TPMCARD_USER_PIN": "wrong!"})
    assert r.returncode == 0, r.stderr
    assert "f  id" in key_list(token_env)


def test_pin_change_user_and_so(token_env):
    env = token_env
    r = env.cli("pin", "change", "--token", "t1",
                env={"TPMCARD_USER_PIN": USER_PIN,
                     "TPMCARD_NEW_PIN": "975319"})
    assert r.returncode == 0, r.stderr
    assert refused(env.add_key("t1", "ecc-p256", "x", check=False)) == \
        "tpmcard: login: wrong PIN"
    assert env.add_key("t1", "ecc-p256", "x", pin="975319").returncode == 0
    r = env.cli("pin", "change", "--token", "t1", "--so",
                env={"TPMCARD_SO_PIN": SO_PIN, "TPMCARD_NEW_PIN": "86428642"})
    assert r.stdout == "SO PIN of 't1' changed\n"
    assert refused(env.cli("pin", "change", "--token", "t1", "--so",
                           check=False,
                           env={"TPMCARD_SO_PIN": SO_PIN,
                                "TPMCARD_NEW_PIN": "11112222"})) == \
        "tpmcard: cannot change the PIN: wrong PIN"


def test_no_pin_on_the_command_line(token_env):
    r = token_env.cli("key", "generate", "--token", "t1", "--type",
                      "ecc-p256", "--label", "x", "--pin", USER_PIN,
                      check=False)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1


def test_without_a_terminal_and_no_pin_it_refuses(token_env):
    env = dict(token_env.vars)
    env.pop("TPMCARD_USER_PIN", None)
    before = dump(token_env.store)
    r = subprocess.run([CLI, "key", "generate",
                        "--token", "t1", "--type", "ecc-p256", "--label",
                        "x"], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60,
                       start_new_session=True)
    assert "user PIN" in refused(r)
    assert dump(token_env.store) == before


@pytest.mark.parametrize("args,message", [
    (("key", "list", "--token", "nope"), "no token labelled 'nope'"),
    (("token", "remove", "nope"), "no token labelled 'nope'"),
    (("key", "generate", "--token", "t1", "--type", "dsa1024", "--label",
      "x"), "unknown key type 'dsa1024'"),
    (("key", "generate", "--token", "t1", "--type", "rsa4096", "--label",
      "x"), "does not support rsa4096"),
    (("key", "generate", "--token", "t1", "--type", "ecc-p256", "--label",
      "rsa"), "a key labelled 'rsa' already exists"),
    (("key", "generate", "--token", "t1", "--type", "ecc-p256", "--label",
      "x", "--id", "xyz"), "--id"),
    (("key", "remove", "--token", "t1", "--label", "nope"),
     "no key labelled 'nope'"),
])
def test_bad_input_is_refused_and_changes_nothing(token_env, args, message):
    before = dump(token_env.store)
    line = refused(token_env.cli(*args, check=False,
                                 env={"TPMCARD_USER_PIN": USER_PIN}))
    assert message in line
    assert dump(token_env.store) == before


def test_wrong_pin_is_refused_and_changes_nothing(token_env):
    before = dump(token_env.store)
    line = refused(token_env.add_key("t1", "ecc-p256", "x", pin="000000",
                                     check=False))
    assert line == "tpmcard: login: wrong PIN"
    assert dump(token_env.store) == before


def test_duplicate_token_and_short_pin(token_env):
    before = dump(token_env.store)
    assert "already exists" in refused(
        token_env.cli("token", "add", "t1", check=False,
                      env={"TPMCARD_USER_PIN": USER_PIN,
                           "TPMCARD_SO_PIN": USER_PIN}))
    assert "PINs must be" in refused(
        token_env.cli("token", "add", "t2", check=False,
                      env={"TPMCARD_USER_PIN": "12",
                           "TPMCARD_SO_PIN": USER_PIN}))
    assert dump(token_env.store) == before


@pytest.mark.parametrize("args", [
    ("token", "list"), ("token", "remove", "t1"),
    ("key", "list", "--token", "t1"),
    ("pin", "change", "--token", "t1"),
])
def test_missing_store_is_refused_and_not_created(env, args):
    line = refused(env.cli(*args, check=False,
                           env={"TPMCARD_USER_PIN": USER_PIN,
                                "TPMCARD_NEW_PIN": "654321"}))
    assert "no store" in line
    assert not os.path.exists(env.store)


@pytest.mark.parametrize("args", [
    ("token", "list"), ("key", "list", "--token", "t1"),
    ("token", "add", "t2"), ("init",),
])
def test_corrupted_store_is_refused_and_left_alone(env, args):
    with open(env.store, "wb") as f:
        f.write(b"this is not a database" * 100)
    line = refused(env.cli(*args, check=False,
                           env={"TPMCARD_USER_PIN": USER_PIN,
                                "TPMCARD_SO_PIN": USER_PIN}))
    assert env.store in line and "damaged" in line
    with open(env.store, "rb") as f:
        assert f.read() == b"this is not a database" * 100


def test_no_tpm_is_refused_and_changes_nothing(token_env):
    before = dump(token_env.store)
    no_tpm = {"TPMCARD_TCTI": NO_TPM, "TPMCARD_USER_PIN": USER_PIN,
              "TPMCARD_SO_PIN": USER_PIN, "TPMCARD_NEW_PIN": "654321"}
    for args in (("key", "generate", "--token", "t1", "--type", "ecc-p256",
                  "--label", "x"),
                 ("token", "add", "t2"),
                 ("pin", "change", "--token", "t1")):
        line = refused(token_env.cli(*args, check=False, env=no_tpm))
        assert "TPM" in line, line
    assert dump(token_env.store) == before
    # Listing needs no TPM at all.
    assert "rsa" in token_env.cli("key", "list", "--token", "t1",
                                  env=no_tpm).stdout


def test_no_tpm_on_first_token_creates_no_store(env):
    line = refused(env.cli("token", "add", "t1", check=False,
                           env={"TPMCARD_TCTI": NO_TPM,
                                "TPMCARD_USER_PIN": USER_PIN,
                                "TPMCARD_SO_PIN": USER_PIN}))
    assert "TPM" in line
    assert not os.path.exists(env.store)


def test_init_persists_the_srk_and_tokens_keep_working(env, mode):
    if mode != "direct":
        pytest.skip("one private TPM is enough for this")
    tpm = tpmenv.SwTpm()
    try:
        own = Env(tpm.tcti, {}, env.store, env.runtime)
        own.add_token("t1")
        own.add_key("t1", "ecc-p256", "before")
        first = own.cli("init", "--persist-srk").stdout
        assert "SRK: made persistent at 0x81000001" in first
        assert "0x81000001" in tpm.tools("tpm2_getcap",
                                         "handles-persistent").stdout
        assert "SRK: persistent at 0x81000001" in \
            own.cli("init", "--persist-srk").stdout
        # Sealed under the transient SRK, usable under the persistent one.
        own.add_key("t1", "ecc-p256", "after")
        res = own.p11("sign", pin=USER_PIN, label="before",
                      mech="ECDSA_SHA256", data="00")
        assert res["rv"] == "CKR_OK"
        assert tpm.tools("tpm2_getcap", "handles-transient").stdout == ""
    finally:
        tpm.stop()


def run_on_terminal(env, args, answers, timeout=60):
    """Runs the CLI with a pseudo-terminal as its controlling terminal and
    no PIN in the environment; answers each prompt in turn.  Returns
    (exit status, everything the terminal showed)."""
    run_env = {k: v for k, v in env.vars.items()
               if k not in ("TPMCARD_USER_PIN", "TPMCARD_SO_PIN",
                            "TPMCARD_NEW_PIN")}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI, *args], run_env)
    shown, pending, answered = b"", list(answers), 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
                # Answer each prompt ("...PIN: ") once, when it appears.
                if pending and shown.count(b"PIN") > answered and \
                        shown.endswith(b": "):
                    os.write(fd, pending.pop(0).encode() + b"\n")
                    answered += 1
    finally:
        done, status = os.waitpid(pid, os.WNOHANG)
        grace = time.monotonic() + 10
        while done == 0 and time.monotonic() < grace:
            time.sleep(0.05)
            done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still waiting for input: a failure, not a hang
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode()


def test_pins_from_the_terminal_without_echo(env):
    code, shown = run_on_terminal(
        env, ["token", "add", "tty"],
        [USER_PIN, USER_PIN, SO_PIN, SO_PIN])
    assert code == 0, shown
    assert "token 'tty' created" in shown
    assert USER_PIN not in shown and SO_PIN not in shown  # no echo
    assert shown.count("PIN") >= 4
    assert env.add_key("tty", "ecc-p256", "k").returncode == 0
    code, shown = run_on_terminal(
        env, ["token", "add", "tty2"], [USER_PIN, "different"])
    assert code == 1
    assert "differ" in shown
