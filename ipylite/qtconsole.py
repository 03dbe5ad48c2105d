"""The Qt console: a desktop console on any Jupyter kernel (PyQt5 only).

    python -m ipylite.qtconsole [--kernel NAME | --existing [FILE] | --in-process]
                                [--style light|dark] [--font-size N] [--profile NAME]
                                [--paging vsplit|hsplit|inline] [--scrollback N]

Embedding::

    from ipylite.qtconsole import ConsoleWidget
    console = ConsoleWidget.on_new_kernel("ipylite")   # or ConsoleWidget(client=kc)
    layout.addWidget(console)

The widget talks to its kernel only through the client API shared by
``protocol.KernelClient`` and the in-process client: ``execute``, ``complete``,
``inspect``, ``history``, ``is_complete``, ``kernel_info``, ``input`` to send, and
``poll(0)`` (woken by ``fds()`` where the client has them) to receive. Output is queued
and inserted in batches on a timer with a time budget per batch, so a flood of output
never freezes the window; a line longer than ``max_line`` characters is cut and the
rest kept, to be saved from a link.
"""

import collections
import logging
import os
import sys
import time


def _own_kernel_argv(env=None):
    """Our own kernel in this interpreter, importable as this very package (works
    without an installed kernelspec, and from a vendored copy)."""
    from .protocol import PACKAGE as pkg, find_kernel_specs
    if "ipylite" in find_kernel_specs():
        return None, env
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _ in range(pkg.count(".")):
        root = os.path.dirname(root)
    env = dict(env or {})
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))) if p)
    return [sys.executable, "-m", pkg + ".kernel", "-f", "{connection_file}"], env


def start_kernel(kernel_name="ipylite", argv=None, env=None):
    """A started KernelManager for ``kernel_name`` (ours needs no kernelspec). Needs
    no Qt: ``python -m ipylite.qtconsole`` starts the kernel while PyQt5 loads."""
    from .protocol import KernelManager
    if argv is None and kernel_name == "ipylite":
        argv, env = _own_kernel_argv(env)
    km = KernelManager(kernel_name=kernel_name, argv=argv, env=env)
    km.start_kernel()
    return km


def _prestart(argv):
    import importlib.util
    if any(a.startswith(("--existing", "--in-process", "--profile", "-h", "--help"))
           for a in argv) or not all(importlib.util.find_spec(m) for m in ("PyQt5", "zmq")):
        return None
    name = "ipylite"
    for i, a in enumerate(argv):
        if a == "--kernel" and i + 1 < len(argv):
            name = argv[i + 1]
        elif a.startswith("--kernel="):
            name = a.split("=", 1)[1]
    try:
        return start_kernel(name)
    except Exception:  # noqa: BLE001 - main() reports the problem properly
        return None


_PRESTARTED = _prestart(sys.argv[1:]) if __name__ == "__main__" else None

try:
    from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: E402
except ImportError:
    _MISSING_QT = "the Qt console needs PyQt5, which is not installed: pip install PyQt5"
    if __name__ == "__main__":
        sys.exit("error: " + _MISSING_QT)
    raise ImportError(_MISSING_QT) from None

from .qtinput import InputKeys
from .qtoutput import OutputWriter
from .qtwidgets import (ConsoleFrame, ConsoleWindow, QtMessagePump, ansi_html, run_app,
                        strip_prompts)

log = logging.getLogger("ipylite.qtconsole")

__all__ = ["ConsoleFrame", "ConsoleWidget", "ConsoleWindow", "main", "strip_prompts"]



def figures_inline(kernel):
    """matplotlib draws inline in an in-process ``kernel`` whose cells run on a thread
    of their own, unless a backend was chosen (MPLBACKEND, matplotlib.use, pyplot
    imported): a GUI backend's windows need the main thread (set_wakeup_fd fails).
    MPLBACKEND is set only while a cell runs (processes the host starts keep theirs)."""
    if "MPLBACKEND" in os.environ:
        return
    kernel.inline_figures_by_default()   # inline from the cell that imports pyplot
    os.environ.pop("MPLBACKEND", None)
    ours = []

    def before():
        if "matplotlib.pyplot" in sys.modules or "MPLBACKEND" in os.environ:
            return
        mpl = sys.modules.get("matplotlib")
        if mpl is None:                  # imported by this cell, if at all
            os.environ["MPLBACKEND"] = "agg"
            ours.append(True)
        elif getattr(mpl.rcParams, "_get_backend_or_none", lambda: "?")() is None:
            mpl.rcParams["backend"] = "agg"  # imported to draw LaTeX, say: still on auto

    def after():
        if ours:
            ours.clear()
            os.environ.pop("MPLBACKEND", None)
    kernel.shell.events.register("pre_execute", before)
    kernel.shell.events.register("post_execute", after)


# ---------------------------------------------------------------- the console

class ConsoleWidget(ConsoleFrame):
    """A console bound to one kernel client. ``manager`` (optional) is used to
    interrupt, restart and replace a dead kernel; without one, interrupts go over
    the control channel and restarts are unavailable.

    Settings are class attributes (override them in a subclass or on an instance):
    ``scrollback`` lines kept and ``paging`` (from ConsoleFrame), ``max_line``
    characters shown of one line (the rest of the last ``max_folds`` such lines is
    kept, to be saved from a link), ``confirm_restart``.
    """

    max_line = 10000
    max_folds = 10          # cut-off line remainders kept for saving
    confirm_restart = True
    flush_interval = 30     # ms between batches of output
    flush_budget = 0.04     # s of inserting per batch before yielding
    shutdown_wait = 1.0     # s a closing console waits for its kernel to quit politely

    executed = QtCore.pyqtSignal(dict)       # every execute_reply content
    ready = QtCore.pyqtSignal()              # the kernel answered; prompt shown
    kernel_event = QtCore.pyqtSignal(str)    # "died", "restarted", "dead", "no-heartbeat"
    _restarter_event = QtCore.pyqtSignal(str)

    def __init__(self, client=None, manager=None, style="light", font_size=None,
                 owns_kernel=False, banner=True, parent=None, paging=None, scrollback=None):
        super().__init__(style, font_size, paging, scrollback, parent)
        self.client, self.manager, self.owns_kernel = client, manager, owns_kernel
        self.show_banner = banner
        self.stdin_edit.returnPressed.connect(self.send_input)
        self.out = OutputWriter(self, self.output)
        self.keys = InputKeys(self)
        self.editor.cursorPositionChanged.connect(self.keys.cursor_moved)
        self.search_edit.textChanged.connect(lambda _: self.keys.search_history(0))
        for w in (self.pager, self.stdin_edit, self.search_edit):
            w.installEventFilter(self.keys)
        self.out.set_style()
        # state
        self._requests = {}          # msg_id -> (kind, extra)
        self._exec_ids = collections.deque(maxlen=200)
        self._exec = None            # {"id", "reply", "idle"} of the running cell
        self._queued = []            # cells submitted before the kernel was ready
        self._is_ready = False
        self._dead = False           # died too often; not restarted
        self._unanswered_restarts = 0
        self._probe_ids = set()
        self._probe_reply, self._probe_status = None, False
        self._hb_reported = False
        self._closed = False
        self._probe_timer = QtCore.QTimer(self)
        self._probe_timer.setInterval(20)
        self._probe_timer.timeout.connect(self._probe)
        self._watch_timer = QtCore.QTimer(self)
        self._watch_timer.setInterval(1000)
        self._watch_timer.timeout.connect(self._watch_heartbeat)
        self._restarter_event.connect(self._on_restarter_event)
        self.bridge = None
        if client is not None:
            self.set_client(client, manager)

    # -- construction
    @classmethod
    def on_new_kernel(cls, kernel_name="ipylite", argv=None, env=None, **kw):
        """Start a kernel (a kernelspec name, or ``argv``) and return a console on it
        that restarts the kernel when it dies and shuts it down when closed."""
        km = start_kernel(kernel_name, argv, env)
        kc = km.client()
        kc.start_channels()
        return cls(client=kc, manager=km, owns_kernel=True, **kw)

    @classmethod
    def on_existing(cls, connection_file, **kw):
        from .protocol import KernelClient, find_connection_file
        kc = KernelClient(connection_file=find_connection_file(connection_file))
        kc.start_channels()
        return cls(client=kc, **kw)

    @classmethod
    def in_process(cls, **kw):
        """A console on an in-process kernel, its cells on the kernel's own thread (so
        the window stays live and Ctrl-C interrupts). Figures are drawn inline without
        ``%matplotlib inline``, as in a kernel process: no GUI backend works from that
        thread."""
        from .inprocess import InProcessKernelManager
        km = InProcessKernelManager()
        km.start_kernel()
        figures_inline(km.kernel)
        kc = km.client()
        if hasattr(kc, "start_channels"):
            kc.start_channels()
        return cls(client=kc, manager=km, owns_kernel=True, **kw)

    # -- the client
    def set_client(self, client, manager=None):
        if self.bridge is not None:
            self.bridge.stop()
        self.client, self.manager = client, manager or self.manager
        self.bridge = QtMessagePump(client, self)
        self.bridge.message.connect(self._on_message)
        if self.manager is not None and hasattr(self.manager, "start_restarter") \
                and self.owns_kernel:
            self.manager.start_restarter(self._restarter_event.emit)
        self._is_ready = False
        self._probe()
        self._probe_timer.start()
        self._watch_timer.start()

    def _send(self, kind, method, *args, extra=None, **kw):
        msg_id = getattr(self.client, method)(*args, **kw)
        if msg_id is not None:
            self._requests[msg_id] = (kind, extra)
        if self.bridge is not None:
            self.bridge.kick()
        return msg_id

    def _probe(self):
        """Ask kernel_info until both the reply and a status on iopub arrive: then the
        kernel runs and our iopub subscription is live (nothing will be missed)."""
        if self._is_ready or self.client is None:
            self._probe_timer.stop()
            return
        msg_id = self._send("probe", "kernel_info")
        if msg_id is not None:
            self._probe_ids.add(msg_id)

    @property
    def is_ready(self):
        return self._is_ready

    def _became_ready(self, info):
        if self._is_ready:
            return
        self._is_ready = True
        self._unanswered_restarts = 0
        self._probe_timer.stop()
        self._probe_ids.clear()
        if self.show_banner and info.get("banner"):
            self.out.add(("info", info["banner"].rstrip() + "\n"))
            self.show_banner = False
        impl = info.get("implementation")
        if impl == "ipylite":  # coloured tracebacks, as ipykernel's
            self.execute("get_ipython().colors = %r"
                         % ("Linux" if self.style_name == "dark" else "LightBG"), hidden=True)
        code = self.hidpi_code(impl)
        if code:
            self.execute(code, hidden=True)
        # The prompt number is the kernel's (it may have run cells for other clients)
        self._send("count", "execute", "", silent=True, store_history=False)
        if not self.keys.history:
            self._send("history", "history", hist_access_type="tail", n=self.keys.history_length,
                       raw=True, output=False)
        self.editor.set_prompt(busy=False)
        self.ready.emit()
        if self._queued:
            self.execute(self._queued.pop(0))

    def hidpi_code(self, implementation):
        """Code asking the kernel for figures with as many pixels as this screen shows
        (None at a device pixel ratio of 1, or for kernels we know no way to ask)."""
        dpr = round(self.devicePixelRatioF(), 2)
        if dpr <= 1:
            return None
        if implementation == "ipylite":
            return f"get_ipython().figure_scale = {dpr!r}"
        if implementation == "ipython" and dpr >= 1.5:
            return "%config InlineBackend.figure_format = 'retina'"
        return None

    # -- messages
    def _on_message(self, channel, msg):
        parent = msg.get("parent_header", {}).get("msg_id")
        kind = msg["msg_type"]
        if channel == "shell" or channel == "control":
            req = self._requests.pop(parent, None)
            if req is None:
                return
            handler = getattr(self, "_reply_" + req[0], None) or \
                getattr(self.keys, "reply_" + req[0], None)
            if handler:
                handler(msg["content"], req[1])
        elif channel == "iopub":
            if parent in self._probe_ids and kind == "status":
                self._probe_status = True
                if self._probe_reply is not None:
                    self._became_ready(self._probe_reply)
            if kind == "execute_input":
                self._execute_input(msg, parent in self._exec_ids)
            if parent and parent not in self._exec_ids:
                return  # another client's request (a second tab on this kernel)
            handler = getattr(self, "_iopub_" + kind, None)
            if handler:
                handler(msg)
        elif channel == "stdin" and kind == "input_request":
            self._input_request(msg["content"])

    def _reply_probe(self, content, _):
        if self._is_ready:
            return
        self._probe_reply = content
        if self._probe_status or not getattr(self.client, "has_iopub", True):
            self._became_ready(content)

    def _reply_count(self, content, _):
        count = content.get("execution_count")
        if isinstance(count, int) and self._exec is None:
            self.editor.set_prompt(number=count + 1)

    def _reply_execute(self, content, msg_id):
        if self._exec and self._exec["id"] == msg_id:
            self._exec["reply"] = content
            for p in content.get("payload", []) or []:
                if p.get("source") == "page":
                    self.show_pager(p.get("data", {}), p.get("start", 0))
                elif p.get("source") == "set_next_input":
                    self.input_buffer = p.get("text", "")
                elif p.get("source") == "ask_exit":
                    # `exit` ends the kernel too (as IPython's does), unless it asked to
                    # keep it: exit(keep_kernel=True)
                    if p.get("keepkernel"):
                        self.kernel_event.emit("exit")
                    else:
                        self.shutdown_kernel()
            if content.get("status") == "aborted":
                self.out.add(("info", "(aborted: an earlier cell failed)\n"))
            self._maybe_done()

    # -- iopub
    def _iopub_status(self, msg):
        if self._exec and msg["parent_header"].get("msg_id") == self._exec["id"] and \
                msg["content"].get("execution_state") == "idle":
            self._exec["idle"] = True
            self._maybe_done()

    def _execute_input(self, msg, ours):
        """Keep our numbers the kernel's: another client's cell moves our next prompt;
        our own cell's echo shows the number the kernel gave it."""
        count = msg["content"].get("execution_count")
        if not isinstance(count, int):
            return
        if ours:
            self.out.add(("renumber", count))
        elif self._exec is None:
            self.editor.set_prompt(number=count + 1)

    def _iopub_stream(self, msg):
        c = msg["content"]
        self.out.add(("stream", c.get("name", "stdout"), c.get("text", "")))

    def _iopub_display_data(self, msg):
        c = msg["content"]
        did = (c.get("transient") or {}).get("display_id")
        self.out.add(("bundle", c.get("data", {}), c.get("metadata", {}), did, None))

    def _iopub_update_display_data(self, msg):
        c = msg["content"]
        did = (c.get("transient") or {}).get("display_id")
        if did:
            self.out.add(("update", did, c.get("data", {}), c.get("metadata", {})))

    def _iopub_execute_result(self, msg):
        c = msg["content"]
        self.out.add(("bundle", c.get("data", {}), c.get("metadata", {}), None,
                            c.get("execution_count")))

    def _iopub_error(self, msg):
        c = msg["content"]
        tb = "\n".join(c.get("traceback") or []) or f"{c.get('ename')}: {c.get('evalue')}"
        self.out.add(("error", tb + "\n"))

    def _iopub_clear_output(self, msg):
        self.out.add(("clear", bool(msg["content"].get("wait"))))

    # -- executing
    @property
    def input_buffer(self):
        return self.editor.toPlainText()

    @input_buffer.setter
    def input_buffer(self, text):
        self.editor.setPlainText(text)
        self.editor.moveCursor(QtGui.QTextCursor.End)

    @property
    def executing(self):
        return self._exec is not None

    def execute(self, code=None, hidden=False):
        """Run ``code`` (default: the input buffer). ``hidden`` runs it silently:
        no echo, no history, no output. Returns the request's msg_id, or None when
        the cell was queued (kernel not ready, or another cell running)."""
        from_buffer = code is None
        if from_buffer:
            code = self.input_buffer
        if hidden:
            return self._send("hidden", "execute", code, silent=True, store_history=False)
        if self._dead:   # keep what was typed
            self._info("The kernel is dead: restart it with Ctrl-. (Kernel menu).\n")
            return None
        if from_buffer:
            self.editor.clear()
        if not self._is_ready or self._exec is not None:
            self._queued.append(code)
            return None
        self.popup.hide()
        self.calltip.hide()
        self.keys.remember(code)
        self.out.add(("echo", self.editor.prompt_number, code))
        msg_id = self._send("execute", "execute", code, allow_stdin=True)
        self._requests[msg_id] = ("execute", msg_id)
        self._exec_ids.append(msg_id)
        self._exec = {"id": msg_id, "reply": None, "idle": False}
        self.editor.set_prompt(busy=True)
        return msg_id

    def _maybe_done(self):
        ex = self._exec
        if not ex or not (ex["reply"] is not None and ex["idle"]):
            return
        self._exec = None
        reply = ex["reply"]
        count = reply.get("execution_count")
        if isinstance(count, int) and reply.get("status") in ("ok", "error"):
            self.editor.set_prompt(number=count + 1)
        self.editor.set_prompt(busy=False)
        self.out.add(("end",))
        self.stdin_row.hide()
        if self.stdin_edit.hasFocus():
            self.editor.setFocus()
        self.executed.emit(reply)
        if self._queued:
            self.execute(self._queued.pop(0))

    def _input_request(self, content):
        self.stdin_label.setText(content.get("prompt", "") or "?")
        self.stdin_edit.setEchoMode(QtWidgets.QLineEdit.Password if content.get("password")
                                    else QtWidgets.QLineEdit.Normal)
        self.stdin_edit.clear()
        self.stdin_row.show()
        self.stdin_edit.setFocus()
        self._stdin_password = bool(content.get("password"))

    def send_input(self, eof=False):
        """Answer input(); ``eof`` (Ctrl-D in an empty field) sends the EOF character,
        which the kernel turns into EOFError (ipykernel does too)."""
        value = "\x04" if eof else self.stdin_edit.text()
        prompt = self.stdin_label.text()
        self.stdin_row.hide()
        self.editor.setFocus()
        self.out.add(("stream", "stdout", prompt + (
            "^D" if eof else "" if self._stdin_password else value) + "\n"))
        self.client.input(value)
        if self.bridge:
            self.bridge.kick()

    # -- kernel control
    def interrupt_kernel(self):
        if self.manager is not None and hasattr(self.manager, "interrupt_kernel"):
            self.manager.interrupt_kernel()
        elif hasattr(self.client, "interrupt"):
            self._send("interrupt", "interrupt")
        if self.stdin_row.isVisible():
            self.stdin_row.hide()
            self.editor.setFocus()

    def restart_kernel(self, confirm=None):
        """Restart the kernel (asking first when ``confirm_restart``); the
        scrollback and the input history stay. Returns True if restarted."""
        if self.manager is None or not hasattr(self.manager, "restart_kernel"):
            self._info("Cannot restart: this console did not start its kernel.\n")
            return False
        confirm = self.confirm_restart if confirm is None else confirm
        if confirm:
            answer = QtWidgets.QMessageBox.question(
                self, "Restart kernel", "Restart the kernel? Its variables will be lost.")
            if answer != QtWidgets.QMessageBox.Yes:
                return False
        was_dead = self._dead
        self.manager.restart_kernel(now=True)
        if getattr(self.manager, "threaded", False):   # a new in-process kernel
            figures_inline(self.manager.kernel)
        if was_dead and self.owns_kernel and hasattr(self.manager, "stop_restarter"):
            self.manager.stop_restarter()     # the old watcher gave up: a new one
            self.manager.start_restarter(self._restarter_event.emit)
        self._kernel_replaced("Kernel restarted")
        self.kernel_event.emit("restart")
        return True

    def shutdown_kernel(self):
        """Shut the kernel down (even one this console did not start), then close:
        ``kernel_event`` says "exit" once the kernel has answered (or after 1 s)."""
        self._dead = True
        if self.owns_kernel and self.manager is not None:
            self.manager.shutdown_kernel()       # politely, then by force
            self.kernel_event.emit("exit")
            return
        if hasattr(self.client, "shutdown") and self._send("shutdown", "shutdown"):
            QtCore.QTimer.singleShot(1000, lambda: self._reply_shutdown({}, None))
        else:
            self._reply_shutdown({}, None)

    def _reply_shutdown(self, content, _):
        if not getattr(self, "_exit_sent", False):
            self._exit_sent = True
            self.kernel_event.emit("exit")

    def _on_restarter_event(self, what):
        # A kernel that dies before it ever answers is restarted a few times: say so
        # once, with a count, not once per attempt.
        again = self._unanswered_restarts > 0
        if what == "died":
            if not again:
                self._info("Kernel died, restarting\n")
            self._kernel_gone()   # cells typed from now on wait for the new kernel
        elif what == "restarted":
            self._unanswered_restarts += 1
            self._kernel_replaced(None if again else "Kernel restarted after it died: a new "
                                  "namespace; scrollback and history are kept", keep_typed=True)
        elif what == "dead":
            n = self._unanswered_restarts
            self._info("Kernel died too often" + (f" ({n} restarts without an answer)"
                                                  if n > 1 else "") +
                       " and was not restarted: restart it with Ctrl-.\n")
            self._exec = None
            self._dead = True
            self.editor.set_prompt(busy=False)
        self.kernel_event.emit(what)

    def _kernel_gone(self):
        """The kernel is gone: what was asked of it will not be answered, and the
        console is not ready (a cell run now is queued for the next kernel, not sent
        to a dead one to be forgotten when the new one comes)."""
        self._exec = None
        self._queued = []
        self._requests.clear()
        self.popup.hide()
        self.calltip.hide()
        self.stdin_row.hide()
        self._is_ready = False

    def _kernel_replaced(self, text, keep_typed=False):
        """A new kernel runs: probe it. ``keep_typed`` keeps the cells queued since
        the death of the old one was told (they run once the new one answers)."""
        if text:
            self._info(f"{text}.\n")
        # a new kernel gets a heartbeat's time to dead before it is judged (the echoes
        # its predecessor missed are not its own)
        self._hb_judge_after = time.monotonic() + 4.0
        self._dead = False
        if not keep_typed:
            self._kernel_gone()
        self._is_ready = False
        self._hb_reported = False
        self.editor.set_prompt(number=1, busy=False)
        self._probe_reply, self._probe_status = None, False
        if hasattr(self.client, "flush_pending"):
            self.client.flush_pending()
        self._probe()
        self._probe_timer.start()

    _hb_judge_after = 0.0

    def _watch_heartbeat(self):
        if self._dead or time.monotonic() < self._hb_judge_after:
            return
        alive = getattr(self.client, "is_alive", lambda: True)()
        if not alive and not self._hb_reported:
            self._hb_reported = True
            self._info("The kernel is not answering heartbeats.\n")
            self.kernel_event.emit("no-heartbeat")
        elif alive and self._hb_reported:
            self._hb_reported = False
            self._info("The kernel is answering heartbeats again.\n")
            self.kernel_event.emit("heartbeat")

    def shutdown(self):
        """Stop listening; shut the kernel down if this console started it."""
        if self._closed:
            return
        self._closed = True
        self.out.stop()
        for t in (self._probe_timer, self._watch_timer):
            t.stop()
        if self.bridge is not None:
            self.bridge.stop()
        if self.owns_kernel and self.manager is not None:
            try:   # politely first (its last cells reach the history), then by force
                if hasattr(self.manager, "shutdown_wait_time"):
                    self.manager.shutdown_wait_time = min(self.manager.shutdown_wait_time,
                                                          self.shutdown_wait)
                self.manager.shutdown_kernel(now=self._dead)
            except Exception:  # noqa: BLE001 - closing must not fail
                log.warning("could not shut the kernel down", exc_info=True)
        if self.client is not None and hasattr(self.client, "stop_channels"):
            self.client.stop_channels()

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)

    @property
    def history(self):
        """The input history, oldest first (the kernel's, then this session's)."""
        return self.keys.history

    def complete(self):
        self.keys.complete()

    # -- pager
    def show_pager(self, data, start=0):
        text = data.get("text/plain", "") if isinstance(data, dict) else str(data)
        if isinstance(data, dict) and "text/html" in data:
            self.pager.setHtml(self.out.mono_html(data["text/html"]))
        else:
            self.pager.setHtml(self.out.mono_html(self._ansi_html(text)))
        if self.paging == "inline":
            self.output.hide()
        self.pager.show()
        if self.paging != "inline" and sum(self.splitter.sizes()) > 0:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total * 3 // 5, total * 2 // 5])
        self._pager_to_line(start)

    def _pager_to_line(self, line):
        """Show the pager from line ``line`` (the page payload's start), after any
        resize: a QTextBrowser resized keeps its cursor in view, not its top."""
        block = self.pager.document().findBlockByLineNumber(max(0, int(line or 0)))
        cur = QtGui.QTextCursor(block if block.isValid() else self.pager.document().begin())
        self.pager.setTextCursor(cur)
        bar = self.pager.verticalScrollBar()
        bar.setValue(int(self.pager.document().documentLayout().blockBoundingRect(
            cur.block()).top()) if line else 0)

    def close_pager(self):
        self.pager.hide()
        self.output.show()

    def _ansi_html(self, text):
        """Plain HTML for ANSI text (used by the pager)."""
        return ansi_html(text, self.out.fmt_plain, self.style_colors["fg"])

    # -- output (the writer does the work)
    def _info(self, text):
        self.out.info(text)

    def flush_output(self):
        """Insert everything queued now (tests, saving)."""
        self.out.flush_all()

    def clear(self):
        """Empty the scrollback (Ctrl-L)."""
        self.out.clear()

    @property
    def folds(self):
        """{id: text} of the parts of long lines that were cut from the view."""
        return self.out.folds

    def save_fold(self, fid, path):
        self.out.save_fold(fid, path)

    def output_text(self):
        return self.out.text()

    def output_html(self):
        """The scrollback as a standalone HTML page, images embedded."""
        return self.out.html()

    def save_html(self, path):
        self.out.save_html(path)

    def save_pdf(self, path):
        self.out.save_pdf(path)



# ---------------------------------------------------------------- the command line

def main(argv=None):
    global _PRESTARTED
    try:
        return run_app(argv, ConsoleWidget, _PRESTARTED)
    finally:  # a kernel started early and not used (a mistake on the command line)
        if _PRESTARTED is not None and _PRESTARTED.connection_info is not None \
                and not getattr(_PRESTARTED, "_used", False):
            _PRESTARTED.shutdown_kernel(now=True)
        _PRESTARTED = None


if __name__ == "__main__":
    sys.exit(main())
