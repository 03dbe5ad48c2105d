"""Built-in magics for extensions: %load_ext, %reload_ext, %unload_ext (modules with
load_ipython_extension(ip)), and the built-in autoreload extension (%autoreload,
%aimport).

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import sys

from .magics import Magics, register_magics
from .display import UsageError


class ExtensionMagics(Magics):
    """%load_ext, %reload_ext, %unload_ext on modules with load_ipython_extension(ip)."""

    def _module(self, name, reload=False):
        import importlib
        if name in BUILTIN_EXTENSIONS:
            return BUILTIN_EXTENSIONS[name]
        try:
            if reload and name in sys.modules:
                return importlib.reload(sys.modules[name])
            return importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                raise UsageError('%%load_ext: no module named %r' % name) from None
            raise

    def line_load_ext(self, line):
        """%load_ext module: call module.load_ipython_extension(ip)."""
        name = line.strip()
        if not name:
            raise UsageError('%load_ext: missing module name')
        state = self.shell.magics_state
        if name in state.extensions:
            print('The %s extension is already loaded. To reload it, use:\n'
                  '  %%reload_ext %s' % (name, name))
            return
        module = self._module(name)
        if not hasattr(module, 'load_ipython_extension'):
            raise UsageError('%%load_ext: module %r has no load_ipython_extension()' % name)
        module.load_ipython_extension(self.shell)
        state.extensions[name] = module

    def line_unload_ext(self, line):
        """%unload_ext module: call module.unload_ipython_extension(ip)."""
        name = line.strip()
        state = self.shell.magics_state
        if name not in state.extensions:
            raise UsageError('%%unload_ext: extension %r is not loaded' % name)
        module = state.extensions.pop(name)
        if hasattr(module, 'unload_ipython_extension'):
            module.unload_ipython_extension(self.shell)

    def line_reload_ext(self, line):
        """%reload_ext module: unload (if loaded), re-import and load again."""
        name = line.strip()
        state = self.shell.magics_state
        if name in state.extensions:
            self.line_unload_ext(name)
        module = self._module(name, reload=True)
        module.load_ipython_extension(self.shell)
        state.extensions[name] = module


class _Autoreload:
    """The autoreload extension: %autoreload 0|1|2|3 and %aimport."""

    def __init__(self):
        self.shells = {}

    def load_ipython_extension(self, shell):
        reloader = Reloader(shell)
        self.shells[id(shell)] = reloader
        register_magics(shell, reloader)
        shell.events.register('pre_run_cell', reloader.pre_run_cell)

    def unload_ipython_extension(self, shell):
        reloader = self.shells.pop(id(shell), None)
        if reloader:
            shell.events.unregister('pre_run_cell', reloader.pre_run_cell)


class Reloader(Magics):
    """Reload changed modules before each cell, updating old functions and classes
    in place so that names imported earlier see the new code."""

    def __init__(self, shell):
        super().__init__(shell)
        self.mode = 0
        self.modules, self.skip = set(), set()
        self.mtimes = {}
        self._scan(record=True)

    def _files(self):
        for name, module in list(sys.modules.items()):
            path = getattr(module, '__file__', None)
            if path and path.endswith('.py') and not path.startswith(sys.prefix) \
                    and not path.startswith(sys.base_prefix):
                yield name, module, path

    def _scan(self, record=False):
        changed = []
        for name, module, path in self._files():
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            old = self.mtimes.get(name)
            self.mtimes[name] = mtime
            if not record and old is not None and mtime != old:
                changed.append((name, module))
        return changed

    def line_autoreload(self, line):
        """%autoreload [0|1|2|3]: 0 off; 1 reload the %aimport'ed modules; 2 every
        changed module (but those excluded with %aimport -mod); 3 as 2, and new
        names too. No argument: reload everything changed now."""
        arg = line.strip() or 'now'
        names = {'off': 0, 'explicit': 1, 'all': 2, 'complete': 3, 'now': None}
        if arg in names:
            mode = names[arg]
        elif arg in ('0', '1', '2', '3'):
            mode = int(arg)
        else:
            raise UsageError('%%autoreload: expected 0, 1, 2 or 3, not %r' % arg)
        if mode is None:
            self.reload_changed(force=True)
        else:
            self.mode = mode

    def line_aimport(self, line):
        """%aimport mod[, mod2]: import and mark for reloading (-mod: never)."""
        import importlib
        if not line.strip():
            print('Modules to reload:\n%s\n\nModules to skip:\n%s' % (
                ' '.join(sorted(self.modules)), ' '.join(sorted(self.skip))))
            return
        for name in (n.strip() for n in line.split(',')):
            if name.startswith('-'):
                self.skip.add(name[1:])
                self.modules.discard(name[1:])
                continue
            module = importlib.import_module(name)
            self.modules.add(name)
            self.skip.discard(name)
            self.shell.user_ns[name.split('.')[0]] = sys.modules[name.split('.')[0]]
            self.mtimes.setdefault(name, os.stat(module.__file__).st_mtime)

    def pre_run_cell(self, info=None):
        if self.mode:
            self.reload_changed()

    def reload_changed(self, force=False):
        import importlib
        for name, module in self._scan():
            if name in self.skip or (self.mode == 1 and not force and name not in self.modules):
                continue
            old = dict(module.__dict__)
            try:
                importlib.reload(module)
            except Exception:
                sys.stderr.write('[autoreload of %s failed]\n' % name)
                self.shell.showtraceback()
                continue
            for key, value in old.items():
                _update(value, module.__dict__.get(key))
            if self.mode == 3:
                self._add_new_names(module, old)

    def _add_new_names(self, module, old):
        """%autoreload 3: names new in a module reach a namespace that imported
        names from it (`from mod import f`), as IPython's complete mode does."""
        ns = self.shell.user_ns
        if not any(ns.get(k) is v for k, v in old.items() if not k.startswith('_')):
            return
        for key, value in module.__dict__.items():
            if key not in old and not key.startswith('_') and key not in ns:
                ns[key] = value


def _update(old, new):
    """Make the old function or class behave as the new one."""
    import types
    if new is None or old is new:
        return
    if isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType):
        for attr in ('__code__', '__defaults__', '__doc__', '__kwdefaults__', '__dict__'):
            try:
                setattr(old, attr, getattr(new, attr))
            except (AttributeError, TypeError, ValueError):
                pass
    elif isinstance(old, type) and isinstance(new, type):
        for key, value in list(new.__dict__.items()):
            if key in ('__dict__', '__weakref__', '__module__', '__qualname__'):
                continue
            oldvalue = old.__dict__.get(key)
            if isinstance(oldvalue, types.FunctionType) and isinstance(value, types.FunctionType):
                _update(oldvalue, value)
            else:
                try:
                    setattr(old, key, value)
                except (AttributeError, TypeError):
                    pass


BUILTIN_EXTENSIONS = {'autoreload': _Autoreload()}


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (ExtensionMagics,)
