"""OpenJDK's SunPKCS11 provider uses tpmcard keys, end to end with
Debian's keytool, jarsigner and jar.

A SunPKCS11 configuration names the module and t1's slot.  A throwaway CA
certifies each token key (its public half read through PKCS#11) and
`tpmcard cert add` puts the certificate on the token, paired with the key
by CKA_ID: SunPKCS11 makes a PrivateKeyEntry of each private key with a
certificate of the same CKA_ID, aliased by the certificate's label, and
leaves keys without one out.  keytool -list shows the entries once the
keystore password, the PIN, has logged in; jarsigner signs a jar in the
TPM and jarsigner -verify, trusting only the CA, accepts it (openssl cms
checks the same signature on its own); a jar changed after signing fails.
keytool -genkeypair with the token's provider has the TPM make a key,
which -certreq and the CA's reply certify.  A wrong or missing PIN loads
no keystore.  The JVM exits without C_Finalize, so these tests also show
that the module, unloaded at exit, leaves nothing in the TPM.
"""
import os
import re
import subprocess
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from conftest import MODULE, USER_PIN, pin_strikes
from nss_pki import Ca, cn, der, private_key_access, token_public_key

WRONG_PIN = "000000"
TRUST_PASS = "changeit"
PROVIDER = ("-keystore", "NONE", "-storetype", "PKCS11",
            "-providerClass", "sun.security.pkcs11.SunPKCS11")
# No hsperfdata file left in /tmp; messages in English, as tested.
JVM = ("-J-XX:-UsePerfData", "-J-Duser.language=en", "-J-Duser.country=US")
# jarsigner -sigalg, the signature algorithm openssl reads in the jar
SIGALGS = {"SHA256withRSA": "sha256WithRSAEncryption",
           "RSASSA-PSS": "rsassaPss",
           "SHA256withECDSA": "ecdsa-with-SHA256",
           "SHA384withECDSA": "ecdsa-with-SHA384"}
CONTENT = b"signed in the TPM\n"


def run(args, env=None, check=True):
    """A program without a terminal (a prompt reads end of file)."""
    out = subprocess.run(list(args), env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=120,
                         start_new_session=True)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def write(directory, name, data):
    path = os.path.join(str(directory), name)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def sunpkcs11_config(directory, name, slot_line):
    return write(directory, name, "name = tpmcard\nlibrary = %s\n%s\n"
                 % (MODULE, slot_line))


class JavaToken:
    """t1 with a CA-issued certificate on each of its keys (but one), and
    a SunPKCS11 configuration for its slot."""

    def __init__(self, env, directory, ca):
        self.env = env
        self.directory = directory
        env.add_key("t1", "ecc-p256", "bare")  # a key with no certificate
        self.certs = {}
        for label in ("rsa", "ec"):
            key, _ = token_public_key(env, label)
            cert = ca.issue(key, cn("tpmcard java " + label),
                            ExtendedKeyUsageOID.CODE_SIGNING)
            env.cli("cert", "add", "--token", "t1", "--label", label,
                    write(directory, label + ".der", der(cert)))
            self.certs[label] = cert
        # The CA too, with an id of no key: SunPKCS11 finds it by subject
        # and gives each key entry the whole chain, which jarsigner puts
        # in the signature.
        env.cli("cert", "add", "--token", "t1", "--label", "test CA",
                "--id", "ca", write(directory, "ca.der", der(ca.cert)))
        self.chains = {label: [cert, ca.cert]
                       for label, cert in self.certs.items()}
        slot = [s["id"] for s in env.p11("slots")["slots"]
                if s["label"] == "t1"][0]
        self.config = sunpkcs11_config(directory, "tpmcard.cfg",
                                       "slot = %d" % slot)

    def tool(self, tool, *args, pin=USER_PIN, config=None, check=True):
        """keytool or jarsigner on the token's keystore; pin None gives
        no keystore password."""
        store = PROVIDER + ("-providerArg", config or self.config)
        if pin is not None:
            store += ("-storepass", pin)
        return run((tool,) + JVM + store + args, env=self.env.vars,
                   check=check)

    def entries(self, config=None):
        """keytool -list -rfc: {alias: (entry type, certificate chain)}."""
        out = self.tool("keytool", "-list", "-rfc", config=config).stdout
        found = {}
        for block in out.split("Alias name: ")[1:]:
            alias, rest = block.split("\n", 1)
            kind = rest.split("Entry type: ", 1)[1].split("\n", 1)[0]
            pems = re.findall(r"-----BEGIN CERTIFICATE-----\n.*?"
                              r"-----END CERTIFICATE-----\n", rest, re.S)
            found[alias] = (kind, [x509.load_pem_x509_certificate(
                pem.encode()) for pem in pems])
        assert "Your keystore contains %d entries" % len(found) in out, out
        return found

    def sign(self, jar, alias, sigalg, pin=USER_PIN, check=True):
        signed = os.path.join(self.directory, "%s-%s.jar" % (alias, sigalg))
        out = self.tool("jarsigner", "-sigalg", sigalg, "-signedjar", signed,
                        jar, alias, pin=pin, check=check)
        return signed, out


@pytest.fixture(scope="module")
def ca():
    return Ca()


@pytest.fixture(scope="module")
def java_files(ca, tmp_path_factory):
    """A jar to sign, a truststore holding only the CA, the CA in PEM."""
    d = tmp_path_factory.mktemp("java")
    src = d / "src"
    src.mkdir()
    (src / "hello.txt").write_bytes(CONTENT)
    jar = str(d / "unsigned.jar")
    run(("jar",) + JVM + ("cf", jar, "-C", str(src), "hello.txt"))
    ca_pem = write(d, "ca.pem", ca.pem())
    trust = str(d / "trust.p12")
    run(("keytool",) + JVM + (
        "-importcert", "-noprompt", "-alias", "tpmcard-test-ca", "-file",
        ca_pem, "-keystore", trust, "-storetype", "PKCS12", "-storepass",
        TRUST_PASS))
    return {"jar": jar, "trust": trust, "ca": ca_pem}


@pytest.fixture
def java(token_env, tmp_path, ca):
    return JavaToken(token_env, tmp_path, ca)


def verify(signed, java_files):
    """jarsigner -verify -strict, trusting only the test CA."""
    return run(("jarsigner",) + JVM + (
        "-verify", "-strict", "-keystore", java_files["trust"],
        "-storetype", "PKCS12", "-storepass", TRUST_PASS, signed),
        check=False)


def signature_block(signed, alias, directory):
    """The jar's signature file and its PKCS#7 block, written out."""
    with zipfile.ZipFile(signed) as z:
        names = [n for n in z.namelist() if n.startswith("META-INF/" +
                                                         alias.upper())]
        sf = [n for n in names if n.endswith(".SF")]
        block = [n for n in names if not n.endswith(".SF")]
        assert len(sf) == 1 and len(block) == 1, z.namelist()
        return (write(directory, "block.sf", z.read(sf[0])),
                write(directory, "block.p7", z.read(block[0])),
                block[0].rsplit(".", 1)[1])


def changed_copy(signed, directory):
    """The signed jar with hello.txt changed after signing."""
    path = os.path.join(str(directory), "changed.jar")
    with zipfile.ZipFile(signed) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "hello.txt":
                data = b"changed after signing\n"
            dst.writestr(item, data)
    return path


def test_keytool_lists_the_keys_with_certificates(java):
    entries = java.entries()
    assert entries == {label: ("PrivateKeyEntry", chain)
                       for label, chain in java.chains.items()}
    # The first slot is a token's: slotListIndex 0 names t1 as well.
    first = sunpkcs11_config(java.directory, "first.cfg", "slotListIndex = 0")
    assert java.entries(config=first) == entries


@pytest.mark.parametrize("alias,sigalg", [
    ("rsa", "SHA256withRSA"), ("rsa", "RSASSA-PSS"),
    ("ec", "SHA256withECDSA"), ("ec", "SHA384withECDSA")])
def test_jarsigner_signs_with_a_token_key(java, java_files, tmp_path, alias,
                                          sigalg):
    signed, out = java.sign(java_files["jar"], alias, sigalg)
    assert "jar signed." in out.stdout

    checked = verify(signed, java_files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "jar verified." in checked.stdout
    assert "Error" not in checked.stdout
    # The same signature, checked by openssl against the CA, is the
    # token key's, over the jar's signature file.
    sf, block, ext = signature_block(signed, alias, tmp_path)
    assert ext == {"rsa": "RSA", "ec": "EC"}[alias]
    signer = str(tmp_path / "signer.pem")
    cms = run(["openssl", "cms", "-verify", "-inform", "DER", "-in", block,
               "-content", sf, "-binary", "-CAfile", java_files["ca"],
               "-purpose", "any", "-signer", signer, "-out", os.devnull])
    assert "Verification successful" in cms.stderr
    with open(signer, "rb") as f:
        assert x509.load_pem_x509_certificate(f.read()) == java.certs[alias]
    printed = run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER",
                   "-in", block]).stdout
    assert "algorithm: %s " % SIGALGS[sigalg] in printed

    changed = verify(changed_copy(signed, tmp_path), java_files)
    assert changed.returncode != 0
    assert "jar verified." not in changed.stdout
    assert "digest error for hello.txt" in changed.stdout + changed.stderr


@pytest.mark.parametrize("alias,keyalg", [
    ("made-rsa", ("-keyalg", "RSA", "-keysize", "2048")),
    ("made-ec", ("-keyalg", "EC", "-groupname", "secp256r1"))])
def test_keytool_makes_a_key_in_the_tpm(java, java_files, ca, tmp_path,
                                        alias, keyalg):
    """keytool -genkeypair with -providerName SunPKCS11-tpmcard has the
    TPM generate the key (C_GenerateKeyPair, then C_CopyObject to a token
    object with CKA_ID the alias); -certreq signs a request with it and
    -importcert installs the CA's reply; jarsigner then signs with it."""
    java.tool("keytool", "-genkeypair", "-alias", alias, *keyalg,
              "-dname", "CN=tpmcard " + alias,
              "-providerName", "SunPKCS11-tpmcard")
    access = private_key_access(java.env, alias.encode().hex())
    assert {"sensitive", "always sensitive", "never extractable",
            "local"} <= set(access)

    request = str(tmp_path / "request.pem")
    java.tool("keytool", "-certreq", "-alias", alias, "-file", request)
    with open(request, "rb") as f:
        csr = x509.load_pem_x509_csr(f.read())
    assert csr.is_signature_valid
    cert = ca.issue(csr.public_key(), csr.subject,
                    ExtendedKeyUsageOID.CODE_SIGNING)
    reply = write(tmp_path, "reply.pem", b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (cert, ca.cert)))
    out = java.tool("keytool", "-importcert", "-noprompt", "-alias", alias,
                    "-file", reply)
    assert "Certificate reply was installed in keystore" in out.stderr
    assert java.entries()[alias] == ("PrivateKeyEntry", [cert, ca.cert])

    sigalg = "SHA256withRSA" if "rsa" in alias else "SHA256withECDSA"
    signed, _ = java.sign(java_files["jar"], alias, sigalg)
    checked = verify(signed, java_files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "jar verified." in checked.stdout


def test_wrong_or_missing_pin_is_refused(java, java_files, swtpm):
    """A wrong PIN is one login the TPM refuses (one dictionary-attack
    strike) and loads no keystore; with no PIN none is tried."""
    before = pin_strikes(swtpm)
    out = java.tool("keytool", "-list", "-v", pin=WRONG_PIN, check=False)
    assert out.returncode == 1
    assert "keytool error: java.io.IOException: load failed" in out.stdout
    assert "PKCS11Exception: CKR_PIN_INCORRECT" in out.stdout
    assert pin_strikes(swtpm) == before + 1
    out = java.tool("keytool", "-list", "-v", pin=None, check=False)
    assert out.returncode == 1
    assert "no password provided" in out.stdout
    assert pin_strikes(swtpm) == before + 1
    for pin, strikes in ((WRONG_PIN, 1), (None, 0)):
        before = pin_strikes(swtpm)
        signed, out = java.sign(java_files["jar"], "ec", "SHA256withECDSA",
                                pin=pin, check=False)
        assert out.returncode == 1
        assert "jar signed." not in out.stdout
        assert not os.path.exists(signed)
        assert pin_strikes(swtpm) == before + strikes
    # The refusals locked nothing: the right PIN still works.
    assert set(java.entries()) == {"rsa", "ec"}
