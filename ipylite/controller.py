"""The ipylite.parallel controller: one thread, three ROUTER sockets, a tight poll loop.

    clients  ROUTER  clients connect, submit load-balanced tasks, get notifications
    engines  ROUTER  engines register, receive load-balanced tasks, return results
    hb       ROUTER  pings to each engine; a zmq.proxy in the engine echoes them

Direct requests do not pass through here: clients send them to each engine's own socket
(the URL comes with the engine's registration), one hop each way. The controller tells
every client when an engine comes or goes, so a client fails the direct requests that
an engine which died was holding.

Load balancing: least outstanding tasks first, at most ``hwm`` tasks queued on one
engine, so the next task is already there when one finishes (scheduler.py). Task frames are forwarded
as received (zero-copy); a retry re-signs a new head. Memory is bounded: a task is
forgotten once its result is forwarded; only the ``done_history`` most recent outcomes
are remembered, for ``after``/``follow`` dependencies (older or unknown ids count as met).

Engines are declared dead when their process is gone (engines on this host: checked
every ``tick`` seconds) or after ``hb_misses`` unanswered pings (every engine).
"""

import collections
import logging
import os
import signal
import socket
import time

from .protocol import ProtocolError
from .scheduler import Task, TaskScheduler
from .serialize import BATCH, Wire

log = logging.getLogger("ipylite.parallel.controller")


class EngineRec:
    __slots__ = ("id", "ident", "hb", "pid", "host", "url", "tasks", "beat", "local", "limit",
                 "avg", "local_url")

    def __init__(self, eid, ident, hb, pid, host, url, local):
        self.id, self.ident, self.hb, self.pid, self.host, self.url = eid, ident, hb, pid, host, url
        self.local = local
        self.local_url = None    # [host, ipc url]: the direct socket for that host's clients
        self.tasks = {}
        self.beat = 0
        self.limit = 2           # tasks queued on it: Controller.hwm while tasks are short
        self.avg = 0.01          # moving average of its task run time, seconds


class Controller(TaskScheduler):
    """The controller's sockets, loop, client requests and engine table; which engine
    runs which load-balanced task is decided by ``scheduler.TaskScheduler``."""

    hwm = 16                # tasks queued per engine while its tasks are short...
    short_task = 0.002      # ...that is, average under this many seconds (else 2)
    tick = 0.2
    hb_period = 0.5
    hb_misses = 3
    max_clients = 4096

    def __init__(self, session, ip="127.0.0.1", ports=(0, 0, 0), on_tick=None, on_change=None):
        import zmq
        self.zmq = zmq
        self.wire = Wire(session)
        self.ip = ip
        self.ctx = zmq.Context.instance()
        self.ctx.set(zmq.MAX_SOCKETS, 65536)
        self.sockets = {}
        self.urls = {}
        for name, port in zip(("clients", "engines", "hb"), ports):
            s = self.ctx.socket(zmq.ROUTER)
            s.linger = 0
            s.rcvhwm = s.sndhwm = 0
            if port:
                s.bind(f"tcp://{ip}:{port}")
            else:
                port = s.bind_to_random_port(f"tcp://{ip}")
            self.sockets[name] = s
            self.urls[name] = f"tcp://{ip}:{port}"
        self.engines = {}        # id -> EngineRec
        self.by_ident = {}       # engine socket identity -> EngineRec
        self.by_hb = {}          # heartbeat identity -> EngineRec
        self.clients = collections.OrderedDict()
        self.queue = collections.deque()
        self.tasks = {}          # every task not yet answered: id -> Task
        self.waiting = {}        # dependency id -> [Task]
        self.done = collections.OrderedDict()
        self.engine_out = {}     # engine ident -> [packed tasks] to send when schedule() ends
        self.dirty = False       # tasks or free slots appeared: schedule() after this pass
        self.outbox = {}         # client -> [packed results] to send at the end of a pass
        self.next_id = 0
        self.beat = 0
        self.running = False
        self.on_tick = on_tick
        self.on_change = on_change
        self.host = socket.gethostname()

    # -------------------------------------------------------------------- loop
    def run(self):
        zmq = self.zmq
        poller = zmq.Poller()
        handlers = {}
        for name in ("clients", "engines", "hb"):
            poller.register(self.sockets[name], zmq.POLLIN)
            handlers[self.sockets[name]] = getattr(self, "from_" + name)
        self.running = True
        next_tick = next_beat = time.monotonic()
        try:
            while self.running:
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + self.tick
                    self.check_engines()
                    self.check_timeouts()
                    if self.on_tick:
                        self.on_tick()
                if now >= next_beat:
                    next_beat = now + self.hb_period
                    self.heartbeat()
                timeout = max(0, min(next_tick, next_beat) - now) * 1000
                recv = self.wire.recv
                noblock = self.wire.NOBLOCK
                for sock, _ in poller.poll(timeout):
                    handle = handlers[sock]
                    pending = self.wire.pending
                    for _ in range(1000):   # drain, but let the others have a turn
                        if not pending(sock):
                            break
                        try:
                            ident, packed, bufs = recv(sock, True, noblock)
                        except zmq.Again:
                            break
                        if packed == BATCH:
                            for p in bufs:
                                handle(ident, p, ())
                        else:
                            handle(ident, packed, bufs)
                if self.dirty:
                    self.dirty = False
                    self.schedule()
                if self.outbox:
                    self.flush()
        finally:
            self.shutdown_engines()

    def flush(self):
        """Send the results gathered during one pass, one batch per client."""
        sock = self.sockets["clients"]
        for client, packed in self.outbox.items():
            self.wire.send_gathered(sock, packed, client)
        self.outbox = {}

    def stop(self, *args):
        self.running = False

    def _parse(self, packed, where):
        try:
            return self.wire.unpack(packed)
        except ProtocolError as e:
            log.warning("dropped a bad message from %s: %s", where, e)
            return None

    # ---------------------------------------------------------------- clients
    def from_clients(self, client, packed, bufs):
        parsed = self._parse(packed, "a client")
        if parsed is None:
            return
        head, payload = parsed
        t = head["t"]
        try:
            if t in ("apply", "execute"):
                task = Task(client, packed, bufs, head)
                self.tasks[task.id] = task
                self.submit(task)
                return
            self.clients[client] = time.monotonic()
            self.clients.move_to_end(client)
            while len(self.clients) > self.max_clients:
                self.clients.popitem(last=False)
            handler = getattr(self, "client_" + t, None)
            if handler is None:
                raise ValueError(f"unknown request type {t!r}")
            reply = handler(head, client)
        except Exception as e:      # a signed but malformed request costs one error reply
            log.error("a client's %r request failed: %s: %s", t, type(e).__name__, e)
            self._refuse(client, head, e)
            return
        if reply is not None:
            reply.setdefault("id", head.get("id"))
            self.wire.send(self.sockets["clients"], reply, ident=client)

    def _refuse(self, client, head, e):
        err = {"ename": type(e).__name__, "traceback": "", "engine_id": None,
               "evalue": f"the controller could not handle this {head.get('t')!r} "
                         f"message: {type(e).__name__}: {e}"}
        msg_id = head.get("id")
        if head.get("t") in ("apply", "execute"):
            if isinstance(msg_id, str):
                self.tasks.pop(msg_id, None)
            reply = {"t": "result", "id": msg_id, "eid": None, "md": {}, "err": err}
        else:
            reply = {"t": "error", "id": msg_id, "err": err}
        try:
            self.wire.send(self.sockets["clients"], reply, ident=client)
        except Exception as e2:     # e.g. an id that cannot be pickled
            log.error("could not answer a bad request: %s", e2)

    def client_connect(self, head, client):
        return {"t": "connected", "engines": self._engine_table(), "hwm": self.hwm,
                "local_urls": {e.id: e.local_url for e in self.engines.values()
                               if e.local_url}}

    def client_ping(self, head, client):
        return {"t": "pong"}

    def client_disconnect(self, head, client):
        self.clients.pop(client, None)

    def client_queue_status(self, head, client):
        return {"t": "queue_status", "unassigned": len(self.queue) + sum(
            len(v) for v in self.waiting.values()),
            "engines": {e.id: len(e.tasks) for e in self.engines.values()}}

    def client_abort(self, head, client):
        ids = set(head["ids"])
        for task in [t for t in self.queue if t.id in ids]:
            self.queue.remove(task)
            self.fail(task, "TaskAborted", "task aborted before it started")
        for deps in self.waiting.values():
            for task in [t for t in deps if t.id in ids]:
                deps.remove(task)
                if task.id in self.tasks:
                    self.fail(task, "TaskAborted", "task aborted before it started")
        by_engine = collections.defaultdict(list)
        for i in ids:
            task = self.tasks.get(i)
            if task is not None and task.engine is not None:
                by_engine[task.engine].append(i)
        for eid, mids in by_engine.items():
            e = self.engines.get(eid)
            if e is not None:
                self.wire.send(self.sockets["engines"], {"t": "abort", "ids": mids}, ident=e.ident)
        return {"t": "aborted"}

    def client_signal(self, head, client):
        """Send a signal (SIGINT: interrupt the running task) to engines on this host."""
        sig, targets = int(head.get("sig", signal.SIGINT)), head.get("targets")
        sent, elsewhere = [], []
        for e in sorted(self.engines.values(), key=lambda e: e.id):
            if targets is not None and e.id not in targets:
                continue
            if not (e.local and e.pid):
                elsewhere.append(e.id)
                continue
            try:
                os.kill(e.pid, sig)
                sent.append(e.id)
            except OSError as err:
                log.warning("could not signal engine %s (pid %s): %s", e.id, e.pid, err)
        return {"t": "signal_reply", "sent": sent, "elsewhere": elsewhere}

    def client_become_dask(self, head, client):
        """Start a dask Scheduler here (Client.become_dask); its address."""
        from .daskbridge import start_scheduler
        return {"t": "dask_reply",
                "address": start_scheduler(self.ip, head.get("scheduler_args"))}

    def client_stop_dask(self, head, client):
        from .daskbridge import stop_scheduler
        return {"t": "dask_reply", "stopped": stop_scheduler()}

    def client_shutdown(self, head, client):
        targets = head.get("targets")
        for e in list(self.engines.values()):
            if targets is None or e.id in targets:
                self.wire.send(self.sockets["engines"], {"t": "shutdown"}, ident=e.ident)
        if head.get("hub"):
            self.running = False
        return {"t": "shutdown_reply"}

    def notify(self, head):
        sock = self.sockets["clients"]
        for client in self.clients:
            self.wire.send(sock, dict(head), ident=client)

    def _engine_table(self):
        return {e.id: e.url for e in self.engines.values()}

    # ---------------------------------------------------------------- engines
    def from_engines(self, ident, packed, bufs):
        parsed = self._parse(packed, "an engine")
        if parsed is None:
            return
        try:
            self.engine_message(ident, packed, bufs, parsed[0])
        except Exception as e:      # a malformed message costs itself, never the loop
            log.error("an engine's %r message failed: %s: %s", parsed[0].get("t"),
                      type(e).__name__, e)

    def engine_message(self, ident, packed, bufs, head):
        if head["t"] == "result":
            e = self.by_ident.get(ident)
            task = e.tasks.pop(head["id"], None) if e is not None else None
            if task is None:
                return
            md = head.get("md")
            if md and "started" in md:
                e.avg = 0.8 * e.avg + 0.2 * (md["completed"] - md["started"])
                e.limit = self.hwm if e.avg < self.short_task else 2
            err = head.get("err")
            if err is not None and err["ename"] == "UnmetDependency" and not task.head.get(
                    "direct"):          # try the other engines
                task.exclude.add(e.id)
                task.head["unmet"] = err.get("evalue", "")
                self.resubmit(task)
            elif err is not None and task.retries > 0 and err["ename"] not in (
                    "TaskAborted", "TaskTimeout"):
                task.retries -= 1
                task.exclude.add(e.id)
                self.resubmit(task)
            else:
                self.tasks.pop(task.id, None)
                if bufs:
                    self.wire.send_packed(self.sockets["clients"], packed, bufs, task.client)
                else:
                    self.outbox.setdefault(task.client, []).append(packed)
                self.finished(task.id, e.id, err is None)
            self.dirty = True
        elif head["t"] in ("stream", "data"):
            task = self.tasks.get(head["id"])
            if task is not None:
                self.wire.send_packed(self.sockets["clients"], packed, bufs, task.client)
        elif head["t"] == "register":
            self.register(ident, head)
        else:
            log.warning("unknown message %r from an engine", head["t"])

    def register(self, ident, head):
        eid = head.get("id")
        if eid is None or eid in self.engines:
            while self.next_id in self.engines:
                self.next_id += 1
            eid = self.next_id
            self.next_id += 1
        hb = head["hb"].encode() if isinstance(head["hb"], str) else head["hb"]
        old = self.by_ident.get(ident)
        if old is not None:
            self.unregister(old, "re-registered")
        e = EngineRec(eid, ident, hb, head.get("pid"), head.get("host"), head.get("url"),
                      head.get("host") == self.host)
        e.beat = self.beat
        lu = head.get("local_url")
        if isinstance(lu, list) and len(lu) == 2 and all(isinstance(x, str) for x in lu):
            e.local_url = lu
        self.engines[eid] = e
        self.by_ident[ident] = e
        self.by_hb[hb] = e
        self.wire.send(self.sockets["engines"], {"t": "registered", "eid": eid,
                                                 "pid": os.getpid(), "host": self.host},
                       ident=ident)
        log.info("engine %s registered from %s (pid %s)", eid, e.host, e.pid)
        self.notify({"t": "registration", "eid": eid, "url": e.url,
                     "local_url": e.local_url})
        if self.on_change:
            self.on_change(self)
        self.schedule()

    def unregister(self, e, reason):
        if self.engines.get(e.id) is not e:
            return
        log.warning("engine %s unregistered: %s", e.id, reason)
        del self.engines[e.id]
        self.by_ident.pop(e.ident, None)
        self.by_hb.pop(e.hb, None)
        self.notify({"t": "unregistration", "eid": e.id, "reason": reason})
        for task in list(e.tasks.values()):
            if task.retries > 0:
                task.retries -= 1
                task.exclude.add(e.id)
                self.resubmit(task)
            else:
                self.fail(task, "EngineError", f"engine {e.id} died while running the task "
                          f"({reason})")
        e.tasks.clear()
        if self.on_change:
            self.on_change(self)
        self.schedule()

    def check_engines(self):
        from .engine import pid_alive
        status = {}
        for e in list(self.engines.values()):
            if e.local and e.pid:
                alive = status.get(e.pid)
                if alive is None:
                    alive = status[e.pid] = pid_alive(e.pid)
                if not alive:
                    self.unregister(e, "its process is gone")

    # --------------------------------------------------------------- heartbeat
    def heartbeat(self):
        sock = self.sockets["hb"]
        for e in list(self.engines.values()):
            if self.beat - e.beat >= self.hb_misses:
                self.unregister(e, f"no heartbeat for {self.hb_misses} periods")
        self.beat += 1
        ping = str(self.beat).encode()
        for e in self.engines.values():
            try:
                sock.send_multipart([e.hb, ping], self.zmq.NOBLOCK)
            except self.zmq.ZMQError:
                pass

    def from_hb(self, ident, packed, bufs):
        e = self.by_hb.get(ident)
        if e is None or bufs:
            return
        try:
            beat = int(packed)
        except ValueError:
            return
        if beat <= self.beat and beat > e.beat:
            e.beat = beat

    # ---------------------------------------------------------------- shutdown
    def shutdown_engines(self):
        for e in list(self.engines.values()):
            try:
                self.wire.send(self.sockets["engines"], {"t": "shutdown"}, ident=e.ident)
            except Exception:
                pass

    def close(self):
        for s in self.sockets.values():
            s.close(linger=200)


def install_signals(controller):
    signal.signal(signal.SIGTERM, controller.stop)
    signal.signal(signal.SIGINT, controller.stop)
