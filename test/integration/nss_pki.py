"""Certificates for the token's keys, for the NSS and Java client tests.

token_public_key() reads a key pair's public half through PKCS#11 (as any
client sees it); a Ca is a throwaway certificate authority in software
that certifies such a key, so that the TPM signs nothing but what the
client under test asks of it.  private_key_access() says whether a key a
client made on the token was made there.
"""
import datetime
import hashlib
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from conftest import MODULE, USER_PIN

CURVES = {  # CKA_EC_PARAMS (a named curve's DER OID) in hex
    "06082a8648ce3d030107": ec.SECP256R1(),
    "06052b81040022": ec.SECP384R1(),
    "06052b81040023": ec.SECP521R1(),
}


def der_content(element):
    """The content octets of one DER element (an OCTET STRING)."""
    if element[1] < 0x80:
        return element[2:2 + element[1]]
    size = element[1] & 0x7f
    length = int.from_bytes(element[2:2 + size], "big")
    return element[2 + size:2 + size + length]


def token_public_key(env, label):
    """(public key, CKA_ID in hex) of the token's key pair labelled label,
    from its CKO_PUBLIC_KEY object."""
    names = ["CKA_ID", "CKA_MODULUS", "CKA_PUBLIC_EXPONENT", "CKA_EC_PARAMS",
             "CKA_EC_POINT"]
    got = env.p11("attrs", pin=USER_PIN, label=label, names=names)
    attrs = {name: value for name, (rv, value)
             in got["CKO_PUBLIC_KEY"].items() if rv == "CKR_OK"}
    if "CKA_MODULUS" in attrs:
        key = rsa.RSAPublicNumbers(
            int(attrs["CKA_PUBLIC_EXPONENT"], 16),
            int(attrs["CKA_MODULUS"], 16)).public_key()
    else:
        point = der_content(bytes.fromhex(attrs["CKA_EC_POINT"]))
        key = ec.EllipticCurvePublicKey.from_encoded_point(
            CURVES[attrs["CKA_EC_PARAMS"]], point)
    return key, attrs["CKA_ID"]


def private_key_access(env, key_id):
    """pkcs11-tool's "Access" words for the private key whose CKA_ID is
    key_id (hex): "local", "never extractable"... for a key made in the
    TPM."""
    out = subprocess.run(
        ["pkcs11-tool", "--module", MODULE, "--token-label", "t1",
         "--login", "--pin", USER_PIN, "--list-objects", "--type",
         "privkey"], env=env.vars, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, check=True).stdout
    found = []
    for block in out.split("Private Key Object")[1:]:
        fields = dict(line.strip().split(":", 1) for line in
                      block.splitlines()[1:] if ":" in line)
        if fields.get("ID", "").strip() == key_id:
            found.append(fields["Access"].strip().split(", "))
    assert len(found) == 1, out
    return found[0]


def nss_key_id(key):
    """The CKA_ID NSS expects of a key (pk11_mkcertKeyID): SHA-1 of the
    RSA modulus or of the uncompressed EC point, in hex."""
    if isinstance(key, rsa.RSAPublicKey):
        n = key.public_numbers().n
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    else:
        raw = key.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha1(raw).hexdigest()


def same_key(a, b):
    """Whether two public keys are the same key."""
    form = (serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*form) == b.public_bytes(*form)


def cn(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


class Ca:
    """A P-256 certificate authority that lives as long as this object."""

    def __init__(self, name="tpmcard test CA"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = cn(name)
        self.cert = (
            self._builder(self.name, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256()))

    def _builder(self, subject, public_key):
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject)
                .issuer_name(self.name).public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=365)))

    def issue(self, public_key, subject, usage=None):
        """An end-entity certificate for public_key (subject an x509.Name),
        for signatures; usage, if given, an extended key usage OID."""
        builder = (
            self._builder(subject, public_key)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True))
        if usage is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([usage]),
                                            critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)
