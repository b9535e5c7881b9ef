"""Private keys imported into the TPM through C_CreateObject: pkcs11-tool
writes RSA and EC keys, the token signs with them (checked against the
original key), and the key material is nowhere in the store."""
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from conftest import MODULE, USER_PIN


def tool(env, *args, check=True):
    return env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
                   "--login", "--pin", USER_PIN, *args, check=check)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_import_then_sign(env, tmp_path, kind):
    env.add_token("t1")
    if kind == "rsa":
        key = rsa.generate_private_key(65537, 2048)
        mech = "SHA256-RSA-PKCS"
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        mech = "ECDSA-SHA256"
    der = tmp_path / "key.der"
    der.write_bytes(key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    out = tool(env, "--write-object", str(der), "--type", "privkey",
               "--id", "0b", "--label", "imported")
    assert "Private Key Object" in out.stdout
    data, sig = tmp_path / "data", tmp_path / "sig"
    data.write_bytes(b"signed by an imported key\n")
    extra = ["--signature-format", "openssl"] if kind == "ec" else []
    tool(env, "--sign", "--id", "0b", "-m", mech, "--input-file", str(data),
         "--output-file", str(sig), *extra)
    if kind == "rsa":
        key.public_key().verify(sig.read_bytes(), data.read_bytes(),
                                padding.PKCS1v15(), hashes.SHA256())
    else:
        key.public_key().verify(sig.read_bytes(), data.read_bytes(),
                                ec.ECDSA(hashes.SHA256()))
    # Not made here: the flags say so.
    listing = tool(env, "-O", "--id", "0b", "--type", "privkey").stdout
    assert "local" not in listing.split("Access:")[1].split("\n")[0]
    # The private numbers are nowhere in the store.
    store = open(env.store, "rb").read()
    if kind == "rsa":
        secret = key.private_numbers().p.to_bytes(128, "big")
    else:
        secret = key.private_numbers().private_value.to_bytes(32, "big")
    assert secret[:16] not in store


def test_import_refusals(env, tmp_path):
    env.add_token("t1")
    key = ec.generate_private_key(ec.SECP256R1())
    der = tmp_path / "key.der"
    der.write_bytes(key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    # Without a login the key cannot be wrapped for the token.
    out = env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
                  "--write-object", str(der), "--type", "privkey",
                  check=False)
    assert out.returncode != 0
    # A curve the token does not know.
    k1 = ec.generate_private_key(ec.SECP256K1())
    der.write_bytes(k1.private_bytes(serialization.Encoding.DER,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    out = tool(env, "--write-object", str(der), "--type", "privkey",
               check=False)
    assert out.returncode != 0
    # CKR_CURVE_NOT_SUPPORTED (0x140), which OpenSC 0.23 cannot name.
    assert "(0x140)" in out.stdout + out.stderr
    assert "Private Key Object" not in tool(env, "-O").stdout
