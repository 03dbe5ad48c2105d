"""The kernel process: a Shell behind the five Jupyter channels.

    python -m ipylite.kernel -f CONNECTION_FILE      run a kernel (what kernelspecs do)
    python -m ipylite.kernel install [--user | --prefix P] [--name N]

Threads: the main thread receives shell requests and runs the user's code (so SIGINT
raises KeyboardInterrupt in the running cell); the control thread answers shutdown,
interrupt and kernel_info even while a cell runs; the iopub thread owns the iopub socket
and sends everything that other threads queue for it, flushing batched stream output on
a timer; the heartbeat thread echoes pings. Request handlers are methods named after
the message type (``execute_request``) and leave the work to ``Shell``.
"""

import builtins
import collections
import io
import logging
import os
import signal
import sys
import threading
import time

from . import __version__
from .protocol import Session, ProtocolError, PROTOCOL_VERSION, \
    read_connection_file, write_connection_file, install_kernel_spec, \
    request_problem, WakePipe, import_zmq as _zmq
from .display import DisplayPublisher

log = logging.getLogger("ipylite.kernel")

SHELL_HANDLERS = frozenset((
    "execute_request", "complete_request", "inspect_request", "history_request",
    "is_complete_request", "kernel_info_request", "comm_info_request", "comm_open",
    "comm_msg", "comm_close", "shutdown_request"))
CONTROL_HANDLERS = frozenset(("shutdown_request", "interrupt_request", "kernel_info_request"))


class StdinNotImplementedError(RuntimeError):
    """input() was called but the frontend does not accept input requests."""


def _block_sigint():
    """For the kernel's own threads: leave SIGINT to the main thread. A process-directed
    signal goes to any thread that does not block it, and one that lands elsewhere wakes
    neither a main thread blocked in C (input's poll, time.sleep) nor the cell."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def capture_fds(stdout, stderr):
    """Send what C code and child processes write to file descriptors 1 and 2
    (os.system, a library's printf) to the kernel streams ``stdout`` and ``stderr``;
    returns the pipes' read ends. The process's log keeps the original stderr."""
    original_err = os.dup(2)
    pipes = []
    for fd, stream in ((1, stdout), (2, stderr)):
        r, w = os.pipe()
        pipes.append(r)
        os.dup2(w, fd)
        os.close(w)
        threading.Thread(target=_pump_fd, args=(r, stream), daemon=True,
                         name=f"ipylite-fd{fd}").start()
    log_stream = os.fdopen(original_err, "w", buffering=1)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(log_stream)
    return pipes


def _pump_fd(fd, stream):
    """Copy what arrives on the pipe ``fd`` to the kernel stream ``stream``."""
    import codecs
    _block_sigint()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        stream.write(decoder.decode(data))


# ------------------------------------------------------------------------- iopub

class IOPubThread(threading.Thread):
    """Owns the iopub socket. ``send(msg)`` from any thread queues a message; the
    thread serializes and sends it. Streams registered here are flushed when their
    deadline passes. On an XPUB socket, each new subscriber gets an iopub_welcome.

    Until the first subscriber arrives (for up to HOLD_SECONDS after start, and at most
    HOLD_BYTES) messages are held, then sent to it: a client that shows its prompt once
    the shell channel answers (jupyter console) would otherwise lose a first cell's
    output and its idle status to its SUB socket's reconnect timer, and wait forever.

    Memory stays bounded whoever publishes and whoever reads: a thread that queues
    more than MAX_QUEUED bytes waits for this thread to catch up, as a writer to a full
    pipe does. A subscriber that reads slowly is waited for (XPUB_NODROP), not silently
    skipped as a PUB socket does at its high-water mark: a lost idle status left
    clients waiting forever. While more than BACKLOG messages wait here, outputs that
    do not fit are dropped and counted, and a stderr line says so before the request's
    next status (as Jupyter Server's rate limit does).

    A subscriber that reads nothing for STALL_SECONDS (a client that never reads iopub)
    is cut off: one send without XPUB_NODROP fails on its full pipe, which makes ZeroMQ
    set that pipe aside until its reader drains it, and XPUB_NODROP is back on for the
    next message. Every subscriber that reads (whose pipe has room after those seconds
    without a send) keeps its flow control and loses nothing; the stalled one gets
    messages again once it reads."""

    HOLD_SECONDS = 10.0
    HOLD_BYTES = 16 << 20
    MAX_QUEUED = 32 << 20
    SNDHWM = 1000
    BACKLOG = 10000
    STALL_SECONDS = 5.0
    OUTPUTS = ("stream", "display_data", "execute_result", "update_display_data")

    def __init__(self, context, session, url):
        super().__init__(daemon=True, name="ipylite-iopub")
        zmq = _zmq()
        self.session = session
        self.socket = context.socket(zmq.XPUB)
        self.socket.linger = 1000
        self.socket.sndhwm = self.SNDHWM
        self.socket.setsockopt(zmq.XPUB_VERBOSE, 1)
        self.socket.setsockopt(zmq.XPUB_NODROP, 1)
        self._dropped = {}         # request msg_id -> outputs dropped, not yet told
        self._blocked_since = None  # when a send last found a full pipe, until one goes
        self.port = bind(self.socket, url)
        self._queue = collections.deque()   # (msg, size)
        self._queued = 0                    # their sizes' sum, under _room
        self._room = threading.Condition()
        self._wakeup = WakePipe()
        self.streams = []
        self.outputs = 0
        self._stopping = False
        self._held, self._held_bytes = collections.deque(), 0
        self._hold_until = time.monotonic() + self.HOLD_SECONDS

    def send(self, msg):
        size = 0
        if isinstance(msg, dict):
            size = message_size(msg)
            if msg["msg_type"] not in ("status", "execute_input"):
                self.outputs += 1   # (a count that only needs to change: see sync())
        with self._room:
            self._queue.append((msg, size))
            self._queued += size
            full = self._queued > self.MAX_QUEUED and threading.current_thread() is not self
        self._wakeup.wake()
        if full:   # publishing faster than we send: wait, as a writer to a full pipe does
            with self._room:
                while self._queued > self.MAX_QUEUED and self.is_alive() and \
                        not self._stopping:
                    self._room.wait(0.1)

    def wake(self):
        self._wakeup.wake()

    def sync(self, timeout=10.0):
        """Return once every message queued before this call is on the socket. The
        kernel calls it before the reply of a cell that had output, so the output leaves
        before the reply does, as with ipykernel; some clients (qtconsole) count on
        that order. (It costs ~0.3 ms, so cells without output skip it.)"""
        if threading.current_thread() is self or not self.is_alive():
            return
        done = threading.Event()
        self.send(done)
        done.wait(timeout)

    def run(self):
        _block_sigint()
        zmq = _zmq()
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        poller.register(self._wakeup.fileno(), zmq.POLLIN)
        while True:
            deadlines = [s.deadline for s in self.streams if s.deadline]
            timeout = None
            if deadlines:
                timeout = max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)
            events = dict(poller.poll(timeout))
            if self._wakeup.fileno() in events:
                self._wakeup.drain()
            if self.socket in events:
                self._subscriptions()
            now = time.monotonic()
            for s in self.streams:
                if s.deadline and s.deadline <= now:
                    s.flush(wait=False)   # (a writer flushing it may wait for _drain)
            self._drain()
            if self._stopping:
                self._wakeup.close()
                return

    def _drain(self):
        q = self._queue
        while q:
            msg, size = q.popleft()
            if size:
                with self._room:
                    self._queued -= size
                    if self._queued <= self.MAX_QUEUED:
                        self._room.notify_all()
            if isinstance(msg, threading.Event):  # see sync()
                msg.set()
                continue
            if self._hold_until:
                if time.monotonic() < self._hold_until:
                    self._hold(msg)
                    continue
                self._release(send=False)   # nobody came: stop holding
            self._send(msg)

    def _send(self, msg, droppable=True):
        parent = (msg.get("parent_header") or {}).get("msg_id")
        output = droppable and msg.get("msg_type") in self.OUTPUTS
        if not output and parent in self._dropped:
            n = self._dropped.pop(parent)
            self._send(self.session.msg("stream", {"name": "stderr", "text": (
                "[%d output message%s dropped: the client did not read them fast enough]\n"
                % (n, "" if n == 1 else "s"))}, parent=msg["parent_header"]), droppable=False)
        zmq = _zmq()
        while True:
            try:
                self.session.send(self.socket, msg, flags=zmq.NOBLOCK)
                self._blocked_since = None
                return
            except zmq.Again:
                pass
            except Exception:
                log.exception("could not send %s on iopub", msg.get("msg_type"))
                return
            now = time.monotonic()
            self._blocked_since = self._blocked_since or now    # (across dropped outputs)
            if now - self._blocked_since > self.STALL_SECONDS:
                self._cut_off_stalled(msg)
                return
            if output and len(self._queue) > self.BACKLOG:
                self._dropped[parent] = self._dropped.get(parent, 0) + 1
                return
            if self._stopping:
                return
            time.sleep(0.002)

    def _cut_off_stalled(self, msg):
        """Send ``msg`` once without XPUB_NODROP: ZeroMQ writes it to every pipe with
        room and sets aside each full one (until its reader drains it), so the next
        sends wait only for the subscribers that read."""
        zmq = _zmq()
        log.warning("an iopub subscriber has read nothing for %gs; sending without it until "
                    "it reads", self.STALL_SECONDS)
        self.socket.setsockopt(zmq.XPUB_NODROP, 0)
        try:
            self.session.send(self.socket, msg, flags=zmq.NOBLOCK)
        except Exception:
            log.exception("could not send %s on iopub", msg.get("msg_type"))
        finally:
            self.socket.setsockopt(zmq.XPUB_NODROP, 1)
            self._blocked_since = None

    def _hold(self, msg):
        size = message_size(msg)
        self._held.append((msg, size))
        self._held_bytes += size
        while self._held_bytes > self.HOLD_BYTES and len(self._held) > 1:
            self._held_bytes -= self._held.popleft()[1]

    def _release(self, send=True):
        self._hold_until = 0
        held, self._held, self._held_bytes = self._held, collections.deque(), 0
        for msg, _ in held if send else ():
            self._send(msg)

    def _subscriptions(self):
        zmq = _zmq()
        while True:
            try:
                frame = self.socket.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if frame[:1] == b"\x01":  # a new subscriber: welcome it before anything else
                topic = frame[1:].decode("utf8", "replace")
                self._send(self.session.msg("iopub_welcome", {"subscription": topic}),
                           droppable=False)
                if self._hold_until:
                    self._release()

    def stop(self, timeout=2.0):
        self._stopping = True
        self.wake()
        self.join(timeout)


def message_size(msg):
    """About how many bytes ``msg`` holds: its text, its data's strings, its buffers."""
    content = msg.get("content")
    size = 256
    if isinstance(content, dict):
        data = content.get("data")
        for v in (content.get("text"), *(data.values() if isinstance(data, dict) else ())):
            if isinstance(v, (str, bytes)):
                size += len(v)
    for b in msg.get("buffers") or ():
        try:
            size += memoryview(b).nbytes
        except TypeError:
            pass
    return size


class OutStream(io.TextIOBase):
    """sys.stdout / sys.stderr of the kernel: text is gathered and sent as one stream
    message per burst. The first write after a quiet spell goes out within
    ``first_delay``; within a burst, at most every ``interval`` seconds.

    write() is the hot path of a printing loop: it appends to a deque (safe from any
    thread without a lock) and takes the lock only to schedule a flush.

    Bounded: between two flushes the stream holds at most ``max_buffer`` characters
    (and ``8 * max_parts`` pieces). A flood beyond that (``yes`` in a child process
    writes hundreds of MB/s) is dropped, and the next message says how much was: a
    stream sends at most ``max_buffer`` characters per ``interval`` (about 20 M a
    second), merged into messages of up to ``max_message``. One write of
    ``max_buffer`` or more (``print(huge_string)``) is sent whole, from the writer's
    thread, which waits if the iopub queue is full."""

    first_delay = 0.002
    interval = 0.05
    max_parts = 1 << 16       # pieces buffered before an early flush
    max_buffer = 1 << 20      # characters held between flushes; beyond, dropped
    max_message = 1 << 16     # characters per stream message

    def __init__(self, kernel, name):
        self.kernel, self.name = kernel, name
        self._buf = collections.deque()
        self._size = 0            # characters in _buf (recounted at each flush)
        self._dropped = 0         # characters dropped since the last flush
        self._lock = threading.Lock()
        self.deadline = None
        self._last_flush = 0.0

    encoding = "utf-8"
    errors = "strict"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        raise io.UnsupportedOperation("kernel output streams have no file descriptor")

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        n = len(text)
        if not n:
            return 0
        if n >= self.max_buffer:
            self._send_now(text)
        elif self._size >= self.max_buffer or len(self._buf) >= 8 * self.max_parts:
            with self._lock:     # written faster than sent: drop, and say so later
                self._dropped += n
            if self.deadline is None:
                self._schedule()
        else:
            self._buf.append(text)
            self._size += n
            if self.deadline is None or len(self._buf) > self.max_parts:
                self._schedule()
        return n

    def _schedule(self):
        with self._lock:
            now = time.monotonic()
            if len(self._buf) > self.max_parts:
                self.deadline = now
            elif self.deadline is None:
                self.deadline = max(now + self.first_delay, self._last_flush + self.interval)
            else:
                return
        self.kernel.iopub.wake()

    def flush(self, wait=True):
        """Queue what is buffered as stream messages (from any thread; with
        ``wait=False`` not if another thread is at it)."""
        if not self._lock.acquire(wait):
            return
        try:
            self._flush_locked()
        finally:
            self._lock.release()

    def _send_now(self, text):
        with self._lock:
            self._flush_locked(text)

    def _flush_locked(self, extra=""):
        self.deadline = None  # before counting: a write after this schedules anew
        buf = self._buf
        n = len(buf)
        if not (n or extra or self._dropped):
            return
        text = "".join([buf.popleft() for _ in range(n)])
        self._size = sum(map(len, buf))   # what was written meanwhile
        if self._dropped:
            text += (f"\n[ipylite: {self._dropped:,} characters of {self.name} dropped: "
                     f"written faster than the kernel sends output]\n")
            self._dropped = 0
        text += extra
        self._last_flush = time.monotonic()
        # slices keep a client's event loop responsive and the socket's queue small
        step = self.max_message if text.isascii() else self.max_message // 4
        for i in range(0, len(text), step):
            self.kernel.publish("stream", {"name": self.name, "text": text[i:i + step]})


class KernelDisplayPublisher(DisplayPublisher):
    """Sends the shell's displays, results and errors as iopub messages."""

    def __init__(self, kernel):
        self.kernel = kernel

    def _send(self, msg_type, content):
        self.kernel.flush_streams()
        self.kernel.publish(msg_type, content)

    def publish(self, data, metadata=None, transient=None, update=False):
        self._send("update_display_data" if update else "display_data",
                   {"data": data, "metadata": metadata or {}, "transient": transient or {}})

    def clear_output(self, wait=False):
        self._send("clear_output", {"wait": bool(wait)})

    def execute_result(self, execution_count, data, metadata):
        self._send("execute_result", {"execution_count": execution_count, "data": data,
                                      "metadata": metadata or {}})

    def error(self, content):
        self._send("error", content)


# ------------------------------------------------------------------------- comms

class Comm:
    """One end of a comm channel; the kernel's end of a frontend widget, say."""

    def __init__(self, target_name="", data=None, metadata=None, buffers=None,
                 comm_id=None, kernel=None, primary=True, target_module=None, **_ignored):
        import uuid
        self.kernel = kernel or Kernel.instance
        self.comm_id = comm_id or uuid.uuid4().hex
        self.target_name, self.target_module, self.primary = target_name, target_module, primary
        self._msg_callback = self._close_callback = None
        self._closed = False
        self.kernel.comm_manager.comms[self.comm_id] = self
        if primary:
            self._publish("comm_open", data, metadata, buffers, target_name=target_name)

    def _publish(self, msg_type, data, metadata, buffers, **content):
        content.update(comm_id=self.comm_id, data=data or {})
        self.kernel.publish(msg_type, content, metadata=metadata, buffers=buffers)

    def send(self, data=None, metadata=None, buffers=None):
        self._publish("comm_msg", data, metadata, buffers)

    def close(self, data=None, metadata=None, buffers=None, deleting=False):
        if self._closed:
            return
        self._closed = True
        self.kernel.comm_manager.comms.pop(self.comm_id, None)
        if not deleting:
            self._publish("comm_close", data, metadata, buffers)

    def on_msg(self, callback):
        self._msg_callback = callback

    def on_close(self, callback):
        self._close_callback = callback


class CommManager:
    def __init__(self, kernel):
        self.kernel = kernel
        self.comms = {}
        self.targets = {}

    def register_target(self, target_name, callback):
        """``callback(comm, open_msg)`` runs when a frontend opens a comm to the target."""
        self.targets[target_name] = callback

    def unregister_target(self, target_name, callback=None):
        self.targets.pop(target_name, None)

    # the `comm` package's CommManager API, used by ipywidgets and friends
    def register_comm(self, comm):
        self.comms[comm.comm_id] = comm
        return comm.comm_id

    def unregister_comm(self, comm):
        self.comms.pop(comm.comm_id, None)

    def get_comm(self, comm_id):
        return self.comms.get(comm_id)

    def install(self):
        """Make the `comm` package (ipywidgets' way to reach a kernel) create our Comms
        and use this manager, as ipykernel does; nothing happens without the package."""
        import importlib.util
        if importlib.util.find_spec("comm") is None:
            return
        import comm
        comm.create_comm = lambda *args, **kw: Comm(*args, kernel=self.kernel, **kw)
        comm.get_comm_manager = lambda: self

    def comm_open(self, msg):
        c = msg["content"]
        comm = Comm(c.get("target_name", ""), comm_id=c["comm_id"], kernel=self.kernel,
                    primary=False)
        callback = self.targets.get(comm.target_name)
        if callback is None:
            log.warning("no comm target %r registered; closing the comm", comm.target_name)
            comm.close()
            return
        callback(comm, msg)

    def comm_msg(self, msg):
        comm = self.comms.get(msg["content"].get("comm_id"))
        if comm is None:
            log.warning("message for unknown comm %s", msg["content"].get("comm_id"))
        elif comm._msg_callback:
            events = getattr(self.kernel.shell, "events", None)
            if events is not None:     # as ipykernel does: e.g. matplotlib redraws after
                events.trigger("pre_execute")
            comm._msg_callback(msg)
            if events is not None:
                events.trigger("post_execute")

    def comm_close(self, msg):
        comm = self.comms.get(msg["content"].get("comm_id"))
        if comm is not None:
            comm.close(deleting=True)
            if comm._close_callback:
                comm._close_callback(msg)


# ------------------------------------------------------------------------ kernel

def kernel_info():
    """The content of our kernel_info_reply."""
    v = sys.version_info
    return {"status": "ok", "protocol_version": PROTOCOL_VERSION,
            "implementation": "ipylite", "implementation_version": __version__,
            "language_info": {
                "name": "python", "version": "%d.%d.%d" % v[:3],
                "mimetype": "text/x-python", "file_extension": ".py",
                "pygments_lexer": "ipython3", "codemirror_mode":
                    {"name": "ipython", "version": 3},
                "nbconvert_exporter": "python"},
            "banner": f"ipylite {__version__} on Python {sys.version.split()[0]}",
            "help_links": [{"text": "Python", "url": "https://docs.python.org/3/"}],
            "debugger": False}


def _unreadable(channel, error):
    """The request a ProtocolError came from, as far as it can be told (its header,
    and what was wrong as ``unreadable``), or None after a warning."""
    if error.header is None:
        log.warning("dropped a bad message on %s: %s", channel, error)
        return None
    header = error.header
    return {"header": header, "msg_id": header.get("msg_id"), "msg_type": header["msg_type"],
            "parent_header": {}, "metadata": {}, "content": None, "buffers": [],
            "unreadable": str(error)}


def bind(sock, url):
    """Bind to ``url``; a tcp port of 0 picks a free one. Returns the port."""
    if url.startswith("tcp://") and url.endswith(":0"):
        return sock.bind_to_random_port(url[:-2])
    sock.bind(url)
    return int(url.rsplit(":", 1)[1]) if url.startswith("tcp://") else url.rsplit("-", 1)[1]


class StdinChannel:
    """The kernel's stdin channel, mixed into :class:`Kernel`: ``input()`` and
    ``getpass()`` in user code become an input_request to the client of the running
    request (refused when it said allow_stdin=False)."""

    def _input(self, prompt="", password=False):
        if not self._allow_stdin:
            raise StdinNotImplementedError(
                "input() was called, but this frontend does not support input requests")
        self.flush_streams()
        value = self._request_input(str(prompt), password)
        if value == "\x04":  # Ctrl-D in a terminal frontend
            raise EOFError("input cancelled")
        return value

    def _request_input(self, prompt, password):
        """Send input_request on stdin to the client of the running request; wait."""
        zmq = _zmq()
        sock = self.sockets["stdin"]
        while True:  # drop stale replies from an earlier, interrupted request
            try:
                if self.session.recv(sock, zmq.NOBLOCK)[1] is None:
                    break
            except ProtocolError:
                continue
        self.session.send(sock, "input_request", {"prompt": prompt, "password": password},
                          self.parent, ident=self._parent_idents)
        while True:
            # KeyboardInterrupt (from an interrupt) escapes here, as it should; the
            # timeout returns to Python now and then in case the signal reached a thread
            # the kernel did not start (its handler runs only on the main thread)
            if not sock.poll(100):
                continue
            try:
                _, reply = self.session.recv(sock, zmq.NOBLOCK)
            except ProtocolError as e:
                log.warning("dropped a bad message on stdin: %s", e)
                continue
            if reply is not None and reply["msg_type"] == "input_reply":
                return reply["content"].get("value", "")

    def _getpass(self, prompt="Password: ", stream=None):
        return self._input(prompt, password=True)


class Kernel(StdinChannel):
    """Runs a :class:`Shell` behind the Jupyter channels described by ``info``."""

    instance = None
    implementation = "ipylite"
    kernel_info = staticmethod(kernel_info)
    _backlog = ()     # shell requests read off the socket when a cell failed: handled next
    _aborting = frozenset()     # ids of the execute_requests among them (answered "aborted")

    def __init__(self, info, shell=None, user_ns=None, profile="default", overrides=()):
        Kernel.instance = self
        self.info = info
        self.session = Session(key=info.get("key", ""))
        self._init_transport(info)
        self.stdout = OutStream(self, "stdout")
        self.stderr = OutStream(self, "stderr")
        self.iopub.streams = [self.stdout, self.stderr]
        self.parent = {}          # the request being handled: parent of what we publish
        self._parent_idents = []
        self.comm_manager = CommManager(self)
        if shell is None:  # Jupyter frontends render ANSI colours, as with ipykernel
            from .shell import make_shell
            shell = make_shell(profile, overrides, user_ns=user_ns, colors="Linux")
        self.shell = shell
        self.shell.display_pub = KernelDisplayPublisher(self)
        self.shell.pager_payload = True
        self.shell.kernel = self
        if getattr(self.shell, 'magics_state', None) is not None:   # ipykernel's magics
            from .magics_kernel import CLASSES
            for cls in CLASSES:
                self.shell.register_magics(cls)
        self.comm_manager.install()
        self._allow_stdin = False
        self._exiting = False
        self._done = threading.Event()
        self._replied = set()     # id() of the requests being handled that have a reply

    def _init_transport(self, info):
        """Bind the sockets named in ``info`` (ports of 0 are chosen here)."""
        zmq = _zmq()
        self.context = zmq.Context.instance()
        url = lambda port: (f"tcp://{info['ip']}:{port}" if info.get("transport", "tcp") == "tcp"
                            else f"ipc://{info['ip']}-{port}")
        self.sockets = {}
        for name in ("shell", "control", "stdin", "hb"):
            s = self.context.socket(zmq.ROUTER)
            s.linger = 1000
            info[name + "_port"] = bind(s, url(info[name + "_port"]))
            self.sockets[name] = s
        self.iopub = IOPubThread(self.context, self.session, url(info["iopub_port"]))
        info["iopub_port"] = self.iopub.port
        self._wakeup = WakePipe()

    def get_parent(self):
        """The request being handled (ipykernel's name; ipywidgets' Output asks)."""
        return self.parent

    # -- publishing
    def publish(self, msg_type, content, metadata=None, buffers=None, parent=None):
        msg = self.session.msg(msg_type, content, parent if parent is not None else self.parent,
                               metadata=metadata)
        if buffers:
            msg["buffers"] = list(buffers)
        self.iopub.send(msg)
        return msg

    def flush_streams(self):
        self.stdout.flush()
        self.stderr.flush()

    def _status(self, state, parent):
        self.publish("status", {"execution_state": state}, parent=parent)

    def reply(self, channel, msg_type, content, parent, idents, metadata=None):
        self._replied.add(id(parent))
        return self.session.send(self.sockets[channel], msg_type, content, parent, ident=idents,
                                 metadata=metadata)

    # -- start and run
    def start(self):
        zmq = _zmq()
        shell = self.start_threads()
        self._install_io()
        poller = zmq.Poller()
        poller.register(shell, zmq.POLLIN)
        poller.register(self._wakeup.fileno(), zmq.POLLIN)
        while not self._exiting:
            try:
                gui_poll = getattr(self.shell, "gui_poll", None)  # set by %gui qt
                events = dict(poller.poll(10 if gui_poll else None))
                if shell in events:
                    self._drain_shell()
                if gui_poll:
                    gui_poll(0)
            except KeyboardInterrupt:
                log.debug("interrupt while idle")
            except Exception:   # whatever a message does, the kernel lives on
                log.exception("error on the shell channel")
        self._cleanup()
        self._done.set()

    def start_threads(self):
        """Start iopub, heartbeat and control; returns the shell socket. start() then
        serves it; a host with a loop of its own (a parallel engine's bind_kernel)
        calls handle_shell() on its thread when that socket is readable instead."""
        self.iopub.start()
        self._threads = [threading.Thread(target=self._heartbeat, daemon=True, name="ipylite-hb"),
                         threading.Thread(target=self._control_loop, daemon=True,
                                          name="ipylite-control")]
        for t in self._threads:
            t.start()
        import getpass
        self._saved_io = (sys.stdout, sys.stderr, builtins.input, getpass.getpass)
        self._status("starting", {})
        return self.sockets["shell"]

    def handle_shell(self):
        """Handle every request waiting on the shell socket (see start_threads)."""
        self._drain_shell()

    def inline_figures_by_default(self):
        """As with ipykernel: in a kernel process, matplotlib draws inline without
        ``%matplotlib inline`` first (and never opens a window of its own)."""
        from .display import inline_figures_by_default
        inline_figures_by_default(self.shell)

    _fd_pipes = ()

    _in_user_code = False
    _cell_requested = False
    _sigint_swapped = False

    def _enter_cell(self):
        self._install_io()  # a previous cell may have replaced them
        self._in_user_code = True
        # In user code an interrupt is Python's own KeyboardInterrupt, raised from C, so
        # the traceback ends in the user's code, not in a handler of ours.
        if signal.getsignal(signal.SIGINT) == self._on_sigint \
                and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._sigint_swapped = True

    def _leave_cell(self):
        self._in_user_code = self._cell_requested = False
        self.shell._pending_interrupt = False   # (one that came after the code is dropped)
        if self._sigint_swapped:  # (unless the cell installed a handler of its own)
            self._sigint_swapped = False
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, self._on_sigint)
        self._install_io()
        if self._fd_pipes:  # let the pumps pick up what the cell's children wrote
            import select
            deadline = time.monotonic() + 0.05
            while select.select(self._fd_pipes, [], [], 0)[0] and time.monotonic() < deadline:
                time.sleep(0.001)

    def _on_sigint(self, signum, frame):
        """Interrupt the running cell; between cells an interrupt has nothing to stop
        (and must not break the handling of a request)."""
        if self._in_user_code:
            raise KeyboardInterrupt
        if self._cell_requested:   # the cell is about to start: it starts interrupted
            self.shell._pending_interrupt = True
            return
        log.debug("interrupt between cells ignored")

    def _install_io(self):
        """Our streams, input() and getpass() for the user's code and its threads."""
        import getpass
        sys.stdout, sys.stderr = self.stdout, self.stderr
        builtins.input, getpass.getpass = self._input, self._getpass

    def capture_fds(self):
        """Send what C code and child processes write to file descriptors 1 and 2 to
        the client too (see capture_fds)."""
        self._fd_pipes = capture_fds(self.stdout, self.stderr)

    def _heartbeat(self):
        """Echo every ping back to its sender."""
        _block_sigint()
        sock = self.sockets["hb"]
        while not self._exiting:
            if sock.poll(500):
                sock.send_multipart(sock.recv_multipart())

    def _drain_shell(self):
        zmq = _zmq()
        sock = self.sockets["shell"]
        while not self._exiting:
            if self._backlog:
                self.dispatch("shell", SHELL_HANDLERS, *self._backlog.pop(0))
                continue
            try:
                idents, msg = self.session.recv(sock, zmq.NOBLOCK)
            except ProtocolError as e:
                self._bad_message("shell", SHELL_HANDLERS, e)
                continue
            if msg is None:
                return
            self.dispatch("shell", SHELL_HANDLERS, idents, msg)

    def _bad_message(self, channel, allowed, error):
        """A message we could not read: answered with an error when it was signed and
        its header says what it asks (else there is no one to answer)."""
        msg = _unreadable(channel, error)
        if msg is not None:
            self.dispatch(channel, allowed, error.idents, msg)

    def dispatch(self, channel, allowed, idents, msg):
        msg_type = msg["msg_type"]
        if msg_type not in allowed:
            log.warning("unknown message type %r on %s; ignored", msg_type,
                        channel)
            return
        problem = msg.get("unreadable") or request_problem(msg)
        if problem:
            handler = lambda channel, idents, msg: self._refuse(channel, idents, msg, problem)
        elif msg_type in ("comm_open", "comm_msg", "comm_close"):
            comm_handler = getattr(self.comm_manager, msg_type)
            handler = lambda channel, idents, msg: comm_handler(msg)
        elif msg_type == "execute_request" and msg["header"].get("msg_id") in self._aborting:
            self._aborting = self._aborting - {msg["header"]["msg_id"]}
            handler = self._abort
        else:
            handler = getattr(self, msg_type)
        shell_req = channel == "shell"
        if shell_req:
            self.parent, self._parent_idents = msg, idents
        if handler == self.execute_request:
            self._cell_requested = True   # an interrupt from now on is this cell's
        self._status("busy", msg)
        try:
            handler(channel, idents, msg)
        except Exception as e:
            log.exception("error handling %s", msg_type)
            if id(msg) not in self._replied:
                self._refuse(channel, idents, msg, f"{type(e).__name__}: {e}")
        finally:
            self._replied.discard(id(msg))
            if shell_req:
                self._cell_requested = False
                self.flush_streams()
            self._status("idle", msg)

    def _refuse(self, channel, idents, msg, problem):
        """The error reply to a request that could not be handled."""
        msg_type = msg["msg_type"]
        log.warning("bad %s on %s: %s", msg_type, channel, problem)
        if not msg_type.endswith("_request"):   # comm messages have no reply
            return
        content = {"status": "error", "ename": "BadRequest",
                   "evalue": f"bad {msg_type}: {problem}", "traceback": []}
        if msg_type == "execute_request":
            content["execution_count"] = self.shell.execution_count
        self.reply(channel, msg_type[:-len("_request")] + "_reply", content, msg, idents,
                   metadata={"status": "error"})

    # -- shell requests
    def kernel_info_request(self, channel, idents, msg):
        self.reply(channel, "kernel_info_reply", kernel_info(), msg, idents)

    def execute_request(self, channel, idents, msg):
        c = msg["content"]
        code = c.get("code", "")
        silent = bool(c.get("silent", False))
        store_history = bool(c.get("store_history", not silent)) and not silent
        shell = self.shell
        if not silent:
            self.publish("execute_input", {"code": code,
                                           "execution_count": shell.execution_count})
        self._allow_stdin = bool(c.get("allow_stdin", False))
        self._enter_cell()
        shell.payload = []
        outputs = self.iopub.outputs
        try:
            try:
                result = shell.run_cell(code, store_history=store_history, silent=silent)
            except KeyboardInterrupt as e:   # it landed in the shell's code, not the cell's
                from .shell import ExecutionInfo, ExecutionResult
                result = ExecutionResult(ExecutionInfo(code, store_history, silent))
                result.error_in_exec = e
                shell._publish_error("KeyboardInterrupt", e, ["KeyboardInterrupt"])
        finally:
            self._leave_cell()
            self.flush_streams()
            if self.iopub.outputs != outputs:
                self.iopub.sync()
        # Stop on error: the requests already queued when the cell ended (sent before the
        # client could see the failure) are answered "aborted"; any later one runs.
        queued = self._take_queued() if not result.success and c.get("stop_on_error", True) \
            else []
        count = shell.execution_count - 1  # this cell's number, or the last one's if unnumbered
        if result.success:
            reply = {"status": "ok", "execution_count": count, "payload": list(shell.payload),
                     "user_expressions": self._user_expressions(c.get("user_expressions"))}
        else:
            err = shell.last_error or {"ename": "Error", "evalue": "", "traceback": []}
            reply = dict(err, status="error", execution_count=count, payload=[],
                         user_expressions={})
            reply.setdefault("engine_info", {"engine_id": -1, "method": "execute"})
        if getattr(shell, "exit_now", False):
            reply["payload"].append({"source": "ask_exit",
                                     "keepkernel": getattr(shell, "keepkernel", False)})
            shell.exit_now = False
        self.reply(channel, "execute_reply", reply, msg, idents,
                   metadata={"status": reply["status"], "started": msg["header"].get("date")})
        if queued:
            self._aborting = frozenset(m["header"].get("msg_id") for _, m in queued
                                       if m["msg_type"] == "execute_request"
                                       and "unreadable" not in m)
            self._backlog = list(self._backlog) + queued

    def _take_queued(self):
        """The shell requests waiting on the socket now, taken off it in order."""
        zmq = _zmq()
        taken = []
        while True:
            try:
                idents, msg = self.session.recv(self.sockets["shell"], zmq.NOBLOCK)
            except ProtocolError as e:   # (answered in its turn, if it can be)
                idents, msg = e.idents, _unreadable("shell", e)
                if msg is not None:
                    taken.append((idents, msg))
                continue
            if msg is None:
                return taken
            taken.append((idents, msg))

    def _user_expressions(self, expressions):
        out = {}
        for name, expr in (expressions or {}).items():
            try:
                value = eval(expr, self.shell.user_ns)
                data, md = self.shell.display_formatter.format(value)
                out[name] = {"status": "ok", "data": data, "metadata": md}
            except Exception as e:
                out[name] = {"status": "error", "ename": type(e).__name__,
                             "evalue": str(e), "traceback": []}
        return out

    def _abort(self, channel, idents, msg):
        self.reply(channel, "execute_reply", {"status": "aborted",
                   "execution_count": self.shell.execution_count}, msg, idents,
                   metadata={"status": "aborted"})

    def complete_request(self, channel, idents, msg):
        c = msg["content"]
        self.reply(channel, "complete_reply", self.shell.complete(c.get("code", ""),
                   c.get("cursor_pos")), msg, idents)

    def inspect_request(self, channel, idents, msg):
        c = msg["content"]
        self.reply(channel, "inspect_reply", self.shell.inspect(
            c.get("code", ""), c.get("cursor_pos"), c.get("detail_level", 0)), msg, idents)

    def is_complete_request(self, channel, idents, msg):
        self.reply(channel, "is_complete_reply", self.shell.is_complete(
            msg["content"].get("code", "")), msg, idents)

    def history_request(self, channel, idents, msg):
        c = msg["content"]
        hm = self.shell.history
        raw, output = c.get("raw", True), c.get("output", False)
        kind = c.get("hist_access_type", "range")
        if hm is None:
            rows = []
        elif kind == "tail":
            rows = hm.get_tail(c.get("n", 10), raw=raw, output=output)
        elif kind == "range":
            rows = hm.get_range(c.get("session", 0), c.get("start", 1), c.get("stop"),
                                raw=raw, output=output)
        elif kind == "search":
            rows = hm.search(c.get("pattern", "*"), raw=raw, output=output, n=c.get("n"),
                             unique=c.get("unique", False))
        else:
            self.reply(channel, "history_reply", {"status": "error", "ename": "ValueError",
                       "evalue": f"unknown hist_access_type {kind!r}", "traceback": [],
                       "history": []}, msg, idents)
            return
        self.reply(channel, "history_reply", {"status": "ok", "history": [list(r) for r in rows]},
                   msg, idents)

    def comm_info_request(self, channel, idents, msg):
        target = msg["content"].get("target_name")
        comms = {k: {"target_name": v.target_name}
                 for k, v in self.comm_manager.comms.items()
                 if target is None or v.target_name == target}
        self.reply(channel, "comm_info_reply", {"status": "ok", "comms": comms}, msg, idents)

    # -- control requests
    def _control_loop(self):
        _block_sigint()
        zmq = _zmq()
        sock = self.sockets["control"]
        parent = int(os.environ.get("JPY_PARENT_PID") or 0)
        while not self._exiting:
            try:
                if not sock.poll(1000):
                    if parent and os.getppid() != parent:
                        log.warning("the process that started this kernel has exited; "
                                    "shutting down")
                        self._stop()
                    continue
                idents, msg = self.session.recv(sock, zmq.NOBLOCK)
            except ProtocolError as e:
                idents, msg = e.idents, e
            except zmq.ZMQError:
                return
            try:   # the control thread must outlive whatever a message does
                if isinstance(msg, ProtocolError):
                    self._bad_message("control", CONTROL_HANDLERS, msg)
                elif msg is not None:
                    self.dispatch("control", CONTROL_HANDLERS, idents, msg)
            except Exception:
                log.exception("error on the control channel")

    def interrupt_request(self, channel, idents, msg):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        self.reply(channel, "interrupt_reply", {"status": "ok"}, msg, idents)

    def shutdown_request(self, channel, idents, msg):
        content = {"status": "ok", "restart": bool(msg["content"].get("restart", False))}
        self.reply(channel, "shutdown_reply", content, msg, idents)
        self.publish("shutdown_reply", content, parent=msg)
        self._stop()

    def _stop(self):
        """Leave the main loop; exit anyway if a running cell keeps it busy."""
        self._exiting = True
        self._wakeup.wake()
        if threading.current_thread() is not threading.main_thread():
            threading.Thread(target=self._exit_if_stuck, daemon=True).start()

    def _exit_if_stuck(self, grace=2.0):
        """A cell still running after ``grace`` seconds would block the shutdown."""
        if self._done.wait(grace):
            return
        log.warning("a cell is still running; exiting anyway")
        if self.shell.history is not None:
            self.shell.history.close()
        self.flush_streams()
        self.iopub.stop()
        os._exit(0)

    def _cleanup(self):
        import getpass
        sys.stdout, sys.stderr = self._saved_io[:2]
        builtins.input, getpass.getpass = self._saved_io[2:]
        hm = self.shell.history
        if hm is not None:
            hm.close()
        self.flush_streams()
        self.iopub.stop()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(2)
        for sock in self.sockets.values():
            sock.close(linger=1000)
        self.iopub.socket.close(linger=1000)
        if Kernel.instance is self:
            Kernel.instance = None


# ---------------------------------------------------------------- embed and main

def embed_kernel(local_ns=None, global_ns=None, connection_file=None, gui=None, **kw):
    """Start a kernel inside this program on the caller's namespace and serve until a
    client shuts it down. Prints how to connect. ``gui="qt"`` (as ``%gui qt``) keeps
    the program's Qt event loop running between requests, on the same thread."""
    if local_ns is None or global_ns is None:
        frame = sys._getframe(1)
        if local_ns is None:
            local_ns = frame.f_locals
        if global_ns is None:
            global_ns = frame.f_globals
    ns = dict(global_ns)
    ns.update(local_ns)
    fname, info = write_connection_file(connection_file)
    kernel = Kernel(info, user_ns=ns)
    if gui:
        kernel.shell.run_line_magic("gui", gui)
    print(f"ipylite kernel running in process {os.getpid()}. To connect another client:\n"
          f"    python -m ipylite --existing {fname}\n"
          f"    jupyter console --existing {fname}", file=sys.__stdout__, flush=True)
    try:
        kernel.start()
    finally:
        try:
            os.remove(fname)
        except OSError:
            pass


def main(argv=None):
    import argparse
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "install":
        p = argparse.ArgumentParser(prog="python -m ipylite.kernel install",
                                    description="Register the ipylite kernelspec.")
        where = p.add_mutually_exclusive_group()
        where.add_argument("--user", action="store_true", help="in the user's data folder")
        where.add_argument("--prefix", help="under PREFIX/share/jupyter/kernels")
        p.add_argument("--name", default="ipylite")
        p.add_argument("--display-name", default=None)
        a = p.parse_args(argv[1:])
        dest = install_kernel_spec(a.name, user=a.user, prefix=a.prefix,
                                   display_name=a.display_name)
        print(f"Installed kernelspec {a.name} in {dest}")
        return 0
    overrides = [x for x in argv if x.startswith("--") and "." in x.split("=", 1)[0]
                 and x[2:3].isupper()]
    argv = [x for x in argv if x not in overrides]
    p = argparse.ArgumentParser(prog="python -m ipylite.kernel",
                                description="Run an ipylite kernel.",
                                epilog="--Section.key=value overrides a config setting.")
    p.add_argument("--profile", default=os.environ.get("IPYLITE_PROFILE") or "default",
                   help="profile to use (default: $IPYLITE_PROFILE, else default)")
    p.add_argument("-f", "--connection-file", help="connection file to use (written if absent)")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--debug", action="store_true", help="log debugging messages")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING,
                        format="[ipylite.kernel %(levelname)s] %(message)s")
    try:
        _zmq()
    except ImportError as e:
        print(f"error: the kernel needs {e}", file=sys.stderr)
        return 1
    if a.connection_file and os.path.exists(a.connection_file):
        try:
            info = read_connection_file(a.connection_file)
        except (OSError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    else:
        fname, info = write_connection_file(a.connection_file, ip=a.ip)
        print(f"connection file: {fname}", file=sys.stderr)
    kernel = Kernel(info, profile=a.profile, overrides=overrides)
    kernel.connection_file = os.path.abspath(a.connection_file or fname)   # %connect_info
    signal.signal(signal.SIGINT, kernel._on_sigint)
    kernel.inline_figures_by_default()
    from .ipycompat import install
    install(kernel.shell)
    kernel.capture_fds()
    kernel.start()
    return 0


if __name__ == "__main__":
    # Run the copy imported under the package's name, so that user code importing
    # ipylite.kernel (or myapp._vendor.ipylite.kernel) sees this very Kernel.
    import importlib
    sys.exit(importlib.import_module(__spec__.name).main())
