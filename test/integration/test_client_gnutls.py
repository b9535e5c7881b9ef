"""GnuTLS and p11-kit use tpmcard, end to end with Debian's programs.

p11-kit reads a private configuration holding only the .module file the
build installs; through it `p11-kit list-modules` and p11tool see the
module, p11tool lists token t1 and its objects with RFC 7512 URIs (checked
field by field against the token), and `p11tool --test-sign` signs with
both keys.  certtool makes a self-signed certificate with a token key, the
certificate goes onto the token, and gnutls-serv, on 127.0.0.1 only,
its PIN from GNUTLS_PIN or from a file its key URI names, completes TLS
1.3 and 1.2 handshakes with gnutls-cli using that key and certificate.
A wrong PIN is refused, after a single attempt.  `p11-kit server`
exports t1 on a unix socket and a process holding no TPM settings at
all signs through p11-kit-client.so; python3-cryptography verifies the
signatures with the public keys the module gives directly.
"""
import datetime
import hashlib
import json
import os
import re
import subprocess
import tempfile
import urllib.parse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

import gnutls_env
from conftest import (HELPER, MODULE, PRELOAD, USER_PIN, pin_strikes,
                      tpm_leftovers)
from gnutls_env import (GnutlsServer, P11KitConfig, P11KitServer, parse_uri,
                        p11tool_blocks, store_objects, token_info)

TOKEN = "pkcs11:token=t1"
KEY_URI = "pkcs11:token=t1;object=%s;type=private"
WRONG_PIN = "999999"
GREETING = "tpmcard-tls-ok"

ASAN_EXIT_HANG = (
    "deadlocks at exit under the preloaded ASan runtime: libp11-kit's "
    "destructor blocks in freelocale() on glibc's setlocale lock, whose "
    "reader count has wrapped around; `p11-kit list-modules` with no "
    "module configured hangs the same way, and so does every GnuTLS tool "
    "once it has logged in to a token")
needs_clean_exit = pytest.mark.skipif(
    PRELOAD is not None, reason="p11tool/certtool " + ASAN_EXIT_HANG)

# p11tool's names for what `tpmcard object list` calls CLASS and TYPE.
CLASS_NAMES = {"public": "Public key", "private": "Private key",
               "cert": "X.509 Certificate"}
KIND_NAMES = {"rsa2048": "RSA-2048", "ecc-p256": "EC/ECDSA-SECP256R1"}

# The server's signature in each TLS version, as gnutls-cli names it.
PRIORITIES = {"TLS1.3": "NORMAL:-VERS-ALL:+VERS-TLS1.3",
              "TLS1.2": "NORMAL:-VERS-ALL:+VERS-TLS1.2"}
SIGNATURES = {("rsa", "TLS1.3"): "RSA-PSS-RSAE-SHA256",
              ("rsa", "TLS1.2"): "RSA-SHA256",
              ("ec", "TLS1.3"): "ECDSA-SECP256R1-SHA256",
              ("ec", "TLS1.2"): "ECDSA-SHA256"}

CERT_TEMPLATE = """\
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
serial = 1
expiration_days = 2
tls_www_server
signing_key
"""


@pytest.fixture(scope="module")
def namespaces():
    if os.geteuid() == 0 and not gnutls_env.mount_namespace_works():
        pytest.skip("root without a mount namespace: p11-kit would read "
                    "only the system configuration")


@pytest.fixture
def p11kit(tmp_path, namespaces):
    return P11KitConfig(str(tmp_path / "p11-kit"))


@pytest.fixture(scope="module")
def loopback_shim(tmp_path_factory):
    try:
        return gnutls_env.build_loopback_shim(
            str(tmp_path_factory.mktemp("shim")))
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip("cannot build the loopback shim for gnutls-serv: %s" % e)


@pytest.fixture
def servers(token_env, mode, swtpm):
    """The servers a test starts, all stopped when it ends.

    gnutls-serv ends on SIGTERM by _exit(), so no library code runs: on a
    TPM without a resource manager the module cannot flush what it has
    loaded.  A test starts gnutls-serv only when the TPM holds nothing, so
    what is left after it is the server's, and is flushed here, before
    the suite's own check."""
    started = []
    yield started
    for server in reversed(started):
        server.stop()
    if mode == "direct" and any(isinstance(s, GnutlsServer)
                                for s in started):
        swtpm.tools("tpm2_flushcontext", "--transient-object")
        swtpm.tools("tpm2_flushcontext", "--loaded-session")


def run(env, config, *argv, pin=None):
    """Runs ARGV with only tpmcard registered; GNUTLS_PIN is PIN."""
    cmd, extra = config.command(argv)
    if pin is not None:
        extra["GNUTLS_PIN"] = pin
    return env.run(*cmd, env=extra, check=False, input="", timeout=60)


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def token_fields(info):
    """The token attributes p11tool's URIs carry, as the module has them."""
    return {"model": info["model"].encode(),
            "manufacturer": info["manufacturer"].encode(),
            "serial": info["serial"].encode(),
            "token": info["label"].encode()}


def cli_serial(env):
    line = env.cli("token", "list").stdout.splitlines()[0].split()
    assert line[0] == "t1" and line[1] == "serial", line
    return line[2]


def hex_colons(raw):
    return ":".join("%02x" % b for b in raw)


def listed_objects(text, token):
    """p11tool's object listing as {(type, label, id): block}, each URI
    checked to name the token as the module does."""
    listed = {}
    for block in p11tool_blocks(text, "Object"):
        uri = parse_uri(block["URL"])
        assert {k: uri.pop(k) for k in list(token)} == token, block["URL"]
        assert set(uri) == {"object", "id", "type"}, block["URL"]
        key = (uri["type"].decode(), uri["object"].decode(), uri["id"])
        assert key not in listed, text
        listed[key] = block
    return listed


def expected_objects(objects):
    """{(type, label, id): p11tool's Type line} for the store's keys."""
    return {(cls, label, raw_id): "%s (%s)" % (CLASS_NAMES[cls],
                                               KIND_NAMES[kind])
            for cls, kind, raw_id, label in objects}


def check_listing(listed, expected):
    assert set(listed) == set(expected)
    for (cls, label, raw_id), block in listed.items():
        assert block["Type"] == expected[(cls, label, raw_id)]
        assert block["Label"] == label
        assert block["ID"] == hex_colons(raw_id)


def key_id(env, label):
    ids = {raw_id for cls, _, raw_id, name in store_objects(env)
           if cls == "public" and name == label}
    assert len(ids) == 1, ids
    return ids.pop()


def direct_public_key(env, label):
    """The public key LABEL as the module gives it (CKA_PUBLIC_KEY_INFO),
    read directly, not through any of the clients under test."""
    res = env.p11("attrs", label=label, names=["CKA_PUBLIC_KEY_INFO"])
    rv, value = res["CKO_PUBLIC_KEY"]["CKA_PUBLIC_KEY_INFO"]
    assert rv == "CKR_OK"
    return serialization.load_der_public_key(bytes.fromhex(value))


def spki(public_key):
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def test_installed_module_file_registers_tpmcard(token_env, p11kit):
    if PRELOAD:
        pytest.skip("p11-kit " + ASAN_EXIT_HANG)
    out = ok(run(token_env, p11kit, "p11-kit", "list-modules")).stdout
    lines = out.splitlines()
    # The module is named after its file, and nothing else is loaded.
    assert [line for line in lines if line and not line[0].isspace()] == \
        ["tpmcard: " + MODULE]
    assert "    library-manufacturer: tpmcard" in lines
    assert "    token: t1" in lines


def test_p11tool_lists_only_the_tpmcard_token(token_env, p11kit):
    info = token_info(token_env)
    assert info["serial"] == cli_serial(token_env)
    out = ok(run(token_env, p11kit, "p11tool", "--list-tokens")).stdout
    tokens = p11tool_blocks(out, "Token")
    assert len(tokens) == 1, out
    token = tokens[0]
    assert parse_uri(token["URL"]) == token_fields(info)
    assert token["Label"] == "t1"
    assert token["Manufacturer"] == info["manufacturer"] == "tpmcard"
    assert token["Model"] == info["model"]
    assert token["Serial"] == info["serial"]
    assert token["Module"] == MODULE
    assert "Requires login" in token["Flags"]
    out = ok(run(token_env, p11kit, "p11tool", "--list-token-urls")).stdout
    assert out.split() == [token["URL"]]


def test_p11tool_lists_public_objects_without_login(token_env, p11kit):
    token = token_fields(token_info(token_env))
    out = ok(run(token_env, p11kit, "p11tool", "--list-all", TOKEN)).stdout
    expected = expected_objects(store_objects(token_env))
    assert {cls for cls, _, _ in expected} == {"public"}
    check_listing(listed_objects(out, token), expected)


@needs_clean_exit
def test_p11tool_lists_all_objects_after_login(token_env, p11kit):
    token = token_fields(token_info(token_env))
    out = ok(run(token_env, p11kit, "p11tool", "--batch", "--login",
                 "--list-all", TOKEN, pin=USER_PIN)).stdout
    expected = expected_objects(store_objects(token_env, pin=USER_PIN))
    assert {cls for cls, _, _ in expected} == {"public", "private"}
    assert len(expected) == 4
    listed = listed_objects(out, token)
    check_listing(listed, expected)
    for (cls, _, _), block in listed.items():
        flags = block.get("Flags", "")
        if cls == "private":
            for flag in ("CKA_PRIVATE", "CKA_SENSITIVE",
                         "CKA_NEVER_EXTRACTABLE"):
                assert flag in flags, block
        else:
            assert "CKA_PRIVATE" not in flags, block


@needs_clean_exit
@pytest.mark.parametrize("label,params,algorithm", [
    ("rsa", None, "RSA-SHA256"),
    ("rsa", "RSA-PSS", "RSA-PSS-SHA256"),
    ("ec", None, "ECDSA-SHA256"),
], ids=["rsa-pkcs1", "rsa-pss", "ec"])
def test_p11tool_test_sign(token_env, p11kit, label, params, algorithm):
    # The private key's URI exactly as p11tool listed it.
    listed = ok(run(token_env, p11kit, "p11tool", "--batch", "--login",
                    "--list-all-privkeys", TOKEN, pin=USER_PIN)).stdout
    uris = [b["URL"] for b in p11tool_blocks(listed, "Object")
            if b["Label"] == label]
    assert len(uris) == 1, listed
    args = ["p11tool", "--batch", "--login", "--test-sign", uris[0]]
    if params:
        args[-1:-1] = ["--sign-params", params]
    res = ok(run(token_env, p11kit, *args, pin=USER_PIN))
    lines = [line.strip() for line in (res.stdout + res.stderr).splitlines()]
    assert lines == ["Signing using %s... ok" % algorithm,
                     "Verifying against private key parameters... ok",
                     "Verifying against public key in the token... ok"]


@needs_clean_exit
def test_p11tool_refuses_a_wrong_pin(token_env, p11kit, mode, swtpm):
    res = run(token_env, p11kit, "p11tool", "--batch", "--login",
              "--set-pin", WRONG_PIN, "--test-sign", KEY_URI % "ec")
    text = res.stdout + res.stderr
    assert res.returncode != 0, text
    assert "Wrong PIN has been provided" in text
    assert "Cannot continue with a wrong password" in text
    assert "Signing using" not in text
    if mode == "direct":
        # p11tool gave up after one refusal: one strike in the TPM.
        assert pin_strikes(swtpm) == 1
    # The token still signs with the right PIN.
    ok(run(token_env, p11kit, "p11tool", "--batch", "--login",
           "--test-sign", KEY_URI % "ec", pin=USER_PIN))


def make_certificate(env, config, label, directory):
    """A self-signed certificate for the token key LABEL, made by certtool
    with the key's pkcs11: URI; checked to hold that key and to carry a
    signature that key made.  Returns (PEM path, certificate)."""
    template = os.path.join(directory, "cert.template")
    with open(template, "w") as f:
        f.write(CERT_TEMPLATE)
    path = os.path.join(directory, label + ".pem")
    ok(run(env, config, "certtool", "--generate-self-signed",
           "--load-privkey", KEY_URI % label, "--template", template,
           "--outfile", path, pin=USER_PIN))
    with open(path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    public_key = direct_public_key(env, label)
    assert spki(cert.public_key()) == spki(public_key)
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes,
                          padding.PKCS1v15(), cert.signature_hash_algorithm)
    else:
        public_key.verify(cert.signature, cert.tbs_certificate_bytes,
                          ec.ECDSA(cert.signature_hash_algorithm))
    return path, cert


def put_certificate(env, config, label, path):
    """Stores the certificate on t1: the RSA one with `tpmcard cert add`,
    the EC one with `p11tool --write`, neither given an id.  Both must
    pair it with its key by CKA_ID; returns the certificate's URI as
    p11tool lists it."""
    if label == "rsa":
        env.cli("cert", "add", "--token", "t1", "--label", label, path)
    else:
        ok(run(env, config, "p11tool", "--batch", "--login", "--write",
               "--load-certificate", path, "--label", label, TOKEN,
               pin=USER_PIN))
    raw_id = key_id(env, label)
    assert ("cert", "x509", raw_id, label) in store_objects(env)
    out = ok(run(env, config, "p11tool", "--list-all-certs", TOKEN)).stdout
    certs = [b for b in p11tool_blocks(out, "Object") if b["Label"] == label]
    assert len(certs) == 1, out
    uri = parse_uri(certs[0]["URL"])
    assert (uri["type"], uri["object"], uri["id"]) == \
        (b"cert", label.encode(), raw_id)
    return certs[0]["URL"]


def foreign_certificate(directory):
    """A self-signed certificate with the same names as ours and a key
    that is not on the token."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = datetime.datetime.utcnow() - datetime.timedelta(hours=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    path = os.path.join(directory, "foreign.pem")
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return path


def tls_connect(directory, port, ca_file, priority):
    """gnutls-cli to 127.0.0.1:PORT trusting CA_FILE only; it sends
    GREETING and saves the server's certificate.  It runs with nothing of
    the test's environment: it needs no token."""
    saved = os.path.join(directory, "peer.pem")
    if os.path.exists(saved):
        os.remove(saved)
    res = subprocess.run(
        ["gnutls-cli", "--x509cafile", ca_file, "--save-cert", saved,
         "--priority", priority, "--port", str(port), "127.0.0.1"],
        input=GREETING + "\n", capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "HOME": directory})
    return res, saved


def start_gnutls_serv(env, config, shim, servers, swtpm, mode, key, cert,
                      pin, directory):
    if mode == "direct":
        assert tpm_leftovers(swtpm) == ""
    server = GnutlsServer(env, config, shim, key, cert, pin, directory)
    servers.append(server)
    return server


def pin_source(directory):
    """A key URI's query naming a file with the PIN.  GnuTLS 3.7 takes
    the file's bytes as they are: no newline after the PIN."""
    path = os.path.join(directory, "pin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(USER_PIN)
    return "?pin-source=" + urllib.parse.quote(path, safe="/")


@needs_clean_exit
@pytest.mark.parametrize("label,pin_from", [("rsa", "GNUTLS_PIN"),
                                            ("ec", "pin-source")],
                         ids=["rsa", "ec"])
def test_tls_handshake_with_the_token_key(token_env, p11kit, loopback_shim,
                                          servers, swtpm, mode, tmp_path,
                                          label, pin_from):
    directory = str(tmp_path)
    cert_path, cert = make_certificate(token_env, p11kit, label, directory)
    cert_uri = put_certificate(token_env, p11kit, label, cert_path)
    if pin_from == "GNUTLS_PIN":
        key, pin = KEY_URI % label, USER_PIN
    else:
        key, pin = KEY_URI % label + pin_source(directory), None
    server = start_gnutls_serv(token_env, p11kit, loopback_shim, servers,
                               swtpm, mode, key, cert_uri, pin, directory)
    der = cert.public_bytes(serialization.Encoding.DER)

    for version, priority in PRIORITIES.items():
        res, saved = tls_connect(directory, server.port, cert_path,
                                 priority)
        text = res.stdout + res.stderr
        assert res.returncode == 0, text + server.log_text()
        assert "- Handshake was completed" in text
        assert "- Status: The certificate is trusted." in text
        assert re.search(r"- Description: \(%s-X\.509\)-\([^)]*\)-\(%s\)-"
                         % (re.escape(version),
                            re.escape(SIGNATURES[(label, version)])),
                         text), text
        assert GREETING in res.stdout.splitlines()
        # The server sent the certificate from the token.
        with open(saved, "rb") as f:
            peer = x509.load_pem_x509_certificate(f.read())
        assert peer.public_bytes(serialization.Encoding.DER) == der

    # Trusting another key under the same name, the client refuses.
    res, _ = tls_connect(directory, server.port,
                         foreign_certificate(directory),
                         PRIORITIES["TLS1.3"])
    assert res.returncode != 0
    assert "The certificate is NOT trusted" in res.stdout + res.stderr
    assert GREETING not in res.stdout.splitlines()


@needs_clean_exit
def test_tls_server_refuses_a_wrong_pin(token_env, p11kit, loopback_shim,
                                        swtpm, mode, tmp_path):
    directory = str(tmp_path)
    cert_path, _ = make_certificate(token_env, p11kit, "ec", directory)
    cert_uri = put_certificate(token_env, p11kit, "ec", cert_path)
    if mode == "direct":
        assert pin_strikes(swtpm) == 0
    port = gnutls_env.free_port()
    argv, extra = p11kit.command([
        "gnutls-serv", "--echo", "--disable-client-cert", "--port", str(port),
        "--x509keyfile", KEY_URI % "ec", "--x509certfile", cert_uri])
    preload = token_env.vars.get("LD_PRELOAD")
    extra["LD_PRELOAD"] = (preload + " " if preload else "") + loopback_shim
    extra["GNUTLS_PIN"] = WRONG_PIN
    # It gives up before it listens, and exits.
    res = token_env.run(*argv, env=extra, check=False, input="", timeout=30)
    text = res.stdout + res.stderr
    assert res.returncode != 0, text
    assert "Wrong PIN has been provided" in text
    assert "Cannot continue with a wrong password" in text
    assert "listening" not in text
    if mode == "direct":
        assert pin_strikes(swtpm) == 1


def remote(client_env, action, **params):
    """A p11helper scenario through p11-kit-client.so, in a process with
    CLIENT_ENV only."""
    out = subprocess.run(["/usr/bin/python3", HELPER,
                          gnutls_env.P11KIT_CLIENT, action,
                          json.dumps(params)],
                         env=client_env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def verify(public_key, label, signature, message):
    if label == "rsa":
        public_key.verify(signature, message, padding.PKCS1v15(),
                          hashes.SHA256())
        return
    assert len(signature) == 64
    der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                     int.from_bytes(signature[32:], "big"))
    public_key.verify(der, message, ec.ECDSA(hashes.SHA256()))


@pytest.mark.skipif(PRELOAD is not None,
                    reason="p11-kit-remote, which p11-kit server runs for "
                    "each connection and which loads the module, "
                    + ASAN_EXIT_HANG)
@pytest.mark.parametrize("via", ["provider", "registered"])
def test_p11kit_server_exports_the_token(token_env, p11kit, servers, via):
    if not os.path.exists(gnutls_env.P11KIT_CLIENT):
        pytest.skip("no p11-kit-client.so")
    info = token_info(token_env)
    message = b"signed by tpmcard through p11-kit remoting"
    # p11-kit 0.24 does not carry CKM_ECDSA_SHA256 over its protocol: the
    # EC key signs the digest (CKM_ECDSA), the RSA key hashes itself.
    cases = {"rsa": ("SHA256_RSA_PKCS", message),
             "ec": ("ECDSA", hashlib.sha256(message).digest())}
    with tempfile.TemporaryDirectory(prefix="tpmcard-p11kit-") as d:
        if via == "provider":
            # The module named on the command line, registered nowhere.
            server = P11KitServer(token_env, None, TOKEN, d, MODULE)
        else:
            server = P11KitServer(token_env, p11kit, TOKEN, d)
        servers.append(server)
        assert server.address == "unix:path=" + server.socket
        # No store, no TCTI, no D-Bus: only the server's address.
        client = {"PATH": os.environ["PATH"], "HOME": d,
                  "P11_KIT_SERVER_ADDRESS": server.address}

        slots = remote(client, "slots")["slots"]
        assert [(s["label"], s["serial"], s["initialized"])
                for s in slots] == [("t1", info["serial"], True)]
        assert remote(client, "login", pin=WRONG_PIN)["rv"] == \
            "CKR_PIN_INCORRECT"
        for label, (mech, data) in cases.items():
            res = remote(client, "sign", pin=USER_PIN, label=label,
                         mech=mech, data=data.hex())
            assert res["rv"] == "CKR_OK", res
            verify(direct_public_key(token_env, label), label,
                   bytes.fromhex(res["sig"]), message)

        server.stop()
        assert not os.path.exists(server.socket)
