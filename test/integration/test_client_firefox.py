"""Firefox logs in to a web server with a client certificate on the token.

Firefox ESR runs headless with a fresh profile whose NSS database has the
module registered (modutil -add) and trusts a throwaway CA for the server.
Token t1 holds an RSA and an EC key pair, each with a certificate for its
public key from a CA of its own; an openssl s_server on 127.0.0.1 requires
a client certificate from one of these CAs and verifies it, so Firefox
(set to select a certificate automatically) must pick that certificate,
find its private key by CKA_ID, ask for the PIN and sign the handshake on
the token: RSA-PSS in TLS 1.3, PKCS#1 v1.5 in TLS 1.2, ECDSA.  The page
the server answers with (-www) describes the session and prints the client
certificate it verified; a screenshot of it is saved.  A cancelled PIN
prompt or a wrong PIN gets no page.  Firefox then quits: with NSS shut
down (the module finalized), and with Firefox's default fast shutdown,
which finalizes nothing.

Firefox asks for the PIN in a dialog that headless Firefox cannot show, so
the test registers its own prompter in place of Firefox's: it records
each prompt and answers with the PIN, a wrong one or Cancel.  Firefox is
driven by Marionette (marionette.py) and told to send anything not on
loopback to a proxy that only records what arrives, so the test sees that
nothing tried to leave the machine.
"""
import datetime
import ipaddress
import os
import signal
import socket
import struct
import subprocess
import threading
import zlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import tpmenv
from conftest import PRELOAD, USER_PIN, tpm_leftovers
from marionette import Marionette, MarionetteError

FIREFOX = "firefox-esr"
WRONG_PIN = "654321"
PIN_PROMPT = "Please authenticate to the security device (t1)."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(
    bool(PRELOAD), reason="Firefox cannot run with the ASan runtime "
    "preloaded (TPMCARD_TEST_PRELOAD): it dies of SIGSEGV at startup")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop_group(proc, timeout=10):
    """Ends PROC (SIGTERM, then SIGKILL), then whatever is left of its
    process group: Firefox's content and helper processes."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    signal_group(proc, signal.SIGKILL)


# The certificates.

def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(subject, public_key, issuer, issuer_key, ca=False, ip=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(name(subject)).issuer_name(issuer)
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                              critical=True))
    if ip is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write_pem(path, cert):
    with open(path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return path


class Pki:
    """A CA for the server and one CA per token key (so that the server
    can ask for one key's certificate by naming its CA), all throwaway."""

    def __init__(self, directory):
        self.dir = directory
        self.cas = {}
        for role in ("server", "rsa", "ec"):
            key = ec.generate_private_key(ec.SECP256R1())
            subject = "tpmcard test %s CA" % role
            cert = issue(subject, key.public_key(), name(subject), key,
                         ca=True)
            self.cas[role] = (key, cert, write_pem(
                os.path.join(directory, "%s-ca.pem" % role), cert))
        ca_key, ca_cert, self.server_ca = self.cas["server"]
        key = ec.generate_private_key(ec.SECP256R1())
        self.server_cert = write_pem(
            os.path.join(directory, "server.pem"),
            issue("127.0.0.1", key.public_key(), ca_cert.subject, ca_key,
                  ip="127.0.0.1"))
        self.server_key = os.path.join(directory, "server.key")
        fd = os.open(self.server_key, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))

    def ca_file(self, role):
        return self.cas[role][2]

    def client_cert(self, label, public_key):
        """A certificate for a token key, from that key's own CA."""
        ca_key, ca_cert, _ = self.cas[label]
        return issue("tpmcard %s client" % label, public_key,
                     ca_cert.subject, ca_key)


def token_public_key(env, label):
    """(public key, CKA_ID hex) of the token key with this label, read
    from its public half without login."""
    found = env.p11("attrs", label=label,
                    names=["CKA_PUBLIC_KEY_INFO", "CKA_ID"])
    attrs = found["CKO_PUBLIC_KEY"]
    assert attrs["CKA_PUBLIC_KEY_INFO"][0] == "CKR_OK", attrs
    spki = bytes.fromhex(attrs["CKA_PUBLIC_KEY_INFO"][1])
    return serialization.load_der_public_key(spki), attrs["CKA_ID"][1]


@pytest.fixture
def pki(tmp_path):
    return Pki(str(tmp_path))


@pytest.fixture
def cert_env(token_env, pki, tmp_path):
    """Token t1 with its keys "rsa" and "ec", each with a certificate
    (labelled as the key) put on the token by tpmcard cert add.  Returns
    (env, {label: certificate})."""
    certs = {}
    for label in ("rsa", "ec"):
        public_key, key_id = token_public_key(token_env, label)
        cert = pki.client_cert(label, public_key)
        path = write_pem(str(tmp_path / ("%s-client.pem" % label)), cert)
        token_env.cli("cert", "add", "--token", "t1", "--label", label, path)
        certs[label] = cert
        listed = token_env.cli("object", "list", "--token", "t1").stdout
        # The certificate took its key's CKA_ID: that is how NSS finds
        # the private key for it.
        assert "cert x509 %s %s" % (key_id, label) in listed, listed
    return token_env, certs


# The server.

class TlsServer:
    """openssl s_server on a free loopback port.  It asks for a client
    certificate from client_ca (the only CA it names), refuses a
    handshake without one or with one it cannot verify
    (-verify_return_error), and answers every request with -www's page:
    the session, the peer's signature type and the client certificate."""

    def __init__(self, directory, pki, client_ca, tls="tls1_3",
                 client_sigalgs=None):
        self.port = free_port()
        self.log_path = os.path.join(directory, "s_server-%d.log" % self.port)
        cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
               "-cert", pki.server_cert, "-key", pki.server_key,
               "-CAfile", client_ca, "-Verify", "1", "-verify_return_error",
               "-" + tls, "-www"]
        if client_sigalgs:
            cmd += ["-client_sigalgs", client_sigalgs]
        self._log = open(self.log_path, "w")
        # A clean environment: nothing of the test's TPM settings.
        self.proc = subprocess.Popen(
            cmd, env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, cwd=directory)
        try:
            tpmenv.wait_for(self._ready, timeout=20, what="openssl s_server")
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("s_server exited: " + self.log())
        return "ACCEPT" in self.log()

    @property
    def url(self):
        return "https://127.0.0.1:%d/" % self.port

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        tpmenv.stop_process(self.proc)
        self._log.close()


@pytest.fixture
def servers(tmp_path):
    """Starts TlsServers; stops them all at the end."""
    started = []

    def start(*args, **kw):
        server = TlsServer(str(tmp_path), *args, **kw)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


# The browser.

class ProxyTrap:
    """A loopback listener that Firefox uses as its proxy for everything
    not on loopback: whatever arrives was trying to leave the machine.
    It records the first bytes of each connection and closes it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.arrivals = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(200)
                except OSError:
                    first = b""
                self.arrivals.append(first.split(b"\r\n")[0])

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=10)
        self.sock.close()


def prefs(marionette_port, proxy_port, overrides=None):
    """user.js: pick client certificates without asking, shut NSS down
    on quitting, and keep every background service (first-run pages,
    updates, telemetry, remote settings, safe browsing, captive portal
    and connectivity checks, push, DNS over HTTPS, prefetching) quiet;
    whatever still tries to reach beyond loopback goes to the proxy
    trap, never direct."""
    values = {
        "marionette.port": marionette_port,
        "security.default_personal_cert": "Select Automatically",
        # Release builds quit without shutting NSS down (fast shutdown):
        # the module would never be finalized, and on a TPM without a
        # resource manager its loaded objects and sessions would stay.
        "toolkit.shutdown.fastShutdownStage": 0,
        "security.OCSP.enabled": 0,
        "security.remote_settings.crlite_filters.enabled": False,
        "security.remote_settings.intermediates.enabled": False,
        "security.certerrors.mitm.priming.enabled": False,
        "security.enterprise_roots.enabled": False,
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.page": 0,
        "browser.startup.homepage": "about:blank",
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.aboutwelcome.enabled": False,
        "browser.newtabpage.enabled": False,
        "browser.newtabpage.activity-stream.feeds.system.topstories": False,
        "browser.newtabpage.activity-stream.feeds.snippets": False,
        "browser.topsites.contile.enabled": False,
        "browser.discovery.enabled": False,
        "browser.search.update": False,
        "browser.region.network.url": "",
        "browser.region.update.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.blockedURIs.enabled": False,
        "browser.safebrowsing.provider.mozilla.updateURL": "",
        "browser.safebrowsing.provider.google4.updateURL": "",
        "browser.ping-centre.telemetry": False,
        "app.update.auto": False,
        "app.update.enabled": False,
        "app.update.disabledForTesting": True,
        "app.normandy.enabled": False,
        "app.shield.optoutstudies.enabled": False,
        "extensions.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.systemAddon.update.enabled": False,
        "extensions.blocklist.enabled": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "toolkit.telemetry.unified": False,
        "toolkit.telemetry.archive.enabled": False,
        "toolkit.telemetry.server": "",
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        # Honoured since MOZ_DISABLE_NONLOCAL_CONNECTIONS is set: remote
        # settings then never sync.
        "services.settings.server": "data:,#remote-settings-dummy/v1",
        "messaging-system.rsexperimentloader.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.trr.mode": 5,
        "network.dns.disablePrefetch": True,
        "network.prefetch-next": False,
        "network.http.speculative-parallel-limit": 0,
        "dom.push.connection.enabled": False,
        "media.gmp-manager.updateEnabled": False,
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": proxy_port,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": proxy_port,
        "network.proxy.socks": "127.0.0.1",
        "network.proxy.socks_port": proxy_port,
        "network.proxy.no_proxies_on": "",
        "network.proxy.allow_hijacking_localhost": False,
        "network.proxy.failover_direct": False,
    }
    # An override of None leaves Firefox's own default.
    values.update(overrides or {})
    return "".join('user_pref("%s", %s);\n' % (k, _js(v))
                   for k, v in sorted(values.items()) if v is not None)


def _js(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


# Chrome-context scripts (the browser's own JavaScript, with XPCOM).

# Replaces Firefox's prompter: Firefox asks it for the token's PIN
# (nsIPrompt.promptPassword); it answers from a list, then cancels.
INSTALL_PROMPTER = """
const [answers] = arguments;
const state = {prompts: [], answers: answers.slice()};
const prompt = {
  QueryInterface: ChromeUtils.generateQI(["nsIPrompt"]),
  promptPassword(title, text, password, checkMsg, checkValue) {
    state.prompts.push(text);
    if (!state.answers.length) return false;
    password.value = state.answers.shift();
    return true;
  },
};
const factory = {
  wrappedJSObject: state,
  QueryInterface: ChromeUtils.generateQI(["nsIFactory", "nsIPromptFactory"]),
  createInstance(iid) { return this.QueryInterface(iid); },
  getPrompt(win, iid) { return prompt.QueryInterface(iid); },
};
Components.manager.QueryInterface(Ci.nsIComponentRegistrar).registerFactory(
  Components.ID("{3b0c1d9e-0c7f-4d55-9a2e-7d3f6a1b2c40}"),
  "tpmcard test prompter", "@mozilla.org/prompter;1", factory);
"""

PROMPTS = """
return Cc["@mozilla.org/prompter;1"].getService().wrappedJSObject.prompts;
"""

# The tokens Firefox sees with this label: their module, slot and state.
TOKENS = """
const [label] = arguments;
const db = Cc["@mozilla.org/security/pkcs11moduledb;1"]
  .getService(Ci.nsIPKCS11ModuleDB);
return db.listModules().then(modules => {
  const found = [];
  for (const module of modules) {
    for (const slot of module.slots) {
      const token = slot.getToken();
      if (token.tokenName != label) continue;
      found.push({module: module.name, library: module.libName,
                  slot: slot.name, loggedIn: token.isLoggedIn,
                  hasPassword: token.hasPassword,
                  manufacturer: token.tokenManID});
    }
  }
  return found;
});
"""


class Firefox:
    """Headless Firefox ESR with a fresh profile that loads the module,
    driven over Marionette.  stop() ends it and whatever it started."""

    def __init__(self, directory, env, pki, extra_env=None, user_prefs=None):
        self.dir = directory
        self.profile = os.path.join(directory, "profile")
        self.log_path = os.path.join(directory, "firefox.log")
        self.proc = None
        self.marionette = None
        self.returncode = None
        self.trap = ProxyTrap()
        try:
            self._make_profile(env, pki, user_prefs)
            self._start(env, extra_env or {})
        except BaseException:
            self.stop()
            raise

    def _make_profile(self, env, pki, user_prefs):
        os.makedirs(self.profile)
        db = "sql:" + self.profile
        env.run("certutil", "-N", "--empty-password", "-d", db)
        env.run("certutil", "-A", "-d", db, "-n", "tpmcard test server CA",
                "-t", "C,,", "-i", pki.server_ca)
        # modutil loads the module to list its slots: with the test's
        # environment it reaches the test's TPM and store.
        env.run("modutil", "-dbdir", db, "-add", "tpmcard", "-libfile",
                env.module, "-force")
        self.marionette_port = free_port()
        with open(os.path.join(self.profile, "user.js"), "w") as f:
            f.write(prefs(self.marionette_port, self.trap.port, user_prefs))

    def _start(self, env, extra_env):
        home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(home, "tmp"))
        run_env = dict(env.vars, HOME=home, TMPDIR=os.path.join(home, "tmp"),
                       XDG_CONFIG_HOME=os.path.join(home, ".config"),
                       XDG_CACHE_HOME=os.path.join(home, ".cache"),
                       MOZ_CRASHREPORTER_DISABLE="1",
                       # Firefox refuses connections beyond loopback.
                       MOZ_DISABLE_NONLOCAL_CONNECTIONS="1", **extra_env)
        for var in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"):
            run_env.pop(var, None)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--marionette",
             "--remote-allow-system-access", "--profile", self.profile],
            env=run_env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.marionette = Marionette(
            self.marionette_port, timeout=60,
            alive=lambda: self.proc.poll() is None)
        self.marionette.new_session()
        self.marionette.set_timeouts(page_load_ms=30000, script_ms=30000)

    def chrome(self, script, *args):
        self.marionette.set_context("chrome")
        try:
            return self.marionette.execute(script, args)
        finally:
            self.marionette.set_context("content")

    def answer_pin_prompts(self, answers):
        self.chrome(INSTALL_PROMPTER, list(answers))

    def prompts(self):
        return self.chrome(PROMPTS)

    def tokens(self, label="t1"):
        return self.chrome(TOKENS, label)

    def open(self, url):
        """Loads URL; returns (page text, None), or (None, error) when
        Firefox ends on its error page."""
        try:
            self.marionette.navigate(url)
        except MarionetteError as e:
            return None, e
        text = self.marionette.execute(
            "return document.body ? document.body.innerText : '';")
        return text, None

    def screenshot(self):
        return self.marionette.screenshot(full=True)

    def quit(self, timeout=60):
        """Marionette:Quit; returns Firefox's exit status."""
        self.marionette.quit()
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.marionette is not None:
            self.marionette.close()
        if self.proc is not None:
            stop_group(self.proc)
            self._log.close()
        self.trap.stop()


@pytest.fixture
def firefox(tmp_path):
    """Starts Firefox (env, pki, extra_env, user_prefs); stops it (and its
    children) at the end, before the env fixture looks at the TPM."""
    started = []

    def start(env, pki, extra_env=None, user_prefs=None):
        directory = str(tmp_path / ("firefox-%d" % len(started)))
        browser = Firefox(directory, env, pki, extra_env, user_prefs)
        started.append(browser)
        return browser
    yield start
    for browser in started:
        browser.stop()
    for browser in started:
        assert browser.trap.arrivals == [], \
            "Firefox tried to leave loopback: %r" % browser.trap.arrivals


# The screenshot.

def png_pixels(data):
    """(width, height, decompressed image data) of a PNG whose signature,
    chunk CRCs and chunk order are right."""
    assert data[:8] == PNG_SIGNATURE
    pos, kinds, header, image = 8, [], None, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            image += body
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND", kinds
    width, height = struct.unpack(">II", header[:8])
    return width, height, zlib.decompress(image)


def save_screenshot(data, tmp_path, name):
    """Writes the PNG to the test's directory and, when
    TPMCARD_SCREENSHOT_DIR is set, there too; returns the paths."""
    paths = [str(tmp_path / name)]
    extra = os.environ.get("TPMCARD_SCREENSHOT_DIR")
    if extra:
        os.makedirs(extra, exist_ok=True)
        paths.append(os.path.join(extra, name))
    for path in paths:
        with open(path, "wb") as f:
            f.write(data)
    return paths


# The tests.

def page_certificate(text):
    """The client certificate printed on s_server's -www page."""
    assert "Client certificate" in text, text
    begin = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----") + len(
        "-----END CERTIFICATE-----")
    return x509.load_pem_x509_certificate(text[begin:end].encode())


@pytest.mark.parametrize("label,tls,client_sigalgs,signature", [
    ("rsa", "tls1_3", None, "RSA-PSS"),
    ("rsa", "tls1_2", "RSA+SHA256", "RSA"),
    ("ec", "tls1_3", None, "ECDSA"),
], ids=["rsa-tls1.3-pss", "rsa-tls1.2-pkcs1", "ec-tls1.3"])
def test_client_certificate_login(cert_env, pki, servers, firefox, tmp_path,
                                  label, tls, client_sigalgs, signature):
    env, certs = cert_env
    server = servers(pki, pki.ca_file(label), tls=tls,
                     client_sigalgs=client_sigalgs)
    browser = firefox(env, pki)
    # Firefox sees token t1 in the module's slot, not logged in yet.
    tokens = browser.tokens()
    assert len(tokens) == 1, tokens
    assert tokens[0]["library"] == env.module
    assert tokens[0]["manufacturer"] == "tpmcard"
    assert (tokens[0]["loggedIn"], tokens[0]["hasPassword"]) == (False, True)
    browser.answer_pin_prompts([USER_PIN])

    text, error = browser.open(server.url)

    assert error is None, "%s\n%s" % (error, server.log())
    # Firefox asked for t1's PIN once, when the server asked for a
    # certificate.
    assert browser.prompts() == [PIN_PROMPT]
    assert browser.tokens()[0]["loggedIn"] is True
    # The server verified the certificate made for this token key (and
    # not the other one on the token) and a signature by its key.
    assert page_certificate(text) == certs[label]
    assert "Subject: CN=tpmcard %s client" % label in text
    assert "Verify return code: 0 (ok)" in text
    assert "Peer signature type: %s\n" % signature in text, text
    protocol = {"tls1_3": "TLSv1.3", "tls1_2": "TLSv1.2"}[tls]
    assert "Protocol  : %s" % protocol in text
    log = server.log()
    assert "depth=0 CN = tpmcard %s client\nverify return:1" % label in log
    assert "depth=1 CN = tpmcard test %s CA\nverify return:1" % label in log

    png = browser.screenshot()
    save_screenshot(png, tmp_path, "firefox-%s-%s.png" % (label, tls))
    width, height, pixels = png_pixels(png)
    assert width >= 400 and height >= 400, (width, height)
    assert len(png) > 20000 and len(set(pixels)) > 16, "a blank page"
    browser.quit()


@pytest.mark.parametrize("answers,prompts", [
    ([], 1),
    ([WRONG_PIN], 2),
], ids=["cancelled", "wrong-pin"])
def test_no_login_no_page(cert_env, pki, servers, firefox, answers, prompts):
    """Without the PIN Firefox cannot use the key: no certificate is
    sent, the server refuses the handshake and Firefox shows its error
    page.  After a wrong PIN Firefox asks again; the test cancels."""
    env, _ = cert_env
    server = servers(pki, pki.ca_file("rsa"))
    browser = firefox(env, pki)
    browser.answer_pin_prompts(answers)

    text, error = browser.open(server.url)

    assert text is None, text
    assert "about:neterror" in error.message, error
    assert browser.prompts() == [PIN_PROMPT] * prompts
    assert browser.tokens()[0]["loggedIn"] is False
    log = server.log()
    assert "peer did not return a certificate" in log, log
    assert "depth=0" not in log
    browser.quit()


def browse_and_quit(env, pki, servers, firefox, extra_env=None,
                    user_prefs=None):
    """One login with the RSA key, then Marionette:Quit; returns
    (Firefox's exit status, its log)."""
    server = servers(pki, pki.ca_file("rsa"))
    browser = firefox(env, pki, dict(extra_env or {}, TPMCARD_LOG="debug"),
                      user_prefs)
    browser.answer_pin_prompts([USER_PIN])
    text, error = browser.open(server.url)
    assert error is None, error
    assert page_certificate(text).subject == name("tpmcard rsa client")
    return browser.quit(), browser.log()


class FinalizeCrashed(Exception):
    """Firefox died of a signal inside the module's C_Finalize."""


def test_quit_finalizes_module(cert_env, pki, servers, firefox):
    """Firefox's NSS shutdown finalizes the module, which returns, and
    Firefox exits with status 0.  (It once crashed there: the module's
    sqlite3_* calls bound to Firefox's own SQLite; the module now carries
    a private copy.)"""
    env, _ = cert_env
    status, log = browse_and_quit(env, pki, servers, firefox)
    assert "pkcs11: C_Finalize: in" in log, log[-3000:]
    if status < 0 and "pkcs11: C_Finalize: out" not in log:
        raise FinalizeCrashed("signal %d" % -status)
    assert "pkcs11: C_Finalize: out" in log, log[-3000:]
    assert status == 0


def test_default_quit_is_cleaned_up_by_the_next_process(
        cert_env, pki, servers, firefox, mode, swtpm):
    """Firefox's own quit (release default: toolkit.shutdown.fastShutdownStage
    1) ends in _exit(0) without NSS_Shutdown: neither C_Finalize nor the
    module's exit handler runs, so on a TPM without a resource manager the
    transient SRK, the key and the session of a logged-in token stay
    loaded.  The next process that opens the TPM flushes them."""
    if mode != "direct":
        pytest.skip("tpm2-abrmd flushes what a client leaves")
    env, _ = cert_env
    status, log = browse_and_quit(
        env, pki, servers, firefox,
        user_prefs={"toolkit.shutdown.fastShutdownStage": None})
    assert status == 0
    assert "pkcs11: C_Finalize" not in log
    stranded = tpm_leftovers(swtpm)
    out = env.run("pkcs11-tool", "--module", env.module, "--generate-random",
                  "8", "--output-file", "/dev/null", check=False)
    assert out.returncode == 0, out.stderr
    assert tpm_leftovers(swtpm) == "", (stranded, tpm_leftovers(swtpm))
