"""Built-in magics about the kernel a shell runs in: %connect_info, %qtconsole,
%autosave, %subshell, and %man (the man page in the pager).

Registered by the kernel on its shell (Kernel.__init__), not at the terminal, as
ipykernel does; see magics.py for the machinery.
"""

import os
import sys

from .magics import Magics
from .display import UsageError


class KernelMagics(Magics):
    """Magics about the kernel this shell runs in: %connect_info, %qtconsole, %autosave,
    %subshell, %man."""

    def _kernel(self, magic):
        kernel = getattr(self.shell, 'kernel', None)
        if kernel is None or not getattr(kernel, 'connection_file', None):
            raise UsageError('%%%s: this shell does not run in a kernel with a connection '
                             'file' % magic)
        return kernel

    def line_connect_info(self, line):
        """%connect_info: this kernel's connection information, and how to connect a
        console to it."""
        import json
        kernel = self._kernel('connect_info')
        info = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in kernel.info.items()}
        name = os.path.basename(kernel.connection_file)
        print(json.dumps(info, indent=2))
        print('\nPaste the above JSON into a file, and connect with:\n'
              '    $> python -m ipylite --existing <file>\n'
              'or, if you are local, you can connect with just:\n'
              '    $> python -m ipylite --existing %s\n'
              'or even just:\n'
              '    $> python -m ipylite --existing\n'
              'if this is the most recent kernel you have started.' % name)

    def line_qtconsole(self, line):
        """%qtconsole [options]: open ipylite's Qt console on this kernel."""
        import shlex
        import subprocess
        kernel = self._kernel('qtconsole')
        from .protocol import PACKAGE
        argv = [sys.executable, '-m', PACKAGE + '.qtconsole', '--existing',
                kernel.connection_file] + shlex.split(line)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        procs = self.shell.magics_state.__dict__.setdefault('qtconsoles', [])
        procs[:] = [p for p in procs if p.poll() is None] + [proc]

    def line_autosave(self, line):
        """%autosave N: ask the notebook page to save every N seconds (0: never), as
        IPython's does (the page acts on it if it knows the classic notebook's call)."""
        from .display import Javascript, display
        try:
            interval = int(line.strip())
        except ValueError:
            raise UsageError('%%autosave: %r is not a number of seconds' % line.strip()) from None
        display(Javascript('IPython.notebook.set_autosave_interval(%i)' % (interval * 1000)))
        print('Autosaving every %i seconds' % interval if interval else 'Autosave disabled')

    def line_subshell(self, line):
        """%subshell: this kernel's subshells, and which thread runs this cell.
        ipylite's kernel has only its main shell, so the subshell id is None and
        the list is empty (the layout is ipykernel 7's)."""
        import threading
        print('subshell id: None')
        print('thread id: %s' % threading.current_thread().ident)
        print('main thread id: %s' % threading.main_thread().ident)
        print('pid: %s' % os.getpid())
        print('thread count: %s' % threading.active_count())
        print('subshell list: []')

    if os.name == 'posix':
        def line_man(self, line):
            """%man topic: the manual page of topic in the pager (a frontend has no
            terminal for man's own pager)."""
            self.shell.page(self.shell.getoutput('man %s | col -b' % line, split=False))


# the built-in magics this module holds (the kernel registers them on its shell)
CLASSES = (KernelMagics,)
