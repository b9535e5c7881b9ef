"""Software TPM environments for the integration tests.

A SwTpm is a private swtpm on free loopback ports; an Abrmd is tpm2-abrmd
in front of one, on a private D-Bus session bus.  Both stop what they
started, and neither binds anything but 127.0.0.1.
"""
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time


def _bindable(port):
    """Whether a listener could bind this loopback port now.  Like
    swtpm's own listener, with SO_REUSEADDR: a port some earlier client
    connection left in TIME_WAIT counts as free."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pair():
    """Two consecutive free loopback ports (swtpm: server, ctrl)."""
    rng = random.Random()
    for _ in range(2000):
        port = rng.randrange(20000, 60000)
        if _bindable(port) and _bindable(port + 1):
            return port
    raise RuntimeError("no free port pair")


def tcti_tag(tcti):
    """The module's tag of a TCTI string in its runtime file names
    (FNV-1a, as src/tpm/tpm_reclaim.c computes it)."""
    h = 0xcbf29ce484222325
    for byte in tcti.encode():
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


TPM_COMMAND_PORT = 2321


def tpm_command_bytes(pcap_path):
    """Every TPM command tpm2-tss's pcap TCTI recorded, in order, as it
    was sent: a pcapng file of IPv4/TCP frames, commands sent to port
    2321."""
    data = open(pcap_path, "rb").read()
    commands, off = [], 0
    while off + 12 <= len(data):
        kind, length = struct.unpack_from("<II", data, off)
        if length < 12 or off + length > len(data):
            break
        if kind == 6 and length >= 28:  # an Enhanced Packet Block
            (captured,) = struct.unpack_from("<I", data, off + 20)
            frame = data[off + 28:off + 28 + captured]
            ip = (frame[0] & 15) * 4
            tcp = (frame[ip + 12] >> 4) * 4
            (port,) = struct.unpack_from(">H", frame, ip + 2)
            if port == TPM_COMMAND_PORT and len(frame) >= ip + tcp + 10:
                commands.append(frame[ip + tcp:])
        off += length
    return commands


def tpm_commands(pcap_path):
    """The command codes of every TPM command tpm2-tss's pcap TCTI
    recorded, in order."""
    return [struct.unpack_from(">I", command, 6)[0]
            for command in tpm_command_bytes(pcap_path)]


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError("timed out waiting for " + what)


def stop_process(proc, timeout=10):
    """Ends a process: SIGTERM, then SIGKILL after timeout seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class SwTpm:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tpmcard-swtpm-")
        self.port = free_port_pair()
        self._start()
        self.tcti = "swtpm:host=127.0.0.1,port=%d" % self.port

    def _start(self):
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2",
             "--tpmstate", "dir=" + self.dir,
             "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % self.port,
             "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % (self.port + 1),
             "--flags", "not-need-init,startup-clear"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), what="swtpm")

    def pause(self):
        """The TPM goes away; its state stays for resume()."""
        stop_process(self.proc)

    def resume(self):
        """The same TPM back, as after a reboot (TPM2_Startup(CLEAR))."""
        self._start()

    def tools(self, *args, check=True):
        """Runs a tpm2-tools command against this TPM, directly."""
        env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti, TSS2_LOG="all+none")
        return subprocess.run(list(args), env=env, check=check,
                              capture_output=True, text=True, timeout=60)

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


class Abrmd:
    """tpm2-abrmd for one swtpm, on its own dbus-daemon."""

    def __init__(self, swtpm):
        self.dbus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1",
             "--nopidfile"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.dbus.stdout.readline().strip()
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address,
                   TSS2_LOG="all+none")
        cmd = ["tpm2-abrmd", "--session", "--tcti=" + swtpm.tcti,
               "--flush-all"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.tcti = "tabrmd:bus_type=session"
        self.env = {"DBUS_SESSION_BUS_ADDRESS": self.address}
        try:
            wait_for(self._ready, timeout=20, what="tpm2-abrmd")
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("tpm2-abrmd exited")
        env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti, TSS2_LOG="all+none",
                   **self.env)
        return subprocess.run(["tpm2_getcap", "properties-fixed"], env=env,
                              capture_output=True, timeout=10).returncode == 0

    def stop(self):
        for proc in (self.proc, self.dbus):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self.dbus.stdout:
            self.dbus.stdout.close()
