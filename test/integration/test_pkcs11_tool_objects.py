"""Objects written and removed by pkcs11-tool: certificates, data
objects (public and private), public keys; read back byte for byte."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import MODULE, USER_PIN


def tool(env, *args, login=True, check=True):
    extra = ["--login", "--pin", USER_PIN] if login else []
    return env.run("pkcs11-tool", "--module", MODULE, "--token-label", "t1",
                   *extra, *args, check=check)


def cert_for(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p11tool")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(77)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_certificate_write_read_delete(env, tmp_path):
    env.add_token("t1")
    cert = cert_for(ec.generate_private_key(ec.SECP256R1()))
    der = cert.public_bytes(serialization.Encoding.DER)
    (tmp_path / "c.der").write_bytes(der)
    tool(env, "--write-object", str(tmp_path / "c.der"), "--type", "cert",
         "--id", "0c", "--label", "cert")
    # A certificate is public: read back without a PIN.
    tool(env, "--read-object", "--type", "cert", "--id", "0c",
         "--output-file", str(tmp_path / "back.der"), login=False)
    assert (tmp_path / "back.der").read_bytes() == der
    listing = tool(env, "-O", login=False).stdout
    assert "Certificate Object" in listing and "p11tool" in listing
    tool(env, "--delete-object", "--type", "cert", "--id", "0c")
    assert "Certificate Object" not in tool(env, "-O", login=False).stdout


def test_data_objects_public_and_private(env, tmp_path):
    env.add_token("t1")
    (tmp_path / "d").write_bytes(b"some application data\n")
    tool(env, "--write-object", str(tmp_path / "d"), "--type", "data",
         "--label", "pub-data", "--application-label", "app")
    tool(env, "--write-object", str(tmp_path / "d"), "--type", "data",
         "--label", "priv-data", "--private")
    public = tool(env, "-O", login=False).stdout
    assert "pub-data" in public and "priv-data" not in public
    assert "priv-data" in tool(env, "-O").stdout
    tool(env, "--read-object", "--type", "data", "--label", "priv-data",
         "--output-file", str(tmp_path / "back"))
    assert (tmp_path / "back").read_bytes() == b"some application data\n"
    tool(env, "--delete-object", "--type", "data", "--label", "pub-data")
    assert "pub-data" not in tool(env, "-O").stdout


def test_public_key_write(env, tmp_path):
    env.add_token("t1")
    key = ec.generate_private_key(ec.SECP384R1())
    (tmp_path / "pub.der").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    tool(env, "--write-object", str(tmp_path / "pub.der"), "--type",
         "pubkey", "--id", "0d", "--label", "peer")
    out = tool(env, "-O", login=False).stdout
    assert "Public Key Object; EC" in out and "peer" in out
