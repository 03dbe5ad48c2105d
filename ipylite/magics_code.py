"""Built-in magics for code in files and history: %run, %load, %loadpy, %save, %edit
(%ed), %macro, %%writefile (%%file), %pycat, %less/%more and %pastebin.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import re
import sys

from .completer import MISSING, lookup
from .debugger import make_debugger
from .display import UsageError
from .magics import (Macro, Magics, find_user_code, int_option, parse_options, source_for,
                     split_words)
from .magics_execution import run_profiled


# ------------------------------------------------------------------------ %run

def _glob_args(args):
    """Arguments with wildcards become the files they match, as a shell would do;
    a pattern that matches nothing stays as it is."""
    import glob
    out = []
    for arg in args:
        matches = sorted(glob.glob(arg)) if any(c in arg for c in '*?[') else []
        out.extend(matches or [arg])
    return out


class RunMagics(Magics):
    """%run."""

    def line_run(self, line):
        """%run [-i] [-e] [-t] [-p [prun options]] [-d [-b N]] [-n] [-G] script.py [args...]
        %run -m module [args...]

        Runs the script as a program (__name__ == '__main__', sys.argv = script
        and args), then puts its names into the namespace. -i runs it in the
        namespace itself, -e ignores its sys.exit(), -t times it, -p profiles it,
        -d runs it under pdb (-b N: with a breakpoint at line N), -n leaves __name__
        as the file's stem. Arguments with * ? [ are expanded as file names unless -G."""
        __tracebackhide__ = True  # noqa: F841
        import time
        shell = self.shell
        opts, rest = parse_options('run', line, 'ietdnpGm:s:l:r:T:D:qb:', stop_after='m')
        if 'm' in opts:
            module, args = opts['m'], split_words('run', rest)
            filename = None
        else:
            words = split_words('run', rest)
            if not words:
                raise UsageError('%run: missing file name')
            filename, args = os.path.expanduser(words[0]), words[1:]
            if 'G' not in opts:
                args = _glob_args(args)
            if not os.path.isfile(filename):
                if os.path.isfile(filename + '.py'):
                    filename += '.py'
                else:
                    # IPython raises a bare Exception here, and notebooks show its name
                    raise Exception('File `%r` not found.' % words[0])
        if 'm' in opts:
            import importlib.util
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            if spec is None or not spec.origin or not os.path.isfile(spec.origin):
                raise UsageError('%%run: no module named %r' % module)
            if spec.submodule_search_locations:
                spec = importlib.util.find_spec(module + '.__main__')
            filename = spec.origin
        import tokenize
        try:
            with tokenize.open(filename) as f:      # its coding cookie, else UTF-8
                source = f.read()
        except (SyntaxError, UnicodeDecodeError) as e:
            raise UsageError('%%run: cannot decode %s: %s' % (filename, e)) from None
        if filename.endswith('.ipy'):
            source = shell.transform_cell(source)
        path = os.path.abspath(filename)      # tracebacks name the file in full
        code = compile(source, path, 'exec', dont_inherit=True)
        if 'i' in opts:
            ns = shell.user_ns
        else:
            stem = os.path.splitext(os.path.basename(filename))[0]
            ns = {'__name__': stem if 'n' in opts else '__main__', '__builtins__': __builtins__,
                  '__doc__': None}
        ns['__file__'] = filename
        import types
        main_mod = types.ModuleType('__main__')
        main_mod.__dict__.update(ns)
        if ns is not shell.user_ns:
            ns = main_mod.__dict__
        saved = sys.argv, sys.modules.get('__main__'), list(sys.path)
        sys.argv = [filename if 'm' not in opts else module] + args
        sys.path.insert(0, os.path.dirname(os.path.abspath(filename)))
        if ns is not shell.user_ns:
            sys.modules['__main__'] = main_mod
        t0, c0 = time.perf_counter(), os.times()
        try:
            if 'd' in opts:
                debugger = make_debugger()
                if 'b' in opts:
                    lineno = int_option('run', opts, 'b', 1)
                    error = debugger.set_break(path, lineno)
                    if error:
                        raise UsageError('%%run -b: %s' % error)
                    print('Breakpoint %d at %s:%d' % (debugger.get_breaks(path, lineno)[-1]
                                                      .number, path, lineno))
                print('Running %s under the debugger; "c" continues, "q" quits.' % filename)
                debugger.run(code, ns, ns)
            elif 'p' in opts:
                run_profiled(shell, 'run', opts, code, ns, ns)
            else:
                exec(code, ns, ns)
        except SystemExit as e:
            if not ('e' in opts or e.code in (None, 0)):
                raise
        except BaseException as e:     # the traceback starts in the script, not at %run
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != path:
                tb = tb.tb_next
            if tb is None or isinstance(e, KeyboardInterrupt):
                raise
            shell.showtraceback((type(e), e, tb))
            try:
                e._ipylite_shown = True
            except AttributeError:
                pass
            raise
        finally:
            sys.argv, main, sys.path[:] = saved
            if main is not None:
                sys.modules['__main__'] = main
            if ns is not shell.user_ns:
                ns.pop('__builtins__', None)
                shell.user_ns.update(ns)
                shell.user_ns['__name__'] = '__main__'
                shell.user_ns.pop('__file__', None)
        if 't' in opts:
            c1 = os.times()
            print('\nIPython CPU timings (estimated):\n  User   : %10.2f s.\n'
                  '  System : %10.2f s.\nWall time: %10.2f s.' % (
                      c1.user - c0.user, c1.system - c0.system, time.perf_counter() - t0))


# ------------------------------------------------------- code in and out of files

class CodeMagics(Magics):
    """%load, %loadpy, %save, %edit (%ed), %%writefile (%%file), %macro, %pycat, %less,
    %pastebin."""

    def line_load(self, line):
        """%load [-r range] [-s symbol] source: put a file's, a history range's, a
        URL's or an object's code into the next input (a set_next_input payload in a
        kernel). With no source, this session's input so far. A source that is none
        of these is a ValueError, as in IPython."""
        opts, arg = parse_options('load', line, 'r:s:yn')
        text = find_user_code(self.shell, arg)
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

    def line_loadpy(self, line):
        """%loadpy source: the same as %load (the .py extension is no longer needed)."""
        return self.shell.run_line_magic('load', line)

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
        """%edit [-x] [-n line] [file | range | name]: open it in $EDITOR, then run
        what was saved (not with -x). No argument: a new temporary file. In a kernel,
        as with ipykernel, the frontend is asked to open the file (an edit_magic
        payload: a function opens at its own file and line) and nothing is run."""
        import shlex
        import subprocess
        import tempfile
        opts, arg = parse_options('edit', line, 'xpn:r')
        filename, temp, lineno = None, False, None
        path = os.path.expanduser(arg)
        obj = lookup([self.shell.user_ns], arg) if arg else MISSING
        if self.shell.pager_payload and obj is not MISSING and not isinstance(obj, (str, Macro)):
            filename, lineno = _source_file(obj)
        if filename:
            pass            # a function's (class's, module's) own file, in a kernel
        elif arg and (os.path.isfile(path) or (not re.fullmatch(r'[\d\s~/:,-]+', arg)
                                               and arg not in self.shell.user_ns)):
            filename = path
        else:
            text = source_for(self.shell, 'edit', arg) if arg else ''
            fd, filename = tempfile.mkstemp(suffix='.py', prefix='ipylite_edit_')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                f.write(text)
            temp = True
            print('IPython will make a temporary file named:', filename)    # (its words)
        if self.shell.pager_payload:        # a kernel has no terminal: the frontend edits
            if 'n' in opts:
                lineno = int_option('edit', opts, 'n', None)
            self.shell.payload.append({'source': 'edit_magic',
                                       'filename': os.path.abspath(filename),
                                       'line_number': lineno})
            return None
        editor = os.environ.get('VISUAL') or os.environ.get('EDITOR') or 'vi'
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

    line_ed = line_edit

    def line_pastebin(self, line):
        """%pastebin [-d description] [-e days] [source]: post code to dpaste.com
        and return its URL. The source is what %load takes: a history range (1-7), a
        file, a string or macro; none posts this session's input so far. -d sets the
        title (default "Pasted from IPython"), -e the days until it expires (1 to
        365, default 7). Offline, the network error is one line."""
        from urllib.parse import urlencode
        from urllib.request import Request, urlopen
        from . import __version__
        opts, arg = parse_options('pastebin', line, 'd:e:')
        try:
            code = find_user_code(self.shell, arg)
        except (ValueError, TypeError) as e:
            print(e.args[0])
            return None
        try:
            days = int(opts.get('e', 7))
        except ValueError:
            raise UsageError('%%pastebin: -e needs a number of days, not %r' % opts['e']) \
                from None
        if not 1 <= days <= 365:
            print('Expiry days should be in range of 1 to 365')
            return None
        data = urlencode({'title': opts.get('d', 'Pasted from IPython'), 'syntax': 'python',
                          'content': code, 'expiry_days': days}).encode('utf-8')
        request = Request(self.pastebin_url, headers={'User-Agent': 'ipylite v' + __version__})
        answer = {}

        def post():     # in a thread: a name lookup that hangs is not under urlopen's timeout
            try:
                with urlopen(request, data, timeout=self.pastebin_timeout) as response:
                    answer['url'] = response.headers.get('Location')
            except Exception as e:     # URLError, a timeout, a refused connection...
                answer['error'] = getattr(e, 'reason', None) or e
        import threading
        worker = threading.Thread(target=post, name='pastebin', daemon=True)
        worker.start()
        worker.join(self.pastebin_timeout + 1)
        if worker.is_alive():
            answer['error'] = 'no answer in %d s' % self.pastebin_timeout
        if 'url' in answer:
            return answer['url']
        raise UsageError('%%pastebin: cannot post to %s: %s'
                         % (self.pastebin_url, answer.get('error')))

    pastebin_url = 'https://dpaste.com/api/v2/'
    pastebin_timeout = 15           # seconds: offline, fail instead of hanging

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

    def cell_file(self, line, cell):
        """%%file [-a] filename: the same as %%writefile."""
        return self.shell.magics['cell']['writefile'](line, cell)

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


def _parse_line_ranges(spec):
    from .history import parse_ranges
    try:
        return parse_ranges(spec)
    except ValueError as e:
        raise UsageError('%%load: %s' % e) from None


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (RunMagics, CodeMagics)


def _source_file(obj):
    """(file, first line) of a function's, class's or module's source, or (None, None)."""
    import inspect
    try:
        target = inspect.unwrap(obj) if callable(obj) else obj
        filename = inspect.getsourcefile(target)
        lineno = inspect.getsourcelines(target)[1] if filename else None
    except (TypeError, OSError):
        return None, None
    if not filename or not os.path.isfile(filename):
        return None, None
    return filename, lineno or 1

