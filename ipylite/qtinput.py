"""The Qt console's input: what the keys do in the input editor (Enter and the
kernel's is_complete, Tab completion and its popup, calltips, indenting), the history
walk and its reverse search, and the keys of the input() field and the pager.

Imported by :mod:`ipylite.qtconsole` only; importing it imports PyQt5.
"""

import os
import re

from PyQt5 import QtCore, QtGui

CALLTIP_RE = re.compile(r"[A-Za-z_][\w.]*\s*\($")
DEDENT_RE = re.compile(r"^\s*(return|pass|break|continue|raise)\b")
MODIFIER_KEYS = frozenset((QtCore.Qt.Key_Shift, QtCore.Qt.Key_Control, QtCore.Qt.Key_Alt,
                           QtCore.Qt.Key_Meta, QtCore.Qt.Key_AltGr, QtCore.Qt.Key_CapsLock))


class InputKeys(QtCore.QObject):
    """The keys of one console's input editor and the history they walk. Requests go
    out through the console (``console._send``); their replies come back to the
    ``reply_<kind>`` methods."""

    history_length = 1000
    is_complete_wait = 1500      # ms before a kernel that does not answer is decided for

    def __init__(self, console):
        super().__init__(console)
        self.console = console
        self._history, self._hist_index, self._hist_saved = [], 0, None
        self._hist_shown = None
        self._pending = None     # an Enter waiting for the kernel's is_complete answer

    # -- Enter: run the cell or add a line, as the kernel says; keys stay in order
    def _await_is_complete(self, code):
        token = object()
        cur = QtGui.QTextCursor(self.console.editor.textCursor())
        self._pending = (token, code, cur)
        self.console._send("is_complete", "is_complete", code, extra=token)
        # A kernel that cannot answer (busy with another client, dead) must not
        # swallow the key: decide locally after a while.
        QtCore.QTimer.singleShot(self.is_complete_wait, lambda: self._decide_locally(token))

    def settle(self):
        """A key comes while an Enter waits for the kernel: that Enter becomes a new
        line where it was pressed (as in qtconsole), so every key lands in order."""
        if self._pending is None:
            return
        _, _, cur = self._pending
        self._pending = None
        self._newline_at(cur)

    def _newline_at(self, cur, indent=None):
        """A new line where ``cur`` is; the cursor stays where the user put it since."""
        ed = self.console.editor
        now = QtGui.QTextCursor(ed.textCursor())   # (moves with the text inserted)
        ed.setTextCursor(cur)
        self.newline(indent)
        if now.position() != cur.position():
            ed.setTextCursor(now)

    def reply_is_complete(self, content, token):
        if self._pending is None or self._pending[0] is not token:
            return   # settled by a key meanwhile
        code = self._pending[1]
        cur = self._pending[2]
        self._pending = None
        if code != self.console.input_buffer:
            return   # replaced meanwhile (not by a key)
        if content.get("status") == "incomplete":
            self._newline_at(cur, content.get("indent"))
        else:
            self.console.execute()

    def _decide_locally(self, token):
        if self._pending is None or self._pending[0] is not token:
            return
        import codeop
        code = self._pending[1]
        try:
            done = codeop.compile_command(code, "<input>", "exec") is not None
        except (SyntaxError, ValueError, OverflowError):
            done = True
        self.reply_is_complete({"status": "complete" if done else "incomplete"}, token)

    def remember(self, code):
        """A cell run from the input: the newest history entry; a walk starts over."""
        if code.strip() and (not self._history or self._history[-1] != code.rstrip("\n")):
            self._history.append(code.rstrip("\n"))
        self._hist_index = len(self._history)
        self._hist_saved = None

    def reply_history(self, content, _):
        items = []
        for row in content.get("history", []):
            source = row[2] if not isinstance(row[2], (list, tuple)) else row[2][0]
            if source and source.strip() and (not items or items[-1] != source):
                items.append(source.rstrip("\n"))
        self._history = items + self._history
        self._hist_index = len(self._history)

    def reply_complete(self, content, extra):
        pos, code = extra
        con = self.console
        if con.editor.textCursor().position() != pos or con.input_buffer != code:
            return  # the user moved on
        matches = content.get("matches") or []
        start = content.get("cursor_start", pos)
        end = content.get("cursor_end", pos)
        if not matches:
            return
        if len(matches) == 1:
            self.replace(start, end, matches[0])
            return
        prefix = os.path.commonprefix(matches)
        if len(prefix) > end - start:
            self.replace(start, end, prefix)
        rect = self.console.editor.cursorRect()
        glob = QtCore.QRect(self.console.editor.viewport().mapToGlobal(rect.topLeft()),
                            rect.size())
        self.console.popup.show_matches(matches, start, glob, self.console.rect())
        self.refilter()

    def reply_calltip(self, content, paren_pos):
        if not content.get("found") or self.console.editor.textCursor().position() < paren_pos:
            return
        text = content.get("data", {}).get("text/plain", "")
        if not text:
            return
        rect = self.console.editor.cursorRect()
        glob = QtCore.QRect(self.console.editor.viewport().mapToGlobal(rect.topLeft()),
                            rect.size())
        self.console.calltip.show_tip(text, paren_pos, glob)

    def key(self, event):
        """Handle a key in the editor; False lets the editor insert it."""
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & QtCore.Qt.ControlModifier)
        shift = bool(mods & QtCore.Qt.ShiftModifier)
        ed = self.console.editor
        if self._pending is not None and key not in MODIFIER_KEYS:
            self.settle()
        if self.console.popup.isVisible():
            if key in (QtCore.Qt.Key_Up, QtCore.Qt.Key_Down):
                self.console.popup.move_selection(-1 if key == QtCore.Qt.Key_Up else 1)
                return True
            if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter, QtCore.Qt.Key_Tab):
                choice = self.console.popup.current()
                if choice:
                    self.replace(self.console.popup.start, ed.textCursor().position(), choice)
                self.console.popup.hide()
                return True
            if key == QtCore.Qt.Key_Escape:
                self.console.popup.hide()
                return True
        if key == QtCore.Qt.Key_Escape:
            if self.console.calltip.isVisible():
                self.console.calltip.hide()
            elif self.console.pager.isVisible():
                self.console.close_pager()
            return True
        if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter):
            self.console.calltip.hide()
            if ctrl:
                self.newline()
            elif shift:
                self.console.execute()
            else:
                self.enter()
            return True
        if ctrl and key == QtCore.Qt.Key_C and not ed.textCursor().hasSelection():
            self.console.interrupt_kernel()
            return True
        if ctrl and key == QtCore.Qt.Key_Period:
            self.console.restart_kernel()
            return True
        if ctrl and key == QtCore.Qt.Key_R:
            self.start_search()
            return True
        if ctrl and key == QtCore.Qt.Key_L:
            self.console.clear()
            return True
        if ctrl and key in (QtCore.Qt.Key_Plus, QtCore.Qt.Key_Equal):
            self.console.zoom(1)
            return True
        if ctrl and key == QtCore.Qt.Key_Minus:
            self.console.zoom(-1)
            return True
        if ctrl and key == QtCore.Qt.Key_0:
            self.console.reset_zoom()
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
            return self.history_step(-1)
        if key == QtCore.Qt.Key_Down and not ctrl and \
                ed.textCursor().blockNumber() == ed.blockCount() - 1:
            return self.history_step(1)
        if key == QtCore.Qt.Key_Backspace and not ctrl:
            cur = ed.textCursor()
            before = cur.block().text()[:cur.positionInBlock()]
            if before and not before.strip() and not cur.hasSelection():
                for _ in range((len(before) - 1) % 4 + 1):
                    cur.deletePreviousChar()
                return True
        return False

    def after_key(self, event):
        """After the editor handled a key: calltips and popup filtering."""
        text = event.text()
        if self.console.popup.isVisible():
            self.refilter()
        if text == "(":
            cur = self.console.editor.textCursor()
            before = cur.block().text()[:cur.positionInBlock()]
            if CALLTIP_RE.search(before):
                pos = cur.position()
                self.console._send("calltip", "inspect", self.console.input_buffer, pos - 1,
                                   0, extra=pos)

    def cursor_moved(self):
        if not self.console.calltip.isVisible():
            return
        pos = self.console.editor.textCursor().position()
        p = self.console.calltip.paren_pos
        if pos < p:
            self.console.calltip.hide()
            return
        seg = self.console.input_buffer[p:pos]
        if 1 + seg.count("(") - seg.count(")") <= 0:
            self.console.calltip.hide()

    def enter(self):
        code = self.console.input_buffer
        cur = self.console.editor.textCursor()
        if not code.strip():
            if self.console.is_ready and not self.console.executing:
                self.console.execute()
            elif code:     # (typed ahead: a blank line would start the next cell)
                self.console.input_buffer = ""
            return
        if not cur.atEnd() and "\n" in code:
            self.newline()  # editing inside a multi-line cell
            return
        if not self.console.is_ready:
            self.console.execute()
            return
        if "\n" in code and not cur.block().text().strip():
            # a blank last line ends a block, as in IPython: run what is there
            self.console.input_buffer = code.rstrip() + "\n"
            self.console.execute()
            return
        self._await_is_complete(code)

    def newline(self, indent=None):
        cur = self.console.editor.textCursor()
        line = cur.block().text()[:cur.positionInBlock()]
        if indent is None:
            indent = line[:len(line) - len(line.lstrip())]
            stripped = re.sub(r"#.*$", "", line).rstrip()
            if stripped.endswith(":"):
                indent += "    "
            elif DEDENT_RE.match(line):
                indent = indent[:-4]
        cur.insertText("\n" + indent)
        self.console.editor.setTextCursor(cur)

    def replace(self, start, end, text):
        cur = self.console.editor.textCursor()
        cur.setPosition(start)
        cur.setPosition(max(start, end), QtGui.QTextCursor.KeepAnchor)
        cur.insertText(text)
        self.console.editor.setTextCursor(cur)

    def complete(self):
        pos = self.console.editor.textCursor().position()
        code = self.console.input_buffer
        self.console._send("complete", "complete", code, pos, extra=(pos, code))

    def refilter(self):
        pos = self.console.editor.textCursor().position()
        if pos < self.console.popup.start:
            self.console.popup.hide()
            return
        typed = self.console.input_buffer[self.console.popup.start:pos]
        if not re.fullmatch(r"[\w.%]*", typed) or not self.console.popup.filter(typed):
            self.console.popup.hide()

    # -- history
    def history_step(self, step):
        hist = self._history
        if not hist:
            return False
        if self._hist_saved is None or self.console.input_buffer != self._hist_shown:
            # a new walk: from what is typed now (an edited entry, a new prefix)
            self._hist_saved = self.console.input_buffer
            self._hist_index = len(hist)
        prefix = self._hist_saved if "\n" not in self._hist_saved else ""
        i = self._hist_index + step
        while 0 <= i < len(hist) and not hist[i].startswith(prefix):
            i += step
        if i < 0:
            return True
        if i >= len(hist):
            self._hist_index = len(hist)
            self.console.input_buffer = self._hist_saved
            self._hist_saved = None
            return True
        self._hist_index = i
        self._hist_shown = hist[i]
        self.console.editor.setPlainText(hist[i])
        cur = self.console.editor.textCursor()
        cur.movePosition(QtGui.QTextCursor.End if step > 0 else QtGui.QTextCursor.End)
        if step < 0:  # going up: stay on the first line, so Up keeps walking back
            cur.movePosition(QtGui.QTextCursor.Start)
            cur.movePosition(QtGui.QTextCursor.EndOfBlock)
        self.console.editor.setTextCursor(cur)
        return True

    def start_search(self):
        if self.console.search_row.isVisible():
            self.search_history(1)
            return
        self._search_saved = self.console.input_buffer
        self._search_index = len(self._history)
        self.console.search_row.show()
        self.console.search_edit.clear()
        self.console.search_edit.setFocus()

    def search_history(self, skip):
        needle = self.console.search_edit.text()
        start = self._search_index - skip if skip else len(self._history) - 1
        for i in range(min(start, len(self._history) - 1), -1, -1):
            if needle in self._history[i]:
                self._search_index = i
                self.console.editor.setPlainText(self._history[i])
                self.console.search_label.setText("reverse-i-search:")
                return True
        self.console.search_label.setText("failing reverse-i-search:")
        return False

    def eventFilter(self, obj, event):
        """Keys of the input() field, the pager and the history search."""
        con = self.console
        if event.type() != QtCore.QEvent.KeyPress:
            return super().eventFilter(obj, event)
        key, ctrl = event.key(), bool(event.modifiers() & QtCore.Qt.ControlModifier)
        if obj is con.stdin_edit:
            if ctrl and key == QtCore.Qt.Key_D and not obj.text():
                con.send_input(eof=True)   # input() raises EOFError, as in a terminal
                return True
            if (key == QtCore.Qt.Key_Escape or ctrl and key == QtCore.Qt.Key_C) \
                    and not obj.hasSelectedText():
                con.interrupt_kernel()   # input() gets KeyboardInterrupt: the cell ends
                return True
        elif obj is con.pager:
            if key == QtCore.Qt.Key_Escape or (key == QtCore.Qt.Key_Q and not event.modifiers()):
                con.close_pager()
                con.editor.setFocus()
                return True
        elif obj is con.search_edit:
            if ctrl and key == QtCore.Qt.Key_R:
                self.search_history(1)
                return True
            if key in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter, QtCore.Qt.Key_Escape):
                if key == QtCore.Qt.Key_Escape:
                    con.input_buffer = self._search_saved
                con.search_row.hide()
                con.editor.setFocus()
                con.editor.moveCursor(QtGui.QTextCursor.End)
                return True
        return super().eventFilter(obj, event)

    @property
    def history(self):
        return list(self._history)

