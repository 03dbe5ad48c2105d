"""Built-in magics that show the cell or what it prints: %%html (%%HTML), %%markdown,
%%latex, %%svg (%%SVG), %%javascript (%%js), %%capture (and capture_output, the
same as a context manager), %gui.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import sys

from .magics import Magics, parse_options
from .display import UsageError


class CapturedIO:
    """What %%capture caught: stdout, stderr, outputs (displays); show() replays."""

    def __init__(self, stdout, stderr, outputs):
        self.stdout, self.stderr, self.outputs = stdout, stderr, outputs

    def __str__(self):
        return self.stdout

    def show(self):
        from .display import publish_display_data
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)
        for data, metadata in self.outputs:
            publish_display_data(data, metadata)

    __call__ = show


class _CapturePublisher:
    """A display publisher that keeps what it is given."""

    def __init__(self, outputs):
        self.outputs = outputs

    def publish(self, data, metadata=None, transient=None, update=False):
        self.outputs.append((data, metadata or {}))

    def execute_result(self, execution_count, data, metadata):
        self.outputs.append((data, metadata or {}))

    def clear_output(self, wait=False):
        self.outputs.clear()

    def error(self, content):
        self.outputs.append(({'text/plain': '\n'.join(content.get('traceback', []))}, {}))


class capture_output:
    """with capture_output() as cap: ... keeps stdout, stderr and displays in a
    CapturedIO instead of showing them (IPython.utils.capture's shape)."""

    def __init__(self, stdout=True, stderr=True, display=True, shell=None):
        from .display import active_shell as get_ipython
        self.stdout, self.stderr, self.display = stdout, stderr, display
        self.shell = shell or get_ipython()

    def __enter__(self):
        import io
        out, err, outputs = io.StringIO(), io.StringIO(), []
        shell = self.shell
        self.saved = sys.stdout, sys.stderr, getattr(shell, 'display_pub', None)
        if self.stdout:
            sys.stdout = out
        if self.stderr:
            sys.stderr = err
        if self.display and shell is not None:
            shell.display_pub = _CapturePublisher(outputs)
        self.captured = CapturedIO('', '', outputs)
        self.buffers = out, err
        return self.captured

    def __exit__(self, *exc):
        sys.stdout, sys.stderr, pub = self.saved
        if self.shell is not None:
            self.shell.display_pub = pub
        self.captured.stdout = self.buffers[0].getvalue() if self.stdout else ''
        self.captured.stderr = self.buffers[1].getvalue() if self.stderr else ''


class DisplayMagics(Magics):
    """%%html, %%HTML, %%markdown, %%latex, %%svg, %%SVG, %%javascript, %%capture, %gui
    (%matplotlib inline is the Shell's own)."""

    def _show(self, cls, cell):
        from . import display
        display.display(getattr(display, cls)(cell))

    def cell_html(self, line, cell):
        """%%html: show the cell as HTML."""
        self._show('HTML', cell)

    def cell_HTML(self, line, cell):
        """%%HTML: the same as %%html, show the cell as HTML."""
        return self.shell.magics['cell']['html'](line, cell)

    def cell_markdown(self, line, cell):
        """%%markdown: show the cell as Markdown."""
        self._show('Markdown', cell)

    def cell_latex(self, line, cell):
        """%%latex: show the cell as LaTeX."""
        self._show('Latex', cell)

    def cell_svg(self, line, cell):
        """%%svg: show the cell as an SVG image."""
        self._show('SVG', cell)

    def cell_SVG(self, line, cell):
        """%%SVG: the same as %%svg, show the cell as an SVG image."""
        return self.shell.magics['cell']['svg'](line, cell)

    def cell_javascript(self, line, cell):
        """%%javascript: run the cell as JavaScript in the frontend."""
        self._show('Javascript', cell)

    cell_js = cell_javascript

    def cell_capture(self, line, cell):
        """%%capture [--no-stdout] [--no-stderr] [--no-display] [name]: run the cell,
        keeping its output (a CapturedIO) in `name` instead of showing it."""
        flags = ('--no-stdout', '--no-stderr', '--no-display')
        words = line.split()
        opts = {w[2:] for w in words if w in flags}     # options before or after the name
        opts_line, rest = parse_options('capture', ' '.join(w for w in words if w not in flags),
                                        '', ())
        name = rest.strip()
        if name and not name.isidentifier():
            raise UsageError('%%%%capture: %r is not a variable name' % name)
        with capture_output('no-stdout' not in opts, 'no-stderr' not in opts,
                            'no-display' not in opts, self.shell) as captured:
            self.shell.run_cell(cell, store_history=False)
        if name:
            self.shell.user_ns[name] = captured

    def line_gui(self, line):
        """%gui [qt|qt5|none]: run a GUI event loop while the prompt waits, so windows
        stay alive. The terminal lets Qt run while reading input; a kernel polls it
        between messages (shell.gui_poll)."""
        gui = line.strip().lower()
        shell = self.shell
        if gui in ('', 'none'):
            shell.gui, shell.gui_poll = None, None
            return
        if gui not in ('qt', 'qt5'):
            raise UsageError('%%gui: unknown toolkit %r: use qt or none' % gui)
        try:
            from PyQt5 import QtCore, QtWidgets
        except ImportError:
            raise UsageError('%gui qt: PyQt5 is not installed: pip install PyQt5') from None
        if not os.environ.get('XDG_RUNTIME_DIR'):   # else Qt warns on stderr, in the cell
            import tempfile
            os.environ['XDG_RUNTIME_DIR'] = tempfile.mkdtemp(prefix='ipylite-runtime-')
        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0]])
        app.setQuitOnLastWindowClosed(False)
        shell.gui_app = app
        shell.gui = 'qt'

        def poll(timeout=0.0):
            """Run Qt's events for up to `timeout` seconds."""
            app.processEvents(QtCore.QEventLoop.AllEvents, int(timeout * 1000))
        shell.gui_poll = poll
        try:
            QtCore.pyqtRestoreInputHook()       # Qt runs while input() waits
        except AttributeError:
            pass


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (DisplayMagics,)
