"""The notebook server's kernel side: one KernelBridge per kernel (its manager, a
client whose sockets only the bridge thread touches, and what a reconnecting page needs
to catch up: per cell id, the messages of that cell's latest execution), and one Outlet
per page's WebSocket (its own writer thread, so a slow browser never holds up the
bridge; floods are merged, bounded and counted there).
"""

import collections
import datetime
import logging
import os
import threading
import time
import uuid

from .protocol import WakePipe
from .webserver import ws_frame

log = logging.getLogger("ipylite.webnb")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def isoformat(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat().replace("+00:00", "Z")


STREAM_KEEP = 1 << 20     # chars of one cell's stream kept for a waiting page / for replay
OUTLET_MAX = 50000        # outputs waiting for one page before any more are dropped
OUTLET_PER_CELL = 2000    # outputs of one request waiting for a page before its next are dropped
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data")


def _merge_stream(last, obj):
    """Append stream message ``obj`` to ``last`` (a private copy) if both are the same
    stream of the same request; keep the last STREAM_KEEP chars and count the lines
    dropped in ``content["ipylite_hidden"]``. True if merged."""
    if not (isinstance(last, dict) and isinstance(obj, dict)
            and obj.get("msg_type") == "stream" == last.get("msg_type")
            and obj.get("channel") == last.get("channel")
            and obj["parent_header"].get("msg_id") == last["parent_header"].get("msg_id")
            and obj["content"].get("name") == last["content"].get("name")):
        return False
    c = last["content"]
    text = c.get("text", "") + obj["content"].get("text", "")
    hidden = c.get("ipylite_hidden", 0) + obj["content"].get("ipylite_hidden", 0)
    if len(text) > STREAM_KEEP:
        cut = len(text) - STREAM_KEEP
        hidden += text.count("\n", 0, cut)
        text = text[cut:]
        c["ipylite_hidden"] = hidden
    elif hidden:
        c["ipylite_hidden"] = hidden
    c["text"] = text
    return True


def _private(obj):
    """A copy of a stream message whose content may be changed by _merge_stream."""
    return dict(obj, content=dict(obj["content"])) if isinstance(obj, dict) and obj.get("msg_type") == "stream" else obj


def _is_output(obj):
    return isinstance(obj, dict) and obj.get("channel") == "iopub" and obj.get("msg_type") in OUTPUT_TYPES


def _parent_id(obj):
    return (obj.get("parent_header") or {}).get("msg_id") if isinstance(obj, dict) else None


def dropped_note(parent, count):
    """The message that tells a page ``count`` outputs of request ``parent`` were dropped."""
    return {"channel": "ipylite", "msg_type": "dropped", "header": {"msg_type": "dropped"},
            "parent_header": {"msg_id": parent}, "metadata": {}, "buffers": [],
            "content": {"count": count}}


class Outlet:
    """One page's WebSocket, written by its own thread so a slow browser never holds up
    the kernel bridge. Stream messages waiting for it are merged (bounded by
    STREAM_KEEP). Past OUTLET_PER_CELL outputs of one request waiting, its oldest
    waiting output is dropped for the new one (past OUTLET_MAX waiting in all, the new
    one is), counted, and the page is told how many on that cell (an
    ``ipylite/dropped`` message before the request's next status or reply), as Jupyter
    Server's rate limit says so in the output. Status, replies, errors and input
    requests always get through, so every cell ends, showing its latest output."""

    def __init__(self, ws):
        self.ws = ws
        self.queue = collections.deque()        # [message] entries; [None] once dropped
        self.cv = threading.Condition()
        self.waiting = {}                       # request -> deque of its output entries queued
        self.outputs = 0                        # outputs in the queue
        self.dropped = collections.Counter()    # request -> outputs dropped, not yet told
        threading.Thread(target=self._run, daemon=True, name="webnb-outlet").start()

    def put(self, obj):
        with self.cv:
            if self.ws.closed:
                raise ConnectionError("websocket closed")
            parent = _parent_id(obj)
            last = self.queue[-1][0] if self.queue else None
            if _merge_stream(last, obj):
                self.cv.notify()
                return
            entry = [_private(obj)]
            if _is_output(obj):
                if self.outputs >= OUTLET_MAX:
                    self.dropped[parent] += 1
                    return
                mine = self.waiting.setdefault(parent, collections.deque())
                if len(mine) >= OUTLET_PER_CELL:
                    mine.popleft()[0] = None
                    self.outputs -= 1
                    self.dropped[parent] += 1
                mine.append(entry)
                self.outputs += 1
            elif parent in self.dropped:
                self.queue.append([dropped_note(parent, self.dropped.pop(parent))])
            self.queue.append(entry)
            self.cv.notify()

    def _run(self):
        while True:
            with self.cv:
                while not self.queue and not self.ws.closed:
                    self.cv.wait()
                if self.ws.closed:
                    return
                obj = self.queue.popleft()[0]
                if obj is None:
                    continue
                if _is_output(obj):
                    parent = _parent_id(obj)
                    self.outputs -= 1
                    mine = self.waiting[parent]
                    mine.popleft()
                    if not mine:
                        del self.waiting[parent]
            try:
                self.ws.send(obj if isinstance(obj, str) else ws_frame(obj))
            except (OSError, ConnectionError, ValueError):
                self.close()
                return

    def close(self, code=1000):
        self.ws.close(code)
        with self.cv:
            self.ws.closed = True
            self.cv.notify()


# --------------------------------------------------------------- kernel bridge

class KernelBridge:
    """One kernel: its manager, a client whose sockets only the bridge thread touches,
    the WebSockets listening to it, and what a reconnecting page needs to catch up."""

    max_msgs_per_cell = 2000
    max_cells = 5000

    def __init__(self, kernel_name, cwd, quiet=True):
        from .protocol import KernelManager
        self.id = str(uuid.uuid4())
        self.name = kernel_name
        self.km = KernelManager(kernel_name=kernel_name, cwd=cwd)
        self.cwd = cwd
        kw = {"stdout": __import__("subprocess").DEVNULL,
              "stderr": __import__("subprocess").DEVNULL} if quiet else {}
        self.km.start_kernel(**kw)
        self.execution_state = "starting"
        self.ready = False        # kernel answered and our iopub subscription is live
        self._iopub_seen = self._info_seen = False
        self.last_activity = utcnow()
        self.sockets = set()
        self.lock = threading.Lock()
        self.cells = {}          # cell id -> {"msg_id", "msgs"}
        self.widget_capture = {}  # Output widget's comm id -> the request it captures
        self.parents = {}        # execute msg_id -> cell id
        self.pending_input = None
        self.outbox = []
        self._wakeup = WakePipe()
        self._stop = threading.Event()
        self.kc = self.km.client()
        self.thread = threading.Thread(target=self._run, daemon=True, name="webnb-kernel")
        self.thread.start()
        self.km.start_restarter(self._restarted)

    def model(self):
        return {"id": self.id, "name": self.name, "last_activity": isoformat(self.last_activity.timestamp()),
                "execution_state": self.execution_state, "connections": len(self.sockets)}

    # -- the bridge thread
    def _run(self):
        zmq = __import__("zmq")
        from .protocol import connect_url
        # no high-water mark on our iopub: what the kernel sends is kept here (bounded
        # by Outlet and _record), never dropped on the way as a SUB socket would
        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.linger = 0
        sub.setsockopt(zmq.RECONNECT_IVL, 10)
        sub.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
        sub.setsockopt(zmq.RCVHWM, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(connect_url(self.kc.info, "iopub"))
        self.kc.sockets["iopub"] = sub
        self.kc.start_channels(hb=False)
        poller = zmq.Poller()
        for s in self.kc.sockets.values():
            poller.register(s, zmq.POLLIN)
        poller.register(self._wakeup.fileno(), zmq.POLLIN)
        names = {s: n for n, s in self.kc.sockets.items()}
        next_info = 0.0
        while not self._stop.is_set():
            try:
                next_info = self._pump(poller, names, next_info)
            except Exception:
                log.exception("kernel bridge error (continuing)")
        self.kc.stop_channels()

    def _pump(self, poller, names, next_info):
        events = dict(poller.poll(200))
        if self._wakeup.fileno() in events:
            self._wakeup.drain()
        with self.lock:
            # hold the pages' requests until the kernel is up and iopub is connected,
            # so no output is published before we listen (the slow-joiner race)
            if self.ready:
                outbox, self.outbox = self.outbox, []
            else:
                outbox = []
        for channel, msg in outbox:
            try:
                self.kc.session.send(self.kc.sockets[channel], msg)
            except Exception:
                log.exception("could not send %s", msg.get("msg_type"))
        for s, name in names.items():
            if s not in events:
                continue
            while True:
                try:
                    _, msg = self.kc.session.recv(s)
                except Exception as e:
                    log.warning("dropped a bad message on %s: %s", name, e)
                    continue
                if msg is None:
                    break
                if name == "iopub":
                    self._iopub_seen = True
                if msg["msg_type"] == "kernel_info_reply":
                    self._info_seen = True
                self._deliver(name, msg)
                if not self.ready and self._iopub_seen and self._info_seen:
                    self.ready = True
                    self._wake()
                    if self.execution_state == "starting":
                        self._set_state("idle")
        if not self.ready and time.monotonic() > next_info:
            self.kc.kernel_info()   # ask until the (re)started kernel answers on both
            next_info = time.monotonic() + (0.2 if self._info_seen else 1.0)
        return next_info

    def _set_state(self, state):
        self.execution_state = state
        self._broadcast({"channel": "iopub", "header": {"msg_type": "status", "msg_id": uuid.uuid4().hex,
                                                        "session": "", "date": utcnow().isoformat()},
                         "msg_type": "status", "parent_header": {}, "metadata": {},
                         "content": {"execution_state": state}, "buffers": []})

    def _deliver(self, channel, msg):
        self.last_activity = utcnow()
        t = msg["msg_type"]
        if t == "status" and channel == "iopub":
            self.execution_state = msg["content"].get("execution_state", self.execution_state)
        parent = msg["parent_header"].get("msg_id")
        with self.lock:
            cell = self.parents.get(parent)
            if (cell is not None and cell in self.cells and self.cells[cell]["msg_id"] == parent
                    and not widget_traffic(self.widget_capture, msg)):
                self._record(self.cells[cell], dict(_wire(msg), channel=channel, buffers=[]))
            if channel == "stdin" and t == "input_request":
                self.pending_input = dict(_wire(msg), channel=channel)
        if channel == "shell" and t == "execute_reply":
            self._edit_paths(msg["content"].get("payload"))
        self._broadcast(dict(_wire(msg), channel=channel))

    def _edit_paths(self, payload):
        """%edit's file, for the page: its path from the notebook's folder when it is
        inside it (the page opens it in its text editor), else none."""
        for p in payload if isinstance(payload, list) else ():
            if isinstance(p, dict) and p.get("source") == "edit_magic" and \
                    isinstance(p.get("filename"), str) and self.cwd:
                rel = os.path.relpath(os.path.realpath(p["filename"]), os.path.realpath(self.cwd))
                p["notebook_relative"] = None if rel.startswith(os.pardir) else rel

    def _record(self, rec, wired):
        """Keep a message of a cell's latest execution for replay: its last
        max_msgs_per_cell outputs (older ones are let go and counted in ``dropped``; a
        clear_output lets go of those before it), and always its status, input, reply
        and errors, so a replayed cell ends as it did."""
        msgs = rec["msgs"]
        if _merge_stream(msgs[-1] if msgs else None, wired):
            return
        if wired["msg_type"] == "clear_output":
            msgs[:] = [m for m in msgs if not _is_output(m) and m["msg_type"] != "clear_output"]
            rec["outputs"] = 0
        elif _is_output(wired):
            rec["outputs"] += 1
        msgs.append(_private(wired))
        if rec["outputs"] > self.max_msgs_per_cell * 3 // 2:   # trimmed now and then, not per message
            self._trim(rec)

    def _trim(self, rec):
        extra = rec["outputs"] - self.max_msgs_per_cell
        if extra <= 0:
            return
        kept = []
        for m in rec["msgs"]:
            if extra and _is_output(m):
                extra -= 1
                rec["dropped"] += 1
                rec["outputs"] -= 1
            else:
                kept.append(m)
        rec["msgs"] = kept

    def _broadcast(self, obj):
        for out in list(self.sockets):
            try:
                out.put(obj)
            except (OSError, ConnectionError, ValueError):
                self.sockets.discard(out)

    # -- from the pages
    def send(self, channel, msg):
        if channel not in ("shell", "control", "stdin"):
            raise ValueError("unknown channel %r" % channel)
        msg.setdefault("metadata", {})
        msg.setdefault("parent_header", {})
        msg.setdefault("content", {})
        msg["buffers"] = [b for b in msg.get("buffers") or () if isinstance(b, bytes)]
        t = msg["header"].get("msg_type")
        with self.lock:
            if t == "execute_request":
                cell = msg["metadata"].get("cellId")
                if cell:
                    if len(self.cells) >= self.max_cells:
                        self.cells.pop(next(iter(self.cells)))
                    self.cells.pop(cell, None)
                    self.cells[cell] = {"msg_id": msg["header"]["msg_id"], "msgs": [], "outputs": 0, "dropped": 0}
                    self.parents[msg["header"]["msg_id"]] = cell
            if t == "input_reply":
                self.pending_input = None
            self.outbox.append((channel, msg))
        self._wakeup.wake()

    def replay(self):
        with self.lock:
            for rec in self.cells.values():
                self._trim(rec)
            cells = [{"cell_id": k, "msg_id": v["msg_id"], "msgs": [_private(m) for m in v["msgs"]],
                      "dropped": v["dropped"]} for k, v in self.cells.items()]
            return {"channel": "ipylite", "msg_type": "replay", "header": {"msg_type": "replay"},
                    "parent_header": {}, "metadata": {}, "buffers": [],
                    "content": {"cells": cells, "pending_input": self.pending_input,
                                "execution_state": self.execution_state}}

    # -- lifecycle
    def _restarted(self, what):
        if what == "dead":
            self._set_state("dead")
        elif what == "restarted":
            self.ready = self._iopub_seen = self._info_seen = False
            self._set_state("starting")
            self._wake()
        elif what == "died":
            self._set_state("restarting")

    def _wake(self):
        self._wakeup.wake()

    def interrupt(self):
        self.km.interrupt_kernel()

    def restart(self):
        with self.lock:
            self.cells.clear()
            self.parents.clear()
            self.pending_input = None
            self.ready = False
        self._set_state("restarting")
        self.km.stop_restarter()
        self.km.restart_kernel(now=True)     # (with the first start's output settings)
        self.km.start_restarter(self._restarted)
        self.ready = self._iopub_seen = self._info_seen = False
        self._set_state("starting")
        self._wake()

    def shutdown(self):
        self._stop.set()
        self._wakeup.wake()
        self.km.shutdown_kernel(now=True)
        self.thread.join(5)
        self.execution_state = "dead"
        for ws in list(self.sockets):
            ws.close(1001)
        self._wakeup.close()


def _wire(msg):
    """A message for the page; its binary buffers (if any) go with it (see ws_frame)."""
    return {"header": msg["header"], "msg_id": msg["header"].get("msg_id"),
            "msg_type": msg["msg_type"], "parent_header": msg["parent_header"],
            "metadata": msg["metadata"], "content": msg["content"],
            "buffers": [bytes(b) for b in msg.get("buffers") or ()]}


def widget_traffic(capture, msg):
    """Whether ``msg`` belongs to widgets rather than to its cell's outputs: comm
    messages, and output captured by an ipywidgets Output (which the pages show inside
    that widget, and which comes back with the widget's state). ``capture`` follows the
    Output widgets' ``msg_id`` (comm id -> request id) from the updates seen."""
    t = msg["msg_type"]
    if t.startswith("comm_"):
        data = msg["content"].get("data") or {}
        state = data.get("state") if isinstance(data, dict) else None
        if isinstance(state, dict) and "msg_id" in state:
            if state["msg_id"]:
                capture[msg["content"].get("comm_id")] = state["msg_id"]
            else:
                capture.pop(msg["content"].get("comm_id"), None)
        if t == "comm_close":
            capture.pop(msg["content"].get("comm_id"), None)
        return True
    return bool(capture) and msg["parent_header"].get("msg_id") in capture.values()
