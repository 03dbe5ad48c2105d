"""A Qt application that opens a console on its own live objects.

The kernel runs inside the application (ipylite's in-process kernel), on the main
thread with the application's event loop: a cell runs between two Qt events, so it
can read and change the widgets themselves. Try, in the console:

    window.setWindowTitle("changed from the console")
    counter.value += 10
    label.text()

    python examples/qt_app_inspect_itself.py            # opens the window
    python examples/qt_app_inspect_itself.py --smoke    # drives itself, prints, exits
"""

import sys

from PyQt5 import QtCore, QtWidgets

from ipylite.inprocess import InProcessKernelManager
from ipylite.qtconsole import ConsoleWidget


class Counter:
    def __init__(self):
        self.value = 0


def build():
    window = QtWidgets.QWidget()
    window.setWindowTitle("An app with a console on itself")
    counter = Counter()
    label = QtWidgets.QLabel("clicked 0 times")
    button = QtWidgets.QPushButton("Click me")

    def clicked():
        counter.value += 1
        label.setText(f"clicked {counter.value} times")
    button.clicked.connect(clicked)

    # The console's kernel shares this program's objects (threaded=False: cells run
    # on the main thread, where Qt objects live).
    km = InProcessKernelManager(user_ns={"window": window, "counter": counter,
                                         "label": label, "button": button},
                                threaded=False)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    console = ConsoleWidget(client=kc, manager=km, owns_kernel=True, banner=False)

    layout = QtWidgets.QVBoxLayout(window)
    layout.addWidget(label)
    layout.addWidget(button)
    layout.addWidget(console, 1)
    window.resize(700, 500)
    return window, console, button, counter


def smoke(app, window, console, button, counter):
    """Click, then look at and change the app from the console; print what happened."""
    def step():
        if not console.is_ready:
            return QtCore.QTimer.singleShot(20, step)
        button.click()
        button.click()
        console.executed.connect(finish)
        console.execute("label.setText('set by the console'); counter.value * 100")

    def finish(reply):
        console.flush_output()
        print("status:", reply["status"])
        print("output:", console.output_text().strip().splitlines()[-1])
        print("label:", window.findChild(QtWidgets.QLabel).text())
        console.shutdown()
        app.quit()
    QtCore.QTimer.singleShot(0, step)
    QtCore.QTimer.singleShot(20000, lambda: (print("timed out"), app.exit(1)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    window, console, button, counter = build()
    window.show()
    if "--smoke" in argv:
        smoke(app, window, console, button, counter)
    code = app.exec_()
    console.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
