"""Signing through PKCS#11 with TPM keys, checked by OpenSSL (cryptography)."""
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature

from conftest import USER_PIN

DATA = b"tpmcard signs this"


def rsa_public(res):
    return rsa.RSAPublicNumbers(int(res["e"], 16),
                                int(res["n"], 16)).public_key()


def ec_public(res):
    point = bytes.fromhex(res["point"])
    assert point[0] == 0x04 and point[1] == len(point) - 2  # DER OCTET STRING
    assert res["params"] == "06082a8648ce3d030107"  # prime256v1
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                        point[2:])


def der_from_raw(sig):
    half = len(sig) // 2
    return encode_dss_signature(int.from_bytes(sig[:half], "big"),
                                int.from_bytes(sig[half:], "big"))


@pytest.mark.parametrize("mech,hash_cls", [
    ("SHA256_RSA_PKCS", hashes.SHA256), ("SHA1_RSA_PKCS", hashes.SHA1),
    ("SHA384_RSA_PKCS", hashes.SHA384), ("SHA512_RSA_PKCS", hashes.SHA512)])
def test_rsa_hash_and_sign(token_env, mech, hash_cls):
    res = token_env.p11("sign", pin=USER_PIN, label="rsa", mech=mech,
                        data=DATA.hex())
    assert res["rv"] == "CKR_OK"
    sig = bytes.fromhex(res["sig"])
    assert len(sig) == 256
    rsa_public(res).verify(sig, DATA, padding.PKCS1v15(), hash_cls())


def test_rsa_pkcs_signs_a_digest_info_as_ssh_does(token_env):
    digest = hashlib.sha512(DATA).digest()
    prefix = bytes.fromhex("3051300d060960864801650304020305000440")
    res = token_env.p11("sign", pin=USER_PIN, label="rsa", mech="RSA_PKCS",
                        data=(prefix + digest).hex())
    assert res["rv"] == "CKR_OK"
    rsa_public(res).verify(bytes.fromhex(res["sig"]), DATA,
                           padding.PKCS1v15(), hashes.SHA512())


def test_rsa_pkcs_refuses_input_longer_than_the_modulus_allows(token_env):
    res = token_env.p11("sign", pin=USER_PIN, label="rsa", mech="RSA_PKCS",
                        data=(b"x" * 246).hex())
    assert res["rv"] == "CKR_DATA_LEN_RANGE"


@pytest.mark.parametrize("hash_fn", [hashlib.sha256, hashlib.sha1,
                                     hashlib.sha384, hashlib.sha512])
def test_ecdsa_raw_any_hash_length(token_env, hash_fn):
    digest = hash_fn(DATA).digest()
    res = token_env.p11("sign", pin=USER_PIN, label="ec", mech="ECDSA",
                        data=digest.hex())
    assert res["rv"] == "CKR_OK"
    sig = bytes.fromhex(res["sig"])
    assert len(sig) == 64  # r || s, 32 bytes each
    # ECDSA uses the leftmost 256 bits of a longer hash.
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    if len(digest) > 32:
        digest = digest[:32]
        algo = ec.ECDSA(Prehashed(hashes.SHA256()))
    else:
        algo = ec.ECDSA(Prehashed({20: hashes.SHA1(),
                                   32: hashes.SHA256()}[len(digest)]))
    ec_public(res).verify(der_from_raw(sig), digest, algo)


def test_ecdsa_sha256(token_env):
    res = token_env.p11("sign", pin=USER_PIN, label="ec", mech="ECDSA_SHA256",
                        data=DATA.hex())
    assert res["rv"] == "CKR_OK"
    ec_public(res).verify(der_from_raw(bytes.fromhex(res["sig"])), DATA,
                          ec.ECDSA(hashes.SHA256()))


def test_wrong_mechanism_for_key(token_env):
    res = token_env.p11("sign", pin=USER_PIN, label="ec", mech="RSA_PKCS",
                        data="00" * 32)
    assert res["rv"] == "CKR_KEY_TYPE_INCONSISTENT"
