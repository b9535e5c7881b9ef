"""The CLI's object commands: key import, cert add, object list, remove
and set-label; each success checked through PyKCS11 or OpenSSL, each
refusal one line, a non-zero exit, and nothing changed."""
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from conftest import USER_PIN

PIN = {"TPMCARD_USER_PIN": USER_PIN}


def write_key(tmp_path, key, fmt, name="key", password=None):
    enc = (serialization.BestAvailableEncryption(password) if password
           else serialization.NoEncryption())
    pem = fmt.startswith("pem")
    trad = fmt.endswith("trad")
    data = key.private_bytes(
        serialization.Encoding.PEM if pem else serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL if trad
        else serialization.PrivateFormat.PKCS8, enc)
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def listing(env, *extra):
    return env.cli("object", "list", "--token", "t1", *extra,
                   env=PIN).stdout


@pytest.mark.parametrize("kind,fmt", [
    ("rsa", "pem-pkcs8"), ("rsa", "der-trad"), ("p256", "pem-trad"),
    ("p384", "der-pkcs8")])
def test_key_import_signs_as_the_original(env, tmp_path, kind, fmt):
    env.add_token("t1")
    key = (rsa.generate_private_key(65537, 2048) if kind == "rsa" else
           ec.generate_private_key(ec.SECP256R1() if kind == "p256"
                                   else ec.SECP384R1()))
    path = write_key(tmp_path, key, fmt)
    out = env.cli("key", "import", "--token", "t1", "--label", "imp", path,
                  env=PIN)
    assert "imported" in out.stdout
    res = env.p11("sign", pin=USER_PIN, label="imp",
                  mech="SHA256_RSA_PKCS" if kind == "rsa" else
                  "ECDSA_SHA256", data=b"cli import".hex())
    sig = bytes.fromhex(res["sig"])
    if kind == "rsa":
        key.public_key().verify(sig, b"cli import", padding.PKCS1v15(),
                                hashes.SHA256())
    else:
        half = len(sig) // 2
        from cryptography.hazmat.primitives.asymmetric.utils import \
            encode_dss_signature
        der = encode_dss_signature(int.from_bytes(sig[:half], "big"),
                                   int.from_bytes(sig[half:], "big"))
        key.public_key().verify(der, b"cli import", ec.ECDSA(hashes.SHA256()))
    lines = listing(env, "--all")
    assert "private-key  imp" in lines and "public-key   imp" in lines


def test_encrypted_key_file_with_passphrase(env, tmp_path):
    env.add_token("t1")
    key = ec.generate_private_key(ec.SECP256R1())
    path = write_key(tmp_path, key, "pem-pkcs8", password=b"s3cret")
    bad = env.cli("key", "import", "--token", "t1", "--label", "imp", path,
                  env=dict(PIN, TPMCARD_KEY_PASSPHRASE="wrong"), check=False)
    assert bad.returncode != 0 and len(bad.stderr.splitlines()) == 1
    env.cli("key", "import", "--token", "t1", "--label", "imp", path,
            env=dict(PIN, TPMCARD_KEY_PASSPHRASE="s3cret"))
    assert "private-key  imp" in listing(env, "--all")


def test_import_refusals_change_nothing(env, tmp_path):
    env.add_token("t1")
    env.add_key("t1", "ecc-p256", "taken")
    before = listing(env, "--all")
    ed = tmp_path / "ed.pem"
    from cryptography.hazmat.primitives.asymmetric import ed25519
    ed.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    k1 = write_key(tmp_path, ec.generate_private_key(ec.SECP256K1()),
                   "pem-pkcs8", name="k1")
    good = write_key(tmp_path, ec.generate_private_key(ec.SECP256R1()),
                     "pem-pkcs8", name="good")
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a key at all")
    cases = [
        (["--label", "x", str(tmp_path / "missing")], {}),
        (["--label", "x", str(garbage)], {}),
        (["--label", "x", str(ed)], {}),
        (["--label", "x", k1], {}),
        (["--label", "taken", good], {}),
        (["--label", "x", good], {"TPMCARD_USER_PIN": "000000"}),
    ]
    for args, extra in cases:
        out = env.cli("key", "import", "--token", "t1", *args,
                      env=dict(PIN, **extra), check=False)
        assert out.returncode != 0, args
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    out = env.cli("key", "import", "--token", "nope", "--label", "x", good,
                  env=PIN, check=False)
    assert out.returncode != 0
    assert listing(env, "--all") == before


def make_cert(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tpmcard")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(4242)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_cert_add_pairs_with_its_key(env, tmp_path):
    env.add_token("t1")
    key = ec.generate_private_key(ec.SECP256R1())
    env.cli("key", "import", "--token", "t1", "--label", "k",
            write_key(tmp_path, key, "pem-pkcs8"), env=PIN)
    cert = make_cert(key)
    pem = tmp_path / "cert.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    env.cli("cert", "add", "--token", "t1", "--label", "c", str(pem))
    lines = listing(env).splitlines()
    key_id = [ln for ln in lines if "public-key" in ln][0].split("id ")[1]
    cert_line = [ln for ln in lines if "certificate" in ln][0]
    assert cert_line.endswith("id " + key_id)
    # The stored certificate is the same DER.
    res = env.run("pkcs11-tool", "--module", env.module, "--read-object",
                  "--type", "cert", "--label", "c", "--output-file",
                  str(tmp_path / "back.der"))
    assert res.returncode == 0
    assert (tmp_path / "back.der").read_bytes() == cert.public_bytes(
        serialization.Encoding.DER)
    # A certificate of no key of the token needs an explicit id.
    other = make_cert(ec.generate_private_key(ec.SECP256R1()))
    der = tmp_path / "other.der"
    der.write_bytes(other.public_bytes(serialization.Encoding.DER))
    out = env.cli("cert", "add", "--token", "t1", "--label", "o", str(der),
                  check=False)
    assert out.returncode != 0 and "--id" in out.stderr
    env.cli("cert", "add", "--token", "t1", "--label", "o", "--id", "0a0b",
            str(der))
    assert "certificate  o  id 0a0b" in listing(env)


def test_object_set_label_and_remove(env):
    env.add_token("t1")
    env.add_key("t1", "ecc-p256", "old")
    env.cli("object", "set-label", "--token", "t1", "--label", "old",
            "--new-label", "new", env=PIN)
    lines = listing(env, "--all")
    assert "new" in lines and "old" not in lines
    out = env.cli("object", "remove", "--token", "t1", "--label", "none",
                  env=PIN, check=False)
    assert out.returncode != 0
    env.cli("object", "remove", "--token", "t1", "--label", "new", env=PIN)
    assert listing(env, "--all").strip() == ""
