"""Built-in magics that set how the shell behaves: %config, %lsmagic, %magic,
%quickref, %colors, %automagic, %autocall, %autoawait, %pprint, %precision,
%doctest_mode, %alias_magic.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

from .magics import Magics, no_var_expand, split_words
from .display import UsageError

AUTOCALL_MODES = ('Off', 'Smart', 'Full')


# ------------------------------------------------------------ basic and help

class BasicMagics(Magics):
    """%lsmagic, %magic, %automagic, %quickref, %colors, %config."""

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

    def line_colors(self, line):
        """%colors scheme: the colour scheme of tracebacks (and, at the terminal, of
        the prompts), one of NoColor, Linux, LightBG, Neutral (any case).

        Example: %colors nocolor for plain black and white."""
        set_colors(self.shell, line)

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


def set_colors(shell, line):
    """%colors' work: the shell's scheme from line; UsageError for none or a wrong one."""
    scheme = line.strip()
    if not scheme:
        raise UsageError("%%colors: you must specify a color theme. See '%%colors?'. "
                         'Available themes: %s' % list(shell.color_schemes))
    shell.colors = scheme               # (an unknown name is a UsageError)


QUICKREF = """ipylite quick reference
  obj?, obj??, ?obj   information (?? with source); np.*load*? searches names
  %magic args         a line magic; %%magic args + lines: a cell magic
  name args           automagic: same as %name when no variable `name` exists
  !cmd, !!cmd         run a shell command; x = !cmd keeps its lines (an SList)
  $var, {expr}        expanded in !commands and line magics ($$ for a literal $)
  _, __, ___          the last three results; _N and Out[N]: result N
  _i, _ii, _iN, In    the inputs
  %lsmagic, %magic    list / describe the magics; %name? one magic's help"""


# -------------------------------------------------------------- pretty printing

def pprint_on(shell):
    """Whether displayed values are pretty-printed (%pprint toggles it)."""
    return 'plain' not in vars(shell.display_formatter)


def set_pprint(shell, on):
    """Pretty printing off means text/plain is plain repr(), as IPython's pprint=False."""
    formatter = shell.display_formatter
    if on:
        vars(formatter).pop('plain', None)
    else:
        formatter.plain = repr


# ------------------------------------------------------------------ shell modes

def _alias(shell, kind, target, params=''):
    """A function that runs magic %target (kind 'line' or 'cell') with params first."""
    prefix = params + ' ' if params else ''
    if kind == 'line':
        def alias(line):
            return shell.run_line_magic(target, prefix + line)
    else:
        def alias(line, cell):
            return shell.run_cell_magic(target, prefix + line, cell)
    alias.__doc__ = 'Alias for `%s%s%s`.' % ('%' if kind == 'line' else '%%', target,
                                              ' ' + params if params else '')
    alias.no_var_expand = True      # the target expands $vars itself
    return alias


def _alias_args(line):
    """%alias_magic's words and options (-l/--line, -c/--cell, -p/--params VALUE),
    the options anywhere on the line as with IPython's argparse."""
    tokens, words, opts = split_words('alias_magic', line), [], {}
    while tokens:
        token = tokens.pop(0)
        if not token.startswith('-') or token == '-':
            words.append(token)
            continue
        key = {'--line': 'l', '--cell': 'c', '--params': 'p'}.get(token.partition('=')[0],
                                                                  token[1:2])
        if key not in 'lcp' or (len(token) > 2 and not token.startswith(('-p', '--'))):
            raise UsageError('%%alias_magic: unknown option %s' % token)
        if key != 'p':
            opts[key] = True
        elif '=' in token and token.startswith('--'):
            opts['p'] = token.partition('=')[2]
        elif token.startswith('-p') and len(token) > 2:
            opts['p'] = token[2:]
        elif tokens:
            opts['p'] = tokens.pop(0)
        else:
            raise UsageError('%alias_magic: -p/--params needs a value')
    return words, opts


class ShellModeMagics(Magics):
    """%pprint, %precision, %autoawait, %autocall, %doctest_mode, %alias_magic."""

    def line_pprint(self, line):
        """%pprint: toggle pretty printing of displayed values on and off."""
        on = not pprint_on(self.shell)
        set_pprint(self.shell, on)
        print('Pretty printing has been turned', 'ON' if on else 'OFF')

    def line_precision(self, line):
        """%precision [n | format]: how floats are shown ('' resets to repr)."""
        fmt = self.shell.display_formatter
        try:
            fmt.float_precision = line.strip()
        except ValueError:
            raise UsageError('%%precision: expected a number of digits or a %%-format, '
                             'not %r' % line.strip()) from None
        return fmt.float_format or '%r'

    def line_autoawait(self, line):
        """%autoawait [on|off|asyncio]: top-level `await` in cells on or off; with no
        argument, show whether it is on and which event loop runs it."""
        shell, arg = self.shell, line.strip()
        if not arg:
            print('IPython autoawait is `%s`, and set to use `asyncio`'
                  % ('on' if shell.autoawait else 'off'))
        elif arg.lower() in ('false', 'off'):
            shell.autoawait = False
        elif arg.lower() in ('true', 'on', 'asyncio'):
            shell.autoawait = True
        elif arg in ('curio', 'trio', 'sync'):
            raise UsageError('%%autoawait: only asyncio is supported here, not %r' % arg)
        else:
            raise UsageError('%%autoawait: expected on, off or asyncio, not %r' % arg)

    def line_autocall(self, line):
        """%autocall [mode]: call callables without parentheses (`f 1` runs f(1)).

        Modes: 0->Off, 1->Smart (not when there are no arguments), 2->Full (`f` alone
        runs f()). With no argument, toggle on and off, remembering the mode."""
        shell, arg = self.shell, line.strip()
        if arg:
            if arg not in ('0', '1', '2'):
                raise UsageError('%autocall: Valid modes: 0->Off, 1->Smart, 2->Full')
            shell.autocall = int(arg)
        elif shell.autocall:
            self.saved_autocall, shell.autocall = shell.autocall, 0
        else:
            shell.autocall = getattr(self, 'saved_autocall', 1)
        print('Automatic calling is:', AUTOCALL_MODES[shell.autocall])

    def line_doctest_mode(self, line):
        """%doctest_mode: toggle a mode that looks like the plain Python shell, for
        pasting sessions into doctests: `>>>` prompts (in the terminal), no Out[n],
        Plain exception reports and no pretty printing. Run it again to go back."""
        shell = self.shell
        saved = getattr(self, 'doctest_saved', None)
        if saved is None:
            self.doctest_saved = (pprint_on(shell), shell.xmode)
            set_pprint(shell, False)
            shell.run_line_magic('xmode', 'Plain')
        else:
            self.doctest_saved = None
            set_pprint(shell, saved[0])
            shell.run_line_magic('xmode', saved[1])
        shell.doctest_mode = saved is None      # the terminal's prompts and Out follow it
        print('Doctest mode is:', 'OFF' if saved else 'ON')

    @no_var_expand
    def line_alias_magic(self, line):
        """%alias_magic [-l] [-c] [-p PARAMS] name target: make %name (and %%name)
        run the line (and cell) magic %target, with PARAMS put before the arguments.

        -l/--line: only the line magic; -c/--cell: only the cell magic.
        Example: %alias_magic t timeit, then %t -n1 pass; %alias_magic h history -p "-l 30"."""
        shell = self.shell
        words, opts = _alias_args(line)
        if len(words) != 2:
            raise UsageError('%alias_magic: usage: %alias_magic [-l] [-c] [-p PARAMS] '
                             'name target')
        name, target = (w.lstrip('%') for w in words)
        params = opts.get('p', '')
        want_line, want_cell = 'l' in opts, 'c' in opts
        has_line, has_cell = target in shell.magics['line'], target in shell.magics['cell']
        if want_line and not has_line:
            raise UsageError('Line magic function `%%%s` not found.' % target)
        if want_cell and not has_cell:
            raise UsageError('Cell magic function `%%%%%s` not found.' % target)
        if not want_line and not want_cell:
            if not has_line and not has_cell:
                raise UsageError('No line or cell magic with name `%s` found.' % target)
            want_line, want_cell = has_line, has_cell
        if not name.isidentifier():
            raise UsageError('%%alias_magic: %r is not a valid magic name' % name)
        suffix = ' ' + params if params else ''
        for kind, wanted, esc in (('line', want_line, '%'), ('cell', want_cell, '%%')):
            if wanted:
                shell.register_magic_function(_alias(shell, kind, target, params), kind, name)
                print('Created `%s%s` as an alias for `%s%s%s`.' % (esc, name, esc, target,
                                                                    suffix))


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (BasicMagics, ShellModeMagics)
