"""The Qt console's rich output and its smaller corners, offscreen, on real kernels:
LaTeX as IPython, sympy and ipylite write it, the in-process console with matplotlib
and Ctrl-C, the pager's File line, fonts of the help table and of Markdown code."""

import os
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402

from ipylite.protocol import KernelClient  # noqa: E402
from ipylite.qtconsole import ConsoleWidget  # noqa: E402
from ipylite.qtwidgets import image_names  # noqa: E402
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


def images_shown(c):
    c.flush_output()
    return len(image_names(c.output.document()))


# ---------------------------------------------------------------- LaTeX

@pytest.mark.parametrize("code", [
    "from IPython.display import Math, display\ndisplay(Math(r'\\frac{a}{b} \\le c'))",
    "from ipylite.display import Math, display\ndisplay(Math(r'\\sum_{n=1}^\\infty 2^{-n} = 1'))",
    "import sympy\nsympy.init_printing()\nx = sympy.Symbol('x')\n"
    "sympy.Integral(sympy.exp(-x**2), (x, 0, sympy.oo))",
    "sympy.Matrix([[1, x], [x**2, 2]])",
    "sympy.Piecewise((x, x > 0), (0, True))",
], ids=["ipython-math", "ipylite-math", "sympy-integral", "sympy-matrix", "sympy-cases"])
def test_displaystyle_latex_is_drawn_not_shown_as_source(console, code):
    before = images_shown(console)
    assert run(console, code)["status"] == "ok"
    assert images_shown(console) == before + 1
    assert "displaystyle" not in console.output_text()


# ---------------------------------------------------------------- in-process

@pytest.fixture
def in_process(qapp):
    c = ConsoleWidget.in_process()
    c.resize(700, 500)
    c.show()
    try:
        wait_for(lambda: c.is_ready, 10, "the in-process kernel")
        yield c
    finally:
        c.shutdown()


def test_in_process_matplotlib_draws_inline_without_the_magic(in_process):
    c = in_process
    before = images_shown(c)
    reply = run(c, "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()")
    assert reply["status"] == "ok", reply
    assert "set_wakeup_fd" not in c.output_text()
    assert images_shown(c) == before + 1
    # the host's environment is its own again: kernels it starts later keep their
    # defaults (ipykernel's inline figures)
    assert "MPLBACKEND" not in os.environ


def test_in_process_ctrl_c_interrupts_a_sleep_at_once(in_process):
    c = in_process
    done = []
    c.executed.connect(done.append)
    c.input_buffer = "import time\ntime.sleep(5)\nprint('slept')"
    QTest.keyClick(c.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(lambda: c.executing, 5, "the cell to start")
    QTest.qWait(300)
    t0 = time.monotonic()
    QTest.keyClick(c.editor, Qt.Key_C, Qt.ControlModifier)
    wait_for(lambda: done, 10, "the interrupted cell to end")
    assert time.monotonic() - t0 < 1.5
    assert done[0]["status"] == "error" and done[0]["ename"] == "KeyboardInterrupt"
    assert "\nslept\n" not in c.output_text()
    assert run(c, "1 + 1")["status"] == "ok"     # and the kernel goes on


# ---------------------------------------------------------------- small things

def test_help_on_a_class_from_a_cell_names_the_cell_not_the_kernel(console):
    run(console, "class K:\n    def m(self):\n        pass")
    run(console, "K?")
    wait_for(console.pager.isVisible, 5, "the pager")
    text = console.pager.toPlainText()
    assert "kernel.py" not in text
    assert any(ln.startswith("File:") and "Cell In[" in ln for ln in text.splitlines()), text
    QTest.keyClick(console.editor, Qt.Key_Escape)
    other = KernelClient(console.client.info)     # and over the wire (inspect_request)
    other.start_channels()
    try:
        other.inspect("K", 1, 1)
        reply = other.get_shell_msg(timeout=10)["content"]
    finally:
        other.stop_channels()
    text = reply["data"]["text/plain"]
    assert "kernel.py" not in text and "Cell In[" in text, text


def is_monospace(font):
    fm = QtGui.QFontMetrics(font)
    return fm.horizontalAdvance("iiii") == fm.horizontalAdvance("WWWW")


def fixed_pitch_at(c, text):
    """Whether the scrollback's last ``text`` (not the echo above) is fixed-pitch."""
    doc = c.output.document()
    found = doc.find(text, doc.characterCount(), QtGui.QTextDocument.FindBackward)
    assert not found.isNull(), text
    cur = QtGui.QTextCursor(c.output.document())
    cur.setPosition(found.selectionStart() + 1)
    return is_monospace(cur.charFormat().font())


def test_markdown_code_is_monospace(console):
    run(console, "from ipylite.display import Markdown, display\n"
                 "display(Markdown('Call `np_inline_code()` now\\n\\n"
                 "```\\nfenced_code = 1\\n```'))")
    assert fixed_pitch_at(console, "np_inline_code()")
    assert fixed_pitch_at(console, "fenced_code = 1")
    assert not fixed_pitch_at(console, "Call ")


def test_the_shortcuts_table_is_monospace(qapp):
    from ipylite.qtconsole import ConsoleWindow
    win = ConsoleWindow(lambda: None)
    try:
        box = win.show_shortcuts()
        QTest.qWait(50)
        label = box.findChild(QtWidgets.QLabel, "qt_msgbox_label")
        doc = QtGui.QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setHtml(label.text())
        found = doc.find("Ctrl+Shift+T")
        cur = QtGui.QTextCursor(doc)
        cur.setPosition(found.selectionStart() + 1)
        assert is_monospace(cur.charFormat().font())
        # the columns line up: every description starts at the same offset
        lines = [ln for ln in doc.toPlainText().splitlines() if ln.strip()]
        starts = {len(ln) - len(ln.split("  ")[-1].lstrip()) for ln in lines}
        assert len(starts) == 1, starts
        box.close()
    finally:
        win.close()
        win.deleteLater()
