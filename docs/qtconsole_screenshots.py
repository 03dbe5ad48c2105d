"""Regenerate the Qt console screenshots in docs/ (offscreen, a fresh ipylite kernel):

    QT_QPA_PLATFORM=offscreen python docs/qtconsole_screenshots.py
"""

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from PyQt5 import QtCore, QtWidgets  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402

from ipylite.qtconsole import ConsoleWidget  # noqa: E402


def wait_for(pred, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QTest.qWait(20)
        if pred():
            return
    raise TimeoutError("the console did not get there")


def run(c, code):
    done = []
    c.executed.connect(done.append)
    c.execute(code)
    wait_for(lambda: done)
    c.executed.disconnect(done.append)
    c.flush_output()


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    c = ConsoleWidget.on_new_kernel("ipylite", font_size=11)
    c.resize(760, 560)
    c.show()
    try:
        wait_for(lambda: c.is_ready)
        run(c, "%matplotlib inline\nimport numpy as np, matplotlib.pyplot as plt")
        run(c, "x = np.linspace(0, 4 * np.pi, 400)\n"
               "fig, ax = plt.subplots(figsize=(5, 2.6))\n"
               "ax.plot(x, np.sin(x), label='sin')\nax.plot(x, np.cos(x) * np.exp(-x / 8), "
               "label='damped cos')\nax.legend(); ax.set_title('inline figure')")
        run(c, "from ipylite.display import Latex\nLatex(r'$\\int_0^\\infty e^{-x^2}dx = "
               "\\frac{\\sqrt{\\pi}}{2}$')")
        c.grab().save(os.path.join(HERE, "qtconsole-figure.png"))

        c.clear()
        run(c, "def resample(data, rate, method='linear', *, axis=0):\n"
               "    '''Resample ``data`` to ``rate`` samples per second.\n\n"
               "    method: 'linear' or 'nearest'. Returns a new array.'''\n"
               "    return data")
        QTest.keyClicks(c.editor, "resample(")
        wait_for(c.calltip.isVisible)
        c.grab().save(os.path.join(HERE, "qtconsole-calltip.png"))
        QTest.keyClick(c.editor, QtCore.Qt.Key_Escape)

        c.input_buffer = ""
        QTest.keyClicks(c.editor, "np.lin")
        QTest.keyClick(c.editor, QtCore.Qt.Key_Tab)
        wait_for(c.popup.isVisible)
        QTest.keyClick(c.editor, QtCore.Qt.Key_Down)
        c.grab().save(os.path.join(HERE, "qtconsole-completion.png"))
    finally:
        c.shutdown()
    del app


if __name__ == "__main__":
    main()
