"""Built-in magics that reach outside the interpreter: display cell magics, %%capture
and %gui; shell commands, aliases, directories and the environment; %logstart.

Also %run. Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import sys

from .magics import Magics, make_debugger, int_option, split_words, parse_options
from .display import UsageError

POSIX_ALIASES = {
    'cat': 'cat', 'cp': 'cp', 'mv': 'mv', 'rm': 'rm', 'mkdir': 'mkdir', 'rmdir': 'rmdir',
    'ls': 'ls -F -C',   # (-C: columns as IPython's ls through its pty)
    'll': 'ls -F -l', 'lf': 'ls -F -l %l | grep ^-',
    'ldir': 'ls -F -l %l | grep /$', 'lk': 'ls -F -l %l | grep ^l',
    'lx': 'ls -F -l %l | grep ^-..x',
}


def install_default_aliases(shell):
    if os.name == 'posix':
        for name, cmd in POSIX_ALIASES.items():
            define_alias(shell, name, cmd)


def define_alias(shell, name, cmd):
    """Make %name run cmd: %s takes the arguments one by one, %l the whole line."""
    nargs = cmd.count('%s')
    if nargs and '%l' in cmd:
        raise UsageError('%%alias: use either %%s or %%l in %r, not both' % cmd)

    def alias(line):
        args = line.split()
        if nargs:
            if len(args) < nargs:
                raise UsageError('%%%s: needs at least %d argument%s, got %d' % (
                    name, nargs, '' if nargs == 1 else 's', len(args)))
            command = cmd % tuple(args[:nargs]) + (' ' + ' '.join(args[nargs:])
                                                   if args[nargs:] else '')
        elif '%l' in cmd:
            command = cmd.replace('%l', line)
        else:
            command = (cmd + ' ' + line).strip()
        shell.system(command)
    alias.__doc__ = 'Alias for `%s`' % cmd
    alias.alias_command = cmd
    shell.magics_state.aliases[name] = cmd
    shell.register_magic_function(alias, 'line', name)


# ---------------------------------------------------------------------- display

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
    """%%html, %%markdown, %%latex, %%svg, %%javascript, %%capture, %gui (%matplotlib
    inline is the Shell's own)."""

    def _show(self, cls, cell):
        from . import display
        display.display(getattr(display, cls)(cell))

    def cell_html(self, line, cell):
        """%%html: show the cell as HTML."""
        self._show('HTML', cell)

    def cell_markdown(self, line, cell):
        """%%markdown: show the cell as Markdown."""
        self._show('Markdown', cell)

    def cell_latex(self, line, cell):
        """%%latex: show the cell as LaTeX."""
        self._show('Latex', cell)

    def cell_svg(self, line, cell):
        """%%svg: show the cell as an SVG image."""
        self._show('SVG', cell)

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


# ------------------------------------------------------------------------ system

class OSMagics(Magics):
    """Shell commands, aliases, directories and the environment."""

    def line_system(self, line):
        """%system cmd (also %sx, !!cmd): run cmd, return its output lines (an SList)."""
        if not line.strip():
            raise UsageError('%system: missing command')
        return self.shell.getoutput(line)

    line_sx = line_system

    def _script(self, prog, line, cell):
        run_script(self.shell, prog, line, cell)

    def line_killbgscripts(self, line):
        """%killbgscripts: kill the processes %%script --bg (and %%bash --bg...) started."""
        kill_bg_scripts(self.shell)
        print('All background processes were killed.')

    def cell_script(self, line, cell):
        """%%script prog [--out var] [--err var] [--bg]: run the cell with prog."""
        self._script(None, line, cell)

    def cell_bash(self, line, cell):
        """%%bash: run the cell with bash."""
        self._script('bash', line, cell)

    def cell_sh(self, line, cell):
        """%%sh: run the cell with sh."""
        self._script('sh', line, cell)

    def line_alias(self, line):
        """%alias name cmd: %name runs cmd (%s: one argument each, %l: the whole line).
        With no argument, list the aliases."""
        parts = line.strip().split(None, 1)
        state = self.shell.magics_state
        if not parts:
            print('Total number of aliases: %d' % len(state.aliases))
            return sorted(state.aliases.items())
        name = parts[0]
        if not name.isidentifier():
            raise UsageError('%%alias: %r is not a valid name' % name)
        define_alias(self.shell, name, parts[1] if len(parts) > 1 else name)

    def line_unalias(self, line):
        """%unalias name: remove an alias."""
        name = line.strip()
        state = self.shell.magics_state
        if name not in state.aliases:
            raise UsageError('%%unalias: %r is not an alias' % name)
        del state.aliases[name]
        self.shell.magics['line'].pop(name, None)

    def line_rehashx(self, line):
        """%rehashx: make an alias for every executable on $PATH."""
        import builtins
        shell = self.shell
        for folder in os.environ.get('PATH', '').split(os.pathsep):
            try:
                entries = os.listdir(folder or '.')
            except OSError:
                continue
            for name in entries:
                if not name.isidentifier() or name in builtins.__dict__ or \
                        (name in shell.magics['line'] and name not in shell.magics_state.aliases):
                    continue
                path = os.path.join(folder, name)
                if os.access(path, os.X_OK) and os.path.isfile(path) and \
                        name not in shell.magics_state.aliases:
                    define_alias(shell, name, name)

    # -- directories
    def _chdir(self, path):
        state = self.shell.magics_state
        try:
            os.chdir(path)
        except OSError as e:
            raise UsageError('%%cd: %s: %s' % (path, e.strerror)) from None
        cwd = os.getcwd()
        if state.dir_history[-1:] != [cwd]:
            state.dir_history.append(cwd)
        self.shell.user_ns['_dh'] = state.dir_history
        return cwd

    def line_cd(self, line):
        """%cd [dir | - | -N | -b bookmark | -q]: change directory; no argument goes
        home, - to the previous one, -N to entry N of %dhist."""
        import re
        state = self.shell.magics_state
        opts, arg = parse_options('cd', line, 'qb:')
        arg = arg.strip().strip('"\'')
        if 'b' in opts:
            marks = self._bookmarks()
            if opts['b'] not in marks:
                raise UsageError('%%cd -b: no bookmark %r' % opts['b'])
            target = marks[opts['b']]
        elif not arg:
            target = os.path.expanduser('~')
        elif arg == '-':
            if len(state.dir_history) < 2:
                raise UsageError('%cd -: no previous directory')
            target = state.dir_history[-2]
        elif re.fullmatch(r'-\d+', arg):
            n = int(arg[1:])
            if n >= len(state.dir_history):
                raise UsageError('%%cd: no entry %d in the directory history' % n)
            target = state.dir_history[n]
        else:
            target = os.path.expanduser(arg)
            if not os.path.isdir(target) and arg in self._bookmarks():
                target = self._bookmarks()[arg]
        cwd = self._chdir(target)
        if 'q' not in opts:
            print(cwd)

    def line_pwd(self, line):
        """%pwd: the current directory."""
        return os.getcwd()

    def line_pushd(self, line):
        """%pushd [dir]: remember the current directory and cd to dir (default home)."""
        here = os.getcwd()
        self.line_cd(line)
        self.shell.magics_state.dir_stack.insert(0, here)
        return self.line_dirs('')

    def line_popd(self, line):
        """%popd: cd back to the directory on top of the %pushd stack."""
        stack = self.shell.magics_state.dir_stack
        if not stack:
            raise UsageError('%popd: the directory stack is empty')
        print('popd -> %s' % self._chdir(stack.pop(0)))

    def line_dirs(self, line):
        """%dirs: the %pushd stack, current directory first."""
        return [os.getcwd()] + self.shell.magics_state.dir_stack

    def line_dhist(self, line):
        """%dhist [n | n1 n2]: the directories visited (%cd -N goes back to one)."""
        hist = self.shell.magics_state.dir_history
        if not all(a.isdigit() for a in line.split()) or len(line.split()) > 2:
            raise UsageError('%%dhist: expected [n] or [n1 n2] (numbers), not %r'
                             % line.strip())
        args = [int(a) for a in line.split()]
        first, last = (0, len(hist)) if not args else \
            ((max(0, len(hist) - args[0]), len(hist)) if len(args) == 1 else args[:2])
        print('Directory history (kept in _dh)')
        for i in range(first, min(last, len(hist))):
            print('%d: %s' % (i, hist[i]))

    def _bookmarks_file(self):
        from .magics import db_dir
        return os.path.join(db_dir(self.shell), 'bookmarks.json')

    def _bookmarks(self):
        import json
        try:
            with open(self._bookmarks_file()) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def line_bookmark(self, line):
        """%bookmark name [dir]: remember dir (default: here) for %cd -b name;
        -l lists, -d name deletes, -r removes all. Kept in the profile."""
        import json
        opts, rest = parse_options('bookmark', line, 'ld:r')
        marks = self._bookmarks()
        if 'l' in opts:
            print('Current bookmarks:')
            for name in sorted(marks):
                print('%-10s -> %s' % (name, marks[name]))
            return
        if 'r' in opts:
            marks = {}
        elif 'd' in opts:
            if opts['d'] not in marks:
                raise UsageError('%%bookmark -d: no bookmark %r' % opts['d'])
            del marks[opts['d']]
        else:
            words = split_words('bookmark', rest)
            if not words or len(words) > 2:
                raise UsageError('%bookmark: usage: %bookmark name [dir]')
            marks[words[0]] = os.path.abspath(os.path.expanduser(words[1])) \
                if len(words) == 2 else os.getcwd()
        with open(self._bookmarks_file(), 'w') as f:
            json.dump(marks, f)

    # -- environment
    def line_env(self, line):
        """%env: all environment variables; %env VAR: one; %env VAR=value (or
        %env VAR value): set one."""
        arg = line.strip()
        if not arg:
            return dict(os.environ)
        if '=' in arg or ' ' in arg:
            sep = '=' if '=' in arg else ' '
            name, _, value = arg.partition(sep)
            return self._set(name.strip(), value.strip())
        if arg not in os.environ:
            raise UsageError('%%env: environment does not have key: %s' % arg)
        return os.environ[arg]

    def line_set_env(self, line):
        """%set_env VAR value (or VAR=value): set an environment variable."""
        import re
        m = re.fullmatch(r'\s*(\S+?)\s*(?:=|\s)\s*(.*)', line)
        if not m:
            raise UsageError('%set_env: usage: %set_env VAR value')
        self._set(m[1], m[2].strip())

    def _set(self, name, value):
        if not name.isidentifier():
            raise UsageError('%%env: %r is not a valid variable name' % name)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        os.environ[name] = value
        print('env: %s=%s' % (name, value))


# ------------------------------------------------------------------------ logging


# ---------------------------------------------------------------------- %%script

def _script_args(magic, line):
    """IPython's reading of a %%script line: its options (--out/--err/--proc VAR, --bg,
    --no-raise-error) anywhere, every other word for the program (`bash -x`)."""
    words, opts, cmd, i = split_words(magic, line), {}, [], 0
    while i < len(words):
        word = words[i]
        name, eq, value = word[2:].partition('=')
        if word.startswith('--') and name in ('out', 'err', 'proc'):
            if not eq:
                if i + 1 >= len(words):
                    raise UsageError('%%%%%s: --%s needs a variable name' % (magic, name))
                i, value = i + 1, words[i + 1]
            opts[name] = value
        elif word in ('--bg', '--no-raise-error'):
            opts[word[2:]] = True
        else:
            cmd.append(word)
        i += 1
    return opts, cmd


def run_script(shell, prog, line, cell, magic='script'):
    """Run cell as the stdin of prog (None: the first word of line), for %%script,
    %%bash, %%python, %%perl..., as IPython does: options --out/--err VAR keep the
    output in VAR (with --bg, VAR is the process's pipe), --bg leaves it running (see
    %killbgscripts; its output goes straight to the terminal unless --out, --err or
    --proc ask for pipes), --proc VAR keeps the Popen object; other words go to the
    program. A program that is not there is one printed line; one that exits non-zero
    raises CalledProcessError (not with --no-raise-error)."""
    import subprocess
    opts, words = _script_args(magic, line)
    if prog is not None:
        words = [prog] + words
    if not words:
        raise UsageError('%%script: missing program (e.g. %%script python3)')
    for key in ('out', 'err'):
        if key in opts:
            shell.user_ns[opts[key]] = ''
    bg = 'bg' in opts
    pipe = subprocess.PIPE        # in the background, a pipe only when someone can read it
    try:
        proc = subprocess.Popen(words, stdin=pipe,
                                stdout=pipe if not bg or {'out', 'proc'} & set(opts) else None,
                                stderr=pipe if not bg or {'err', 'proc'} & set(opts) else None)
    except FileNotFoundError:
        print("Couldn't find program: %r" % words[0])
        return
    except OSError as e:
        raise UsageError('%%%%%s: cannot run %r: %s' % (magic, words[0], e.strerror)) from None
    if not cell.endswith('\n'):
        cell += '\n'
    if 'proc' in opts:
        shell.user_ns[opts['proc']] = proc
    if bg:
        proc.stdin.write(cell.encode())
        proc.stdin.close()
        for key, stream in (('out', proc.stdout), ('err', proc.stderr)):
            if key in opts:
                shell.user_ns[opts[key]] = stream
        procs = shell.magics_state.__dict__.setdefault('bg_processes', [])
        procs[:] = [p for p in procs if p.poll() is None] + [proc]
        return
    try:
        out, err = proc.communicate(cell.encode())
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        raise
    out, err = out.decode(errors='replace'), err.decode(errors='replace')
    if 'out' in opts:
        shell.user_ns[opts['out']] = out
    else:
        sys.stdout.write(out)
    if 'err' in opts:
        shell.user_ns[opts['err']] = err
    else:
        sys.stderr.write(err)
    shell.user_ns['_exit_code'] = proc.returncode
    if proc.returncode and 'no-raise-error' not in opts:
        sys.stdout.flush()
        sys.stderr.flush()
        raise subprocess.CalledProcessError(proc.returncode, cell)


def kill_bg_scripts(shell):
    """Stop the --bg processes: SIGINT, then SIGTERM, then SIGKILL, a moment apart."""
    import signal
    import subprocess
    procs = [p for p in shell.magics_state.__dict__.get('bg_processes', ())
             if p.poll() is None]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        for p in procs:
            if p.poll() is None:
                p.send_signal(sig)
        for p in procs:
            try:
                p.wait(0.2)
            except subprocess.TimeoutExpired:
                pass
        procs = [p for p in procs if p.poll() is None]
    shell.magics_state.__dict__['bg_processes'] = []


class LoggingMagics(Magics):
    """%logstart, %logstop, %logstate, %logon, %logoff."""

    def line_logstart(self, line):
        """%logstart [-o] [-t] [-r] [file [append|backup|global|over|rotate]]: log every
        input (with -o outputs, with -t timestamps) to file (default
        ipython_log.py)."""
        import time
        state = self.shell.magics_state
        if state.log is not None:
            raise UsageError('%%logstart: already logging to %s (use %%logstop first)'
                             % state.log['file'])
        opts, rest = parse_options('logstart', line, 'otr')
        words = split_words('logstart', rest)
        filename = os.path.expanduser(words[0]) if words else 'ipython_log.py'
        mode = words[1] if len(words) > 1 else 'backup'
        if mode not in ('append', 'backup', 'global', 'over', 'rotate'):
            raise UsageError('%%logstart: unknown mode %r' % mode)
        if mode == 'backup' and os.path.exists(filename):
            os.replace(filename, filename + '~')
        elif mode == 'rotate' and os.path.exists(filename):
            n = 1
            while os.path.exists('%s.%03d~' % (filename, n)):
                n += 1
            os.replace(filename, '%s.%03d~' % (filename, n))
        try:
            f = open(filename, 'a' if mode in ('append', 'global') else 'w', encoding='utf-8')
        except OSError as e:
            raise UsageError('%%logstart: cannot open %s: %s' % (filename, e.strerror)) from None
        f.write('# IPython log file\n\n')
        shell = self.shell
        if shell.history is not None:           # the session so far, then what follows
            rows = shell.history.get_range(0, 1, shell.execution_count, raw='r' in opts)
            earlier = [source for _, _, source in rows]
        else:
            earlier = shell.In[1:shell.execution_count]
        for cell in earlier:
            if cell.strip():
                f.write(cell.rstrip('\n') + '\n')
        f.flush()

        def log_cell(result):
            if state.log is None or not state.log['on']:
                return
            cell = result.info.raw_cell
            if not cell.strip() or result.info.silent:
                return
            if 't' in opts:
                f.write(time.strftime('# %a, %d %b %Y %H:%M:%S\n'))
            f.write((cell if 'r' in opts else shell.transform_cell(cell)).rstrip('\n') + '\n')
            if 'o' in opts and result.result is not None:
                f.write('#[Out]# %s\n' % repr(result.result).replace('\n', '\n#[Out]# '))
            f.flush()
        state.log = {'file': filename, 'mode': mode, 'fh': f, 'hook': log_cell, 'on': True}
        shell.events.register('post_run_cell', log_cell)
        print('Activating auto-logging. Current session state plus future input saved.\n'
              'Filename       : %s\nMode           : %s\nOutput logging : %s\n'
              'Timestamping   : %s\nState          : active' % (
                  filename, mode, 'o' in opts, 't' in opts))

    def line_logstop(self, line):
        """%logstop: stop logging and close the log file."""
        state = self.shell.magics_state
        if state.log is None:
            print('Logging hadn\'t been started.')
            return
        self.shell.events.unregister('post_run_cell', state.log['hook'])
        state.log['fh'].close()
        state.log = None

    def line_logstate(self, line):
        """%logstate: whether and where logging is on."""
        log = self.shell.magics_state.log
        print('Logging has not been activated.' if log is None else
              'Filename       : %s\nMode           : %s\nState          : %s' % (
                  log['file'], log['mode'], 'active' if log['on'] else 'temporarily off'))

    def line_logoff(self, line):
        """%logoff: pause logging."""
        self._switch(False)

    def line_logon(self, line):
        """%logon: resume logging."""
        self._switch(True)

    def _switch(self, on):
        log = self.shell.magics_state.log
        if log is None:
            raise UsageError('Logging has not been started: use %logstart first')
        log['on'] = on


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
        from .magics import run_profiled
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


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (DisplayMagics, OSMagics, LoggingMagics, RunMagics)
