"""What crosses the TPM interface: every command and response of a
login, an EC signature, an RSA PKCS#1 decryption, a PIN change and an EC
key import, an AES key import, AES-CBC encryption and decryption,
recorded by tpm2-tss's pcap TCTI, holds none of the secrets: not the
PIN, not the PIN-derived auth value the wrap secret is sealed under, not
the decrypted plaintext, not the imported private or AES key, not the AES
plaintext either way.  A positive control finds what does travel in
clear (the digest signed, the AES ciphertext)."""
import hashlib
import hmac
import os
import sqlite3

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conftest import MODULE, USER_PIN

NEW_PIN = "246810"

SCENARIO = r'''
import sys
import PyKCS11

lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
pin, new_pin, plain_hex, d_hex, cipher_hex = sys.argv[2:7]
aes_hex, aes_plain_hex, aes_cipher_hex, aes_in_hex = sys.argv[7:11]
slot = lib.getSlotList(tokenPresent=True)[0]
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
s.login(pin)

def key(label, cls=PyKCS11.CKO_PRIVATE_KEY):
    return s.findObjects([(PyKCS11.CKA_CLASS, cls),
                          (PyKCS11.CKA_LABEL, label)])[0]

s.sign(key("ec"), b"signed in the capture",
       PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256))
# PKCS#1 v1.5: the TPM's raw result holds the message unmasked, so only
# the session's encryption keeps it off the wire.
plain = bytes(s.decrypt(key("rsa"), bytes.fromhex(cipher_hex),
                        PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS)))
assert plain == bytes.fromhex(plain_hex), plain
s.setPin(pin, new_pin)
s.setPin(new_pin, pin)
params = bytes.fromhex("06082a8648ce3d030107")
s.createObject([
    (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
    (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
    (PyKCS11.CKA_TOKEN, False),
    (PyKCS11.CKA_SIGN, True),
    (PyKCS11.CKA_EC_PARAMS, params),
    (PyKCS11.CKA_VALUE, bytes.fromhex(d_hex)),
])
# AES-256-CBC: the plaintext goes in when encrypting and comes out when
# decrypting; the key's value goes in at import.
aes = s.createObject([
    (PyKCS11.CKA_CLASS, PyKCS11.CKO_SECRET_KEY),
    (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_AES),
    (PyKCS11.CKA_TOKEN, False),
    (PyKCS11.CKA_ENCRYPT, True),
    (PyKCS11.CKA_DECRYPT, True),
    (PyKCS11.CKA_VALUE, bytes.fromhex(aes_hex)),
])
cbc = PyKCS11.Mechanism(PyKCS11.CKM_AES_CBC, bytes(16))
out = bytes(s.encrypt(aes, bytes.fromhex(aes_plain_hex), cbc))
assert out == bytes.fromhex(aes_cipher_hex), out.hex()
out = bytes(s.decrypt(aes, bytes.fromhex(aes_in_hex), cbc))
print("aes-decrypted", out.hex())
s.logout()
print("ok")
'''


def pin_auth(pin, salt):
    """HKDF-SHA256 as src/common/crypto.c derives a PIN's auth value."""
    prk = hmac.new(salt, pin.encode(), hashlib.sha256).digest()
    return hmac.new(prk, b"tpmcard pin auth v1\x01",
                    hashlib.sha256).digest()


def cbc_encrypt(key, data):
    enc = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return enc.update(data) + enc.finalize()


def rsa_public(env):
    out = env.run("/usr/bin/python3", "-c", r'''
import sys, PyKCS11
lib = PyKCS11.PyKCS11Lib(); lib.load(sys.argv[1])
s = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
k = s.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
                   (PyKCS11.CKA_LABEL, "rsa")])[0]
print(bytes(s.getAttributeValue(k, [PyKCS11.CKA_PUBLIC_KEY_INFO])[0]).hex())
''', MODULE)
    return serialization.load_der_public_key(bytes.fromhex(out.stdout))


def test_no_secret_crosses_the_tpm_interface(token_env, tmp_path):
    capture = tmp_path / "traffic.pcap"
    plain = os.urandom(24)
    cipher = rsa_public(token_env).encrypt(plain, padding.PKCS1v15())
    private = ec.generate_private_key(ec.SECP256R1())
    d = private.private_numbers().private_value.to_bytes(32, "big")
    aes_key, aes_plain, aes_secret = (os.urandom(32), os.urandom(1040),
                                      os.urandom(1040))
    aes_cipher, aes_in = (cbc_encrypt(aes_key, aes_plain),
                          cbc_encrypt(aes_key, aes_secret))
    out = token_env.run(
        "/usr/bin/python3", "-c", SCENARIO, MODULE, USER_PIN, NEW_PIN,
        plain.hex(), d.hex(), cipher.hex(), aes_key.hex(), aes_plain.hex(),
        aes_cipher.hex(), aes_in.hex(), check=False,
        env={"TPMCARD_TCTI": "pcap:" + token_env.tcti,
             "TCTI_PCAP_FILE": str(capture)})
    assert out.returncode == 0, out.stderr
    assert "aes-decrypted " + aes_secret.hex() in out.stdout, out.stdout
    traffic = capture.read_bytes()
    # The capture holds the traffic: the digest signed is sent in clear,
    # and so is AES ciphertext, which is meant for the world.
    assert hashlib.sha256(b"signed in the capture").digest() in traffic
    assert aes_cipher[:12] in traffic and aes_in[:12] in traffic

    with sqlite3.connect(token_env.store) as db:
        (salt,) = db.execute("SELECT user_salt FROM tokens").fetchone()
    secrets = {
        "PIN": USER_PIN.encode(),
        "new PIN": NEW_PIN.encode(),
        "PIN auth": pin_auth(USER_PIN, salt),
        "new PIN auth": pin_auth(NEW_PIN, salt),
        "decrypted plaintext": plain,
        "imported private key": d,
        "imported AES key": aes_key,
        "AES plaintext encrypted": aes_plain,
        "AES plaintext decrypted": aes_secret,
    }
    for what, value in secrets.items():
        # Any 12 bytes of it would do: look for every window.
        for i in range(0, max(1, len(value) - 11)):
            assert value[i:i + 12] not in traffic, what
