"""The README's demo command, run as a newcomer would: twice, from an empty
home, with no TPM device, so it starts and stops its own swtpm."""
import os
import subprocess

import pytest

from conftest import BUILD, PRELOAD

DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "scripts",
                    "demo.sh")


def run_demo(home):
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=home + "/data",
               TPMCARD_DEMO_TPM="swtpm", TPMCARD_BUILD_DIR=BUILD)
    for name in ("TPMCARD_TCTI", "TPMCARD_STORE", "TPMCARD_USER_PIN",
                 "TPMCARD_SO_PIN", "TPMCARD_LOG"):
        env.pop(name, None)
    return subprocess.run(["bash", DEMO], env=env, capture_output=True,
                          text=True, timeout=600)


def swtpm_running_in(home):
    out = subprocess.run(["pgrep", "-a", "swtpm"], capture_output=True,
                         text=True).stdout
    return home in out


@pytest.mark.skipif(PRELOAD is not None,
                    reason="the demo drives uninstrumented clients")
def test_demo_runs_twice(mode, tmp_path):
    if mode != "direct":
        pytest.skip("the demo brings its own TPM; once is enough")
    home = str(tmp_path)
    first = run_demo(home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "token 'demo' created" in first.stdout
    assert "key 'demo-rsa' (rsa2048) generated" in first.stdout
    assert "key 'demo-ec' (ecc-p256) generated" in first.stdout
    assert first.stdout.count("Verified OK") == 2
    assert "ssh -I " in first.stdout
    assert not swtpm_running_in(home)

    second = run_demo(home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "token 'demo' exists" in second.stdout
    assert "key 'demo-rsa' exists" in second.stdout
    keys = [line for line in second.stdout.splitlines()
            if line.startswith(("ssh-rsa ", "ecdsa-sha2-nistp256 "))]
    assert len(keys) == 2
    assert keys == [line for line in first.stdout.splitlines()
                    if line.startswith(("ssh-rsa ", "ecdsa-sha2-"))]
    assert second.stdout.count("Verified OK") == 2
    assert not swtpm_running_in(home)
    store = os.path.join(home, "data", "tpmcard-demo", "store.sqlite3")
    assert os.stat(store).st_mode & 0o777 == 0o600
