"""The Qt console's scrollback writer: output from the kernel is queued and inserted
into the output view in batches on a timer, with a time budget per batch, so a flood of
output never freezes the window. Streams (ANSI colours, carriage returns, lines longer
than ``max_line`` cut with the rest kept to save from a link), MIME bundles (images,
HTML, text), display updates, clear_output, and keeping the newest output in view.

Imported by :mod:`ipylite.qtconsole` only; importing it imports PyQt5.
"""

import collections
import re
import time

from PyQt5 import QtCore, QtGui, QtWidgets

from .highlight import python_spans
from .qtwidgets import (MONOSPACE, AnsiState, document_html, image_names, print_document,
                        render_bundle)

MONO_TAG_RE = re.compile(r"<(pre|code|tt|kbd|samp)\b([^>]*)>", re.I)
_CR = object()
_FOLD_END = object()


class OutputWriter(QtCore.QObject):
    """Writes a console's output into its OutputView. Settings (``scrollback``,
    ``max_line``, ``max_folds``, ``flush_interval``, ``flush_budget``, the style) are
    read from the console, so a subclass or an instance of it can change them.

    ``add(item)`` queues one item: ("stream", name, text), ("echo", n, code),
    ("bundle", data, metadata, display_id, count), ("update", display_id, data,
    metadata), ("renumber", n), ("error", text), ("info", text), ("clear", wait),
    ("end",)."""

    def __init__(self, console, view):
        super().__init__(console)
        self.console, self.view = console, view
        self.closed = False
        self._queue = collections.deque()
        self._folds = {}
        self._fold_count = 0
        self._fold, self._fold_len, self._line_len, self._cr_pending = None, 0, 0, False
        self._last_stream = None
        self._echo = None            # (cursor at the last echo, its number)
        self._displays = collections.defaultdict(list)   # display_id -> [[start, end]]
        self.images = {}             # resource name -> PNG bytes (for saving)
        self._image_serial, self._images_live, self._images_dirty = 0, 0, False
        self._clear_wait = False
        self._cell_start = None
        self._last_flush = 0.0
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        view.anchorClicked.connect(self.anchor_clicked)
        # Following the newest output: on unless the reader scrolls away from the end.
        # Decided by the reader's scrolling, not by where the bar is when output comes:
        # the view also changes size (the input grows, the pager or input() row opens)
        # and the layout grows after an insert, either of which moves the end away.
        self.follow = True
        self._scrolling = False
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._range_changed)

    def add(self, item):
        self._queue.append(item)
        self.schedule()

    def _scrolled(self, value):
        if not self._scrolling:
            self.follow = value >= self.view.verticalScrollBar().maximum() - 4

    def _range_changed(self, _lo, _hi):
        if self.follow:
            self.scroll_to_end()

    def scroll_to_end(self):
        bar = self.view.verticalScrollBar()
        self._scrolling = True
        try:
            bar.setValue(bar.maximum())
        finally:
            self._scrolling = False
        self.follow = True

    def stop(self):
        self.closed = True
        self._flush_timer.stop()

    def set_style(self):
        s = self.console.style_colors
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
        self.fmt_code = {k: QtGui.QTextCharFormat(f)
                         for k, f in self.console.highlighter.formats.items()}


    def info(self, text):
        self._queue.append(("info", text))
        self.schedule()

    def schedule(self, delay=None):
        """Flush soon: at once after a quiet spell, else ``flush_interval`` after the
        last batch (what arrives meanwhile joins the next batch)."""
        if self._flush_timer.isActive() or self.closed:
            return
        if delay is None:
            since = (time.monotonic() - self._last_flush) * 1000
            delay = max(0, int(self.console.flush_interval - since))
        self._flush_timer.start(delay)

    def flush_all(self):
        """Insert everything queued now (tests, saving)."""
        while self._queue:
            self.flush(budget=None)

    def flush(self, budget=-1):
        """Insert queued output until the time budget is spent; reschedule the rest."""
        if budget == -1:
            budget = self.console.flush_budget
        deadline = None if budget is None else time.monotonic() + budget
        view = self.view
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
        if self._images_dirty or (len(self.images) > self._images_live and
                                  doc.blockCount() >= 0.9 * doc.maximumBlockCount() > 0):
            self._free_images()   # replaced, cleared, or trimmed by the scrollback limit
        if self.follow:
            self.scroll_to_end()
        self._last_flush = time.monotonic()
        if self._queue:
            self.schedule(0)

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
        c = QtGui.QTextCursor(self.view.document())  # (a copy would keep a stale anchor)
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
        if nl > self.console.scrollback:  # only the last lines could stay: skip the rest
            cut = len(text)
            for _ in range(self.console.scrollback + 1):
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
        limit = self.console.max_line
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
        self._fold_count = fid = self._fold_count + 1
        self._folds[fid] = "".join(self._fold)
        while len(self._folds) > self.console.max_folds:   # memory: keep the newest few
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

    def anchor_clicked(self, url):
        if url.scheme() == "ipylite-fold":
            fid = int(url.path())
            if fid not in self._folds:
                self.info(f"That text is no longer kept (only the last {self.console.max_folds} "
                          f"cut lines are).\n")
                return
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self.console,
                                                            "Save the rest of the line",
                                                            "output.txt")
            if path:
                self.save_fold(fid, path)
        elif url.scheme() in ("http", "https"):
            QtGui.QDesktopServices.openUrl(url)

    def _put_bundle(self, cursor, data, md, count):
        dpr = self.view.devicePixelRatioF()
        kind, value, mime = render_bundle(data, md, dpr, self.console.style_colors["fg"])
        if count is not None:
            cursor.insertText(f"Out[{count}]: ", self.fmt_prompt_out)
            if kind != "text" or "\n" in value:
                cursor.insertText("\n", self.fmt_plain)
        if kind == "image":
            self._put_image(cursor, value)
        elif kind == "html":
            value = self.mono_html(value)
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

    def mono_html(self, value):
        """<pre>, <code>... and Markdown's code in the console's monospace font (Qt asks
        for Courier New, which falls back to a proportional font where it is missing)."""
        family = self.view.document().defaultFont().family().replace('"', "")
        value = value.replace(f"font-family:'{MONOSPACE}'", f"font-family:'{family}'")
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
        doc = self.view.document()
        doc.addResource(QtGui.QTextDocument.ImageResource, QtCore.QUrl(name), image)
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.WriteOnly)
        image.save(buf, "PNG")
        self.images[name] = bytes(buf.data())
        fmt = QtGui.QTextImageFormat()
        fmt.setName(name)
        dpr = image.devicePixelRatio() or 1.0
        fmt.setWidth(image.width() / dpr)
        fmt.setHeight(image.height() / dpr)
        cursor.insertImage(fmt)
        if len(self.images) > 2 * self._images_live + 8:  # trimmed or replaced: sweep
            self._free_images()

    def _free_images(self):
        """Drop the bytes and document resources of images no longer in the scrollback
        (replaced by update_display or clear_output, trimmed, or cleared)."""
        self._images_dirty = False
        if not self.images:
            return
        doc = self.view.document()
        used = image_names(doc)
        for name in [n for n in self.images if n not in used]:
            del self.images[name]
            doc.addResource(QtGui.QTextDocument.ImageResource, QtCore.QUrl(name), QtGui.QImage())
        self._images_live = len(self.images)

    def _region(self, p0, p1):
        """[start, end] cursors around an output that may be replaced: the start moves
        with text inserted at it (the end of an earlier region), the end does not."""
        start = QtGui.QTextCursor(self.view.document())
        start.setPosition(p0)
        end = QtGui.QTextCursor(self.view.document())
        end.setPosition(p1)
        end.setKeepPositionOnInsert(True)
        return [start, end]

    def _update_display(self, did, data, md):
        for region in self._displays.get(did, []):
            start, end, count = region
            c = QtGui.QTextCursor(self.view.document())
            c.setPosition(start.position())
            c.setPosition(end.position(), QtGui.QTextCursor.KeepAnchor)
            c.removeSelectedText()
            p0 = c.position()
            self._put_bundle(c, data, md, count)
            region[:2] = self._region(p0, c.position())
        self._images_dirty = True

    def clear(self):
        """Empty the scrollback (Ctrl-L)."""
        self.view.clear()
        self._displays.clear()
        self._free_images()
        self._cell_start = None
        self._line_len = 0

    # -- reading the output (tests, tools)
    def text(self):
        self.flush_all()
        return self.view.document().toPlainText()

    def html(self):
        """The scrollback as a standalone HTML page, images embedded."""
        self.flush_all()
        return document_html(self.view.document(), self.images, self.console.style_colors["bg"])

    def save_html(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html())

    def save_pdf(self, path):
        self.flush_all()
        print_document(self.view.document(), path, self.console.style_colors["bg"], self.images)

