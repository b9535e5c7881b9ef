"""OpenSSL with Debian's PKCS#11 engine (libp11) for the client tests.

OpenSsl writes a private openssl.cnf that loads the engine with one
PKCS#11 module and runs openssl with it; OPENSSL_CONF is set in that
command's environment only.  TlsServer is `openssl s_server` on a free
127.0.0.1 port, with its key from the engine.  P11KitServer is
`p11-kit server`: it runs the module in a process of its own, which the
engine then reaches through p11-kit-client.so.  Each stops what it
started; no server binds anything but 127.0.0.1.
"""
import os
import signal
import socket
import subprocess

import tpmenv

ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
P11KIT_CLIENT = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"

CONFIG = """\
openssl_conf = openssl_init

[openssl_init]
engines = engine_section
{providers_line}
[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = {engine}
MODULE_PATH = {module}
{pin_line}{load_line}
{providers_sections}"""

# The host's default library context with nothing in it: no digest, no
# cipher, no random number generator, no key type.
NULL_PROVIDER = """\
[provider_section]
null = null_section

[null_section]
activate = 1
"""


def key_uri(label, kind="private", token="t1", extra=""):
    """The RFC 7512 URI of a key on the token, by its CKA_LABEL."""
    return "pkcs11:token=%s;object=%s;type=%s%s" % (token, label, kind, extra)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """True when a socket listens on 127.0.0.1:port, as /proc/net/tcp
    says: a probe connection would use up s_server's only accept."""
    local = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[3] == "0A":
                return True
    return False


class OpenSsl:
    """openssl with the pkcs11 engine loaded from a private openssl.cnf.

    pin: the engine's PIN setting (None: none, the PIN then comes from the
    key URI or, failing that, a prompt that finds no terminal);
    default_all: `default_algorithms = ALL`, the engine made the default
    for every method it has, as soon as the configuration is read;
    null_provider: the default library context gets only the null provider;
    module, extra_env: what the engine loads, and the environment it needs.
    """

    def __init__(self, env, path, module, pin=None, default_all=False,
                 null_provider=False, extra_env=None):
        self.path = str(path)
        with open(self.path, "w") as f:
            f.write(CONFIG.format(
                providers_line="providers = provider_section\n"
                if null_provider else "",
                providers_sections=NULL_PROVIDER if null_provider else "",
                engine=ENGINE, module=module,
                pin_line="" if pin is None else "PIN = %s\n" % pin,
                load_line="default_algorithms = ALL\n" if default_all
                else "init = 0\n"))
        os.chmod(self.path, 0o600)
        self.vars = dict(env.vars, OPENSSL_CONF=self.path, **(extra_env or {}))

    def run(self, *args, timeout=60):
        """openssl ARGS without a terminal or standard input: the engine can
        never prompt anyone."""
        return subprocess.run(["openssl", *args], env=self.vars,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout,
                              start_new_session=True)

    def with_engine(self, command, *args, timeout=60):
        """openssl COMMAND -engine pkcs11 ARGS, as the engine's users type it
        (the openssl tools then make the engine their default for all)."""
        return self.run(command, "-engine", "pkcs11", *args, timeout=timeout)


class TlsServer:
    """openssl s_server for one connection on a free loopback port, its key
    from the engine: -rev sends back each line reversed, and "CLOSE" ends
    the connection and with it (-naccept 1) the server."""

    def __init__(self, openssl, cert, key, log_path):
        self.port = free_port()
        self.log_path = str(log_path)
        self._log = open(self.log_path, "w")
        args = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                "-naccept", "1", "-rev", "-engine", "pkcs11",
                "-keyform", "engine", "-key", key, "-cert", str(cert)]
        self.proc = subprocess.Popen(args, env=openssl.vars,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            tpmenv.wait_for(self._listening, timeout=30, what="s_server")
        except BaseException:
            self.stop()
            raise

    def _listening(self):
        if self.proc.poll() is not None:
            raise RuntimeError("s_server exited: " + self.log_text())
        return listening(self.port)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait(self, timeout=30):
        """The server's exit code once its one connection is over."""
        return self.proc.wait(timeout=timeout)

    def stop(self):
        tpmenv.stop_process(self.proc)
        self._log.close()


def tls_client(directory, port, cafile, lines):
    """openssl s_client to 127.0.0.1:port trusting only cafile, failing on
    any verification error; sends lines.  It needs neither the engine nor
    the token: its openssl.cnf is empty and it gets no preload."""
    config = os.path.join(str(directory), "client.cnf")
    open(config, "w").close()
    client_env = dict(os.environ, OPENSSL_CONF=config)
    client_env.pop("LD_PRELOAD", None)
    return subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
         "-CAfile", str(cafile), "-verify_return_error", "-ign_eof"],
        env=client_env, input="".join(line + "\n" for line in lines),
        capture_output=True, text=True, timeout=60, start_new_session=True)


class P11KitServer:
    """p11-kit server in the foreground, serving one token of the module on
    a private Unix socket; address is what p11-kit-client.so connects to.
    It runs each connection in a p11-kit-remote process that loads the
    module, so the client process never does."""

    def __init__(self, env, directory, token="t1"):
        self.socket = os.path.join(str(directory), "p11-kit.sock")
        self.address = "unix:path=" + self.socket
        self._log = open(os.path.join(str(directory), "p11-kit.log"), "w")
        self.proc = subprocess.Popen(
            ["p11-kit", "server", "-f", "-n", self.socket,
             "--provider", env.module, "pkcs11:token=" + token],
            env=env.vars, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            tpmenv.wait_for(self._ready, timeout=20, what="p11-kit server")
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("p11-kit server exited")
        return os.path.exists(self.socket)

    def connections(self):
        """Pids of the p11-kit-remote processes still serving a client."""
        path = "/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)
        try:
            with open(path) as f:
                return f.read().split()
        except OSError:
            return []

    def stop(self):
        """Stops the server once every connection's process has finished:
        each one closes the module (and what it had in the TPM) after its
        client went away, and a server stopped sooner would cut that short.
        """
        if self.proc.poll() is None:
            try:
                tpmenv.wait_for(lambda: not self.connections(), timeout=20,
                                what="p11-kit-remote to finish")
            except TimeoutError:
                # Stuck: nothing the server started may outlive the test.
                for pid in self.connections():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
