"""RSA and ECDSA beyond plain signing, through PyKCS11 and pkcs11-tool,
every result checked with python3-cryptography or OpenSSL: PSS and raw
RSA signatures, C_Verify, encryption and decryption (PKCS#1 v1.5, OAEP
with every hash and with or without a label, raw)."""
import hashlib
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature

from conftest import MODULE, USER_PIN

HASH = {"SHA1": hashes.SHA1, "SHA224": hashes.SHA224,
        "SHA256": hashes.SHA256, "SHA384": hashes.SHA384,
        "SHA512": hashes.SHA512}
MSG = b"tpmcard: a smartcard in the TPM\n"


def public_key(env, label):
    res = env.p11("sign", pin=USER_PIN, label=label, mech="ECDSA"
                  if label == "ec" else "RSA_PKCS", data=MSG.hex())
    if res["type"] == "rsa":
        return rsa.RSAPublicNumbers(int(res["e"], 16),
                                    int(res["n"], 16)).public_key()
    point = bytes.fromhex(res["point"])[2:]
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def crypt(env, *ops, pin=USER_PIN):
    return env.p11("crypt", pin=pin, ops=list(ops))


@pytest.mark.parametrize("hash_name,salt", [
    ("SHA256", 0), ("SHA256", 32), ("SHA256", 222), ("SHA1", 20),
    ("SHA384", 48), ("SHA512", 64)])
def test_pss_sign_any_salt(token_env, hash_name, salt):
    pub = public_key(token_env, "rsa")
    digest = hashlib.new(hash_name.lower(), MSG).digest()
    res = crypt(token_env,
                {"op": "sign", "key": "rsa", "mech": "RSA_PKCS_PSS",
                 "hash": hash_name, "mgf": hash_name, "salt": salt,
                 "data": digest.hex()},
                {"op": "sign", "key": "rsa", "mech": hash_name + "_RSA_PKCS_PSS",
                 "hash": hash_name, "mgf": hash_name, "salt": salt,
                 "data": MSG.hex()})
    for r in res:
        assert r["rv"] == "CKR_OK"
        pub.verify(bytes.fromhex(r["out"]), MSG,
                   padding.PSS(padding.MGF1(HASH[hash_name]()), salt),
                   HASH[hash_name]())


def test_pss_refusals(token_env):
    digest = hashlib.sha256(MSG).digest()
    base = {"op": "sign", "key": "rsa", "mech": "RSA_PKCS_PSS",
            "hash": "SHA256", "mgf": "SHA256", "data": digest.hex()}
    res = crypt(token_env,
                dict(base, salt=223),           # longer than 2048 bits allow
                dict(base, salt=32, data=digest[:20].hex()),
                dict(base, salt=32, mech="SHA256_RSA_PKCS_PSS",
                     hash="SHA384", data=MSG.hex()))
    assert [r["rv"] for r in res] == ["CKR_MECHANISM_PARAM_INVALID",
                                      "CKR_DATA_LEN_RANGE",
                                      "CKR_MECHANISM_PARAM_INVALID"]


def test_raw_rsa_sign(token_env):
    pub = public_key(token_env, "rsa")
    block = b"\x00\x01" + b"\x42" * 100
    res = crypt(token_env, {"op": "sign", "key": "rsa", "mech": "RSA_X_509",
                            "data": block.hex()})[0]
    assert res["rv"] == "CKR_OK"
    sig = int(res["out"], 16)
    n, e = pub.public_numbers().n, pub.public_numbers().e
    assert pow(sig, e, n) == int.from_bytes(block, "big")


@pytest.mark.parametrize("mech", ["SHA256_RSA_PKCS", "RSA_PKCS_PSS",
                                  "ECDSA_SHA256", "ECDSA"])
def test_verify_without_login(token_env, mech):
    """C_Verify checks what the token signed, needs no PIN, and refuses
    an altered signature or message."""
    key = "ec" if "ECDSA" in mech else "rsa"
    data = hashlib.sha256(MSG).digest() if mech in ("RSA_PKCS_PSS",
                                                    "ECDSA") else MSG
    op = {"key": key, "mech": mech, "hash": "SHA256", "mgf": "SHA256",
          "salt": 32, "data": data.hex()}
    sig = crypt(token_env, dict(op, op="sign"))[0]["out"]
    bad = bytes.fromhex(sig)
    bad = (bad[:-1] + bytes([bad[-1] ^ 1])).hex()
    res = crypt(token_env, dict(op, op="verify", sig=sig),
                dict(op, op="verify", sig=bad),
                dict(op, op="verify", sig=sig[:-2]), pin=None)
    assert res[0] == {"rv": "CKR_OK", "out": True}
    assert res[1] == {"rv": "CKR_OK", "out": False}   # SIGNATURE_INVALID
    assert res[2]["rv"] == "CKR_SIGNATURE_LEN_RANGE"


def test_verify_openssl_signatures(token_env):
    """Signatures made elsewhere (here: by the token, re-encoded) verify;
    a DER ECDSA signature (not r || s) is refused by length."""
    res = crypt(token_env, {"op": "sign", "key": "ec", "mech": "ECDSA_SHA256",
                            "data": MSG.hex()})[0]
    raw = bytes.fromhex(res["out"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                               int.from_bytes(raw[32:], "big"))
    out = crypt(token_env, {"op": "verify", "key": "ec",
                            "mech": "ECDSA_SHA256", "data": MSG.hex(),
                            "sig": der.hex()}, pin=None)[0]
    assert out["rv"] == "CKR_SIGNATURE_LEN_RANGE"


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256", "SHA384", "SHA512"])
@pytest.mark.parametrize("label", [None, b"tpmcard label"])
def test_oaep_decrypt(token_env, hash_name, label):
    pub = public_key(token_env, "rsa")
    secret = os.urandom(32)
    ct = pub.encrypt(secret, padding.OAEP(padding.MGF1(HASH[hash_name]()),
                                          HASH[hash_name](), label))
    res = crypt(token_env, {"op": "decrypt", "key": "rsa",
                            "mech": "RSA_PKCS_OAEP", "hash": hash_name,
                            "mgf": hash_name,
                            "label": label.hex() if label else None,
                            "data": ct.hex()})[0]
    assert res == {"rv": "CKR_OK", "out": secret.hex()}


def test_oaep_mixed_hashes_and_wrong_label(token_env):
    pub = public_key(token_env, "rsa")
    ct = pub.encrypt(b"k" * 16, padding.OAEP(padding.MGF1(hashes.SHA1()),
                                             hashes.SHA256(), b"L"))
    op = {"op": "decrypt", "key": "rsa", "mech": "RSA_PKCS_OAEP",
          "hash": "SHA256", "mgf": "SHA1", "data": ct.hex()}
    res = crypt(token_env, dict(op, label=b"L".hex()),
                dict(op, label=b"M".hex()))
    assert res[0] == {"rv": "CKR_OK", "out": (b"k" * 16).hex()}
    assert res[1]["rv"] == "CKR_ENCRYPTED_DATA_INVALID"


def test_encrypt_then_decrypt_every_padding(token_env):
    pub = public_key(token_env, "rsa")
    n = pub.public_numbers().n
    secret = os.urandom(24)
    ops = []
    for mech in ("RSA_PKCS", "RSA_PKCS_OAEP", "RSA_X_509"):
        ops.append({"op": "encrypt", "key": "rsa", "mech": mech,
                    "hash": "SHA256", "mgf": "SHA256", "data": secret.hex()})
    enc = crypt(token_env, *ops, pin=None)
    assert all(r["rv"] == "CKR_OK" for r in enc)
    # Raw RSA is the plain public operation on the left-padded block.
    raw = int(enc[2]["out"], 16)
    assert raw == pow(int.from_bytes(secret, "big"),
                      pub.public_numbers().e, n)
    dec = crypt(token_env, *[dict(o, op="decrypt", data=r["out"])
                             for o, r in zip(ops, enc)])
    assert dec[0]["out"] == secret.hex()
    assert dec[1]["out"] == secret.hex()
    assert bytes.fromhex(dec[2]["out"]).lstrip(b"\0") == secret


def test_decrypt_refusals(token_env):
    op = {"op": "decrypt", "key": "rsa", "mech": "RSA_PKCS",
          "data": (b"\x01" * 256).hex()}
    res = crypt(token_env, op, dict(op, data=(b"\x01" * 255).hex()))
    assert res[0]["rv"] == "CKR_ENCRYPTED_DATA_INVALID"
    assert res[1]["rv"] == "CKR_ENCRYPTED_DATA_LEN_RANGE"
    # Without login the private key cannot even be found.
    logged_out = crypt(token_env, dict(op, key="rsa"), pin=None)
    assert logged_out[0]["rv"] == "NO_OBJECT"


def tool(env, *args):
    return env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
                   *args)


def test_pkcs11_tool_oaep_and_pss_against_openssl(token_env, tmp_path):
    pub = tmp_path / "pub.der"
    tool(token_env, "--read-object", "--type", "pubkey", "--label", "rsa",
         "--output-file", str(pub))
    plain, ct, out = tmp_path / "plain", tmp_path / "ct", tmp_path / "out"
    plain.write_bytes(b"the secret\n")
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-keyform",
                    "DER", "-inkey", str(pub), "-pkeyopt",
                    "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                    "-pkeyopt", "rsa_mgf1_md:sha256", "-in", str(plain),
                    "-out", str(ct)], check=True)
    tool(token_env, "--login", "--pin", USER_PIN, "--decrypt", "--label",
         "rsa", "-m", "RSA-PKCS-OAEP", "--hash-algorithm", "SHA256",
         "--mgf", "MGF1-SHA256", "--input-file", str(ct), "--output-file",
         str(out))
    assert out.read_bytes() == plain.read_bytes()
    sig = tmp_path / "sig"
    tool(token_env, "--login", "--pin", USER_PIN, "--sign", "--label", "rsa",
         "-m", "SHA256-RSA-PKCS-PSS", "--mgf", "MGF1-SHA256",
         "--salt-len", "32", "--input-file", str(plain), "--output-file",
         str(sig))
    subprocess.run(["openssl", "dgst", "-sha256", "-keyform", "DER",
                    "-verify", str(pub), "-sigopt", "rsa_padding_mode:pss",
                    "-sigopt", "rsa_pss_saltlen:32", "-signature", str(sig),
                    str(plain)], check=True, capture_output=True)
    tool(token_env, "--verify", "--label", "rsa", "-m", "SHA256-RSA-PKCS-PSS",
         "--mgf", "MGF1-SHA256", "--salt-len", "32", "--input-file",
         str(plain), "--signature-file", str(sig))


def test_pkcs11_tool_self_test(token_env):
    out = token_env.run("pkcs11-tool", "--module", MODULE, "--token-label",
                        "t1", "--test", "--login", "--pin", USER_PIN)
    assert "No errors" in out.stdout


def test_mechanisms_follow_the_tpm(token_env):
    """swtpm 0.7 makes no RSA-4096 key: the mechanisms say 2048 to 3072."""
    out = token_env.run("pkcs11-tool", "--module", MODULE, "-M").stdout
    line = [ln for ln in out.splitlines() if "RSA-PKCS-KEY-PAIR-GEN" in ln]
    assert line and "keySize={2048,3072}" in line[0]
    ec = [ln for ln in out.splitlines() if ln.strip().startswith("ECDSA,")]
    assert ec and "keySize={256,521}" in ec[0]
