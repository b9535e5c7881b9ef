"""A minimal Marionette client: just what the browser tests need.

Marionette is Firefox's remote-control protocol, served on a loopback TCP
port when Firefox runs with --marionette (the port is the marionette.port
preference).  Each message is its JSON text's length in bytes, a colon and
the text.  On connecting, the server sends a greeting object
({"applicationType": "gecko", "marionetteProtocol": 3}); after that the
client sends commands [0, id, name, params] and the server answers each
with [1, id, error, result], error being null or an object with "error"
(a WebDriver error code) and "message".
"""
import base64
import json
import socket

import tpmenv

PROTOCOL = 3
COMMAND, RESPONSE = 0, 1


class MarionetteError(Exception):
    """The server answered a command with an error."""

    def __init__(self, command, error):
        self.command = command
        self.code = error.get("error", "")
        self.message = error.get("message", "")
        super().__init__("%s: %s: %s" % (command, self.code, self.message))


class Marionette:
    """One connection to one Firefox; commands run one at a time."""

    def __init__(self, port, timeout=60.0, connect_timeout=30.0, alive=None):
        """Connects to 127.0.0.1:PORT, retrying until connect_timeout while
        alive() (say, "the browser has not exited") holds."""
        self.port = port
        self.alive = alive
        self.timeout = timeout
        self.sock = None
        self.next_id = 1
        self._buffer = b""
        tpmenv.wait_for(self._connect, timeout=connect_timeout,
                        what="Marionette on port %d" % port)
        greeting = self._receive()
        if greeting.get("marionetteProtocol") != PROTOCOL:
            self.close()
            raise RuntimeError("unexpected Marionette greeting %r" % greeting)
        self.application = greeting.get("applicationType")

    def _connect(self):
        if self.alive is not None and not self.alive():
            raise RuntimeError("the browser exited before Marionette "
                               "listened on port %d" % self.port)
        try:
            self.sock = socket.create_connection(("127.0.0.1", self.port),
                                                 timeout=self.timeout)
            return True
        except OSError:
            return False

    def _read_some(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("Marionette closed the connection")
        self._buffer += data

    def _receive(self):
        """The next whole message, decoded."""
        while b":" not in self._buffer:
            self._read_some()
        length, _, rest = self._buffer.partition(b":")
        if not length.isdigit():
            raise ConnectionError("bad Marionette frame %r" % length[:32])
        self._buffer = rest
        while len(self._buffer) < int(length):
            self._read_some()
        body = self._buffer[:int(length)]
        self._buffer = self._buffer[int(length):]
        return json.loads(body.decode("utf-8"))

    def command(self, name, params=None):
        """Sends one command; returns its result or raises MarionetteError."""
        msg_id = self.next_id
        self.next_id += 1
        body = json.dumps([COMMAND, msg_id, name, params or {}]).encode()
        self.sock.sendall(b"%d:%s" % (len(body), body))
        while True:
            reply = self._receive()
            if (len(reply) == 4 and reply[0] == RESPONSE and
                    reply[1] == msg_id):
                break
        _, _, error, result = reply
        if error is not None:
            raise MarionetteError(name, error)
        return result

    def value(self, name, params=None):
        """A command whose result is {"value": V}: returns V."""
        return self.command(name, params)["value"]

    # The WebDriver commands the tests use.

    def new_session(self, capabilities=None):
        result = self.command("WebDriver:NewSession",
                              {"capabilities": capabilities or {}})
        return result["capabilities"]

    def set_context(self, context):
        """"chrome" (the browser's own JavaScript, with XPCOM) or
        "content" (the page)."""
        self.command("Marionette:SetContext", {"value": context})

    def execute(self, script, args=()):
        """Runs the body of a function in the current context; returns
        what it returns (JSON values)."""
        return self.value("WebDriver:ExecuteScript",
                          {"script": script, "args": list(args)})

    def set_timeouts(self, page_load_ms=None, script_ms=None):
        params = {}
        if page_load_ms is not None:
            params["pageLoad"] = page_load_ms
        if script_ms is not None:
            params["script"] = script_ms
        self.command("WebDriver:SetTimeouts", params)

    def navigate(self, url):
        self.command("WebDriver:Navigate", {"url": url})

    def current_url(self):
        return self.value("WebDriver:GetCurrentURL")

    def page_source(self):
        return self.value("WebDriver:GetPageSource")

    def screenshot(self, full=False):
        """The page as PNG bytes: the part in view, or all of it."""
        return base64.b64decode(self.value("WebDriver:TakeScreenshot",
                                           {"full": full}))

    def quit(self):
        """Asks Firefox to quit; it closes the connection as it goes."""
        try:
            return self.command("Marionette:Quit", {"flags": ["eAttemptQuit"]})
        finally:
            self.close()

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
