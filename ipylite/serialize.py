"""What ipylite.parallel puts on the wire: signed frames and pickles that carry code.

Wire layout of one message (after any routing identities)::

    [packed, buffer, ...]     packed = <u16 len(sig)><u32 len(head)> sig head payload

(a ROUTER socket adds the peer's identity in front). ``head`` is a small pickled dict
(``t`` the message type, ``id`` the message id, ``n`` a nonce unique to this message,
and whatever the type needs); ``payload`` is a pickle (protocol 5) or empty; the buffers
are the pickle's out-of-band buffers (numpy arrays, large bytes), one zmq frame each,
sent and received without copying. ``signature`` is the hex HMAC-SHA256 (the
protocol.Session key) of ``head`` and ``payload``; it is checked, and replays are
refused, before anything is unpickled. Out-of-band buffers are raw data handed to a
signed pickle's reconstructors, never code, so they are not hashed: hashing 100 MiB
would cost more than moving it.

Pickling by value: functions, lambdas, closures and classes that cannot be found by
name on the other side (defined in ``__main__``, at an ipylite prompt, or nested) travel
as their code (``marshal``, so both sides must run the same Python minor version),
referenced globals, defaults and closure cells. Everything importable goes by reference.
A function defined in ``__main__`` runs with the receiving side's namespace as its
globals (on an engine: the engine's user namespace), as in ipyparallel; the globals it
referenced on the sending side fill in only names the receiver does not define. A
function sent by value from another module keeps the globals it referenced, and looks
up any other name in the receiver's namespace.
"""

import builtins
import collections
import copyreg
import hmac
import importlib
import io
import itertools
import logging
import marshal
import os
import pickle
import struct
import sys
import types
import uuid
import weakref

from .protocol import ProtocolError

log = logging.getLogger("ipylite.parallel")

PROTOCOL = 5
OOB_MIN = 4096          # buffers smaller than this stay inside the pickle
_PYVER = sys.version_info[:2]


# --------------------------------------------------------------------- the wire

_LEN = struct.Struct("<HI")
BATCH = b"*"        # first frame of a batch: the next frame holds packed messages
_BLEN = struct.Struct("<I")


class Wire:
    """Signs, sends, receives and verifies messages with a protocol.Session's key.

    Hot path: one send/recv call per frame with plain int flags (pyzmq's multipart
    helpers cost several microseconds per frame more), small frames copied, buffers not.
    """

    history = 1 << 16

    def __init__(self, session):
        import zmq
        self.session = session
        self.signed = bool(session.key)
        # every message carries its own nonce, so two identical messages (the same
        # output line twice, two clients' disconnects) have different signatures
        # and the replay guard refuses only true replays
        self._nonce = itertools.count(int.from_bytes(os.urandom(8), "little") << 24)
        self._seen = set()
        self._order = collections.deque()
        self.SNDMORE = int(zmq.SNDMORE)
        self.RCVMORE = int(zmq.RCVMORE)
        self.NOBLOCK = int(zmq.NOBLOCK)
        self.EVENTS = int(zmq.EVENTS)
        self.POLLIN = int(zmq.POLLIN)

    def pending(self, sock):
        """True when a message is waiting (cheaper than a failing non-blocking recv)."""
        return sock.get(self.EVENTS) & self.POLLIN

    def sign(self, h, payload):
        """session.sign((h, payload)), with a one-shot C call for small messages."""
        key = self.session.key
        if not key:
            return b""
        if len(payload) < 65536:
            return hmac.digest(key, b"".join((h, payload)), "sha256").hex().encode()
        return self.session.sign((h, payload))

    def pack(self, head, payload=b""):
        head["n"] = next(self._nonce)
        h = pickle.dumps(head, PROTOCOL)
        sig = self.sign(h, payload)
        return b"".join((_LEN.pack(len(sig), len(h)), sig, h, payload))

    def send(self, sock, head, payload=b"", buffers=(), ident=None):
        self.send_packed(sock, self.pack(head, payload), buffers, ident)

    def send_packed(self, sock, packed, buffers=(), ident=None):
        more = self.SNDMORE
        if ident is not None:
            sock.send(ident, more)
        if not buffers:
            sock.send(packed)
            return
        sock.send(packed, more)
        last = len(buffers) - 1
        for i, b in enumerate(buffers):
            sock.send(b, 0 if i == last else more, copy=False)

    def send_batch(self, sock, packed_list, ident=None):
        """Several packed messages (without buffers) in one zmq message: [BATCH, one
        frame of the messages, each after its 4-byte length] (one frame, not one per
        message: a zmq frame costs more than splitting them again)."""
        if ident is not None:
            sock.send(ident, self.SNDMORE)
        sock.send(BATCH, self.SNDMORE)
        pack = _BLEN.pack
        sock.send(b"".join([x for p in packed_list for x in (pack(len(p)), p)]))

    def send_gathered(self, sock, packed_list, ident=None):
        """Packed messages gathered for one peer: alone as itself, several as a batch."""
        if len(packed_list) == 1:
            self.send_packed(sock, packed_list[0], (), ident)
        else:
            self.send_batch(sock, packed_list, ident)

    @staticmethod
    def split_batch(frame):
        """The packed messages of a batch frame (see send_batch)."""
        out = []
        i, n = 0, len(frame)
        unpack = _BLEN.unpack_from
        while i + 4 <= n:
            ln, = unpack(frame, i)
            i += 4
            if i + ln > n:
                break                   # (truncated: the rest is dropped)
            out.append(frame[i:i + ln])
            i += ln
        return out

    def recv(self, sock, router=False, flags=0):
        """The raw frames of one message: (identity or None, packed bytes, [buffer frames]).
        For a batch, packed is BATCH and the list holds the packed messages (bytes)."""
        first = sock.recv(flags)
        rcvmore = self.RCVMORE
        ident = None
        if router:
            ident = first
            first = sock.recv() if sock.get(rcvmore) else b""
        bufs = []
        if first == BATCH:
            while sock.get(rcvmore):
                bufs.extend(self.split_batch(sock.recv()))
            return ident, first, bufs
        while sock.get(rcvmore):
            bufs.append(sock.recv(copy=False))
        return ident, first, bufs

    def unpack(self, packed):
        """Verify a packed frame (signature, then replay); returns (head, payload view)."""
        n = _LEN.size
        if len(packed) < n:
            raise ProtocolError("Malformed message: too short")
        ls, lh = _LEN.unpack_from(packed)
        if n + ls + lh > len(packed):
            raise ProtocolError("Malformed message: lengths do not match its size")
        view = memoryview(packed)
        sig = packed[n:n + ls]
        h = view[n + ls:n + ls + lh]
        payload = view[n + ls + lh:]
        if self.signed:
            if not sig:
                raise ProtocolError("Unsigned message (this cluster requires a signature)")
            if not hmac.compare_digest(sig, self.sign(h, payload)):
                raise ProtocolError("Invalid Signature: %r" % sig[:16])
            if sig in self._seen:
                raise ProtocolError("Duplicate Signature: %r (a replayed message)" % sig[:16])
            self._seen.add(sig)
            self._order.append(sig)
            if len(self._order) > self.history:
                self._seen.discard(self._order.popleft())
        try:
            head = pickle.loads(h)
        except Exception as e:
            raise ProtocolError(f"Malformed message: bad head ({e})") from None
        if not isinstance(head, dict) or "t" not in head:
            raise ProtocolError("Malformed message: head has no type")
        return head, payload

    @staticmethod
    def payload_of(packed):
        ls, lh = _LEN.unpack_from(packed)
        return memoryview(packed)[_LEN.size + ls + lh:]


# ------------------------------------------------------------- pickling by value

_classes = weakref.WeakValueDictionary()      # token -> class rebuilt here
_tokens = weakref.WeakKeyDictionary()          # class -> token, for classes sent by value
_namespace = None                              # globals for __main__ functions received


def set_namespace(ns):
    """Where functions from a sender's ``__main__`` find their globals (engines: user_ns)."""
    global _namespace
    _namespace = ns


def main_ns():
    """The namespace received functions from a sender's __main__ run in."""
    if _namespace is not None:
        return _namespace
    return sys.modules["__main__"].__dict__


def _lookup(module, qualname):
    mod = sys.modules.get(module)
    if mod is None:
        return None
    obj = mod
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _by_reference(obj):
    module = getattr(obj, "__module__", None)
    if not module or module == "__main__" or module.startswith("__ipylite"):
        return False
    try:
        return _lookup(module, obj.__qualname__) is obj
    except Exception:
        return False


def _code_names(code, out):
    out.update(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code_names(c, out)
    return out


class _Globals(dict):
    """Globals of a function sent by value from a module other than __main__: the
    globals it referenced, then the receiving side's namespace (an engine's user_ns)."""

    def __missing__(self, key):
        return main_ns()[key]


def _make_function(code_bytes, pyver, name, qualname, module, ncells):
    if tuple(pyver) != _PYVER:
        raise pickle.UnpicklingError(
            "function %s was sent from Python %d.%d; this is Python %d.%d: code objects "
            "only travel between the same versions" % (qualname, *pyver, *_PYVER))
    code = marshal.loads(code_bytes)
    if module == "__main__":
        g = main_ns()
    else:
        g = _Globals(__builtins__=builtins, __name__=module)
    cells = tuple(types.CellType() for _ in range(ncells)) or None
    f = types.FunctionType(code, g, name, None, cells)
    f.__qualname__ = qualname
    f.__module__ = module
    return f


def _fill_function(f, state):
    g_values, defaults, kwdefaults, cells, fdict, doc = state
    g = f.__globals__
    for k, v in g_values.items():
        g.setdefault(k, v)
    f.__defaults__ = defaults
    f.__kwdefaults__ = kwdefaults
    f.__doc__ = doc
    if fdict:
        f.__dict__.update(fdict)
    for cell, (full, value) in zip(f.__closure__ or (), cells):
        if full:
            cell.cell_contents = value
    return f


_known = None       # during dumps(): known(name, value) is True when the receiver has it
_sent = None        # during dumps(): the (name, value) globals pickled by value


def _reduce_function(f):
    g = f.__globals__
    names = _code_names(f.__code__, set())
    g_values = {n: g[n] for n in names if n in g and n != "__builtins__"}
    if f.__module__ == "__main__" and (_known is not None or _sent is not None):
        # the receiver's own names win (see _fill_function): a global it is known to
        # hold already (pushed, or sent with an earlier function) is not sent again
        if _known is not None:
            g_values = {n: v for n, v in g_values.items() if not _known(n, v)}
        if _sent is not None:
            _sent.extend(g_values.items())
    cells = []
    for c in f.__closure__ or ():
        try:
            cells.append((True, c.cell_contents))
        except ValueError:
            cells.append((False, None))
    state = (g_values, f.__defaults__, f.__kwdefaults__, cells, dict(f.__dict__), f.__doc__)
    return (_make_function,
            (marshal.dumps(f.__code__), _PYVER, f.__name__, f.__qualname__,
             f.__module__, len(f.__closure__ or ())),
            state, None, None, _fill_function)


_SKIP_ATTRS = {"__dict__", "__weakref__"}


def _make_class(token, metaclass, name, bases, qualname, module):
    cls = _classes.get(token)
    if cls is not None:
        return cls
    cls = metaclass(name, bases, {"__module__": module, "__qualname__": qualname})
    _classes[token] = cls
    _tokens[cls] = token
    if module == "__main__":
        main_ns().setdefault(name, cls)
    return cls


def _fill_class(cls, state):
    if getattr(cls, "_ipylite_filled", False):
        return cls
    for k, v in state.items():
        setattr(cls, k, v)
    type.__setattr__(cls, "_ipylite_filled", True)
    return cls


def _reduce_class(cls):
    token = _tokens.get(cls)
    if token is None:
        token = uuid.uuid4().hex
        try:
            _tokens[cls] = token
        except TypeError:
            pass
    state = {}
    for k, v in vars(cls).items():
        if k in _SKIP_ATTRS or k in ("__module__", "__qualname__", "_ipylite_filled"):
            continue
        if k == "__slots__":
            continue
        if isinstance(v, (types.MemberDescriptorType, types.GetSetDescriptorType)):
            continue
        state[k] = v
    return (_make_class, (token, type(cls), cls.__name__, cls.__bases__, cls.__qualname__,
                          cls.__module__), state, None, None, _fill_class)


def _import(name):
    return importlib.import_module(name)


class Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        t = type(obj)
        if t is types.FunctionType:
            if _by_reference(obj):
                return NotImplemented
            return _reduce_function(obj)
        if t is types.ModuleType:
            return _import, (obj.__name__,)
        if isinstance(obj, type) and t is type and not _by_reference(obj):
            if obj.__module__ == "builtins":
                return NotImplemented
            return _reduce_class(obj)
        return NotImplemented


copyreg.pickle(types.CodeType, lambda c: (marshal.loads, (marshal.dumps(c),)))


_pickler = None                     # None: ours; else dill's or cloudpickle's Pickler
_unpickler = pickle.Unpickler       # dill's reads dill's pickles (and everyone else's)
SERIALIZERS = ("pickle", "dill", "cloudpickle")


def use(name):
    """Pickle with ``name``: "pickle" (ours: code by value, everything else by
    reference), "dill" or "cloudpickle" (they also pickle what ours cannot, such as a
    closure over an open file). Both sides need it installed to read it."""
    global _pickler, _unpickler
    if name not in SERIALIZERS:
        raise ValueError(f"serializer must be one of {', '.join(SERIALIZERS)}, not {name!r}")
    if name == "pickle":
        _pickler, _unpickler = None, pickle.Unpickler
        return name
    try:
        mod = importlib.import_module(name)
    except ImportError:
        raise ImportError(f"use_{name}() needs {name}: pip install {name}") from None
    _pickler = mod.Pickler
    _unpickler = mod.Unpickler if name == "dill" else pickle.Unpickler
    return name


def serializer():
    return "pickle" if _pickler is None else _pickler.__module__.partition(".")[0]


def dumps(obj, known=None, sent=None):
    """Pickle ``obj``: (payload bytes, [out-of-band buffers]). ``known(name, value)``
    says the receiver already holds that global of a __main__ function (it is then
    left out); ``sent``, a list, receives the (name, value) globals that were put in."""
    global _known, _sent
    if known is not None or sent is not None:
        _known, _sent = known, sent
        try:
            return dumps(obj)
        finally:
            _known = _sent = None
    buffers = []

    def oob(pb):
        raw = pb.raw()
        if raw.nbytes < OOB_MIN:
            return True
        buffers.append(raw)
        return False

    f = io.BytesIO()
    (_pickler or Pickler)(f, PROTOCOL, buffer_callback=oob).dump(obj)
    return f.getvalue(), buffers


def _writable(frame):
    """A writable view of a received zmq frame's memory, without copying it."""
    buf = frame.buffer if hasattr(frame, "buffer") else frame
    if not isinstance(buf, memoryview) or not buf.readonly:
        return buf
    if buf.nbytes < (1 << 16):
        return bytearray(buf)
    np = sys.modules.get("numpy")
    if np is None:
        return buf
    arr = np.frombuffer(buf, np.uint8)

    class _Holder:          # keeps the frame alive for as long as the array lives
        __array_interface__ = {"shape": (buf.nbytes,), "typestr": "|u1",
                               "data": (arr.__array_interface__["data"][0], False),
                               "version": 3}
    holder = _Holder()
    holder.frame = frame
    return memoryview(np.asarray(holder))


def loads(payload, buffers=()):
    bufs = [_writable(b) for b in buffers]
    if _unpickler is pickle.Unpickler:
        return pickle.loads(payload, buffers=bufs)
    return _unpickler(io.BytesIO(payload), buffers=bufs).load()
