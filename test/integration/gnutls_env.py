"""What the GnuTLS and p11-kit client tests need around Debian's programs.

A P11KitConfig is a p11-kit configuration whose only module is tpmcard; a
GnutlsServer is gnutls-serv on 127.0.0.1 only; a P11KitServer is
`p11-kit server` on a unix socket.  Both servers are stopped by stop(),
which also waits for what they started.  The parsers read p11tool's
listings, RFC 7512 URIs and `tpmcard object list`.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse

import tpmenv
from conftest import BUILD, MODULE

# The .module file `cmake --install` puts in p11-kit's module directory.
INSTALLED_MODULE_FILE = os.path.join(BUILD, "src/pkcs11/tpmcard.module")
P11KIT_CLIENT = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"

# p11-kit ignores the user configuration of root; as root, the command
# runs in a private mount namespace where our module directory hides the
# system one (and an empty directory hides /etc/pkcs11, if there is one).
NAMESPACE_SCRIPT = """\
mount --bind "$1" /usr/share/p11-kit/modules || exit 125
if [ -d /etc/pkcs11 ]; then mount --bind "$2" /etc/pkcs11 || exit 125; fi
shift 2
exec "$@"
"""


def installed_module_lines():
    """The installed .module file, its module: line naming the library
    under test (the build's, which is not installed)."""
    with open(INSTALLED_MODULE_FILE) as f:
        lines = f.read().splitlines()
    module_lines = [line for line in lines if line.startswith("module:")]
    assert len(module_lines) == 1, lines
    assert module_lines[0].endswith("/libtpmcard.so"), module_lines
    return ["module: " + MODULE if line.startswith("module:") else line
            for line in lines]


class P11KitConfig:
    """A p11-kit configuration in DIRECTORY listing tpmcard alone."""

    def __init__(self, directory):
        self.modules = os.path.join(directory, "modules")
        self.empty = os.path.join(directory, "empty")
        self.home = os.path.join(directory, "home")
        os.makedirs(self.modules)
        os.makedirs(self.empty)
        with open(os.path.join(self.modules, "tpmcard.module"), "w") as f:
            f.write("".join(line + "\n" for line in installed_module_lines()))
        if os.geteuid() != 0:
            # A user's own configuration, which replaces the system's.
            user = os.path.join(self.home, ".config", "pkcs11")
            os.makedirs(user)
            os.symlink(self.modules, os.path.join(user, "modules"))
            with open(os.path.join(user, "pkcs11.conf"), "w") as f:
                f.write("user-config: only\n")

    def command(self, argv):
        """(argv, environment additions) running ARGV with this config."""
        if os.geteuid() != 0:
            return list(argv), {"HOME": self.home}
        return (["unshare", "--mount", "sh", "-c", NAMESPACE_SCRIPT, "sh",
                 self.modules, self.empty] + list(argv), {})


def mount_namespace_works():
    return subprocess.run(["unshare", "--mount", "true"],
                          capture_output=True, timeout=30).returncode == 0


# gnutls-serv has no option for its listening address: it binds every
# address getaddrinfo() gives for the port.  Preloaded, this turns its
# IPv4 wildcard bind into 127.0.0.1 and refuses IPv6 binds, which
# gnutls-serv skips.
LOOPBACK_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	bind_fn next = (bind_fn)dlsym(RTLD_NEXT, "bind");
	struct sockaddr_in in4;

	if (next == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (addr != NULL && addr->sa_family == AF_INET6) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	if (addr != NULL && addr->sa_family == AF_INET &&
	    len == sizeof(in4)) {
		memcpy(&in4, addr, sizeof(in4));
		if (in4.sin_addr.s_addr == htonl(INADDR_ANY))
			in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return next(fd, (const struct sockaddr *)&in4, sizeof(in4));
	}
	return next(fd, addr, len);
}
"""


def build_loopback_shim(directory):
    """Compiles LOOPBACK_SHIM; returns the library's path."""
    source = os.path.join(directory, "loopback.c")
    library = os.path.join(directory, "libloopback.so")
    with open(source, "w") as f:
        f.write(LOOPBACK_SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror",
                    "-o", library, source, "-ldl"],
                   check=True, capture_output=True, timeout=60)
    return library


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_listeners(port):
    """Local addresses (kernel hex) of the sockets listening on PORT."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                address, _, hex_port = fields[1].partition(":")
                if int(hex_port, 16) == port and fields[3] == "0A":
                    found.append(address)
    return found


LOOPBACK_HEX = "0100007F"         # 127.0.0.1 as /proc/net/tcp shows it


def unix_listening(path):
    """Whether a unix socket listens at PATH (__SO_ACCEPTCON set)."""
    with open("/proc/net/unix") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if (len(fields) >= 8 and fields[7] == path
                    and int(fields[3], 16) & 0x10000):
                return True
    return False


def children(pid):
    """Pids of the living children of PID."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


class Server:
    """A process started in the background, its output in a log file."""

    def __init__(self, argv, env, log_path):
        self.log_path = log_path
        self.output = None
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited (%d): %s" % (
                self.proc.args[0], self.proc.returncode, self.log_text()))
        return True

    def stop(self):
        """Ends the server (SIGTERM, then SIGKILL); returns its output.
        Stopping it again returns the same output."""
        if self.output is not None:
            return self.output
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        self.output = self.log_text()
        return self.output


class GnutlsServer(Server):
    """gnutls-serv --echo serving KEY and CERT (pkcs11: URIs) on a free
    port of 127.0.0.1, and on nothing else; GNUTLS_PIN is PIN, unless
    that is None (KEY then says where the PIN is)."""

    def __init__(self, env, config, shim, key, cert, pin, directory):
        self.port = free_port()
        argv, extra = config.command([
            "gnutls-serv", "--echo", "--disable-client-cert",
            "--port", str(self.port),
            "--x509keyfile", key, "--x509certfile", cert])
        run_env = dict(env.vars, **extra)
        run_env.pop("GNUTLS_PIN", None)
        if pin is not None:
            run_env["GNUTLS_PIN"] = pin
        preload = run_env.get("LD_PRELOAD")
        run_env["LD_PRELOAD"] = shim if not preload else preload + " " + shim
        super().__init__(argv, run_env,
                         os.path.join(directory, "gnutls-serv.log"))
        try:
            tpmenv.wait_for(self._listening, timeout=30, what="gnutls-serv")
            # It binds its addresses one after the other: give any other
            # a moment to show.
            time.sleep(0.2)
            assert tcp_listeners(self.port) == [LOOPBACK_HEX], \
                "gnutls-serv listens on %r" % tcp_listeners(self.port)
        except BaseException:
            self.stop()
            raise

    def _listening(self):
        return self.alive() and tcp_listeners(self.port) != []


class P11KitServer(Server):
    """`p11-kit server` in the foreground exporting TOKEN on a unix socket
    in DIRECTORY, from the modules CONFIG registers, or (CONFIG None)
    from the module PROVIDER."""

    def __init__(self, env, config, token, directory, provider=None):
        self.socket = os.path.join(directory, "p11-kit.sock")
        argv = ["p11-kit", "server", "--foreground", "--name", self.socket]
        if provider is not None:
            argv += ["--provider", provider]
        argv, extra = argv + [token], {}
        if config is not None:
            argv, extra = config.command(argv)
        super().__init__(argv, dict(env.vars, **extra),
                         os.path.join(directory, "p11-kit-server.log"))
        self.address = None
        try:
            tpmenv.wait_for(self._ready, timeout=30, what="p11-kit server")
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        match = re.search(r"^P11_KIT_SERVER_ADDRESS=([^;]+);",
                          self.log_text(), re.M)
        if self.alive() and match and unix_listening(self.socket):
            self.address = match.group(1)
            return True
        return False

    def stop(self):
        """Waits for the p11-kit-remote children serving connections that
        are over, then ends the server."""
        if self.output is None and self.proc.poll() is None:
            try:
                tpmenv.wait_for(lambda: not children(self.proc.pid),
                                timeout=20, what="p11-kit-remote to exit")
            finally:
                for pid in children(self.proc.pid):
                    os.kill(pid, signal.SIGKILL)
        return super().stop()


def p11tool_blocks(text, heading):
    """p11tool's "Token N:" or "Object N:" blocks in order, each a dict
    of its tab-indented "Name: value" lines."""
    blocks = []
    for line in text.splitlines():
        if re.fullmatch(r"%s \d+:" % heading, line):
            blocks.append({})
        elif line.startswith("\t") and blocks:
            name, _, value = line.strip().partition(": ")
            blocks[-1][name] = value.strip()
    return blocks


# RFC 7512 pk11-pchar in the path: unreserved, the path's reserved
# characters left as they are, or a %XX escape.
PK11_PATH_VALUE = re.compile(
    r"(?:[A-Za-z0-9\-._~:\[\]@!$'()*+,=&]|%[0-9A-Fa-f]{2})*")
PK11_PATH_NAMES = {"token", "manufacturer", "serial", "model",
                   "library-manufacturer", "library-description",
                   "library-version", "object", "type", "id", "slot-id",
                   "slot-manufacturer", "slot-description"}


def parse_uri(uri):
    """The path attributes of a pkcs11: URI as {name: bytes}; asserts that
    the URI is well formed (each name once, each value escaped)."""
    assert uri.startswith("pkcs11:"), uri
    path, _, _query = uri[len("pkcs11:"):].partition("?")
    attrs = {}
    for part in path.split(";"):
        name, sep, value = part.partition("=")
        assert sep == "=" and name in PK11_PATH_NAMES, (uri, part)
        assert name not in attrs, (uri, name)
        assert PK11_PATH_VALUE.fullmatch(value), (uri, part)
        attrs[name] = urllib.parse.unquote_to_bytes(value)
    return attrs


def store_objects(env, pin=None):
    """`tpmcard object list` of t1 as (class, type, id bytes, label)
    tuples; with PIN, private objects too."""
    args = ["object", "list", "--token", "t1"]
    extra = None
    if pin is not None:
        args.append("--all")
        extra = {"TPMCARD_USER_PIN": pin}
    out = env.cli(*args, env=extra).stdout
    objects = []
    for line in out.splitlines():
        _, cls, kind, hex_id, label = (line.split(" ", 4) + [""])[:5]
        raw_id = b"" if hex_id == "-" else bytes.fromhex(hex_id)
        objects.append((cls, kind, raw_id, label))
    return objects


TOKEN_INFO_SCRIPT = """\
import json, sys, PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
for slot in lib.getSlotList(tokenPresent=True):
    info = lib.getTokenInfo(slot)
    if info.label.strip() == sys.argv[2]:
        print(json.dumps({"label": info.label.strip(),
                          "manufacturer": info.manufacturerID.strip(),
                          "model": info.model.strip(),
                          "serial": info.serialNumber.strip()}))
"""


def token_info(env, label="t1"):
    """C_GetTokenInfo's text fields for the token LABEL, straight from the
    module (in a fresh process)."""
    out = env.run("/usr/bin/python3", "-c", TOKEN_INFO_SCRIPT, MODULE, label)
    return json.loads(out.stdout)
