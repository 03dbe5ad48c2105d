"""A Qt application that embeds a kernel on its own namespace.

`embed_kernel(gui="qt")` serves Jupyter clients from inside the app while the app's
Qt event loop keeps running on the same thread: the window stays responsive and a
console can read and change the live widgets. Connect with the line it prints:

    python examples/qt_app_embed_kernel.py
    python -m ipylite.qtconsole --existing kernel-....json     # in another terminal
    In [1]: label.setText("changed from the console")
    In [2]: ticks.value                                          # still counting

Shutting the kernel down from the console (`exit` in a console, or its Kernel menu)
returns from embed_kernel, and the app goes on to close.
"""

import sys

from PyQt5 import QtCore, QtWidgets

from ipylite import embed_kernel


class Ticks:
    value = 0


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    window = QtWidgets.QWidget()
    window.setWindowTitle("An app with an embedded kernel")
    label = QtWidgets.QLabel("waiting for a console")
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(label)
    window.show()
    ticks = Ticks()
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: setattr(ticks, "value", ticks.value + 1))
    timer.start(20)
    embed_kernel(gui="qt")          # serves until a client shuts the kernel down
    print("after the kernel:", label.text(), flush=True)
    window.close()
    return app


if __name__ == "__main__":
    main()
