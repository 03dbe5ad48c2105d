"""The Qt console's rich output and its smaller corners, offscreen, on real kernels:
LaTeX as IPython, sympy and ipylite write it, the in-process console with matplotlib
and Ctrl-C, the pager's File line, fonts of the help table and of Markdown code."""

import os
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402

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
