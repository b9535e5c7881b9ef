"""Every standard attribute of RSA and EC key pairs, as C_GetAttributeValue
returns it one by one: present, sensitive, or not of this object."""
import struct

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key

from conftest import USER_PIN

STORAGE = ["CKA_CLASS", "CKA_TOKEN", "CKA_PRIVATE", "CKA_MODIFIABLE",
           "CKA_LABEL", "CKA_COPYABLE", "CKA_DESTROYABLE"]
KEY = ["CKA_KEY_TYPE", "CKA_ID", "CKA_START_DATE", "CKA_END_DATE",
       "CKA_DERIVE", "CKA_LOCAL", "CKA_KEY_GEN_MECHANISM",
       "CKA_ALLOWED_MECHANISMS"]
PUBLIC = ["CKA_SUBJECT", "CKA_ENCRYPT", "CKA_VERIFY", "CKA_VERIFY_RECOVER",
          "CKA_WRAP", "CKA_TRUSTED", "CKA_PUBLIC_KEY_INFO"]
PRIVATE = ["CKA_SUBJECT", "CKA_SENSITIVE", "CKA_DECRYPT", "CKA_SIGN",
           "CKA_SIGN_RECOVER", "CKA_UNWRAP", "CKA_EXTRACTABLE",
           "CKA_ALWAYS_SENSITIVE", "CKA_NEVER_EXTRACTABLE",
           "CKA_WRAP_WITH_TRUSTED", "CKA_ALWAYS_AUTHENTICATE",
           "CKA_PUBLIC_KEY_INFO"]
RSA_PUBLIC = ["CKA_MODULUS", "CKA_MODULUS_BITS", "CKA_PUBLIC_EXPONENT"]
RSA_PRIVATE = ["CKA_MODULUS", "CKA_PUBLIC_EXPONENT"]
RSA_SECRET = ["CKA_PRIVATE_EXPONENT", "CKA_PRIME_1", "CKA_PRIME_2",
              "CKA_EXPONENT_1", "CKA_EXPONENT_2", "CKA_COEFFICIENT"]
EC_PUBLIC = ["CKA_EC_PARAMS", "CKA_EC_POINT"]
EC_PRIVATE = ["CKA_EC_PARAMS"]
EC_SECRET = ["CKA_VALUE"]
FOREIGN = ["CKA_CERTIFICATE_TYPE", "CKA_VALUE_LEN", "CKA_APPLICATION"]

TRUE, FALSE = "01", "00"


def ulong(value):
    return struct.pack("=L" if struct.calcsize("L") == 4 else "=Q",
                       value).hex()


def query(env, label, pin=USER_PIN):
    names = sorted(set(STORAGE + KEY + PUBLIC + PRIVATE + RSA_PUBLIC +
                       RSA_SECRET + EC_PUBLIC + EC_SECRET + FOREIGN))
    return env.p11("attrs", label=label, pin=pin, names=names)


def assert_present(attrs, names):
    missing = {n: attrs[n][0] for n in names if attrs[n][0] != "CKR_OK"}
    assert missing == {}


def assert_rv(attrs, names, rv):
    assert {n: attrs[n][0] for n in names} == {n: rv for n in names}




def test_rsa_pair(token_env):
    res = query(token_env, "rsa")
    pub, priv = res["CKO_PUBLIC_KEY"], res["CKO_PRIVATE_KEY"]
    assert_present(pub, STORAGE + KEY + PUBLIC + RSA_PUBLIC)
    assert_present(priv, STORAGE + KEY + PRIVATE + RSA_PRIVATE)
    assert_rv(priv, RSA_SECRET, "CKR_ATTRIBUTE_SENSITIVE")
    assert_rv(pub, RSA_SECRET + PRIVATE[1:-1] + FOREIGN,
              "CKR_ATTRIBUTE_TYPE_INVALID")
    assert_rv(priv, ["CKA_MODULUS_BITS", "CKA_EC_POINT"] + FOREIGN,
              "CKR_ATTRIBUTE_TYPE_INVALID")
    for a in (pub, priv):
        assert a["CKA_KEY_TYPE"][1] == ulong(0)  # CKK_RSA
        assert a["CKA_TOKEN"][1] == TRUE
        assert a["CKA_LOCAL"][1] == TRUE
        assert a["CKA_KEY_GEN_MECHANISM"][1] == ulong(0)  # RSA key gen
        assert a["CKA_LABEL"][1] == b"rsa".hex()
        assert a["CKA_MODULUS"][1] == pub["CKA_MODULUS"][1]
        assert a["CKA_PUBLIC_EXPONENT"][1] == "010001"
        spki = load_der_public_key(bytes.fromhex(a["CKA_PUBLIC_KEY_INFO"][1]))
        assert spki.public_numbers().n == int(pub["CKA_MODULUS"][1], 16)
    assert pub["CKA_ID"][1] == priv["CKA_ID"][1] != ""
    assert pub["CKA_MODULUS_BITS"][1] == ulong(2048)
    assert pub["CKA_PRIVATE"][1] == FALSE
    assert priv["CKA_PRIVATE"][1] == TRUE
    assert priv["CKA_SENSITIVE"][1] == TRUE
    assert priv["CKA_ALWAYS_SENSITIVE"][1] == TRUE
    assert priv["CKA_EXTRACTABLE"][1] == FALSE
    assert priv["CKA_NEVER_EXTRACTABLE"][1] == TRUE
    assert priv["CKA_SIGN"][1] == TRUE
    assert pub["CKA_VERIFY"][1] == TRUE


def test_ec_pair(token_env):
    res = query(token_env, "ec")
    pub, priv = res["CKO_PUBLIC_KEY"], res["CKO_PRIVATE_KEY"]
    assert_present(pub, STORAGE + KEY + PUBLIC + EC_PUBLIC)
    assert_present(priv, STORAGE + KEY + PRIVATE + EC_PRIVATE)
    assert_rv(priv, EC_SECRET, "CKR_ATTRIBUTE_SENSITIVE")
    assert_rv(pub, EC_SECRET + RSA_PUBLIC + FOREIGN,
              "CKR_ATTRIBUTE_TYPE_INVALID")
    for a in (pub, priv):
        assert a["CKA_KEY_TYPE"][1] == ulong(3)  # CKK_EC
        assert a["CKA_KEY_GEN_MECHANISM"][1] == ulong(0x1040)
        assert a["CKA_EC_PARAMS"][1] == "06082a8648ce3d030107"
        spki = load_der_public_key(bytes.fromhex(a["CKA_PUBLIC_KEY_INFO"][1]))
        point = bytes.fromhex(pub["CKA_EC_POINT"][1])[2:]
        assert spki.public_numbers().x == int.from_bytes(point[1:33], "big")


def test_private_halves_are_not_there_before_login(token_env):
    res = query(token_env, "rsa", pin=None)
    assert list(res) == ["CKO_PUBLIC_KEY"]
