"""A private OpenSSH server for the ssh integration tests.

It runs as the current user with its own configuration, host key and
authorized_keys file in a temporary directory, listens on 127.0.0.1 only
and accepts nothing but public-key authentication.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

import tpmenv

SSHD = "/usr/sbin/sshd"          # sshd re-executes itself: absolute path
PRIVSEP_DIR = "/run/sshd"        # Debian's privilege separation directory

CONFIG = """\
ListenAddress 127.0.0.1
Port {port}
{host_keys}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
GSSAPIAuthentication no
KerberosAuthentication no
UsePAM no
StrictModes no
PermitRootLogin {permit_root}
AllowUsers {user}
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
LogLevel VERBOSE
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_privsep_dir():
    if os.geteuid() == 0 and not os.path.isdir(PRIVSEP_DIR):
        os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)


class Sshd:
    """sshd -D on a free loopback port; stop() ends it and removes its files.

    host_key_agent: instead of a host key file of its own, sshd signs with
    the key whose public line is host_key_line, held by the ssh-agent at
    that socket (HostKeyAgent).  pubkey_algorithms: the only signature
    algorithms it accepts from users."""

    def __init__(self, host_key_agent=None, host_key_line=None,
                 pubkey_algorithms=None):
        self.host_key_agent = host_key_agent
        self.host_key_line = host_key_line
        self.pubkey_algorithms = pubkey_algorithms
        self.dir = tempfile.mkdtemp(prefix="tpmcard-sshd-")
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.port = free_port()
        self.authorized_keys = os.path.join(self.dir, "authorized_keys")
        self.log_path = os.path.join(self.dir, "sshd.log")
        self.proc = None
        self._log = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.authorize([])
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(CONFIG.format(
                port=self.port, host_keys=self._host_keys(),
                pid_file=os.path.join(self.dir, "sshd.pid"),
                authorized_keys=self.authorized_keys, user=self.user,
                permit_root="yes" if os.geteuid() == 0 else "no"))
            if self.pubkey_algorithms:
                # Only signatures of these algorithms are accepted.
                f.write("PubkeyAcceptedAlgorithms %s\n" %
                        self.pubkey_algorithms)
        ensure_privsep_dir()
        # A clean environment: nothing of the test's (TPM, preload) leaks in.
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        check = subprocess.run([SSHD, "-t", "-f", config], env=env,
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, "bad sshd_config: " + check.stderr
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", config],
                                     env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log,
                                     stderr=subprocess.STDOUT)
        tpmenv.wait_for(self._listening, timeout=20, what="sshd")

    def _host_keys(self):
        """The HostKey lines: a fresh key on disk, or the agent's."""
        if self.host_key_agent is not None:
            public = os.path.join(self.dir, "host_key.pub")
            with open(public, "w") as f:
                f.write(self.host_key_line.strip() + "\n")
            return "HostKey %s\nHostKeyAgent %s" % (public,
                                                   self.host_key_agent)
        host_key = os.path.join(self.dir, "host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                        "-C", "tpmcard-test-host", "-f", host_key],
                       check=True, capture_output=True, timeout=60)
        return "HostKey " + host_key

    def _listening(self):
        if self.proc.poll() is not None:
            raise RuntimeError("sshd exited: " + self.log_text())
        return tpmenv.port_open(self.port)

    def authorize(self, public_key_lines):
        """Replaces authorized_keys; sshd reads it at each login."""
        with open(self.authorized_keys, "w") as f:
            f.writelines(line.strip() + "\n" for line in public_key_lines)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def log_offset(self):
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        with open(self.log_path) as f:
            f.seek(offset)
            return f.read()

    def stop(self):
        if self.proc is not None:
            tpmenv.stop_process(self.proc)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
