"""What crosses the TPM interface: every command and response of a
login, an EC signature, an RSA PKCS#1 decryption, a PIN change and back,
imports of an EC, an RSA, an AES and an HMAC key (each then used), an EC
key pair and an AES key generated in the TPM (each then used), AES-CBC
encryption and decryption, recorded by tpm2-tss's pcap TCTI, holds none
of the secrets: not the PIN, not any PIN-derived auth value the wrap
secret is sealed under (one per salt: each PIN change re-salts), not the
token's wrap secret, not the auth value of any of its keys (the two made
before the capture and the six made in it), not a decrypted plaintext,
not an imported private or secret key, not the AES plaintext either way;
nor does each TPM2_Import's duplicate, opened with its inner wrapping key
as the bus carries it (which the session must encrypt).

The wrap secret and the key auths are recovered out of band: tpm2-tools
unseal the wrap secret with the PIN-derived value under the SRK (made
again from its template and checked by name against the store), and every
key's wrapped auth in the store is opened with it (AES-256-GCM, AAD = the
key's TPM public area); there must be one for each key of the scenario,
and the TPM must take each.  Positive controls: the capture holds what
does travel in clear (the digest signed, the AES ciphertext, every key's
public area), and the same search finds the PIN auth, the wrap secret
and every key auth in a second capture, of tpm2-tools' own traffic,
which sends them in clear (TPM2_Unseal's answer, TPM2_ObjectChangeAuth's
new auth)."""
import hashlib
import hmac
import json
import os
import sqlite3
import struct
import subprocess

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import tpmenv
from conftest import MODULE, USER_PIN

NEW_PIN = "246810"

# The keys with a TPM object, and so a wrapped auth, once the scenario
# ran: token_env's two and the six the scenario makes (all token objects,
# so that their wrapped auths are in the store).
TPM_KEYS = ["rsa", "ec", "imported ec", "imported rsa", "imported aes",
            "imported hmac", "generated ec", "generated aes"]

SCENARIO = r'''
import json
import os
import sqlite3
import sys
import PyKCS11

lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
a = {k: v if k in ("pin", "new_pin") else bytes.fromhex(v)
     for k, v in json.loads(sys.argv[2]).items()}
P = PyKCS11
slot = lib.getSlotList(tokenPresent=True)[0]
s = lib.openSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
s.login(a["pin"])

def key(label, cls=P.CKO_PRIVATE_KEY):
    return s.findObjects([(P.CKA_CLASS, cls), (P.CKA_LABEL, label)])[0]

def made(label, cls, key_type, *attrs):
    return s.createObject([(P.CKA_CLASS, cls), (P.CKA_KEY_TYPE, key_type),
                           (P.CKA_TOKEN, True), (P.CKA_PRIVATE, True),
                           (P.CKA_LABEL, label)] + list(attrs))

def salt():
    """The user PIN's salt now: each C_SetPIN seals under a new one."""
    with sqlite3.connect("file:%s?mode=ro" % os.environ["TPMCARD_STORE"],
                         uri=True) as db:
        return db.execute("SELECT user_salt FROM tokens").fetchone()[0]

s.sign(key("ec"), b"signed in the capture", P.Mechanism(P.CKM_ECDSA_SHA256))
# PKCS#1 v1.5: the TPM's raw result holds the message unmasked, so only
# the session's encryption keeps it off the wire.
plain = bytes(s.decrypt(key("rsa"), a["cipher"], P.Mechanism(P.CKM_RSA_PKCS)))
assert plain == a["plain"], plain
s.setPin(a["pin"], a["new_pin"])
print("salt-new", salt().hex())
s.setPin(a["new_pin"], a["pin"])
print("salt-back", salt().hex())
ec_key = made("imported ec", P.CKO_PRIVATE_KEY, P.CKK_EC,
              (P.CKA_SIGN, True),
              (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107")),
              (P.CKA_VALUE, a["d"]))
s.sign(ec_key, b"signed by the imported key",
       P.Mechanism(P.CKM_ECDSA_SHA256))
rsa_key = made("imported rsa", P.CKO_PRIVATE_KEY, P.CKK_RSA,
               (P.CKA_DECRYPT, True), (P.CKA_SIGN, True),
               (P.CKA_MODULUS, a["n"]), (P.CKA_PUBLIC_EXPONENT, a["e"]),
               (P.CKA_PRIVATE_EXPONENT, a["rsa_d"]),
               (P.CKA_PRIME_1, a["p"]), (P.CKA_PRIME_2, a["q"]),
               (P.CKA_EXPONENT_1, a["dp"]), (P.CKA_EXPONENT_2, a["dq"]),
               (P.CKA_COEFFICIENT, a["qinv"]))
out = bytes(s.decrypt(rsa_key, a["rsa_cipher"], P.Mechanism(P.CKM_RSA_PKCS)))
assert out == a["rsa_plain"], out.hex()
# AES-256-CBC: the plaintext goes in when encrypting and comes out when
# decrypting; the key's value goes in at import.
aes = made("imported aes", P.CKO_SECRET_KEY, P.CKK_AES,
           (P.CKA_ENCRYPT, True), (P.CKA_DECRYPT, True),
           (P.CKA_VALUE, a["aes"]))
cbc = P.Mechanism(P.CKM_AES_CBC, bytes(16))
out = bytes(s.encrypt(aes, a["aes_plain"], cbc))
assert out == a["aes_cipher"], out.hex()
out = bytes(s.decrypt(aes, a["aes_in"], cbc))
print("aes-decrypted", out.hex())
mac_key = made("imported hmac", P.CKO_SECRET_KEY, P.CKK_GENERIC_SECRET,
               (P.CKA_SIGN, True), (P.CKA_VALUE, a["hmac"]))
out = bytes(s.sign(mac_key, a["mac_data"], P.Mechanism(P.CKM_SHA256_HMAC)))
assert out == a["mac"], out.hex()
# Keys made in the TPM: their auth goes in with TPM2_Create.
pub, priv = s.generateKeyPair(
    [(P.CKA_TOKEN, True), (P.CKA_VERIFY, True), (P.CKA_LABEL, "generated ec"),
     (P.CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107"))],
    [(P.CKA_TOKEN, True), (P.CKA_PRIVATE, True), (P.CKA_SIGN, True),
     (P.CKA_LABEL, "generated ec")],
    mecha=P.Mechanism(P.CKM_EC_KEY_PAIR_GEN))
s.sign(priv, b"signed by the generated key", P.Mechanism(P.CKM_ECDSA_SHA256))
gen = s.generateKey(
    [(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
     (P.CKA_TOKEN, True), (P.CKA_PRIVATE, True), (P.CKA_ENCRYPT, True),
     (P.CKA_VALUE_LEN, 32), (P.CKA_LABEL, "generated aes")],
    P.Mechanism(P.CKM_AES_KEY_GEN))
s.encrypt(gen, bytes(16), cbc)
keys = [s.getAttributeValue(o, [P.CKA_LABEL])[0]
        for cls in (P.CKO_PRIVATE_KEY, P.CKO_SECRET_KEY)
        for o in s.findObjects([(P.CKA_CLASS, cls)])]
print("keys", json.dumps(sorted(keys)))
s.logout()
print("ok")
'''

# The TCG standard SRK (ECC P-256, AES-128-CFB, noDA), as src/tpm/tpm.c
# makes it, for tpm2_createprimary.
SRK_TEMPLATE = ("-C", "o", "-g", "sha256", "-G", "ecc256:null:aes128cfb",
                "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|"
                "noda|restricted|decrypt")


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


def tpm_tools(tcti, extra=None):
    """A runner of tpm2-tools commands on a TCTI string."""
    env = dict(os.environ, TPM2TOOLS_TCTI=tcti, TSS2_LOG="all+none",
               **(extra or {}))

    def run(*args):
        out = subprocess.run(list(args), env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, (args[0], out.stderr)
        return out
    return run


def load_srk(tools, store, workdir):
    """The SRK the store's token was sealed under, as a tpm2-tools
    context file: the standard template made again (the same key as a
    persistent SRK made from it), checked by name."""
    with sqlite3.connect(store) as db:
        (srk_name,) = db.execute("SELECT srk_name FROM tokens").fetchone()
    srk, name = str(workdir / "srk.ctx"), workdir / "srk.name"
    tools("tpm2_createprimary", *SRK_TEMPLATE, "-c", srk)
    tools("tpm2_readpublic", "-c", srk, "-n", str(name))
    tools("tpm2_flushcontext", "--transient-object")
    assert name.read_bytes() == srk_name, "not the token's SRK"
    return srk


def load_object(tools, srk, pub, priv, workdir):
    """A context file of a (pub, priv) blob pair loaded under srk; the
    TPM holds nothing of it (nor of srk) until a command loads it."""
    (workdir / "obj.pub").write_bytes(pub)
    (workdir / "obj.priv").write_bytes(priv)
    ctx = str(workdir / "obj.ctx")
    try:
        tools("tpm2_load", "-C", srk, "-u", str(workdir / "obj.pub"),
              "-r", str(workdir / "obj.priv"), "-c", ctx)
    finally:
        tools("tpm2_flushcontext", "--transient-object")
    return ctx


def wrap_secret(tools, store, pin, workdir):
    """The token's wrap secret, unsealed with tpm2-tools and the
    PIN-derived auth (tools: a runner of tpm2-tools commands)."""
    with sqlite3.connect(store) as db:
        salt, pub, priv = db.execute(
            "SELECT user_salt, user_pub, user_priv FROM tokens").fetchone()
    srk = load_srk(tools, store, workdir)
    ctx, wrap = load_object(tools, srk, pub, priv, workdir), workdir / "wrap"
    try:
        tools("tpm2_unseal", "-c", ctx, "-p",
              "hex:" + pin_auth(pin, salt).hex(), "-o", str(wrap))
    finally:
        tools("tpm2_flushcontext", "--transient-object")
    secret = wrap.read_bytes()
    wrap.unlink()
    assert len(secret) == 32
    return secret


def label_of(attrs):
    """CKA_LABEL of a store row's attributes (src/common/attrs.c: "TCA1",
    a 4-byte count, then type (8 bytes), length (4) and value of each)."""
    assert attrs[:4] == b"TCA1"
    (count,), pos = struct.unpack_from(">I", attrs, 4), 8
    for _ in range(count):
        kind, size = struct.unpack_from(">QI", attrs, pos)
        if kind == 3:  # CKA_LABEL
            return attrs[pos + 12:pos + 12 + size].decode()
        pos += 12 + size
    return None


def key_auths(store, wrap):
    """(label, auth, public, private) of every TPM object in the store,
    its auth opened with the wrap secret: 12-byte nonce || ciphertext ||
    16-byte tag, the key's TPM public area as AAD
    (src/token/token_keygen.c)."""
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT tpm_pub, tpm_priv, auth, attrs"
                          " FROM objects").fetchall()
    keys = []
    for pub, priv, sealed, attrs in rows:
        label = label_of(attrs)
        if not (pub or priv or sealed):
            continue  # no TPM object: a public key, a certificate
        assert pub and priv and len(sealed) == 12 + 32 + 16, label
        keys.append((label, AESGCM(wrap).decrypt(sealed[:12], sealed[12:],
                                                 pub), pub, priv))
    return keys


def prove_auth(tools, srk, pub, priv, auth, workdir):
    """Shows the TPM an object's auth: TPM2_ObjectChangeAuth of the
    object, authorized with it (tpm2-tools: an HMAC session) and setting
    it again (a parameter, which tpm2-tools sends in clear); the new
    private part is thrown away."""
    ctx = load_object(tools, srk, pub, priv, workdir)
    try:
        tools("tpm2_changeauth", "-c", ctx, "-C", srk,
              "-p", "hex:" + auth.hex(), "-r", str(workdir / "changed.priv"),
              "hex:" + auth.hex())
    finally:
        tools("tpm2_flushcontext", "--transient-object")


TPM2_CC_IMPORT = 0x156


def imports_opened(capture):
    """(objectPublic, duplicate opened) of every TPM2_Import the capture
    holds: the duplicate decrypted with its encryptionKey as it travelled
    (AES-128-CFB, zero IV: the inner wrapper of src/tpm/tpm_import.c).
    Unless the session encrypts that key, this is what the bus shows of
    the imported key: its sensitive area, auth and private part."""
    opened = []
    for cmd in tpmenv.tpm_command_bytes(capture):
        _, size, code = struct.unpack_from(">HII", cmd)
        if code != TPM2_CC_IMPORT:
            continue
        assert size == len(cmd), "a command split between frames"
        # After the header and parentHandle, the authorization area,
        # then encryptionKey, objectPublic and duplicate, each a TPM2B.
        (auth_size,) = struct.unpack_from(">I", cmd, 14)
        pos, fields = 18 + auth_size, []
        for _ in range(3):
            (n,) = struct.unpack_from(">H", cmd, pos)
            fields.append(cmd[pos:pos + 2 + n])
            pos += 2 + n
        key, public, duplicate = fields
        assert len(key) == 2 + 16, "not an AES-128 inner wrapper"
        dec = Cipher(algorithms.AES(key[2:]), modes.CFB(bytes(16))).decryptor()
        opened.append((public, dec.update(duplicate[2:]) + dec.finalize()))
    return opened


def holds(traffic, value):
    """Whether the traffic holds any 12 bytes of the value: a part of a
    secret is a leak too, and a value split between frames still shows."""
    return any(value[i:i + 12] in traffic
               for i in range(0, max(1, len(value) - 11)))


def rsa_parts(key):
    n = key.private_numbers()
    width = key.key_size // 8

    def be(x, size):
        return x.to_bytes(size, "big")
    return {"n": be(n.public_numbers.n, width),
            "e": be(n.public_numbers.e, 3), "rsa_d": be(n.d, width),
            "p": be(n.p, width // 2), "q": be(n.q, width // 2),
            "dp": be(n.dmp1, width // 2), "dq": be(n.dmq1, width // 2),
            "qinv": be(n.iqmp, width // 2)}


def test_no_secret_crosses_the_tpm_interface(token_env, tmp_path):
    capture = tmp_path / "traffic.pcap"
    plain = os.urandom(24)
    cipher = rsa_public(token_env).encrypt(plain, padding.PKCS1v15())
    private = ec.generate_private_key(ec.SECP256R1())
    d = private.private_numbers().private_value.to_bytes(32, "big")
    rsa_key = rsa.generate_private_key(65537, 2048)
    parts = rsa_parts(rsa_key)
    rsa_plain = os.urandom(24)
    aes_key, aes_plain, aes_secret = (os.urandom(32), os.urandom(1040),
                                      os.urandom(1040))
    aes_cipher, aes_in = (cbc_encrypt(aes_key, aes_plain),
                          cbc_encrypt(aes_key, aes_secret))
    mac_key, mac_data = os.urandom(32), b"MACed in the capture"
    args = dict(
        pin=USER_PIN, new_pin=NEW_PIN, plain=plain.hex(),
        cipher=cipher.hex(), d=d.hex(), rsa_plain=rsa_plain.hex(),
        rsa_cipher=rsa_key.public_key().encrypt(rsa_plain,
                                                padding.PKCS1v15()).hex(),
        aes=aes_key.hex(), aes_plain=aes_plain.hex(),
        aes_cipher=aes_cipher.hex(), aes_in=aes_in.hex(),
        hmac=mac_key.hex(), mac_data=mac_data.hex(),
        mac=hmac.new(mac_key, mac_data, hashlib.sha256).hexdigest(),
        **{k: v.hex() for k, v in parts.items()})
    with sqlite3.connect(token_env.store) as db:
        (salt,) = db.execute("SELECT user_salt FROM tokens").fetchone()
    out = token_env.run(
        "/usr/bin/python3", "-c", SCENARIO, MODULE, json.dumps(args),
        check=False, env={"TPMCARD_TCTI": "pcap:" + token_env.tcti,
                          "TCTI_PCAP_FILE": str(capture)})
    assert out.returncode == 0, out.stderr
    assert "aes-decrypted " + aes_secret.hex() in out.stdout, out.stdout
    assert "keys " + json.dumps(sorted(TPM_KEYS)) in out.stdout, out.stdout
    salts = dict(line.split() for line in out.stdout.splitlines()
                 if line.startswith("salt-"))
    salt_new, salt_back = (bytes.fromhex(salts["salt-new"]),
                           bytes.fromhex(salts["salt-back"]))
    assert len({salt, salt_new, salt_back}) == 3
    traffic = capture.read_bytes()
    # The capture holds the traffic: the digest signed is sent in clear,
    # and so is AES ciphertext, which is meant for the world.
    assert hashlib.sha256(b"signed in the capture").digest() in traffic
    assert aes_cipher[:12] in traffic and aes_in[:12] in traffic

    # The secrets the module keeps off the bus, recovered out of band
    # with tpm2-tools on the same TPM; a second capture records their
    # traffic (unsalted HMAC sessions that encrypt nothing).
    control = tmp_path / "control.pcap"
    tools = tpm_tools("pcap:" + token_env.tcti,
                      {"TCTI_PCAP_FILE": str(control),
                       **{k: v for k, v in token_env.vars.items()
                          if k == "DBUS_SESSION_BUS_ADDRESS"}})
    wrap = wrap_secret(tools, token_env.store, USER_PIN, tmp_path)
    keys = key_auths(token_env.store, wrap)
    # Not vacuous: a wrapped auth for each key of the scenario, each
    # opened, each its own, and each its key's (the TPM takes it).
    assert sorted(label for label, _, _, _ in keys) == sorted(TPM_KEYS)
    assert len({auth for _, auth, _, _ in keys}) == len(TPM_KEYS)
    assert all(len(auth) == 32 for _, auth, _, _ in keys)
    srk = load_srk(tools, token_env.store, tmp_path)
    for _, auth, pub, priv in keys:
        prove_auth(tools, srk, pub, priv, auth, tmp_path)
    # The sealed wrap secret's PIN auth too.
    with sqlite3.connect(token_env.store) as db:
        seal_pub, seal_priv = db.execute(
            "SELECT user_pub, user_priv FROM tokens").fetchone()
    prove_auth(tools, srk, seal_pub, seal_priv, pin_auth(USER_PIN, salt_back),
               tmp_path)
    clear = control.read_bytes()
    # The positive control: where they do cross in clear, the search
    # finds the wrap secret (tpm2_unseal's answer), the PIN auth and
    # every key auth (tpm2_changeauth's new auth).
    assert holds(clear, wrap)
    assert holds(clear, pin_auth(USER_PIN, salt_back))
    for label, auth, pub, _ in keys:
        assert holds(clear, auth), label
        # And every key was loaded (or made) on the bus captured: its
        # TPM public area travels in clear.
        assert pub in traffic, label

    secrets = {
        "PIN": USER_PIN.encode(),
        "new PIN": NEW_PIN.encode(),
        "PIN auth": pin_auth(USER_PIN, salt),
        "new PIN auth": pin_auth(NEW_PIN, salt_new),
        "PIN auth after the change back": pin_auth(USER_PIN, salt_back),
        "wrap secret": wrap,
        "decrypted plaintext": plain,
        "plaintext decrypted by the imported RSA key": rsa_plain,
        "imported private key": d,
        "imported AES key": aes_key,
        "imported HMAC key": mac_key,
        "AES plaintext encrypted": aes_plain,
        "AES plaintext decrypted": aes_secret,
    }
    for part in ("rsa_d", "p", "q", "dp", "dq", "qinv"):
        secrets["imported RSA key's " + part] = parts[part]
    for label, auth, _, _ in keys:
        secrets["auth of key '%s'" % label] = auth
    # What the bus shows of each import, opened with what it shows: the
    # two imports of private keys, found (their public areas are the
    # keys' in the store).
    opened = imports_opened(capture)
    assert sorted(public for public, _ in opened) == sorted(
        pub for label, _, pub, _ in keys
        if label in ("imported ec", "imported rsa"))
    leaked = [what for what, value in secrets.items()
              if holds(traffic, value) or
              any(holds(plain, value) for _, plain in opened)]
    assert leaked == [], leaked
