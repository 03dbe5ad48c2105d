"""The Qt console: a desktop console on any Jupyter kernel (PyQt5 only).

    python -m ipylite.qtconsole [--kernel NAME | --existing [FILE] | --in-process]
                                [--style light|dark] [--font-size N] [--profile NAME]
                                [--paging vsplit|hsplit|inline] [--scrollback N]
                                [--editor COMMAND]

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
import os
import sys


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
from .qtkernel import KernelLifecycle, figures_inline
from .qtoutput import OutputWriter
from .qtwidgets import ConsoleFrame, ConsoleWindow, ansi_html, run_app, strip_prompts

__all__ = ["ConsoleFrame", "ConsoleWidget", "ConsoleWindow", "main", "strip_prompts"]


# ---------------------------------------------------------------- the console

class ConsoleWidget(KernelLifecycle, ConsoleFrame):
    """A console bound to one kernel client. ``manager`` (optional) is used to
    interrupt, restart and replace a dead kernel; without one, interrupts go over
    the control channel and restarts are unavailable. The kernel's lifecycle (the
    ready probe, interrupt, restart, shutdown, deaths and heartbeats) is
    :class:`~ipylite.qtkernel.KernelLifecycle`'s; keys are :class:`InputKeys`';
    writing output is :class:`OutputWriter`'s.

    Settings are class attributes (override them in a subclass or on an instance):
    ``scrollback`` lines kept and ``paging`` (from ConsoleFrame), ``max_line``
    characters shown of one line (the rest of the last ``max_folds`` such lines is
    kept, to be saved from a link), ``confirm_restart`` and ``shutdown_wait`` (from
    KernelLifecycle). ``edit_command`` opens the files %edit names (as qtconsole's
    ``editor``): a shell command where ``{filename}`` and ``{line}`` are filled in
    (else the quoted file name is appended); empty, the desktop's default application
    for the file opens it. An app that connects ``edit_requested`` edits them itself.
    """

    max_line = 10000
    max_folds = 10          # cut-off line remainders kept for saving
    flush_interval = 30     # ms between batches of output
    flush_budget = 0.04     # s of inserting per batch before yielding

    executed = QtCore.pyqtSignal(dict)       # every execute_reply content
    ready = QtCore.pyqtSignal()              # the kernel answered; prompt shown
    kernel_event = QtCore.pyqtSignal(str)    # "died", "restarted", "dead", "no-heartbeat"
    restarter_event = QtCore.pyqtSignal(str)
    edit_requested = QtCore.pyqtSignal(str, object)   # %edit's (file name, line or None)
    edit_command = ""

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
        self.init_lifecycle()
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
    def _send(self, kind, method, *args, extra=None, **kw):
        msg_id = getattr(self.client, method)(*args, **kw)
        if msg_id is not None:
            self._requests[msg_id] = (kind, extra)
        if self.bridge is not None:
            self.bridge.kick()
        return msg_id

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
                elif p.get("source") == "edit_magic" and isinstance(p.get("filename"), str):
                    self.open_editor(p["filename"], p.get("line_number"))
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

    def open_editor(self, filename, line=None):
        """Open a file the kernel's %edit named (see ``edit_command``)."""
        import shlex
        import subprocess
        if self.receivers(self.edit_requested):
            self.edit_requested.emit(filename, line)
            return
        try:
            if not self.edit_command:
                url = QtCore.QUrl.fromLocalFile(filename)
                if not QtGui.QDesktopServices.openUrl(url):
                    raise OSError("no application opens it; start the console with "
                                  "--editor COMMAND")
                return
            quoted = shlex.quote(filename)
            if "{filename}" in self.edit_command:
                command = self.edit_command.format(filename=quoted, line=int(line or 1))
            else:
                command = "%s %s" % (self.edit_command, quoted)
            subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        except (OSError, KeyError, ValueError, IndexError) as e:
            self.out.add(("info", "%%edit: could not open %s: %s\n" % (filename, e)))

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
