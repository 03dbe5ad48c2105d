"""Parts of the Qt console that know nothing of kernels: the event-loop bridge to a
kernel client, ANSI colours, Python highlighting, the input editor (prompts in its
margin) and the output view, the completion popup, the calltip, and turning a MIME
bundle into something a QTextDocument can show, saving and printing a document; the
window that holds consoles as tabs, and the command line's application.

Imported by :mod:`ipylite.qtconsole` only; importing it imports PyQt5.
"""

import argparse
import base64
import html
import io
import logging
import os
import re
import sys
import time

from PyQt5 import QtCore, QtGui, QtWidgets

from .highlight import python_spans
from .protocol import strip_ansi

log = logging.getLogger("ipylite.qtconsole")

# ---------------------------------------------------------------- styles

STYLES = {
    "light": {"bg": "#ffffff", "fg": "#1f1f1f", "prompt_in": "#0b6e0b", "prompt_out": "#b21818",
              "stderr_bg": "#fff0f0", "keyword": "#0000c0", "string": "#a31515",
              "comment": "#408080", "number": "#098658", "builtin": "#267f99",
              "selection": "#c9def5", "tip_bg": "#ffffe1", "info": "#606060",
              "link": "#0645ad"},
    "dark": {"bg": "#1e1e1e", "fg": "#dcdcdc", "prompt_in": "#6ad36a", "prompt_out": "#f06060",
             "stderr_bg": "#3a2222", "keyword": "#569cd6", "string": "#ce9178",
             "comment": "#6a9955", "number": "#b5cea8", "builtin": "#4ec9b0",
             "selection": "#264f78", "tip_bg": "#333338", "info": "#a0a0a0",
             "link": "#6cb6ff"},
}

# ---------------------------------------------------------------- kernel bridge


class QtMessagePump(QtCore.QObject):
    """Delivers a kernel client's messages into the Qt event loop without threads.

    Watches ``client.fds()`` with QSocketNotifiers. ZeroMQ's descriptors are
    edge-triggered, so every wake-up drains ``client.poll(0)`` completely; a slow
    timer drains too, in case an edge was consumed elsewhere (by a send, say).
    A client without ``fds()`` (an in-process one) is drained on the timer alone.
    """

    message = QtCore.pyqtSignal(str, object)  # channel, msg

    safety_interval = 100  # ms

    def __init__(self, client, parent=None):
        super().__init__(parent)
        self.client = client
        self.notifiers = []
        fds = {}
        if hasattr(client, "fds"):
            try:
                fds = client.fds()
            except Exception:  # noqa: BLE001 - a client with no sockets yet
                log.debug("client has no descriptors", exc_info=True)
        for fd in set(fds.values()):
            n = QtCore.QSocketNotifier(fd, QtCore.QSocketNotifier.Read, self)
            n.activated.connect(self.drain)
            self.notifiers.append(n)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(self.safety_interval if self.notifiers else 20)
        self.timer.timeout.connect(self.drain)
        self.timer.start()
        self._draining = False

    def kick(self):
        """Drain soon: call after sending, as a send may eat the descriptor's edge."""
        QtCore.QTimer.singleShot(0, self.drain)

    batch = 4           # messages taken per poll (a stream message is up to 1 MiB)
    budget = 0.025      # s of handling per turn of the event loop, then yield

    def drain(self, *_):
        if self._draining or self.client is None:
            return
        self._draining = True
        deadline = time.monotonic() + self.budget
        try:
            while True:
                try:
                    msgs = self.client.poll(0, limit=self.batch)
                except Exception:  # noqa: BLE001 - a closed client must not kill the loop
                    log.debug("poll failed", exc_info=True)
                    return
                if not msgs:
                    return
                for channel, msg in msgs:
                    try:
                        self.message.emit(channel, msg)
                    except Exception:  # noqa: BLE001
                        log.exception("handling a %s message failed", msg.get("msg_type"))
                if self.client is None:
                    return
                if len(msgs) >= self.batch and time.monotonic() > deadline:
                    # a flood: let the loop breathe, and come back (the edge is spent)
                    QtCore.QTimer.singleShot(0, self.drain)
                    return
        finally:
            self._draining = False

    def stop(self):
        self.timer.stop()
        for n in self.notifiers:
            n.setEnabled(False)
            n.deleteLater()
        self.notifiers = []
        self.client = None


# ---------------------------------------------------------------- ANSI

ANSI_RE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_BASIC = ["#000000", "#cd3131", "#0dbc79", "#b8a000", "#2472c8", "#bc3fbc", "#11a8cd", "#a0a0a0"]
_BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#d5b800", "#3b8eea", "#d670d6", "#29b8db", "#e5e5e5"]


def _xterm256(n):
    if n < 8:
        return _BASIC[n]
    if n < 16:
        return _BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)


class AnsiState:
    """The SGR state of one output stream; ``split(text)`` yields (text, format)."""

    def __init__(self, base):
        self.base = base
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.italic = self.underline = False

    def fmt(self):
        f = QtGui.QTextCharFormat(self.base)
        if self.fg:
            f.setForeground(QtGui.QColor(self.fg))
        if self.bg:
            f.setBackground(QtGui.QColor(self.bg))
        if self.bold:
            f.setFontWeight(QtGui.QFont.Bold)
        if self.italic:
            f.setFontItalic(True)
        if self.underline:
            f.setFontUnderline(True)
        return f

    def _sgr(self, params):
        codes = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 22:
                self.bold = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif 30 <= c <= 37:
                self.fg = (_BRIGHT if self.bold else _BASIC)[c - 30]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = _BASIC[c - 40]
            elif c == 49:
                self.bg = None
            elif 90 <= c <= 97:
                self.fg = _BRIGHT[c - 90]
            elif 100 <= c <= 107:
                self.bg = _BRIGHT[c - 100]
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    color, i = _xterm256(codes[i + 2] % 256), i + 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    color = "#%02x%02x%02x" % tuple(min(255, v) for v in codes[i + 2:i + 5])
                    i += 4
                else:
                    color = None
                if c == 38:
                    self.fg = color
                else:
                    self.bg = color
            i += 1

    def split(self, text):
        """[(text, QTextCharFormat)] with escape sequences applied and removed."""
        if "\x1b" not in text:
            return [(text, self.fmt())]
        out, pos = [], 0
        for m in ANSI_RE.finditer(text):
            if m.start() > pos:
                out.append((text[pos:m.start()], self.fmt()))
            if m.group(2) == "m":
                self._sgr(m.group(1))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], self.fmt()))
        return out


# ---------------------------------------------------------------- highlighting

class PythonHighlighter(QtGui.QSyntaxHighlighter):
    """A small highlighter: keywords, builtins, strings, numbers, comments, magics
    (the tokens and words of ipylite.highlight, shared with the notebook page)."""

    def __init__(self, document, style):
        super().__init__(document)
        self.set_style(style)

    def set_style(self, style):
        self.formats = {}
        for kind in ("keyword", "builtin", "string", "comment", "number"):
            f = QtGui.QTextCharFormat()
            f.setForeground(QtGui.QColor(style[kind]))
            if kind == "keyword":
                f.setFontWeight(QtGui.QFont.Bold)
            self.formats[kind] = f
        self.rehighlight()

    def highlightBlock(self, text):
        for start, length, kind in python_spans(text):
            self.setFormat(start, length, self.formats[kind])


# ---------------------------------------------------------------- popups

class CompletionPopup(QtWidgets.QListWidget):
    """The list of completions, a child of the console placed at the cursor. The
    editor keeps the keyboard focus and forwards arrows, Enter, Tab and Esc."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("completion-popup")
        self.setFocusPolicy(QtCore.Qt.NoFocus)
        self.setUniformItemSizes(True)
        self.setFrameShape(QtWidgets.QFrame.Box)
        self.hide()
        self.matches, self.start = [], 0

    def show_matches(self, matches, start, rect, area):
        """Show ``matches`` below (or above) the global ``rect`` inside ``area``."""
        self.matches, self.start = list(matches), start
        self.filter("")
        fm = self.fontMetrics()
        width = min(480, max(120, max(fm.horizontalAdvance(m) for m in self.matches) + 40))
        height = min(12, len(self.matches)) * (fm.height() + 4) + 8
        parent = self.parentWidget()
        top_left = parent.mapFromGlobal(rect.bottomLeft())
        if top_left.y() + height > area.bottom():
            top_left = parent.mapFromGlobal(rect.topLeft()) - QtCore.QPoint(0, height)
        x = max(0, min(top_left.x(), parent.width() - width))
        self.setGeometry(x, max(0, top_left.y()), width, height)
        self.show()
        self.raise_()

    def filter(self, prefix):
        """Keep the matches that start with ``prefix`` (case-insensitively first)."""
        self.clear()
        keep = [m for m in self.matches if m.startswith(prefix)] or \
            [m for m in self.matches if m.lower().startswith(prefix.lower())]
        self.addItems(keep)
        if keep:
            self.setCurrentRow(0)
        return keep

    def move_selection(self, step):
        if self.count():
            self.setCurrentRow((self.currentRow() + step) % self.count())

    def current(self):
        item = self.currentItem()
        return item.text() if item else None


class CallTip(QtWidgets.QLabel):
    """A floating tip with a callable's signature and the start of its docstring."""

    max_lines = 14

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("calltip")
        self.setTextFormat(QtCore.Qt.PlainText)
        self.setWordWrap(False)
        self.setMargin(6)
        self.setFrameShape(QtWidgets.QFrame.Box)
        self.setAutoFillBackground(True)
        self.hide()
        self.paren_pos = -1

    def show_tip(self, text, paren_pos, rect):
        lines = strip_ansi(text).strip().splitlines()
        # Drop the "Signature:" label: the tip IS about the signature
        shown = []
        for ln in lines:
            if ln.startswith(("Type:", "File:", "String form:")):
                continue
            for label in ("Signature:", "Init signature:", "Docstring:", "Init docstring:"):
                if ln.startswith(label):   # the tip shows what it is about: no labels
                    ln = ln[len(label):].strip()
                    break
            else:
                label = None
            if label and not ln:
                continue
            shown.append(ln)
        if len(shown) > self.max_lines:
            shown = shown[:self.max_lines] + ["..."]
        self.setText("\n".join(shown))
        self.paren_pos = paren_pos
        self.adjustSize()
        parent = self.parentWidget()
        pos = parent.mapFromGlobal(rect.topLeft()) - QtCore.QPoint(0, self.height() + 2)
        if pos.y() < 0:
            pos = parent.mapFromGlobal(rect.bottomLeft()) + QtCore.QPoint(0, 2)
        pos.setX(max(0, min(pos.x(), parent.width() - self.width())))
        self.move(pos)
        self.show()
        self.raise_()

    def hideEvent(self, event):
        self.paren_pos = -1
        super().hideEvent(event)


# ---------------------------------------------------------------- editor and view

PROMPT_STRIP_RE = re.compile(r"^(?:>>> ?|\.\.\. ?|In \[\d+\]: ?|\s*\.\.\.: ?)")
COPY_STRIP_RE = re.compile(r"^(?:In \[\d+\]: |\s+\.\.\.: |Out\[\d+\]: )", re.M)

def strip_prompts(text):
    """Pasted ``>>>`` or ``In [n]:`` sessions lose their prompts (and only then)."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not PROMPT_STRIP_RE.match(first):
        return text
    return "\n".join(PROMPT_STRIP_RE.sub("", ln, count=1) for ln in lines)


class _PromptArea(QtWidgets.QWidget):
    def __init__(self, editor):
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self):
        return QtCore.QSize(self.editor.prompt_width(), 0)

    def paintEvent(self, event):
        self.editor.paint_prompts(self, event)


class InputEdit(QtWidgets.QPlainTextEdit):
    """Where the user types a cell. ``In [n]:`` and ``...:`` prompts are painted in a
    left margin, so the text itself is only code. Keys go to the console first."""

    def __init__(self, console):
        super().__init__(console)
        self.console = console
        self.setObjectName("input")
        self.prompt_number = 1
        self.busy = False
        self.prompt_area = _PromptArea(self)
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.WidgetWidth)
        self.setTabChangesFocus(False)
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._update_area)
        self._update_margin()

    def prompt_text(self, first):
        n = "*" if self.busy else self.prompt_number
        head = f"In [{n}]: "
        return head if first else " " * (len(head) - 5) + "...: "

    def prompt_width(self):
        font = QtGui.QFont(self.font())
        font.setBold(True)
        fm = QtGui.QFontMetrics(font)
        return fm.horizontalAdvance(self.prompt_text(True)) + 4

    def _update_margin(self, *_):
        self.setViewportMargins(self.prompt_width(), 0, 0, 0)

    def _update_area(self, rect, dy):
        if dy:
            self.prompt_area.scroll(0, dy)
        else:
            self.prompt_area.update(0, rect.y(), self.prompt_area.width(), rect.height())

    def set_prompt(self, number=None, busy=None):
        if number is not None:
            self.prompt_number = number
        if busy is not None:
            self.busy = busy
        self._update_margin()
        self.prompt_area.update()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        cr = self.contentsRect()
        self.prompt_area.setGeometry(cr.left(), cr.top(), self.prompt_width(), cr.height())

    def paint_prompts(self, area, event):
        painter = QtGui.QPainter(area)
        style = self.console.style_colors
        painter.fillRect(event.rect(), QtGui.QColor(style["bg"]))
        font = QtGui.QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor(style["prompt_in"]))
        block = self.firstVisibleBlock()
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        fm = self.fontMetrics()
        while block.isValid() and top <= event.rect().bottom():
            painter.drawText(0, int(top), area.width() - 2, fm.height(),
                             QtCore.Qt.AlignRight, self.prompt_text(block.blockNumber() == 0))
            top += self.blockBoundingRect(block).height()
            block = block.next()
        painter.end()

    def keyPressEvent(self, event):
        if not self.console.keys.key(event):
            super().keyPressEvent(event)
            self.console.keys.after_key(event)

    def insertFromMimeData(self, source):
        if source.hasText():
            self.insertPlainText(strip_prompts(source.text()))


class OutputView(QtWidgets.QTextBrowser):
    """The scrollback. Read-only; copying strips prompts; fold links save text."""

    console = None   # set by the console: keys for the input go there

    def keyPressEvent(self, event):
        con = self.console
        ctrl = bool(event.modifiers() & QtCore.Qt.ControlModifier)
        if event.matches(QtGui.QKeySequence.Copy) or (
                ctrl and event.key() == QtCore.Qt.Key_C):
            if self.textCursor().hasSelection() or con is None:
                self.copy()
            else:        # as in the input: Ctrl-C without a selection interrupts
                con.interrupt_kernel()
            return
        typing = event.key() in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter) or (
            event.text() and event.text().isprintable() and not ctrl and
            not event.modifiers() & QtCore.Qt.AltModifier)
        if con is not None and (typing or (ctrl and event.key() in (
                QtCore.Qt.Key_Period, QtCore.Qt.Key_L, QtCore.Qt.Key_R))):
            # The scrollback is only looked at: what is typed goes to the input.
            con.editor.setFocus()
            QtWidgets.QApplication.sendEvent(con.editor, QtGui.QKeyEvent(
                event.type(), event.key(), event.modifiers(), event.text(),
                event.isAutoRepeat(), event.count()))
            return
        super().keyPressEvent(event)

    def copy(self):
        text = self.textCursor().selection().toPlainText()
        if text:
            QtWidgets.QApplication.clipboard().setText(
                COPY_STRIP_RE.sub("", text.replace("\u2029", "\n")))

    def loadResource(self, kind, url):  # never fetch what HTML output points at
        if url.scheme() in ("http", "https", "ftp", "file"):
            return None
        return super().loadResource(kind, url)


# ---------------------------------------------------------------- MIME bundles

MIME_PRIORITY = ("image/svg+xml", "image/png", "image/jpeg", "text/latex", "text/html",
                 "text/markdown", "text/plain")


def _data_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, list):
        value = "".join(value)
    return base64.b64decode(value)


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def svg_to_image(svg, dpr=1.0):
    """Render SVG text with QtSvg; None when it cannot be parsed."""
    from PyQt5 import QtSvg
    renderer = QtSvg.QSvgRenderer(QtCore.QByteArray(svg.encode("utf8")))
    if not renderer.isValid():
        return None
    size = renderer.defaultSize()
    if size.isEmpty():
        size = QtCore.QSize(400, 300)
    img = QtGui.QImage(size * dpr, QtGui.QImage.Format_ARGB32_Premultiplied)
    img.fill(QtCore.Qt.transparent)
    painter = QtGui.QPainter(img)
    renderer.render(painter)
    painter.end()
    img.setDevicePixelRatio(dpr)
    return img


# What TeX (as IPython's Math, sympy's init_printing and MathJax users write it) has and
# matplotlib's mathtext lacks: dropped, or said in words mathtext knows.
_TEX_DROP_RE = re.compile(r"\\(?:displaystyle|textstyle|scriptstyle|scriptscriptstyle|"
                          r"limits|nolimits|nonumber|notag)(?![A-Za-z])")
_TEX_WORDS = {"tfrac": "frac", "le": "leq", "ge": "geq", "ne": "neq", "textbf": "mathbf",
              "textit": "mathit", "textrm": "mathrm", "textsf": "mathsf", "texttt": "mathtt",
              "mbox": "text", "bmod": ",\\mathrm{mod}\\,", "lvert": "vert", "rvert": "vert",
              "implies": "Rightarrow", "iff": "Leftrightarrow", "colon": ":"}
_TEX_WORD_RE = re.compile(r"\\(" + "|".join(sorted(_TEX_WORDS, key=len, reverse=True)) +
                          r")(?![A-Za-z])")
_TEX_ENV_RE = re.compile(r"\\begin\{(\w+)\*?\}(?:\{[^{}]*\})?((?:(?!\\begin\{).)*?)"
                         r"\\end\{\1\*?\}", re.S)
_TEX_FENCES = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "Bmatrix": ("\\{", "\\}"),
               "vmatrix": ("|", "|"), "Vmatrix": ("\\Vert", "\\Vert"), "cases": ("\\{", "."),
               "dcases": ("\\{", ".")}
_TEX_GRIDS = frozenset(("matrix", "smallmatrix", "array", "cases", "dcases", *_TEX_FENCES))


def mathtext_tex(tex):
    """``tex`` (math, without its $ signs) in the subset matplotlib's mathtext reads:
    style switches dropped, a few synonyms translated, and matrices, cases and
    aligned rows stacked (rows centred, cells spaced)."""
    if "\\displaystyle" in tex:      # (mathtext's \frac is the inline one)
        tex = re.sub(r"\\frac(?![A-Za-z])", r"\\dfrac", tex)
    tex = _TEX_DROP_RE.sub("", tex)
    tex = _TEX_WORD_RE.sub(lambda m: "\\" + _TEX_WORDS[m.group(1)], tex)
    tex = re.sub(r"\\pmod\{([^{}]*)\}", r"\\ (\\mathrm{mod}\\ \1)", tex)
    tex = re.sub(r"\\text\{([^{}]*)\}", lambda m: "\\text{" + m.group(1).replace(
        "\\", "") + "}", tex)

    def env(m):
        gap = " \\quad " if m.group(1) in _TEX_GRIDS else " "   # (align: no gap at &)
        rows = [r.replace("&", gap).strip()
                for r in re.split(r"\\\\(?:\[[^\]]*\])?", m.group(2))]
        rows = [r for r in rows if r and r != "\\hline"] or [" "]
        body = "\\substack{" + " \\\\ ".join(rows) + "}" if len(rows) > 1 else rows[0]
        left, right = _TEX_FENCES.get(m.group(1), (None, None))
        return f"\\left{left}{body}\\right{right}" if left else "{" + body + "}"
    for _ in range(10):        # nested environments, innermost first
        tex, n = _TEX_ENV_RE.subn(env, tex)
        if not n:
            break
    return tex


def latex_to_image(tex, dpr=1.0, color="black"):
    """Render LaTeX math with matplotlib's mathtext; None without matplotlib or when
    mathtext cannot parse it."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        return None
    s = tex.strip()
    for a, b in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)")):
        if s.startswith(a) and s.endswith(b) and len(s) > len(a) + len(b):
            s = "$" + s[len(a):-len(b)].strip() + "$"
            break
    if not (s.startswith("$") and s.endswith("$")):
        s = "$" + s + "$"
    s = re.sub(r"\$\$?(.+?)\$?\$", lambda m: "$" + mathtext_tex(m.group(1)) + "$", s,
               flags=re.S)
    try:
        fig = Figure(figsize=(0.01, 0.01))
        FigureCanvasAgg(fig)
        fig.text(0, 0, s, fontsize=14, color=color)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100 * dpr, bbox_inches="tight",
                    pad_inches=0.05, transparent=True)
    except Exception:  # noqa: BLE001 - mathtext's parse errors are of many kinds
        log.debug("mathtext could not render %r", tex, exc_info=True)
        return None
    img = QtGui.QImage.fromData(buf.getvalue(), "PNG")
    img.setDevicePixelRatio(dpr)
    return img


def render_bundle(data, metadata=None, dpr=1.0, color="black"):
    """The best thing to show for a MIME bundle: ("image", QImage, mime),
    ("html", str, mime) or ("text", str, mime). Unreadable data falls through to
    the next type."""
    metadata = metadata or {}
    for mime in MIME_PRIORITY:
        if mime not in data:
            continue
        value, md = data[mime], metadata.get(mime, {}) or {}
        try:
            if mime == "image/svg+xml":
                img = svg_to_image(_text(value), dpr)
            elif mime in ("image/png", "image/jpeg"):
                img = QtGui.QImage.fromData(_data_bytes(value))
                if img.isNull():
                    img = None
                else:
                    img = _scale_for_metadata(img, md, dpr)
            elif mime == "text/latex":
                img = latex_to_image(_text(value), dpr, color)
                if img is None:
                    return ("text", _text(value), mime)
            elif mime == "text/html":
                return ("html", _text(value), mime)
            elif mime == "text/markdown":
                doc = QtGui.QTextDocument()
                doc.setMarkdown(_text(value))
                _mark_code(doc)
                return ("html", _markdown_lists(doc.toHtml()), mime)
            else:
                return ("text", _text(value), mime)
        except (ValueError, TypeError, base64.binascii.Error):
            log.warning("could not decode %s output", mime)
            continue
        if img is not None:
            return ("image", img, mime)
    return ("text", "", "text/plain")


MONOSPACE = "monospace"    # the family of code in HTML made here; the console maps it


def _mark_code(doc):
    """Markdown's code (`inline`, fenced, indented) in the family MONOSPACE: Qt's
    importer gives it the system's fixed font, a proportional one where there is none,
    and its HTML drops the fixed pitch."""
    fmt = QtGui.QTextCharFormat()
    fmt.setFontFamily(MONOSPACE)
    spans, block = [], doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().hasProperty(QtGui.QTextFormat.FontFixedPitch):
                spans.append((frag.position(), frag.length()))
            it += 1
        block = block.next()
    cur = QtGui.QTextCursor(doc)
    for pos, n in spans:
        cur.setPosition(pos)
        cur.setPosition(pos + n, QtGui.QTextCursor.KeepAnchor)
        cur.mergeCharFormat(fmt)


_UL_RE = re.compile(r'<ul type="\w+"([^>]*-qt-list-indent: (\d+);)')


def _markdown_lists(html_text):
    """Qt picks a bullet by the marker (* gives circles); Markdown renderers pick it by
    depth (disc, circle, square), and keep list items tight."""
    def bullet(m):
        kind = ("disc", "circle", "square")[min(int(m[2]), 3) - 1]
        return f'<ul type="{kind}"{m[1]}'
    html_text = _UL_RE.sub(bullet, html_text)
    return html_text.replace("<li style=\" margin-top:8px; margin-bottom:8px;",
                             "<li style=\" margin-top:2px; margin-bottom:2px;")


def _scale_for_metadata(img, md, dpr):
    """Figures from a HiDPI-aware kernel say their logical size in metadata; show
    them at that size with all their pixels (sharp on HiDPI screens)."""
    width = md.get("width")
    if width and img.width() > width:
        img.setDevicePixelRatio(img.width() / float(width))
    elif md.get("retina"):
        img.setDevicePixelRatio(max(dpr, 1.0))
    return img


def escape(text):
    return html.escape(text, quote=False)


def ansi_html(text, base, fg):
    """HTML for ANSI-coloured text, in a <pre> (``base``: the plain QTextCharFormat)."""
    out = []
    for piece, fmt in AnsiState(base).split(text):
        color = fmt.foreground().color().name() if fmt.hasProperty(
            QtGui.QTextFormat.ForegroundBrush) else fg
        weight = "bold" if fmt.fontWeight() > QtGui.QFont.Normal else "normal"
        out.append(f'<span style="color:{color};font-weight:{weight}">{escape(piece)}</span>')
    return "<pre>" + "".join(out) + "</pre>"


def image_names(doc):
    """The names of the images ``doc`` shows."""
    used = set()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                used.add(fmt.toImageFormat().name())
            it += 1
        block = block.next()
    return used


def document_html(doc, images, bg):
    """``doc`` as a standalone HTML page: ``images`` ({resource name: PNG bytes})
    embedded as data URLs, the background ``bg`` kept."""
    def embed(m):
        data = images.get(m.group(1))
        if data is None:
            return m.group(0)
        return 'src="data:image/png;base64,' + base64.b64encode(data).decode() + '"'
    page = re.sub(r'src="(ipylite-img:\d+)"', embed, doc.toHtml())
    return page.replace("<body ", f'<body bgcolor="{bg}" ', 1)


def print_document(doc, path, bg, images=()):
    """Print ``doc`` to a PDF at ``path`` on pages of colour ``bg`` to their edges (light
    text on white paper would be unreadable in the dark style), 2 cm margins."""
    from PyQt5 import QtPrintSupport
    printer = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.HighResolution)
    printer.setOutputFormat(QtPrintSupport.QPrinter.PdfFormat)
    printer.setOutputFileName(path)
    printer.setFullPage(True)     # we paint the margins too
    copy = doc.clone()
    painter = None
    try:
        for name in images:   # (resources are not cloned)
            url = QtCore.QUrl(name)
            copy.addResource(QtGui.QTextDocument.ImageResource, url,
                             doc.resource(QtGui.QTextDocument.ImageResource, url))
        frame = copy.rootFrame().frameFormat()
        frame.setMargin(0)
        copy.rootFrame().setFrameFormat(frame)
        # lay the copy out in screen pixels on pages the paper's size, then scale
        screen = QtWidgets.QApplication.primaryScreen()
        scale = printer.resolution() / (screen.logicalDotsPerInch() if screen else 96.0)
        paper = printer.paperRect()
        margin = 2 / 2.54 * printer.resolution() / scale
        page = QtCore.QSizeF(paper.width() / scale - 2 * margin,
                             paper.height() / scale - 2 * margin)
        copy.setPageSize(page)
        painter = QtGui.QPainter(printer)
        for i in range(copy.pageCount()):
            if i:
                printer.newPage()
            painter.fillRect(QtCore.QRect(0, 0, paper.width(), paper.height()),
                             QtGui.QColor(bg))
            painter.save()
            painter.scale(scale, scale)
            painter.translate(margin, margin - i * page.height())
            copy.drawContents(painter, QtCore.QRectF(0, i * page.height(),
                                                     page.width(), page.height()))
            painter.restore()
            # the page number, bottom right in the margin (a font in points is sized
            # for the printer itself, so this is drawn unscaled, in printer pixels)
            dark = QtGui.QColor(bg).lightness() < 128
            painter.setPen(QtGui.QColor("#aaaaaa" if dark else "#555555"))
            painter.setFont(QtGui.QFont("Sans", 9))
            painter.drawText(QtCore.QRectF(margin * scale, (margin + page.height()) * scale,
                                           page.width() * scale, margin * scale / 2),
                             int(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter), str(i + 1))
    finally:
        if painter is not None:
            painter.end()
        copy.deleteLater()


# ---------------------------------------------------------------- the console's frame

class ConsoleFrame(QtWidgets.QWidget):
    """A console's widgets and their look, with no kernel: the scrollback (an
    OutputView), the input (an InputEdit), the pager beside or below them (``paging``:
    "vsplit", "hsplit" or "inline"), the input() and history-search rows, the status
    line, the completion popup and the calltip; the style ("light" or "dark"), the
    font size and zoom. ``scrollback``: lines of output kept (at least MIN_SCROLLBACK).
    :class:`ipylite.qtconsole.ConsoleWidget` binds one to a kernel."""

    scrollback = 1000
    paging = "vsplit"

    def __init__(self, style="light", font_size=None, paging=None, scrollback=None,
                 parent=None):
        super().__init__(parent)
        self.style_name = style if style in STYLES else "light"
        self.style_colors = STYLES[self.style_name]
        if paging:
            self.paging = paging
        if scrollback is not None:
            self.scrollback = scrollback
        self.scrollback = max(MIN_SCROLLBACK, int(self.scrollback))  # 0 or less: nothing shown
        self._build(font_size)

    def _build(self, font_size):
        self.output = OutputView(self)
        self.output.setObjectName("output")
        self.output.setOpenLinks(False)
        self.output.setUndoRedoEnabled(False)
        self.output.document().setMaximumBlockCount(self.scrollback)
        self.output.setFocusPolicy(QtCore.Qt.ClickFocus)
        self.output.console = self
        self.editor = InputEdit(self)
        self.highlighter = PythonHighlighter(self.editor.document(), self.style_colors)
        self.editor.textChanged.connect(self._fit_editor)
        self.pager = QtWidgets.QTextBrowser(self)
        self.pager.setObjectName("pager")
        self.pager.hide()
        # Rows shown on demand: input() prompts and the history search
        self.stdin_row = QtWidgets.QWidget(self)
        row = QtWidgets.QHBoxLayout(self.stdin_row)
        row.setContentsMargins(4, 0, 4, 0)
        self.stdin_label = QtWidgets.QLabel(self.stdin_row)
        self.stdin_edit = QtWidgets.QLineEdit(self.stdin_row)
        self.stdin_edit.setObjectName("stdin")
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


# ---------------------------------------------------------------- the window

class ConsoleWindow(QtWidgets.QMainWindow):
    """Tabs of consoles with a menu of every action. ``make_console`` builds a
    console on a new kernel (called for the first tab and File > New tab).

    Shortcuts the consoles handle themselves (they depend on the focus: Ctrl+C
    copies or interrupts) are shown in the menu but bound to the window alone."""

    closed = QtCore.pyqtSignal()
    confirm_close = True    # ask before closing a console whose cell is running

    def __init__(self, make_console, style="light", font_size=None, console_cls=None):
        super().__init__()
        self.make_console = make_console
        self.console_cls = console_cls    # for File > Connect with no tab open (ConsoleWidget)
        self.setWindowTitle("ipylite Qt console")
        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self._forwarding = False
        self._build_menu()
        self.resize(820, 640)

    def _action(self, menu, text, slot, shortcut=None, shown_only=False):
        act = QtWidgets.QAction(text, self)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
            if shown_only:   # the console's widgets handle the key
                act.setShortcutContext(QtCore.Qt.WidgetShortcut)
        act.triggered.connect(lambda _=False: slot())
        menu.addAction(act)
        return act

    def _build_menu(self):
        bar = self.menuBar()
        con = self._console
        f = bar.addMenu("&File")
        self._action(f, "New tab with a new kernel", self.new_tab, "Ctrl+T")
        self._action(f, "New tab on the same kernel", self.new_tab_same_kernel, "Ctrl+Shift+T")
        self._action(f, "Connect to an existing kernel...", self.connect_existing, "Ctrl+Shift+O")
        f.addSeparator()
        self._action(f, "Save as HTML...", self.save_html, "Ctrl+S")
        self._action(f, "Print to PDF...", self.save_pdf, "Ctrl+P")
        f.addSeparator()
        self._action(f, "Close tab", lambda: self.close_tab(self.tabs.currentIndex()), "Ctrl+W")
        self._action(f, "Quit", self.close, "Ctrl+Q")
        e = bar.addMenu("&Edit")
        self._action(e, "Undo", lambda: con().editor.undo(), "Ctrl+Z", True)
        self._action(e, "Redo", lambda: con().editor.redo(), "Ctrl+Shift+Z", True)
        e.addSeparator()
        self._action(e, "Copy (with a selection)", self._copy, "Ctrl+C", True)
        self._action(e, "Paste (prompts stripped)", lambda: con().editor.paste(), "Ctrl+V", True)
        self._action(e, "Select all", lambda: con().editor.selectAll(), "Ctrl+A", True)
        e.addSeparator()
        self._action(e, "Search history", lambda: con().keys.start_search(), "Ctrl+R", True)
        self._action(e, "Clear scrollback", lambda: con().clear(), "Ctrl+L", True)
        v = bar.addMenu("&View")
        self._action(v, "Zoom in", lambda: con().zoom(1), "Ctrl++")
        self._action(v, "Zoom out", lambda: con().zoom(-1), "Ctrl+-")
        self._action(v, "Reset zoom", lambda: con().reset_zoom(), "Ctrl+0")
        v.addSeparator()
        self._action(v, "Next tab", lambda: self._step_tab(1), "Ctrl+PgDown")
        self._action(v, "Previous tab", lambda: self._step_tab(-1), "Ctrl+PgUp")
        self._action(v, "Close pager", lambda: con().close_pager(), "Esc", True)
        k = bar.addMenu("&Kernel")
        self._action(k, "Interrupt (without a selection)", lambda: con().interrupt_kernel(),
                     "Ctrl+C", True)
        self._action(k, "Restart...", lambda: con().restart_kernel(), "Ctrl+.", True)
        self._action(k, "Shut down kernel", self.shutdown_kernel)
        h = bar.addMenu("&Help")
        self._action(h, "Keyboard shortcuts", self.show_shortcuts, "F1")

    def shortcuts_text(self):
        """Every menu action with a shortcut, and the console's own keys."""
        rows = []
        for menu_action in self.menuBar().actions():
            for act in menu_action.menu().actions():
                if not act.shortcut().isEmpty():
                    rows.append((act.shortcut().toString(QtGui.QKeySequence.NativeText),
                                 act.text().rstrip(".")))
        rows += [("Enter", "Run the cell when complete (else a new line)"),
                 ("Shift+Enter", "Run the cell"), ("Ctrl+Enter", "Add a line"),
                 ("Tab", "Complete (a popup: arrows, Enter, Esc)"),
                 ("Up / Down", "History, by the typed prefix"),
                 ("Esc", "Close the calltip, popup or pager"),
                 ("Ctrl+D", "In an empty input() field: end of file")]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {t}" for k, t in rows)

    def show_shortcuts(self):
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        family = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont).family()
        if not QtGui.QFontInfo(QtGui.QFont(family)).fixedPitch():
            family = MONOSPACE     # (a proportional "fixed" font where none is set up)
        box.setText(f"<pre style=\"font-family:'{family}';\">" +
                    html.escape(self.shortcuts_text()) + "</pre>")
        box.open()
        return box

    def _console(self):
        return self.tabs.currentWidget()

    def _step_tab(self, step):
        if self.tabs.count():
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())
            self._console().setFocus()

    def _copy(self):
        c = self._console()
        (c.output if c.output.textCursor().hasSelection() else c.editor).copy()

    def add_console(self, console, title=None):
        i = self.tabs.addTab(console, title or f"Console {self.tabs.count() + 1}")
        self.tabs.setCurrentIndex(i)
        console.kernel_event.connect(lambda what, c=console: self._kernel_event(c, what))
        console.setFocus()
        return console

    @staticmethod
    def same_kernel(a, b):
        if a.manager is not None and a.manager is b.manager:
            return True
        info = getattr(a.client, "info", None)
        return bool(info) and info == getattr(b.client, "info", None)

    def _peers(self, console):
        return [w for w in (self.tabs.widget(i) for i in range(self.tabs.count()))
                if w is not console and self.same_kernel(console, w)]

    def _kernel_event(self, console, what):
        if what == "exit":
            self.close_tab(self.tabs.indexOf(console), ask=False)
            return
        if self._forwarding:
            return
        self._forwarding = True   # tabs on the same kernel hear of its life too
        try:
            for peer in self._peers(console):
                if what == "restart":
                    peer.kernel_replaced("Kernel restarted (from another tab)")
                elif what in ("died", "restarted", "dead"):
                    peer.on_restarter_event(what)
        finally:
            self._forwarding = False

    def new_tab(self):
        try:
            return self.add_console(self.make_console())
        except Exception as e:  # noqa: BLE001 - one clear line, the window stays
            QtWidgets.QMessageBox.warning(self, "New kernel", f"Could not start a kernel: {e}")

    def new_tab_same_kernel(self):
        """Another console on the current tab's kernel (its own client)."""
        cur = self._console()
        if cur is None:
            return None
        client = cur.client
        if hasattr(client, "info"):
            from .protocol import KernelClient
            kc = KernelClient(client.info)
            kc.start_channels()
        elif cur.manager is not None and hasattr(cur.manager, "client"):
            kc = cur.manager.client()
        else:
            return None
        title = self.tabs.tabText(self.tabs.currentIndex()) + " (2)"
        return self.add_console(type(cur)(client=kc, manager=cur.manager,
                                          style=cur.style_name, font_size=cur.font_size,
                                          banner=False, paging=cur.paging,
                                          scrollback=cur.scrollback), title)

    def connect_existing(self, path=None):
        """A tab on a running kernel, chosen from the runtime folder's connection files."""
        from .protocol import jupyter_runtime_dir
        if path is None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Connect to a kernel", jupyter_runtime_dir(), "Kernels (kernel-*.json)")
        if not path:
            return None
        cur = self._console()
        if cur is not None:
            cls, kw = type(cur), dict(style=cur.style_name, font_size=cur.font_size,
                                      paging=cur.paging, scrollback=cur.scrollback)
        elif self.console_cls is not None:
            cls, kw = self.console_cls, {}
        else:
            return None
        try:
            return self.add_console(cls.on_existing(path, **kw), "existing")
        except Exception as e:  # noqa: BLE001 - one clear line, the window stays
            QtWidgets.QMessageBox.warning(self, "Connect", f"Could not connect: {e}")

    def shutdown_kernel(self):
        c = self._console()
        if c is not None and QtWidgets.QMessageBox.question(
                self, "Shut down kernel", "Shut the kernel down and close this tab?") == \
                QtWidgets.QMessageBox.Yes:
            c.shutdown_kernel()

    def _may_close(self, consoles):
        running = [c for c in consoles if c.executing]
        if not running or not self.confirm_close:
            return True
        return QtWidgets.QMessageBox.question(
            self, "A cell is running", "A cell is still running. Close anyway?") == \
            QtWidgets.QMessageBox.Yes

    def close_tab(self, index, ask=True):
        w = self.tabs.widget(index)
        if w is None or (ask and not self._may_close([w])):
            return False
        shared = self._peers(w)
        if shared and w.owns_kernel:  # another tab still uses this kernel: hand it over
            shared[0].owns_kernel, w.owns_kernel = True, False
            if hasattr(w.manager, "stop_restarter"):
                w.manager.stop_restarter()
                w.manager.start_restarter(shared[0].restarter_event.emit)
        self.tabs.removeTab(index)
        w.shutdown()
        w.deleteLater()
        if self.tabs.count() == 0:
            self.close()
        return True

    def save_html(self):
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save as HTML", "session.html",
                                                        "HTML (*.html)")
        if path:
            self._console().save_html(path)

    def save_pdf(self):
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Print to PDF", "session.pdf",
                                                        "PDF (*.pdf)")
        if path:
            self._console().save_pdf(path)

    def closeEvent(self, event):
        consoles = [self.tabs.widget(i) for i in range(self.tabs.count())]
        if not self._may_close(consoles):
            event.ignore()
            return
        while self.tabs.count():
            w = self.tabs.widget(0)
            self.tabs.removeTab(0)
            w.shutdown()
        super().closeEvent(event)
        self.closed.emit()


# ---------------------------------------------------------------- the command line

MIN_SCROLLBACK = 10


def _parser():
    p = argparse.ArgumentParser(prog="python -m ipylite.qtconsole",
                                description="The ipylite Qt console.")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--kernel", default="ipylite", help="kernelspec to start (ipylite)")
    which.add_argument("--existing", nargs="?", const="", default=None, metavar="FILE",
                       help="connect to a running kernel (the newest if FILE is omitted)")
    which.add_argument("--in-process", action="store_true",
                       help="run the kernel inside this process")
    p.add_argument("--style", choices=sorted(STYLES), default="light")
    p.add_argument("--font-size", type=int, default=None)
    p.add_argument("--profile", default=None, help="ipylite profile for the kernel")
    p.add_argument("--paging", choices=("vsplit", "hsplit", "inline"), default="vsplit")
    p.add_argument("--scrollback", type=int, default=None, help="lines of output kept")
    p.add_argument("--editor", default=None, metavar="COMMAND",
                   help="how %%edit opens a file: a shell command, {filename} and {line} "
                        "filled in (default: the desktop's application for the file)")
    p.add_argument("--debug", action="store_true")
    return p


def run_app(argv, console_cls, prestarted=None):
    """The command line's application: parse ``argv``, open the window, run Qt's
    loop. ``prestarted``: a KernelManager started while PyQt5 loaded (or None)."""
    ConsoleWidget = console_cls
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="[ipylite.qtconsole %(levelname)s] %(message)s")
    if args.font_size is not None and not 4 <= args.font_size <= 96:
        print(f"error: --font-size {args.font_size} is out of range (4-96)", file=sys.stderr)
        return 2
    if args.scrollback is not None and args.scrollback < MIN_SCROLLBACK:
        print(f"error: --scrollback {args.scrollback} is too small (at least "
              f"{MIN_SCROLLBACK} lines)", file=sys.stderr)
        return 2
    from .protocol import find_connection_file, find_kernel_specs, import_zmq
    if not args.in_process:
        try:
            import_zmq()
        except ImportError as e:
            print(f"error: a console on a kernel needs {e} (or use --in-process)",
                  file=sys.stderr)
            return 1
    env, search = None, None
    if args.profile:
        from .config import profile_path
        folder = profile_path(args.profile)
        if not os.path.isdir(folder):
            print(f"error: no profile named {args.profile!r} (create it with: python -m "
                  f"ipylite profile create {args.profile})", file=sys.stderr)
            return 2
        # The kernel learns its profile from the environment; --existing also looks in
        # the profile's security folder.
        env = {"IPYLITE_PROFILE": args.profile}
        search = os.path.join(folder, "security")
    if args.editor is not None:
        ConsoleWidget.edit_command = args.editor
    kw = dict(style=args.style, font_size=args.font_size, paging=args.paging,
              scrollback=args.scrollback)
    if args.existing is not None:
        try:
            try:
                path = find_connection_file(args.existing or None)
            except FileNotFoundError:
                if not search:
                    raise
                path = find_connection_file(args.existing or None, path=search)
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

        def make():
            return ConsoleWidget.on_existing(path, **kw)
    elif args.in_process:
        def make():
            return ConsoleWidget.in_process(**kw)
    else:
        if args.kernel not in find_kernel_specs() and args.kernel != "ipylite":
            known = ", ".join(sorted(find_kernel_specs())) or "none"
            print(f"error: no kernelspec named {args.kernel!r} (installed: {known})",
                  file=sys.stderr)
            return 2

        def make():
            return ConsoleWidget.on_new_kernel(args.kernel, env=env, **kw)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("ipylite-qtconsole")
    win = ConsoleWindow(make, style=args.style, console_cls=ConsoleWidget)
    km = prestarted
    try:
        if km is not None and args.existing is None and not args.in_process \
                and km.kernel_name == args.kernel and env is None:
            km._used = True     # the kernel started while PyQt5 loaded
            kc = km.client()
            kc.start_channels()
            first = ConsoleWidget(client=kc, manager=km, owns_kernel=True, **kw)
        else:
            first = make()
        win.add_console(first, "existing" if args.existing is not None else
                        "in-process" if args.in_process else args.kernel)
    except Exception as e:  # noqa: BLE001 - one clear line
        print(f"error: could not start the console: {e}", file=sys.stderr)
        return 1
    win.closed.connect(app.quit)
    win.show()
    return app.exec_()
