"""A Qt application with a console widget on a separate kernel process.

The application's own buttons send code to the kernel through the console, so the
user sees what ran and can carry on by hand. The kernel is any kernelspec
(``--kernel python3`` for ipykernel); it is restarted if it dies, and shut down
with the window.

    python examples/qt_app_with_console.py [--kernel NAME]
    python examples/qt_app_with_console.py --smoke       # drives itself, prints, exits
"""

import argparse
import sys

from PyQt5 import QtCore, QtWidgets

from ipylite.qtconsole import ConsoleWidget


class DataWindow(QtWidgets.QMainWindow):
    def __init__(self, kernel="ipylite"):
        super().__init__()
        self.setWindowTitle("Data explorer")
        self.console = ConsoleWidget.on_new_kernel(kernel, banner=True)
        load = QtWidgets.QPushButton("Load sample data")
        load.clicked.connect(lambda: self.console.execute(
            "data = [x * x for x in range(10)]\nprint('loaded', len(data), 'rows')"))
        stats = QtWidgets.QPushButton("Summary")
        stats.clicked.connect(lambda: self.console.execute(
            "{'n': len(data), 'sum': sum(data), 'max': max(data)}"))
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(load)
        buttons.addWidget(stats)
        buttons.addStretch(1)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.addLayout(buttons)
        layout.addWidget(self.console, 1)
        self.setCentralWidget(central)
        self.load_button, self.stats_button = load, stats
        self.resize(760, 520)

    def closeEvent(self, event):
        self.console.shutdown()
        super().closeEvent(event)


def smoke(app, win):
    c = win.console
    replies = []

    def step():
        if not c.is_ready:
            return QtCore.QTimer.singleShot(20, step)
        c.executed.connect(after)
        win.load_button.click()
        win.stats_button.click()   # queued behind the first cell

    def after(reply):
        replies.append(reply["status"])
        if len(replies) == 2:
            c.flush_output()
            lines = c.output_text().strip().splitlines()
            print("statuses:", replies)
            print("output:", [ln for ln in lines if "loaded" in ln or "Out[" in ln][-2:])
            win.close()
            app.quit()
    QtCore.QTimer.singleShot(0, step)
    QtCore.QTimer.singleShot(30000, lambda: (print("timed out"), app.exit(1)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kernel", default="ipylite")
    p.add_argument("--smoke", action="store_true")
    args = p.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    win = DataWindow(args.kernel)
    win.show()
    if args.smoke:
        smoke(app, win)
    code = app.exec_()
    win.console.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
