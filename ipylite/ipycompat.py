"""Code written for IPython, run by ipylite.

    install(shell)        once per process, by the kernel and the terminal:
      with IPython installed, IPython.get_ipython() returns ipylite's shell, IPython's
      display functions show through ipylite, and IPython's Magics classes (the
      extensions line_profiler, memory_profiler...) accept ipylite's shell;
      without IPython, `import IPython...` finds a small package made of ipylite's own
      names (get_ipython, IPython.display, IPython.core.magic...). That finder sits at
      the end of sys.meta_path, so it answers only when nothing else finds IPython: an
      installed IPython is never shadowed.

(IPython's Magics classes are registered by magics.register_magics itself.)

IPython itself is optional: nothing here imports it unless it is installed and asked for.
"""
import importlib.abc
import importlib.util
import sys

__all__ = ['install']

_GETIPYTHON = 'IPython.core.getipython'


# ----------------------------------------------------- with IPython installed

def _route_get_ipython(module):
    from .shell import get_ipython
    module.get_ipython = get_ipython
    top = sys.modules.get('IPython')
    if top is not None and hasattr(top, 'get_ipython'):
        top.get_ipython = get_ipython


# -------------------------------------------------- without IPython installed

def _display_names():
    from . import display
    names = {n: getattr(display, n) for n in display.__all__}
    return names


def _magic_names():
    from . import magics
    names = {n: getattr(magics, n) for n in magics.__all__}
    names['needs_local_scope'] = lambda func: func
    return names


def _shell_names():
    from .shell import Shell
    return {'InteractiveShell': Shell, 'InteractiveShellABC': Shell}


def _terminal_names():
    from .shell import Shell

    class TerminalInteractiveShell(Shell):
        """The type code written for IPython checks to tell a terminal from a kernel
        (sympy, for one); ipylite's shells are plain Shells, in a kernel and a terminal."""
    return {'TerminalInteractiveShell': TerminalInteractiveShell}


def _top_names():
    from . import __version__, embed, embed_kernel
    from .shell import get_ipython
    return {'get_ipython': get_ipython, 'embed': embed, 'embed_kernel': embed_kernel,
            # the IPython API these names follow (code checks it to pick an API shape)
            '__version__': '9.0.0', 'version_info': (9, 0, 0, ''),
            'ipylite_version': __version__}


def _pretty_names():
    def pretty(obj, *args, **kwargs):
        from .display import DisplayFormatter
        from .shell import get_ipython
        shell = get_ipython()
        return (shell.display_formatter if shell else DisplayFormatter()).plain(obj)
    return {'pretty': pretty}


def _capture_names():
    from .magics_display import CapturedIO, capture_output
    return {'CapturedIO': CapturedIO, 'capture_output': capture_output}


def _pylab_names():
    from .display import print_figure
    return {'print_figure': print_figure}


def _page_names():
    def page(data, start=0, screen_lines=0, pager_cmd=None):
        from .shell import get_ipython
        shell = get_ipython()
        if shell is not None:
            shell.page(data, start)
        else:
            print(data if isinstance(data, str) else data.get('text/plain', ''))
    return {'page': page}


def _error_names():
    from .shell import UsageError
    return {'UsageError': UsageError}


def _struct_names():
    from .magics import Struct
    return {'Struct': Struct}


def _getipython_names():
    from .shell import get_ipython
    return {'get_ipython': get_ipython}


class BackgroundJob:
    """A function or an expression run in a thread of its own (IPython.lib.backgroundjobs'
    job): .status, .result once it has finished, .traceback() if it died."""

    def __init__(self, num, target, text, daemon=False):
        import threading
        self.num, self.strform, self._target = num, text, target
        self.status, self.result, self._tb = 'Not started', '<BackgroundJob has not completed>', None
        self.thread = threading.Thread(target=self._run, daemon=daemon,
                                       name='ipylite-job-%d' % num)

    def __repr__(self):
        return '<BackgroundJob #%d: %s>' % (self.num, self.strform)

    def __str__(self):
        return self.strform

    def _run(self):
        self.status = 'Running'
        try:
            self.result = self._target()
        except BaseException:
            import traceback
            self._tb = traceback.format_exc()
            self.status = 'Dead (Exception), call jobs.traceback() for details'
        else:
            self.status = 'Completed'

    def traceback(self):
        print(self._tb)         # (None while it has not died, as IPython's prints)

    def join(self, timeout=None):
        self.thread.join(timeout)


class BackgroundJobManager:
    """Jobs in threads while the shell goes on: jobs.new(func, *args, kw={...}) or
    jobs.new('expression'), jobs.status(), jobs[n].result, jobs.traceback(), jobs.flush()."""

    def __init__(self):
        self.all, self._next = {}, 0

    def new(self, func_or_exp, *args, **kwargs):
        if callable(func_or_exp):
            kw = kwargs.get('kw', {})
            job_target, text = (lambda: func_or_exp(*args, **kw)), str(func_or_exp)
        elif isinstance(func_or_exp, str):
            if args:
                glob, loc = args[0], args[1] if len(args) > 1 else args[0]
            else:
                from .shell import get_ipython
                shell = get_ipython()
                frame = sys._getframe(1)
                glob = shell.user_global_ns if shell else frame.f_globals
                loc = shell.user_ns if shell else frame.f_locals
            code = compile(func_or_exp, '<BackgroundJob compilation>', 'eval')
            job_target, text = (lambda: eval(code, glob, loc)), func_or_exp
        else:
            raise TypeError('invalid args for new job: give a callable or an expression')
        job = BackgroundJob(self._next, job_target, text, kwargs.get('daemon', False))
        self.all[self._next] = job
        self._next += 1
        job.thread.start()
        return job

    def __getitem__(self, num):
        return self.all[num]

    def __call__(self):
        return self.status()

    def _groups(self):
        groups = {'Running': [], 'Completed': [], 'Dead': []}
        for job in self.all.values():
            key = 'Dead' if job.status.startswith('Dead') else \
                'Completed' if job.status == 'Completed' else 'Running'
            groups[key].append(job)
        return groups

    def status(self, verbose=False):
        """Print the jobs, grouped as running, completed and dead."""
        for name, jobs in self._groups().items():
            if jobs:
                print('%s jobs:' % name)
                for job in jobs:
                    print('%s : %s' % (job.num, job))
                print()

    def result(self, num):
        return self.all[num].result

    def remove(self, num):
        job = self.all[num]
        if job.status == 'Running':
            print('Job #%s is still running, it can not be removed.' % num)
            return
        del self.all[num]

    def flush(self):
        """Forget the finished jobs (completed and dead)."""
        flushed = False
        for name in ('Completed', 'Dead'):
            jobs = self._groups()[name]
            if jobs:
                print('Flushing %s %s jobs.' % (len(jobs), name))
                for job in jobs:
                    del self.all[job.num]
                flushed = True
        if not flushed:
            print('No jobs to flush.')

    def traceback(self, job=None):
        """Print the traceback of a dead job (all the dead ones by default)."""
        jobs = [self.all[job]] if isinstance(job, int) else [job] if job else \
            self._groups()['Dead']
        for j in jobs:
            if j._tb:
                print('Traceback for: %r' % j)
                j.traceback()
                print()


def _jobs_names():
    return {'BackgroundJobManager': BackgroundJobManager, 'BackgroundJob': BackgroundJob}


# module name -> (is a package, function returning its names)
_MODULES = {
    'IPython': (True, _top_names),
    'IPython.display': (False, _display_names),
    'IPython.core': (True, dict),
    'IPython.core.display': (False, _display_names),
    'IPython.core.display_functions': (False, _display_names),
    'IPython.core.magic': (False, _magic_names),
    'IPython.core.getipython': (False, _getipython_names),
    'IPython.core.interactiveshell': (False, _shell_names),
    'IPython.terminal': (True, dict),
    'IPython.terminal.interactiveshell': (False, _terminal_names),
    'IPython.core.pylabtools': (False, _pylab_names),
    'IPython.core.page': (False, _page_names),
    'IPython.core.error': (False, _error_names),
    'IPython.utils.ipstruct': (False, _struct_names),
    'IPython.lib': (True, dict),
    'IPython.lib.pretty': (False, _pretty_names),
    'IPython.lib.backgroundjobs': (False, _jobs_names),
    'IPython.lib.display': (False, _display_names),
    'IPython.utils': (True, dict),
    'IPython.utils.capture': (False, _capture_names),
}


class _FallbackFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The `IPython` package made of ipylite's names, for when IPython is absent."""

    def find_spec(self, name, path=None, target=None):
        if name not in _MODULES:
            return None
        top = sys.modules.get('IPython')
        if name != 'IPython' and not getattr(top, '__ipylite__', False):
            return None         # a real IPython is loaded: never mix in ours
        is_package, _ = _MODULES[name]
        return importlib.util.spec_from_loader(name, self, is_package=is_package)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        is_package, names = _MODULES[module.__name__]
        module.__dict__.update(names())
        module.__ipylite__ = True
        if is_package:
            module.__path__ = []


def _real_ipython():
    """Whether a real IPython is importable (asking every finder but ours)."""
    top = sys.modules.get('IPython')
    if top is not None:
        return not getattr(top, '__ipylite__', False)
    for finder in sys.meta_path:
        if isinstance(finder, _FallbackFinder) or not hasattr(finder, 'find_spec'):
            continue
        try:
            if finder.find_spec('IPython', None) is not None:
                return True
        except Exception:
            continue
    return False


def install(shell=None):
    """Make code written for IPython work in this process (see the module's doc)."""
    import builtins
    from .display import PatchingFinder, display, route_ipython_display
    from .shell import get_ipython
    builtins.get_ipython = get_ipython       # as IPython does, for %run scripts too
    builtins.display = display
    if _real_ipython():
        route_ipython_display()
        if _GETIPYTHON in sys.modules:
            _route_get_ipython(sys.modules[_GETIPYTHON])
        elif not PatchingFinder(_GETIPYTHON, _route_get_ipython).installed():
            sys.meta_path.insert(0, PatchingFinder(_GETIPYTHON, _route_get_ipython))
    elif not any(isinstance(f, _FallbackFinder) for f in sys.meta_path):
        sys.meta_path.append(_FallbackFinder())
