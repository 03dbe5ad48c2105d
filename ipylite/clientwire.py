"""The client's wire: its sockets, sending requests and handling what comes back.

``ClientTransport`` is a mixin of ``parallel.Client``, which builds the sockets and the
bookkeeping in its ``__init__`` (``wire``, ``ctx``, ``_ctl`` the controller's DEALER,
``_poller``, ``_lock``, ``_engines``/``_local_urls``/``_socks``, ``_pending`` msg_id ->
AsyncResult, ``_on_engine``, ``_replies``, ``_records``, ``_ars``). This half:

- sends direct requests straight to each engine's own socket (its Unix socket on the
  same host), or through the controller when ``direct`` is off, and load-balanced tasks
  to the controller, batched;
- ``spin`` receives results, streams, published data and (un)registrations, and hands
  each to its AsyncResult or the engine table;
- watches the controller: while tasks are pending and it has said nothing for
  ``ping_every`` seconds it is pinged; no answer for ``controller_timeout`` seconds and
  every pending task fails with an EngineError, and new sends raise one.
"""

import logging
import os
import socket
import time

from .asyncresult import EngineError, remote_error
from .protocol import ProtocolError
from .serialize import BATCH

log = logging.getLogger("ipylite.parallel")


class ClientTransport:
    def _socket(self, url):
        zmq = self._zmq
        s = self.ctx.socket(zmq.DEALER)
        s.linger = 0
        s.sndhwm = s.rcvhwm = 0
        s.connect(url)
        return s

    def _next_id(self):
        self._count += 1
        return f"{self._prefix}{self._count}"

    def _request(self, head, timeout=10):
        with self._lock:
            head["id"] = msg_id = self._next_id()
            self.wire.send(self._ctl, head)
        deadline = time.monotonic() + timeout
        while msg_id not in self._replies:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"the controller at {self.info['client_url']} did not "
                                   f"answer within {timeout} s; is the cluster running?")
            self.spin(left)
        reply = self._replies.pop(msg_id)
        if reply.get("t") == "error":
            raise remote_error(reply.get("err") or {"ename": "Error"})
        return reply

    # -- is the controller there? While tasks are pending and it has said nothing for
    #    ping_every seconds, it is pinged; no answer for controller_timeout seconds and
    #    every pending task fails (the engines' outcomes can no longer be known).
    ping_every = 1.0
    controller_timeout = 5.0

    def _check_controller(self, now):
        if self._ping is None:
            self._ping = now
            self.wire.send(self._ctl, {"t": "ping", "id": None})
        elif now - self._ping > self.controller_timeout and self._lost is None:
            self._lost = (f"the controller at {self.info['client_url']} stopped answering "
                          f"(no reply for {self.controller_timeout:g} s)")
            log.error("%s: failing %d pending tasks", self._lost, len(self._pending))
            pending, self._pending = self._pending, {}
            self._on_engine.clear()
            for msg_id, ar in pending.items():
                ar._deliver({"t": "result", "id": msg_id, "eid": None, "md": {},
                             "err": {"ename": "EngineError", "engine_id": None,
                                     "evalue": self._lost + "; is the cluster still running?",
                                     "traceback": ""}}, b"", [])

    def _check_sendable(self):
        if self._lost is not None:
            self.spin(0)                # it may be back
            if self._lost is not None:
                raise EngineError("EngineError", self._lost + "; start the cluster again "
                                  "and connect a new Client")

    # -- receiving
    def spin(self, timeout=0):
        """Handle whatever has arrived, waiting up to timeout seconds for something."""
        with self._lock:
            return self._spin(timeout)

    def _spin(self, timeout):
        Again = self._zmq.Again
        wire = self.wire
        noblock = wire.NOBLOCK
        if self._pending and (timeout is None or timeout > self.ping_every):
            timeout = self.ping_every       # (keep an eye on the controller)
        events = self._poller.poll(None if timeout is None else int(timeout * 1000))
        for sock, _ in events:
            if sock is self._ctl:
                self._heard = time.monotonic()
                self._ping = self._lost = None
            while wire.pending(sock):
                try:
                    _, packed, bufs = wire.recv(sock, False, noblock)
                except Again:
                    break
                if packed == BATCH:
                    for p in bufs:
                        try:
                            head, payload = wire.unpack(p)
                        except ProtocolError as e:
                            log.warning("client dropped a bad message: %s", e)
                            continue
                        self._handle(head, payload, ())
                    continue
                try:
                    head, payload = wire.unpack(packed)
                except ProtocolError as e:
                    log.warning("client dropped a bad message: %s", e)
                    continue
                self._handle(head, payload, bufs)
        if self._pending:
            now = time.monotonic()
            if now - self._heard > self.ping_every:
                self._check_controller(now)
        return bool(events)

    def _handle(self, head, payload, bufs):
        t = head["t"]
        if t == "result":
            ar = self._pending.pop(head["id"], None)
            eid = head.get("eid")
            ids = self._on_engine.get(eid)
            if ids is not None:
                ids.discard(head["id"])
            if ar is not None:
                ar._deliver(head, payload, bufs)
                head["label"] = ar._label
                head["submitted"] = ar._submitted.get(head["id"])
                records = self._records
                records[head["id"]] = head
                if len(records) > self.history_limit:
                    records.popitem(last=False)
        elif t == "data":
            ar = self._pending.get(head["id"])
            if ar is not None:
                ar._publish(head, payload, bufs)
        elif t == "stream":
            ar = self._pending.get(head["id"])
            if ar is not None:
                ar._stream(head)
        elif t == "registration":
            self._engines[head["eid"]] = head["url"]
            if head.get("local_url"):
                self._local_urls[head["eid"]] = head["local_url"]
        elif t == "unregistration":
            self._engine_gone(head["eid"], head.get("reason", ""))
        elif t == "pong":
            pass
        elif head.get("id") is None:
            log.warning("the cluster said: %s", head.get("err") or head)
        else:
            self._replies[head.get("id")] = head

    def _engine_socket(self, eid):
        sock = self._socks.get(eid)
        if sock is None:
            url = self._engines.get(eid)
            if url is None:
                self.spin(0)
                url = self._engines.get(eid)
                if url is None:
                    raise IndexError(f"no engine with id {eid!r} (engines: {self.ids})")
            local = self._local_urls.get(eid)
            if local and local[0] == socket.gethostname() and os.path.exists(
                    local[1][len("ipc://"):]):
                url = local[1]          # the same host: its Unix socket
            sock = self._socks[eid] = self._socket(url)
            self._poller.register(sock, self._zmq.POLLIN)
        return sock

    # -- sending
    def _send_direct(self, targets, head, payload, bufs, ar):
        with self._lock:
            return self._send_direct_locked(targets, head, payload, bufs, ar)

    def _send_direct_locked(self, targets, head, payload, bufs, ar):
        self._check_sendable()
        if not self.direct:             # through the controller, which forwards it
            for eid in targets:
                if eid not in self._engines:
                    raise IndexError(f"no engine with id {eid!r} (engines: {self.ids})")
                self._send_lb(dict(head, targets=[eid], direct=True), payload, bufs, ar)
            self.last = ar
            return ar
        for eid in targets:
            sock = self._engine_socket(eid)
            msg_id = self._next_id()
            h = dict(head)
            h["id"] = msg_id
            ar.msg_ids.append(msg_id)
            ar._submitted[msg_id] = time.time()
            self._pending[msg_id] = ar
            self._ars[msg_id] = ar
            self._on_engine.setdefault(eid, set()).add(msg_id)
            ar._requests[msg_id] = (eid, h, payload, bufs, ar._submitted[msg_id])
            self.wire.send(sock, h, payload, bufs)
        self.last = ar
        return ar

    def _send_lb(self, head, payload, bufs, ar):
        with self._lock:
            self._check_sendable()
            msg_id = head["id"] = self._next_id()
            ar.msg_ids.append(msg_id)
            ar._submitted[msg_id] = time.time()
            self._pending[msg_id] = ar
            self._ars[msg_id] = ar
            ar._requests[msg_id] = (None, head, payload, bufs, ar._submitted[msg_id])
            self.wire.send(self._ctl, head, payload, bufs)
            return msg_id

    def _send_lb_many(self, items, ar, batch=256):
        """Submit load-balanced tasks [(head, payload)] (no buffers), batched."""
        with self._lock:
            self._send_lb_many_locked(items, ar, batch)

    def _send_lb_many_locked(self, items, ar, batch):
        self._check_sendable()
        pack = self.wire.pack
        packed = []
        now = time.time()
        requests = ar._requests
        for head, payload in items:
            msg_id = head["id"] = self._next_id()
            ar.msg_ids.append(msg_id)
            ar._submitted[msg_id] = now
            self._pending[msg_id] = ar
            self._ars[msg_id] = ar
            requests[msg_id] = (None, head, payload, (), now)
            packed.append(pack(head, payload))
            if len(packed) >= batch:
                self.wire.send_batch(self._ctl, packed)
                packed = []
        if packed:
            self.wire.send_batch(self._ctl, packed)
