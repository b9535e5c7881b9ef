"""The PKCS#11 path under valgrind's memcheck (issue 6): a host loads the
module, logs in, signs with ECDSA, decrypts with RSA, logs out and
finalizes (secrets_host.c), with no memory error and no definite leak."""
import os
import subprocess

import pytest

from conftest import MODULE, PRELOAD
from test_secrets import PROGRAM, card  # noqa: F401 (the fixture)


def test_the_smoke_path_is_clean_under_memcheck(card):  # noqa: F811
    if PRELOAD:
        pytest.skip("the sanitizer build is not for valgrind")
    log = card.dir / "memcheck.log"
    out = subprocess.run(
        ["valgrind", "--error-exitcode=99", "--leak-check=full",
         "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
         "--log-file=%s" % log, PROGRAM, MODULE, "t1",
         str(card.dir / "pin"), str(card.dir / "cipher.bin"), "logout"],
        env=card.vars, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=600)
    report = log.read_text()
    assert out.returncode == 0, report[-4000:]
    assert "ready" in out.stdout
    assert "ERROR SUMMARY: 0 errors" in report, report[-4000:]
    assert "definitely lost: 0 bytes" in report or \
        "no leaks are possible" in report, report[-4000:]
