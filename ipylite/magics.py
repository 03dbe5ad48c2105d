"""Magics: commands that don't collide with user variables (``%name``, ``%%name``).

    from ipylite.magics import Magics, line_magic, cell_magic, line_cell_magic

    class MyMagics(Magics):
        @line_magic
        def hello(self, line):            # %hello world
            return line.upper()

        @cell_magic
        def upper(self, line, cell):      # %%upper
            print(cell.upper())

    get_ipython().register_magics(MyMagics)

A plain function works too: ``shell.register_magic_function(f, 'line', 'name')``.
The built-ins live in classes below, one per area; a method named ``line_X`` is the
line magic ``%X``, one named ``cell_X`` the cell magic ``%%X`` (dispatch by name).
Bad use raises UsageError, which the shell shows as one line. Only the standard
library is imported here, and the heavier parts of it (cProfile, pdb, timeit, pickle)
only when a magic needs them. The system and display magics are in sysmagics.py.
"""

import os
import re
import sys
import time

from .debugger import make_debugger
from .display import UsageError, active_shell
from .inspector import safe_repr

__all__ = ['Magics', 'Struct', 'magics_class', 'line_magic', 'cell_magic', 'line_cell_magic',
           'no_var_expand',
           'register_line_magic', 'register_cell_magic', 'register_line_cell_magic',
           'register_magics', 'parse_options', 'Macro', 'TimeitResult']


# ----------------------------------------------------------------- decorators

def _marker(kind):
    def decorate(arg=None):
        def mark(func, name=None):
            func.magic_kind = kind
            func.magic_name = name or func.__name__
            return func
        if callable(arg):
            return mark(arg)
        return lambda func: mark(func, arg)
    decorate.__name__ = kind + '_magic'
    decorate.__doc__ = 'Mark a Magics method (or a function) as a %s magic.' % kind
    return decorate


line_magic, cell_magic, line_cell_magic = (_marker(k) for k in ('line', 'cell', 'line_cell'))


def magics_class(cls):
    """Accepted for IPython compatibility: Magics subclasses need no decorator here."""
    return cls


def no_var_expand(func):
    """Pass the magic's line as typed, without $var / {expr} expansion."""
    func.no_var_expand = True
    return func


def _register_now(kind):
    def decorate(func):
        shell = active_shell()
        if shell is None:
            raise RuntimeError('no active ipylite shell to register %s with' % func.__name__)
        shell.register_magic_function(func, kind, getattr(func, 'magic_name', None))
        return func
    return decorate


register_line_magic, register_cell_magic, register_line_cell_magic = (
    _register_now(k) for k in ('line', 'cell', 'line_cell'))


class Struct(dict):
    """A dict whose keys are attributes too (IPython.utils.ipstruct.Struct)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def merge(self, other=None, **kw):
        """Add other's keys (and kw) that are not here yet; the ones here stay."""
        for key, value in dict(other or {}, **kw).items():
            self.setdefault(key, value)


class Magics:
    """Base for a group of magics sharing state; ``self.shell`` is the Shell."""

    def __init__(self, shell=None):
        self.shell = shell

    def parse_options(self, arg_str, opt_str, *long_opts, **kw):
        """IPython's Magics.parse_options, for magics written for IPython: (a Struct of
        the options, the rest); a flag's value is '', list_all=True makes every value a
        list, mode='list' splits the rest into words."""
        opts, rest = parse_options(getattr(self, 'magic_name', 'magic'), arg_str, opt_str,
                                   tuple(long_opts))
        out = Struct()
        for key, value in opts.items():
            values = [('' if v is True else v) for v in (value if isinstance(value, list)
                                                          else [value])]
            out[key] = values if kw.get('list_all') else values[-1]
        if kw.get('mode') == 'list':
            return out, split_words('magic', rest)
        return out, rest.strip() if kw.get('strict', True) else rest

    def magic_methods(self):
        """[(kind, name, bound method)] for the decorated and line_/cell_ methods."""
        found = []
        for attr in dir(type(self)):
            func = getattr(type(self), attr, None)
            if not callable(func):
                continue
            kind = getattr(func, 'magic_kind', None)
            if kind:
                name = func.magic_name
            elif attr.startswith(('line_', 'cell_')):
                kind, name = attr[:4], attr[5:]
            else:
                continue
            found.append((kind, name, getattr(self, attr)))
        return found


def register_magics(shell, obj):
    """Register a Magics subclass or instance with shell; returns the instance."""
    if is_ipython_magics(obj):
        return register_ipython_magics(shell, obj)
    if isinstance(obj, type):
        obj = obj(shell)
    if obj.shell is None:
        obj.shell = shell
    for kind, name, method in obj.magic_methods():
        shell.register_magic_function(method, kind, name)
    return obj


def is_ipython_magics(obj):
    """Whether obj is an IPython Magics class or instance (traitlets-based, with a
    `magics` table of {'line': {name: method name}, 'cell': {...}})."""
    cls = obj if isinstance(obj, type) else type(obj)
    return any(base.__module__ == 'IPython.core.magic' and base.__name__ == 'Magics'
               for base in cls.__mro__)


def register_ipython_magics(shell, obj):
    """Register the magics of an IPython Magics class or instance with shell."""
    _accept_shell(shell)
    if isinstance(obj, type):
        # IPython's Magics.__init__ makes the shell the traitlets parent when it has a
        # `config`; ipylite's is not a traitlets Configurable, so set .shell afterwards.
        obj = obj(shell=None)
        obj.shell = shell
    for kind in ('line', 'cell'):
        for name, method in obj.magics.get(kind, {}).items():
            if isinstance(method, str):
                method = getattr(obj, method)
            shell.register_magic_function(method, kind, name)
    return obj


def _accept_shell(shell):
    """Let IPython's `Instance(InteractiveShellABC)` traits take ipylite's shell."""
    abc = sys.modules.get('IPython.core.interactiveshell')
    abc = getattr(abc, 'InteractiveShellABC', None)
    if abc is not None and not isinstance(shell, abc):
        abc.register(type(shell))


class MagicState:
    """What the built-in magics remember per shell: extensions, %pdb, aliases..."""

    def __init__(self, shell):
        self.shell = shell
        self.extensions = {}          # name -> module
        self.call_pdb = False
        self.hidden = set()           # names of the initial namespace, hidden from %who
        self.aliases = {}             # name -> command
        self.dir_history = [os.getcwd()]
        self.dir_stack = []
        self.log = None

    def set_pdb(self, on):
        self.call_pdb = bool(on)
        events = self.shell.events
        if on and self._auto_pdb not in events.callbacks['post_run_cell']:
            events.register('post_run_cell', self._auto_pdb)
        elif not on and self._auto_pdb in events.callbacks['post_run_cell']:
            events.unregister('post_run_cell', self._auto_pdb)

    def _auto_pdb(self, result):
        error = result.error_in_exec
        if error is None or isinstance(error, (UsageError, KeyboardInterrupt, SystemExit)):
            return
        try:
            post_mortem(self.shell, error.__traceback__)
        except Exception:       # (no stdin: shown as the cell's error, as IPython does)
            self.shell.showtraceback()


# ----------------------------------------------------------------- helpers

def parse_options(magic, line, spec, long_opts=(), stop_after=''):
    """getopt-style options at the start of line: ``spec`` like 'n:r:oq' (':' takes
    a value), ``long_opts`` like ('no-stdout', 'out=').  Returns (opts dict, rest),
    rest exactly as typed (code keeps its quotes).  A repeated option gives a list;
    options in ``stop_after`` end the options (%run -m mod -v: -v is mod's).
    UsageError names the magic and the bad option."""
    opts, pos = {}, 0
    takes = {c: spec[i + 1:i + 2] == ':' for i, c in enumerate(spec) if c != ':'}
    longs = {o.rstrip('='): o.endswith('=') for o in long_opts}
    while True:
        m = _TOKEN.match(line, pos)
        if not m or not m[1].startswith('-') or m[1] == '-' or re.fullmatch(r'-\d.*', m[1]):
            break
        token, pos = m[1], m.end()
        if token == '--':
            break
        if token.startswith('--'):
            name, eq, value = token[2:].partition('=')
            if name not in longs:
                raise UsageError('%%%s: unknown option --%s' % (magic, name))
            if longs[name] and not eq:
                m = _TOKEN.match(line, pos)
                if not m:
                    raise UsageError('%%%s: option --%s needs a value' % (magic, name))
                value, pos = _unquote(m[1]), m.end()
            _add(opts, name, value if longs[name] else True)
            continue
        i = 1
        while i < len(token):
            c = token[i]
            if c not in takes:
                raise UsageError('%%%s: unknown option -%s' % (magic, c))
            if takes[c]:
                value = token[i + 1:]
                if not value:
                    m = _TOKEN.match(line, pos)
                    if not m:
                        raise UsageError('%%%s: option -%s needs a value' % (magic, c))
                    value, pos = _unquote(m[1]), m.end()
                _add(opts, c, value)
                if c in stop_after:
                    return opts, line[pos:].strip()
                break
            _add(opts, c, True)
            i += 1
    return opts, line[pos:].strip()


_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|\S+)')


def _unquote(token):
    if len(token) >= 2 and token[0] == token[-1] and token[0] in '"\'':
        return token[1:-1]
    return token


def _add(opts, key, value):
    if key in opts and value is not True:
        old = opts[key]
        opts[key] = (old if isinstance(old, list) else [old]) + [value]
    else:
        opts[key] = value


def int_option(magic, opts, key, default):
    try:
        return int(opts.get(key, default))
    except (TypeError, ValueError):
        raise UsageError('%%%s: -%s needs a number, not %r' % (magic, key, opts[key])) from None


def split_words(magic, text):
    import shlex
    try:
        return shlex.split(text)
    except ValueError as e:
        raise UsageError('%%%s: %s' % (magic, e)) from None


def _compile_code(shell, source, filename='<magic-timeit>'):
    """(code for all but a last expression, code for that expression or None)."""
    import ast
    source = shell.transform_cell(source)
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        raise
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, 'exec') if tree.body else None
    expr = compile(last, filename, 'eval') if last is not None else None
    return body, expr


def source_for(shell, magic, arg, raw=True):
    """Code from a history range (as typed, or with raw=False as run: magics become
    get_ipython() calls), a file, a URL, a macro or a variable holding a string."""
    arg = arg.strip()
    ns = shell.user_ns
    if not arg:
        raise UsageError('%%%s: missing argument (a history range, file or name)' % magic)
    if arg in ns and isinstance(ns[arg], str):
        return str(ns[arg])
    if shell.history is not None and re.fullmatch(r'[\d\s~/:,-]+', arg):
        try:
            rows = shell.history.get_range_by_str(arg, raw=raw)
        except ValueError as e:
            raise UsageError('%%%s: %s' % (magic, e)) from None
        return '\n'.join(r[2] for r in rows) + '\n'
    path = os.path.expanduser(arg)
    if os.path.isfile(path):
        with open(path, encoding='utf-8') as f:
            return f.read()
    if re.match(r'https?://', arg):       # as IPython: a network error is the error
        from urllib.request import urlopen
        with urlopen(arg, timeout=30) as response:
            return response.read().decode('utf-8', 'replace')
    if arg in ns and hasattr(ns[arg], '__code__'):
        import inspect
        return inspect.getsource(ns[arg])
    raise UsageError('%%%s: %r is neither a history range, a file, a URL nor a variable'
                     % (magic, arg))


def post_mortem(shell, tb):
    """Enter pdb at the frame where the exception of traceback ``tb`` was raised."""
    from .inspector import visible_frames
    while tb is not None and tb.tb_next is not None and \
            [f for f, _ in visible_frames(tb)][:1] != [tb.tb_frame]:
        tb = tb.tb_next
    debugger = make_debugger()
    debugger.reset()
    debugger.interaction(None, tb)


def _fmt_time(seconds, precision=3):
    if seconds >= 1:
        return '%.*g s' % (precision, seconds)
    for unit, scale in (('ms', 1e3), ('\u03bcs', 1e6), ('ns', 1e9)):   # IPython's Greek mu
        if seconds * scale >= 1:
            return '%.*g %s' % (precision, seconds * scale, unit)
    return '%.*g ns' % (precision, seconds * 1e9)


class Macro(str):
    """Lines of input under a name (%macro): typing the name runs them."""

    def __repr__(self):
        return 'Macro(%s)' % str.__repr__(str(self))


# ------------------------------------------------------------ basic and help

class BasicMagics(Magics):

    @no_var_expand
    def line_lsmagic(self, line):
        """%lsmagic: list every line and cell magic."""
        m = self.shell.magics
        text = ('Available line magics:\n%s\n\nAvailable cell magics:\n%s\n\n'
                'Automagic is %s, %% prefix IS NOT needed for line magics.' % (
                    '  '.join('%' + n for n in sorted(m['line'])),
                    '  '.join('%%' + n for n in sorted(m['cell'])),
                    'ON' if self.shell.automagic else 'OFF'))
        return text         # a value, shown as Out[n], as IPython's

    def line_magic(self, line):
        """%magic: every magic with its documentation."""
        import inspect
        out = []
        for kind, prefix in (('line', '%'), ('cell', '%%')):
            for name, func in sorted(self.shell.magics[kind].items()):
                doc = inspect.getdoc(func) or '<no docstring>'
                out.append('%s%s:\n    %s\n' % (prefix, name, doc.replace('\n', '\n    ')))
        self.shell.page('\n'.join(out))

    def line_automagic(self, line):
        """%automagic [on|off]: toggle calling line magics without the %."""
        arg = line.strip().lower()
        if arg in ('on', '1', 'true'):
            self.shell.automagic = True
        elif arg in ('off', '0', 'false'):
            self.shell.automagic = False
        elif not arg:
            self.shell.automagic = not self.shell.automagic
        else:
            raise UsageError('%%automagic: expected on or off, not %r' % line.strip())
        print('Automagic is %s.' % ('ON' if self.shell.automagic else 'OFF'))

    def line_quickref(self, line):
        """%quickref: a one-page reference of ipylite's syntax and magics."""
        self.shell.page(QUICKREF + '\n\n' + ', '.join(
            '%' + n for n in sorted(self.shell.magics['line'])))

    def line_profile(self, line):
        """%profile: the name of the current profile."""
        print(self.shell.profile)

    @no_var_expand
    def line_config(self, line):
        """%config: list settings; %config Section: show one section's keys;
        %config Section.key = value: change a setting now."""
        from .config import KEYS, Config, ConfigError, documentation
        shell = self.shell
        if shell.config is None:
            shell.config = Config()
        cfg = shell.config
        arg = line.strip()
        if not arg:
            print('Available sections (%config Section shows its keys):\n' +
                  '\n'.join('    ' + s for s in KEYS))
            return
        if '=' not in arg:
            if arg in KEYS:
                print(documentation(arg).rstrip())
                print('current values:')
                for key, value in cfg[arg].items():
                    print('    %s.%s = %r' % (arg, key, value))
                return
            section, _, key = arg.partition('.')
            if section in KEYS and key in KEYS[section]:
                return cfg[section][key]
            raise UsageError('%%config: unknown section or key %r (sections: %s)'
                             % (arg, ', '.join(KEYS)))
        try:
            cfg.set_from_string(arg)
        except ConfigError as e:
            raise UsageError('%%config: %s' % e) from None
        cfg.apply(shell)


QUICKREF = """ipylite quick reference
  obj?, obj??, ?obj   information (?? with source); np.*load*? searches names
  %magic args         a line magic; %%magic args + lines: a cell magic
  name args           automagic: same as %name when no variable `name` exists
  !cmd, !!cmd         run a shell command; x = !cmd keeps its lines (an SList)
  $var, {expr}        expanded in !commands and line magics ($$ for a literal $)
  _, __, ___          the last three results; _N and Out[N]: result N
  _i, _ii, _iN, In    the inputs
  %lsmagic, %magic    list / describe the magics; %name? one magic's help"""


# ------------------------------------------------------------------ extensions

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


# -------------------------------------------------------------------- workflow

class WorkflowMagics(Magics):
    """%load, %save, %edit, %%writefile, %macro, %recall, %rerun, %store (%run is in
    sysmagics.py)."""

    def line_load(self, line):
        """%load [-r range] [-s symbol] source: put a file's, a history range's or an
        object's code into the next input (a set_next_input payload in a kernel)."""
        opts, arg = parse_options('load', line, 'r:s:yn:')
        text = source_for(self.shell, 'load', arg)
        if 's' in opts:
            import ast
            tree = ast.parse(text)
            wanted = set(opts['s'].split(','))
            lines = text.splitlines(True)
            parts = [''.join(lines[n.lineno - 1 - len(getattr(n, 'decorator_list', [])):
                                   n.end_lineno])
                     for n in tree.body if getattr(n, 'name', None) in wanted]
            if not parts:
                raise UsageError('%%load: no %s in %s' % (opts['s'], arg))
            text = '\n'.join(parts)
        if 'r' in opts:
            lines = text.splitlines(True)
            picked = []
            for _, start, stop in _parse_line_ranges(opts['r']):
                picked.extend(lines[start - 1:(stop - 1) if stop else None])
            text = ''.join(picked)
        self.shell.set_next_input('# %load ' + line.strip() + '\n' + text, replace=True)

    def line_save(self, line):
        """%save [-a] [-f] file ranges...: write history lines (or a macro) to file."""
        opts, rest = parse_options('save', line, 'afr')
        words = rest.split(None, 1)
        if len(words) < 2:
            raise UsageError('%save: usage: %save [-a] [-f] file range (e.g. 1-3 5)')
        filename, spec = words
        if not os.path.splitext(filename)[1]:
            filename += '.py'
        text = source_for(self.shell, 'save', spec, raw='r' in opts)
        if os.path.exists(filename) and not ('a' in opts or 'f' in opts):
            answer = input('File %r exists. Overwrite? [y/N] ' % filename)
            if answer.strip().lower() not in ('y', 'yes'):
                print('Operation cancelled.')
                return
        mode = 'a' if 'a' in opts else 'w'
        with open(filename, mode, encoding='utf-8') as f:
            if mode == 'w':
                f.write('# coding: utf-8\n')
            f.write(text)
        print('The following commands were written to file `%s`:\n%s' % (filename, text),
              end='')

    def line_edit(self, line):
        """%edit [-x] [file | range | name]: open it in $EDITOR, then run what was
        saved (not with -x). No argument: a new temporary file."""
        import shlex
        import subprocess
        import tempfile
        opts, arg = parse_options('edit', line, 'xpn:r')
        filename, temp = None, False
        path = os.path.expanduser(arg)
        if arg and (os.path.isfile(path) or (not re.fullmatch(r'[\d\s~/:,-]+', arg)
                                             and arg not in self.shell.user_ns)):
            filename = path
        else:
            text = source_for(self.shell, 'edit', arg) if arg else ''
            fd, filename = tempfile.mkstemp(suffix='.py', prefix='ipylite_edit_')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                f.write(text)
            temp = True
        editor = os.environ.get('VISUAL') or os.environ.get('EDITOR')
        if not editor and self.shell.pager_payload:     # a kernel has no terminal for vi
            raise UsageError('%edit: set $EDITOR (in the kernel\'s environment) to an '
                             'editor that opens its own window')
        editor = editor or 'vi'
        print('Editing...', end=' ', flush=True)
        status = subprocess.call(shlex.split(editor) + [filename])
        if status:
            raise UsageError('%%edit: the editor %r exited with status %d' % (editor, status))
        print('done. ' + ('Executing edited code...' if 'x' not in opts else ''))
        if 'x' in opts:
            return
        with open(filename, encoding='utf-8') as f:
            source = f.read()
        if temp:
            os.remove(filename)
        self.shell.run_cell(source, store_history=False)
        return None

    def cell_writefile(self, line, cell):
        """%%writefile [-a] file: write (-a: append) the cell's text to file."""
        opts, rest = parse_options('writefile', line, 'a', ('append',))
        words = split_words('writefile', rest)
        if len(words) != 1:
            raise UsageError('%%writefile: expected one file name')
        filename = os.path.expanduser(words[0])
        append = 'a' in opts or 'append' in opts
        exists = os.path.exists(filename)
        try:
            with open(filename, 'a' if append else 'w', encoding='utf-8') as f:
                f.write(cell if cell.endswith('\n') or not cell else cell + '\n')
        except OSError as e:
            raise UsageError('%%%%writefile: cannot write %s: %s' % (filename, e.strerror)) \
                from None
        print('%s %s' % ('Appending to' if append else ('Overwriting' if exists else 'Writing'),
                         words[0]))

    def line_macro(self, line):
        """%macro name ranges: name the lines so that typing name runs them again."""
        opts, rest = parse_options('macro', line, 'rq')
        words = rest.split(None, 1)
        if len(words) < 2 or not words[0].isidentifier():
            raise UsageError('%macro: usage: %macro name range (e.g. %macro m 1-3 5)')
        macro = Macro(source_for(self.shell, 'macro', words[1]))
        self.shell.user_ns[words[0]] = macro
        if 'q' not in opts:
            print('Macro `%s` created. To execute, type its name (without quotes).\n'
                  '=== Macro contents: ===\n%s' % (words[0], macro), end='')

    def line_recall(self, line):
        """%recall [n | range]: put a previous input (default the last) in the next
        prompt. Also %rep."""
        shell = self.shell
        arg = line.strip()
        if not arg:
            rows = shell.history.get_tail(1, include_latest=False) if shell.history else []
            text = rows[0][2] if rows else ''
        elif arg in shell.user_ns:
            text = str(shell.user_ns[arg])
        else:
            text = source_for(shell, 'recall', arg).rstrip('\n')
        shell.set_next_input(text)

    line_rep = line_recall

    def line_rerun(self, line):
        """%rerun [-l n] [-g pattern] [range]: run earlier input again (default: the
        last line)."""
        shell = self.shell
        if shell.history is None:
            raise UsageError('%rerun: history is off')
        opts, arg = parse_options('rerun', line, 'l:g:')
        if 'l' in opts:
            n = int_option('rerun', opts, 'l', 1)
            rows = shell.history.get_tail(n, include_latest=False)
        elif 'g' in opts:
            rows = [r for r in shell.history.search('*%s*' % opts['g'])
                    if not r[2].lstrip().startswith(('%rerun', 'rerun'))][-1:]
        elif arg:
            try:
                rows = shell.history.get_range_by_str(arg)
            except ValueError as e:
                raise UsageError('%%rerun: %s' % e) from None
        else:
            rows = shell.history.get_tail(1, include_latest=False)
        if not rows:
            raise UsageError('%rerun: no lines in history match')
        source = '\n'.join(r[2] for r in rows)
        print('=== Executing: ===\n%s\n=== Output: ===' % source)
        shell.run_cell(source, store_history=False)

    def line_store(self, line):
        """%store var...: keep variables in the profile across sessions;
        %store lists them, -r restores (all, or the named), -d var forgets one,
        -z forgets all; %store var >file / >>file writes repr to a file."""
        import pickle
        shell = self.shell
        opts, rest = parse_options('store', line, 'rdz')
        folder = db_dir(shell, 'autorestore')
        names = rest.split()
        if 'z' in opts:
            for n in os.listdir(folder):
                os.remove(os.path.join(folder, n))
            return
        if 'd' in opts:
            if not names:
                raise UsageError('%store: -d needs a variable name')
            for n in names:
                try:
                    os.remove(os.path.join(folder, n))
                except FileNotFoundError:
                    raise UsageError("%%store: no stored variable %r" % n) from None
            return
        if 'r' in opts:
            for n in names or sorted(os.listdir(folder)):
                path = os.path.join(folder, n)
                try:
                    with open(path, 'rb') as f:
                        shell.user_ns[n] = pickle.load(f)
                except FileNotFoundError:
                    raise UsageError('%%store: no stored variable %r' % n) from None
                except Exception as e:
                    print('Unable to restore variable %r (%s)' % (n, e))
            return
        if not names:
            stored = sorted(os.listdir(folder))
            print('Stored variables and their in-db values:')
            for n in stored:
                try:
                    with open(os.path.join(folder, n), 'rb') as f:
                        value = pickle.load(f)
                    print('%-20s-> %s' % (n, safe_repr(value, 50)))
                except Exception as e:
                    print('%-20s-> <unreadable: %s>' % (n, e))
            return
        m = re.fullmatch(r'(\w+)\s*(>>?)\s*(\S+)', rest)
        if m:
            if m[1] not in shell.user_ns:
                raise UsageError('%%store: unknown variable %r' % m[1])
            with open(os.path.expanduser(m[3]), 'a' if m[2] == '>>' else 'w') as f:
                value = shell.user_ns[m[1]]
                f.write(value if isinstance(value, str) else repr(value))
                f.write('\n')
            print('Writing %r (%s) to file %r.' % (m[1], type(value).__name__, m[3]))
            return
        for n in names:
            if n not in shell.user_ns:
                raise UsageError('%%store: unknown variable %r' % n)
            value = shell.user_ns[n]
            if type(value).__name__ == 'module':
                raise UsageError('%%store: %r is a module; modules cannot be stored' % n)
            try:
                data = pickle.dumps(value)
            except Exception as e:
                raise UsageError('%%store: cannot store %r: %s' % (n, e)) from None
            with open(os.path.join(folder, n), 'wb') as f:
                f.write(data)
            print('Stored %r (%s)' % (n, type(value).__name__))


def _parse_line_ranges(spec):
    from .history import parse_ranges
    try:
        return parse_ranges(spec)
    except ValueError as e:
        raise UsageError('%%load: %s' % e) from None


def db_dir(shell, *parts):
    """A folder under the profile's db/ (made on use); in memory-only setups, a
    temporary profile folder."""
    base = shell.profile_dir
    if base is None:
        from .config import profile_dir
        base = shell.profile_dir = profile_dir(shell.profile)
    if base is None:
        raise UsageError('no writable profile folder for %store and bookmarks')
    path = os.path.join(base, 'db', *parts)
    os.makedirs(path, exist_ok=True)
    return path


# ------------------------------------------------- timing, profiling, debugging

class TimeitResult:
    """What %timeit -o returns: loops, repeat, best, worst, all_runs (seconds per
    run of `loops` loops), average and stdev per loop."""

    def __init__(self, loops, repeat, best, worst, all_runs, compile_time, precision=3):
        self.loops, self.repeat = loops, repeat
        self.best, self.worst, self.all_runs = best, worst, all_runs
        self.compile_time, self._precision = compile_time, precision
        self.timings = [t / loops for t in all_runs]

    @property
    def average(self):
        return sum(self.timings) / len(self.timings)

    @property
    def stdev(self):
        mean = self.average
        return (sum((t - mean) ** 2 for t in self.timings) / len(self.timings)) ** 0.5

    def __str__(self):
        return '%s ± %s per loop (mean ± std. dev. of %d run%s, %s loop%s each)' % (
            _fmt_time(self.average, self._precision), _fmt_time(self.stdev, self._precision),
            self.repeat, '' if self.repeat == 1 else 's',
            format(self.loops, ','), '' if self.loops == 1 else 's')

    def __repr__(self):
        return '<TimeitResult : %s>' % self

    def _repr_pretty_(self, p, cycle):
        p.text('<TimeitResult : %s>' % self)


class ExecutionMagics(Magics):
    """%time, %timeit, %prun, %debug, %pdb."""

    @no_var_expand
    def line_time(self, line, cell=None):
        """%time statement / %%time: run once and report CPU and wall time; the
        value of a last expression is returned."""
        __tracebackhide__ = True  # noqa: F841
        shell = self.shell
        source = cell if cell is not None else line
        if not source.strip():
            raise UsageError('%time: nothing to time')
        t0 = time.perf_counter()
        body, expr = _compile_code(shell, source, '<timed exec>')
        compile_time = time.perf_counter() - t0
        ns = shell.user_ns
        c0, w0 = os.times(), time.perf_counter()
        value = None
        try:
            if body is not None:
                exec(body, shell.user_global_ns, ns)
            if expr is not None:
                value = eval(expr, shell.user_global_ns, ns)
        finally:
            c1, w1 = os.times(), time.perf_counter()
            user, system = c1.user - c0.user, c1.system - c0.system
            print('CPU times: user %s, sys: %s, total: %s\nWall time: %s' % (
                _fmt_time(user), _fmt_time(system), _fmt_time(user + system),
                _fmt_time(w1 - w0)))
            if compile_time > 0.1:
                print('Compiler : %s' % _fmt_time(compile_time))
        return value

    @no_var_expand
    def cell_time(self, line, cell):
        """%%time: time the whole cell."""
        __tracebackhide__ = True  # noqa: F841
        return self.line_time(line, cell)

    @no_var_expand
    def line_timeit(self, line, cell=None):
        """%timeit [-n N] [-r R] [-p P] [-o] [-q] statement
        %%timeit [options] setup  (then the cell is the statement)

        Runs the statement N times per run, R runs (default 7); N is chosen so a
        run takes at least 0.2 s. Prints the mean and std. dev. per loop; -o
        returns a TimeitResult; -q prints nothing."""
        import timeit
        shell = self.shell
        opts, stmt = parse_options('timeit', line, 'n:r:p:oqt')
        setup = 'pass'
        if cell is not None:
            setup, stmt = stmt or 'pass', cell
        if not stmt.strip():
            raise UsageError('%timeit: nothing to time')
        cfg = shell.config['Timeit'] if shell.config is not None else {}
        repeat = int_option('timeit', opts, 'r', cfg.get('repeat', 7))
        precision = int_option('timeit', opts, 'p', 3)
        if repeat < 1 or ('n' in opts and int_option('timeit', opts, 'n', 1) < 1):
            raise UsageError('%timeit: -n and -r must be at least 1')
        stmt, setup = shell.transform_cell(stmt), shell.transform_cell(setup)
        t0 = time.perf_counter()
        try:
            timer = timeit.Timer(stmt, setup, globals=shell.user_ns)
        except SyntaxError as e:
            raise UsageError('%%timeit: syntax error: %s' % e) from None
        compile_time = time.perf_counter() - t0
        if 'n' in opts:
            number = int_option('timeit', opts, 'n', 1)
        else:
            min_time = cfg.get('min_time', 0.2)
            number = 1
            for _ in range(10):
                for factor in (1, 2, 5):
                    n = number * factor
                    if timer.timeit(n) >= min_time:
                        number = n
                        break
                else:
                    number *= 10
                    continue
                break
        runs = timer.repeat(repeat, number)
        result = TimeitResult(number, repeat, min(runs) / number, max(runs) / number,
                              runs, compile_time, precision)
        if 'q' not in opts:     # the warning first, as IPython prints it
            if result.worst > 4 * result.best and result.best > 0 and result.worst > 1e-6:
                print('The slowest run took %.2f times longer than the fastest. This could '
                      'mean that an intermediate result is being cached.'
                      % (result.worst / result.best))
            print(result)
        if 'o' in opts:
            return result

    @no_var_expand
    def cell_timeit(self, line, cell):
        """%%timeit [options] [setup]: time the cell's statements."""
        return self.line_timeit(line, cell)

    @no_var_expand
    def line_prun(self, line, cell=None):
        """%prun [-s key] [-l limit] [-D file] [-T file] [-q] [-r] statement
        %%prun [options]: run under cProfile and print its statistics, sorted by
        -s (default: time), restricted by -l (a number, fraction or regex)."""
        __tracebackhide__ = True  # noqa: F841
        opts, stmt = parse_options('prun', line, 's:l:D:T:qr')
        if cell is not None:
            stmt = cell
        if not stmt.strip():
            raise UsageError('%prun: nothing to profile')
        shell = self.shell
        code = compile(shell.transform_cell(stmt), '<string>', 'exec')
        return run_profiled(shell, 'prun', opts, code, shell.user_global_ns, shell.user_ns)

    @no_var_expand
    def cell_prun(self, line, cell):
        """%%prun [options]: profile the cell."""
        return self.line_prun(line, cell)

    @no_var_expand
    def line_debug(self, line):
        """%debug: post-mortem debugger on the last exception;
        %debug statement: run the statement under pdb."""
        shell = self.shell
        opts, stmt = parse_options('debug', line, '', ('breakpoint=',))
        if stmt.strip():
            debugger = make_debugger()
            code = compile(shell.transform_cell(stmt), '<string>', 'exec')
            if 'breakpoint' in opts:
                where, _, lineno = opts['breakpoint'].rpartition(':')
                if not lineno.isdigit():
                    raise UsageError('%%debug: --breakpoint takes file:line, not %r'
                                     % opts['breakpoint'])
                debugger.set_break(where, int(lineno))
            debugger.run(code, shell.user_global_ns, shell.user_ns)
            return
        exc = shell._last_exc
        if exc is None or exc[2] is None:
            raise UsageError('%debug: no traceback to debug (run code that fails first, '
                             'or %debug statement)')
        post_mortem(shell, exc[2])

    def line_pdb(self, line):
        """%pdb [on|off]: start the debugger after every uncaught exception."""
        state = self.shell.magics_state
        arg = line.strip().lower()
        if arg in ('on', '1'):
            state.set_pdb(True)
        elif arg in ('off', '0'):
            state.set_pdb(False)
        elif not arg:
            state.set_pdb(not state.call_pdb)
        else:
            raise UsageError('%%pdb: expected on or off, not %r' % line.strip())
        print('Automatic pdb calling has been turned %s' % ('ON' if state.call_pdb else 'OFF'))


def run_profiled(shell, magic, opts, code, global_ns, local_ns):
    import cProfile
    import io
    import pstats
    prof = cProfile.Profile()
    try:
        prof.runctx(code, global_ns, local_ns)
    finally:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.strip_dirs()
        keys = opts.get('s', 'time')
        keys = keys if isinstance(keys, list) else [keys]
        try:
            stats.sort_stats(*keys)
        except KeyError as e:
            raise UsageError('%%%s: unknown sort key %s' % (magic, e)) from None
        limits = opts.get('l', [])
        limits = limits if isinstance(limits, list) else [limits]
        restrictions = []
        for lim in limits:
            try:
                restrictions.append(float(lim) if '.' in lim else int(lim))
            except ValueError:
                restrictions.append(lim)
        stats.print_stats(*restrictions)
        text = out.getvalue()
        if 'q' not in opts:
            shell.page(text.lstrip('\n'))
        if 'D' in opts:
            prof.dump_stats(opts['D'])
            print('\n*** Profile stats marshalled to file %r.' % opts['D'])
        if 'T' in opts:
            with open(opts['T'], 'w') as f:
                f.write(text)
            print('\n*** Profile printout saved to text file %r.' % opts['T'])
    if 'r' in opts:
        return stats


# ------------------------------------------------------------------- namespace

class NamespaceMagics(Magics):
    """%who, %who_ls, %whos, %reset, %reset_selective, %xdel, %precision."""

    def _names(self, types=()):
        ns, hidden = self.shell.user_ns, self.shell.magics_state.hidden
        out = []
        for name in sorted(ns):
            if name.startswith('_') or (name in hidden and ns[name] is not None
                                        and name in ('In', 'Out', 'get_ipython', 'exit',
                                                     'quit')):
                continue
            if types and type(ns[name]).__name__ not in types:
                continue
            out.append(name)
        return out

    def line_who_ls(self, line):
        """%who_ls [type...]: a sorted list of the interactive variables' names."""
        return self._names(line.split())

    def line_who(self, line):
        """%who [type...]: print the interactive variables' names."""
        names = self._names(line.split())
        if not names:
            print('Interactive namespace is empty.' if not line.split()
                  else 'No variables match your requested type.')
            return
        print('\t'.join(names))

    def line_whos(self, line):
        """%whos [type...]: a table of the interactive variables: type, size, value."""
        names = self._names(line.split())
        if not names:
            print('Interactive namespace is empty.')
            return
        ns = self.shell.user_ns
        rows = [(n, type(ns[n]).__name__, _whos_info(ns[n])) for n in names]
        w1 = max(8, *(len(r[0]) for r in rows)) + 3
        w2 = max(4, *(len(r[1]) for r in rows)) + 3
        print('Variable'.ljust(w1) + 'Type'.ljust(w2) + 'Data/Info')
        print('-' * (w1 + w2 + 9))
        for n, t, info in rows:
            print(n.ljust(w1) + t.ljust(w2) + info)

    def line_reset(self, line):
        """%reset [-f] [in|out|dhist|array]: delete every variable (or only the
        input or output caches, or the directory history); -f skips the question."""
        opts, rest = parse_options('reset', line, 'fs')
        parts = rest.split()
        if 'f' not in opts:
            answer = input('Once deleted, variables cannot be recovered. Proceed (y/[n])? ')
            if answer.strip().lower() not in ('y', 'yes'):
                print('Nothing done.')
                return
        shell = self.shell
        for part in parts:
            if part == 'in':
                shell.In[:] = ['']
                for k in [k for k in shell.user_ns if re.fullmatch(r'_i(\d+|i*|00)', k)]:
                    shell.user_ns[k] = '' if k in ('_i', '_ii', '_iii', '_i00') else None
                    if k not in ('_i', '_ii', '_iii', '_i00'):
                        del shell.user_ns[k]
            elif part == 'out':
                shell.Out.clear()
                for k in [k for k in shell.user_ns if re.fullmatch(r'_\d+', k)]:
                    del shell.user_ns[k]
                shell.user_ns.update(_='', __='', ___='')
            elif part == 'dhist':
                shell.magics_state.dir_history[:] = [os.getcwd()]
            elif part == 'array':
                for k in [k for k in self._names() if type(shell.user_ns[k]).__name__ == 'ndarray']:
                    del shell.user_ns[k]
            else:
                raise UsageError('%%reset: unknown target %r: use in, out, dhist or array' % part)
        if not parts:
            shell.reset(new_session=False)

    def line_reset_selective(self, line):
        """%reset_selective [-f] regex: delete the variables whose names match."""
        opts, pattern = parse_options('reset_selective', line, 'f')
        if not pattern:
            raise UsageError('%reset_selective: missing regular expression')
        try:
            m = re.compile(pattern)
        except re.error as e:
            raise UsageError('%%reset_selective: bad regular expression: %s' % e) from None
        if 'f' not in opts:
            answer = input('Once deleted, variables cannot be recovered. Proceed (y/[n])? ')
            if answer.strip().lower() not in ('y', 'yes'):
                print('Nothing done.')
                return
        for name in self._names():
            if m.search(name):
                del self.shell.user_ns[name]

    def line_xdel(self, line):
        """%xdel name: delete a variable and every cached reference to its value."""
        name = line.strip()
        ns = self.shell.user_ns
        if name not in ns:
            raise UsageError('%%xdel: name %r is not defined' % name)
        value = ns.pop(name)
        for key, v in list(self.shell.Out.items()):
            if v is value:
                del self.shell.Out[key]
                ns.pop('_%d' % key, None)
        for key in ('_', '__', '___'):
            if ns.get(key) is value:
                ns[key] = ''

    def line_precision(self, line):
        """%precision [n | format]: how floats are shown ('' resets to repr)."""
        fmt = self.shell.display_formatter
        try:
            fmt.float_precision = line.strip()
        except ValueError:
            raise UsageError('%%precision: expected a number of digits or a %%-format, '
                             'not %r' % line.strip()) from None
        return fmt.float_format or '%r'


def _whos_info(value):
    kind = type(value).__name__
    if kind == 'ndarray':
        return '%s: %d elems, type `%s`, %d bytes' % (
            'x'.join(map(str, value.shape)), value.size, value.dtype, value.nbytes)
    if kind in ('list', 'tuple', 'dict', 'set', 'frozenset'):
        return 'n=%d' % len(value)
    if kind == 'module':
        return getattr(value, '__name__', '?')
    text = safe_repr(value, 50).replace('\n', ' ')
    return text


# --------------------------------------------------------------- introspection

class IntrospectionMagics(Magics):
    """obj?, obj??, %pinfo, %pinfo2, %pdef, %pdoc, %psource, %pfile, %psearch, %page."""

    def _object(self, magic, name):
        from .completer import MISSING
        name = name.strip()
        if not name:
            raise UsageError('%%%s: missing object name' % magic)
        if name.startswith('%'):
            kind = 'cell' if name.startswith('%%') else 'line'
            obj = self.shell.magics[kind].get(name.lstrip('%'), MISSING)
        else:
            obj = self.shell._lookup(name)
        if obj is MISSING:
            raise UsageError('%%%s: object %r not found' % (magic, name))
        return obj

    @no_var_expand
    def line_pinfo(self, line, detail_level=0):
        """%pinfo obj (or obj?, ?obj): signature, docstring, file of obj; a name
        with * searches (np.*load*?)."""
        name = line.strip()
        if '*' in name:
            return self.line_psearch(name)
        text = self.shell.object_inspect_text(name, detail_level) if name else None
        if text is None:
            print('Object `%s` not found.' % name)
        else:
            self.shell.page(text)

    @no_var_expand
    def line_pinfo2(self, line):
        """%pinfo2 obj (or obj??): like %pinfo, with the source code."""
        self.line_pinfo(line, 1)

    def line_pdef(self, line):
        """%pdef obj: the call signature of obj."""
        import inspect
        obj = self._object('pdef', line)
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            raise UsageError('%%pdef: no signature for %s' % line.strip()) from None
        print(' %s%s' % (line.strip().split('.')[-1], sig))

    def line_pdoc(self, line):
        """%pdoc obj: the docstring of obj."""
        import inspect
        obj = self._object('pdoc', line)
        doc = inspect.getdoc(obj)
        self.shell.page('Docstring:\n' + doc if doc else 'No documentation found for %s'
                        % line.strip())

    def line_psource(self, line):
        """%psource obj: the source code of obj."""
        import inspect
        obj = self._object('psource', line)
        try:
            self.shell.page(inspect.getsource(obj))
        except (TypeError, OSError):
            raise UsageError('%%psource: no source found for %s' % line.strip()) from None

    def line_pfile(self, line):
        """%pfile obj (or file name): the whole file obj is defined in."""
        import inspect
        arg = line.strip()
        path = os.path.expanduser(arg)
        if not os.path.isfile(path):
            obj = self._object('pfile', arg)
            try:
                path = inspect.getsourcefile(obj) or inspect.getfile(obj)
            except TypeError:
                raise UsageError('%%pfile: no file found for %s' % arg) from None
        with open(path, encoding='utf-8', errors='replace') as f:
            self.shell.page(f.read())

    @no_var_expand
    def line_psearch(self, line):
        """%psearch [-i] [-a] pattern [type]: names matching a wildcard pattern
        (a.b*c*), optionally only of a type; -a includes _private names, -i
        ignores case."""
        import fnmatch
        opts, rest = parse_options('psearch', line, 'iae:s:')
        words = rest.split()
        if not words:
            raise UsageError('%psearch: missing pattern')
        pattern = words[0].rstrip('?')
        kind = words[1] if len(words) > 1 else None
        head, _, last = pattern.rpartition('.')
        if '*' in head:
            raise UsageError('%psearch: wildcards go only in the last part of the name')
        if head:
            obj = self._object('psearch', head)
            try:
                space = {n: getattr(obj, n, None) for n in dir(obj)}
            except Exception:
                space = {}
        else:
            import builtins
            space = dict(builtins.__dict__)
            space.update(self.shell.user_ns)
        matches = []
        flags = re.IGNORECASE if 'i' in opts else 0
        regex = re.compile(fnmatch.translate(last), flags)
        for name, value in space.items():
            if name.startswith('_') and 'a' not in opts and not last.startswith('_'):
                continue
            if regex.match(name) and (kind is None or type(value).__name__ == kind):
                matches.append((head + '.' if head else '') + name)
        self.shell.page('\n'.join(sorted(matches)))

    def line_page(self, line):
        """%page [-r] obj: show obj (its pretty repr; -r its str) in the pager."""
        import pprint
        opts, name = parse_options('page', line, 'r')
        try:
            value = self.shell.ev(name)
        except Exception:
            raise UsageError('%%page: %r is not defined' % name) from None
        self.shell.page(str(value) if 'r' in opts else pprint.pformat(value))


# --------------------------------------------------------------------- history

class HistoryMagics(Magics):
    """%history (and %hist)."""

    def line_history(self, line):
        """%history [-n] [-o] [-p] [-t] [-f file] [-g [pattern]] [-l [n]] [-u] [range]

        Ranges as in `4-6 8`, `~2/1-5` (two sessions back), `3/` (all of session 3);
        default: this session. -n line numbers, -o outputs, -p >>> prompts,
        -t translated Python instead of what was typed, -f writes to a file,
        -g searches all sessions (glob), -l the last n lines, -u unique (with -g)."""
        shell = self.shell
        hm = shell.history
        if hm is None:
            raise UsageError('%history: history is off in this shell')
        opts, rest = parse_options('history', line, 'noptf:gluq')
        if 'l' in opts and rest.split()[:1] and rest.split()[0].isdigit():
            n, _, more = rest.strip().partition(' ')   # -l N, then more options
            extra, more = parse_options('history', more, 'noptf:gluq')
            opts.update(extra)
            rest = (n + ' ' + more).strip()
        raw = 't' not in opts
        output = 'o' in opts
        if 'g' in opts:
            pattern = '*%s*' % rest if rest else '*'
            rows = hm.search(pattern, raw=raw, output=output, unique='u' in opts)
            opts['n'] = 'full'
        elif 'l' in opts:
            try:
                n = int(rest) if rest else 10
            except ValueError:
                raise UsageError('%%history: -l takes a number, not %r' % rest) from None
            rows = hm.get_tail(n, raw=raw, output=output, include_latest=False)
        elif rest:
            try:
                rows = hm.get_range_by_str(rest, raw=raw, output=output)
            except ValueError as e:
                raise UsageError('%%history: %s' % e) from None
        else:
            rows = hm.get_range(0, 1, shell.execution_count + 1, raw=raw, output=output)
        lines = []
        this = hm.session_number
        for session, number, entry in rows:
            source, out = entry if output else (entry, None)
            if 'p' in opts:
                source = '>>> ' + source.replace('\n', '\n... ')
            if 'n' in opts:
                prefix = ('%d/%d:' % (session, number) if opts['n'] == 'full' or session != this
                          else '%4d:' % number)
                # a multi-line entry starts on the next line, unindented, as in IPython
                source = prefix + ('\n' if '\n' in source else ' ') + source
            lines.append(source)
            if out is not None:
                lines.append(out)
        text = '\n'.join(lines)
        if 'f' in opts:
            filename = os.path.expanduser(opts['f'])
            if os.path.exists(filename):
                answer = input('File %r exists. Overwrite? [y/N] ' % opts['f'])
                if answer.strip().lower() not in ('y', 'yes'):
                    print('Aborting.')
                    return
            with open(filename, 'w', encoding='utf-8') as f:
                f.write(text + '\n')
            print('Wrote %d entries to %s' % (len(rows), opts['f']))
            return
        if text:
            print(text)

    line_hist = line_history


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (BasicMagics, ExtensionMagics, WorkflowMagics, ExecutionMagics,
           NamespaceMagics, IntrospectionMagics, HistoryMagics)
