"""An ipylite.parallel engine: a Shell that runs tasks sent by clients and the controller.

    python -m ipylite.engine -f ENGINE_CONNECTION_FILE [--id N] [--mpi] [--debug]

The engine connects a DEALER to the controller's engine socket, registers (pid, host,
the URL of its own direct socket) and gets its id. Clients send direct requests straight
to the engine's ROUTER socket (one hop each way); load-balanced tasks come from the
controller. A thread runs ``zmq.proxy`` on the heartbeat socket, so pings are echoed in
C even while Python code holds the engine busy. The main thread drains both sockets
into a queue (so aborts and shutdowns are seen at once) and runs tasks in order, in a
``Shell`` whose namespace persists between tasks, capturing stdout, stderr and displays
into each reply's metadata.

The controller's pings are the engine's sign of life from the controller: the proxy
copies them to a capture socket, and an engine that has seen none for ``hb_timeout``
seconds (from the connection file, default 10) exits -- this is how engines on other
machines notice a controller that died. With ``--mpi`` the engine asks for id = its MPI
rank and has ``comm`` (mpi4py's COMM_WORLD), ``mpi_rank`` and ``mpi_size``. The
connection file's ``engine_bind`` / ``engine_host`` (else ``location``) say where the
direct socket binds and which address clients are told.
"""

import argparse
import collections
import io
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback

from .display import inline_figures_by_default
from .protocol import Session, ProtocolError
from .serialize import BATCH, Wire, dumps, loads, set_namespace
from .shell import Shell

log = logging.getLogger("ipylite.parallel.engine")


# --------------------------------------- helpers the client sends by reference

def _shell():
    return Shell.current()


def remote_push(ns):
    _shell().user_ns.update(ns)


def remote_pull(keys):
    ns = _shell().user_ns
    single = isinstance(keys, str)
    out = []
    for k in [keys] if single else keys:
        try:
            out.append(ns[k])
        except KeyError:
            raise NameError(f"name {k!r} is not defined on engine") from None
    return out[0] if single else out


def clear_namespace():
    """Empty the user namespace but for the interpreter's names and engine_id."""
    ns = _shell().user_ns
    for k in [k for k in ns if not k.startswith("_") and k not in (
            "engine_id", "In", "Out", "exit", "quit", "get_ipython", "comm", "mpi_rank",
            "mpi_size")]:
        del ns[k]


def remote_map(f, *seqs):
    return list(map(f, *seqs))


_fcache = {}
_RUNNING = False
_ENGINE = None          # the engine serve() runs in this process


def publish_data(data):
    """From a task running on an engine: send ``data`` (a dict) to the client now; the
    client's ``ar.data`` is the merge of everything the task published so far."""
    if _ENGINE is None or _ENGINE.current is None:
        raise RuntimeError("publish_data() works only in a task running on an engine")
    if not isinstance(data, dict):
        raise TypeError(f"publish_data() takes a dict, not {type(data).__name__}")
    _ENGINE.publish(data)


def bind_kernel(**kwargs):
    """On an engine: serve its shell as a Jupyter kernel too, as ipyparallel's
    ``bind_kernel()`` does, so ``%connect_info`` and ``%qtconsole`` work there and a
    console can attach (``python -m ipylite --existing FILE``); returns at once with
    the connection file's path. Kernel requests run between tasks, in the engine's
    namespace. ``kwargs`` (ipyparallel's IPKernelApp settings) are ignored."""
    if _ENGINE is None:
        raise RuntimeError("bind_kernel() must be called from an engine (e.g. %px "
                           "ipp.bind_kernel() or view.apply(ipp.bind_kernel))")
    return _ENGINE.bind_kernel()


def remote_chunk(f, chunk):
    """One load-balanced chunk: f is a function, or the pickle of one (cached here)."""
    if isinstance(f, (bytes, bytearray)):
        fn = _fcache.get(f)
        if fn is None:
            if len(_fcache) > 64:
                _fcache.clear()
            fn = _fcache[bytes(f)] = loads(f)
        f = fn
    return [f(*args) for args in chunk]


def remote_import(names):
    import importlib
    ns = _shell().user_ns
    for name, fromlist in names:
        mod = importlib.import_module(name)
        if not fromlist:
            top = name.partition(".")[0]
            ns[top] = sys.modules[top]
        for attr in fromlist:
            try:
                ns[attr] = getattr(mod, attr)
            except AttributeError:
                ns[attr] = importlib.import_module(f"{name}.{attr}")


# ------------------------------------------------------------------- output capture

class Capture(io.StringIO):
    """sys.stdout / sys.stderr during a task. Everything written is in the reply's
    metadata; text written while a task runs longer than ``live_after`` seconds is also
    sent at once (at most every ``live_every`` seconds) as a stream message, and the
    engine's flusher thread sends what is left unsent (a print before a long
    computation) every ``live_every`` seconds. Every send holds ``lock``, which the
    engine also holds while it ends a task, so the task's socket is used by one thread
    at a time and never after the task's result."""
    live_after = 0.5
    live_every = 0.2

    def __init__(self, name, send, lock=None):
        super().__init__()
        self.name = name
        self.send = send            # send(name, text), or None
        self.lock = lock or threading.RLock()
        self.start = self.last = time.monotonic()
        self.sent = 0
        self.active = True

    def isatty(self):
        return False

    def write(self, text):
        with self.lock:
            n = super().write(text)
        if self.send is not None and "\n" in text:
            now = time.monotonic()
            if now - self.start > self.live_after and now - self.last > self.live_every:
                self.flush_live(now, lines=True)
        return n

    def flush(self):
        if self.send is not None and time.monotonic() - self.start > self.live_after:
            self.flush_live()

    def flush_live(self, now=None, lines=False):
        with self.lock:
            if not self.active or self.send is None:
                return
            text = self.getvalue()[self.sent:]
            if lines:
                text = text[:text.rfind("\n") + 1]
            if text:
                self.sent += len(text)
                self.last = now or time.monotonic()
                self.send(self.name, text)

    def close_live(self):
        """The task is over: nothing more goes out as a stream message."""
        with self.lock:
            self.active = False


class EnginePublisher:
    """The Shell's display publisher on an engine: collects outputs for the reply."""

    def __init__(self):
        self.outputs = []
        self.result = None

    def publish(self, data, metadata=None, transient=None, update=False):
        self.outputs.append({"data": data, "metadata": metadata or {}})

    def clear_output(self, wait=False):
        self.outputs.clear()

    def execute_result(self, execution_count, data, metadata):
        self.result = {"execution_count": execution_count, "data": data,
                               "metadata": metadata}

    def error(self, content):
        pass


class TaskTimeout(Exception):
    pass


def _error(etype, value, tb, skip=1):
    for _ in range(skip):
        if tb is not None:
            tb = tb.tb_next
    try:
        evalue = str(value)
    except Exception:
        evalue = f"<unprintable {etype.__name__}>"
    return {"ename": etype.__name__, "evalue": evalue,
            "traceback": "".join(traceback.format_exception(etype, value, tb))}


# ------------------------------------------------------------------------- engine

class Engine:
    hb_linger = 0

    def __init__(self, info, requested_id=None):
        self.info = info
        self.session = Session(key=info["key"].encode())
        self.wire = Wire(self.session)
        self.requested_id = requested_id
        self.id = None
        self.queue = collections.deque()
        self.aborted = set()
        self.exiting = False
        self.pub = EnginePublisher()
        self.send_lock = threading.RLock()  # a running task's socket, see Capture
        self.in_task = False                # SIGINT interrupts tasks only
        self.captures = ()
        self.current = None                 # (socket, ident, msg id) of the running task
        self.task_started = 0.0
        self.kernel = None                  # see bind_kernel
        self.poller = None
        self.held = {}                      # (socket, ident) -> [packed results], see hold
        self.held_since = 0.0
        self.held_event = threading.Event()
        self.shell = Shell(display_pub=self.pub)
        set_namespace(self.shell.user_ns)
        inline_figures_by_default(self.shell)   # as on ipyparallel's (ipykernel) engines

    # -- sockets
    def _bind_local(self, ident):
        """The direct socket on a Unix socket too (mode 0600): clients on this host
        use it (loopback TCP moves big arrays at about half its speed). Gives
        [host, url], or None where there are no Unix sockets."""
        import tempfile
        tmp = tempfile.gettempdir()
        remove_stale_sockets(tmp)
        path = os.path.join(tmp, f"ipylite-engine-{os.getpid()}-{ident}.sock")
        if len(path) > 100:
            return None
        old = os.umask(0o177)
        try:
            self.direct.bind("ipc://" + path)
        except Exception as e:          # (no ipc transport here)
            log.debug("no Unix socket for the direct socket: %s", e)
            return None
        finally:
            os.umask(old)
        self.local_path = path
        return [socket.gethostname(), "ipc://" + path]

    local_path = None

    def remove_local(self):
        if self.kernel is not None:
            try:
                os.unlink(self.kernel.connection_file)
            except OSError:
                pass
        if self.local_path:
            try:
                os.unlink(self.local_path)
            except OSError:
                pass

    def connect(self, timeout=30):
        import zmq
        self.ctx = zmq.Context.instance()
        ip = self.info.get("location") or self.info.get("ip", "127.0.0.1")
        bind = self.info.get("engine_bind") or ip
        self.direct = self.ctx.socket(zmq.ROUTER)
        self.direct.linger = 1000
        port = self.direct.bind_to_random_port(f"tcp://{bind}")
        self.url = f"tcp://{self.info.get('engine_host') or bind}:{port}"
        ident = os.urandom(8).hex()
        self.local_url = self._bind_local(ident)
        self.ctl = self.ctx.socket(zmq.DEALER)
        self.ctl.linger = 1000
        self.ctl.connect(self.info["engine_url"])
        self.wire.send(self.ctl, {"t": "register", "uuid": ident, "pid": os.getpid(),
                                  "host": socket.gethostname(), "url": self.url,
                                  "local_url": self.local_url,
                                  "hb": ident, "id": self.requested_id})
        if not self.ctl.poll(timeout * 1000):
            raise SystemExit(f"ipylite engine: no controller answered at "
                             f"{self.info['engine_url']} within {timeout} s")
        head, _ = self.wire.unpack(self.wire.recv(self.ctl)[1])
        if head["t"] != "registered":
            raise SystemExit(f"ipylite engine: registration refused: {head.get('reason')}")
        self.id = head["eid"]
        self.controller = (head.get("pid"), head.get("host"))
        self.shell.user_ns.setdefault("engine_id", self.id)
        hb = self.ctx.socket(zmq.DEALER)
        hb.linger = 0
        hb.setsockopt(zmq.IDENTITY, ident.encode())
        hb.connect(self.info["hb_url"])
        cap = self.ctx.socket(zmq.PUB)           # copies of the pings, for the watchdog
        cap.linger = 0                           # (PUB drops when full: never blocks
        cap.sndhwm = 16                          # the echo while a task runs)
        self.beats = self.ctx.socket(zmq.SUB)
        self.beats.linger = 0
        self.beats.rcvhwm = 16
        self.beats.setsockopt(zmq.SUBSCRIBE, b"")
        addr = f"inproc://ipylite-hb-{ident}"
        self.beats.bind(addr)
        cap.connect(addr)
        # a SUB hands its subscription to the PUB only when it processes its commands
        # (any call on it): until then every ping copied is dropped, so an engine whose
        # first task ran longer than hb_timeout found none and exited. Attach it now.
        self.beats.get(zmq.EVENTS)
        self.last_beat = time.monotonic()
        self.hb_timeout = float(self.info.get("hb_timeout") or 10)
        threading.Thread(target=self._echo, args=(hb, cap), daemon=True,
                         name="ipylite-engine-hb").start()
        threading.Thread(target=self._flusher, daemon=True,
                         name="ipylite-engine-output").start()
        log.info("engine %s registered (direct socket %s)", self.id, self.url)

    @staticmethod
    def _echo(sock, capture=None):
        import signal
        import zmq
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C is the task's
        try:
            zmq.proxy(sock, sock, capture)
        except zmq.ZMQError:
            pass

    def _on_sigint(self, signum, frame):
        """Ctrl-C / Client.send_signal(SIGINT): interrupt the running task (it fails
        with KeyboardInterrupt); between tasks it is ignored, so the engine lives."""
        if self.in_task:
            raise KeyboardInterrupt
        log.info("engine %s: SIGINT between tasks ignored", self.id)

    # -- an MPI engine whose task a SIGINT cannot reach: MPI collectives (a barrier
    #    waiting for a rank that failed) are C code that never returns to Python, where
    #    the KeyboardInterrupt would be raised. The signal still wakes a pipe
    #    (signal.set_wakeup_fd); a thread sees the task still running interrupt_grace
    #    seconds later, fails it with KeyboardInterrupt and ends the engine (it could
    #    never run another task): cluster.restart_engines() starts new ones.
    interrupt_grace = 1.0

    def watch_stuck_interrupts(self):
        """Call from the main thread, with the SIGINT handler installed; gives the
        previous wakeup fd."""
        import signal
        r, w = os.pipe()
        os.set_blocking(w, False)
        previous = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        threading.Thread(target=self._watch_interrupts, args=(r,), daemon=True,
                         name="ipylite-engine-sigint").start()
        return previous

    def _watch_interrupts(self, fd):
        import signal
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C is the task's
        while True:
            try:
                got = os.read(fd, 64)
            except OSError:
                return
            if not got:
                return
            current = self.current
            if signal.SIGINT not in got or current is None:
                continue
            deadline = time.monotonic() + self.interrupt_grace
            while self.current is current and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.current is current:
                self._abandon_task(current)

    def _abandon_task(self, current):
        sock, ident, msg_id = current
        log.error("engine %s: its task does not return to Python after SIGINT; "
                  "failing it and exiting", self.id)
        out, err = self.captures or (None, None)
        md = {"engine_id": self.id, "started": self.task_started, "completed": time.time(),
              "stdout": out.getvalue() if out is not None else "",
              "stderr": err.getvalue() if err is not None else ""}
        error = {"ename": "KeyboardInterrupt", "engine_id": self.id, "traceback": "",
                 "evalue": "interrupted in code that does not return to Python (an MPI "
                           "collective waiting for a rank that failed?); this MPI engine "
                           "exits: cluster.restart_engines() starts new ones"}
        try:
            with self.send_lock:
                self.flush_results()
                self.wire.send(sock, {"t": "result", "id": msg_id, "eid": self.id,
                                      "md": md, "err": error}, ident=ident)
            time.sleep(0.5)             # (zmq's I/O thread sends it)
        finally:
            self.remove_local()
            os._exit(1)

    def _flusher(self):
        """Send a running task's output that waits for no more writes (a print
        followed by a long computation), as ipyparallel's engines do."""
        import signal
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C is the task's
        next_live = time.monotonic() + Capture.live_every
        while True:
            if self.held_event.wait(max(0.0, next_live - time.monotonic())):
                time.sleep(self.hold_for)
                self.held_event.clear()
                with self.send_lock:
                    if self.held and self.captures:     # (a task runs: the main
                        self.flush_results()            # thread does not use the sockets)
                    elif self.held:
                        self.held_event.set()           # (look again soon)
                continue
            next_live = time.monotonic() + Capture.live_every
            with self.send_lock:
                for c in self.captures:
                    if time.monotonic() - c.start > c.live_after:
                        c.flush_live()

    def _heard_controller(self):
        """Drain the captured pings; False once none came for hb_timeout seconds."""
        import zmq
        while True:
            try:
                self.beats.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            self.last_beat = time.monotonic()
        return time.monotonic() - self.last_beat < self.hb_timeout

    # -- main loop
    # -- the engine's shell as a Jupyter kernel too (bind_kernel)
    def bind_kernel(self):
        if self.kernel is not None:
            return self.kernel.connection_file
        import zmq
        from .kernel import Kernel
        from .protocol import write_connection_file
        fname, info = write_connection_file(ip=self.info.get("ip", "127.0.0.1"))
        shell = self.shell
        ours = shell.display_pub, shell.pager_payload
        kernel = Kernel(info, shell=shell)      # (sets the shell up for kernel requests)
        kernel.connection_file = fname
        self.kernel_io = shell.display_pub, shell.pager_payload
        shell.display_pub, shell.pager_payload = ours
        self.poller.register(kernel.start_threads(), zmq.POLLIN)
        self.kernel = kernel
        log.info("engine %s: bound a kernel (%s)", self.id, fname)
        return fname

    def serve_kernel(self):
        """Handle the bound kernel's requests (on the main thread, between tasks),
        with the shell publishing to the kernel's clients meanwhile."""
        shell = self.shell
        ours = shell.display_pub, shell.pager_payload
        shell.display_pub, shell.pager_payload = self.kernel_io
        try:
            self.kernel.handle_shell()
        except Exception:
            log.exception("engine %s: a kernel request failed", self.id)
        finally:
            shell.display_pub, shell.pager_payload = ours

    def run(self):
        import zmq
        poller = self.poller = zmq.Poller()
        poller.register(self.ctl, zmq.POLLIN)
        poller.register(self.direct, zmq.POLLIN)
        last_check = time.monotonic()
        while not self.exiting:
            if not self.queue:
                events = poller.poll(1000)
                if not events and time.monotonic() - last_check > 1:
                    last_check = time.monotonic()
                    if not self._controller_alive():
                        log.warning("controller is gone; engine %s exits", self.id)
                        break
                    if not self._heard_controller():
                        log.warning("no heartbeat from the controller for %s s; engine %s "
                                    "exits", self.hb_timeout, self.id)
                        break
            self._drain(self.ctl, False)
            self._drain(self.direct, True)
            if self.kernel is not None and not self.queue:
                self.serve_kernel()
            while self.queue and not self.exiting:
                task = self.queue.popleft()
                try:
                    self._run_task(*task)
                except Exception as e:  # a malformed head: one error result, no exit
                    log.error("engine %s: bad task: %s: %s", self.id, type(e).__name__, e)
                    self._reply_error(task[0], task[1], task[2], e)
                if self.queue:
                    self._drain(self.ctl, False)
                    self._drain(self.direct, True)
                # time spent busy is not silence: the watchdog counts idle time only
                # (the capture keeps just the first pings of a long task)
                self.last_beat = last_check = time.monotonic()
            if self.held:
                with self.send_lock:
                    self.flush_results()

    def _controller_alive(self):
        pid, host = self.controller
        if not pid or host != socket.gethostname():
            return True
        return pid_alive(pid)

    def _drain(self, sock, router):
        import zmq
        wire = self.wire
        while wire.pending(sock) and not self.exiting:
            try:
                ident, packed, bufs = wire.recv(sock, router, wire.NOBLOCK)
            except zmq.Again:
                return
            if packed == BATCH:
                for p in bufs:
                    self._handle(sock, ident, p, ())
            else:
                self._handle(sock, ident, packed, bufs)

    def _handle(self, sock, ident, packed, bufs):
        try:
            head, payload = self.wire.unpack(packed)
        except ProtocolError as e:
            log.warning("engine %s dropped a bad message: %s", self.id, e)
            return
        t = head["t"]
        try:
            if t in ("apply", "execute"):
                if not isinstance(head.get("id"), str):
                    raise ValueError("a task needs a message id (a str)")
                self.queue.append((sock, ident, head, payload, bufs))
            elif t == "abort":
                self.aborted.update(head["ids"])
            elif t == "shutdown":
                self.exiting = True
            else:
                raise ValueError(f"unknown message type {t!r}")
        except Exception as e:      # a malformed message costs one error reply
            log.error("engine %s: bad %r message: %s: %s", self.id, t, type(e).__name__, e)
            self._reply_error(sock, ident, head, e)

    def _reply_error(self, sock, ident, head, e):
        t = head.get("t")
        err = {"ename": type(e).__name__, "traceback": "", "engine_id": self.id,
               "evalue": f"engine {self.id} could not handle this {t!r} message: "
                         f"{type(e).__name__}: {e}"}
        reply = {"t": "error", "id": head.get("id"), "eid": self.id, "err": err}
        if t in ("apply", "execute"):
            reply.update(t="result", md={"engine_id": self.id})
        try:
            self.wire.send(sock, reply, ident=ident)
        except Exception as e2:
            log.error("engine %s could not answer a bad message: %s", self.id, e2)

    def publish(self, data):
        sock, ident, msg_id = self.current
        payload, bufs = dumps(data)
        with self.send_lock:
            self.wire.send(sock, {"t": "data", "id": msg_id, "eid": self.id}, payload, bufs,
                           ident=ident)

    def _run_task(self, sock, ident, head, payload, bufs):
        msg_id = head["id"]
        md = {"engine_id": self.id, "started": time.time()}
        out = err = None
        result = b""
        rbufs = []
        error = None
        if msg_id in self.aborted:
            self.aborted.discard(msg_id)
            error = {"ename": "TaskAborted", "evalue": "task aborted before it started",
                     "traceback": ""}
        elif head.get("deadline") and time.time() > head["deadline"]:
            error = {"ename": "TaskTimeout",
                     "evalue": "task did not start within its timeout", "traceback": ""}
        else:
            saved = sys.stdout, sys.stderr

            def live(name, text):
                self.wire.send(sock, {"t": "stream", "id": msg_id, "name": name,
                                      "text": text, "eid": self.id}, ident=ident)
            out = Capture("stdout", live, self.send_lock)
            err = Capture("stderr", live, self.send_lock)
            with self.send_lock:
                self.captures = (out, err)
            sys.stdout, sys.stderr = out, err
            pub = self.pub
            pub.outputs = []
            pub.result = None
            try:
                self.in_task = True
                self.task_started = md["started"]
                self.current = (sock, ident, msg_id)
                if head["t"] == "apply":
                    f, args, kwargs = loads(payload, bufs)
                    value = f(*args, **kwargs)
                else:
                    value = self._execute(bytes(payload).decode("utf8"), head, md)
                try:
                    result, rbufs = dumps(value)
                except Exception as e:
                    error = {"ename": "SerializationError",
                             "evalue": f"the result could not be pickled: "
                                       f"{type(e).__name__}: {e}", "traceback": ""}
            except _CellError as e:
                error = e.args[0]
            except MemoryError:
                error = _error(*sys.exc_info())
                error["evalue"] = error["evalue"] or "the engine ran out of memory"
            except BaseException:
                error = _error(*sys.exc_info())
            finally:
                self.in_task = False
                self.current = None
                sys.stdout, sys.stderr = saved
                with self.send_lock:
                    self.captures = ()
                    out.close_live()
                    err.close_live()
            if pub.outputs:
                md["outputs"] = pub.outputs
            if pub.result is not None:
                md["execute_result"] = pub.result
        md["completed"] = time.time()
        md["stdout"] = out.getvalue() if out is not None else ""
        md["stderr"] = err.getvalue() if err is not None else ""
        rhead = {"t": "result", "id": msg_id, "eid": self.id, "md": md}
        if error is not None:
            error["engine_id"] = self.id
            rhead["err"] = error
            result, rbufs = b"", []
        try:
            if rbufs or not self.queue:
                with self.send_lock:
                    self.flush_results()
                    self.wire.send(sock, rhead, result, rbufs, ident=ident)
            else:
                self.hold(sock, ident, self.wire.pack(rhead, result))
        except Exception as e:  # e.g. a head that cannot be pickled
            log.error("engine %s could not send a result: %s", self.id, e)

    # -- results of tiny tasks go out together: a result is held while more tasks wait
    #    here, for at most hold_for seconds (the flusher thread sends what a long task
    #    would keep waiting)
    hold_for = 0.002

    def hold(self, sock, ident, packed):
        with self.send_lock:
            held = self.held
            if not held:
                self.held_since = time.monotonic()
                self.held_event.set()
            held.setdefault((sock, ident), []).append(packed)
            if time.monotonic() - self.held_since > self.hold_for:
                self.flush_results()

    def flush_results(self):
        """Send the held results (under send_lock)."""
        held, self.held = self.held, {}
        for (sock, ident), packed in held.items():
            try:
                self.wire.send_gathered(sock, packed, ident)
            except Exception as e:      # (a closed socket at exit, ...)
                log.error("engine %s could not send %d results: %s", self.id, len(packed), e)

    def _execute(self, code, head, md):
        shell = self.shell
        r = shell.run_cell(code, store_history=not head.get("silent", False),
                           silent=head.get("silent", False))
        md["execution_count"] = r.execution_count
        if not r.success:
            err = dict(shell.last_error or {"ename": "Error", "evalue": "", "traceback": []})
            tb = err.get("traceback")
            if isinstance(tb, list):
                err["traceback"] = "\n".join(tb)
            raise _CellError(err)
        return None


class _CellError(Exception):
    pass


def remove_stale_sockets(folder):
    """Remove this user's engine Unix sockets in folder whose engine died (killed, it
    could not remove its own)."""
    import glob
    for path in glob.glob(os.path.join(folder, "ipylite-engine-*-*.sock")):
        try:
            pid = int(os.path.basename(path).split("-")[2])
            if os.lstat(path).st_uid == os.getuid() and not pid_alive(pid):
                os.unlink(path)
        except (ValueError, OSError):
            pass


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rfind(b")") + 2:][:1] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True


# --------------------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ipylite.engine",
                                description="An ipylite.parallel engine.")
    p.add_argument("-f", "--file", required=True, help="the engine connection file")
    p.add_argument("--id", type=int, default=None, help="ask for this engine id")
    p.add_argument("--mpi", action="store_true",
                   help="started by mpiexec: id = MPI rank; comm, mpi_rank, mpi_size")
    p.add_argument("--debug", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING,
                        format="%(asctime)s engine %(levelname)s %(message)s")
    try:
        with open(a.file) as f:
            info = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"ipylite engine: cannot read connection file {a.file}: {e}")
    serve(info, a.id, mpi=a.mpi)


def serve(info, engine_id=None, namespace=None, mpi=False):
    """Make this process an engine of a running cluster until the cluster shuts it down
    (then return its namespace, with whatever clients changed). ``info`` is the engine
    connection file's path or its dict; ``namespace`` holds names clients see. An MPI
    program can call ``ns = serve(path, namespace={"x": x}, mpi=True)`` on every rank
    to expose its ranks as engines for interactive inspection, then carry on."""
    if isinstance(info, (str, os.PathLike)):
        with open(info) as f:
            info = json.load(f)
    global _RUNNING, _ENGINE
    _RUNNING = True
    ns = dict(namespace or {})
    if mpi:
        try:
            from mpi4py import MPI
        except ImportError:
            raise SystemExit("ipylite engine: --mpi needs mpi4py (pip install mpi4py mpich)")
        comm = MPI.COMM_WORLD
        ns.update(comm=comm, mpi_rank=comm.Get_rank(), mpi_size=comm.Get_size())
        if engine_id is None:
            engine_id = ns["mpi_rank"]
    engine = _ENGINE = Engine(info, engine_id)
    engine.shell.user_ns.update(ns)
    engine.connect()
    # the namespace is __main__'s, as in a kernel: what pickles functions by their
    # module's globals (dill, cloudpickle) finds the engine's names there
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = engine.shell.user_module
    import signal
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, engine._on_sigint) if on_main else None
    wakeup = engine.watch_stuck_interrupts() if mpi and on_main else None
    try:
        engine.run()
    except KeyboardInterrupt:
        pass
    finally:
        if on_main:                 # (serve() called from a thread: no handler)
            signal.signal(signal.SIGINT, previous)
        if wakeup is not None:
            signal.set_wakeup_fd(wakeup)
        if main is not None:
            sys.modules["__main__"] = main
        engine.ctx.destroy(linger=500)
        engine.remove_local()
        _RUNNING = False
        _ENGINE = None
    return engine.shell.user_ns


if __name__ == "__main__":
    # run the package's copy of this module, so the helpers clients send by reference
    # (ipylite.engine.remote_push, ...) and this engine share one set of globals
    from .engine import main as _main
    _main()
