"""The Qt console's kernel lifecycle: a :class:`ConsoleWidget` (in
:mod:`ipylite.qtconsole`) gets from :class:`KernelLifecycle` binding to a client,
probing the kernel until it answers (the console is then ready), interrupting,
restarting and shutting the kernel down, telling the reader when it dies, is
restarted or stops answering heartbeats, and closing.

Imported by :mod:`ipylite.qtconsole` only; importing it imports PyQt5.
"""

import logging
import os
import sys
import time

from PyQt5 import QtCore, QtWidgets

from .qtwidgets import QtMessagePump

log = logging.getLogger("ipylite.qtconsole")


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


class KernelLifecycle:
    """The kernel half of ConsoleWidget (a mixin: the console is ``self``). It keeps
    the state set by :meth:`init_lifecycle` (``_is_ready``, ``_dead``, the probe and
    heartbeat timers) and uses the console's ``client``, ``manager``,
    ``owns_kernel``, ``bridge``, ``_send``, ``execute``, its ``_exec``, ``_queued``
    and ``_requests`` (cleared when the kernel goes), its widgets and its
    ``kernel_event`` / ``restarter_event`` signals.

    Settings: ``confirm_restart`` (ask before a restart), ``shutdown_wait`` (s a
    closing console waits for its kernel to quit politely)."""

    confirm_restart = True
    shutdown_wait = 1.0
    _hb_judge_after = 0.0

    def init_lifecycle(self):
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
        self.restarter_event.connect(self.on_restarter_event)

    # -- the client and the probe
    def set_client(self, client, manager=None):
        if self.bridge is not None:
            self.bridge.stop()
        self.client, self.manager = client, manager or self.manager
        self.bridge = QtMessagePump(client, self)
        self.bridge.message.connect(self._on_message)
        if self.manager is not None and hasattr(self.manager, "start_restarter") \
                and self.owns_kernel:
            self.manager.start_restarter(self.restarter_event.emit)
        self._is_ready = False
        self._probe()
        self._probe_timer.start()
        self._watch_timer.start()

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

    def _reply_probe(self, content, _):
        if self._is_ready:
            return
        self._probe_reply = content
        if self._probe_status or not getattr(self.client, "has_iopub", True):
            self._became_ready(content)

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
            self.manager.start_restarter(self.restarter_event.emit)
        self.kernel_replaced("Kernel restarted")
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

    def on_restarter_event(self, what):
        """What the kernel manager's restarter reports (through ``restarter_event``,
        from its thread); the window forwards it to the other tabs on the same kernel."""
        # A kernel that dies before it ever answers is restarted a few times: say so
        # once, with a count, not once per attempt.
        again = self._unanswered_restarts > 0
        if what == "died":
            if not again:
                self._info("Kernel died, restarting\n")
            # cells typed from now on wait for the new kernel (and for the one after
            # it, if that one dies too before it answers)
            self._kernel_gone(keep_typed=again)
        elif what == "restarted":
            self._unanswered_restarts += 1
            self.kernel_replaced(None if again else "Kernel restarted after it died: a new "
                                  "namespace; scrollback and history are kept", keep_typed=True)
        elif what == "dead":
            n = self._unanswered_restarts
            self._info("Kernel died too often" + (f" ({n} restarts without an answer)"
                                                  if n > 1 else "") +
                       " and was not restarted: restart it with Ctrl-.\n")
            self._exec = None
            self._dead = True
            if self._queued:   # cells typed while it was restarted go back to the input
                self.input_buffer = "\n".join(
                    [*self._queued, self.input_buffer] if self.input_buffer.strip()
                    else self._queued)
                self._queued = []
            self.editor.set_prompt(busy=False)
        self.kernel_event.emit(what)

    def _kernel_gone(self, keep_typed=False):
        """The kernel is gone: what was asked of it will not be answered, and the
        console is not ready (a cell run now is queued for the next kernel, not sent
        to a dead one to be forgotten when the new one comes). ``keep_typed`` keeps
        the cells queued so far."""
        self._exec = None
        if not keep_typed:
            self._queued = []
        self._requests.clear()
        self.popup.hide()
        self.calltip.hide()
        self.stdin_row.hide()
        self._is_ready = False

    def kernel_replaced(self, text, keep_typed=False):
        """A new kernel runs: probe it. ``keep_typed`` keeps the cells queued since
        the death of the old one was told (they run once the new one answers)."""
        if text:
            self._info(f"{text}.\n")
        # a new kernel gets a heartbeat's time to dead before it is judged (the echoes
        # its predecessor missed are not its own)
        self._hb_judge_after = time.monotonic() + 4.0
        self._dead = False
        self._kernel_gone(keep_typed)
        self._hb_reported = False
        self.editor.set_prompt(number=1, busy=False)
        self._probe_reply, self._probe_status = None, False
        if hasattr(self.client, "flush_pending"):
            self.client.flush_pending()
        self._probe()
        self._probe_timer.start()

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
