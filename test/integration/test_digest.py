"""Digests through a real client, with no login and no TPM needed."""
import hashlib

import pytest

from conftest import MODULE

NO_TPM = "swtpm:host=127.0.0.1,port=1"


@pytest.mark.parametrize("mech,algo", [
    ("SHA-1", "sha1"), ("SHA224", "sha224"), ("SHA256", "sha256"),
    ("SHA384", "sha384"), ("SHA512", "sha512")])
def test_pkcs11_tool_hash(token_env, tmp_path, mech, algo):
    data = b"tpmcard hashes this\n" * 1000
    src, out = tmp_path / "in", tmp_path / "out"
    src.write_bytes(data)
    token_env.run("pkcs11-tool", "--module", MODULE, "--hash",
                  "--mechanism", mech, "--input-file", str(src),
                  "--output-file", str(out), env={"TPMCARD_TCTI": NO_TPM})
    assert out.read_bytes() == hashlib.new(algo, data).digest()
