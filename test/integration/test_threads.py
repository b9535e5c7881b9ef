"""One module, many threads signing at once (a multi-threaded server)."""
import os

import pytest

from conftest import BUILD, MODULE, USER_PIN

PROGRAM = os.path.join(BUILD, "test/integration/tpmcard-threads")


@pytest.mark.parametrize("locking", ["os-locking", "app-locks"])
def test_many_threads_sign_at_once(token_env, locking):
    out = token_env.run(PROGRAM, MODULE, "t1", USER_PIN, "8", "12", locking,
                        check=False, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "failures=0" in out.stdout
