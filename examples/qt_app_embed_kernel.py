"""A Qt application that embeds a kernel on its own namespace and opens a console on it.

`embed_kernel(gui="qt")` serves Jupyter clients from inside the app while the app's
Qt event loop keeps running on the same thread: the window stays responsive and a
console can read and change the live widgets. The app's "Open a console" button starts
ipylite's Qt console on that kernel (in a process of its own, as IPython's %qtconsole
does: a console in the kernel's own thread would wait on itself); any other client can
connect with the line the app prints:

    python examples/qt_app_embed_kernel.py                      # then click the button
    In [1]: label.setText("changed from the console")
    In [2]: ticks.value                                          # still counting

Shutting the kernel down from the console (`exit` in a console, or its Kernel menu)
returns from embed_kernel, and the app goes on to close.
"""

import os
import subprocess
import sys

from PyQt5 import QtCore, QtWidgets

from ipylite import embed_kernel
from ipylite.protocol import jupyter_runtime_dir


class Ticks:
    value = 0


def main():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    window = QtWidgets.QWidget()
    window.setWindowTitle("An app with an embedded kernel")
    label = QtWidgets.QLabel("waiting for a console")
    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(label)
    os.makedirs(jupyter_runtime_dir(), exist_ok=True)
    connection_file = os.path.join(jupyter_runtime_dir(), f"kernel-app-{os.getpid()}.json")
    consoles = []

    def open_console():
        """A Qt console on this app's kernel (a process of its own)."""
        consoles.append(subprocess.Popen([sys.executable, "-m", "ipylite.qtconsole",
                                          "--existing", connection_file]))
        return consoles[-1]

    button = QtWidgets.QPushButton("Open a console")
    button.clicked.connect(open_console)
    layout.addWidget(button)
    window.show()
    ticks = Ticks()
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: setattr(ticks, "value", ticks.value + 1))
    timer.start(20)
    embed_kernel(gui="qt", connection_file=connection_file)  # until a client shuts it down
    print("after the kernel:", label.text(), flush=True)
    for console in consoles:    # their kernel is gone
        console.terminate()
        console.wait()
    window.close()
    return app


if __name__ == "__main__":
    main()
