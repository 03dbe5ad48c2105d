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
import re
import sys
import time


def _own_kernel_argv(env=None):
    """Our own kernel in this interpreter, importable as this very package (works
    without an installed kernelspec, and from a vendored copy)."""
    from .protocol import find_kernel_specs
    if "ipylite" in find_kernel_specs():
        return None, env
    pkg = (__spec__.name if __spec__ else __name__).rpartition(".")[0]
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

from .qtwidgets import (MIN_SCROLLBACK, STYLES, AnsiState, CallTip, CompletionPopup,
                        ConsoleWindow, InputEdit, KernelBridge, OutputView, PythonHighlighter,
                        ansi_html, document_html, image_names, print_document, python_spans,
                        render_bundle, run_app, strip_prompts)

log = logging.getLogger("ipylite.qtconsole")

__all__ = ["ConsoleWidget", "ConsoleWindow", "main", "strip_prompts"]

CALLTIP_RE = re.compile(r"[A-Za-z_][\w.]*\s*\($")
MONO_TAG_RE = re.compile(r"<(pre|code|tt|kbd|samp)\b([^>]*)>", re.I)
DEDENT_RE = re.compile(r"^\s*(return|pass|break|continue|raise)\b")


# ---------------------------------------------------------------- the console

class ConsoleWidget(QtWidgets.QWidget):
    """A console bound to one kernel client. ``manager`` (optional) is used to
    interrupt, restart and replace a dead kernel; without one, interrupts go over
    the control channel and restarts are unavailable.

    Settings are class attributes (override them in a subclass or on an instance):
    ``scrollback`` lines kept, ``max_line`` characters shown of one line (the rest
    of the last ``max_folds`` such lines is kept, to be saved from a link),
    ``paging`` ("vsplit", "hsplit" or "inline"), ``confirm_restart``.
    """

    scrollback = 1000
    max_line = 10000
    max_folds = 10          # cut-off line remainders kept for saving
    paging = "vsplit"
    confirm_restart = True
    flush_interval = 30     # ms between batches of output
    flush_budget = 0.04     # s of inserting per batch before yielding
    history_length = 1000
    shutdown_wait = 1.0     # s a closing console waits for its kernel to quit politely

    executed = QtCore.pyqtSignal(dict)       # every execute_reply content
    ready = QtCore.pyqtSignal()              # the kernel answered; prompt shown
    kernel_event = QtCore.pyqtSignal(str)    # "died", "restarted", "dead", "no-heartbeat"
    _restarter_event = QtCore.pyqtSignal(str)

    def __init__(self, client=None, manager=None, style="light", font_size=None,
                 owns_kernel=False, banner=True, parent=None, paging=None, scrollback=None):
        super().__init__(parent)
        self.client, self.manager, self.owns_kernel = client, manager, owns_kernel
        self.style_name = style if style in STYLES else "light"
        self.style_colors = STYLES[self.style_name]
        self.show_banner = banner
        if paging:
            self.paging = paging
        if scrollback is not None:
            self.scrollback = scrollback
        self.scrollback = max(MIN_SCROLLBACK, int(self.scrollback))  # 0 or less: nothing shown
        self._build(font_size)
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
        self._history, self._hist_index, self._hist_saved = [], 0, None
        self._hist_shown = None
        self._queue = collections.deque()
        self._folds = {}
        self._fold, self._fold_len, self._line_len, self._cr_pending = None, 0, 0, False
        self._last_stream = None
        self._echo = None            # (cursor at the last echo, its number)
        self._displays = collections.defaultdict(list)   # display_id -> [[start, end]]
        self._images = {}            # resource name -> PNG bytes (for saving)
        self._image_serial, self._images_live, self._images_dirty = 0, 0, False
        self._clear_wait = False
        self._hb_reported = False
        self._cell_start = None
        self._closed = False
        self._last_flush = 0.0
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush)
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
        """A console on an in-process kernel (needs ipylite.kernel.InProcessKernelManager)."""
        from .kernel import InProcessKernelManager
        km = InProcessKernelManager()
        km.start_kernel()
        kc = km.client()
        if hasattr(kc, "start_channels"):
            kc.start_channels()
        return cls(client=kc, manager=km, owns_kernel=True, **kw)

    def _build(self, font_size):
        self.output = OutputView(self)
        self.output.setObjectName("output")
        self.output.setOpenLinks(False)
        self.output.setUndoRedoEnabled(False)
        self.output.anchorClicked.connect(self._anchor_clicked)
        self.output.document().setMaximumBlockCount(self.scrollback)
        self.output.setFocusPolicy(QtCore.Qt.ClickFocus)
        self.output.console = self
        self.editor = InputEdit(self)
        self.highlighter = PythonHighlighter(self.editor.document(), self.style_colors)
        self.editor.textChanged.connect(self._fit_editor)
        self.editor.cursorPositionChanged.connect(self._cursor_moved)
        self.pager = QtWidgets.QTextBrowser(self)
        self.pager.setObjectName("pager")
        self.pager.installEventFilter(self)
        self.pager.hide()
        # Rows shown on demand: input() prompts and the history search
        self.stdin_row = QtWidgets.QWidget(self)
        row = QtWidgets.QHBoxLayout(self.stdin_row)
        row.setContentsMargins(4, 0, 4, 0)
        self.stdin_label = QtWidgets.QLabel(self.stdin_row)
        self.stdin_edit = QtWidgets.QLineEdit(self.stdin_row)
        self.stdin_edit.setObjectName("stdin")
        self.stdin_edit.returnPressed.connect(self._send_input)
        self.stdin_edit.installEventFilter(self)
        row.addWidget(self.stdin_label)
        row.addWidget(self.stdin_edit, 1)
        self.stdin_row.hide()
        self.search_row = QtWidgets.QWidget(self)
        row = QtWidgets.QHBoxLayout(self.search_row)
        row.setContentsMargins(4, 0, 4, 0)
        self.search_label = QtWidgets.QLabel("reverse-i-search:", self.search_row)
        row.addWidget(self.search_label)
        self.search_edit = QtWidgets.QLineEdit(self.search_row)
        self.search_edit.setObjectName("history-search")
        self.search_edit.textChanged.connect(lambda _: self._search_history(0))
        self.search_edit.installEventFilter(self)
        row.addWidget(self.search_edit, 1)
        self.search_row.hide()
        self.status = QtWidgets.QLabel(self)
        self.status.setObjectName("status")
        self.status.hide()

        bottom = QtWidgets.QWidget(self)
        lay = QtWidgets.QVBoxLayout(bottom)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        for w in (self.output, self.stdin_row, self.editor, self.search_row, self.status):
            lay.addWidget(w)
        lay.setStretch(0, 1)
        self.splitter = QtWidgets.QSplitter(
            QtCore.Qt.Horizontal if self.paging == "hsplit" else QtCore.Qt.Vertical, self)
        self.splitter.addWidget(bottom)
        self.splitter.addWidget(self.pager)
        self.splitter.setChildrenCollapsible(False)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)
        self.popup = CompletionPopup(self)
        self.calltip = CallTip(self)
        self.set_font_size(font_size or QtWidgets.QApplication.font().pointSize() or 10)
        self.base_font_size = self.font_size
        self._apply_style()
        self.setFocusProxy(self.editor)
        self._formats()

    def _formats(self):
        s = self.style_colors
        base = QtGui.QTextCharFormat()
        base.setForeground(QtGui.QColor(s["fg"]))
        self.fmt_plain = base
        self.fmt_prompt_in = QtGui.QTextCharFormat(base)
        self.fmt_prompt_in.setForeground(QtGui.QColor(s["prompt_in"]))
        self.fmt_prompt_in.setFontWeight(QtGui.QFont.Bold)
        self.fmt_prompt_out = QtGui.QTextCharFormat(base)
        self.fmt_prompt_out.setForeground(QtGui.QColor(s["prompt_out"]))
        self.fmt_prompt_out.setFontWeight(QtGui.QFont.Bold)
        self.fmt_info = QtGui.QTextCharFormat(base)
        self.fmt_info.setForeground(QtGui.QColor(s["info"]))
        self.fmt_info.setFontItalic(True)
        stderr = QtGui.QTextCharFormat(base)
        stderr.setBackground(QtGui.QColor(s["stderr_bg"]))
        self._ansi = {"stdout": AnsiState(base), "stderr": AnsiState(stderr),
                      "error": AnsiState(base)}
        self.fmt_code = {k: QtGui.QTextCharFormat(f) for k, f in self.highlighter.formats.items()}

    def _apply_style(self):
        s = self.style_colors
        sheet = (f"QPlainTextEdit, QTextEdit, QTextBrowser {{ background: {s['bg']}; "
                 f"color: {s['fg']}; selection-background-color: {s['selection']}; "
                 f"border: none; }}"
                 f"QLabel#calltip {{ background: {s['tip_bg']}; color: {s['fg']}; "
                 f"border: 1px solid {s['info']}; }}"
                 f"QListWidget#completion-popup {{ background: {s['bg']}; color: {s['fg']}; "
                 f"selection-background-color: {s['selection']}; "
                 f"selection-color: {s['fg']}; }}")
        self.setStyleSheet(sheet)
        for view in (self.output, self.pager):   # links readable on either background
            pal = view.palette()
            pal.setColor(QtGui.QPalette.Link, QtGui.QColor(s["link"]))
            view.setPalette(pal)
            view.document().setDefaultStyleSheet(f"a {{ color: {s['link']}; }}")

    def set_font_size(self, size):
        size = max(5, min(72, int(size)))
        font = QtGui.QFont("Monospace", size)
        font.setStyleHint(QtGui.QFont.TypeWriter)
        font.setFixedPitch(True)
        if not QtGui.QFontInfo(font).fixedPitch():
            font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont)
            font.setPointSize(size)
        self.font_size = size
        for w in (self.output, self.editor, self.pager, self.popup, self.calltip,
                  self.stdin_edit, self.stdin_label):
            w.setFont(font)
        for view in (self.output, self.pager):   # (a style sheet would reset the font)
            view.document().setDefaultFont(font)
        self.editor.set_prompt()
        self._fit_editor()

    def zoom(self, step):
        self.set_font_size(self.font_size + step)

    def reset_zoom(self):
        self.set_font_size(self.base_font_size)

    # -- the client
    def set_client(self, client, manager=None):
        if self.bridge is not None:
            self.bridge.stop()
        self.client, self.manager = client, manager or self.manager
        self.bridge = KernelBridge(client, self)
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
            self._queue.append(("info", info["banner"].rstrip() + "\n"))
            self.show_banner = False
            self._schedule()
        impl = info.get("implementation")
        if impl == "ipylite":  # coloured tracebacks, as ipykernel's
            self.execute("get_ipython().colors = %r"
                         % ("Linux" if self.style_name == "dark" else "LightBG"), hidden=True)
        code = self.hidpi_code(impl)
        if code:
            self.execute(code, hidden=True)
        # The prompt number is the kernel's (it may have run cells for other clients)
        self._send("count", "execute", "", silent=True, store_history=False)
        if not self._history:
            self._send("history", "history", hist_access_type="tail", n=self.history_length,
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
            handler = getattr(self, "_reply_" + req[0], None)
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

    def _reply_history(self, content, _):
        items = []
        for row in content.get("history", []):
            source = row[2] if not isinstance(row[2], (list, tuple)) else row[2][0]
            if source and source.strip() and (not items or items[-1] != source):
                items.append(source.rstrip("\n"))
        self._history = items + self._history
        self._hist_index = len(self._history)

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
                self._queue.append(("info", "(aborted: an earlier cell failed)\n"))
                self._schedule()
            self._maybe_done()

    def _reply_complete(self, content, extra):
        pos, code = extra
        if self.editor.textCursor().position() != pos or self.input_buffer != code:
            return  # the user moved on
        matches = content.get("matches") or []
        start = content.get("cursor_start", pos)
        end = content.get("cursor_end", pos)
        if not matches:
            return
        if len(matches) == 1:
            self._replace(start, end, matches[0])
            return
        prefix = os.path.commonprefix(matches)
        if len(prefix) > end - start:
            self._replace(start, end, prefix)
        rect = self.editor.cursorRect()
        glob = QtCore.QRect(self.editor.viewport().mapToGlobal(rect.topLeft()), rect.size())
        self.popup.show_matches(matches, start, glob, self.rect())
        self._refilter()

    def _reply_calltip(self, content, paren_pos):
        if not content.get("found") or self.editor.textCursor().position() < paren_pos:
            return
        text = content.get("data", {}).get("text/plain", "")
        if not text:
            return
        rect = self.editor.cursorRect()
        glob = QtCore.QRect(self.editor.viewport().mapToGlobal(rect.topLeft()), rect.size())
        self.calltip.show_tip(text, paren_pos, glob)

    def _reply_is_complete(self, content, code):
        if code != self.input_buffer:
            return
        status = content.get("status")
        if status == "incomplete":
            self._newline(content.get("indent"))
        else:
            self.execute()

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
            self._queue.append(("renumber", count))
            self._schedule()
        elif self._exec is None:
            self.editor.set_prompt(number=count + 1)

    def _iopub_stream(self, msg):
        c = msg["content"]
        self._queue.append(("stream", c.get("name", "stdout"), c.get("text", "")))
        self._schedule()

    def _iopub_display_data(self, msg):
        c = msg["content"]
        did = (c.get("transient") or {}).get("display_id")
        self._queue.append(("bundle", c.get("data", {}), c.get("metadata", {}), did, None))
        self._schedule()

    def _iopub_update_display_data(self, msg):
        c = msg["content"]
        did = (c.get("transient") or {}).get("display_id")
        if did:
            self._queue.append(("update", did, c.get("data", {}), c.get("metadata", {})))
            self._schedule()

    def _iopub_execute_result(self, msg):
        c = msg["content"]
        self._queue.append(("bundle", c.get("data", {}), c.get("metadata", {}), None,
                            c.get("execution_count")))
        self._schedule()

    def _iopub_error(self, msg):
        c = msg["content"]
        tb = "\n".join(c.get("traceback") or []) or f"{c.get('ename')}: {c.get('evalue')}"
        self._queue.append(("error", tb + "\n"))
        self._schedule()

    def _iopub_clear_output(self, msg):
        self._queue.append(("clear", bool(msg["content"].get("wait"))))
        self._schedule()

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
            self._hist_saved = None
        if not self._is_ready or self._exec is not None:
            self._queued.append(code)
            return None
        self.popup.hide()
        self.calltip.hide()
        if code.strip() and (not self._history or self._history[-1] != code.rstrip("\n")):
            self._history.append(code.rstrip("\n"))
        self._hist_index = len(self._history)
        self._queue.append(("echo", self.editor.prompt_number, code))
        msg_id = self._send("execute", "execute", code, allow_stdin=True)
        self._requests[msg_id] = ("execute", msg_id)
        self._exec_ids.append(msg_id)
        self._exec = {"id": msg_id, "reply": None, "idle": False}
        self.editor.set_prompt(busy=True)
        self._schedule()
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
        self._queue.append(("end",))
        self._schedule()
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

    def _send_input(self, eof=False):
        """Answer input(); ``eof`` (Ctrl-D in an empty field) sends the EOF character,
        which the kernel turns into EOFError (ipykernel does too)."""
        value = "\x04" if eof else self.stdin_edit.text()
        prompt = self.stdin_label.text()
        self.stdin_row.hide()
        self.editor.setFocus()
        self._queue.append(("stream", "stdout", prompt + (
            "^D" if eof else "" if self._stdin_password else value) + "\n"))
        self._schedule()
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
        elif what == "restarted":
            self._unanswered_restarts += 1
            self._kernel_replaced(None if again else "Kernel restarted after it died: a new "
                                  "namespace; scrollback and history are kept")
        elif what == "dead":
            n = self._unanswered_restarts
            self._info("Kernel died too often" + (f" ({n} restarts without an answer)"
                                                  if n > 1 else "") +
                       " and was not restarted: restart it with Ctrl-.\n")
            self._exec = None
            self._dead = True
            self.editor.set_prompt(busy=False)
        self.kernel_event.emit(what)

    def _kernel_replaced(self, text):
        if text:
            self._info(f"{text}.\n")
        # a new kernel gets a heartbeat's time to dead before it is judged (the echoes
        # its predecessor missed are not its own)
        self._hb_judge_after = time.monotonic() + 4.0
        self._dead = False
        self._exec = None
        self._queued = []
        self._requests.clear()
        self.popup.hide()
        self.calltip.hide()
        self.stdin_row.hide()
        self._hb_reported = False
        self.editor.set_prompt(number=1, busy=False)
        self._is_ready = False
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
        for t in (self._flush_timer, self._probe_timer, self._watch_timer):
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

    # -- keys
    def _editor_key(self, event):
        """Handle a key in the editor; False lets the editor insert it."""
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & QtCore.Qt.ControlModifier)
        shift = bool(mods & QtCore.Qt.ShiftModifier)
        ed = self.editor
        if self.popup.isVisible():
            if key in (QtCore.Qt.Key_Up, QtCore.Qt.Key_Down):
                self.popup.move_selection(-1 if key == QtCore.Qt.Key_Up else 1)
                return True
            if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter, QtCore.Qt.Key_Tab):
                choice = self.popup.current()
                if choice:
                    self._replace(self.popup.start, ed.textCursor().position(), choice)
                self.popup.hide()
                return True
            if key == QtCore.Qt.Key_Escape:
                self.popup.hide()
                return True
        if key == QtCore.Qt.Key_Escape:
            if self.calltip.isVisible():
                self.calltip.hide()
            elif self.pager.isVisible():
                self.close_pager()
            return True
        if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter):
            self.calltip.hide()
            if ctrl:
                self._newline()
            elif shift:
                self.execute()
            elif self.executing:
                self._newline()
            else:
                self._enter()
            return True
        if ctrl and key == QtCore.Qt.Key_C and not ed.textCursor().hasSelection():
            self.interrupt_kernel()
            return True
        if ctrl and key == QtCore.Qt.Key_Period:
            self.restart_kernel()
            return True
        if ctrl and key == QtCore.Qt.Key_R:
            self._start_search()
            return True
        if ctrl and key == QtCore.Qt.Key_L:
            self.clear()
            return True
        if ctrl and key in (QtCore.Qt.Key_Plus, QtCore.Qt.Key_Equal):
            self.zoom(1)
            return True
        if ctrl and key == QtCore.Qt.Key_Minus:
            self.zoom(-1)
            return True
        if ctrl and key == QtCore.Qt.Key_0:
            self.reset_zoom()
            return True
        if key == QtCore.Qt.Key_Tab and not ctrl:
            cur = ed.textCursor()
            before = cur.block().text()[:cur.positionInBlock()]
            if not before.strip():
                cur.insertText("    ")
            else:
                self.complete()
            return True
        if key == QtCore.Qt.Key_Backtab:
            return True
        if key == QtCore.Qt.Key_Up and not ctrl and ed.textCursor().blockNumber() == 0:
            return self._history_step(-1)
        if key == QtCore.Qt.Key_Down and not ctrl and \
                ed.textCursor().blockNumber() == ed.blockCount() - 1:
            return self._history_step(1)
        if key == QtCore.Qt.Key_Backspace and not ctrl:
            cur = ed.textCursor()
            before = cur.block().text()[:cur.positionInBlock()]
            if before and not before.strip() and not cur.hasSelection():
                for _ in range((len(before) - 1) % 4 + 1):
                    cur.deletePreviousChar()
                return True
        return False

    def _after_key(self, event):
        """After the editor handled a key: calltips and popup filtering."""
        text = event.text()
        if self.popup.isVisible():
            self._refilter()
        if text == "(":
            cur = self.editor.textCursor()
            before = cur.block().text()[:cur.positionInBlock()]
            if CALLTIP_RE.search(before):
                pos = cur.position()
                self._send("calltip", "inspect", self.input_buffer, pos - 1, 0, extra=pos)

    def _cursor_moved(self):
        if not self.calltip.isVisible():
            return
        pos = self.editor.textCursor().position()
        p = self.calltip.paren_pos
        if pos < p:
            self.calltip.hide()
            return
        seg = self.input_buffer[p:pos]
        if 1 + seg.count("(") - seg.count(")") <= 0:
            self.calltip.hide()

    def _enter(self):
        code = self.input_buffer
        cur = self.editor.textCursor()
        if not code.strip():
            if self._is_ready:
                self.execute()
            return
        if not cur.atEnd() and "\n" in code:
            self._newline()  # editing inside a multi-line cell
            return
        if not self._is_ready:
            self.execute()
            return
        if "\n" in code and not cur.block().text().strip():
            # a blank last line ends a block, as in IPython: run what is there
            self.input_buffer = code.rstrip() + "\n"
            self.execute()
            return
        self._send("is_complete", "is_complete", code, extra=code)
        # A kernel that cannot answer (busy with another client, dead) must not
        # swallow the key: decide locally after a while.
        QtCore.QTimer.singleShot(1500, lambda c=code: self._is_complete_fallback(c))

    def _is_complete_fallback(self, code):
        pending = [k for k, (kind, extra) in self._requests.items()
                   if kind == "is_complete" and extra == code]
        if not pending or code != self.input_buffer:
            return
        for k in pending:
            self._requests.pop(k, None)
        import codeop
        try:
            done = codeop.compile_command(code, "<input>", "exec") is not None
        except (SyntaxError, ValueError, OverflowError):
            done = True
        self._reply_is_complete({"status": "complete" if done else "incomplete"}, code)

    def _newline(self, indent=None):
        cur = self.editor.textCursor()
        line = cur.block().text()[:cur.positionInBlock()]
        if indent is None:
            indent = line[:len(line) - len(line.lstrip())]
            stripped = re.sub(r"#.*$", "", line).rstrip()
            if stripped.endswith(":"):
                indent += "    "
            elif DEDENT_RE.match(line):
                indent = indent[:-4]
        cur.insertText("\n" + indent)
        self.editor.setTextCursor(cur)

    def _replace(self, start, end, text):
        cur = self.editor.textCursor()
        cur.setPosition(start)
        cur.setPosition(max(start, end), QtGui.QTextCursor.KeepAnchor)
        cur.insertText(text)
        self.editor.setTextCursor(cur)

    def complete(self):
        pos = self.editor.textCursor().position()
        code = self.input_buffer
        self._send("complete", "complete", code, pos, extra=(pos, code))

    def _refilter(self):
        pos = self.editor.textCursor().position()
        if pos < self.popup.start:
            self.popup.hide()
            return
        typed = self.input_buffer[self.popup.start:pos]
        if not re.fullmatch(r"[\w.%]*", typed) or not self.popup.filter(typed):
            self.popup.hide()

    # -- history
    def _history_step(self, step):
        hist = self._history
        if not hist:
            return False
        if self._hist_saved is None or self.input_buffer != self._hist_shown:
            # a new walk: from what is typed now (an edited entry, a new prefix)
            self._hist_saved = self.input_buffer
            self._hist_index = len(hist)
        prefix = self._hist_saved if "\n" not in self._hist_saved else ""
        i = self._hist_index + step
        while 0 <= i < len(hist) and not hist[i].startswith(prefix):
            i += step
        if i < 0:
            return True
        if i >= len(hist):
            self._hist_index = len(hist)
            self.input_buffer = self._hist_saved
            self._hist_saved = None
            return True
        self._hist_index = i
        self._hist_shown = hist[i]
        self.editor.setPlainText(hist[i])
        cur = self.editor.textCursor()
        cur.movePosition(QtGui.QTextCursor.End if step > 0 else QtGui.QTextCursor.End)
        if step < 0:  # going up: stay on the first line, so Up keeps walking back
            cur.movePosition(QtGui.QTextCursor.Start)
            cur.movePosition(QtGui.QTextCursor.EndOfBlock)
        self.editor.setTextCursor(cur)
        return True

    def _start_search(self):
        if self.search_row.isVisible():
            self._search_history(1)
            return
        self._search_saved = self.input_buffer
        self._search_index = len(self._history)
        self.search_row.show()
        self.search_edit.clear()
        self.search_edit.setFocus()

    def _search_history(self, skip):
        needle = self.search_edit.text()
        start = self._search_index - skip if skip else len(self._history) - 1
        for i in range(min(start, len(self._history) - 1), -1, -1):
            if needle in self._history[i]:
                self._search_index = i
                self.editor.setPlainText(self._history[i])
                self.search_label.setText("reverse-i-search:")
                return True
        self.search_label.setText("failing reverse-i-search:")
        return False

    def eventFilter(self, obj, event):
        if not hasattr(self, "calltip"):  # still building
            return super().eventFilter(obj, event)
        if event.type() == QtCore.QEvent.KeyPress and obj in (self.stdin_edit, self.pager):
            key, ctrl = event.key(), bool(event.modifiers() & QtCore.Qt.ControlModifier)
            if obj is self.stdin_edit and ctrl and key == QtCore.Qt.Key_D and not obj.text():
                self._send_input(eof=True)   # input() raises EOFError, as in a terminal
                return True
            if obj is self.stdin_edit and (key == QtCore.Qt.Key_Escape or ctrl and
                                           key == QtCore.Qt.Key_C) and not obj.hasSelectedText():
                self.interrupt_kernel()   # input() gets KeyboardInterrupt: the cell ends
                return True
            if obj is self.pager and (key == QtCore.Qt.Key_Escape or (
                    key == QtCore.Qt.Key_Q and not event.modifiers())):
                self.close_pager()
                self.editor.setFocus()
                return True
        if obj is self.search_edit and event.type() == QtCore.QEvent.KeyPress:
            key, ctrl = event.key(), bool(event.modifiers() & QtCore.Qt.ControlModifier)
            if ctrl and key == QtCore.Qt.Key_R:
                self._search_history(1)
                return True
            if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter, QtCore.Qt.Key_Escape):
                if key == QtCore.Qt.Key_Escape:
                    self.input_buffer = self._search_saved
                self.search_row.hide()
                self.editor.setFocus()
                self.editor.moveCursor(QtGui.QTextCursor.End)
                return True
        return super().eventFilter(obj, event)

    @property
    def history(self):
        return list(self._history)

    # -- pager
    def show_pager(self, data, start=0):
        text = data.get("text/plain", "") if isinstance(data, dict) else str(data)
        if isinstance(data, dict) and "text/html" in data:
            self.pager.setHtml(self._mono_html(data["text/html"]))
        else:
            self.pager.setHtml(self._mono_html(self._ansi_html(text)))
        if self.paging == "inline":
            self.output.hide()
        self.pager.show()
        if self.paging != "inline" and sum(self.splitter.sizes()) > 0:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total * 3 // 5, total * 2 // 5])

    def close_pager(self):
        self.pager.hide()
        self.output.show()

    def _ansi_html(self, text):
        """Plain HTML for ANSI text (used by the pager)."""
        return ansi_html(text, self.fmt_plain, self.style_colors["fg"])

    # -- output: queue and batches
    def _info(self, text):
        self._queue.append(("info", text))
        self._schedule()

    def _schedule(self, delay=None):
        """Flush soon: at once after a quiet spell, else ``flush_interval`` after the
        last batch (what arrives meanwhile joins the next batch)."""
        if self._flush_timer.isActive() or self._closed:
            return
        if delay is None:
            since = (time.monotonic() - self._last_flush) * 1000
            delay = max(0, int(self.flush_interval - since))
        self._flush_timer.start(delay)

    def flush_output(self):
        """Insert everything queued now (tests, saving)."""
        while self._queue:
            self._flush(budget=None)

    def _flush(self, budget=-1):
        """Insert queued output until the time budget is spent; reschedule the rest."""
        if budget == -1:
            budget = self.flush_budget
        deadline = None if budget is None else time.monotonic() + budget
        view = self.output
        bar = view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QtGui.QTextCursor(view.document())
        cursor.movePosition(QtGui.QTextCursor.End)
        cursor.beginEditBlock()
        try:
            while self._queue:
                item = self._queue.popleft()
                if item[0] == "stream":
                    name, text = item[1], item[2]
                    # coalesce what follows on the same stream: one insert for many
                    parts = [text]
                    while self._queue and self._queue[0][0] == "stream" and \
                            self._queue[0][1] == name:
                        parts.append(self._queue.popleft()[2])
                    self._put_stream(cursor, name, "".join(parts))
                else:
                    self._put(cursor, item)
                if deadline is not None and time.monotonic() > deadline:
                    break
        finally:
            cursor.endEditBlock()
        doc = view.document()
        if self._images_dirty or (len(self._images) > self._images_live and
                                  doc.blockCount() >= 0.9 * doc.maximumBlockCount() > 0):
            self._free_images()   # replaced, cleared, or trimmed by the scrollback limit
        if at_bottom:
            bar.setValue(bar.maximum())
        self._last_flush = time.monotonic()
        if self._queue:
            self._schedule(0)

    def _end_line(self, cursor):
        """Close a folded line and start a new block if the current one has text."""
        self._close_fold(cursor)
        if not cursor.atBlockStart():
            cursor.insertText("\n", self.fmt_plain)
        self._line_len = 0
        self._cr_pending = False
        self._last_stream = None

    def _put(self, cursor, item):
        kind = item[0]
        if self._clear_wait and kind in ("bundle", "error", "info"):
            self._clear_cell(cursor)
        if kind == "echo":
            self._end_line(cursor)
            self._echo = (QtGui.QTextCursor(cursor), item[1])
            self._put_echo(cursor, item[1], item[2])
            self._cell_start = QtGui.QTextCursor(cursor)
            self._cell_start.setKeepPositionOnInsert(True)
        elif kind == "bundle":
            _, data, md, did, count = item
            self._end_line(cursor)
            p0 = cursor.position()
            self._put_bundle(cursor, data, md, count)
            if did:
                self._displays[did].append(self._region(p0, cursor.position()) + [count])
        elif kind == "renumber" and self._echo and self._echo[1] != item[1]:
            c = QtGui.QTextCursor(self._echo[0])
            c.setPosition(c.position() + len(f"In [{self._echo[1]}]"),
                          QtGui.QTextCursor.KeepAnchor)
            if c.selectedText() == f"In [{self._echo[1]}]":
                c.insertText(f"In [{item[1]}]", self.fmt_prompt_in)
            self._echo = None
        elif kind == "update":
            self._update_display(item[1], item[2], item[3])
        elif kind == "error":
            self._end_line(cursor)
            self._put_ansi(cursor, "error", item[1])
        elif kind == "info":
            self._end_line(cursor)
            cursor.insertText(item[1], self.fmt_info)
        elif kind == "clear":
            if item[1]:
                self._clear_wait = True
            else:
                self._clear_cell(cursor)
        elif kind == "end":
            self._clear_wait = False
            self._end_line(cursor)

    def _clear_cell(self, cursor):
        self._clear_wait = False
        self._close_fold(cursor)
        if self._cell_start is None:
            return
        c = QtGui.QTextCursor(self.output.document())  # (a copy would keep a stale anchor)
        c.setPosition(self._cell_start.position())
        c.movePosition(QtGui.QTextCursor.End, QtGui.QTextCursor.KeepAnchor)
        c.removeSelectedText()
        self._line_len = 0
        self._cr_pending = False
        self._last_stream = None
        self._images_dirty = True
        cursor.movePosition(QtGui.QTextCursor.End)

    def _put_echo(self, cursor, n, code):
        lines = code.rstrip("\n").split("\n") or [""]
        head = f"In [{n}]: "
        cont = " " * (len(head) - 5) + "...: "
        for i, line in enumerate(lines):
            cursor.insertText(head if i == 0 else cont, self.fmt_prompt_in)
            pos = 0
            for start, length, kind in python_spans(line):
                if start > pos:
                    cursor.insertText(line[pos:start], self.fmt_plain)
                cursor.insertText(line[start:start + length], self.fmt_code[kind])
                pos = start + length
            cursor.insertText(line[pos:] + "\n", self.fmt_plain)

    def _put_ansi(self, cursor, name, text):
        for piece, fmt in self._ansi[name].split(text):
            cursor.insertText(piece, fmt)

    def _put_stream(self, cursor, name, text):
        if self._clear_wait:
            self._clear_cell(cursor)
        if self._last_stream not in (None, name):
            self._end_line(cursor)
        self._last_stream = name
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        nl = text.count("\n")
        if nl > self.scrollback:  # only the last lines could stay: skip the rest
            cut = len(text)
            for _ in range(self.scrollback + 1):
                cut = text.rfind("\n", 0, cut)
            text = text[cut + 1:]
            self._close_fold(cursor)
            self._line_len = 0
        for piece in self._fold_stream(text):
            if piece is _CR:
                c = QtGui.QTextCursor(cursor)
                c.movePosition(QtGui.QTextCursor.StartOfBlock, QtGui.QTextCursor.KeepAnchor)
                c.removeSelectedText()
            elif piece is _FOLD_END:
                self._close_fold(cursor)
            else:
                self._put_ansi(cursor, name, piece)

    def _fold_stream(self, text):
        """Pieces of ``text`` to insert, with _CR (erase the current line) and
        _FOLD_END markers; characters past ``max_line`` on one line are kept aside."""
        limit = self.max_line
        if self._fold is None and not self._cr_pending and "\r" not in text and \
                self._line_len + len(text) <= limit:
            nl = text.rfind("\n")
            self._line_len = len(text) - nl - 1 if nl >= 0 else self._line_len + len(text)
            return [text]
        out = []
        pieces = text.split("\n")
        if self._fold is None and "\r" not in text and len(pieces) > 1 and \
                self._line_len + len(pieces[0]) <= limit and \
                max(map(len, pieces[1:])) <= limit:
            self._cr_pending = False
            self._line_len = len(pieces[-1])
            return [text]
        for i, piece in enumerate(pieces):
            if i > 0:
                if self._fold is not None:
                    out.append(_FOLD_END)
                out.append("\n")
                self._line_len, self._cr_pending = 0, False
            if "\r" in piece or self._cr_pending:
                segs = piece.split("\r")
                trailing = piece.endswith("\r")
                visible = next((s for s in reversed(segs) if s), "")
                if (self._cr_pending or len(segs) > 1) and (visible or not trailing):
                    if self._fold is not None:
                        out.append(_FOLD_END)
                    out.append(_CR)
                    self._line_len = 0
                    self._cr_pending = False
                piece = visible if (len(segs) > 1 or self._cr_pending) else piece
                self._cr_pending = self._cr_pending or trailing
            if not piece:
                continue
            if self._fold is not None:
                self._fold.append(piece)
                self._fold_len += len(piece)
            elif self._line_len + len(piece) > limit:
                keep = max(0, limit - self._line_len)
                if keep:
                    out.append(piece[:keep])
                self._fold = [piece[keep:]]
                self._fold_len = len(piece) - keep
                self._line_len = limit
            else:
                out.append(piece)
                self._line_len += len(piece)
        return out

    def _close_fold(self, cursor):
        if self._fold is None:
            return
        self._fold_count = fid = getattr(self, "_fold_count", 0) + 1
        self._folds[fid] = "".join(self._fold)
        while len(self._folds) > self.max_folds:   # memory: keep the newest few
            del self._folds[min(self._folds)]
        self._fold, n = None, self._fold_len
        self._fold_len = 0
        fmt = QtGui.QTextCharFormat(self.fmt_info)
        fmt.setAnchor(True)
        fmt.setAnchorHref(f"ipylite-fold:{fid}")
        fmt.setFontUnderline(True)
        cursor.insertText(f" \u2026 [{n:,} more characters on this line: click to save]", fmt)
        cursor.insertText("", self.fmt_plain)

    @property
    def folds(self):
        """{id: text} of the parts of long lines that were cut from the view."""
        return dict(self._folds)

    def save_fold(self, fid, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self._folds[fid])

    def _anchor_clicked(self, url):
        if url.scheme() == "ipylite-fold":
            fid = int(url.path())
            if fid not in self._folds:
                self._info(f"That text is no longer kept (only the last {self.max_folds} "
                           f"cut lines are).\n")
                return
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the rest of the line",
                                                            "output.txt")
            if path:
                self.save_fold(fid, path)
        elif url.scheme() in ("http", "https"):
            QtGui.QDesktopServices.openUrl(url)

    def _put_bundle(self, cursor, data, md, count):
        dpr = self.devicePixelRatioF()
        kind, value, mime = render_bundle(data, md, dpr, self.style_colors["fg"])
        if count is not None:
            cursor.insertText(f"Out[{count}]: ", self.fmt_prompt_out)
            if kind != "text" or "\n" in value:
                cursor.insertText("\n", self.fmt_plain)
        if kind == "image":
            self._put_image(cursor, value)
        elif kind == "html":
            value = self._mono_html(value)
            if not cursor.atBlockStart():
                cursor.insertBlock(QtGui.QTextBlockFormat(), self.fmt_plain)
            self._plain_block(cursor)
            pos = cursor.position()
            cursor.insertHtml(value)
            first = cursor.document().findBlock(pos)
            gap = first if first.textList() is None else first.previous()
            if not gap.text() and gap.next().textList() is not None \
                    and gap.previous().isValid():  # Qt left an empty line above a list
                QtGui.QTextCursor(gap).deletePreviousChar()  # (joins it to the line above)
            # Self-contained: what follows starts in a plain block, outside any list,
            # heading or paragraph margins the HTML left behind.
            cursor.insertBlock(QtGui.QTextBlockFormat(), self.fmt_plain)
            self._plain_block(cursor)
            return
        else:
            self._put_ansi(cursor, "stdout", value)
        cursor.insertText("\n", self.fmt_plain)

    def _mono_html(self, value):
        """<pre>, <code>... in the console's monospace font (Qt asks for Courier New,
        which falls back to a proportional font where it is missing)."""
        family = self.output.document().defaultFont().family().replace('"', "")
        return MONO_TAG_RE.sub(lambda m: f'<{m.group(1)} style="font-family:\'{family}\';"'
                               f'{m.group(2)}>', value)

    def _plain_block(self, cursor):
        lst = cursor.block().textList()
        if lst is not None:
            lst.remove(cursor.block())
        cursor.setBlockFormat(QtGui.QTextBlockFormat())
        cursor.setBlockCharFormat(self.fmt_plain)
        cursor.setCharFormat(self.fmt_plain)

    def _put_image(self, cursor, image):
        self._image_serial += 1
        name = f"ipylite-img:{self._image_serial}"
        doc = self.output.document()
        doc.addResource(QtGui.QTextDocument.ImageResource, QtCore.QUrl(name), image)
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.WriteOnly)
        image.save(buf, "PNG")
        self._images[name] = bytes(buf.data())
        fmt = QtGui.QTextImageFormat()
        fmt.setName(name)
        dpr = image.devicePixelRatio() or 1.0
        fmt.setWidth(image.width() / dpr)
        fmt.setHeight(image.height() / dpr)
        cursor.insertImage(fmt)
        if len(self._images) > 2 * self._images_live + 8:  # trimmed or replaced: sweep
            self._free_images()

    def _free_images(self):
        """Drop the bytes and document resources of images no longer in the scrollback
        (replaced by update_display or clear_output, trimmed, or cleared)."""
        self._images_dirty = False
        if not self._images:
            return
        doc = self.output.document()
        used = image_names(doc)
        for name in [n for n in self._images if n not in used]:
            del self._images[name]
            doc.addResource(QtGui.QTextDocument.ImageResource, QtCore.QUrl(name), QtGui.QImage())
        self._images_live = len(self._images)

    def _region(self, p0, p1):
        """[start, end] cursors around an output that may be replaced: the start moves
        with text inserted at it (the end of an earlier region), the end does not."""
        start = QtGui.QTextCursor(self.output.document())
        start.setPosition(p0)
        end = QtGui.QTextCursor(self.output.document())
        end.setPosition(p1)
        end.setKeepPositionOnInsert(True)
        return [start, end]

    def _update_display(self, did, data, md):
        for region in self._displays.get(did, []):
            start, end, count = region
            c = QtGui.QTextCursor(self.output.document())
            c.setPosition(start.position())
            c.setPosition(end.position(), QtGui.QTextCursor.KeepAnchor)
            c.removeSelectedText()
            p0 = c.position()
            self._put_bundle(c, data, md, count)
            region[:2] = self._region(p0, c.position())
        self._images_dirty = True

    def clear(self):
        """Empty the scrollback (Ctrl-L)."""
        self.output.clear()
        self._displays.clear()
        self._free_images()
        self._cell_start = None
        self._line_len = 0

    # -- reading the output (tests, tools)
    def output_text(self):
        self.flush_output()
        return self.output.document().toPlainText()

    def output_html(self):
        """The scrollback as a standalone HTML page, images embedded."""
        self.flush_output()
        return document_html(self.output.document(), self._images, self.style_colors["bg"])

    def save_html(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.output_html())

    def save_pdf(self, path):
        self.flush_output()
        print_document(self.output.document(), path, self.style_colors["bg"], self._images)

    # -- layout
    def _fit_editor(self):
        fm = self.editor.fontMetrics()
        lines = max(1, int(self.editor.document().size().height()))
        height = lines * fm.lineSpacing() + 2 * self.editor.frameWidth() + 10
        limit = max(fm.lineSpacing() * 3, int(self.height() * 0.5))
        self.editor.setFixedHeight(min(height, limit))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_editor()


_CR = object()
_FOLD_END = object()


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
