"""Built-in magics that reach the operating system: aliases (%alias, %unalias,
%rehashx and the default ls, cp, mv, man...), directories (%cd, %pwd, %pushd, %popd, %dirs,
%dhist, %bookmark), the environment (%env, %set_env), %clear; shell commands and
scripts (%system, %sx, %sc, %%sx, %%script, %%bash, %%sh, %%python, %%python2,
%%perl, %%ruby..., %killbgscripts); packages: %pip, %uv, %conda, %mamba, %micromamba.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import sys

from .magics import Magics, cell_magic, db_dir, parse_options, split_words
from .display import UsageError

POSIX_ALIASES = {
    'cat': 'cat', 'cp': 'cp', 'mv': 'mv', 'rm': 'rm', 'mkdir': 'mkdir', 'rmdir': 'rmdir',
    'ls': 'ls -F -C',   # (-C: columns as IPython's ls through its pty)
    'll': 'ls -F -l', 'lf': 'ls -F -l %l | grep ^-',
    'ldir': 'ls -F -l %l | grep /$', 'lk': 'ls -F -l %l | grep ^l',
    'lx': 'ls -F -l %l | grep ^-..x',
}


# (at a terminal, these run with the terminal itself; the ones that are magics
# already, %clear %more %less, stay magics, as in IPython)
TERMINAL_ALIASES = ('clear', 'more', 'less', 'man')


def install_default_aliases(shell):
    if os.name == 'posix':
        for name, cmd in POSIX_ALIASES.items():
            define_alias(shell, name, cmd)
        for name in TERMINAL_ALIASES:
            if name not in shell.magics['line']:
                define_alias(shell, name, name)


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


# --------------------------------------------------- aliases, directories, environment

class OSMagics(Magics):
    """Aliases, directories and the environment."""

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

    def line_clear(self, line):
        """%clear: clear the terminal screen (nothing happens when not on a terminal)."""
        if sys.stdout.isatty():
            sys.stdout.write('\x1b[H\x1b[2J')
            sys.stdout.flush()


# ------------------------------------------------------ shell commands and scripts

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


class ScriptMagics(Magics):
    """%system (%sx), %%sx (%%system, %%!), %%script and its short forms (%%bash,
    %%sh, %%python, %%perl, %%ruby...), %killbgscripts."""

    def line_system(self, line):
        """%system cmd (also %sx, !!cmd): run cmd, return its output lines (an SList)."""
        if not line.strip():
            raise UsageError('%system: missing command')
        return self.shell.getoutput(line)

    line_sx = line_system

    def line_sc(self, line):
        """%sc [-l] [-v] var=command: run command in a shell and keep its output in
        var (the older form of `var = !command`).

        The output is one string with .l (its lines), .s (joined by spaces), .n and
        .p; -l keeps a list of lines instead (an SList, with .s, .n, .p, grep()).
        -v also prints the value."""
        from pprint import pformat
        opts, rest = parse_options('sc', line, 'lv')
        name, eq, _ = rest.partition('=')
        command = line.partition('=')[2] if eq else ''   # as typed: quotes stay
        name = name.strip()
        if not eq:
            raise UsageError('%sc: usage: %sc [-l] [-v] var=command')
        if not name.isidentifier():
            raise UsageError('%%sc: %r is not a valid variable name' % name)
        output = self.shell.getoutput(command, split='l' in opts)
        if 'v' in opts:
            print('%s ==\n%s' % (name, pformat(output)))
        self.shell.user_ns[name] = output

    def _script(self, prog, line, cell, magic='script'):
        run_script(self.shell, prog, line, cell, magic)

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

    def cell_python(self, line, cell):
        """%%python [--out var] [--err var] [--bg]: run the cell in a new Python
        process (this shell's interpreter)."""
        self._script(sys.executable, line, cell, 'python')

    def cell_python3(self, line, cell):
        """%%python3 [--out var] [--err var] [--bg]: run the cell in a new Python
        process (this shell's interpreter)."""
        self._script(sys.executable, line, cell, 'python3')

    def cell_python2(self, line, cell):
        """%%python2 [--out var] [--err var] [--bg]: run the cell with python2 (the
        first one on $PATH)."""
        self._script('python2', line, cell, 'python2')

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


# ---------------------------------------------------------------------- packages

RESTART_NOTE = 'Note: you may need to restart the kernel to use updated packages.'


# conda's subcommands that act on an environment (given --prefix sys.prefix unless
# the line names one) and that ask for confirmation (--yes where no one can answer)
CONDA_PREFIX_COMMANDS = {'install', 'list', 'remove', 'uninstall', 'update', 'upgrade'}
CONDA_YES_COMMANDS = CONDA_PREFIX_COMMANDS - {'list'}


def in_conda_environment():
    """Whether this interpreter runs in a conda environment (it has conda-meta/history)."""
    return os.path.isfile(os.path.join(sys.prefix, 'conda-meta', 'history'))


def conda_like_executable(tool):
    """Where conda, mamba or micromamba is: $CONDA_EXE (or $MAMBA_EXE for the mambas),
    then next to this interpreter, then the command that created or installed into
    this environment (from conda-meta/history), else the bare name ($PATH)."""
    import re
    variable = 'MAMBA_EXE' if 'mamba' in tool else 'CONDA_EXE'
    path = os.environ.get(variable)
    if path and os.path.isfile(path):
        return os.path.realpath(path)
    path = os.path.join(os.path.dirname(sys.executable), tool)
    if os.path.isfile(path):
        return path
    try:
        with open(os.path.join(sys.prefix, 'conda-meta', 'history'), encoding='utf-8') as f:
            history = f.read()
    except OSError:
        history = ''
    m = re.search(r'^#\s*cmd:\s*(.*%s)\s+(?:create|install)' % re.escape(tool), history,
                  re.MULTILINE)
    return m[1] if m else tool


def _quoted_python():
    import shlex
    return shlex.quote(sys.executable)


class PackagingMagics(Magics):
    """%pip, %uv, %conda, %mamba, %micromamba: install into the environment this
    shell's interpreter runs in."""

    def line_pip(self, line):
        """%pip args: run pip for the interpreter this shell runs on
        (`sys.executable -m pip args`), e.g. %pip install package."""
        shell = self.shell
        shell.system('%s -m pip %s' % (_quoted_python(), line.strip()))
        status = shell.user_ns.get('_exit_code')
        if status:
            sys.stderr.write('pip exited with status %d\n' % status)
        print(RESTART_NOTE)

    def line_uv(self, line):
        """%uv args: run uv as a module of this interpreter (`sys.executable -m uv
        args`), e.g. %uv pip install package."""
        self.shell.system('%s -m uv %s' % (_quoted_python(), line.strip()))
        print(RESTART_NOTE)

    def _conda_like(self, tool, line):
        """Run tool (conda, mamba, micromamba) on this environment: --prefix
        sys.prefix for the subcommands that act on one (unless -p/-n is given), and
        --yes for those that ask when no one can answer (in a kernel)."""
        import shlex
        if not in_conda_environment():
            raise ValueError('The python kernel does not appear to be a conda environment.  '
                             'Please use ``%pip install`` instead.')
        args = split_words(tool, line)
        command, args = (args[0], args[1:]) if args else ('', [])
        extra = []
        if (getattr(self.shell, 'kernel', None) is not None and command in CONDA_YES_COMMANDS
                and not {'-y', '--yes'} & set(args)):
            extra.append('--yes')
        if command in CONDA_PREFIX_COMMANDS and not {'-p', '--prefix', '-n', '--name'} & set(args):
            extra += ['--prefix', sys.prefix]
        words = [conda_like_executable(tool), command] + extra + args
        self.shell.system(' '.join(shlex.quote(w) for w in words if w))
        print('\n' + RESTART_NOTE)

    def line_conda(self, line):
        """%conda args: run conda on the environment this interpreter runs in, e.g.
        %conda install package (only in a conda environment; elsewhere use %pip)."""
        self._conda_like('conda', line)

    def line_mamba(self, line):
        """%mamba args: run mamba on the environment this interpreter runs in, e.g.
        %mamba install package (only in a conda environment)."""
        self._conda_like('mamba', line)

    def line_micromamba(self, line):
        """%micromamba args: run micromamba on the environment this interpreter runs
        in, e.g. %micromamba install package (only in a conda environment)."""
        self._conda_like('micromamba', line)


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (OSMagics, ScriptMagics, PackagingMagics)
