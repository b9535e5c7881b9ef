"""NSS, the library of Firefox and Thunderbird, uses tpmcard keys, end to
end with Debian's modutil and certutil.

modutil registers the module in a fresh NSS database; certutil lists the
token and, after login, its keys; certutil -R makes certificate requests
that the TPM signs with the token's keys; a throwaway CA certifies them
and certutil -A puts the certificates on the token, where certutil -L
finds them again.  NSS pairs a certificate with its key by CKA_ID, an id
it computes itself from the public key (SHA-1 of the RSA modulus or of the
EC point) for every certificate it imports; certutil -L marks a
certificate whose key it finds as a user certificate ("u,u,u"), the kind
Firefox offers for client authentication.  A wrong or missing PIN is
refused.  certutil runs without a terminal (in a new session), so that a
PIN prompt fails at once instead of waiting.
"""
import os
import re
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import MODULE, USER_PIN, pin_strikes
from nss_pki import (Ca, der, nss_key_id, private_key_access, same_key,
                     token_public_key)

WRONG_PIN = "000000"
SLOT = "tpmcard TPM 2.0 token"
USER_CERT = "u,u,u"  # certutil -L: a certificate NSS found the key of
# tpmcard key generate does not give keys the CKA_ID NSS derives.


class NssDb:
    """A fresh NSS database in directory, with the module registered."""

    def __init__(self, env, directory):
        self.env = env
        self.directory = directory
        self.dir = "sql:" + directory
        self.noise = os.path.join(directory, "noise")
        with open(self.noise, "wb") as f:
            f.write(os.urandom(2048))
        self.run("certutil", "-N", "-d", self.dir, "--empty-password")
        self.added = self.run("modutil", "-dbdir", self.dir, "-add",
                              "tpmcard", "-libfile", env.module, "-force")

    def run(self, *args, check=True):
        out = subprocess.run(list(args), env=self.env.vars,
                             stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=60, start_new_session=True)
        if check:
            assert out.returncode == 0, out.stdout + out.stderr
        return out

    def pin_file(self, pin):
        path = os.path.join(self.directory, "pin-" + pin)
        with open(path, "w") as f:
            f.write(pin + "\n")
        return path

    def certutil(self, *args, pin=USER_PIN, check=True):
        """certutil on this database; pin None gives it no PIN at all."""
        extra = () if pin is None else ("-f", self.pin_file(pin))
        return self.run("certutil", *args, "-d", self.dir, *extra,
                        check=check)

    def keys(self, pin=USER_PIN, check=True):
        """certutil -K's (type, id, name) of each key on t1."""
        out = self.certutil("-K", "-h", "t1", pin=pin, check=check)
        return [m.groups() for m in re.finditer(
            r"^<\s*\d+> (\w+)\s+([0-9a-f]+)\s+(.*?)\s*$", out.stdout,
            re.MULTILINE)]

    def certs(self, pin=USER_PIN):
        """certutil -L's {nickname: trust} of the certificates on t1."""
        out = self.certutil("-L", "-h", "t1", pin=pin).stdout
        lines = out.split("SSL,S/MIME,JAR/XPI\n", 1)[1].splitlines()
        return dict(line.rsplit(None, 1) for line in lines if line.strip())

    def cert(self, nickname):
        """The certificate certutil -L -n finds under nickname."""
        out = self.certutil("-L", "-h", "t1", "-n", nickname, "-a").stdout
        return x509.load_pem_x509_certificate(out.encode())

    def request(self, key, subject, extra=(), pin=USER_PIN, check=True):
        """certutil -R on t1 with -k key; the request, or the refusal."""
        path = os.path.join(self.directory, "request.der")
        out = self.certutil("-R", "-h", "t1", "-k", key, "-s", subject,
                            "-Z", "SHA256", "-z", self.noise, "-o", path,
                            *extra, pin=pin, check=check)
        if out.returncode != 0:
            return out
        with open(path, "rb") as f:
            return x509.load_der_x509_csr(f.read())

    def add(self, nickname, cert, pin=USER_PIN):
        """certutil -A of cert onto t1 under nickname, with no trust."""
        path = os.path.join(self.directory, nickname + ".der")
        with open(path, "wb") as f:
            f.write(der(cert))
        return self.certutil("-A", "-h", "t1", "-n", nickname, "-t", ",,",
                             "-i", path, pin=pin)


def blocks(text, first):
    """Each group of "name: value" lines starting with the name first, as
    a dict (values stripped)."""
    found = []
    for line in text.splitlines():
        name, sep, value = line.strip().partition(":")
        if not sep:
            continue
        if name == first:
            found.append({})
        if found:
            found[-1].setdefault(name, value.strip())
    return found


def token_serial(env):
    return [s for s in env.p11("slots")["slots"]
            if s["label"] == "t1"][0]["serial"]


def object_rows(env):
    """(class, type, id, label) of every object on t1, as tpmcard says."""
    out = env.cli("object", "list", "--token", "t1", "--all",
                  env={"TPMCARD_USER_PIN": USER_PIN}).stdout
    return sorted(tuple((line.split(" ", 4) + [""])[1:5])
                  for line in out.splitlines())


def certified_request(db, ca, key, name, extra=()):
    """A request certutil -R signs with key on t1, checked, and the
    certificate the CA makes of it."""
    subject = "CN=tpmcard %s,O=tpmcard tests" % name
    csr = db.request(key, subject, extra)
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0] \
        .value == "tpmcard " + name
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    cert = ca.issue(csr.public_key(), csr.subject,
                    ExtendedKeyUsageOID.CLIENT_AUTH)
    return csr, cert


@pytest.fixture(scope="module")
def ca():
    return Ca()


@pytest.fixture
def db(token_env, tmp_path):
    return NssDb(token_env, str(tmp_path))


def test_modutil_registers_the_module(db):
    env = db.env
    assert 'Module "tpmcard" added to database.' in db.added.stdout
    listing = db.run("modutil", "-dbdir", db.dir, "-list").stdout
    ours = listing.split(". tpmcard\n", 1)[1].split(
        "-----------------------------------------------------------")[0]
    lines = [line.strip() for line in ours.splitlines()]
    assert "library name: " + MODULE in lines
    assert "status: loaded" in lines
    assert "slot: " + SLOT in lines
    assert "token: t1" in lines
    # What NSS (and Firefox's Security Devices) make of the slot and
    # token flags of t1's slot.
    slots = blocks(db.run("modutil", "-dbdir", db.dir, "-list",
                          "tpmcard").stdout, "Slot")
    info = [s for s in slots if s["Slot"] == SLOT]
    assert len(info) == 1, slots
    assert {k: info[0][k] for k in (
        "Type", "Status", "Token Name", "Token Manufacturer", "Token Model",
        "Token Serial Number", "Access", "Login Type", "User Pin")} == {
        "Type": "Hardware", "Status": "Enabled", "Token Name": "t1",
        "Token Manufacturer": "tpmcard", "Token Model": "TPM 2.0",
        "Token Serial Number": token_serial(env),
        "Access": "NOT Write Protected", "Login Type": "Login required",
        "User Pin": "Initialized"}
    # The slot where a new token can be made is listed, with no token.
    spare = [s for s in slots if s["Slot"] != SLOT]
    assert [(s["Slot"], s["Token Name"]) for s in spare] == \
        [("tpmcard TPM 2.0, no token yet", "")]


def test_certutil_lists_the_token(db):
    out = db.certutil("-U", pin=None).stdout
    ours = [b for b in blocks(out, "slot") if b["slot"] == SLOT]
    assert ours == [{
        "slot": SLOT, "token": "t1",
        "uri": "pkcs11:token=t1;manufacturer=tpmcard;serial=%s;"
               "model=TPM%%202.0" % token_serial(db.env)}]


def test_certutil_lists_the_keys(db):
    env = db.env
    ids = {label: token_public_key(env, label)[1] for label in ("rsa", "ec")}
    out = db.certutil("-K", "-h", "t1")
    assert 'Checking token "t1" in slot "%s"' % SLOT in out.stdout
    assert sorted(db.keys()) == sorted([("rsa", ids["rsa"], "rsa"),
                                        ("ec", ids["ec"], "ec")])
    # The token holds nothing else, and NSS made nothing on it.
    assert [r[0] for r in object_rows(env)] == \
        ["private", "private", "public", "public"]


def test_wrong_or_missing_pin_is_refused(db, swtpm):
    """A wrong PIN is one login the TPM refuses (one dictionary-attack
    strike); with no PIN, certutil cannot ask and tries none."""
    rsa_id = token_public_key(db.env, "rsa")[1]
    path = os.path.join(db.directory, "request.der")
    for pin, strikes in ((WRONG_PIN, 1), (None, 0)):
        before = pin_strikes(swtpm)
        out = db.certutil("-K", "-h", "t1", pin=pin, check=False)
        assert out.returncode != 0
        assert "could not authenticate to token t1" in out.stderr
        assert "SEC_ERROR_BAD_PASSWORD" in out.stderr
        assert "< 0>" not in out.stdout
        refused = db.request(rsa_id, "CN=refused", pin=pin, check=False)
        assert refused.returncode != 0
        assert "SEC_ERROR_BAD_PASSWORD" in refused.stderr
        assert not os.path.exists(path) or os.path.getsize(path) == 0
        assert pin_strikes(swtpm) == before + 2 * strikes
    # The refusals locked nothing: the right PIN still works.
    assert len(db.keys()) == 2


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_request_signed_in_the_tpm_and_certificate_found_again(db, ca,
                                                               label):
    env = db.env
    public_key, key_id = token_public_key(env, label)
    csr, cert = certified_request(db, ca, key_id, label)
    # The request carries the token's key and verifies with it (above).
    assert same_key(csr.public_key(), public_key)

    db.add(label + "-cert", cert)

    assert ("t1:" + label + "-cert") in db.certs()
    assert db.cert("t1:" + label + "-cert") == cert
    certs = [r for r in object_rows(env) if r[0] == "cert"]
    assert certs == [("cert", "x509", nss_key_id(public_key),
                      label + "-cert")]


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_certificate_imported_by_certutil_pairs_with_its_key(db, ca,
                                                             label):
    env = db.env
    public_key, key_id = token_public_key(env, label)
    _, cert = certified_request(db, ca, key_id, label)
    db.add(label + "-cert", cert)
    cert_ids = [r[2] for r in object_rows(env) if r[0] == "cert"]
    assert cert_ids == [nss_key_id(public_key)]

    assert db.certs() == {"t1:" + label + "-cert": USER_CERT}
    assert key_id == nss_key_id(public_key)


@pytest.mark.parametrize("label", ["rsa", "ec"])
def test_certificate_added_by_tpmcard_pairs_with_its_key(db, ca, tmp_path,
                                                         label):
    """tpmcard cert add gives the certificate its key's CKA_ID, whatever
    that id is: NSS then finds the key of the certificate."""
    env = db.env
    _, key_id = token_public_key(env, label)
    _, cert = certified_request(db, ca, key_id, label)
    path = tmp_path / "cert.der"
    path.write_bytes(der(cert))
    env.cli("cert", "add", "--token", "t1", "--label", label + "-cert",
            str(path))

    assert db.certs() == {"t1:" + label + "-cert": USER_CERT}
    assert db.cert("t1:" + label + "-cert") == cert


@pytest.mark.parametrize("kind,extra,token_type", [
    ("rsa", ("-g", "2048"), "rsa2048"),
    ("ec", ("-q", "nistp256"), "ecc-p256")])
def test_key_generated_by_nss_pairs_with_its_certificate(db, ca, kind,
                                                         extra, token_type):
    """certutil -R -k rsa|ec makes a new key pair on the token (in the
    TPM) and gives it NSS's CKA_ID; the certificate certutil -A imports
    for it pairs, and certutil -K names the key after the certificate."""
    env = db.env
    csr, cert = certified_request(db, ca, kind, "new " + kind, extra)
    nss_id = nss_key_id(csr.public_key())
    new = [k for k in db.keys() if k[1] == nss_id]
    assert new == [(kind, nss_id, "(orphan)")]
    assert {"sensitive", "always sensitive", "never extractable",
            "local"} <= set(private_key_access(env, nss_id))

    db.add("new-" + kind, cert)

    assert db.certs() == {"t1:new-" + kind: USER_CERT}
    assert (kind, nss_id, "t1:new-" + kind) in db.keys()
    rows = [r for r in object_rows(env) if r[2] == nss_id]
    assert rows == sorted([("cert", "x509", nss_id, "new-" + kind),
                           ("private", token_type, nss_id, ""),
                           ("public", token_type, nss_id, "")])
