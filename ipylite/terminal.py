"""The terminal frontend: `python -m ipylite`.

    python -m ipylite [-c CODE] [-i] [-m MODULE | script.py args...] [--no-banner]
                      [--colors NoColor|Linux|LightBG] [--kernel NAME | --existing [FILE]]

By default the Shell runs in this process on the standard library's readline, and no
ZeroMQ is imported, so it starts fast. With ``--kernel`` or ``--existing`` the same
prompt drives any Jupyter kernel through protocol.KernelClient.

``embed()`` opens this prompt inside a running program on the caller's namespace.
"""

import os
import sys

from . import __version__
from .display import DisplayPublisher

BANNER = ("ipylite {version} on Python {python}\n"
          "Type 'obj?' for help on an object, '%lsmagic' for magics, 'exit' to leave.\n")

# prompt colours per scheme: (in, in number, out, out number); LightBG suits light
# backgrounds. \001 and \002 tell readline which bytes take no room on screen.
SCHEMES = {"NoColor": None, "Linux": ("32", "1;32", "31", "1;31"),
           "LightBG": ("34", "1;34", "31", "1;31"), "Neutral": ("32", "1;32", "31", "1;31")}


def default_colors():
    return "Linux" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else "NoColor"


def paint(code, text, readline_safe=False):
    if not code:
        return text
    start, end = f"\x1b[{code}m", "\x1b[0m"
    if readline_safe:
        start, end = f"\001{start}\002", f"\001{end}\002"
    return start + text + end


def render_data(data, write):
    """Show a mime bundle in a terminal: its text/plain; images go to a temporary
    file whose path is printed."""
    import base64
    import tempfile
    for mime, ext in (("image/png", ".png"), ("image/jpeg", ".jpg"), ("image/gif", ".gif"),
                      ("image/svg+xml", ".svg")):
        if mime in data:
            raw = data[mime]
            raw = raw.encode() if mime == "image/svg+xml" else base64.b64decode(raw)
            fd, path = tempfile.mkstemp(suffix=ext, prefix="ipylite-")
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            write(f"[{mime} saved to {path}]\n")
            return
    text = data.get("text/plain")
    if text is not None:
        write(text + "\n")


def is_exit(code):
    """Whether a cell is only exit or quit (kept out of history)."""
    import re
    return re.fullmatch(r"\s*(exit|quit)\s*(\(\s*\))?\s*;?\s*", code) is not None


class LineEndStream:
    """sys.stdout or sys.stderr as it is, noting in ``line_end[0]`` whether the last
    text written ended its line, so that the next prompt starts on a line of its own."""

    def __init__(self, stream, line_end):
        self._stream, self._line_end = stream, line_end

    def write(self, text):
        if text:
            self._line_end[0] = text.endswith("\n")
        return self._stream.write(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class TerminalDisplayPublisher(DisplayPublisher):
    """Prints displays and Out[n] with the terminal's colours."""

    def __init__(self, term):
        self.term = term

    def publish(self, data, metadata=None, transient=None, update=False):
        render_data(data, sys.stdout.write)

    def execute_result(self, execution_count, data, metadata):
        self.term.show_result(execution_count, data)


class Terminal:
    """Reads cells at a prompt and runs them in ``shell``. Subclass and override
    ``read_line``, ``run`` or ``complete`` to change how it talks or what it drives."""

    prompt_in = "In [{n}]: "
    prompt_out = "Out[{n}]: "
    confirm_exit = True
    history_length = 1000
    autoindent = True       # continuation lines start at the block's indent (%autoindent)

    def __init__(self, shell=None, colors=None, profile="default"):
        if shell is None:
            shell = make_shell(profile)
        self.shell = shell
        configured = getattr(getattr(shell, "config", None), "values", {}).get("Shell", {})
        self.colors = colors or configured.get("colors") or default_colors()
        self.readline = None
        self._matches, self._types, self._prompt = [], {}, ""
        self.keys = None
        if shell is not None:
            shell.display_pub = TerminalDisplayPublisher(self)
            shell.register_magic_function(self.magic_colors, "line", "colors")
            shell.register_magic_function(self.magic_cpaste, "line", "cpaste")
            shell.register_magic_function(self.magic_autoindent, "line", "autoindent")
            shell.register_magic_function(self.magic_paste, "line", "paste")
            shell.register_magic_function(self.magic_matplotlib, "line", "matplotlib")

    @property
    def colors(self):
        return self._colors

    @colors.setter
    def colors(self, scheme):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown colour scheme {scheme!r}; choose from "
                             + ", ".join(SCHEMES))
        self._colors = scheme
        if self.shell is not None:
            self.shell.colors = scheme

    # -- what a subclass may replace to drive something else
    @property
    def execution_count(self):
        return self.shell.execution_count

    def is_complete(self, code):
        return self.shell.is_complete(code)

    def complete(self, code, cursor_pos):
        return self.shell.complete(code, cursor_pos)

    def run(self, code, store_history=True):
        try:
            self.shell.run_cell(code, store_history=store_history)
        except KeyboardInterrupt:
            sys.stdout.write("\nKeyboardInterrupt\n")

    def history_tail(self, n):
        hm = self.shell.history
        return [] if hm is None else [src for _, _, src in hm.get_tail(n, raw=True)]

    @property
    def exit_now(self):
        return self.shell.exit_now

    @exit_now.setter
    def exit_now(self, value):
        self.shell.exit_now = value

    def close(self):
        hm = self.shell.history
        if hm is not None:
            hm.flush()

    # -- output
    def show_result(self, n, data):
        if getattr(self.shell, "doctest_mode", False):     # %doctest_mode: no Out[n]
            sys.stdout.write(data.get("text/plain", "") + "\n")
            return
        scheme = SCHEMES[self.colors]
        prompt = self.prompt_out.format(n=n)
        if scheme:
            prompt = paint(scheme[2], "Out[") + paint(scheme[3], str(n)) + paint(scheme[2], "]: ")
        text = data.get("text/plain", "")
        if any(m in data for m in ("image/png", "image/jpeg", "image/gif", "image/svg+xml")):
            sys.stdout.write(prompt)
            render_data(data, sys.stdout.write)
            return
        if "\n" in text:
            text = "\n" + text
        sys.stdout.write(prompt + text + "\n")

    # -- readline
    def setup_readline(self):
        try:
            import readline
        except ImportError:
            sys.stderr.write("warning: readline is not available: "
                             "no completion, no history recall\n")
            return
        self.readline = readline
        # quotes and backslashes stay in the word: readline would close a quote after
        # a folder, and \alpha is one word
        readline.set_completer_delims(" \t\n`~!@#$^&*()=+[{]}|;:,<>?")
        readline.parse_and_bind("tab: complete")
        # a paste arrives whole, as typed text, not line by line through auto-indent
        # (CPython turns this off for its own prompt; terminals without it ignore it)
        readline.parse_and_bind("set enable-bracketed-paste on")
        readline.parse_and_bind("set enable-active-region off")    # no reverse video
        up, down = "history-search-backward", "history-search-forward"
        try:
            self.keys = history_keys(readline)
            up, down = "ipylite-up", "ipylite-down"
        except Exception as e:      # not GNU readline (libedit): its own prefix search
            import logging
            logging.getLogger(__name__).debug("Up and Down are readline's: %s", e)
        for key, command in (("\\e[A", up), ("\\eOA", up), ("\\e[B", down), ("\\eOB", down)):
            readline.parse_and_bind(f'"{key}": {command}')
        readline.set_completer(self._complete)
        readline.set_completion_display_matches_hook(self._show_matches)
        readline.clear_history()
        try:
            for source in self.history_tail(self.history_length):
                if source and source.strip():
                    readline.add_history(source)
        except Exception as e:  # history is a comfort, never a reason not to start
            sys.stderr.write(f"warning: could not load history: {e}\n")

    def _complete(self, text, state):
        if state == 0:
            rl = self.readline
            line, begin, end = rl.get_line_buffer(), rl.get_begidx(), rl.get_endidx()
            self._matches = self.readline_matches(line, begin, end)
        return self._matches[state] if state < len(self._matches) else None

    def readline_matches(self, line, begin, end):
        """What readline puts in place of line[begin:end] for each completion: the
        reply replaces line[cursor_start:cursor_end], which may start before or after
        readline's word. Tab with only spaces before the cursor indents."""
        if not line[:end].strip(" \t\n"):
            return [line[begin:end] + "    "]
        try:
            reply = self.complete(line[:end], end)
        except Exception:
            return []
        start = reply.get("cursor_start", end)
        matches = reply.get("matches", [])
        types = {t.get("text"): t.get("type") for t in
                 (reply.get("metadata") or {}).get("_jupyter_types_experimental") or []
                 if isinstance(t, dict)}
        if line[start:end].startswith("%") and not line[start:end].startswith("%%"):
            # a line magic prefix: %%cell magics would cut the common prefix to %
            matches = [m for m in matches if not m.startswith("%%")]
        out, self._types = [], {}
        for m in matches:
            if start >= begin:
                shown = line[begin:start] + m
            elif m.startswith(line[start:begin]):
                shown = m[begin - start:]
            else:
                continue
            out.append(shown)
            self._types[shown] = types.get(m) or ""
        return out

    def _show_matches(self, substitution, matches, longest):
        """readline's list of completions, in columns, each with its type (module,
        function, param, path, ...) when the reply gave one; then the prompt again."""
        import shutil
        size = shutil.get_terminal_size()
        typed = [(m, self._types.get(m, "")) for m in matches]
        name_w = max(len(m) for m, _ in typed)
        type_w = max(len(t) for _, t in typed)
        cell = name_w + (type_w + 1 if type_w else 0) + 2
        cols = max(1, size.columns // cell)
        rows = -(-len(typed) // cols)
        shown_rows = min(rows, max(3, size.lines - 3))
        dim = (lambda t: paint("2", t)) if SCHEMES[self.colors] else (lambda t: t)
        out = ["\n"]
        for r in range(shown_rows):
            row = [typed[i] for i in range(r, len(typed), rows)]
            out.append("".join(m.ljust(name_w) + (" " + dim(t.ljust(type_w)) if type_w else "")
                               + "  " for m, t in row).rstrip() + "\n")
        if shown_rows < rows:
            out.append(f"... and {len(typed) - shown_rows * cols} more\n")
        prompt = self._prompt.replace("\001", "").replace("\002", "")
        sys.stdout.write("".join(out) + prompt + self.readline.get_line_buffer())
        sys.stdout.flush()
        self.readline.redisplay()

    # -- the loop
    def read_line(self, prompt):
        self._prompt = prompt
        return input(prompt)

    def prompts(self):
        if getattr(self.shell, "doctest_mode", False):     # %doctest_mode: Python's own
            return ">>> ", "... "
        n = self.execution_count
        plain = self.prompt_in.format(n=n)
        dots = " " * (len(plain) - 5) + "...: "
        scheme = SCHEMES[self.colors]
        if not scheme:
            return plain, dots
        rl = self.readline is not None
        first = (paint(scheme[0], "In [", rl) + paint(scheme[1], str(n), rl)
                 + paint(scheme[0], "]: ", rl))
        return first, paint(scheme[0], dots, rl)

    def take_next_input(self):
        """Text a magic offered for the next prompt (%load, %recall), or None."""
        text, self.shell.next_input = getattr(self.shell, "next_input", None), None
        return text

    def _read_prefilled(self, prompt, text):
        """Read with ``text`` already typed: the whole (multi-line) block sits in
        readline's buffer, so one Enter takes it. Without readline it is shown
        and taken as it is."""
        if not text:
            return self.read_line(prompt)
        if self.readline:
            rl = self.readline
            rl.set_pre_input_hook(lambda: (rl.insert_text(text), rl.redisplay()))
            try:
                return self.read_line(prompt)
            finally:
                rl.set_pre_input_hook(None)
        sys.stdout.write(prompt + text.replace("\n", "\n" + " " * 5) + "\n")
        return text

    def _read_indented(self, prompt, indent):
        """A continuation line, the auto-indent typed for us. Without readline the
        indent is shown after the prompt and put before what is typed, unless the
        line brings its own (typed or piped with its indentation)."""
        if self.readline or not indent:
            return self._read_prefilled(prompt, indent)
        line = self.read_line(prompt + indent)
        return line if not line.strip() or line[:1] in " \t" else indent + line

    def read_cell(self):
        """One cell; readline's history gets it once, as a whole, not line by line."""
        rl = self.readline
        if self.keys is not None:
            self.keys.walk = None
        mark = rl.get_current_history_length() if rl else 0
        code = None
        try:
            code = self._read_cell()
            return code
        finally:
            if rl:
                for pos in range(rl.get_current_history_length() - 1, mark - 1, -1):
                    rl.remove_history_item(pos)
                if code and code.strip() and not is_exit(code):
                    rl.add_history(code.rstrip("\n"))

    def _read_cell(self):
        first, cont = self.prompts()
        prefill = (self.take_next_input() or "").rstrip("\n")
        lines = [self._read_prefilled(first, prefill)]
        while True:
            code = "\n".join(lines)
            status = self.is_complete(code)
            if status["status"] != "incomplete":
                return code
            if "\n" in lines[-1] and self.is_complete(code + "\n\n")["status"] != "incomplete":
                return code + "\n"     # a whole block recalled or loaded: Enter runs it
            line = self._read_indented(cont, status.get("indent", "") if self.autoindent else "")
            if not line.strip():
                return code
            lines.append(line)

    def ask_exit(self):
        if not self.confirm_exit:
            return True
        rl = self.readline
        mark = rl.get_current_history_length() if rl else 0
        try:
            answer = self.read_line("\nDo you really want to exit ([y]/n)? ")
        except (EOFError, KeyboardInterrupt):
            return True
        finally:
            while rl and rl.get_current_history_length() > mark:
                rl.remove_history_item(mark)
        return answer.strip().lower() in ("", "y", "yes")

    def _on_signal(self, signum, frame):
        """SIGHUP or SIGTERM: save the history still pending, then die of it."""
        import signal
        try:
            self.close()
        finally:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def interact(self, banner=None):
        import signal
        import threading
        caught = {}
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGHUP", "SIGTERM"):
                signum = getattr(signal, name, None)
                if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
                    caught[signum] = signal.signal(signum, self._on_signal)
        try:
            self._interact(banner)
        finally:
            for signum, handler in caught.items():
                signal.signal(signum, handler)

    def _interact(self, banner):
        if self.readline is None:
            self.setup_readline()
        if banner:
            sys.stdout.write(banner)
        self.exit_now = False
        streams = sys.stdout, sys.stderr
        line_end = [True]       # whether the last output ended its line
        sys.stdout, sys.stderr = (LineEndStream(s, line_end) for s in streams)
        try:
            while not self.exit_now:
                if not line_end[0]:             # print('x', end=''): the prompt below it
                    sys.stdout.write("\n")
                try:
                    code = self.read_cell()
                except KeyboardInterrupt:
                    sys.stdout.write("\nKeyboardInterrupt\n")
                    continue
                except EOFError:
                    if self.ask_exit():
                        sys.stdout.write("\n")
                        break
                    continue
                finally:
                    line_end[0] = True          # Enter took the cursor to a new line
                if code.strip():
                    self.run_and_forget_input(code)
        finally:
            if isinstance(sys.stdout, LineEndStream):
                sys.stdout = streams[0]
            if isinstance(sys.stderr, LineEndStream):
                sys.stderr = streams[1]
        self.close()

    def run_and_forget_input(self, code):
        """Run a cell; exit and quit are not kept in history, and what input() read
        while it ran leaves readline's history as it was."""
        rl = self.readline
        mark = rl.get_current_history_length() if rl else 0
        try:
            self.run(code, store_history=not is_exit(code))
        finally:
            while rl and rl.get_current_history_length() > mark:
                rl.remove_history_item(mark)

    # -- magics that belong to the terminal
    def magic_colors(self, line):
        """%colors scheme: the colour scheme of the prompts and tracebacks, one of
        NoColor, Linux, LightBG, Neutral (any case)."""
        from .magics_config import set_colors
        set_colors(self.shell, line)
        self.colors = self.shell.colors

    def magic_autoindent(self, line):
        """%autoindent: toggle automatic indentation of continuation lines."""
        self.autoindent = not self.autoindent
        sys.stdout.write("Automatic indentation is: %s\n" % ("ON" if self.autoindent else "OFF"))

    def magic_matplotlib(self, line):
        """%matplotlib [inline|agg|qt|tk|gtk|gtk4|wx|osx]: how figures are shown.
        With no argument, the best GUI available: figures in their own windows that
        stay responsive while the prompt waits. inline saves each figure new or
        changed by a cell to an image file; figures stay open from cell to cell."""
        from .shell import UsageError
        try:
            backend = use_matplotlib(self.shell, line.strip())
        except (ImportError, ValueError) as e:
            raise UsageError(f"%matplotlib: {e}") from None
        sys.stdout.write(f"Using matplotlib backend: {backend}\n")

    def magic_cpaste(self, line):
        """Paste a block of code (prompts are stripped); end it with a line '--'."""
        sys.stdout.write("Pasting code; enter '--' alone on the line to stop "
                         "or use Ctrl-D.\n")
        lines, done = [], False
        while not done:
            try:
                text = self.read_line(":")
            except EOFError:
                break
            for physical in text.split("\n"):      # a bracketed paste is many lines
                if physical.strip() == "--":
                    done = True
                    break
                lines.append(physical)
        self._run_pasted("\n".join(lines))

    def magic_paste(self, line):
        """Run the code on the clipboard (needs xclip, xsel, wl-paste or pbpaste)."""
        import shutil
        import subprocess
        from .shell import UsageError
        for tool in (["wl-paste", "--no-newline"], ["xclip", "-selection", "clipboard", "-o"],
                     ["xsel", "--clipboard", "--output"], ["pbpaste"]):
            if shutil.which(tool[0]):
                text = subprocess.run(tool, capture_output=True, text=True, timeout=10).stdout
                sys.stdout.write(text + ("" if text.endswith("\n") else "\n") + "## -- End pasted text --\n")
                return self._run_pasted(text)
        raise UsageError("paste: no clipboard tool found; install xclip, xsel or "
                         "wl-clipboard, or use %cpaste")

    def _run_pasted(self, code):
        self.shell.user_ns["pasted_block"] = code
        self.shell.run_cell(code, store_history=False)


# ------------------------------------------------------ %matplotlib at the terminal

# matplotlib's backend for each %matplotlib name, and what bare %matplotlib tries
GUI_BACKENDS = {"qt": "QtAgg", "qt5": "Qt5Agg", "qt6": "QtAgg", "tk": "TkAgg",
                "gtk": "GTK3Agg", "gtk3": "GTK3Agg", "gtk4": "GTK4Agg", "wx": "WXAgg",
                "osx": "macosx", "macosx": "macosx"}
GUI_ORDER = ("osx", "qt", "gtk", "tk", "wx")
_gui_apps = []          # the Qt application made for figures, kept alive


def use_matplotlib(shell, gui):
    """Switch matplotlib to `gui` (a %matplotlib name; '' for the best GUI there
    is) and return the backend's name. A GUI backend runs in interactive mode: the
    toolkit's input hook (PyQt's, tkinter's) keeps its windows live while readline
    waits at the prompt. ValueError or ImportError says what is missing."""
    from .display import enable_matplotlib_inline, disable_matplotlib_inline
    try:
        import matplotlib
    except ImportError:
        raise ImportError("matplotlib is not installed: pip install matplotlib") from None
    gui = gui.lower()
    if gui == "inline":
        enable_matplotlib_inline(shell, close_figures=False)
        return "inline"
    if gui in ("agg", "notebook", "nbagg", "widget", "ipympl"):
        if gui != "agg":
            raise ValueError(f"{gui} works in a notebook, not a terminal; "
                             "use inline, agg or a GUI")
        return _switch(matplotlib, "agg", disable_matplotlib_inline, shell)
    if gui and gui not in GUI_BACKENDS:
        raise ValueError(f"unknown backend {gui!r}; use inline, agg or one of "
                         + ", ".join(sorted(GUI_BACKENDS)))
    errors = []
    for name in [gui] if gui else GUI_ORDER:
        if name in ("osx", "macosx") and sys.platform != "darwin":
            if gui:
                errors.append(f"{name}: only on macOS")
            continue
        try:
            _gui_ready(name)
            return _switch(matplotlib, GUI_BACKENDS[name], disable_matplotlib_inline, shell)
        except (ImportError, ValueError) as e:
            errors.append(str(e))
    if gui:
        raise ValueError(errors[0])
    enable_matplotlib_inline(shell, close_figures=False)
    sys.stdout.write("No GUI for figures here (" + "; ".join(errors[:2])
                     + "): they are saved as images instead.\n")
    return "inline"


def _gui_ready(name):
    """Raise ValueError or ImportError unless the toolkit can open windows here.
    Qt's application is made now, so matplotlib (which calls a machine without
    DISPLAY headless) uses it, offscreen included (QT_QPA_PLATFORM=offscreen)."""
    has_display = (sys.platform in ("win32", "darwin") or os.environ.get("DISPLAY")
                   or os.environ.get("WAYLAND_DISPLAY"))
    if name.startswith("qt"):
        try:
            from PyQt5 import QtWidgets
        except ImportError:
            raise ImportError("qt: PyQt5 is not installed (pip install PyQt5)") from None
        if not (has_display or os.environ.get("QT_QPA_PLATFORM")):
            raise ValueError("qt: no display (DISPLAY is not set)")
        if QtWidgets.QApplication.instance() is None:
            _gui_apps.append(QtWidgets.QApplication(["ipylite"]))
        return
    if not has_display:
        raise ValueError(f"{name}: no display (DISPLAY is not set)")
    if name == "tk":
        import tkinter  # noqa: F401  (ImportError says it is missing)
    elif name.startswith("gtk"):
        try:
            import gi  # noqa: F401
        except ImportError:
            raise ImportError(f"{name}: PyGObject is not installed") from None
    elif name == "wx":
        try:
            import wx  # noqa: F401
        except ImportError:
            raise ImportError("wx: wxPython is not installed") from None


def _switch(matplotlib, backend, disable_inline, shell):
    disable_inline(shell)
    import matplotlib.pyplot as plt
    plt.switch_backend(backend)
    if backend != "agg":
        plt.ion()
    return matplotlib.get_backend()


# ------------------------------------------------- Up and Down, as IPython has them

class HistoryKeys:
    """Up and Down as readline commands written in Python (ctypes, rl_add_defun):
    inside a multi-line cell they move the cursor a line; on its first (last) line
    they walk history, only the cells that start with the text before the cursor.
    One per process: readline keeps the commands for good."""

    def __init__(self, rl):
        import ctypes
        self.rl, self.ctypes = rl, ctypes
        lib = self.lib = ctypes.CDLL(rl.__file__)
        self.point = ctypes.c_int.in_dll(lib, "rl_point")
        lib.rl_replace_line.argtypes = [ctypes.c_char_p, ctypes.c_int]
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)
        self.commands = [proto(self._command(self.up)), proto(self._command(self.down))]
        for name, command in zip((b"ipylite-up", b"ipylite-down"), self.commands):
            if lib.rl_add_defun(name, command, -1) != 0:
                raise OSError("rl_add_defun failed")
        self.walk = None        # (prefix, history index, line before the walk, line shown)

    def _command(self, action):
        def command(count, key):
            try:
                action()
            except Exception:       # a key must never take the prompt down
                import logging
                logging.getLogger(__name__).debug("%s failed", action.__name__, exc_info=True)
            return 0
        return command

    def _state(self):
        raw = self.ctypes.c_char_p.in_dll(self.lib, "rl_line_buffer").value or b""
        return raw.decode("utf-8", "replace"), len(raw[:self.point.value].decode("utf-8", "replace"))

    def _set(self, text, pos):
        self.lib.rl_replace_line(text.encode("utf-8"), 0)
        self.point.value = len(text[:pos].encode("utf-8"))

    def up(self):
        text, pos = self._state()
        start = text.rfind("\n", 0, pos)
        if start >= 0:                      # a line up, in the same column
            above = text.rfind("\n", 0, start) + 1
            self._set(text, above + min(pos - start - 1, start - above))
            return
        self._walk(text, pos, -1)

    def down(self):
        text, pos = self._state()
        end = text.find("\n", pos)
        if end >= 0:                        # a line down, in the same column
            column = pos - (text.rfind("\n", 0, pos) + 1)
            below = text.find("\n", end + 1)
            below = len(text) if below < 0 else below
            self._set(text, min(end + 1 + column, below))
            return
        self._walk(text, pos, 1)

    def _walk(self, text, pos, step):
        rl = self.rl
        n = rl.get_current_history_length()
        if self.walk is None or self.walk[3] != text:     # a new walk from what is typed
            self.walk = (text[:pos], n + 1, text, text)
        prefix, i, original, shown = self.walk
        i += step
        while 1 <= i <= n:
            item = rl.get_history_item(i)
            if item is not None and item.startswith(prefix) and item != shown:
                break
            i += step
        else:
            if step < 0:
                return
            i, item = n + 1, original       # past the newest: back to what was typed
        self.walk = (prefix, i, original, item)
        first_line_end = item.find("\n")
        self._set(item, len(item) if step < 0 or first_line_end < 0 else first_line_end)


_history_keys = []


def history_keys(rl):
    """The process's HistoryKeys, made on first use (OSError or AttributeError
    where readline is not GNU readline)."""
    if "EditLine" in getattr(rl, "_READLINE_LIBRARY_VERSION", "") or "libedit" in (rl.__doc__ or ""):
        raise OSError("libedit has no rl_add_defun")
    if not _history_keys:
        _history_keys.append(HistoryKeys(rl))
    return _history_keys[0]


def make_shell(profile="default"):
    """A Shell with the profile's SQLite history (in memory if the profile folder
    cannot be made)."""
    from .shell import Shell
    from .config import profile_dir
    from .history import HistoryManager
    path = profile_dir(profile)
    return Shell(history=HistoryManager(
        os.path.join(path, "history.sqlite") if path else ":memory:"))


# ---------------------------------------------------------------- a console for kernels

class KernelTerminal(Terminal):
    """The same prompt on a Jupyter kernel, through protocol.KernelClient.
    ``km`` (a KernelManager we started) lets Ctrl-C signal and a dead kernel restart."""

    timeout = 30

    def __init__(self, kc, km=None, colors=None):
        self.kc, self.km = kc, km
        self._count = 1
        self._exit = False
        self._restarted = False
        self._next_input = None
        self.shell = None            # the kernel has the shell; nothing runs here
        self.colors = colors or default_colors()
        self.readline = None
        self._matches, self._types, self._prompt = [], {}, ""
        self.keys = None
        kc.start_channels()
        info = kc.wait_for_ready(timeout=60)["content"]
        self.banner = info.get("banner", "")
        reply = kc.execute_interactive("", silent=True, store_history=False, timeout=60,
                                       output_hook=lambda m: None)
        self._count = reply["content"].get("execution_count", 0) + 1
        if km is not None:
            import logging        # we tell of a dead kernel ourselves, once
            logging.getLogger("ipylite.protocol").addFilter(
                lambda record: not record.getMessage().startswith("kernel died"))
            km.start_restarter(self._on_restart)

    def _on_restart(self, what):
        if what == "died":
            sys.stderr.write("\nThe kernel died; starting a new one.\n")
        elif what == "restarted":
            self._restarted = True
        elif what == "dead":
            sys.stderr.write("\nThe kernel keeps dying; giving up.\n")
            self._exit = True

    @property
    def execution_count(self):
        return self._count

    def take_next_input(self):
        text, self._next_input = self._next_input, None
        return text

    @property
    def exit_now(self):
        return self._exit

    @exit_now.setter
    def exit_now(self, value):
        self._exit = value

    def _request(self, send, timeout=None):
        msg_id = send()
        return self.kc._reply_to(msg_id, timeout=timeout or self.timeout)["content"]

    def is_complete(self, code):
        try:
            return self._request(lambda: self.kc.is_complete(code), 5)
        except Exception:  # an old kernel without is_complete: one line is one cell
            return {"status": "complete"}

    def complete(self, code, cursor_pos):
        return self._request(lambda: self.kc.complete(code, cursor_pos), 5)

    def history_tail(self, n):
        try:
            reply = self._request(lambda: self.kc.history(hist_access_type="tail", n=n,
                                                          raw=True, output=False), 5)
        except Exception:
            return []
        return [h[2] for h in reply.get("history", [])]

    def interrupt(self):
        if self.km is not None:
            self.km.interrupt_kernel()
        else:
            self.kc.interrupt()

    def run(self, code, store_history=True):
        import queue
        kc = self.kc
        msg_id = kc.execute(code, allow_stdin=True, store_history=store_history)
        reply = idle = None
        while not (reply and idle):
            try:
                for channel, msg in kc.poll(1.0):
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    if channel == "shell":
                        reply = msg["content"]
                    elif channel == "stdin":
                        self._answer_input(msg["content"])
                    elif channel == "iopub":
                        if (msg["msg_type"] == "status"
                                and msg["content"]["execution_state"] == "idle"):
                            idle = True
                        else:
                            self._show(msg)
                if self._restarted or (self.km is None and not kc.is_alive()):
                    self._restarted = False
                    if self.km is None:
                        sys.stderr.write("\nThe kernel is not answering its heartbeat.\n")
                    else:
                        kc.wait_for_ready(timeout=60)
                        self._count = 1
                    return
            except KeyboardInterrupt:
                sys.stdout.write("\n")
                self.interrupt()
            except queue.Empty:
                pass
        sys.stdout.flush()
        for item in reply.get("payload", []):
            if item.get("source") == "page":
                render_data(item.get("data", {}), sys.stdout.write)
            elif item.get("source") == "ask_exit":
                self._exit = True
            elif item.get("source") == "set_next_input":
                self._next_input = item.get("text")
            elif item.get("source") == "edit_magic":
                self._edit(item.get("filename"), item.get("line_number"))
        self._count = reply.get("execution_count", self._count - 1) + 1

    def _edit(self, filename, line):
        """%edit in the kernel: open its file in $VISUAL/$EDITOR (vi) here, as qtconsole
        opens it in its editor; nothing is run. A kernel on another machine names a
        file this one may not have."""
        import shlex
        import subprocess
        if not isinstance(filename, str) or not os.path.isfile(filename):
            sys.stderr.write("%%edit: %s is not a file here (is the kernel on another "
                             "machine?)\n" % filename)
            return
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        if line and os.path.basename(editor[0]) in ("vi", "vim", "nvim", "nano", "emacs", "gvim"):
            editor.append("+%d" % int(line))
        try:
            subprocess.call(editor + [filename])
        except OSError as e:
            sys.stderr.write("%%edit: could not run %s: %s\n" % (editor[0], e.strerror))

    def _answer_input(self, content):
        try:
            if content.get("password"):
                import getpass
                value = getpass.getpass(content.get("prompt", ""))
            else:
                value = input(content.get("prompt", ""))
        except EOFError:
            value = "\x04"
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            self.interrupt()
            value = ""
        self.kc.input(value)

    def _show(self, msg):
        kind, c = msg["msg_type"], msg["content"]
        if kind == "stream":
            (sys.stdout if c.get("name") == "stdout" else sys.stderr).write(c.get("text", ""))
        elif kind == "execute_result":
            self.show_result(c.get("execution_count"), c.get("data", {}))
        elif kind in ("display_data", "update_display_data"):
            render_data(c.get("data", {}), sys.stdout.write)
        elif kind == "error":
            text = "\n".join(c.get("traceback", [])) + "\n"
            if not SCHEMES[self.colors]:        # NoColor: the kernel's colours go too
                from .protocol import strip_ansi
                text = strip_ansi(text)
            sys.stderr.write(text)
        sys.stdout.flush()

    def close(self):
        self.kc.stop_channels()
        if self.km is not None:
            self.km.shutdown_kernel()


# ---------------------------------------------------------------------------- embed

_killed_sites = set()


def embed(header="", local_ns=None, global_ns=None, colors=None, **kw):
    """Open a prompt here, on the caller's variables; leave with Ctrl-D or exit.
    Assignments to globals stick; changed locals do not flow back into the caller.
    ``%kill_embedded`` stops this call site from opening again."""
    frame = sys._getframe(kw.pop("stack_depth", 1))
    site = (frame.f_code.co_filename, frame.f_lineno)
    if site in _killed_sites:
        return
    from .shell import Shell, DictModule
    from .history import HistoryManager
    from .config import profile_dir
    outer = Shell.current()
    module = DictModule(frame.f_globals if global_ns is None else global_ns)
    ns = dict(frame.f_locals if local_ns is None else local_ns)
    path = profile_dir("default")
    shell = Shell(user_ns=ns, user_module=module, history=HistoryManager(
        os.path.join(path, "history.sqlite") if path else ":memory:"))
    term = Terminal(shell, colors=colors)
    term.confirm_exit = False

    def kill_embedded(line):
        """Stop this embed() call site from opening again, and leave it now."""
        _killed_sites.add(site)
        shell.exit_now = True
        sys.stdout.write("This embedded shell will not open again.\n")

    shell.register_magic_function(kill_embedded, "line", "kill_embedded")
    try:
        term.interact(header + ("\n" if header and not header.endswith("\n") else ""))
    finally:
        if shell.history is not None:
            shell.history.close()
        if outer is not None:
            outer.activate()


# ----------------------------------------------------------------------------- main

def main(argv=None):
    import argparse
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["profile"]:
        from .config import profile_main
        return profile_main(argv[1:])
    overrides = [a for a in argv if a.startswith("--") and "." in a.split("=", 1)[0]
                 and a[2:3].isupper()]
    argv = [a for a in argv if a not in overrides]
    p = argparse.ArgumentParser(
        prog="python -m ipylite", description="ipylite: an interactive Python shell.",
        epilog="--Section.key=value overrides a config setting for this run; "
               "--help-all lists them all. 'python -m ipylite profile create|list|locate "
               "NAME' manages profiles.")
    p.add_argument("-c", dest="code", help="run CODE, then exit (unless -i)")
    p.add_argument("-m", dest="module", help="run a library module as a script")
    p.add_argument("-i", dest="interactive", action="store_true",
                   help="stay at the prompt after -c, -m or a script")
    p.add_argument("--no-banner", action="store_true")
    p.add_argument("--no-confirm-exit", action="store_true",
                   help="leave on Ctrl-D without asking")
    p.add_argument("--colors", choices=sorted(SCHEMES), help="colour scheme")
    p.add_argument("--kernel", metavar="NAME",
                   help="start a kernel from this kernelspec and talk to it")
    p.add_argument("--existing", nargs="?", const="", metavar="FILE",
                   help="connect to a running kernel (the newest by default)")
    p.add_argument("--version", action="version", version=f"ipylite {__version__}")
    p.add_argument("--help-all", action="store_true",
                   help="this help, then every config setting with its default")
    p.add_argument("--profile", default="default",
                   help="the profile (folder ~/.ipylite/profile_NAME) to use")
    p.add_argument("script", nargs="?", help="a script to run, with its arguments")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    if a.help_all:
        from .config import KEYS, toml_value
        p.print_help()
        print("\nconfig settings (in the profile's ipylite_config.toml, or as "
              "--Section.key=value):")
        for section, keys in KEYS.items():
            for key, (default, text) in keys.items():
                print(f"  --{section}.{key}={toml_value(default)}\n      {text}")
        return 0
    if a.kernel or a.existing is not None:
        return console_main(a)
    from .shell import make_shell
    term = Terminal(shell=make_shell(a.profile, overrides), colors=a.colors)
    shell = term.shell
    from .ipycompat import install      # code written for IPython, as in the kernel
    install(shell)
    settings = shell.config.values["Terminal"] if getattr(shell, "config", None) else {}
    term.confirm_exit = settings.get("confirm_exit", True) and not a.no_confirm_exit
    if not settings.get("banner", True):
        a.no_banner = True
    ok = True
    if a.code is not None:
        ok = shell.run_cell(a.code, store_history=True).success
    elif a.module:
        sys.argv = [a.module] + ([a.script] if a.script else []) + a.args
        ok = shell.run_cell(f"import runpy as _runpy\n_runpy.run_module({a.module!r}, "
                            "run_name='__main__', alter_sys=True)", silent=True).success
    elif a.script:
        sys.argv = [a.script] + a.args
        try:
            with open(a.script) as f:
                source = f.read()
        except OSError as e:
            sys.stderr.write(f"error: cannot read {a.script}: {e.strerror}\n")
            return 2
        shell.user_ns["__file__"] = a.script
        status = run_script(shell, os.path.abspath(a.script), source)
        if status is not None and not a.interactive:
            return status
        ok = status is None
    if (a.code is None and not a.module and not a.script) or a.interactive:
        banner = None
        if not a.no_banner and a.code is None and not a.script and not a.module:
            banner = BANNER.format(version=__version__, python=sys.version.split()[0])
        term.interact(banner)
        ok = True
    if shell.history is not None:
        shell.history.close()
    return 0 if ok else 1


def run_script(shell, path, source):
    """Run a script's source as python would: frames named by its path, and
    sys.exit(n) gives exit status n silently. None if it ran to the end. A .ipy file
    is IPython syntax (magics, !cmd), as IPython runs it."""
    try:
        if path.endswith(".ipy"):
            source = shell.transform_cell(source)
        exec(compile(source, path, "exec", dont_inherit=True), shell.user_global_ns,
             shell.user_ns)
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        sys.stderr.write(f"{e.code}\n")
        return 1
    except SyntaxError:
        shell.showsyntaxerror()
        return 1
    except BaseException:
        shell.showtraceback()
        return 1
    return None


def console_main(a):
    from .protocol import KernelManager, KernelClient, find_connection_file, import_zmq
    try:
        import_zmq()
    except ImportError as e:
        sys.stderr.write(f"error: a console for kernels needs {e}\n")
        return 1
    km = None
    try:
        if a.kernel:
            km = KernelManager(a.kernel)
            km.start_kernel()
            kc = km.client()
        else:
            kc = KernelClient(connection_file=find_connection_file(a.existing or None))
    except (KeyError, FileNotFoundError, ValueError) as e:
        sys.stderr.write(f"error: {str(e).strip(chr(39))}\n")
        return 1
    try:
        term = KernelTerminal(kc, km, colors=a.colors)
    except TimeoutError as e:
        sys.stderr.write(f"error: the kernel did not answer: {e}\n")
        if km is not None:
            km.shutdown_kernel(now=True)
        return 1
    term.confirm_exit = not a.no_confirm_exit
    if a.code is not None:
        term.run(a.code)
        if not a.interactive:
            term.close()
            return 0
    banner = None if a.no_banner else term.banner + "\n"
    term.interact(banner)
    return 0
