"""OpenSSL uses tpmcard keys through Debian's PKCS#11 engine (libp11).

`openssl req -x509` certifies a token key with itself, `openssl s_server`
serves TLS with it to `openssl s_client` on 127.0.0.1, `openssl pkeyutl`
signs with the EC key and decrypts with the RSA key; python-cryptography
checks every result against the token's public keys, read through PyKCS11
without the engine.  p11tool lists the URIs to give the engine.  The PIN
comes from the engine's configuration, the key URI (pin-value,
pin-source) or nowhere; a wrong or missing PIN and an unknown label are
refused.

Each case runs two ways: "in-process", the engine loading the module into
the openssl process as users configure it, and "p11-kit-server", the
engine reaching the module through p11-kit-client.so in a process of its
own, where nothing of openssl's configuration can touch the module.  The
isolation cases make the engine the host's default for everything, and
empty the host's default library context: the module, and tpm2-tss
under it, must not need anything of the host's.  The suite's fixtures
check that no test leaves an object or session in a direct TPM.
"""
import os
import re
import shutil
import urllib.parse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from conftest import PRELOAD, USER_PIN
from openssl_engine import (ENGINE, P11KIT_CLIENT, OpenSsl, P11KitServer,
                            TlsServer, key_uri, tls_client)

pytestmark = pytest.mark.skipif(
    not os.path.exists(ENGINE) or shutil.which("openssl") is None,
    reason="needs openssl and Debian's libengine-pkcs11-openssl")

# In one process with the engine, the module once failed every login:
# libcrypto registers an engine loaded from openssl.cnf for the EVP_PKEY
# methods it has (RSA, EC), and tpm2-tss 3.2 made the ephemeral key that
# salts the module's HMAC session with EVP_PKEY_CTX_new_id(EVP_PKEY_EC,
# NULL), which OpenSSL 3.0 handed to libp11's legacy method.  The module
# now salts the session itself (src/tpm/tpm_salt.c), and tpm2-tss's session
# HMACs, parameter encryption and nonces run with the module's own library
# context as the thread's default (tpm_lock in src/tpm/tpm_internal.h).

ROUTES = ["in-process", "p11-kit-server"]

TLS_SIGNATURES = {"rsa": "RSA-PSS", "ec": "ECDSA"}
PING = "tpmcard-ping"


@pytest.fixture
def route(request, token_env, tmp_path):
    """A factory of OpenSsl setups whose engine reaches token t1 the way
    request.param says."""
    if request.param == "in-process":
        yield lambda name="openssl.cnf", **kw: OpenSsl(
            token_env, tmp_path / name, token_env.module, **kw)
        return
    if shutil.which("p11-kit") is None or not os.path.exists(P11KIT_CLIENT):
        pytest.skip("needs p11-kit and p11-kit-client.so")
    if PRELOAD:
        pytest.skip("with the ASan runtime preloaded, p11-kit-remote hangs "
                    "at exit in libp11-kit's destructor (freelocale)")
    server = P11KitServer(token_env, tmp_path)
    try:
        yield lambda name="openssl.cnf", **kw: OpenSsl(
            token_env, tmp_path / name, P11KIT_CLIENT,
            extra_env={"P11_KIT_SERVER_ADDRESS": server.address}, **kw)
    finally:
        server.stop()


@pytest.fixture
def servers():
    """TLS servers a test starts, all stopped when it ends."""
    started = []
    yield started
    for server in started:
        server.stop()


def token_key(env, label):
    """The public half of a token key: its CKA_PUBLIC_KEY_INFO, read through
    PyKCS11 without a PIN, with neither the engine nor openssl involved."""
    got = env.p11("attrs", label=label, names=["CKA_PUBLIC_KEY_INFO"])
    rv, value = got["CKO_PUBLIC_KEY"]["CKA_PUBLIC_KEY_INFO"]
    assert rv == "CKR_OK", got
    return serialization.load_der_public_key(bytes.fromhex(value))


def spki_of(public_key):
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def object_ids(env):
    """{(class, label): CKA_ID hex} from `tpmcard object list`."""
    out = env.cli("object", "list", "--token", "t1").stdout
    ids = {}
    for line in out.splitlines():
        _, cls, _, cka_id, label = line.split(" ", 4)
        ids[(cls, label)] = cka_id
    return ids


def make_certificate(openssl, tmp_path, label):
    """openssl req -new -x509 with the token key; the PEM certificate."""
    cert = tmp_path / (label + ".pem")
    out = openssl.with_engine(
        "req", "-new", "-x509", "-keyform", "engine", "-key", key_uri(label),
        "-subj", "/CN=tpmcard %s" % label, "-days", "1", "-sha256",
        "-out", str(cert))
    assert out.returncode == 0, out.stderr
    return cert


def check_self_signed(cert, public_key):
    """cert carries public_key and its signature verifies under it."""
    assert spki_of(cert.public_key()) == spki_of(public_key)
    assert cert.issuer == cert.subject
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes,
                          padding.PKCS1v15(), cert.signature_hash_algorithm)
    else:
        public_key.verify(cert.signature, cert.tbs_certificate_bytes,
                          ec.ECDSA(cert.signature_hash_algorithm))


def tls_round_trip(openssl, servers, tmp_path, label, cert):
    """One TLS connection to an s_server with the token key; s_client's
    output, after checking that the server ended cleanly."""
    server = TlsServer(openssl, cert, key_uri(label),
                       tmp_path / ("s_server-%s.log" % label))
    servers.append(server)
    out = tls_client(tmp_path, server.port, cert, [PING, "CLOSE"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert server.wait() == 0, server.log_text()
    return out.stdout


def check_tls(stdout, label):
    assert "Verify return code: 0 (ok)" in stdout, stdout
    # The server's handshake signature is one the token made.
    assert "Peer signature type: %s" % TLS_SIGNATURES[label] in stdout
    # -rev sent the line back reversed, through the TLS channel.
    assert PING[::-1] in stdout.splitlines(), stdout


def pkeyutl_sign(openssl, tmp_path, uri, digest):
    """pkeyutl -sign of a SHA-256 digest with the key at uri; the result."""
    (tmp_path / "digest").write_bytes(digest)
    sig = tmp_path / "sig"
    if sig.exists():
        sig.unlink()
    out = openssl.with_engine(
        "pkeyutl", "-sign", "-keyform", "engine", "-inkey", uri,
        "-in", str(tmp_path / "digest"), "-out", str(sig))
    return out, sig.read_bytes() if sig.exists() else None


def check_ec_signature(public_key, signature, digest):
    public_key.verify(signature, digest,
                      ec.ECDSA(Prehashed(hashes.SHA256())))


DECRYPT_CASES = {
    "pkcs1": (padding.PKCS1v15(), ["-pkeyopt", "rsa_padding_mode:pkcs1"]),
    "oaep-sha1": (padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                               algorithm=hashes.SHA1(), label=None),
                  ["-pkeyopt", "rsa_padding_mode:oaep",
                   "-pkeyopt", "rsa_oaep_md:sha1",
                   "-pkeyopt", "rsa_mgf1_md:sha1"]),
    "oaep-sha256": (padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                 algorithm=hashes.SHA256(), label=None),
                    ["-pkeyopt", "rsa_padding_mode:oaep",
                     "-pkeyopt", "rsa_oaep_md:sha256",
                     "-pkeyopt", "rsa_mgf1_md:sha256"]),
}


def pkeyutl_decrypt(openssl, tmp_path, public_key, case):
    """Encrypts a fresh message to the token's RSA key as case says and has
    pkeyutl -decrypt it; (pkeyutl's result, message, what came out)."""
    pad, options = DECRYPT_CASES[case]
    message = os.urandom(32)
    (tmp_path / "ct").write_bytes(public_key.encrypt(message, pad))
    plain = tmp_path / "pt"
    if plain.exists():
        plain.unlink()
    out = openssl.with_engine(
        "pkeyutl", "-decrypt", "-keyform", "engine", "-inkey",
        key_uri("rsa"), *options, "-in", str(tmp_path / "ct"),
        "-out", str(plain))
    return out, message, plain.read_bytes() if plain.exists() else None


def p11tool_urls(env):
    """The URLs p11tool lists for token t1 after logging in."""
    out = env.run("p11tool", "--provider", env.module, "--list-all",
                  "--login", "pkcs11:token=t1",
                  env={"GNUTLS_PIN": USER_PIN}, timeout=60)
    return re.findall(r"^\s*URL: (\S+)$", out.stdout, re.M)


def uri_attributes(url):
    path = url[len("pkcs11:"):].split("?")[0]
    return dict(urllib.parse.unquote_to_bytes(part).decode("latin-1")
                .split("=", 1) for part in path.split(";"))


# Finding the keys and their URIs.

@pytest.mark.skipif(PRELOAD is not None,
                    reason="with the ASan runtime preloaded, p11tool hangs "
                    "at exit in libp11-kit's destructor (freelocale)")
@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_p11tool_shows_the_key_uris(token_env, route, tmp_path):
    urls = p11tool_urls(token_env)
    ids = object_ids(token_env)
    found = sorted((uri_attributes(u)["object"], uri_attributes(u)["type"])
                   for u in urls)
    assert found == [("ec", "private"), ("ec", "public"),
                     ("rsa", "private"), ("rsa", "public")], urls
    for url in urls:
        attrs = uri_attributes(url)
        assert attrs["token"] == "t1"
        assert attrs["id"].encode("latin-1").hex() == \
            ids[("public", attrs["object"])], url

    # The engine takes the private key's URL as p11tool prints it.
    url = [u for u in urls if u.endswith(";object=ec;type=private")][0]
    digest = os.urandom(32)
    out, signature = pkeyutl_sign(route(), tmp_path,
                                  url + ";pin-value=" + USER_PIN, digest)
    assert out.returncode == 0, out.stderr
    check_ec_signature(token_key(token_env, "ec"), signature, digest)


def test_engine_reads_the_public_keys_without_a_pin(token_env, tmp_path):
    openssl = OpenSsl(token_env, tmp_path / "openssl.cnf", token_env.module)
    for label in ("rsa", "ec"):
        out_file = tmp_path / (label + ".der")
        out = openssl.with_engine(
            "pkey", "-pubin", "-inform", "engine", "-in",
            key_uri(label, kind="public"), "-pubout", "-outform", "DER",
            "-out", str(out_file))
        assert out.returncode == 0, out.stderr
        assert out_file.read_bytes() == spki_of(token_key(token_env, label))


# Certificates, TLS, signatures, decryption.

@pytest.mark.parametrize("label", ["rsa", "ec"])
@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_self_signed_certificate(token_env, route, tmp_path, label):
    openssl = route(pin=USER_PIN)
    cert_file = make_certificate(openssl, tmp_path, label)
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    check_self_signed(cert, token_key(token_env, label))
    assert cert.subject.rfc4514_string() == "CN=tpmcard " + label

    # On the token it pairs with its key by CKA_ID, as libp11 looks it up.
    token_env.cli("cert", "add", "--token", "t1", "--label", label,
                  str(cert_file))
    ids = object_ids(token_env)
    assert ids[("cert", label)] == ids[("public", label)] != "-"


@pytest.mark.parametrize("label", ["rsa", "ec"])
@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_tls_server_with_token_key(token_env, route, servers, tmp_path,
                                   label):
    openssl = route(pin=USER_PIN)
    cert = make_certificate(openssl, tmp_path, label)
    check_tls(tls_round_trip(openssl, servers, tmp_path, label, cert), label)


@pytest.mark.parametrize("pin_from", ["config", "pin-value", "pin-source"])
@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_pkeyutl_signs_with_ec_key(token_env, route, tmp_path, pin_from):
    if pin_from == "config":
        openssl, uri = route(pin=USER_PIN), key_uri("ec")
    elif pin_from == "pin-value":
        openssl = route()
        uri = key_uri("ec", extra=";pin-value=" + USER_PIN)
    else:
        # libp11 reads the whole file: no trailing newline.
        (tmp_path / "pin").write_text(USER_PIN)
        openssl = route()
        uri = key_uri("ec", extra="?pin-source=file:%s" % (tmp_path / "pin"))
    digest = os.urandom(32)

    out, signature = pkeyutl_sign(openssl, tmp_path, uri, digest)

    assert out.returncode == 0, out.stderr
    check_ec_signature(token_key(token_env, "ec"), signature, digest)


@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_pkeyutl_decrypts_with_rsa_key(token_env, route, tmp_path):
    openssl = route(pin=USER_PIN)
    public_key = token_key(token_env, "rsa")
    for case in DECRYPT_CASES:
        out, message, plain = pkeyutl_decrypt(openssl, tmp_path, public_key,
                                              case)
        assert out.returncode == 0, "%s: %s" % (case, out.stderr)
        assert plain == message, case


# Refusals.

@pytest.mark.parametrize("pin_from", ["config", "pin-value"])
@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_wrong_pin_is_refused(token_env, route, tmp_path, pin_from):
    if pin_from == "config":
        openssl, uri = route(pin="999999"), key_uri("ec")
    else:
        openssl, uri = route(), key_uri("ec", extra=";pin-value=999999")

    out, signature = pkeyutl_sign(openssl, tmp_path, uri, os.urandom(32))

    assert out.returncode != 0
    assert signature is None
    # Refused because the token turned the PIN down, not for another cause.
    assert "ERR_CKR_error:PIN incorrect" in out.stderr, out.stderr
    # The refusal left the token usable: the right PIN signs.
    digest = os.urandom(32)
    out, signature = pkeyutl_sign(route(name="right.cnf", pin=USER_PIN),
                                  tmp_path, key_uri("ec"), digest)
    assert out.returncode == 0, out.stderr
    check_ec_signature(token_key(token_env, "ec"), signature, digest)


def test_missing_pin_is_refused(token_env, tmp_path):
    """No PIN in the configuration or the URI, and no terminal to ask on:
    the engine asks, gets nothing and never logs in."""
    openssl = OpenSsl(token_env, tmp_path / "openssl.cnf", token_env.module)

    out, signature = pkeyutl_sign(openssl, tmp_path, key_uri("ec"),
                                  os.urandom(32))

    assert out.returncode != 0
    assert signature is None
    assert "Enter PKCS#11 token PIN for t1:" in out.stderr, out.stderr
    assert "No PIN code was entered" in out.stderr, out.stderr


@pytest.mark.parametrize("route", ROUTES, indirect=True)
def test_unknown_key_label_is_refused(token_env, route, tmp_path):
    openssl = route(pin=USER_PIN)

    out, signature = pkeyutl_sign(openssl, tmp_path, key_uri("nosuch"),
                                  os.urandom(32))

    assert out.returncode != 0
    assert signature is None
    # The login worked; the token just has no such key.
    assert "Login failed" not in out.stderr, out.stderr
    assert "ERR_ENG_error:object not found" in out.stderr, out.stderr


# Isolation: the module keeps its crypto to itself.

def test_engine_as_default_for_everything(token_env, servers, tmp_path):
    """`default_algorithms = ALL`: from the moment openssl.cnf is read, the
    engine is the host's RSA and EC implementation and EVP_PKEY method.
    The module's digests, random numbers (PSS salts, nonces) and session
    salting must not end up in it."""
    openssl = OpenSsl(token_env, tmp_path / "openssl.cnf", token_env.module,
                      pin=USER_PIN, default_all=True)
    out = openssl.run("engine", "-t", "-c", "pkcs11")
    assert out.returncode == 0, out.stderr
    assert "[RSA, rsaEncryption, id-ecPublicKey]" in out.stdout, out.stdout
    assert "[ available ]" in out.stdout, out.stdout

    cert_file = make_certificate(openssl, tmp_path, "rsa")
    rsa_key = token_key(token_env, "rsa")
    check_self_signed(
        x509.load_pem_x509_certificate(cert_file.read_bytes()), rsa_key)
    check_tls(tls_round_trip(openssl, servers, tmp_path, "rsa", cert_file),
              "rsa")
    digest = os.urandom(32)
    out, signature = pkeyutl_sign(openssl, tmp_path, key_uri("ec"), digest)
    assert out.returncode == 0, out.stderr
    check_ec_signature(token_key(token_env, "ec"), signature, digest)
    out, message, plain = pkeyutl_decrypt(openssl, tmp_path, rsa_key,
                                          "oaep-sha256")
    assert out.returncode == 0, out.stderr
    assert plain == message


def test_host_default_context_without_algorithms(token_env, tmp_path):
    """The host's default library context holds only the null provider and
    the engine is its default for everything: whatever the module, or
    tpm2-tss for it, took from the host's context would fail."""
    openssl = OpenSsl(token_env, tmp_path / "openssl.cnf", token_env.module,
                      pin=USER_PIN, default_all=True, null_provider=True)
    (tmp_path / "data").write_bytes(b"data")
    out = openssl.run("dgst", "-sha256", str(tmp_path / "data"))
    assert out.returncode != 0
    assert "unsupported" in out.stderr, out.stderr

    digest = os.urandom(32)
    out, signature = pkeyutl_sign(openssl, tmp_path, key_uri("ec"), digest)
    assert out.returncode == 0, out.stderr
    check_ec_signature(token_key(token_env, "ec"), signature, digest)
    out, message, plain = pkeyutl_decrypt(
        openssl, tmp_path, token_key(token_env, "rsa"), "pkcs1")
    assert out.returncode == 0, out.stderr
    assert plain == message
