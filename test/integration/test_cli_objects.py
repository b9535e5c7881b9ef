"""The CLI's object commands: key import, cert add, object list, remove and
set-label.  Each success is checked independently (PyKCS11, pkcs11-tool,
python-cryptography); each refusal must be one stderr line, a non-zero exit
and an unchanged store (compared as an SQL dump)."""
import datetime
import hashlib
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import (dsa, ec, ed25519,
                                                       padding, rsa)
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature
from cryptography.x509.oid import NameOID

from conftest import CLI, MODULE, USER_PIN

PIN = {"TPMCARD_USER_PIN": USER_PIN}
DATA = b"signed by an imported key"


def dump(store):
    return subprocess.run(["sqlite3", store, ".dump"], capture_output=True,
                          text=True, check=True).stdout


def refused(result):
    """Asserts a clean refusal; returns its one stderr line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tpmcard: ")
    assert result.stdout == ""
    return lines[0]


def detached(env, *args, extra=None):
    """The CLI without a terminal and without any PIN or passphrase."""
    run_env = {k: v for k, v in env.vars.items()
               if k not in ("TPMCARD_USER_PIN", "TPMCARD_KEY_PASSPHRASE")}
    run_env.update(extra or {})
    return subprocess.run([CLI, *args], env=run_env,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120, start_new_session=True)


def new_key(kind):
    if kind == "rsa2048":
        return rsa.generate_private_key(65537, 2048)
    if kind == "rsa3072":
        return rsa.generate_private_key(65537, 3072)
    return ec.generate_private_key({"p256": ec.SECP256R1(),
                                    "p384": ec.SECP384R1()}[kind])


def key_bytes(key, fmt, password=None):
    enc = (serialization.BestAvailableEncryption(password) if password
           else serialization.NoEncryption())
    encoding, form = fmt.split("-")
    return key.private_bytes(
        serialization.Encoding.PEM if encoding == "pem"
        else serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL if form == "trad"
        else serialization.PrivateFormat.PKCS8, enc)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def public_id(key):
    """The id the token gives a key: SHA-1 of modulus or EC point."""
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        n = pub.public_numbers().n
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    else:
        raw = pub.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha1(raw).hexdigest()


def import_key(env, path, label="imp", extra=(), check=True, pin=USER_PIN,
               more_env=None):
    return env.cli("key", "import", "--token", "t1", "--label", label,
                   *extra, path, check=check,
                   env=dict({"TPMCARD_USER_PIN": pin}, **(more_env or {})))


def verify_signs_like(env, key_file, label, password=None):
    """The token signs with the key labelled label; the signature checks
    with the public key read back from the original file."""
    with open(key_file, "rb") as f:
        data = f.read()
    load = (serialization.load_pem_private_key if data.startswith(b"-----")
            else serialization.load_der_private_key)
    pub = load(data, password).public_key()
    rsa_key = isinstance(pub, rsa.RSAPublicKey)
    res = env.p11("sign", pin=USER_PIN, label=label,
                  mech="SHA256_RSA_PKCS" if rsa_key else "ECDSA_SHA256",
                  data=DATA.hex())
    assert res["rv"] == "CKR_OK", res
    sig = bytes.fromhex(res["sig"])
    if rsa_key:
        pub.verify(sig, DATA, padding.PKCS1v15(), hashes.SHA256())
    else:
        half = len(sig) // 2
        pub.verify(encode_dss_signature(int.from_bytes(sig[:half], "big"),
                                        int.from_bytes(sig[half:], "big")),
                   DATA, ec.ECDSA(hashes.SHA256()))


def attrs(env, label, *names):
    res = env.p11("attrs", pin=USER_PIN, label=label, names=list(names))
    return {cls: {n: v[1] for n, v in got.items()}
            for cls, got in res.items()}


def object_lines(env, *extra, pin=USER_PIN):
    out = env.cli("object", "list", "--token", "t1", *extra,
                  env={"TPMCARD_USER_PIN": pin}).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split(" ", 4)
        rows.append(parts + [""] * (5 - len(parts)))
    return rows


def self_signed(key, cn="tpmcard test"):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    algo = None if isinstance(key, ed25519.Ed25519PrivateKey) \
        else hashes.SHA256()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(
                now + datetime.timedelta(days=30))
            .sign(key, algo))


def read_cert(env, label, tmp_path):
    out = tmp_path / "read-back.der"
    env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
            "--read-object", "--type", "cert", "--label", label,
            "--output-file", str(out))
    return out.read_bytes()


@pytest.fixture
def tok(env):
    env.add_token("t1")
    return env


# key import

@pytest.mark.parametrize("kind,fmt", [
    ("rsa2048", "pem-pkcs8"), ("rsa2048", "der-trad"),
    ("rsa3072", "pem-trad"),
    ("p256", "pem-trad"), ("p256", "der-pkcs8"),
    ("p384", "pem-pkcs8"), ("p384", "der-trad"),
])
def test_key_import_signs_like_the_file(tok, tmp_path, kind, fmt):
    key = new_key(kind)
    path = write(tmp_path, "key." + fmt, key_bytes(key, fmt))
    out = import_key(tok, path)
    assert out.stdout == "key 'imp' imported into the TPM\n"
    verify_signs_like(tok, path, "imp")
    got = attrs(tok, "imp", "CKA_ID", "CKA_LOCAL")
    want = public_id(key)
    assert got["CKO_PRIVATE_KEY"]["CKA_ID"] == want
    assert got["CKO_PUBLIC_KEY"]["CKA_ID"] == want
    assert got["CKO_PRIVATE_KEY"]["CKA_LOCAL"] == "00"  # made elsewhere
    # Nothing secret reached the store.
    with open(tok.store, "rb") as f:
        store = f.read()
    if kind.startswith("rsa"):
        secret = key.private_numbers().p
    else:
        secret = key.private_numbers().private_value
    assert secret.to_bytes((secret.bit_length() + 7) // 8,
                           "big")[:16] not in store


def test_key_import_with_id(tok, tmp_path):
    key = new_key("p256")
    path = write(tmp_path, "k.pem", key_bytes(key, "pem-pkcs8"))
    import_key(tok, path, label="withid", extra=("--id", "C0FFEE"))
    got = attrs(tok, "withid", "CKA_ID")
    assert got["CKO_PRIVATE_KEY"]["CKA_ID"] == "c0ffee"
    assert got["CKO_PUBLIC_KEY"]["CKA_ID"] == "c0ffee"


@pytest.mark.parametrize("fmt", ["pem-trad", "pem-pkcs8", "der-pkcs8"])
def test_encrypted_key_file(tok, tmp_path, fmt):
    key = new_key("p256")
    path = write(tmp_path, "enc", key_bytes(key, fmt, b"s3cret pass"))
    before = dump(tok.store)
    line = refused(import_key(tok, path, check=False,
                              more_env={"TPMCARD_KEY_PASSPHRASE": "wrong"}))
    assert "wrong passphrase" in line
    line = refused(detached(tok, "key", "import", "--token", "t1", "--label",
                            "imp", path, extra=PIN))
    assert "is encrypted" in line and "TPMCARD_KEY_PASSPHRASE" in line
    assert dump(tok.store) == before
    import_key(tok, path,
               more_env={"TPMCARD_KEY_PASSPHRASE": "s3cret pass"})
    verify_signs_like(tok, path, "imp", password=b"s3cret pass")


def unsupported_files(tmp_path):
    ed = ed25519.Ed25519PrivateKey.generate()
    dsa_key = dsa.generate_private_key(2048)
    k1 = ec.generate_private_key(ec.SECP256K1())
    small = rsa.generate_private_key(65537, 1024)
    p256 = new_key("p256")
    return [
        (write(tmp_path, "ed", key_bytes(ed, "pem-pkcs8")), "ED25519"),
        (write(tmp_path, "dsa", key_bytes(dsa_key, "der-pkcs8")), "DSA"),
        (write(tmp_path, "k1", key_bytes(k1, "pem-trad")), "secp256k1"),
        (write(tmp_path, "small", key_bytes(small, "pem-pkcs8")),
         "RSA-1024"),
        (write(tmp_path, "pub", p256.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)),
         "public key only"),
        (write(tmp_path, "garbage", os.urandom(300)), "not a private key"),
        (write(tmp_path, "empty", b""), "empty"),
        (str(tmp_path / "missing"), "cannot read"),
    ]


def test_key_import_refusals_change_nothing(tok, tmp_path):
    tok.add_key("t1", "ecc-p256", "taken")
    good = write(tmp_path, "good", key_bytes(new_key("p256"), "pem-pkcs8"))
    before = dump(tok.store)
    for path, message in unsupported_files(tmp_path):
        assert message in refused(import_key(tok, path, check=False)), path
    assert "already exists" in refused(import_key(tok, good, label="taken",
                                                  check=False))
    assert refused(import_key(tok, good, pin="000000", check=False)) == \
        "tpmcard: login: wrong PIN"
    assert "no token labelled 'nope'" in refused(tok.cli(
        "key", "import", "--token", "nope", "--label", "x", good,
        check=False, env=PIN))
    assert "--id" in refused(import_key(tok, good, extra=("--id", "xyz"),
                                        check=False))
    r = tok.cli("key", "import", "--token", "t1", "--label", "x", good,
                "--all", check=False, env=PIN)
    assert r.returncode == 2 and "--all" in refused(r)
    assert dump(tok.store) == before


def test_key_import_label_of_a_private_object_is_taken(tok, tmp_path):
    """A label the token keeps on a private object only (seen after login)
    is taken too."""
    import_key(tok, write(tmp_path, "a", key_bytes(new_key("p256"),
                                                   "pem-pkcs8")))
    tok.cli("object", "remove", "--token", "t1", "--label", "imp",
            "--class", "public")
    before = dump(tok.store)
    line = refused(import_key(tok, write(tmp_path, "b", key_bytes(
        new_key("p256"), "pem-pkcs8")), check=False))
    assert "an object labelled 'imp' already exists" in line
    assert dump(tok.store) == before


# cert add

def test_cert_add_pairs_with_the_key_without_a_pin(tok, tmp_path):
    key = new_key("rsa2048")
    import_key(tok, write(tmp_path, "k", key_bytes(key, "pem-pkcs8")),
               label="me")
    cert = self_signed(key)
    der = cert.public_bytes(serialization.Encoding.DER)
    pem = write(tmp_path, "c.pem", cert.public_bytes(
        serialization.Encoding.PEM) + self_signed(new_key("p256")).public_bytes(
            serialization.Encoding.PEM))  # a chain: the first one counts
    r = detached(tok, "cert", "add", "--token", "t1", "--label", "me", pem)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "certificate 'me' added\n"
    assert read_cert(tok, "me", tmp_path) == der
    rows = [r for r in object_lines(tok) if r[1] == "cert"]
    assert [(r[2], r[3], r[4]) for r in rows] == \
        [("x509", public_id(key), "me")]


def test_cert_add_der_for_a_generated_key(tok, tmp_path):
    """A generated key's public key read from the token, certified by a CA
    in software: the certificate finds the key's (random) id."""
    tok.add_key("t1", "ecc-p384", "gen")
    point = attrs(tok, "gen", "CKA_EC_POINT")["CKO_PUBLIC_KEY"][
        "CKA_EC_POINT"]
    pub = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP384R1(), bytes.fromhex(point)[2:])
    ca = new_key("p256")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gen")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(pub).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(ca, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    tok.cli("cert", "add", "--token", "t1", "--label", "gen-cert",
            write(tmp_path, "c.der", der))
    assert read_cert(tok, "gen-cert", tmp_path) == der
    ids = {r[1]: r[3] for r in object_lines(tok, "--all")}
    assert ids["cert"] == ids["public"] == ids["private"]


def test_cert_add_refusals_change_nothing(tok, tmp_path):
    key = new_key("p256")
    import_key(tok, write(tmp_path, "k", key_bytes(key, "pem-pkcs8")),
               label="me")
    tok.cli("cert", "add", "--token", "t1", "--label", "me",
            write(tmp_path, "c", self_signed(key).public_bytes(
                serialization.Encoding.DER)))
    stranger = write(tmp_path, "s.pem", self_signed(new_key("p256"))
                     .public_bytes(serialization.Encoding.PEM))
    before = dump(tok.store)
    for args, message in [
            (("--label", "x", stranger), "give --id"),
            (("--label", "me", write(tmp_path, "again", self_signed(key)
                                     .public_bytes(
                                         serialization.Encoding.PEM))),
             "a certificate labelled 'me' already exists"),
            (("--label", "x", write(tmp_path, "junk", os.urandom(200))),
             "not an X.509 certificate"),
            (("--label", "x", write(tmp_path, "key.pem", key_bytes(
                key, "pem-pkcs8"))), "not an X.509 certificate"),
            (("--label", "x", str(tmp_path / "missing")), "cannot read"),
            (("--label", "x", "--id", "0g", stranger), "--id")]:
        line = refused(detached(tok, "cert", "add", "--token", "t1", *args))
        assert message in line, line
    assert "no token labelled 'nope'" in refused(detached(
        tok, "cert", "add", "--token", "nope", "--label", "x", stranger))
    assert dump(tok.store) == before
    # With an id, a certificate with no key of its own is stored.
    tok.cli("cert", "add", "--token", "t1", "--label", "x", "--id", "abcd",
            stranger)
    assert ["cert", "x509", "abcd", "x"] in \
        [r[1:] for r in object_lines(tok)]


# object list

def test_object_list_shows_public_objects_and_with_all_private(token_env,
                                                               tmp_path):
    env = token_env  # t1 with rsa (rsa2048) and ec (ecc-p256)
    key = new_key("p384")
    import_key(env, write(tmp_path, "k", key_bytes(key, "der-trad")),
               label="with spaces")
    public = object_lines(env, pin="not needed")
    assert sorted((r[1], r[2], r[4]) for r in public) == [
        ("public", "ecc-p256", "ec"), ("public", "ecc-p384", "with spaces"),
        ("public", "rsa2048", "rsa")]
    everything = object_lines(env, "--all")
    assert sorted((r[1], r[2], r[4]) for r in everything) == sorted(
        [(r[1], r[2], r[4]) for r in public] +
        [("private", "ecc-p256", "ec"), ("private", "ecc-p384", "with spaces"),
         ("private", "rsa2048", "rsa")])
    for handle, _, _, key_id, label in everything:
        assert int(handle) > 0
        got = attrs(env, label, "CKA_ID")
        assert key_id in {v["CKA_ID"] for v in got.values()}
    assert refused(env.cli("object", "list", "--token", "t1", "--all",
                           check=False,
                           env={"TPMCARD_USER_PIN": "000000"})) == \
        "tpmcard: login: wrong PIN"
    assert "no token labelled" in refused(env.cli(
        "object", "list", "--token", "nope", check=False))


# object remove

def test_object_remove(token_env, tmp_path):
    env = token_env
    before = dump(env.store)
    line = refused(env.cli("object", "remove", "--token", "t1", "--label",
                           "rsa", check=False, env=PIN))
    assert line.startswith("tpmcard: 2 objects match: ")
    assert " private rsa2048 " in line and " public rsa2048 " in line
    for args, message in [
            (("--label", "nope"), "no object matches"),
            (("--label", "rsa", "--class", "key"), "--class"),
            (("--label", "rsa", "--id", "00"), "--label or --id")]:
        assert message in refused(env.cli("object", "remove", "--token",
                                          "t1", *args, check=False,
                                          env=PIN))
    assert refused(env.cli("object", "remove", "--token", "t1", "--label",
                           "rsa", "--class", "private", check=False,
                           env={"TPMCARD_USER_PIN": "000000"})) == \
        "tpmcard: login: wrong PIN"
    assert dump(env.store) == before
    # A public object goes without a PIN.
    r = detached(env, "object", "remove", "--token", "t1", "--label", "rsa",
                 "--class", "public")
    assert r.returncode == 0, r.stderr
    res = env.p11("login", pin=USER_PIN)
    assert ["CKO_PUBLIC_KEY", "rsa"] not in res["after"]
    assert ["CKO_PRIVATE_KEY", "rsa"] in res["after"]
    # By id, the private half (after login).
    ec_id = [r[3] for r in object_lines(env) if r[4] == "ec"][0]
    env.cli("object", "remove", "--token", "t1", "--id", ec_id, "--class",
            "private", env=PIN)
    assert "private" not in [r[1] for r in object_lines(env, "--all")
                             if r[4] == "ec"]
    assert "public" in [r[1] for r in object_lines(env) if r[4] == "ec"]


# object set-label

def test_object_set_label_moves_pair_and_certificate(tok, tmp_path):
    key = new_key("p256")
    import_key(tok, write(tmp_path, "k", key_bytes(key, "pem-pkcs8")),
               label="old")
    tok.cli("cert", "add", "--token", "t1", "--label", "old",
            write(tmp_path, "c", self_signed(key).public_bytes(
                serialization.Encoding.PEM)))
    tok.add_key("t1", "ecc-p256", "other")
    before = dump(tok.store)
    for args, message in [
            (("--label", "old", "--new-label", "other"),
             "an object labelled 'other' already exists"),
            (("--label", "nope", "--new-label", "x"),
             "no object labelled 'nope'"),
            (("--label", "old", "--new-label", ""), "cannot be empty")]:
        assert message in refused(tok.cli("object", "set-label", "--token",
                                          "t1", *args, check=False,
                                          env=PIN))
    assert dump(tok.store) == before
    out = tok.cli("object", "set-label", "--token", "t1", "--label", "old",
                  "--new-label", "new", env=PIN).stdout
    assert out == "3 objects relabelled 'new'\n"
    res = tok.p11("login", pin=USER_PIN)
    assert sorted(c for c, label in res["after"] if label == "new") == \
        ["CKO_CERTIFICATE", "CKO_PRIVATE_KEY", "CKO_PUBLIC_KEY"]
    assert not [1 for _, label in res["after"] if label == "old"]
    verify_signs_like(tok, str(tmp_path / "k"), "new")


# the commands as a whole

@pytest.mark.parametrize("args", [
    ("key", "import", "--help"), ("cert", "--help"), ("cert", "add", "--help"),
    ("object", "--help"), ("object", "list", "--help"),
    ("object", "remove", "--help"), ("object", "set-label", "--help")])
def test_help(env, args):
    r = env.cli(*args)
    assert r.stdout.startswith("usage: tpmcard ")
    assert not os.path.exists(env.store)


@pytest.mark.parametrize("args", [
    ("key", "import", "--token", "t1", "--label", "x", "/dev/null"),
    ("cert", "add", "--token", "t1", "--label", "x", "/dev/null"),
    ("object", "list", "--token", "t1"),
    ("object", "remove", "--token", "t1", "--label", "x"),
    ("object", "set-label", "--token", "t1", "--label", "x", "--new-label",
     "y")])
def test_missing_store_is_refused_and_not_created(env, args):
    assert "no store" in refused(env.cli(*args, check=False, env=PIN))
    assert not os.path.exists(env.store)
