"""The store when its disk is full, when another writer holds it, and
when it was cut short (issue 6): a clear one-line refusal naming the
cause, nothing half-written, and everything works again once the cause
is gone."""
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import USER_PIN, Env
from test_cli import dump, refused

PINS = {"TPMCARD_USER_PIN": USER_PIN, "TPMCARD_SO_PIN": "12345678"}


def integrity(store):
    with sqlite3.connect(store) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture
def small_disk(env, tmp_path, mode):
    """A store on a 1 MiB tmpfs of its own, holding token t1 and a key."""
    if mode != "direct":
        pytest.skip("the store behaves the same either way")
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700",
                    "tmpfs", str(disk)], check=True)
    try:
        small = Env(env.tcti, {}, str(disk / "store.sqlite3"), env.runtime)
        small.disk = disk
        small.add_token("t1")
        small.add_key("t1", "ecc-p256", "before")
        yield small
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk):
    """Takes what space the disk has left; the filler's path."""
    path = disk / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def test_a_full_disk_refuses_and_writes_nothing(small_disk):
    before = dump(small_disk.store)
    filler = fill(small_disk.disk)
    line = refused(small_disk.add_key("t1", "rsa2048", "after", check=False))
    assert "full" in line, line
    os.unlink(filler)
    assert dump(small_disk.store) == before
    assert integrity(small_disk.store) == "ok"
    small_disk.add_key("t1", "rsa2048", "after")
    assert "after" in small_disk.cli("key", "list", "--token", "t1").stdout


def test_another_writer_holding_the_store(token_env):
    before = dump(token_env.store)
    holder = sqlite3.connect(token_env.store, isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(30, holder.rollback)
    release.start()
    try:
        start = time.monotonic()
        line = refused(token_env.add_key("t1", "ecc-p256", "blocked",
                                         check=False))
        waited = time.monotonic() - start
    finally:
        release.cancel()
        holder.rollback()
        holder.close()
    assert "locked by another writer" in line, line
    assert 5 < waited < 29  # it waited for the writer, then gave up
    assert dump(token_env.store) == before
    token_env.add_key("t1", "ecc-p256", "blocked")


@pytest.mark.parametrize("args", [("token", "list"),
                                  ("key", "list", "--token", "t1")])
def test_a_store_cut_short_is_refused_and_left_alone(token_env, args):
    size = os.path.getsize(token_env.store)
    with open(token_env.store, "r+b") as f:
        f.truncate(size // 2)
    cut = open(token_env.store, "rb").read()
    line = refused(token_env.cli(*args, check=False, env=PINS))
    assert token_env.store in line and "damaged" in line, line
    assert open(token_env.store, "rb").read() == cut


def test_the_module_on_a_store_cut_short(token_env):
    """C_Initialize refuses a damaged store (CKR_FUNCTION_FAILED) with a
    log line that says which file and why; no crash, no hang, and the
    file is left as it was."""
    with open(token_env.store, "r+b") as f:
        f.truncate(os.path.getsize(token_env.store) // 2)
    cut = open(token_env.store, "rb").read()
    out = token_env.run("/usr/bin/python3", "-c", r'''
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib()
try:
    lib.load(sys.argv[1])
    print("loaded")
except PyKCS11.PyKCS11Error as e:
    print(PyKCS11.CKR[e.value])
''', token_env.module, env={"TPMCARD_LOG": "warn"}, check=False,
                        timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "CKR_FUNCTION_FAILED", out.stdout
    assert token_env.store in out.stderr and "damaged" in out.stderr
    assert open(token_env.store, "rb").read() == cut
