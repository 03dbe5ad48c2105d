"""HTTP plumbing for the notebook server: errors, safe headers and redirects, password
hashes, a threaded ``http.server`` that no idle or slow client can starve, and Jupyter
Server's binary WebSocket framing of kernel messages that carry buffers.

Each connection gets a thread, but the number of connection threads is bounded
(``max_connections``). A connection is *waiting* while the server waits for its next
request (idle keep-alive, or a request line and headers still arriving) and *busy*
from the moment its request is authenticated until the response is sent. A waiting
connection has ``request_timeout`` seconds in all to deliver its request (a client
sending one byte at a time cannot stretch it), after which its socket is shut down.
When every slot is taken, the connection that has waited longest is shut down to
make room; only when all of them are busy is a newcomer turned away with a 503.
"""

import base64
import errno
import hashlib
import hmac
import http.server
import json
import logging
import secrets
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

from .protocol import json_dumps

log = logging.getLogger("ipylite.webserver")


class HTTPError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def os_error(e, what):
    """(status, one line) for an OSError met serving ``what``; a failed save has left
    the file as it was (nbfile.atomic_write)."""
    status = {errno.ENOSPC: 507, errno.EDQUOT: 507, errno.EACCES: 403, errno.EPERM: 403,
              errno.EROFS: 403, errno.ENOENT: 404, errno.EEXIST: 409, errno.ENOTEMPTY: 409,
              errno.EISDIR: 400, errno.ENOTDIR: 400, errno.ENAMETOOLONG: 400}.get(e.errno, 500)
    line = "%s: %s" % (e.strerror or e, what)
    if status in (507, 403) and what.startswith(("/api/contents", "/api/contents/")):
        line += " (nothing was changed on disk)"
    return status, line


def safe_filename_header(name):
    """A Content-Disposition for a download: RFC 6266's filename* for the real name,
    and a plain ASCII fallback (no quotes, backslashes or control characters)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name) or "download"
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (fallback, urllib.parse.quote(name, safe=""))


def safe_next(nxt):
    """A local path to go to after login; anything that could leave the site is /tree."""
    if not isinstance(nxt, str) or not nxt.startswith("/") or any(c in nxt for c in "\\\r\n\t") \
            or nxt.startswith("//") or any(ord(c) < 32 for c in nxt):
        return "/tree"
    u = urllib.parse.urlsplit(nxt)
    if u.scheme or u.netloc:
        return "/tree"
    return nxt


PREAUTH_BODY = 8192      # bytes a request may send before it has proved who it is
SANDBOX = ("Content-Security-Policy", "sandbox allow-scripts; frame-ancestors 'self'")


# ------------------------------------------------------------------- passwords

def passwd(password, iterations=200_000):
    """A hash for ``webnb.json``'s "password": pbkdf2_sha256:ITER:SALT:HEX."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return "pbkdf2_sha256:%d:%s:%s" % (iterations, salt, digest)


def passwd_check(hashed, password):
    try:
        algo, iterations, salt, digest = hashed.split(":")
        if algo != "pbkdf2_sha256":
            return False
        mine = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    except ValueError:
        return False
    return hmac.compare_digest(mine, digest)


# ------------------------------------------------------------------- connections


class ConnectionGuard:
    """Deadlines and the connection bound, kept by one reaper thread."""

    def __init__(self, max_connections=256, request_timeout=30.0):
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.cv = threading.Condition()
        self.conns = {}          # socket -> deadline (waiting) or None (busy)
        self.closed = False
        threading.Thread(target=self._reap, daemon=True, name="webnb-reaper").start()

    def admit(self, sock):
        """Register a new connection; False if it must be turned away."""
        with self.cv:
            if len(self.conns) >= self.max_connections:
                waiting = [(d, s) for s, d in self.conns.items() if d is not None]
                if not waiting:
                    return False
                _, oldest = min(waiting, key=lambda ds: ds[0])
                self._drop(oldest)
            self.conns[sock] = time.monotonic() + self.request_timeout
            self.cv.notify()
            return True

    def waiting(self, sock):
        """``sock`` now waits for a request: its deadline starts."""
        with self.cv:
            if sock in self.conns:
                self.conns[sock] = time.monotonic() + self.request_timeout
                self.cv.notify()

    def busy(self, sock):
        """``sock``'s request is being served: no deadline."""
        with self.cv:
            if sock in self.conns:
                self.conns[sock] = None

    def release(self, sock):
        with self.cv:
            self.conns.pop(sock, None)

    def count(self):
        with self.cv:
            return len(self.conns)

    def _drop(self, sock):
        self.conns.pop(sock, None)
        try:
            sock.shutdown(socket.SHUT_RDWR)   # wakes the thread blocked reading it
        except OSError:
            pass

    def _reap(self):
        with self.cv:
            while not self.closed:
                now = time.monotonic()
                late = [s for s, d in self.conns.items() if d is not None and d <= now]
                for s in late:
                    log.debug("closing a connection that sent no complete request in %.0f s",
                              self.request_timeout)
                    self._drop(s)
                deadlines = [d for d in self.conns.values() if d is not None]
                self.cv.wait(max(0.05, min(deadlines) - now) if deadlines else None)

    def close(self):
        with self.cv:
            self.closed = True
            self.cv.notify()


class GuardedHandler(http.server.BaseHTTPRequestHandler):
    """A request handler whose connection is *waiting* until ``mark_busy()`` (call it
    once the request is authenticated); its reads time out after ``read_timeout``."""

    read_timeout = 60.0

    def setup(self):
        self.timeout = self.read_timeout
        super().setup()

    def handle_one_request(self):
        self.server.guard.waiting(self.connection)
        super().handle_one_request()

    def mark_busy(self):
        self.server.guard.busy(self.connection)

    def no_timeout(self):
        """For a connection that may rightly stay quiet for long (a WebSocket)."""
        self.mark_busy()
        self.connection.settimeout(None)


class GuardedServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, max_connections=256, request_timeout=30.0):
        self.guard = ConnectionGuard(max_connections, request_timeout)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.guard.admit(request):
            log.warning("%d connections are busy: turning %s away", self.guard.max_connections,
                        client_address[0])
            try:
                request.setblocking(False)
                request.send(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\nRetry-After: 1\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.guard.release(request)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a browser went away, or a client was too slow
        log.exception("error serving %s", client_address)

    def server_close(self):
        self.guard.close()
        super().server_close()


# ------------------------------------------------- WebSocket framing of messages

# Jupyter Server's binary WebSocket framing, for messages with buffers (widgets' arrays,
# images): one binary message = n (uint32, big-endian), n offsets (uint32), then the
# JSON of the message without its buffers at offsets[0], buffer i at offsets[i + 1].
# A message without buffers goes as a text (JSON) message.

def ws_frame(obj):
    """A message dict -> the WebSocket payload: JSON text, or bytes with its buffers."""
    buffers = obj.get("buffers") or []
    if not buffers:
        return json_dumps(obj).decode("utf-8", "replace")
    parts = [json_dumps(dict(obj, buffers=[]))] + [bytes(b) for b in buffers]
    offsets = [4 * (len(parts) + 1)]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part))
    return struct.pack(">%dI" % (len(parts) + 1), len(parts), *offsets) + b"".join(parts)


def ws_unframe(data):
    """A binary WebSocket payload -> the message dict with its ``buffers`` (bytes);
    ValueError if the framing is broken."""
    if len(data) < 8:
        raise ValueError("binary message too short")
    n = struct.unpack(">I", data[:4])[0]
    if not 1 <= n <= 1024 or len(data) < 4 * (n + 1):
        raise ValueError("binary message with a bad part count %d" % n)
    offsets = list(struct.unpack(">%dI" % n, data[4:4 * (n + 1)])) + [len(data)]
    if offsets[0] < 4 * (n + 1) or any(a > b for a, b in zip(offsets, offsets[1:])):
        raise ValueError("binary message with bad offsets")
    parts = [data[a:b] for a, b in zip(offsets, offsets[1:])]
    msg = json.loads(parts[0].decode("utf-8"))
    if not isinstance(msg, dict):
        raise ValueError("binary message whose JSON part is not an object")
    msg["buffers"] = parts[1:]
    return msg


# ------------------------------------------------------------------- websocket

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket:
    """RFC 6455 over an accepted socket (server side): frames in, frames out."""

    max_message = 64 * 1024 * 1024

    def __init__(self, rfile, wfile):
        self.rfile, self.wfile = rfile, wfile
        self.lock = threading.Lock()
        self.closed = False

    @staticmethod
    def accept_key(key):
        return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()

    def _read(self, n):
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("websocket closed")
        return data

    def recv(self):
        """The next text (str) or binary (bytes) message; None when closed."""
        parts, first_op = [], None
        while True:
            b1, b2 = self._read(2)
            fin, op = b1 & 0x80, b1 & 0x0F
            if not b2 & 0x80:
                self.close(1002)
                raise ConnectionError("client frame not masked")
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            if n > self.max_message or sum(map(len, parts)) + n > self.max_message:
                self.close(1009)
                raise ConnectionError("websocket message too big")
            mask = self._read(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n))) if n < 64 else \
                _unmask(self._read(n), mask)
            if op == 8:
                self.close(1000)
                return None
            if op == 9:
                self.send(payload, opcode=10)
                continue
            if op == 10:
                continue
            if op in (1, 2):
                first_op, parts = op, [payload]
            elif op == 0 and first_op is not None:
                parts.append(payload)
            else:
                self.close(1002)
                raise ConnectionError("bad websocket opcode %d" % op)
            if fin:
                data = b"".join(parts)
                return data.decode("utf-8") if first_op == 1 else data

    def send(self, data, opcode=None):
        if isinstance(data, str):
            data, opcode = data.encode("utf-8"), opcode or 1
        opcode = opcode or 2
        n = len(data)
        if n < 126:
            head = struct.pack(">BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack(">BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
        with self.lock:
            if self.closed and opcode != 8:
                raise ConnectionError("websocket closed")
            self.wfile.write(head + data)
            self.wfile.flush()

    def close(self, code=1000):
        if not self.closed:
            try:
                self.send(struct.pack(">H", code), opcode=8)
            except (OSError, ConnectionError):
                pass
            self.closed = True


def _unmask(data, mask):
    n = len(data)
    m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ m).to_bytes(n, "big")
