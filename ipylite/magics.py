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
This module is the machinery only: the decorators, the Magics base, registration
(IPython's Magics classes too), the per-shell MagicState, the option parser and the
helpers several magics share, and MagicDispatch, the Shell's side (a mixin: the
registry ``shell.magics``, %name and automagic dispatch, macros).

The built-in magics live in ``magics_<topic>.py``, one class per area: a method
named ``line_X`` is the line magic ``%X``, one named ``cell_X`` the cell magic
``%%X`` (dispatch by name); Shell.load_builtin_magics registers each module's
CLASSES (the kernel adds magics_kernel's). Bad use raises UsageError, which the
shell shows as one line.

    magics_code.py        %run, %load, %loadpy, %save, %edit, %macro, %%writefile, %pycat,
                          %pastebin
    magics_execution.py   %time, %timeit, %prun, %debug, %pdb, %%code_wrap
    magics_namespace.py   %who, %whos, %reset, %xdel, %store, %pinfo, %pdoc, %psearch...
    magics_history.py     %history, %recall, %rerun, %notebook, %logstart...
    magics_os.py          %cd, %pushd, %bookmark, %env, aliases, %sc, %%script; %pip, %uv,
                          %conda, %mamba, %micromamba
    magics_display.py     %%html, %%markdown, %%javascript, %%capture, %gui, %pylab
    magics_config.py      %config, %lsmagic, %colors, %automagic, %autocall, %pprint...
    magics_extensions.py  %load_ext, %reload_ext, %unload_ext, autoreload
    magics_kernel.py      %connect_info, %qtconsole, %autosave, %subshell, %man (the
                          kernel registers these; they are not at the terminal)
"""

import builtins
import os
import re
import sys

from .debugger import make_debugger
from .display import UsageError, active_shell

__all__ = ['Magics', 'Struct', 'magics_class', 'line_magic', 'cell_magic', 'line_cell_magic',
           'no_var_expand',
           'register_line_magic', 'register_cell_magic', 'register_line_cell_magic',
           'register_magics', 'parse_options', 'Macro', 'find_user_code']


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
        self.hidden_values = {}       # name -> object put there for us (%pylab): hidden
                                      # from %who while the name still holds it
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


def source_for(shell, magic, arg, raw=True):
    """find_user_code for magics that need an argument: a missing one, or one that
    names no code, is a UsageError naming the magic."""
    arg = arg.strip()
    if not arg:
        raise UsageError('%%%s: missing argument (a history range, file or name)' % magic)
    try:
        return find_user_code(shell, arg, raw=raw)
    except (ValueError, TypeError) as e:
        raise UsageError('%%%s: %s' % (magic, e.args[0])) from None


def find_user_code(shell, target, raw=True):
    """Code from a variable holding a string (or a Macro), a history range (as typed,
    or with raw=False as run: magics become get_ipython() calls), a file, a URL, a
    function's source, or an expression giving a string; '' is this session's input
    so far but its last line (the magic asking). ValueError (with IPython's words)
    when target names none of these, TypeError for an object that is not code."""
    target = target.strip()
    ns = shell.user_ns
    if target in ns and isinstance(ns[target], str):
        return str(ns[target])
    if shell.history is not None and (not target or re.fullmatch(r'[\d\s~/:,-]+', target)):
        rows = (shell.history.get_range_by_str(target, raw=raw) if target else
                shell.history.get_range(0, 1, None, raw=raw))
        text = '\n'.join(r[2] for r in rows)
        if not target:
            text = text[:text.rfind('\n')] if '\n' in text else ''
        if text:
            return text + '\n'
    path = os.path.expanduser(target)
    if target and os.path.isfile(path):
        with open(path, encoding='utf-8') as f:
            return f.read()
    if target and os.path.isdir(path):
        raise ValueError("'%s' is a directory, not a regular file." % target)
    if re.match(r'https?://', target):       # as IPython: a network error is the error
        from urllib.request import urlopen
        with urlopen(target, timeout=30) as response:
            return response.read().decode('utf-8', 'replace')
    if target in ns and hasattr(ns[target], '__code__'):
        import inspect
        return inspect.getsource(ns[target])
    try:
        value = eval(target, shell.user_global_ns, ns)
    except Exception as e:
        raise ValueError("'%s' was not found in history, as a file, url, nor in the user "
                         'namespace.' % target) from e
    if isinstance(value, str):
        return str(value)
    raise TypeError('%s is neither a string nor a macro.' % target, value)


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


def post_mortem(shell, tb):
    """Enter pdb at the frame where the exception of traceback ``tb`` was raised."""
    from .inspector import visible_frames
    while tb is not None and tb.tb_next is not None and \
            [f for f, _ in visible_frames(tb)][:1] != [tb.tb_frame]:
        tb = tb.tb_next
    debugger = make_debugger()
    debugger.reset()
    debugger.interaction(None, tb)


class Macro(str):
    """Lines of input under a name (%macro): typing the name runs them."""

    def __repr__(self):
        return 'Macro(%s)' % str.__repr__(str(self))


# ------------------------------------------------------------ the Shell's side

class MagicDispatch:
    """The Shell's magic methods (a mixin: ``self`` is the Shell, ``self.magics``
    its registry {'line': {name: func}, 'cell': {...}}): registering, running
    %name and %%name, automagic (``name args``) and macros."""

    def register_magics(self, obj):
        """Register the magics of a Magics subclass (or instance): its methods
        decorated with line_magic, cell_magic or line_cell_magic."""
        return register_magics(self, obj)

    def register_magic_function(self, func, magic_kind='line', magic_name=None):
        """Make func a magic: line magics are called func(line), cell magics
        func(line, cell); 'line_cell' registers both."""
        kinds = ('line', 'cell') if magic_kind == 'line_cell' else (magic_kind,)
        for kind in kinds:
            if kind not in self.magics:
                raise ValueError("magic_kind must be 'line', 'cell' or 'line_cell', not %r"
                                 % magic_kind)
            self.magics[kind][magic_name or func.__name__] = func
        return func

    def run_line_magic(self, magic_name, line):
        func = self.magics['line'].get(magic_name)
        if func is None:
            hint = (' (But cell magic `%%%%%s` exists, did you mean that instead?)'
                    % magic_name if magic_name in self.magics['cell'] else '')
            raise UsageError('Line magic function `%%%s` not found%s.' % (magic_name, hint))
        __tracebackhide__ = True  # noqa: F841 (hides this frame in tracebacks)
        if not getattr(func, 'no_var_expand', False):
            line = self.var_expand(line)
        return func(line)

    def run_cell_magic(self, magic_name, line, cell):
        func = self.magics['cell'].get(magic_name)
        if func is None:
            raise UsageError('Cell magic `%%%%%s` not found.' % magic_name)
        __tracebackhide__ = True  # noqa: F841
        if not getattr(func, 'no_var_expand', False):
            line = self.var_expand(line)
        return func(line, cell)

    def _automagic(self, line, cell=''):
        """`name args` as a line magic call, when name is a line magic and not a
        variable (nor bound anywhere in the cell); a bare Macro name runs the macro."""
        text = line.rstrip('\r\n')
        m = re.fullmatch(r'()([^\W\d]\w*)(?:\s+(.*?))?\s*', text)    # top level only
        if not m:
            return None
        indent, name, arg = m[1], m[2], m[3] or ''
        if name in self.user_ns or name in self.user_global_ns:
            value = self.user_ns.get(name, self.user_global_ns.get(name))
            if type(value).__name__ == 'Macro' and not arg:
                return indent + 'get_ipython()._run_macro(%s)%s' % (name, line[len(text):])
            return None
        if name not in self.magics['line'] or name in builtins.__dict__:
            return None
        if re.search(r'(^|\n)\s*(def|class)\s+%s\b|(^|\n)\s*%s\s*[-+*/%%&|^:]?=[^=]|'
                     r'\bimport\b.*\b%s\b|\bfor\s+%s\b' % ((re.escape(name),) * 4), cell):
            return None     # the cell itself binds the name
        if re.match(r'[=(\[,:;]|[-+*/%&|^@<>]*=|(is|not|in|and|or|if|else|for)\b', arg):
            return None     # Python: an assignment, a call, an attribute, an operator
        import keyword
        if keyword.iskeyword(name):
            return None
        return indent + 'get_ipython().run_line_magic(%r, %r)%s' % (
            name, arg, line[len(text):])

    def _run_macro(self, macro):
        """A macro's lines run as part of the current cell: no number of their own."""
        keep = self._store_history
        try:
            self.run_cell(str(macro), store_history=False)
        finally:
            self._store_history = keep
