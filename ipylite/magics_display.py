"""Built-in magics that show the cell or what it prints: %%html (%%HTML), %%markdown,
%%latex, %%svg (%%SVG), %%javascript (%%js), %%capture (and capture_output, the
same as a context manager), %gui, %pylab.

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
        if not any(isinstance(f, OtherQtBindings) for f in sys.meta_path):
            sys.meta_path.insert(0, OtherQtBindings())
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

    def line_pylab(self, line):
        """%pylab [--no-import-all] [gui]: deprecated; %matplotlib, then numpy and
        matplotlib's names in the namespace.

        Turns on matplotlib as %matplotlib gui does (inline in a kernel), then runs
        `import numpy, matplotlib`, `from matplotlib import pylab, mlab, pyplot`,
        `np = numpy`, `plt = pyplot` and (unless --no-import-all) `from
        matplotlib.pylab import *` and `from numpy import *`, and adds figsize(),
        getfigs() and display(). These names are hidden from %who; a name of yours
        they replace is named in a warning. Prefer %matplotlib and plain imports."""
        import warnings
        shell = self.shell
        opts, gui = parse_options('pylab', line, '', ('no-import-all',))
        if len(gui.split()) > 1:
            raise UsageError('%%pylab: expected at most one GUI name, not %r' % gui)
        own = shell.magics['line'].get('matplotlib') == getattr(shell, 'magic_matplotlib', None)
        shell.run_line_magic('matplotlib', gui)
        if own and gui in ('', 'auto'):        # (the terminal's %matplotlib says it itself)
            print('Using matplotlib backend: inline')
        ns = {}
        exec('import numpy\nimport matplotlib\nfrom matplotlib import pylab, mlab, pyplot\n'
             'np = numpy\nplt = pyplot\n', ns)
        if 'no-import-all' not in opts:
            exec('from matplotlib.pylab import *\nfrom numpy import *\n', ns)
        from .display import display
        ns.update(figsize=figsize, getfigs=getfigs, display=display)
        ns.pop('__builtins__', None)
        clobbered = [name for name in ns
                     if name in shell.user_ns and shell.user_ns[name] is not ns[name]]
        shell.user_ns.update(ns)
        shell.magics_state.hidden_values.update(ns)
        print('%pylab is deprecated, use %matplotlib inline and import the required '
              'libraries.')
        print('Populating the interactive namespace from numpy and matplotlib')
        if clobbered:
            warnings.warn('pylab import has clobbered these variables: %s\n'
                          '`%%matplotlib` prevents importing * from pylab and numpy'
                          % clobbered)


class OtherQtBindings:
    """After %gui qt (PyQt5), importing another Qt binding raises ImportError, as
    IPython's does: two bindings in one process crash it."""

    OTHERS = ('PyQt4', 'PyQt6', 'PySide', 'PySide2', 'PySide6')

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split('.')[0] in self.OTHERS:
            raise ImportError('importing %s is disabled: %%gui qt has already imported '
                              'an incompatible Qt binding, PyQt5' % fullname, name=fullname)
        return None


def figsize(sizex, sizey):
    """Make [sizex, sizey] (inches) the size of new matplotlib figures."""
    import matplotlib
    matplotlib.rcParams['figure.figsize'] = [sizex, sizey]


def getfigs(*fig_nums):
    """The open matplotlib figures numbered fig_nums (all of them with none); a
    number with no figure is named in a printed warning and skipped."""
    from matplotlib import _pylab_helpers    # pyplot's figure registry
    managers = _pylab_helpers.Gcf.figs
    if not fig_nums:
        return [m.canvas.figure for m in managers.values()]
    figs = []
    for num in fig_nums:
        if num in managers:
            figs.append(managers[num].canvas.figure)
        else:
            print('Warning: figure %s not available.' % num)
    return figs


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (DisplayMagics,)
