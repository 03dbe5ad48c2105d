"""The rest of IPython's built-in magics: %pip, %pprint, %autoawait, %autocall,
%alias_magic, %doctest_mode, %notebook, %pycat, %less/%more, %clear, %loadpy,
%killbgscripts, and the cell-magic aliases (%%file, %%python, %%perl, %%ruby, %%HTML,
%%SVG, %%!, %%sx, %%system, %%debug).

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import re
import sys

from .magics import Magics, cell_magic, no_var_expand, parse_options, source_for
from .display import UsageError

RESTART_NOTE = 'Note: you may need to restart the kernel to use updated packages.'
AUTOCALL_MODES = ('Off', 'Smart', 'Full')


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


# --------------------------------------------------------------------- autocall

_EXCLUDE = re.compile(r'[,&^|*/+-]|is |not |in |and |or ')


def autocall_line(shell, line, echo=False):
    """`f args` as `f(args)` when f is a callable (IPython's autocall), with the
    rewrite shown as `------> f(args)` when the cell is about to run (called from
    Shell.transform_cell); None when the line is left as it is."""
    text = line.rstrip('\r\n')
    m = re.fullmatch(r'(\s*)([^\W\d][\w.]*)(\s.*)?', text)
    if not m or m[2].endswith('.'):
        return None
    indent, name, rest = m[1], m[2], (m[3] or '').strip()
    obj = shell._lookup(name)
    if not callable(obj):
        return None
    if _EXCLUDE.match(rest) or rest[:1] in tuple('!=()<>%') or rest.startswith('='):
        return None
    if not rest and shell.autocall < 2:
        return None
    if rest.startswith('[') and hasattr(obj, '__getitem__'):
        return None
    if rest.endswith(';'):
        new = '%s(%s);' % (name, rest[:-1])
    else:
        new = '%s(%s)' % (name, rest)
    if echo:            # the cell is about to run (not an is_complete check, a %timeit)
        print('------> ' + new)
    return indent + new + line[len(text):]


# ----------------------------------------------------------------------- magics

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
    from .magics import split_words
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
    """%pprint, %autoawait, %autocall, %doctest_mode, %alias_magic."""

    def line_pprint(self, line):
        """%pprint: toggle pretty printing of displayed values on and off."""
        on = not pprint_on(self.shell)
        set_pprint(self.shell, on)
        print('Pretty printing has been turned', 'ON' if on else 'OFF')

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


class PackagingMagics(Magics):
    """%pip."""

    def line_pip(self, line):
        """%pip args: run pip for the interpreter this shell runs on
        (`sys.executable -m pip args`), e.g. %pip install package."""
        import shlex
        shell = self.shell
        shell.system('%s -m pip %s' % (shlex.quote(sys.executable), line.strip()))
        status = shell.user_ns.get('_exit_code')
        if status:
            sys.stderr.write('pip exited with status %d\n' % status)
        print(RESTART_NOTE)


class FileMagics(Magics):
    """%pycat, %less/%more, %clear, %loadpy, %notebook."""

    def line_pycat(self, line):
        """%pycat source: show a file, a history range (e.g. 1-3), a string variable
        or a macro in the pager."""
        self.shell.page(source_for(self.shell, 'pycat', line.strip()))

    def line_less(self, line):
        """%less file: show a file in the pager (%more is the same)."""
        path = os.path.expanduser(line.strip())
        if not path:
            raise UsageError('%less: missing file name')
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                text = f.read()
        except OSError as e:
            raise UsageError('%%less: cannot read %s: %s' % (path, e.strerror)) from None
        self.shell.page(text)

    line_more = line_less

    def line_clear(self, line):
        """%clear: clear the terminal screen (nothing happens when not on a terminal)."""
        if sys.stdout.isatty():
            sys.stdout.write('\x1b[H\x1b[2J')
            sys.stdout.flush()

    def line_loadpy(self, line):
        """%loadpy source: the same as %load (the .py extension is no longer needed)."""
        return self.shell.run_line_magic('load', line)

    def line_notebook(self, line):
        """%notebook file.ipynb: write this session's history as a notebook, a code
        cell per input, with its output where Out[] still has it."""
        from . import nbfile
        shell = self.shell
        words = line.split()
        if len(words) != 1:
            raise UsageError('%notebook: expected one file name (e.g. %notebook out.ipynb)')
        path = os.path.expanduser(words[0])
        if shell.history is not None:
            inputs = [(n, src) for _, n, src in shell.history.get_range(raw=True)]
        else:
            inputs = list(enumerate(shell.In))[1:]
        inputs = [(n, src) for n, src in inputs if n < shell.execution_count]  # not this one
        if not inputs:
            raise UsageError('%notebook: history is empty, nothing to export')
        nb = nbfile.new_notebook()
        for n, source in inputs:
            outputs = []
            if n in shell.Out:
                data, md = shell.display_formatter.format(shell.Out[n])
                outputs.append({'output_type': 'execute_result', 'execution_count': n,
                                'data': data, 'metadata': md})
            nb['cells'].append({'cell_type': 'code', 'id': nbfile.new_cell_id(),
                                'execution_count': n, 'metadata': {},
                                'source': source.rstrip('\n'), 'outputs': outputs})
        try:
            nbfile.write(nb, path)
        except OSError as e:
            raise UsageError('%%notebook: cannot write %s: %s' % (path, e.strerror)) from None


class CellAliasMagics(Magics):
    """IPython's other names for cell magics: %%file, %%python, %%perl, %%ruby...,
    %%HTML, %%SVG, %%!, %%sx, %%system, %%debug."""

    def _run(self, target, line, cell):
        return self.shell.magics['cell'][target](line, cell)

    def cell_file(self, line, cell):
        """%%file [-a] filename: the same as %%writefile."""
        return self._run('writefile', line, cell)

    def cell_HTML(self, line, cell):
        """%%HTML: the same as %%html, show the cell as HTML."""
        return self._run('html', line, cell)

    def cell_SVG(self, line, cell):
        """%%SVG: the same as %%svg, show the cell as an SVG image."""
        return self._run('svg', line, cell)

    def _script(self, prog, line, cell, magic):
        from .sysmagics import run_script
        run_script(self.shell, prog, line, cell, magic)

    def cell_python(self, line, cell):
        """%%python [--out var] [--err var] [--bg]: run the cell in a new Python
        process (this shell's interpreter)."""
        self._script(sys.executable, line, cell, 'python')

    def cell_python3(self, line, cell):
        """%%python3 [--out var] [--err var] [--bg]: run the cell in a new Python
        process (this shell's interpreter)."""
        self._script(sys.executable, line, cell, 'python3')

    def cell_pypy(self, line, cell):
        """%%pypy [--out var] [--err var] [--bg]: run the cell with pypy."""
        self._script('pypy', line, cell, 'pypy')

    def cell_perl(self, line, cell):
        """%%perl [--out var] [--err var] [--bg]: run the cell with perl."""
        self._script('perl', line, cell, 'perl')

    def cell_ruby(self, line, cell):
        """%%ruby [--out var] [--err var] [--bg]: run the cell with ruby."""
        self._script('ruby', line, cell, 'ruby')

    def cell_sx(self, line, cell):
        """%%sx [--out var] (also %%system, %%!): run each line of the cell in a shell;
        returns the output lines (an SList), or stores them in var."""
        opts, _ = parse_options('sx', line, 'o:', ('out=',))
        output = self.shell.getoutput(cell)
        name = opts.get('out', opts.get('o'))
        if name:
            self.shell.user_ns[name] = output
            return None
        return output

    cell_system = cell_sx
    bang = cell_magic('!')(lambda self, line, cell: self.cell_sx(line, cell))
    bang.__doc__ = cell_sx.__doc__

    def cell_debug(self, line, cell):
        """%%debug [--breakpoint file:line]: run the cell under the debugger (pdb),
        as %debug statement does for one line (an empty cell: %debug post-mortem)."""
        return self.shell.magics['line']['debug'](line + '\n' + cell)




class KernelMagics(Magics):
    """Magics about the kernel this shell runs in: %connect_info, %qtconsole, %autosave."""

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


CLASSES = (ShellModeMagics, PackagingMagics, FileMagics, CellAliasMagics, KernelMagics)
