"""In-process kernels: the kernel runs in this process, on a thread of its own (or on
the caller's, ``threaded=False``), and its client and manager have KernelClient's and
KernelManager's API (protocol.ClientAPI), so every frontend works with it unchanged.

    km = InProcessKernelManager(user_ns={"app": app}); km.start_kernel()
    kc = km.client(); kc.start_channels()
    kc.execute_interactive("app.title")
"""

import builtins
import collections
import logging
import queue
import sys
import threading
import time

from .kernel import CONTROL_HANDLERS, SHELL_HANDLERS, Kernel
from .protocol import ClientAPI, Session, WakePipe, take_pending

log = logging.getLogger("ipylite.kernel")

class _InProcessIOPub:
    """The in-process stand-in for the iopub thread: hands each message to every
    client and flushes stream output from a short timer."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.streams = []
        self._timer = None
        self._lock = threading.Lock()

    def send(self, msg):
        for client in list(self.kernel.clients):
            client._deliver("iopub", msg)

    outputs = 0   # (never changes: send() delivers at once, there is nothing to sync)

    def wake(self):
        with self._lock:
            if self._timer is not None:
                return
            deadlines = [s.deadline for s in self.streams if s.deadline]
            delay = max(0.0, min(deadlines) - time.monotonic()) if deadlines else 0.0
            self._timer = threading.Timer(delay, self._flush)
            self._timer.daemon = True
            self._timer.start()

    def _flush(self):
        with self._lock:
            self._timer = None
        for s in self.streams:
            s.flush()


class _ThreadRouter:
    """While a cell runs, the host's own threads keep their stdout, stderr and input();
    the thread running the cell, and threads it starts, get the kernel's."""

    def __init__(self, host, kernel_side, host_threads):
        self._host, self._kernel_side, self._host_threads = host, kernel_side, host_threads

    def _target(self):
        # (by Thread object, not ident: a thread the cell starts may get the ident of a
        # host thread that has ended since, and must not write to the host's stdout)
        return self._host if threading.current_thread() in self._host_threads \
            else self._kernel_side

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._target(), name)


class _CellSleep:
    """time.sleep while an in-process cell runs. On the cell's thread it waits on an
    event that interrupt() sets, so Ctrl-C ends the sleep at once (an exception sent to
    a thread that is not the main one waits for its blocking C call to return); other
    threads sleep as usual."""

    def __init__(self, kernel, sleep):
        self._kernel, self._sleep = kernel, sleep

    def __call__(self, seconds):
        k = self._kernel
        if threading.get_ident() != k._in_cell:
            return self._sleep(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        k._wake.clear()
        k._sleeping = True
        try:
            k._wake.wait(seconds)
        finally:
            k._sleeping = False


class InProcessKernel(Kernel):
    """A kernel living in the host program: the host's objects are the namespace's,
    messages are dicts handed to InProcessKernelClients, never serialized.

    With ``threaded=True`` (the default) cells run on a kernel thread, so a client's
    blocking calls, ``interrupt_kernel()`` and ``input()`` behave as with a kernel
    process. With ``threaded=False`` cells run on whichever thread calls
    :meth:`process_pending` (a client's blocking calls do), for GUI hosts whose objects
    belong to their main thread."""

    def __init__(self, shell=None, user_ns=None, threaded=True, profile="default"):
        self.clients = []
        self.threaded = threaded
        self._requests = queue.Queue()
        self._stdin_replies = queue.Queue()
        self._in_cell = None          # id of the thread running a cell
        self._wake = threading.Event()   # ends a sleeping cell's time.sleep
        self._sleeping = False
        super().__init__({"key": ""}, shell, user_ns, profile)
        self._thread = None
        if threaded:
            self._thread = threading.Thread(target=self._serve, daemon=True,
                                            name="ipylite-inprocess-kernel")
            self._thread.start()

    def _init_transport(self, info):
        self.iopub = _InProcessIOPub(self)

    def reply(self, channel, msg_type, content, parent, idents, metadata=None):
        self._replied.add(id(parent))
        msg = self.session.msg(msg_type, content, parent, metadata=metadata)
        idents._deliver(channel, msg)   # idents: the client that asked
        return msg

    def submit(self, client, channel, msg):
        """A client's request: control requests are answered at once, in the caller's
        thread (as a kernel's control thread would); shell requests queue up."""
        if channel == "control":
            self.dispatch("control", CONTROL_HANDLERS, client, msg)
        else:
            self._requests.put((client, msg))

    def _take_queued(self):
        taken = []
        while True:
            try:
                item = self._requests.get_nowait()
            except queue.Empty:
                return taken
            if item[1] is None:             # a shutdown: keep it queued, after the rest
                self._requests.put(item)
                return taken
            taken.append(item)

    def process_pending(self, timeout=0):
        """Handle the queued shell requests in this thread, waiting up to ``timeout``
        seconds (None: forever) for the first. Returns False once shut down."""
        while not self._exiting:
            try:
                client, msg = self._backlog.pop(0) if self._backlog else \
                    self._requests.get(timeout=timeout) if timeout != 0 \
                    else self._requests.get_nowait()
            except queue.Empty:
                return True
            if msg is None:
                return False
            timeout = 0
            try:
                self.dispatch("shell", SHELL_HANDLERS, client, msg)
            except KeyboardInterrupt:  # an interrupt that arrived just after its cell
                log.debug("late interrupt ignored")
        return False

    def _serve(self):
        while self.process_pending(timeout=None):
            pass

    def _enter_cell(self):
        import getpass
        host = set(threading.enumerate()) - {threading.current_thread()}
        self._saved_io = (sys.stdout, sys.stderr, sys.displayhook, builtins.input,
                          getpass.getpass)
        sys.stdout = _ThreadRouter(sys.stdout, self.stdout, host)
        sys.stderr = _ThreadRouter(sys.stderr, self.stderr, host)
        builtins.input = _ThreadRouter(builtins.input, self._input, host)
        getpass.getpass = _ThreadRouter(getpass.getpass, self._getpass, host)
        self._saved_sleep = time.sleep
        time.sleep = _CellSleep(self, time.sleep)
        self._in_cell = threading.get_ident()

    def _leave_cell(self):
        import getpass
        self._in_cell = None
        sys.stdout, sys.stderr, sys.displayhook, builtins.input, getpass.getpass = \
            self._saved_io
        time.sleep = self._saved_sleep

    def interrupt(self):
        """Raise KeyboardInterrupt in the running cell (at its next Python bytecode:
        a blocking C call finishes first, except time.sleep, input() and getpass(),
        which return at once)."""
        import ctypes
        tid = self._in_cell
        if tid is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid),
                                                       ctypes.py_object(KeyboardInterrupt))
            if self._sleeping:
                self._wake.set()

    def interrupt_request(self, channel, idents, msg):
        self.interrupt()
        self.reply(channel, "interrupt_reply", {"status": "ok"}, msg, idents)

    def _request_input(self, prompt, password):
        while not self._stdin_replies.empty():  # stale answers to an interrupted input()
            self._stdin_replies.get_nowait()
        msg = self.session.msg("input_request", {"prompt": prompt, "password": password},
                               self.parent)
        self._parent_idents._deliver("stdin", msg)
        while True:  # short waits, so that an interrupt can land between them
            try:
                return self._stdin_replies.get(timeout=0.05)
            except queue.Empty:
                pass

    def _stop(self):
        self._exiting = True
        self._requests.put((None, None))

    def shutdown(self):
        self._stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self.flush_streams()
        if self.shell.history is not None:
            self.shell.history.close()
        if Kernel.instance is self:
            Kernel.instance = None


class InProcessKernelClient(ClientAPI):
    """protocol.KernelClient's API for an in-process kernel. For event loops,
    ``fds()`` gives a pipe that becomes readable when messages arrive; drain with
    ``poll(0)``. As a SUB socket's high-water mark does, at most ``max_iopub`` iopub
    messages wait to be read (the oldest go first): a host that never reads iopub
    does not grow without bound."""

    max_iopub = 1000

    def __init__(self, manager):
        self.manager = manager
        self.session = Session(key=b"")
        self._pending = {c: collections.deque() for c in ("shell", "control", "stdin")}
        self._pending["iopub"] = collections.deque(maxlen=self.max_iopub)
        self._cond = threading.Condition()
        self._wakeup = WakePipe()     # opened on first use, closed by stop_channels
        self.channels_running = False

    @property
    def kernel(self):
        return self.manager.kernel

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        self._wakeup.fileno()           # (open again after a stop_channels)
        if self not in self.kernel.clients:
            self.kernel.clients.append(self)
        self.channels_running = True

    def stop_channels(self):
        if self.kernel is not None and self in self.kernel.clients:
            self.kernel.clients.remove(self)
        self.channels_running = False
        self._wakeup.close()

    def fds(self):
        return {"all": self._wakeup.fileno()}

    def is_alive(self):
        return self.manager.is_alive()

    def _deliver(self, channel, msg):
        with self._cond:
            self._pending[channel].append(msg)
            self._cond.notify_all()
        self._wakeup.wake()

    def _send(self, channel, msg_type, content):
        msg = self.session.msg(msg_type, content)
        if channel == "stdin":
            self.kernel._stdin_replies.put(content.get("value", ""))
        else:
            self.kernel.submit(self, channel, msg)
        return msg["header"]["msg_id"]

    def _wait(self, ready, timeout):
        if not self.kernel.threaded:
            self.kernel.process_pending()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not ready():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _recv(self, channel, timeout):
        if not self._wait(lambda: self._pending[channel], timeout):
            raise queue.Empty
        with self._cond:
            return self._pending[channel].popleft()

    def poll(self, timeout=0, limit=None):
        self._wait(lambda: any(self._pending.values()), timeout)
        self._wakeup.drain()
        with self._cond:
            return take_pending(self._pending, limit)


class InProcessKernelManager:
    """KernelManager's API for a kernel in this process. ``user_ns`` (a dict of the
    host's) becomes the namespace; ``kernel.shell.push(dict)`` adds to it later."""

    def __init__(self, user_ns=None, threaded=True):
        self.user_ns, self.threaded = user_ns, threaded
        self.kernel = None
        self.connection_info = None

    def start_kernel(self, **kw):
        self.kernel = InProcessKernel(user_ns=self.user_ns, threaded=self.threaded)
        return self.kernel

    @property
    def has_kernel(self):
        return self.kernel is not None

    def is_alive(self):
        return self.kernel is not None and not self.kernel._exiting

    def client(self, **kw):
        if self.kernel is None:
            raise RuntimeError("start the kernel before asking for a client")
        return InProcessKernelClient(self)

    def interrupt_kernel(self):
        self.kernel.interrupt()

    def shutdown_kernel(self, now=False, restart=False):
        if self.kernel is not None:
            self.kernel.shutdown()

    def restart_kernel(self, now=False):
        """A new kernel with a fresh namespace; connected clients move over to it."""
        clients = list(self.kernel.clients) if self.kernel else []
        self.shutdown_kernel()
        self.user_ns = None
        self.start_kernel()
        self.kernel.clients.extend(clients)
        return self.kernel

    def start_restarter(self, callback=None, interval=0.5):
        """Nothing to watch: an in-process kernel dies only with its host."""

    def stop_restarter(self):
        """See start_restarter."""

    def __enter__(self):
        if self.kernel is None:
            self.start_kernel()
        return self

    def __exit__(self, *exc):
        self.shutdown_kernel()


