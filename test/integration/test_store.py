"""The store as processes share it: changes seen live, concurrent writers,
read-only stores, and no secret in the file."""
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

from conftest import HELPER, MODULE, SO_PIN, USER_PIN

NOBODY = 65534


def test_a_running_module_sees_a_key_the_cli_adds(token_env, tmp_path):
    go = tmp_path / "go"
    watcher = subprocess.Popen(
        ["/usr/bin/python3", HELPER, MODULE, "watch",
         json.dumps({"go": str(go)})],
        env=token_env.vars, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert json.loads(watcher.stdout.readline()) == {"ready": True}
        token_env.add_key("t1", "ecc-p256", "added-later")
        go.touch()
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert watcher.returncode == 0, err
    result = json.loads(out)
    assert result["before"] == [["CKO_PUBLIC_KEY", "ec"],
                                ["CKO_PUBLIC_KEY", "rsa"]]
    assert result["after"] == [["CKO_PUBLIC_KEY", "added-later"],
                               ["CKO_PUBLIC_KEY", "ec"],
                               ["CKO_PUBLIC_KEY", "rsa"]]


def test_two_writers_at_once_both_succeed(token_env):
    results = {}

    def generate(label):
        results[label] = token_env.add_key("t1", "ecc-p256", label,
                                           check=False)

    threads = [threading.Thread(target=generate, args=(label,))
               for label in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for label, r in results.items():
        assert r.returncode == 0, (label, r.stderr)
    listing = token_env.cli("key", "list", "--token", "t1").stdout
    assert sorted(line.split()[0] for line in listing.splitlines()) == \
        ["ec", "one", "rsa", "two"]


def test_the_store_file_holds_no_pin(token_env):
    files = [token_env.store + suffix for suffix in ("", "-wal")
             if os.path.exists(token_env.store + suffix)]
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        for pin in (USER_PIN, SO_PIN):
            assert pin.encode() not in data
            assert pin.encode("utf-16-le") not in data


@pytest.fixture
def read_only_store(token_env, mode):
    """The test store, copied into a directory and file that the user
    'nobody' may read but not write (root would write regardless)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another user")
    if mode == "abrmd":
        pytest.skip("a private session bus admits only its own user")
    top = tempfile.mkdtemp(prefix="tpmcard-ro-")
    os.chmod(top, 0o755)
    store_dir = os.path.join(top, "store")
    os.mkdir(store_dir)
    store = os.path.join(store_dir, "store.sqlite3")
    shutil.copyfile(token_env.store, store)
    os.chown(store, NOBODY, NOBODY)
    os.chmod(store, 0o400)
    os.chown(store_dir, NOBODY, NOBODY)
    os.chmod(store_dir, 0o555)
    yield store
    shutil.rmtree(top)


def run_as_nobody(token_env, store, action, **params):
    env = dict(token_env.vars, TPMCARD_STORE=store, HOME="/nonexistent")
    r = subprocess.run(
        ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
         "--clear-groups", "/usr/bin/python3", HELPER, MODULE, action,
         json.dumps(params)],
        env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_read_only_store_lists_and_signs(token_env, read_only_store):
    slots = run_as_nobody(token_env, read_only_store, "slots")["slots"]
    assert slots[0]["label"] == "t1"
    assert "CKF_WRITE_PROTECTED" in run_as_nobody(
        token_env, read_only_store, "login", pin=USER_PIN)["flags"]
    res = run_as_nobody(token_env, read_only_store, "sign", pin=USER_PIN,
                        label="ec", mech="ECDSA_SHA256",
                        data=b"read-only".hex())
    assert res["rv"] == "CKR_OK"
    # Writing is refused with the standard code, and leaves no trace.
    assert run_as_nobody(token_env, read_only_store, "set_pin",
                         old=USER_PIN, new="97539753")["rv"] == \
        "CKR_TOKEN_WRITE_PROTECTED"
    assert run_as_nobody(token_env, read_only_store, "login",
                         pin=USER_PIN)["rv"] == "CKR_OK"
    # Nothing was written beside the store: no journal, WAL or lock file.
    assert os.listdir(os.path.dirname(read_only_store)) == ["store.sqlite3"]
