"""The wire: Jupyter messaging protocol sessions, connection files, kernelspecs,
the kernel client and the kernel manager.

Public API::

    Session(key=b"...")                 sign, verify, serialize, deserialize, send, recv
    write_connection_file(...)          -> (path, info)   mode 0600, random ports
    read_connection_file(path)          -> info dict
    find_connection_file(name=None)     newest kernel-*.json in the runtime dir
    find_kernel_specs() / get_kernel_spec(name) / install_kernel_spec(...)
    KernelClient(connection_info)       shell, control, iopub, stdin, heartbeat channels
    KernelManager(kernel_name=...)      start, interrupt, restart, shutdown, auto-restart

A message on the wire is a list of frames (protocol 5.x)::

    [ident, ..., b"<IDS|MSG>", signature, header, parent_header, metadata, content,
     buffer, ...]

The routing identities come before the delimiter. ``signature`` is the hex HMAC-SHA256
of the four JSON frames that follow it, keyed with the connection file's ``key``; an
empty key means messages are not signed (and the signature frame is empty). A receiver
verifies the signature before it parses anything, with ``hmac.compare_digest``, and
refuses a signature it has already seen (a replayed message). Dates in headers are ISO
8601 strings with a time zone. Extra frames after ``content`` are binary buffers, passed
through untouched (zero-copy where zmq allows).

This module imports nothing of ipylite; zmq is imported when a socket is first needed.
"""

import collections
import datetime
import glob
import hmac
import hashlib
import json
import math
import logging
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

log = logging.getLogger("ipylite.protocol")

PROTOCOL_VERSION = "5.4"
DELIM = b"<IDS|MSG>"
CHANNELS = ("shell", "control", "iopub", "stdin", "hb")


def import_zmq():
    """The zmq module, or an ImportError that says how to install it (the kernel, the
    notebook and the parallel tier need pyzmq; the terminal shell does not)."""
    try:
        import zmq
    except ImportError:  # pragma: no cover - exercised by the vendoring tier test
        raise ImportError("pyzmq, which is not installed: pip install pyzmq") from None
    return zmq


class ProtocolError(ValueError):
    """A message that cannot be accepted: unsigned, badly signed, replayed, malformed.

    ``header`` is the message's header when its signature held and its header parsed
    but the rest did not (a receiver can then answer the request with an error);
    ``idents`` its routing identities (set by :meth:`Session.recv`)."""

    def __init__(self, message, header=None):
        super().__init__(message)
        self.header = header
        self.idents = []


def utcnow_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _json_default(obj):
    if isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    if isinstance(obj, (bytes, bytearray, memoryview)):
        import base64
        return base64.b64encode(bytes(obj)).decode("ascii")
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    return repr(obj)


def _finite(obj):
    """``obj`` with NaN and infinities spelled as strings ("nan", "inf", "-inf"), as
    ipykernel's json_clean does: JSON has no spelling for them, and browsers'
    JSON.parse refuses the bare NaN that Python would write."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def json_dumps(obj):
    """Strict JSON bytes (UTF-8): anything else JSON cannot hold is converted."""
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False,
                          default=_json_default).encode("utf8", "surrogateescape")
    except ValueError:  # NaN or inf somewhere (perhaps inside a numpy value)
        plain = json.loads(json.dumps(obj, ensure_ascii=False, default=_json_default))
        return json.dumps(_finite(plain), ensure_ascii=False, allow_nan=False).encode(
            "utf8", "surrogateescape")


# ---------------------------------------------------------------------------- Session

class Session:
    """Signs, serializes and verifies messages for one client or kernel.

    ``key`` is bytes (or str); empty means unsigned. ``session`` is this side's id.
    """

    digest_history_size = 2 ** 16

    def __init__(self, key=b"", session=None, username=None, signature_scheme="hmac-sha256"):
        if isinstance(key, str):
            key = key.encode("ascii")
        if signature_scheme != "hmac-sha256":
            raise ProtocolError(f"unsupported signature scheme {signature_scheme!r}")
        self.key = key
        self.session = session or uuid.uuid4().hex
        self.username = username or os.environ.get("USER", "username")
        self._hmac = hmac.new(key, digestmod=hashlib.sha256) if key else None
        self._seen = set()
        self._seen_order = collections.deque()
        self._counter = 0
        self._id_prefix = f"{self.session[:8]}_{os.getpid()}_"
        self.pid = os.getpid()

    # -- building
    def msg_id(self):
        self._counter += 1
        return f"{self._id_prefix}{self._counter}"

    def msg_header(self, msg_type):
        return {"msg_id": self.msg_id(), "msg_type": msg_type, "username": self.username,
                "session": self.session, "date": utcnow_iso(), "version": PROTOCOL_VERSION}

    def msg(self, msg_type, content=None, parent=None, header=None, metadata=None):
        header = header or self.msg_header(msg_type)
        parent_header = (parent.get("header", parent) if parent else {}) or {}
        return {"header": header, "msg_id": header["msg_id"], "msg_type": msg_type,
                "parent_header": parent_header, "metadata": metadata or {},
                "content": {} if content is None else content, "buffers": []}

    def sign(self, frames):
        if self._hmac is None:
            return b""
        h = self._hmac.copy()
        for f in frames:
            h.update(f)
        return h.hexdigest().encode("ascii")

    def serialize(self, msg, ident=None):
        """The frames of ``msg`` (a dict from :meth:`msg`), identities first."""
        frames = [json_dumps(msg["header"]), json_dumps(msg["parent_header"]),
                  json_dumps(msg["metadata"]), json_dumps(msg["content"])]
        out = []
        if ident:
            out.extend(ident if isinstance(ident, list) else [ident])
        out.append(DELIM)
        out.append(self.sign(frames))
        out.extend(frames)
        out.extend(msg.get("buffers") or ())
        return out

    def send(self, sock, msg_or_type, content=None, parent=None, ident=None,
             buffers=None, metadata=None, header=None, flags=0):
        """Build (if given a type) and send a message; returns the message dict.
        ``flags``: zmq.NOBLOCK raises zmq.Again where the socket would block."""
        if isinstance(msg_or_type, dict):
            msg = msg_or_type
        else:
            msg = self.msg(msg_or_type, content, parent, header, metadata)
        if buffers:
            msg["buffers"] = list(buffers)
        frames = self.serialize(msg, ident)
        sock.send_multipart(frames, flags, copy=len(frames) <= 7 or not buffers)
        return msg

    # -- reading
    @staticmethod
    def feed_identities(frames):
        """Split ``frames`` at the delimiter: (identities, rest)."""
        for i, f in enumerate(frames):
            b = f.bytes if hasattr(f, "bytes") else f
            if b == DELIM:
                return [bytes(x) for x in frames[:i]], frames[i + 1:]
        raise ProtocolError("Missing delimiter <IDS|MSG> in message")

    def deserialize(self, frames, content=True):
        """Verify and parse the frames after the delimiter into a message dict."""
        if len(frames) < 5:
            raise ProtocolError(f"Malformed message: {len(frames)} frames, need at least 5")
        parts = [f.bytes if hasattr(f, "bytes") else bytes(f) for f in frames[:5]]
        signature = parts[0]
        if self._hmac is not None:
            if not signature:
                raise ProtocolError("Unsigned message (this session requires a signature)")
            if not hmac.compare_digest(signature, self.sign(parts[1:5])):
                raise ProtocolError("Invalid Signature: %r" % signature[:16])
            if signature in self._seen:
                raise ProtocolError("Duplicate Signature: %r (a replayed message)" % signature[:16])
            self._seen.add(signature)
            self._seen_order.append(signature)
            if len(self._seen_order) > self.digest_history_size:
                self._seen.discard(self._seen_order.popleft())
        header = _loads(parts[1], "header")
        if not isinstance(header, dict) or not isinstance(header.get("msg_type"), str):
            raise ProtocolError("Malformed message: header has no msg_type")
        for key, value in header.items():   # (it comes back as the replies' parent)
            if isinstance(value, (dict, list)):
                raise ProtocolError(f"Malformed message: header field {key!r} is not "
                                    "a string or number")
        try:
            parent, metadata = _loads(parts[2], "parent_header"), _loads(parts[3], "metadata")
            body = _loads(parts[4], "content") if content else parts[4]
        except ProtocolError as e:
            raise ProtocolError(str(e), header) from None
        return {"header": header, "msg_id": header.get("msg_id"),
                "msg_type": header["msg_type"], "parent_header": parent or {},
                "metadata": metadata or {}, "content": body,
                "buffers": [memoryview(f.buffer if hasattr(f, "buffer") else f)
                            for f in frames[5:]]}

    def recv(self, sock, mode=None, content=True):
        """Receive one message: (identities, msg). ``mode`` zmq.NOBLOCK returns
        (None, None) when nothing is waiting. Raises ProtocolError for a bad message."""
        zmq = import_zmq()
        try:
            frames = sock.recv_multipart(zmq.NOBLOCK if mode is None else mode, copy=False)
        except zmq.Again:
            return None, None
        idents, rest = self.feed_identities(frames)
        try:
            return idents, self.deserialize(rest, content=content)
        except ProtocolError as e:
            e.idents = idents
            raise


def _loads(frame, name):
    """One JSON frame; ProtocolError if it is not JSON or nests too deeply to parse
    (``[[[...`` a hundred thousand deep stops the parser with a RecursionError)."""
    try:
        return json.loads(frame)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        why = "nests too deeply" if isinstance(e, RecursionError) else f"is not JSON ({e})"
        raise ProtocolError(f"Malformed message: the {name} frame {why}") from None


# What the kernel's requests hold: field -> (types, required). Clients send more than
# this; fields not listed are not looked at. (bool fields take 0 and 1 too.)
_BOOL, _INT, _STR, _OPT_INT = (bool, int), (int,), (str,), (int, type(None))
REQUEST_FIELDS = {
    "execute_request": {"code": (_STR, True), "silent": (_BOOL, False),
                        "store_history": (_BOOL, False), "allow_stdin": (_BOOL, False),
                        "stop_on_error": (_BOOL, False), "user_expressions": ((dict,), False)},
    "complete_request": {"code": (_STR, True), "cursor_pos": (_OPT_INT, False)},
    "inspect_request": {"code": (_STR, True), "cursor_pos": (_OPT_INT, False),
                        "detail_level": (_INT, False)},
    "is_complete_request": {"code": (_STR, True)},
    "history_request": {"hist_access_type": (_STR, False), "raw": (_BOOL, False),
                        "output": (_BOOL, False), "session": (_INT, False),
                        "start": (_INT, False), "stop": (_OPT_INT, False),
                        "n": (_OPT_INT, False), "pattern": (_STR, False),
                        "unique": (_BOOL, False)},
    "comm_info_request": {"target_name": ((str, type(None)), False)},
    "shutdown_request": {"restart": (_BOOL, False)},
    "comm_open": {"comm_id": (_STR, True), "target_name": (_STR, False)},
    "comm_msg": {"comm_id": (_STR, True)},
    "comm_close": {"comm_id": (_STR, True)},
}


def request_problem(msg):
    """What is wrong with a request's content, in one line; None if nothing is."""
    content = msg.get("content")
    if not isinstance(content, dict):
        return f"content must be a JSON object, not {type(content).__name__}"
    for field, (types, required) in REQUEST_FIELDS.get(msg.get("msg_type"), {}).items():
        if field not in content:
            if required:
                return f"{msg['msg_type']} needs {field!r}"
            continue
        value = content[field]
        if not isinstance(value, types):
            return f"{field!r} must be {' or '.join(_type_name(t) for t in types)}, " \
                   f"not {_type_name(type(value))}"
    expressions = content.get("user_expressions")
    if expressions and not all(isinstance(v, str) for v in expressions.values()):
        return "'user_expressions' must map names to code strings"
    return None


def _type_name(t):
    return {dict: "an object", list: "an array", str: "a string", int: "an integer",
            float: "a number", bool: "a boolean", type(None): "null"}.get(t, t.__name__)


# ------------------------------------------------------------- our own name

# this package's importable name, for ``python -m`` commands that start our own
# programs (kernels, engines, consoles): "ipylite", or e.g. "myapp._vendor.ipylite"
PACKAGE = __name__.rpartition(".")[0]


# ------------------------------------------------------------------ ANSI codes

_ANSI = None


def strip_ansi(text):
    """``text`` without ANSI escape sequences: colours and other CSI codes, and OSC
    strings (titles, hyperlinks) ended by BEL or ST."""
    global _ANSI
    if _ANSI is None:
        import re
        _ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
    return _ANSI.sub("", text)


# --------------------------------------------------------------- private files

def replace_file(path, data, mode=0o600, prefix=".~", suffix=".tmp"):
    """Replace ``path`` with ``data`` (bytes) so that a crash, a kill or a full disk at
    any moment leaves the old file or the new one, never a mix: a temporary file
    beside it (made 0600 by mkstemp, then given ``mode``) is written, fsynced and
    renamed over it, then the folder is fsynced."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode != 0o600:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def write_private(path, data):
    """Write ``data`` (str or bytes) to ``path`` readable by its owner alone (0600),
    whatever the mode of a file already there (replace_file: no one can read it
    half-written or between a write and a chmod). Connection files, keys, secrets and
    password hashes use it."""
    replace_file(path, data.encode("utf-8") if isinstance(data, str) else data, 0o600,
                 suffix=".private")


# --------------------------------------------------------------- connection files

def jupyter_runtime_dir():
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        return os.environ["JUPYTER_RUNTIME_DIR"]
    return os.path.join(jupyter_data_dir(), "runtime")


def jupyter_data_dir():
    if os.environ.get("JUPYTER_DATA_DIR"):
        return os.environ["JUPYTER_DATA_DIR"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "jupyter")


def jupyter_path(*sub):
    """Data directories in Jupyter's order: JUPYTER_PATH, user, environment, system."""
    dirs = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    dirs.append(jupyter_data_dir())
    for d in (os.path.join(sys.prefix, "share", "jupyter"), "/usr/local/share/jupyter",
              "/usr/share/jupyter"):
        if d not in dirs:
            dirs.append(d)
    return [os.path.join(d, *sub) for d in dirs]


def random_ports(n, ip="127.0.0.1"):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def write_connection_file(fname=None, ip="127.0.0.1", transport="tcp", key=None,
                          kernel_name="", shell_port=0, iopub_port=0, stdin_port=0,
                          control_port=0, hb_port=0):
    """Write a connection file (mode 0600) and return (path, info).
    Ports left at 0 are chosen at random; the key is 256 random bits by default."""
    if fname is None:
        os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
        fname = os.path.join(jupyter_runtime_dir(), f"kernel-{uuid.uuid4()}.json")
    ports = {"shell_port": shell_port, "iopub_port": iopub_port, "stdin_port": stdin_port,
             "control_port": control_port, "hb_port": hb_port}
    if transport == "tcp":
        free = iter(random_ports(sum(1 for v in ports.values() if not v), ip))
        ports = {k: v or next(free) for k, v in ports.items()}
    else:  # ipc: ports are suffixes of a path
        ports = {k: v or i + 1 for i, (k, v) in enumerate(ports.items())}
    info = dict(ports, ip=ip, transport=transport, signature_scheme="hmac-sha256",
                key=secrets.token_hex(32) if key is None else
                (key.decode() if isinstance(key, bytes) else key),
                kernel_name=kernel_name)
    write_private(fname, json.dumps(info, indent=1))
    return fname, info


def read_connection_file(fname):
    try:
        with open(fname) as f:
            info = json.load(f)
    except OSError as e:
        raise FileNotFoundError(f"cannot read connection file {fname}: {e.strerror}") from None
    except ValueError as e:
        raise ValueError(f"connection file {fname} is not JSON: {e}") from None
    missing = [k for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port",
                           "ip", "key") if k not in info]
    if missing:
        raise ValueError(f"connection file {fname} lacks {', '.join(missing)}")
    info.setdefault("transport", "tcp")
    info.setdefault("signature_scheme", "hmac-sha256")
    return info


def find_connection_file(name=None, path=None):
    """The connection file called ``name`` (a path, a file in the runtime dir, or a
    glob), or the most recently modified kernel-*.json when ``name`` is None."""
    if name and os.path.isfile(name):
        return os.path.abspath(name)
    dirs = [path] if path else [os.getcwd(), jupyter_runtime_dir()]
    pattern = name or "kernel-*.json"
    if name and not any(c in name for c in "*?["):
        pattern = f"*{name}*" if not name.endswith(".json") else name
    found = [f for d in dirs for f in glob.glob(os.path.join(d, pattern)) if os.path.isfile(f)]
    if not found:
        where = " or ".join(dirs)
        raise FileNotFoundError(f"no connection file matching {pattern!r} in {where}")
    return max(found, key=os.path.getmtime)


def connect_url(info, channel):
    port = info[channel + "_port" if channel != "hb" else "hb_port"]
    if info.get("transport", "tcp") == "tcp":
        return f"tcp://{info['ip']}:{port}"
    return f"ipc://{info['ip']}-{port}"


# -------------------------------------------------------------------- kernelspecs

def find_kernel_specs():
    """{name: resource_dir} of every installed kernelspec; the first found wins."""
    specs = {}
    for d in jupyter_path("kernels"):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            path = os.path.join(d, name)
            if name.lower() not in specs and os.path.isfile(os.path.join(path, "kernel.json")):
                specs[name.lower()] = path
    return specs


def get_kernel_spec(name):
    specs = find_kernel_specs()
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise KeyError(f"no kernelspec named {name!r} (installed: {known})")
    with open(os.path.join(specs[name], "kernel.json")) as f:
        spec = json.load(f)
    spec["resource_dir"] = specs[name]
    spec["name"] = name
    return spec


def install_kernel_spec(name="ipylite", user=False, prefix=None, display_name=None,
                        argv=None):
    """Write ``kernels/<name>/kernel.json`` for the ipylite kernel; return its folder.
    Default place: this Python's environment (sys.prefix); ``user``: the user's data
    dir; ``prefix``: ``PREFIX/share/jupyter``."""
    if user:
        base = jupyter_data_dir()
    else:
        base = os.path.join(prefix or sys.prefix, "share", "jupyter")
    dest = os.path.join(base, "kernels", name)
    os.makedirs(dest, exist_ok=True)
    spec = {"argv": argv or [sys.executable, "-m", "ipylite.kernel", "-f", "{connection_file}"],
            "display_name": display_name or "Python 3 (ipylite)",
            "language": "python", "interrupt_mode": "signal",
            "metadata": {"debugger": False}}
    with open(os.path.join(dest, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return dest


# ------------------------------------------------------------------------- client

def _quick_reconnect(s):
    """No linger, and reconnect every 10 ms backing off to 1 s: a kernel just started
    has not bound its ports yet, and zmq's flat 100 ms retry would be what the first
    prompt waits for."""
    zmq = import_zmq()
    s.linger = 0
    s.setsockopt(zmq.RECONNECT_IVL, 10)
    s.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)


class WakePipe:
    """A pipe that one thread writes to wake another that polls its read end (with
    zmq.Poller, select or a Qt socket notifier). Both ends are non-blocking: a wake-up
    never blocks its writer (a full pipe means one is pending anyway). ``close()``
    frees both ends; after it, wake-ups are dropped until ``fileno()`` opens a new
    pipe. A lock keeps a wake-up from writing to a descriptor being closed (or
    already reused for another file)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._fds = None
        self.fileno()

    def fileno(self):
        with self._lock:
            if self._fds is None:
                self._fds = os.pipe()
                for fd in self._fds:
                    os.set_blocking(fd, False)
            return self._fds[0]

    def wake(self):
        with self._lock:
            if self._fds is not None:
                try:
                    os.write(self._fds[1], b".")
                except BlockingIOError:
                    pass

    def drain(self):
        """Read every pending wake-up."""
        with self._lock:
            if self._fds is not None:
                try:
                    while os.read(self._fds[0], 4096):
                        pass
                except BlockingIOError:
                    pass

    def close(self):
        with self._lock:
            fds, self._fds = self._fds, None
            for fd in fds or ():
                os.close(fd)


def take_pending(pending, limit=None, channels=None):
    """[(channel, msg)] taken from ``pending`` ({channel: deque}), in ``channels`` order:
    all of them, or at most ``limit``."""
    out = []
    for c in channels or list(pending):
        q = pending[c]
        while q and (limit is None or len(out) < limit):
            out.append((c, q.popleft()))
    return out


class ClientAPI:
    """The request methods and conveniences every kernel client shares. A transport
    subclass provides ``_send(channel, msg_type, content)``, ``_recv(channel,
    timeout)`` (raising queue.Empty) and ``poll(timeout, limit=None)`` (which may take
    its queued messages with :func:`take_pending`)."""

    has_iopub = has_stdin = True

    def get_shell_msg(self, timeout=None):
        return self._recv("shell", timeout)

    def get_iopub_msg(self, timeout=None):
        return self._recv("iopub", timeout)

    def get_stdin_msg(self, timeout=None):
        return self._recv("stdin", timeout)

    def get_control_msg(self, timeout=None):
        return self._recv("control", timeout)

    # -- sending
    def execute(self, code, silent=False, store_history=True, user_expressions=None,
                allow_stdin=None, stop_on_error=True):
        if allow_stdin is None:
            allow_stdin = self.has_stdin
        return self._send("shell", "execute_request", {
            "code": code, "silent": silent, "store_history": store_history,
            "user_expressions": user_expressions or {}, "allow_stdin": allow_stdin,
            "stop_on_error": stop_on_error})

    def complete(self, code, cursor_pos=None):
        return self._send("shell", "complete_request", {
            "code": code, "cursor_pos": len(code) if cursor_pos is None else cursor_pos})

    def inspect(self, code, cursor_pos=None, detail_level=0):
        return self._send("shell", "inspect_request", {
            "code": code, "cursor_pos": len(code) if cursor_pos is None else cursor_pos,
            "detail_level": detail_level})

    def history(self, raw=True, output=False, hist_access_type="range", **kwargs):
        return self._send("shell", "history_request", dict(
            raw=raw, output=output, hist_access_type=hist_access_type, **kwargs))

    def kernel_info(self):
        return self._send("shell", "kernel_info_request", {})

    def comm_info(self, target_name=None):
        return self._send("shell", "comm_info_request",
                          {} if target_name is None else {"target_name": target_name})

    def is_complete(self, code):
        return self._send("shell", "is_complete_request", {"code": code})

    def shutdown(self, restart=False):
        return self._send("control", "shutdown_request", {"restart": restart})

    def interrupt(self):
        """Ask the kernel to interrupt itself over the control channel."""
        return self._send("control", "interrupt_request", {})

    def input(self, string):
        self._send("stdin", "input_reply", {"value": string})

    # -- conveniences
    def _reply_to(self, msg_id, channel="shell", timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0, deadline - time.monotonic())
            msg = self._recv(channel, left)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
            log.debug("skipping %s reply to another request", msg["msg_type"])

    def wait_for_ready(self, timeout=30):
        """Block until the kernel answers kernel_info and its iopub stream is live."""
        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.kernel_info()
            try:
                reply = self._reply_to(msg_id, "shell", min(1.0, max(0.01, deadline - time.monotonic())))
                break
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise TimeoutError("kernel did not answer kernel_info in %s s" % timeout)
        self.kernel_info_reply = reply
        if self.has_iopub:
            # The reply proves shell works. A status on iopub about one of our own
            # requests proves the subscription is live (older messages from a kernel
            # that was restarted may still be buffered; they prove nothing).
            ours = {msg_id}
            while True:
                try:
                    msg = self.get_iopub_msg(timeout=0.2)
                    if (msg["msg_type"] == "status"
                            and msg["parent_header"].get("msg_id") in ours):
                        break
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise TimeoutError("no message on iopub in %s s" % timeout)
                    ours.add(self.kernel_info())
            self.flush_iopub(0.01)
            self._drop_replies(ours)
        return reply

    def _drop_replies(self, msg_ids):
        """Discard the shell replies to ``msg_ids`` that are already waiting."""
        keep = collections.deque()
        while True:
            try:
                msg = self._recv("shell", 0)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") not in msg_ids:
                keep.append(msg)
        self._pending["shell"].extend(keep)

    def flush_iopub(self, timeout=0.05):
        while True:
            try:
                self.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                return

    def execute_interactive(self, code, silent=False, store_history=True,
                            user_expressions=None, allow_stdin=None, stop_on_error=True,
                            timeout=None, output_hook=None, stdin_hook=None):
        """Execute and wait for the reply, passing iopub messages to ``output_hook``
        (default: print them) and input requests to ``stdin_hook`` (default: ask on
        the terminal). Returns the execute_reply. Messages about other requests that
        arrive meanwhile are dropped, as jupyter_client does."""
        if allow_stdin is None:
            allow_stdin = self.has_stdin
        msg_id = self.execute(code, silent, store_history, user_expressions, allow_stdin,
                              stop_on_error)
        output_hook = output_hook or self._output_hook_default
        stdin_hook = stdin_hook or self._stdin_hook_default
        deadline = None if timeout is None else time.monotonic() + timeout
        reply, idle = None, not self.has_iopub
        while not (idle and reply):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                missing = " and ".join(w for w, got in (("reply", reply), ("idle", idle))
                                       if not got)
                raise TimeoutError(f"no {missing} for execute_request within {timeout} s")
            for channel, msg in self.poll(left):
                if msg["parent_header"].get("msg_id") != msg_id:
                    log.debug("dropping %s about another request", msg["msg_type"])
                elif channel == "shell":
                    reply = msg
                elif channel == "stdin":
                    stdin_hook(msg)
                elif channel == "iopub":
                    if (msg["msg_type"] == "status"
                            and msg["content"]["execution_state"] == "idle"):
                        idle = True
                    else:
                        output_hook(msg)
        return reply

    @staticmethod
    def _output_hook_default(msg):
        kind, c = msg["msg_type"], msg["content"]
        if kind == "stream":
            (sys.stdout if c["name"] == "stdout" else sys.stderr).write(c["text"])
        elif kind in ("display_data", "execute_result"):
            sys.stdout.write(c["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            sys.stderr.write("\n".join(c["traceback"]) + "\n")

    def _stdin_hook_default(self, msg):
        c = msg["content"]
        if c.get("password"):
            import getpass
            value = getpass.getpass(c.get("prompt", ""))
        else:
            value = input(c.get("prompt", ""))
        self.input(value)

    def __enter__(self):
        if not self.channels_running:
            self.start_channels()
        return self

    def __exit__(self, *exc):
        self.stop_channels()


class KernelClient(ClientAPI):
    """Talks to one kernel over its five channels.

    Blocking use (scripts, tests)::

        kc = KernelClient(info); kc.start_channels(); kc.wait_for_ready()
        reply = kc.execute_interactive("1 + 1")

    Event-loop use (Qt, asyncio): watch ``kc.fds()`` for readability, then call
    ``kc.poll(0)``, which returns every waiting (channel, msg) pair. The ``get_*_msg``
    methods raise ``queue.Empty`` on time-out, as jupyter_client's do.
    """

    def __init__(self, connection_info=None, connection_file=None, session=None):
        if connection_file:
            connection_info = read_connection_file(connection_file)
        self.connection_file = connection_file
        self.info = dict(connection_info or {})
        self.session = session or Session(key=self.info.get("key", ""))
        self.sockets = {}
        self._pending = {c: collections.deque() for c in CHANNELS}
        self._hb = None
        self.channels_running = False

    # -- channels
    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        zmq = import_zmq()
        self.context = zmq.Context.instance()
        wanted = {"shell": shell, "iopub": iopub, "stdin": stdin, "control": control}
        ident = self.session.session.encode()
        for name, on in wanted.items():
            if not on or name in self.sockets:
                continue
            s = self.context.socket(zmq.SUB if name == "iopub" else zmq.DEALER)
            _quick_reconnect(s)
            if name == "iopub":
                s.setsockopt(zmq.SUBSCRIBE, b"")
            else:
                s.setsockopt(zmq.IDENTITY, ident)
            s.connect(connect_url(self.info, name))
            self.sockets[name] = s
        if hb and self._hb is None:
            self._hb = Heartbeat(self.context, connect_url(self.info, "hb"))
            self._hb.start()
        self.channels_running = True

    def stop_channels(self):
        for s in self.sockets.values():
            s.close(linger=0)
        self.sockets.clear()
        if self._hb:
            self._hb.stop()
            self._hb = None
        self.channels_running = False

    def fds(self):
        """{channel: file descriptor} to watch in an event loop (edge-triggered:
        after a wake-up, drain with :meth:`poll`)."""
        zmq = import_zmq()
        return {name: s.getsockopt(zmq.FD) for name, s in self.sockets.items()}

    def is_alive(self):
        return self._hb.beating if self._hb else True

    # -- receiving
    def _recv(self, channel, timeout):
        """One message from ``channel`` or raise queue.Empty after ``timeout`` s."""
        if self._pending[channel]:
            return self._pending[channel].popleft()
        zmq = import_zmq()
        sock = self.sockets[channel]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0, deadline - time.monotonic())
            if not sock.poll(None if left is None else int(left * 1000)):
                raise queue.Empty
            try:
                _, msg = self.session.recv(sock, zmq.NOBLOCK)
            except ProtocolError as e:
                log.warning("dropped a bad message on %s: %s", channel, e)
                continue
            if msg is not None:
                return msg
            if left == 0:
                raise queue.Empty

    def poll(self, timeout=0, limit=None):
        """Messages waiting on any channel, as (channel, msg), waiting up to ``timeout``
        seconds for the first one: every one, or at most ``limit`` (an event loop that
        must not stall on a flood asks for a few at a time; then, as the descriptors
        are edge-triggered, it must call again until it gets fewer than it asked for)."""
        zmq = import_zmq()
        out = take_pending(self._pending, limit, CHANNELS)
        if out:
            return out
        poller = zmq.Poller()
        names = {}
        for name, s in self.sockets.items():
            poller.register(s, zmq.POLLIN)
            names[s] = name
        events = poller.poll(None if timeout is None else int(timeout * 1000))
        while events:
            for s, _ in events:
                if limit is not None and len(out) >= limit:
                    return out
                try:
                    _, msg = self.session.recv(s, zmq.NOBLOCK)
                except ProtocolError as e:
                    log.warning("dropped a bad message on %s: %s", names[s], e)
                    continue
                if msg is not None:
                    out.append((names[s], msg))
            events = poller.poll(0)
        return out

    @property
    def has_iopub(self):
        return "iopub" in self.sockets

    @property
    def has_stdin(self):
        return "stdin" in self.sockets

    def _send(self, channel, msg_type, content):
        msg = self.session.msg(msg_type, content)
        self.session.send(self.sockets[channel], msg)
        return msg["header"]["msg_id"]


class Heartbeat(threading.Thread):
    """Pings the kernel's heartbeat socket once a second; ``beating`` turns False
    when ``time_to_dead`` passes without an echo."""

    time_to_dead = 3.0

    def __init__(self, context, url):
        super().__init__(daemon=True, name="ipylite-heartbeat")
        self.context, self.url = context, url
        self.beating = True
        self._stop_event = threading.Event()

    def _socket(self):
        zmq = import_zmq()
        s = self.context.socket(zmq.REQ)
        _quick_reconnect(s)
        s.connect(self.url)
        return s

    def run(self):
        sock = self._socket()
        last = time.monotonic()
        try:
            while not self._stop_event.is_set():
                sock.send(b"ping")
                if sock.poll(1000):
                    sock.recv()
                    last = time.monotonic()
                    self.beating = True
                    self._stop_event.wait(1.0)
                else:  # a REQ socket that lost its reply must be replaced
                    sock.close(linger=0)
                    sock = self._socket()
                    self.beating = time.monotonic() - last < self.time_to_dead
        finally:
            sock.close(linger=0)

    def stop(self):
        self._stop_event.set()


# ------------------------------------------------------------------------ manager

class KernelManager:
    """Starts and looks after one kernel process.

    ``kernel_name`` picks a kernelspec; ``argv`` (with ``{connection_file}``) bypasses
    kernelspecs. ``start_restarter(callback)`` watches the process and starts a new
    kernel on the same ports when it dies, calling ``callback("restarted")`` (or
    ``callback("dead")`` after ``restart_limit`` quick deaths in a row).
    """

    shutdown_wait_time = 5.0
    restart_limit = 5

    def __init__(self, kernel_name="ipylite", argv=None, connection_file=None,
                 ip="127.0.0.1", transport="tcp", env=None, cwd=None):
        self.kernel_name = kernel_name
        self.spec = None if argv else get_kernel_spec(kernel_name)
        self.argv = list(argv) if argv else self.spec["argv"]
        self.interrupt_mode = (self.spec or {}).get("interrupt_mode", "signal")
        self.connection_file = connection_file
        self.connection_info = None
        self.ip, self.transport = ip, transport
        self.extra_env, self.cwd = env, cwd
        self.kernel = None
        self._restarter = None
        self._lock = threading.RLock()
        self._owns_file = False

    # -- lifecycle
    def start_kernel(self, **popen_kw):
        """Start the kernel process; ``popen_kw`` (e.g. stdout=DEVNULL) are kept for
        its restarts, as jupyter_client keeps its launch arguments."""
        if popen_kw:
            self._launch_kw = dict(popen_kw)
        else:
            popen_kw = dict(getattr(self, "_launch_kw", {}))
        with self._lock:
            if self.connection_info is None:
                if self.connection_file and os.path.exists(self.connection_file):
                    self.connection_info = read_connection_file(self.connection_file)
                else:
                    self.connection_file, self.connection_info = write_connection_file(
                        self.connection_file, ip=self.ip, transport=self.transport,
                        kernel_name=self.kernel_name)
                    self._owns_file = True
            resource_dir = (self.spec or {}).get("resource_dir", "")
            argv = [a.replace("{connection_file}", self.connection_file)
                     .replace("{resource_dir}", resource_dir)
                    for a in self.argv]
            if argv and argv[0] in ("python", "python3") and not os.path.isabs(argv[0]):
                argv[0] = sys.executable  # run kernels in the interpreter we run in
            env = dict(os.environ)
            env.update((self.spec or {}).get("env", {}))
            env.update(self.extra_env or {})
            env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits when we do
            popen_kw.setdefault("stdin", subprocess.DEVNULL)
            self.kernel = subprocess.Popen(argv, env=env, cwd=self.cwd,
                                           start_new_session=True, **popen_kw)
            log.debug("started kernel pid %s: %s", self.kernel.pid, argv)
            return self.kernel

    @property
    def has_kernel(self):
        return self.kernel is not None

    def is_alive(self):
        return self.kernel is not None and self.kernel.poll() is None

    def client(self, **kw):
        if self.connection_info is None:
            raise RuntimeError("start the kernel before asking for a client")
        return KernelClient(self.connection_info, connection_file=None, **kw)

    def signal_kernel(self, signum):
        if not self.is_alive():
            return
        try:
            os.killpg(self.kernel.pid, signum)
        except (ProcessLookupError, PermissionError):
            try:
                self.kernel.send_signal(signum)
            except ProcessLookupError:
                pass

    def interrupt_kernel(self):
        if self.interrupt_mode == "message":
            self._control_request("interrupt_request", {}, wait=1.0)
        else:
            self.signal_kernel(signal.SIGINT)

    def _control_request(self, msg_type, content, wait=1.0):
        kc = KernelClient(self.connection_info)
        kc.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
        try:
            msg_id = kc._send("control", msg_type, content)
            try:
                return kc._reply_to(msg_id, "control", wait)
            except queue.Empty:
                return None
        finally:
            kc.stop_channels()

    def request_shutdown(self, restart=False):
        return self._control_request("shutdown_request", {"restart": restart}, wait=1.0)

    def shutdown_kernel(self, now=False, restart=False):
        """Ask politely, then terminate, then kill; remove the connection file."""
        with self._lock:
            if not restart:
                self.stop_restarter()
            if self.kernel is None:
                return
            if self.is_alive() and not now:
                self.request_shutdown(restart)
                self._wait(self.shutdown_wait_time)
            for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
                if not self.is_alive():
                    break
                self.signal_kernel(sig)
                self._wait(wait)
            if self.kernel.poll() is None:
                self.kernel.wait()
            if not restart:
                self.cleanup_connection_file()

    def _wait(self, seconds):
        try:
            self.kernel.wait(seconds)
        except subprocess.TimeoutExpired:
            pass

    def cleanup_connection_file(self):
        if self._owns_file and self.connection_file:
            try:
                os.remove(self.connection_file)
            except OSError:
                pass

    def restart_kernel(self, now=False):
        """Shut the kernel down and start a new one on the same connection file."""
        with self._lock:
            self.shutdown_kernel(now=now, restart=True)
            return self.start_kernel()

    # -- auto-restart
    def start_restarter(self, callback=None, interval=0.5):
        if self._restarter is None:
            self._restarter = _Restarter(self, callback, interval)
            self._restarter.start()

    def stop_restarter(self):
        if self._restarter is not None:
            self._restarter.stop()
            if self._restarter is not threading.current_thread():
                self._restarter.join(5)
            self._restarter = None

    def __enter__(self):
        if not self.has_kernel:
            self.start_kernel()
        return self

    def __exit__(self, *exc):
        self.shutdown_kernel(now=True)


class _Restarter(threading.Thread):
    def __init__(self, manager, callback, interval):
        super().__init__(daemon=True, name="ipylite-restarter")
        self.manager, self.callback, self.interval = manager, callback, interval
        self._stop_event = threading.Event()

    def stop(self):
        self._stop_event.set()

    def _tell(self, what):
        if self.callback:
            try:
                self.callback(what)
            except Exception:
                log.exception("restart callback failed")

    def run(self):
        quick_deaths, last_start = 0, time.monotonic()
        while not self._stop_event.wait(self.interval):
            km = self.manager
            with km._lock:
                if self._stop_event.is_set() or km.kernel is None or km.is_alive():
                    continue
                code = km.kernel.returncode
                quick_deaths = quick_deaths + 1 if time.monotonic() - last_start < 10 else 1
                if quick_deaths > km.restart_limit:
                    log.error("kernel died %d times in a row; not restarting", quick_deaths - 1)
                    self._tell("dead")
                    return
                log.warning("kernel died (exit code %s); starting a new one", code)
                self._tell("died")
                km.start_kernel()
                last_start = time.monotonic()
            self._tell("restarted")
