"""The magics IPython 9 has that ipylite took on to match its %lsmagic: %colors, %ed,
%man, %%python2, %sc, %pylab, %conda/%mamba/%micromamba, %uv, %pastebin, %code_wrap,
%load's IPython errors, and the terminal's %lsmagic against IPython's own. Real
subprocesses, a real venv, a real HTTP server on loopback."""

import http.server
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest

from ipylite.history import HistoryManager
from ipylite.shell import Shell, UsageError
from test_magics import run        # (tests/ is on sys.path)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A shell that prints values and tracebacks, as at the terminal."""
    monkeypatch.chdir(tmp_path)
    hm = HistoryManager(str(tmp_path / 'history.sqlite'))
    sh = Shell(history=hm)
    yield sh
    hm.close()


def error_of(shell, code):
    result = shell.run_cell(code)
    assert result.error_in_exec is not None, code
    return result.error_in_exec


# ------------------------------------------------------------------- %lsmagic

def ipython_terminal_lsmagic(tmp_path):
    """What `ipython` itself lists at its terminal (storemagic loaded, as it is there)."""
    out = subprocess.run(
        [sys.executable, '-m', 'IPython', '--no-banner', '--colors=NoColor', '-c',
         "print(get_ipython().run_line_magic('lsmagic', ''))"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env=dict(os.environ, IPYTHONDIR=str(tmp_path / 'ipython')))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def spawn_terminal(tmp_path):
    """ipylite's terminal on a pty, with a profile of its own."""
    import pexpect
    return pexpect.spawn(sys.executable, ['-m', 'ipylite', '--no-banner', '--colors', 'NoColor'],
                         encoding='utf-8', timeout=60,
                         env=dict(os.environ, TERM='xterm', IPYLITE_DIR=str(tmp_path / 'ipylite')))


def test_the_terminals_lsmagic_is_ipythons(tmp_path):
    import pexpect
    theirs = ipython_terminal_lsmagic(tmp_path)
    assert '%autoindent' in theirs and '%pylab' in theirs         # the reference is read
    target = tmp_path / 'ours.txt'
    child = spawn_terminal(tmp_path)
    try:
        child.expect(r'In \[1\]: ')
        child.sendline("_ = open(%r, 'w').write(get_ipython().run_line_magic('lsmagic', ''))"
                       % str(target))
        child.expect(r'In \[2\]: ')
        child.sendline('exit')
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert target.read_text() == theirs


def test_autoindent_toggles_the_terminals_indentation(tmp_path):
    import pexpect
    child = spawn_terminal(tmp_path)
    try:
        child.expect(r'In \[1\]: ')
        child.sendline('%autoindent')
        child.expect('Automatic indentation is: OFF')
        child.expect(r'In \[2\]: ')
        child.sendline('if True:')
        child.expect(r'\.\.\.: ')
        child.sendline('x = 7')          # no indent typed for us now: an error at once
        child.expect('IndentationError')
        child.expect(r'In \[3\]: ')
        child.sendline('%autoindent')
        child.expect('Automatic indentation is: ON')
        child.expect(r'In \[4\]: ')
        child.sendline('if True:')
        child.expect(r'\.\.\.: ')
        child.sendline('y = 8')          # the block's indent is typed for us again
        child.expect(r'\.\.\.: ')
        child.sendline('')
        child.expect(r'In \[5\]: ')
        child.sendline('y * 2')
        child.expect(r'Out\[5\]: 16')
        child.sendline('exit')
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_a_shell_outside_a_kernel_has_no_kernel_magics(shell):
    listing = run(shell, '%lsmagic')
    for name in ('%subshell', '%connect_info', '%qtconsole', '%autosave', '%profile'):
        assert name + ' ' not in listing
    err = error_of(shell, '%subshell')
    assert isinstance(err, UsageError) and str(err) == 'Line magic function `%subshell` not found.'


# ------------------------------------------------------------- %colors, %ed, %man

def test_colors_switches_the_traceback_scheme(shell, capsys):
    run(shell, '%colors Linux')
    assert shell.colors == 'Linux'
    shell.run_cell('1/0')
    assert '\x1b[' in capsys.readouterr().err
    run(shell, '%colors nocolor')
    assert shell.colors == 'NoColor'
    shell.run_cell('1/0')
    out = capsys.readouterr().err
    assert 'ZeroDivisionError' in out and '\x1b[' not in out
    err = error_of(shell, '%colors')
    assert isinstance(err, UsageError) and "you must specify a color theme" in str(err)
    err = error_of(shell, '%colors Purple')
    assert isinstance(err, UsageError) and 'Purple' in str(err)
    assert shell.colors == 'NoColor'


def test_ed_is_edit(shell, tmp_path, monkeypatch, capsys):
    editor = tmp_path / 'editor.sh'
    editor.write_text('#!/bin/sh\necho "edited = 6 * 7" > "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv('EDITOR', str(editor))
    run(shell, '%ed')
    assert shell.user_ns['edited'] == 42
    assert 'Executing edited code' in capsys.readouterr().out
    (tmp_path / 'keep.py').write_text('kept = 1\n')
    run(shell, '%ed -x keep.py')                     # -x: edit, do not run
    assert 'kept' not in shell.user_ns
    assert (tmp_path / 'keep.py').read_text() == 'edited = 6 * 7\n'


def test_man_is_an_alias_that_runs_man(shell, capfd, monkeypatch):
    monkeypatch.setenv('MANPAGER', 'cat')
    monkeypatch.setenv('PAGER', 'cat')
    run(shell, '%man ls')
    out = capfd.readouterr().out
    assert 'ls - list directory contents' in out
    assert shell.magics_state.aliases['man'] == 'man'


# --------------------------------------------------------------- %%python2, %sc

def test_python2_runs_the_cell_with_python2_on_the_path(shell, tmp_path, monkeypatch, capfd):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    fake = bin_dir / 'python2'
    fake.write_text('#!/bin/sh\necho "python2 got: $(cat)"\n')
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', str(bin_dir) + os.pathsep + '/usr/bin:/bin')
    run(shell, '%%python2\nprint "hello"')
    assert capfd.readouterr().out == 'python2 got: print "hello"\n'
    empty = tmp_path / 'empty'
    empty.mkdir()
    monkeypatch.setenv('PATH', str(empty))
    run(shell, '%%python2\nprint "hello"')
    assert capfd.readouterr().out == "Couldn't find program: 'python2'\n"


def test_sc_captures_a_commands_output(shell, capsys):
    run(shell, '%sc -l lines=echo one; echo two')
    lines = shell.user_ns['lines']
    assert lines == ['one', 'two'] and lines.s == 'one two' and lines.l == ['one', 'two']
    run(shell, '%sc text=printf "a b\\nc"')              # the quotes reach the shell
    text = shell.user_ns['text']
    assert text == 'a b\nc' and text.l == ['a b', 'c'] and text.s == 'a b c'
    assert text.n == 'a b\nc'
    run(shell, "%sc -v v=echo 'hi  there'")
    assert capsys.readouterr().out == "v ==\n'hi  there\\n'\n"
    err = error_of(shell, '%sc echo no variable')
    assert isinstance(err, UsageError) and 'var=command' in str(err)


# ----------------------------------------------------------------------- %pylab

def test_pylab_imports_numpy_and_matplotlib_names(shell, capsys):
    shell.user_ns['sin'] = 'mine'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        run(shell, '%pylab')
    out = capsys.readouterr().out
    assert out == ('Using matplotlib backend: inline\n'
                   '%pylab is deprecated, use %matplotlib inline and import the required '
                   'libraries.\nPopulating the interactive namespace from numpy and '
                   'matplotlib\n')
    assert any("clobbered these variables: ['sin']" in str(w.message) for w in caught)
    import matplotlib
    import numpy
    from matplotlib import pyplot
    ns = shell.user_ns
    assert ns['np'] is numpy and ns['plt'] is pyplot and ns['sin'] is numpy.sin
    assert ns['linspace'] is numpy.linspace and callable(ns['plot'])
    run(shell, 'figsize(3, 2)\nplot([1, 2, 3])\nfigs = getfigs()\nnone = getfigs(99)')
    assert list(matplotlib.rcParams['figure.figsize']) == [3, 2]
    assert len(shell.user_ns['figs']) == 1 and shell.user_ns['none'] == []
    assert 'Warning: figure 99 not available.' in capsys.readouterr().out
    run(shell, 'mine = 1')
    shell.run_line_magic('who', '')
    assert capsys.readouterr().out.split() == ['figs', 'mine', 'none']  # not pylab's names
    pyplot.close('all')


def test_pylab_no_import_all_and_a_named_gui(shell, capsys):
    run(shell, '%pylab --no-import-all inline')
    out = capsys.readouterr().out
    assert out.startswith('%pylab is deprecated')          # a named gui: no backend line
    assert 'np' in shell.user_ns and 'linspace' not in shell.user_ns
    assert shell._mpl_inline_hook is not None               # figures are shown inline


# ---------------------------------------------------------- package managers

def make_env(tmp_path, conda):
    """A real venv; with conda=True it looks like a conda environment (conda-meta/
    history) and has conda and mamba commands that print what they were given."""
    env = tmp_path / 'env'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(env)], check=True,
                   timeout=120)
    if conda:
        (env / 'conda-meta').mkdir()
        (env / 'conda-meta' / 'history').write_text('==> 2024-01-01 <==\n')
        for tool in ('conda', 'mamba'):
            script = env / 'bin' / tool
            script.write_text('#!/bin/sh\necho "%s called with: $*"\n' % tool)
            script.chmod(0o755)
    return env


def run_in_env(env, code):
    program = textwrap.dedent('''
        import sys
        from ipylite.shell import Shell
        shell = Shell()
        for cell in %r:
            if cell == 'KERNEL':
                shell.kernel = object()       # as in a kernel: no one answers prompts
                continue
            result = shell.run_cell(cell)
            if result.error_in_exec is not None:
                print('%%s: %%s' %% (type(result.error_in_exec).__name__,
                                     result.error_in_exec))
        print('prefix:', sys.prefix)
    ''') % (code,)
    envvars = {k: v for k, v in os.environ.items() if k not in ('CONDA_EXE', 'MAMBA_EXE')}
    envvars['PYTHONPATH'] = ROOT
    out = subprocess.run([str(env / 'bin' / 'python'), '-c', program], capture_output=True,
                         text=True, timeout=120, env=envvars)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_conda_magics_refuse_outside_a_conda_environment(tmp_path):
    env = make_env(tmp_path, conda=False)
    out = run_in_env(env, ['%conda install numpy', '%mamba list', '%micromamba list'])
    refusal = ('ValueError: The python kernel does not appear to be a conda environment.  '
               'Please use ``%pip install`` instead.')
    assert out.splitlines()[:3] == [refusal] * 3


def test_conda_magics_run_the_tool_on_this_environment(tmp_path):
    env = make_env(tmp_path, conda=True)
    out = run_in_env(env, ['%conda install numpy', '%conda list -n other', '%mamba --version',
                           'KERNEL', '%conda install numpy', '%mamba remove -y numpy'])
    prefix = out.splitlines()[-1].split(': ', 1)[1]
    assert prefix == str(env)
    calls = [line for line in out.splitlines() if ' called with: ' in line]
    assert calls == [
        'conda called with: install --prefix %s numpy' % prefix,
        'conda called with: list -n other',                     # an environment named
        'mamba called with: --version',
        'conda called with: install --yes --prefix %s numpy' % prefix,   # no stdin
        'mamba called with: remove --prefix %s -y numpy' % prefix,
    ]
    assert out.count('Note: you may need to restart the kernel to use updated packages.') == 5


def test_uv_runs_uv_as_a_module_of_this_interpreter(shell, tmp_path, monkeypatch, capfd):
    pkg = tmp_path / 'fakeuv' / 'uv'
    pkg.mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / '__main__.py').write_text('import sys\nprint("uv via", sys.executable, '
                                     'sys.argv[1:])\n')
    monkeypatch.setenv('PYTHONPATH', str(tmp_path / 'fakeuv'))
    run(shell, '%uv pip install six')
    out = capfd.readouterr().out
    assert out == ("uv via %s ['pip', 'install', 'six']\n"
                   'Note: you may need to restart the kernel to use updated packages.\n'
                   % sys.executable)


# ---------------------------------------------------------------------- %pastebin

class PasteHandler(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):
        from urllib.parse import parse_qs
        body = self.rfile.read(int(self.headers['Content-Length'])).decode()
        self.posts.append((self.path, self.headers['User-Agent'], parse_qs(body)))
        self.send_response(201)
        self.send_header('Location', 'https://dpaste.example/AbCd')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def paste_server():
    server = http.server.HTTPServer(('127.0.0.1', 0), PasteHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    PasteHandler.posts = []
    yield 'http://127.0.0.1:%d/api/v2/' % server.server_port
    server.shutdown()
    server.server_close()


def pastebin_magics(shell):
    return shell.magics['line']['pastebin'].__self__


def test_pastebin_posts_code_as_dpaste_expects(shell, paste_server, capsys):
    pastebin_magics(shell).pastebin_url = paste_server
    run(shell, 'a = 1')
    run(shell, 'b = a + 1')
    url = run(shell, '%pastebin -d "my code" -e 3 1-2')
    assert url == 'https://dpaste.example/AbCd'
    [(path, agent, form)] = PasteHandler.posts
    assert path == '/api/v2/' and agent.startswith('ipylite v')
    assert form == {'title': ['my code'], 'syntax': ['python'],
                    'content': ['a = 1\nb = a + 1\n'], 'expiry_days': ['3']}
    run(shell, '%pastebin')                       # no source: the session so far
    form = PasteHandler.posts[-1][2]
    assert form['content'] == ['a = 1\nb = a + 1\n%pastebin -d "my code" -e 3 1-2\n']
    assert form['title'] == ['Pasted from IPython'] and form['expiry_days'] == ['7']
    capsys.readouterr()
    assert run(shell, '%pastebin -e 400 1') is None
    assert capsys.readouterr().out == 'Expiry days should be in range of 1 to 365\n'
    assert run(shell, '%pastebin nothing_here') is None
    assert "'nothing_here' was not found in history" in capsys.readouterr().out
    assert len(PasteHandler.posts) == 2


def test_pastebin_offline_is_one_line_and_never_hangs(shell):
    magics = pastebin_magics(shell)
    with socket.socket() as s:                  # a port nobody listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    magics.pastebin_url = 'http://127.0.0.1:%d/api/v2/' % port
    run(shell, 'x = 1')
    err = error_of(shell, '%pastebin 1')
    assert isinstance(err, UsageError) and str(err).startswith('%pastebin: cannot post to')
    assert '\n' not in str(err)
    silent = socket.socket()                     # accepts, never answers
    silent.bind(('127.0.0.1', 0))
    silent.listen(1)
    try:
        magics.pastebin_url = 'http://127.0.0.1:%d/api/v2/' % silent.getsockname()[1]
        magics.pastebin_timeout = 1
        t0 = time.monotonic()
        err = error_of(shell, '%pastebin 1')
        assert time.monotonic() - t0 < 10
        assert isinstance(err, UsageError) and 'timed out' in str(err)
    finally:
        silent.close()
    assert type(magics).pastebin_timeout <= 30 and \
        type(magics).pastebin_url == 'https://dpaste.com/api/v2/'


# --------------------------------------------------------------------- %code_wrap

def printed(capsys):
    """What cells printed, without the Out[n] lines of their values."""
    return ''.join(line for line in capsys.readouterr().out.splitlines(True)
                   if not line.startswith('Out['))


def test_code_wrap_wraps_later_cells(shell, capsys):
    run(shell, "%%code_wrap before_after\nprint('before')\n__code__\nprint('after')\n__ret__")
    assert run(shell, 'x = 20\nx + 1') == 21
    assert printed(capsys) == 'before\nafter\n'
    assert run(shell, 'y = 5') is None and shell.user_ns['y'] == 5
    capsys.readouterr()
    run(shell, '%%code_wrap timed\nimport time as ___time\n___t0 = ___time.perf_counter()\n'
               '__code__\nprint("took", ___time.perf_counter() - ___t0 >= 0)\n__ret__')
    capsys.readouterr()
    assert run(shell, '___t0 = "mine"\n7') == 7
    assert shell.user_ns['___t0'] == 'mine'          # the template's ___ names are apart
    assert printed(capsys) == 'before\nafter\ntook True\n'
    run(shell, '%code_wrap --list')
    assert printed(capsys).splitlines()[1:3] == ['before_after', 'timed']
    run(shell, '%code_wrap --list-all')
    out = printed(capsys)
    assert "before_after :\n    print('before')\n    __code__\n    print('after')\n" \
        "    __ret__\n" in out
    run(shell, '%code_wrap --remove before_after')
    capsys.readouterr()
    assert run(shell, '8') == 8
    assert printed(capsys) == 'took True\n'
    run(shell, '%code_wrap timed')                   # a name alone removes it too
    capsys.readouterr()
    assert run(shell, '9') == 9 and printed(capsys) == ''
    assert shell.ast_transformers == []
    err = error_of(shell, '%code_wrap --bogus')
    assert isinstance(err, UsageError) and '--bogus' in str(err)


def test_code_wrap_keeps_a_trailing_semicolon_quiet(shell):
    run(shell, '%%code_wrap\n__code__\n__ret__')
    assert run(shell, '3 + 4') == 7
    assert run(shell, '3 + 4;') is None
    run(shell, '%code_wrap --remove')
    assert shell.ast_transformers == []


def test_ast_transformers_written_for_ipython_run_and_a_broken_one_is_dropped(shell):
    import ast

    class Doubler(ast.NodeTransformer):           # IPython's documented example
        def visit_Constant(self, node):
            if isinstance(node.value, int):
                return ast.copy_location(ast.Constant(node.value * 2), node)
            return node

    class Broken(ast.NodeTransformer):
        def visit_Module(self, node):
            raise RuntimeError('nope')

    shell.ast_transformers.append(Doubler())
    assert run(shell, '20 + 1') == 42
    broken = Broken()
    shell.ast_transformers.append(broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert run(shell, '5') == 10                # the cell still runs
    assert any('will be unregistered' in str(w.message) for w in caught)
    assert broken not in shell.ast_transformers and len(shell.ast_transformers) == 1


# ------------------------------------------------------------------------ %load

def test_load_of_nothing_known_is_ipythons_value_error(shell):
    err = error_of(shell, '%load missing')
    assert type(err) is ValueError
    assert str(err) == ("'missing' was not found in history, as a file, url, nor in the "
                        "user namespace.")
    err = error_of(shell, '%load 42')                # an expression, not a string
    assert type(err) is TypeError and str(err.args[0]) == '42 is neither a string nor a macro.'


def test_load_with_no_argument_loads_this_sessions_input(shell):
    run(shell, 'a = 1')
    run(shell, 'b = 2')
    run(shell, '%load')
    assert shell.next_input == '# %load \na = 1\nb = 2\n'
    run(shell, 'code = "print(3)"\n%load code')       # an expression giving a string
    assert shell.next_input == '# %load code\nprint(3)'
