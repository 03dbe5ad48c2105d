"""The Qt console never loses what the user typed, whatever the kernel's speed, and
keeps its newest output in view: offscreen, real kernels, real Qt key events."""

import os
import re
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5 import QtCore, QtWidgets  # noqa: E402
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

def test_keys_after_enter_on_a_busy_kernel_stay_in_order(console):
    """The kernel is busy with another client, so "is this cell complete?" waits:
    the keys typed after Enter turn that Enter into a new line (as in qtconsole),
    and the two lines run as one cell."""
    other = KernelClient(console.client.info)
    other.start_channels()
    try:
        other.execute("import time; time.sleep(1.5)")
        time.sleep(0.3)          # the other client's cell has started
        done = done_counter(console)
        type_slowly(console, "x_busy = 1\ny_busy = 2\n", delay=10)
        wait_for(lambda: done, 20, "the typed cell to run")
        console.executed.disconnect(done.append)
        assert done[0]["status"] == "ok", done[0]
        text = console.output_text()
        assert re.search(r"In \[\d+\]: x_busy = 1\n +\.\.\.: y_busy = 2\n", text), text[-400:]
        assert user_value(console, "x_busy") == "1"
        assert user_value(console, "y_busy") == "2"
    finally:
        other.stop_channels()


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
    done = done_counter(console)
    type_slowly(console, "twice_fast = 7\n\n", delay=1)
    wait_for(lambda: done, 20, "the cell to run")
    QTest.qWait(300)
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
