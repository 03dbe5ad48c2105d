"""The Qt console never loses what the user typed, whatever the kernel's speed, and
keeps its newest output in view: offscreen, real kernels, real Qt key events."""

import contextlib
import os
import re
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402

from ipylite.protocol import KernelClient  # noqa: E402
from test_qtconsole import make_console, run, wait_for  # noqa: E402

Qt = QtCore.Qt


@pytest.fixture(scope="module")
def qapp():
    yield QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


@pytest.fixture(scope="module")
def console(qapp):
    c = make_console()
    yield c
    c.shutdown()


def type_slowly(c, keys, delay=8):
    """Type ``keys`` (text; "\n" is Enter) one key every ``delay`` ms, as a person
    typing fast does: the event loop runs between keys."""
    for ch in keys:
        if ch == "\n":
            QTest.keyClick(c.editor, Qt.Key_Return, Qt.NoModifier, delay)
        else:
            QTest.keyClick(c.editor, ch, Qt.NoModifier, delay)


def user_value(c, name):
    """The repr of ``name`` in the kernel (None if undefined)."""
    run(c, f"print('VALUE', repr(globals().get({name!r})))")
    return c.output_text().rsplit("VALUE ", 1)[1].split("\n", 1)[0]


def done_counter(c):
    done = []
    c.executed.connect(done.append)
    return done


# ---------------------------------------------------------------- Enter and is_complete

@contextlib.contextmanager
def busy_kernel(c, seconds=1.5):
    """The console's kernel busy with another client's cell (as from another tab), so
    that it answers nothing for ``seconds``."""
    other = KernelClient(c.client.info)
    other.start_channels()
    try:
        other.execute(f"import time; time.sleep({seconds})")
        time.sleep(0.3)          # the other client's cell has started
        yield
    finally:
        other.stop_channels()


def test_keys_after_enter_on_a_busy_kernel_stay_in_order(console):
    """The kernel is busy with another client, so "is this cell complete?" waits:
    the keys typed after Enter turn that Enter into a new line (as in qtconsole),
    and the two lines run as one cell."""
    with busy_kernel(console):
        done = done_counter(console)
        type_slowly(console, "x_busy = 1\ny_busy = 2\n", delay=10)
        wait_for(lambda: done, 20, "the typed cell to run")
        console.executed.disconnect(done.append)
    assert done[0]["status"] == "ok", done[0]
    text = console.output_text()
    assert re.search(r"In \[\d+\]: x_busy = 1\n +\.\.\.: y_busy = 2\n", text), text[-400:]
    assert user_value(console, "x_busy") == "1"
    assert user_value(console, "y_busy") == "2"


@pytest.mark.parametrize("attempt", range(5))
def test_typing_fast_on_an_idle_kernel_loses_no_enter(console, attempt):
    """5-10 ms between keys: whenever the kernel's answer comes, both assignments run
    (as two cells or as one two-line cell), never as `a = 1b = 2`."""
    a, b = f"a_fast{attempt}", f"b_fast{attempt}"
    done = done_counter(console)
    type_slowly(console, f"{a} = 1\n{b} = 2\n", delay=5 + attempt)
    wait_for(lambda: console.input_buffer == "" and not console.executing and done, 20,
             "the typed cells to run")
    QTest.qWait(300)
    console.executed.disconnect(done.append)
    assert all(r["status"] == "ok" for r in done), done
    assert f"{a} = 1{b}" not in console.output_text()
    assert user_value(console, a) == "1"
    assert user_value(console, b) == "2"


def test_enter_twice_fast_runs_the_cell_once(console):
    """A second Enter while the first waits for the kernel ends the cell with a blank
    line, as in IPython: one cell runs, nothing is left in the input."""
    with busy_kernel(console, 1.0):
        done = done_counter(console)
        type_slowly(console, "twice_fast = 7\n\n", delay=5)
        wait_for(lambda: done, 20, "the cell to run")
        QTest.qWait(1700)      # (the kernel's late answer to the first Enter changes nothing)
        console.executed.disconnect(done.append)
    assert len(done) == 1 and done[0]["status"] == "ok"
    assert console.input_buffer == ""
    assert re.search(r"In \[\d+\]: twice_fast = 7\n", console.output_text())


def test_enter_while_a_cell_runs_is_typed_ahead(console):
    """Enter on an empty input while a cell runs adds no blank line to the next cell;
    a cell typed and entered meanwhile runs after it, as typed ahead in a terminal."""
    done = done_counter(console)
    console.input_buffer = "import time; time.sleep(1)"
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(lambda: console.executing, 5, "the cell to start")
    QTest.keyClick(console.editor, Qt.Key_Return)
    QTest.keyClick(console.editor, Qt.Key_Return)
    assert console.input_buffer == ""
    type_slowly(console, "ahead = 3\n", delay=5)
    wait_for(lambda: len(done) == 2, 20, "the typed-ahead cell to run")
    console.executed.disconnect(done.append)
    assert done[1]["status"] == "ok"
    assert re.search(r"In \[\d+\]: ahead = 3\n", console.output_text())
    assert user_value(console, "ahead") == "3"
    done = done_counter(console)
    type_slowly(console, "after_run = 4\n", delay=5)
    wait_for(lambda: done, 20, "the next cell")
    console.executed.disconnect(done.append)
    assert re.search(r"In \[\d+\]: after_run = 4\n", console.output_text())


# ---------------------------------------------------------------- following the output

def at_bottom(c):
    bar = c.output.verticalScrollBar()
    return bar.value() >= bar.maximum() - 4


def last_line_shown(c):
    """The end of the newest output is inside the viewport."""
    doc = c.output.document()
    block = doc.lastBlock()
    while block.isValid() and not block.text().strip():
        block = block.previous()
    layout = doc.documentLayout()
    rect = layout.blockBoundingRect(block)
    bottom = rect.bottom() - c.output.verticalScrollBar().value()
    return 0 < bottom <= c.output.viewport().height() + 1


@pytest.fixture
def small_console(qapp):
    """A console as small as a window in a corner of the screen."""
    c = make_console()
    c.resize(620, 330)
    QTest.qWait(50)
    yield c
    c.shutdown()


def test_the_newest_output_stays_in_view_after_a_burst_and_a_figure(small_console):
    """A cell prints a burst, then shows a figure, while the user types the next cell
    on a line long enough to wrap (the input grows, the scrollback shrinks): the
    newest output is in view all along, and at the end."""
    c = small_console
    run(c, "import matplotlib; matplotlib.use('agg'); import matplotlib.pyplot as plt")
    for k in range(2):
        done = done_counter(c)
        c.input_buffer = ("import time\nfor i in range(40): print(i)\ntime.sleep(0.8)\n"
                          "plt.plot([1, 3, 2]); plt.show()\ntime.sleep(0.5)\n"
                          "for i in range(20): print('after', i)")
        QTest.keyClick(c.editor, Qt.Key_Return, Qt.ShiftModifier)
        QTest.qWait(150)
        seen = []
        for ch in "next_cell = ['a line long enough to wrap in the input', 'and more of it']":
            QTest.keyClick(c.editor, ch, Qt.NoModifier, 8)
        assert c.editor.document().lineCount() > 1 or c.editor.blockCount() > 1 or \
            c.editor.height() > 40
        while not done:
            QTest.qWait(20)
            seen.append(at_bottom(c))
        c.executed.disconnect(done.append)
        QTest.qWait(200)
        bar = c.output.verticalScrollBar()
        assert at_bottom(c) and last_line_shown(c), (k, seen, bar.value(), bar.maximum())
        assert "after 19" in c.output_text()
        c.input_buffer = ""


def test_output_does_not_scroll_a_reader_who_scrolled_up(small_console):
    c = small_console
    run(c, "print('\\n'.join(map(str, range(200))))")
    bar = c.output.verticalScrollBar()
    QTest.keyClick(c.output, Qt.Key_PageUp)
    QTest.keyClick(c.output, Qt.Key_PageUp)
    kept = bar.value()
    assert kept < bar.maximum() - 4
    run(c, "print('\\n'.join(map(str, range(100))))")
    QTest.qWait(100)
    assert bar.value() == kept
    for _ in range(100):      # back to the end: it follows again
        QTest.keyClick(c.output, Qt.Key_PageDown)
        if at_bottom(c):
            break
    run(c, "print('\\n'.join(map(str, range(100))))")
    QTest.qWait(100)
    assert at_bottom(c)


def test_the_pager_keeps_the_newest_lines_in_view(small_console):
    c = small_console
    run(c, "print('\\n'.join(map(str, range(200))))")
    run(c, "print('the newest line')")
    assert at_bottom(c) and last_line_shown(c)
    run(c, "len?")
    wait_for(c.pager.isVisible, 5, "the pager")
    QTest.qWait(100)
    assert at_bottom(c) and last_line_shown(c)
    QTest.keyClick(c.editor, Qt.Key_Escape)
    QTest.qWait(100)
    assert at_bottom(c) and last_line_shown(c)


def test_the_input_row_keeps_the_last_line_in_view(small_console):
    c = small_console
    run(c, "print('\\n'.join(map(str, range(200))))")
    c.input_buffer = "print('before the question'); answer = input('say: ')"
    QTest.keyClick(c.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(c.stdin_row.isVisible, 10, "the input row")
    QTest.qWait(150)
    assert "before the question" in c.output_text()
    assert at_bottom(c) and last_line_shown(c)
    QTest.keyClicks(c.stdin_edit, "yes")
    QTest.keyClick(c.stdin_edit, Qt.Key_Return)
    wait_for(lambda: not c.executing, 10, "the cell to end")


def test_the_pager_opens_at_its_top_every_time(small_console):
    c = small_console
    run(c, "print('\\n'.join(map(str, range(100))))")
    for name in ("dict", "len", "dict", "len"):
        type_slowly(c, name + "?\n", delay=2)
        wait_for(lambda: c.pager.isVisible() and name in c.pager.toPlainText(), 10,
                 "the pager")
        QTest.qWait(150)
        assert c.pager.verticalScrollBar().value() == 0, name
        first = c.pager.cursorForPosition(QtCore.QPoint(2, 2)).block().text()
        assert first == c.pager.document().firstBlock().text(), (name, first)
        assert at_bottom(c) and last_line_shown(c)
        QTest.keyClick(c.editor, Qt.Key_Escape)


def test_a_click_after_enter_on_a_busy_kernel_keeps_its_place(console):
    """Enter, then a click at the start of the line, then a key: the Enter's new line
    goes where Enter was pressed and the key where the click put the cursor."""
    console.input_buffer = ""
    with busy_kernel(console):
        type_slowly(console, "clicked = 1\n", delay=5)
        rect = console.editor.cursorRect(QtGui.QTextCursor(console.editor.document()))
        QTest.mouseClick(console.editor.viewport(), Qt.LeftButton, Qt.NoModifier,
                         QtCore.QPoint(rect.left() + 1, rect.center().y()))
        QTest.keyClick(console.editor, "#", Qt.NoModifier, 5)
        assert console.input_buffer == "#clicked = 1\n", repr(console.input_buffer)
    console.input_buffer = ""
