"""ECDH through pkcs11-tool and PyKCS11: the TPM computes Z with the
token's key, checked against python3-cryptography's ECDH with the peer's
private key."""
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from conftest import MODULE, USER_PIN


def token_public(env):
    res = env.p11("sign", pin=USER_PIN, label="ec", mech="ECDSA",
                  data="00" * 32)
    point = bytes.fromhex(res["point"])[2:]
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


def test_pkcs11_tool_derive(env, tmp_path):
    # pkcs11-tool derives with the first private key it finds: only one.
    env.add_token("t1")
    env.add_key("t1", "ecc-p256", "ec")
    token_env = env
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_pub = tmp_path / "peer.der"
    peer_pub.write_bytes(peer.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    out = tmp_path / "z"
    token_env.run("pkcs11-tool", "--module", MODULE, "--login", "--pin",
                  USER_PIN, "--derive", "-m", "ECDH1-DERIVE", "--label", "ec",
                  "--input-file", str(peer_pub), "--output-file", str(out))
    assert out.read_bytes() == peer.exchange(ec.ECDH(), token_public(token_env))


@pytest.mark.parametrize("kdf", ["NULL", "SHA256"])
def test_pykcs11_derive_with_kdf(token_env, kdf):
    peer = ec.generate_private_key(ec.SECP256R1())
    point = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    res = token_env.p11("derive", pin=USER_PIN, label="ec", kdf=kdf,
                        shared="74706d63617264" if kdf != "NULL" else "",
                        point=point.hex(), length=24)
    z = peer.exchange(ec.ECDH(), token_public(token_env))
    if kdf == "NULL":
        want = z[:24]
    else:
        want = X963KDF(hashes.SHA256(), 24, b"tpmcard").derive(z)
    assert res == {"rv": "CKR_OK", "value": want.hex()}


def test_derive_refusals(token_env):
    good = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962,
        serialization.PublicFormat.UncompressedPoint)
    off_curve = good[:-1] + bytes([good[-1] ^ 1])
    res = token_env.p11("derive", pin=USER_PIN, label="ec", kdf="NULL",
                        shared="", point=off_curve.hex(), length=16)
    assert res["rv"] == "CKR_MECHANISM_PARAM_INVALID"
    res = token_env.p11("derive", pin=USER_PIN, label="ec", kdf="NULL",
                        shared="", point=good.hex(), length=16,
                        sensitive=True)
    assert res["rv"] == "CKR_TEMPLATE_INCONSISTENT"
