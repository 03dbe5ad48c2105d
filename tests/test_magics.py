"""The built-in magics in process: the machinery (line, cell, automagic, user magics,
extensions, errors), workflow, timing, profiling, debugging, namespace, introspection,
display, history, logging. Real files, real subprocesses, real SQLite."""

import os
import sys

import pytest

from ipylite.display import DisplayPublisher
from ipylite.history import HistoryManager, parse_ranges
from ipylite.magics import (Macro, Magics, cell_magic, line_cell_magic, line_magic,
                            magics_class, parse_options)
from ipylite.magics_execution import TimeitResult
from ipylite.shell import Shell, UsageError


class Recorder(DisplayPublisher):
    def __init__(self):
        self.displays, self.results, self.errors = [], [], []

    def publish(self, data, metadata=None, transient=None, update=False):
        self.displays.append(data)

    def clear_output(self, wait=False):
        pass

    def execute_result(self, execution_count, data, metadata):
        self.results.append((execution_count, data))

    def error(self, content):
        self.errors.append(content)


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    profile = tmp_path / 'profile_test'
    profile.mkdir()
    hm = HistoryManager(str(profile / 'history.sqlite'))
    sh = Shell(display_pub=Recorder(), history=hm)
    sh.profile, sh.profile_dir = 'test', str(profile)
    yield sh
    hm.close()


def run(shell, code):
    """Run a cell; re-raise what it raised (a UsageError included)."""
    result = shell.run_cell(code)
    result.raise_error()
    return result.result


def usage_error(shell, code):
    result = shell.run_cell(code)
    assert isinstance(result.error_in_exec, UsageError), result
    err = shell.display_pub.errors[-1]
    assert err['traceback'] == ['UsageError: ' + err['evalue']]      # one line, no traceback
    return err['evalue']


# ------------------------------------------------------------------ machinery

def test_user_magics_by_class_and_decorators(shell, capsys):
    @magics_class
    class Mine(Magics):
        @line_magic
        def shout(self, line):
            """Shout it."""
            return line.upper()

        @cell_magic('rev')
        def reverse(self, line, cell):
            return cell[::-1]

        @line_cell_magic
        def both(self, line, cell=None):
            return (line, cell)

    shell.register_magics(Mine)
    assert run(shell, '%shout hi there') == 'HI THERE'
    assert run(shell, '%%rev\nabc') == '\ncba'     # the body ends its line, as in IPython
    assert shell.run_cell_magic('rev', '', 'abc') == 'cba'
    assert run(shell, '%both x') == ('x', None)
    assert run(shell, '%%both y\nbody') == ('y', 'body\n')
    run(shell, '%shout?')
    assert 'Shout it.' in capsys.readouterr().out
    out = run(shell, '%lsmagic')        # a value (Out[n]), as IPython's
    assert '%shout' in out and '%%rev' in out and '%%both' in out and '%timeit' in out


def test_register_line_magic_function_and_var_expansion(shell):
    from ipylite.magics import register_line_magic

    @register_line_magic
    def echo(line):
        return line
    run(shell, 'n = 3\nname = "world"')
    assert run(shell, '%echo $name {n * 2} $$x $nosuch') == 'world 6 $x $nosuch'
    assert run(shell, 'echo plain') == 'plain'          # automagic


def test_automagic_yields_to_variables_and_python(shell, capsys):
    run(shell, 'x = 5')
    run(shell, 'who')
    assert capsys.readouterr().out.strip() == 'x'
    run(shell, 'who = 3')                 # an assignment, not the magic
    assert shell.user_ns['who'] == 3
    assert run(shell, 'who') == 3         # now a variable: shadows the magic
    run(shell, 'del who')
    run(shell, 'automagic off')
    capsys.readouterr()
    result = shell.run_cell('pwd')
    assert isinstance(result.error_in_exec, NameError)
    run(shell, '%automagic on')
    assert run(shell, 'pwd') == os.getcwd()


def test_usage_errors_are_one_line(shell):
    assert usage_error(shell, '%nosuch') == 'Line magic function `%nosuch` not found.'
    assert usage_error(shell, '%timeit -x 1') == '%timeit: unknown option -x'
    assert usage_error(shell, '%timeit -n') == '%timeit: option -n needs a value'
    assert usage_error(shell, '%timeit -n abc 1') == "%timeit: -n needs a number, not 'abc'"
    assert usage_error(shell, '%run') == '%run: missing file name'
    result = shell.run_cell('%run missing.py')      # as IPython: an Exception, not usage
    assert type(result.error_in_exec) is Exception
    assert str(result.error_in_exec) == "File `'missing.py'` not found."
    assert 'missing argument' in usage_error(shell, '%pycat')
    assert usage_error(shell, '%load_ext') == '%load_ext: missing module name'
    assert usage_error(shell, '%load_ext no_such_mod_xyz') == \
        "%load_ext: no module named 'no_such_mod_xyz'"
    assert 'expected on or off' in usage_error(shell, '%pdb maybe')
    assert 'bad history range' in usage_error(shell, '%history 3-x')


def test_parse_options_keeps_code_as_typed():
    assert parse_options('t', '-n 10 -r3 -o x = "a  b"', 'n:r:o') == (
        {'n': '10', 'r': '3', 'o': True}, 'x = "a  b"')
    assert parse_options('t', '-oq -- -x', 'oq') == ({'o': True, 'q': True}, '-x')
    assert parse_options('t', '-1 + 2', 'o') == ({}, '-1 + 2')
    assert parse_options('c', '--no-stdout out', '', ('no-stdout',)) == (
        {'no-stdout': True}, 'out')
    with pytest.raises(UsageError, match='unknown option --bad'):
        parse_options('c', '--bad', '', ('no-stdout',))


def test_pasted_prompts_are_stripped(shell):
    assert run(shell, '>>> a = 2\n>>> a * 21') == 42
    assert run(shell, 'In [7]: b = 3\n   ...: \nIn [8]: b + 1') == 4


EXT = '''
loaded = []
def load_ipython_extension(ip):
    loaded.append(ip)
    ip.register_magic_function(lambda line: 'ext:' + line, 'line', 'extmagic')
def unload_ipython_extension(ip):
    loaded.remove(ip)
    ip.magics['line'].pop('extmagic')
'''


def test_extensions_load_reload_unload(shell, tmp_path, monkeypatch, capsys):
    (tmp_path / 'myext_t1.py').write_text(EXT)
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, '%load_ext myext_t1')
    assert run(shell, '%extmagic a') == 'ext:a'
    run(shell, '%load_ext myext_t1')
    assert 'already loaded' in capsys.readouterr().out
    run(shell, '%reload_ext myext_t1')
    assert run(shell, '%extmagic b') == 'ext:b'
    run(shell, '%unload_ext myext_t1')
    assert usage_error(shell, '%extmagic c').startswith('Line magic function')
    assert "not loaded" in usage_error(shell, '%unload_ext myext_t1')
    (tmp_path / 'noext_t1.py').write_text('x = 1\n')
    assert 'no load_ipython_extension' in usage_error(shell, '%load_ext noext_t1')


def test_autoreload_updates_old_functions_and_classes(shell, tmp_path, monkeypatch):
    mod = tmp_path / 'armod_t1.py'
    mod.write_text('def f():\n    return 1\nclass C:\n    def m(self):\n        return "a"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, '%load_ext autoreload\n%autoreload 2')
    run(shell, 'from armod_t1 import f, C\nc = C()')
    assert run(shell, 'f(), c.m()') == (1, 'a')
    mod.write_text('def f():\n    return 2\nclass C:\n    def m(self):\n        return "b"\n'
                   'NEW = 3\n')
    st = os.stat(mod)
    os.utime(mod, (st.st_atime, st.st_mtime + 5))
    assert run(shell, 'f(), c.m()') == (2, 'b')      # the old objects run the new code
    assert run(shell, 'import armod_t1\narmod_t1.NEW') == 3
    run(shell, '%autoreload 0')
    mod.write_text('def f():\n    return 3\n')
    os.utime(mod, (st.st_atime, st.st_mtime + 10))
    assert run(shell, 'f()') == 2
    assert "expected 0, 1, 2 or 3" in usage_error(shell, '%autoreload 7')


def test_autoreload_3_brings_new_names_to_a_from_import(shell, tmp_path, monkeypatch):
    mod = tmp_path / 'armod_t3.py'
    mod.write_text('def f():\n    return 1\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, '%load_ext autoreload\n%autoreload 2')
    run(shell, 'from armod_t3 import f')
    mod.write_text('def f():\n    return 1\ndef g():\n    return 2\n')
    st = os.stat(mod)
    os.utime(mod, (st.st_atime, st.st_mtime + 5))
    assert run(shell, "'g' in dir()") is False       # mode 2 reloads, adds nothing
    run(shell, '%autoreload 3')
    mod.write_text('def f():\n    return 1\ndef h():\n    return 3\n')
    os.utime(mod, (st.st_atime, st.st_mtime + 10))
    assert run(shell, 'h()') == 3                     # mode 3 brings the new name


# --------------------------------------------------------------------- workflow

SCRIPT = '''
import sys
args = sys.argv[1:]
def double(x):
    return 2 * x
ran_as = __name__
if __name__ == "__main__":
    print("args:", args)
'''


def test_run_script_args_main_and_names(shell, tmp_path, capsys):
    (tmp_path / 'prog.py').write_text(SCRIPT)
    argv = list(sys.argv)
    run(shell, '%run prog.py one "two words" 3')
    assert capsys.readouterr().out == "args: ['one', 'two words', '3']\n"
    assert sys.argv == argv                              # restored
    assert run(shell, 'double(21), ran_as, __name__') == (42, '__main__', '__main__')
    run(shell, '%run -n prog')                           # .py added, __name__ kept
    assert shell.user_ns['ran_as'] == 'prog'
    run(shell, 'secret = 7')
    (tmp_path / 'reads.py').write_text('seen = globals().get("secret")\n')
    run(shell, '%run reads.py')
    assert shell.user_ns['seen'] is None
    run(shell, '%run -i reads.py')
    assert shell.user_ns['seen'] == 7


def test_run_exit_timing_profile_module(shell, tmp_path, capsys, monkeypatch):
    (tmp_path / 'quits.py').write_text('import sys\nsys.exit(3)\n')
    result = shell.run_cell('%run quits.py')
    assert isinstance(result.error_in_exec, SystemExit)
    run(shell, '%run -e quits.py')
    (tmp_path / 'ok.py').write_text('import sys\nsys.exit(0)\n')
    run(shell, '%run ok.py')
    (tmp_path / 'work.py').write_text('def g():\n    return sum(range(1000))\nr = g()\n')
    capsys.readouterr()
    run(shell, '%run -t work.py')
    assert 'Wall time:' in capsys.readouterr().out
    run(shell, '%run -p -s cumulative work.py')
    out = capsys.readouterr().out
    assert 'function calls' in out and 'work.py:1(g)' in out
    pkg = tmp_path / 'runmod_t1'
    pkg.mkdir()
    (pkg / '__init__.py').write_text('')
    (pkg / 'tool.py').write_text('import sys\nmod_args = sys.argv[1:]\nmain = __name__\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, '%run -m runmod_t1.tool -v x')
    assert shell.user_ns['mod_args'] == ['-v', 'x'] and shell.user_ns['main'] == '__main__'
    assert "no module named 'nosuchmod_q'" in usage_error(shell, '%run -m nosuchmod_q')


def test_run_error_shows_script_frames_not_ipylite(shell, tmp_path):
    (tmp_path / 'bad.py').write_text('def boom():\n    1 / 0\nboom()\n')
    result = shell.run_cell('%run bad.py')
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    text = '\n'.join(shell.display_pub.errors[-1]['traceback'])
    assert 'bad.py' in text and 'magics.py' not in text and 'shell.py' not in text


def test_load_save_writefile_macro_recall_rerun(shell, tmp_path, capsys):
    run(shell, 'a = 1')
    run(shell, 'b = a + 1')
    run(shell, 'c = a + b')
    run(shell, '%save -f saved.py 1-3')
    assert (tmp_path / 'saved.py').read_text() == '# coding: utf-8\na = 1\nb = a + 1\nc = a + b\n'
    run(shell, '%save -a saved 2')
    assert (tmp_path / 'saved.py').read_text().endswith('c = a + b\nb = a + 1\n')
    run(shell, '%load saved.py')
    assert shell.next_input.startswith('# %load saved.py\n# coding: utf-8\na = 1')
    (tmp_path / 'funcs.py').write_text('x = 0\ndef one():\n    return 1\n\ndef two():\n'
                                       '    return 2\n')
    run(shell, '%load -s two funcs.py')
    assert shell.next_input.endswith('def two():\n    return 2\n')
    run(shell, '%load -r 2-3 funcs.py')
    assert shell.next_input.endswith('def one():\n    return 1\n')
    run(shell, '%load 2')
    assert shell.next_input.endswith('b = a + 1\n')
    run(shell, '%%writefile out.txt\nhello\n')
    run(shell, '%%writefile -a out.txt\nagain\n')
    assert (tmp_path / 'out.txt').read_text() == 'hello\nagain\n'
    assert 'Writing out.txt' in capsys.readouterr().out
    run(shell, 'n = 0')
    count = shell.execution_count
    run(shell, 'n += 1')
    run(shell, '%%macro -q inc %d' % count)
    assert isinstance(shell.user_ns['inc'], Macro)
    run(shell, 'inc')
    run(shell, 'inc')
    assert shell.user_ns['n'] == 3
    run(shell, '%recall 1')
    assert shell.next_input == 'a = 1'
    capsys.readouterr()
    run(shell, '%rerun -g "n += 1"')
    assert shell.user_ns['n'] == 4
    assert '=== Executing: ===\nn += 1' in capsys.readouterr().out
    run(shell, 'n += 10')
    run(shell, '%rerun')
    assert shell.user_ns['n'] == 24


def test_edit_runs_what_the_editor_saved(shell, tmp_path, monkeypatch):
    editor = tmp_path / 'ed.sh'
    editor.write_text('#!/bin/sh\necho "edited = 41 + 1" >> "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv('EDITOR', str(editor))
    monkeypatch.delenv('VISUAL', raising=False)
    run(shell, '%edit')
    assert shell.user_ns['edited'] == 42
    (tmp_path / 'mine.py').write_text('base = 1\n')
    run(shell, '%edit -x mine.py')
    assert (tmp_path / 'mine.py').read_text() == 'base = 1\nedited = 41 + 1\n'
    assert 'base' not in shell.user_ns
    monkeypatch.setenv('EDITOR', 'false')
    assert 'exited with status 1' in usage_error(shell, '%edit mine.py')


def test_store_persists_in_the_profile(shell, tmp_path, capsys):
    run(shell, 'data = {"k": [1, 2]}\nnum = 5')
    run(shell, '%store data num')
    assert sorted(os.listdir(tmp_path / 'profile_test' / 'db' / 'autorestore')) == \
        ['data', 'num']
    other = Shell(display_pub=Recorder())
    other.profile_dir = shell.profile_dir
    other.run_line_magic('store', '-r')
    assert other.user_ns['data'] == {'k': [1, 2]} and other.user_ns['num'] == 5
    run(shell, '%store')
    assert "data                -> {'k': [1, 2]}" in capsys.readouterr().out
    run(shell, '%store -d num')
    assert "no stored variable 'num'" in usage_error(shell, '%store -r num')
    assert 'module' in usage_error(shell, 'import os\n%store os')
    assert "unknown variable 'nope'" in usage_error(shell, '%store nope')
    run(shell, '%store data > dump.txt')
    assert (tmp_path / 'dump.txt').read_text() == "{'k': [1, 2]}\n"
    run(shell, '%store -z')
    assert os.listdir(tmp_path / 'profile_test' / 'db' / 'autorestore') == []


# ----------------------------------------------- timing, profiling, debugging

def test_time_and_timeit(shell, capsys):
    assert run(shell, '%time 6 * 7') == 42
    out = capsys.readouterr().out
    assert out.startswith('CPU times: user ') and '\nWall time: ' in out
    assert run(shell, '%%time\nq = 2\nq + 1') == 3
    run(shell, '%timeit -n 3 -r 2 sum(range(10))')
    out = capsys.readouterr().out
    assert 'per loop (mean ± std. dev. of 2 runs, 3 loops each)' in out
    res = run(shell, 'r = %timeit -o -q -n 2 -r 3 {1: 2}\nr')
    assert isinstance(res, TimeitResult) and res.loops == 2 and res.repeat == 3
    assert len(res.all_runs) == 3 and res.best <= res.average <= res.worst
    assert capsys.readouterr().out == ''
    res = run(shell, 'r = %timeit -o -q -r 1 pass\nr')      # loop count chosen for us
    assert res.loops >= 1000 and res.repeat == 1 and len(res.all_runs) == 1
    res = run(shell, '%%timeit -o -q -n 4 -r 2 setup_v = [3] * 10\nsorted(setup_v)')
    assert res.loops == 4
    assert '-n and -r must be at least 1' in usage_error(shell, '%timeit -r 0 pass')
    assert 'syntax error' in usage_error(shell, '%timeit -n1 x = = 2')


def test_prun_options(shell, tmp_path, capsys):
    run(shell, 'def work():\n    return sorted(range(500))')
    run(shell, '%prun -s cumulative -l 4 -T prof.txt -D prof.bin work()')
    out = capsys.readouterr().out
    assert 'function calls in' in out and 'Ordered by: cumulative time' in out
    assert '<string>:1(<module>)' in out
    assert "restriction <4>" in out
    assert 'function calls' in (tmp_path / 'prof.txt').read_text()
    import pstats
    assert pstats.Stats(str(tmp_path / 'prof.bin')).total_calls > 0
    stats = run(shell, 's = %prun -q -r work()\ns')
    assert stats.total_calls > 0 and capsys.readouterr().out == ''
    run(shell, '%%prun -s calls\nwork()\nwork()')
    assert 'Ordered by: call count' in capsys.readouterr().out
    assert 'unknown sort key' in usage_error(shell, '%prun -s nonsense work()')


def test_debug_post_mortem_and_statement(shell, monkeypatch, capsys):
    answers = iter(['p depth', 'up', 'p depth', 'q'])
    monkeypatch.setattr('builtins.input', lambda prompt='': next(answers))
    shell.run_cell('def inner(depth):\n    raise ValueError(depth)\n'
                   'def outer():\n    inner(7)\nouter()')
    capsys.readouterr()
    run(shell, '%debug')
    out = capsys.readouterr().out
    # IPython's context listing, the frame's line marked
    assert '\n----> 2     raise ValueError(depth)\n      3 def outer():' in out
    assert '\n7\n' in out
    answers = iter(['n', 'p zz', 'c'])
    run(shell, '%debug zz = 41\nzz += 1')
    assert '41' in capsys.readouterr().out
    assert shell.user_ns['zz'] == 42


def test_pdb_on_enters_debugger_after_errors(shell, monkeypatch, capsys):
    prompts = []

    def answer(prompt=''):
        prompts.append(prompt)
        return 'q'
    monkeypatch.setattr('builtins.input', answer)
    run(shell, '%pdb on')
    shell.run_cell('1 / 0')
    assert prompts == ['(Pdb) ']
    assert '----> 1 1 / 0' in capsys.readouterr().out
    run(shell, '%pdb off')
    shell.run_cell('1 / 0')
    assert prompts == ['(Pdb) ']


def test_no_traceback_for_debug(shell):
    assert 'no traceback to debug' in usage_error(shell, '%debug')


def test_tb_and_xmode(shell, capsys):
    shell.run_cell('%xmode Minimal')
    shell.run_cell('def f():\n    raise KeyError(1)\nf()')
    assert shell.display_pub.errors[-1]['traceback'] == ['KeyError: 1']
    run(shell, '%tb')
    assert 'f()' in '\n'.join(shell.display_pub.errors[-1]['traceback'])


# --------------------------------------------------------------------- namespace

def test_who_whos_reset_xdel_precision(shell, capsys):
    run(shell, 'import os\nalpha = 1\nbeta = "text"\ngamma = [1, 2, 3]\ndef fn(): pass')
    run(shell, '%who')
    assert capsys.readouterr().out == 'alpha\tbeta\tfn\tgamma\tos\n'
    run(shell, '%who int str')
    assert capsys.readouterr().out == 'alpha\tbeta\n'
    assert run(shell, '%who_ls list') == ['gamma']
    run(shell, '%whos')
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ['Variable', 'Type', 'Data/Info']
    assert lines[3].split() == ['beta', 'str', "'text'"]
    assert lines[5].split() == ['gamma', 'list', 'n=3']
    run(shell, 'gamma')
    run(shell, '%xdel gamma')
    assert 'gamma' not in shell.user_ns and shell.user_ns['_'] == ''
    assert all(v != [1, 2, 3] for v in shell.Out.values())
    run(shell, '%reset_selective -f ^al')
    assert 'alpha' not in shell.user_ns and 'beta' in shell.user_ns
    run(shell, '%reset -f out')
    assert shell.Out == {}
    run(shell, '%reset -f')
    assert 'beta' not in shell.user_ns and 'In' in shell.user_ns
    run(shell, '%who')
    assert capsys.readouterr().out.endswith('Interactive namespace is empty.\n')
    assert run(shell, '%precision 3') == '%.3f'
    assert shell.display_formatter.format(3.14159)[0]['text/plain'] == '3.142'
    run(shell, '%precision')
    assert shell.display_formatter.format(3.14159)[0]['text/plain'] == '3.14159'
    assert "not defined" in usage_error(shell, '%xdel nothing_here')
    assert 'unknown target' in usage_error(shell, '%reset -f sideways')


# ----------------------------------------------------------------- introspection

def test_introspection_magics(shell, tmp_path, monkeypatch, capsys):
    (tmp_path / 'intro_t1.py').write_text(
        'def loadtxt(path, sep=","):\n    """Read a text file."""\n    return path\n'
        'def savetxt(): pass\ndef load(): pass\n_loader = 1\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    run(shell, 'import intro_t1 as np')
    run(shell, 'np.*load*?')
    assert capsys.readouterr().out == 'np.load\nnp.loadtxt\n'
    run(shell, '%psearch -a np.*load*')
    assert capsys.readouterr().out == 'np.__loader__\nnp._loader\nnp.load\nnp.loadtxt\n'
    run(shell, '%psearch np.*txt function')
    assert capsys.readouterr().out == 'np.loadtxt\nnp.savetxt\n'
    run(shell, '%pdef np.loadtxt')
    assert capsys.readouterr().out == " loadtxt(path, sep=',')\n"
    run(shell, '%pdoc np.loadtxt')
    assert capsys.readouterr().out == 'Docstring:\nRead a text file.\n'
    run(shell, '%psource np.loadtxt')
    assert capsys.readouterr().out.startswith('def loadtxt(path, sep=","):\n')
    run(shell, '%pfile np.loadtxt')
    assert capsys.readouterr().out.rstrip('\n').endswith('_loader = 1')
    run(shell, 'np.loadtxt?')
    out = capsys.readouterr().out
    assert 'Signature: np.loadtxt(path, sep=' in out and 'Read a text file.' in out
    run(shell, 'np.loadtxt??')
    assert 'return path' in capsys.readouterr().out
    run(shell, '?np.loadtxt')
    assert 'Read a text file.' in capsys.readouterr().out
    run(shell, '%timeit?')
    assert 'Runs the statement N times' in capsys.readouterr().out
    run(shell, 'big = list(range(30))\n%page big')
    assert capsys.readouterr().out.startswith('[0,\n 1,\n')
    assert "object 'nope' not found" in usage_error(shell, '%pdef nope')


# ----------------------------------------------------------------------- display

def test_display_cell_magics_and_capture(shell):
    pub = shell.display_pub
    for magic, mime in (('html', 'text/html'), ('markdown', 'text/markdown'),
                        ('latex', 'text/latex'), ('svg', 'image/svg+xml'),
                        ('javascript', 'application/javascript'),
                        ('js', 'application/javascript')):
        body = '<svg xmlns="http://www.w3.org/2000/svg"></svg>' if magic == 'svg' else 'x1'
        run(shell, '%%%%%s\n%s' % (magic, body))
        assert mime in pub.displays[-1], magic
    before = len(pub.displays)
    run(shell, '%%capture cap\nprint("to out")\nimport sys; print("to err", file=sys.stderr)\n'
               'from ipylite.display import display, HTML\ndisplay(HTML("<b>x</b>"))\n42')
    cap = shell.user_ns['cap']
    assert cap.stdout == 'to out\n' and cap.stderr == 'to err\n'
    assert [d['text/html'] for d, _ in cap.outputs if 'text/html' in d] == ['<b>x</b>']
    assert len(pub.displays) == before
    cap.show()
    assert pub.displays[-2]['text/html'] == '<b>x</b>'
    assert pub.displays[-1] == {'text/plain': '42'}
    assert 'not a variable name' in usage_error(shell, '%%capture 1x\npass')


def test_matplotlib_inline(shell):
    run(shell, '%matplotlib inline')
    run(shell, 'import matplotlib.pyplot as plt\nplt.plot([1, 2])')
    assert any('image/png' in d for d in shell.display_pub.displays)


# ------------------------------------------------------------------------ system

def test_shell_commands_and_slist(shell, tmp_path, capfd):
    (tmp_path / 'a.txt').write_text('alpha\n')
    (tmp_path / 'b.log').write_text('beta\n')
    files = run(shell, 'files = !ls\nfiles')
    assert files == ['a.txt', 'b.log', 'profile_test']
    assert files.s == 'a.txt b.log profile_test' and files.grep('txt') == ['a.txt']
    assert [p.name for p in files.p] == ['a.txt', 'b.log', 'profile_test']
    run(shell, 'ext = "log"')
    assert run(shell, '!!ls *.$ext') == ['b.log']
    assert run(shell, '%sx echo {1 + 2}') == ['3']
    assert run(shell, '%system echo hi') == ['hi']
    capfd.readouterr()
    run(shell, '!echo from-system $ext')
    assert capfd.readouterr().out == 'from-system log\n'
    run(shell, '%%bash\necho "in bash $BASH_VERSION" | cut -c1-7\nexit 0')
    run(shell, '%%sh\necho sh-ran\necho oops >&2')
    out = capfd.readouterr()
    assert out.out == 'in bash\nsh-ran\n' and out.err == 'oops\n'
    run(shell, '%%script python3 --out got --err errs\nprint(6 * 7)')
    assert shell.user_ns['got'] == '42\n' and shell.user_ns['errs'] == ''
    import subprocess
    result = shell.run_cell('%%script sh\nexit 3')       # as IPython: the exit status raises
    assert isinstance(result.error_in_exec, subprocess.CalledProcessError)
    assert result.error_in_exec.returncode == 3
    run(shell, '%%script --no-raise-error sh\nexit 3')
    capfd.readouterr()
    run(shell, '%%script no-such-prog-zz\nx')
    assert capfd.readouterr().out == "Couldn't find program: 'no-such-prog-zz'\n"
    run(shell, '%%script bash -x\necho traced')      # the program's own options pass through
    out = capfd.readouterr()
    assert out.out == 'traced\n' and '+ echo traced' in out.err
    run(shell, '%%script --out early sh -c "echo $0"\n')    # options before the program
    assert shell.user_ns['early'] == 'sh\n'
    result = shell.run_cell('%%bash\necho partial\nexit 2')
    assert isinstance(result.error_in_exec, subprocess.CalledProcessError)
    assert capfd.readouterr().out == 'partial\n'


def test_aliases_posix_and_rehashx(shell, tmp_path, capfd):
    (tmp_path / 'f1').write_text('content-1\n')
    run(shell, '%alias show cat %s')
    run(shell, 'show f1')
    assert capfd.readouterr().out == 'content-1\n'
    run(shell, '%alias both echo %s and %s')
    run(shell, '%both x y z')
    assert capfd.readouterr().out == 'x and y z\n'
    run(shell, '%alias whole echo [%l]')
    run(shell, 'whole a b c')
    assert capfd.readouterr().out == '[a b c]\n'
    assert 'at least 2 arguments' in usage_error(shell, '%both x')
    run(shell, 'cat f1')
    assert capfd.readouterr().out == 'content-1\n'
    run(shell, 'mkdir sub\nls')
    assert 'sub/' in capfd.readouterr().out
    run(shell, '%unalias show')
    assert 'not an alias' in usage_error(shell, '%unalias show')
    aliases = dict(run(shell, '%alias'))
    assert aliases['ll'] == 'ls -F -l' and 'show' not in aliases
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    tool = bindir / 'mytool_zz'
    tool.write_text('#!/bin/sh\necho tool "$@"\n')
    tool.chmod(0o755)
    capfd.readouterr()
    os.environ['PATH'] = str(bindir) + os.pathsep + os.environ['PATH']
    try:
        assert run(shell, '%rehashx') is None          # no Out[n]: 917
        assert 'mytool_zz' in shell.magics_state.aliases
        run(shell, 'mytool_zz 1 2')
        assert capfd.readouterr().out == 'tool 1 2\n'
    finally:
        os.environ['PATH'] = os.environ['PATH'].split(os.pathsep, 1)[1]


def test_cd_family_and_bookmarks(shell, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('HOME', str(tmp_path))
    (tmp_path / 'd1').mkdir()
    (tmp_path / 'd2').mkdir()
    start = os.getcwd()
    run(shell, '%cd d1')
    assert os.getcwd() == str(tmp_path / 'd1')
    run(shell, 'cd ../d2')
    run(shell, '%cd -')
    assert os.getcwd() == str(tmp_path / 'd1')
    run(shell, '%cd')
    assert os.getcwd() == str(tmp_path)
    run(shell, '%bookmark mark1 d2')
    run(shell, '%cd -b mark1')
    assert os.getcwd() == str(tmp_path / 'd2')
    run(shell, '%cd mark1')                  # a bookmark name works without -b too
    run(shell, '%bookmark -l')
    assert 'mark1      -> %s' % (tmp_path / 'd2') in capsys.readouterr().out
    run(shell, '%bookmark -d mark1')
    assert "no bookmark 'mark1'" in usage_error(shell, '%cd -b mark1')
    run(shell, '%cd -0')
    assert os.getcwd() == start
    assert run(shell, '%pwd') == start
    assert run(shell, '%pushd d1') == [str(tmp_path / 'd1'), start]
    assert run(shell, '%dirs') == [str(tmp_path / 'd1'), start]
    run(shell, '%popd')
    assert os.getcwd() == start
    assert 'stack is empty' in usage_error(shell, '%popd')
    capsys.readouterr()
    run(shell, '%dhist')
    out = capsys.readouterr().out
    assert out.startswith('Directory history (kept in _dh)\n0: %s\n' % start)
    assert shell.user_ns['_dh'][-1] == start
    assert 'No such file or directory' in usage_error(shell, '%cd nowhere-zz')


def test_env_and_set_env(shell, monkeypatch, capsys):
    monkeypatch.delenv('IPL_T1', raising=False)
    run(shell, '%env IPL_T1=one')
    assert os.environ['IPL_T1'] == 'one'
    assert run(shell, '%env IPL_T1') == 'one'
    run(shell, '%set_env IPL_T1 "two words"')
    assert os.environ['IPL_T1'] == 'two words'
    run(shell, 'v = "three"\n%env IPL_T1 $v')
    assert run(shell, '%env')['IPL_T1'] == 'three'
    assert 'does not have key' in usage_error(shell, '%env IPL_NOT_SET_Q')
    assert 'usage' in usage_error(shell, '%set_env')
    monkeypatch.delenv('IPL_T1')


# ----------------------------------------------------------------------- history

def test_history_ranges_parse():
    assert parse_ranges('4-6 8') == [(0, 4, 7), (0, 8, 9)]
    assert parse_ranges('~2/1-5 3/ 2/7') == [(-2, 1, 6), (3, 1, None), (2, 7, 8)]
    for bad in ('x', '5-2', '1-', '/'):
        with pytest.raises(ValueError):
            parse_ranges(bad)


def test_history_magic_options(shell, tmp_path, capsys):
    hm = shell.history
    for code in ('x = 1', 'x + 1', 'def f():\n    return x', '%who'):
        shell.run_cell(code)
    hm.close()
    sh2 = Shell(display_pub=Recorder(), history=HistoryManager(hm.path))
    for code in ('y = 2', 'y * 3'):
        sh2.run_cell(code)
    capsys.readouterr()
    sh2.run_cell('%history')
    assert capsys.readouterr().out == 'y = 2\ny * 3\n%history\n'
    sh2.run_cell('%history -n ~1/1-2')
    first = hm._session_number
    assert capsys.readouterr().out == '%d/1: x = 1\n%d/2: x + 1\n' % (first, first)
    sh2.run_cell('%history -n 1-2')
    assert capsys.readouterr().out == '   1: y = 2\n   2: y * 3\n'
    sh2.run_cell('%history -o 2')
    assert capsys.readouterr().out == 'y * 3\n6\n'
    sh2.run_cell('%history -p ~1/3')
    assert capsys.readouterr().out == '>>> def f():\n...     return x\n'
    sh2.run_cell('%history -t ~1/4')
    assert capsys.readouterr().out == "get_ipython().run_line_magic('who', '')\n"
    sh2.run_cell('%history ~1/4')
    assert capsys.readouterr().out == '%who\n'
    sh2.run_cell('%history -g x')
    out = capsys.readouterr().out
    assert '%d/1: x = 1' % first in out and '%d/2: x + 1' % first in out
    sh2.run_cell('x + 1')
    sh2.run_cell('%history -g -u x + 1')
    s2 = sh2.history.session_number
    assert capsys.readouterr().out == '%d/11: x + 1\n%d/12: %%history -g -u x + 1\n' % (s2, s2)
    sh2.run_cell('%history -l 2')
    assert capsys.readouterr().out == 'x + 1\n%history -g -u x + 1\n'
    sh2.run_cell('%history -l 1 -n')            # options after the count work too
    assert capsys.readouterr().out == '  13: %history -l 2\n'
    sh2.run_cell('%history -f hist.txt 1-2')
    assert (tmp_path / 'hist.txt').read_text() == 'y = 2\ny * 3\n'
    sh2.history.close()


def test_history_survives_corrupt_database_at_shell_level(tmp_path, caplog):
    db = tmp_path / 'h.sqlite'
    db.write_bytes(b'this is not sqlite' * 100)
    sh = Shell(display_pub=Recorder(), history=HistoryManager(str(db)))
    sh.run_cell('z = 1')
    sh.run_cell('%history')
    assert 'corrupt' in caplog.text
    assert [r[2] for r in sh.history.get_range()] == ['z = 1', '%history']
    sh.history.close()


def test_history_read_only_file_falls_back_to_memory_at_shell_level(nonroot):
    # the terminal's own start-up on a read-only profile history, run by a user whom
    # file modes bind (root ignores them): one warning, the cells' history in memory
    home = os.path.join(nonroot.dir, 'ipylite')
    profile = os.path.join(home, 'profile_default')
    os.makedirs(profile)
    db = os.path.join(profile, 'history.sqlite')
    hm = HistoryManager(db)
    hm.store_input(1, 'older = 1')
    hm.close()
    for sub in ('security', 'startup'):
        os.mkdir(os.path.join(profile, sub))
        nonroot.own(os.path.join(profile, sub))
    for path in (home, profile, db):
        nonroot.own(path)
    os.chmod(db, 0o444)
    os.chmod(profile, 0o555)    # a read-only profile: nothing may be moved aside
    r = nonroot.run(['python', '-m', 'ipylite', '--no-banner', '-c', 'w = 5\n%history'],
                    env=nonroot.env(IPYLITE_DIR=home), cwd=nonroot.dir,
                    capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert 'history kept in memory only' in r.stderr
    assert r.stdout == 'w = 5\n%history\n'
    assert not [p for p in os.listdir(profile) if 'corrupt' in p]


# ------------------------------------------------------------------------ logging

def test_logstart_logstop(shell, tmp_path, capsys):
    run(shell, '%logstart -o mylog.py')
    run(shell, 'q = 21\nq * 2')
    run(shell, '%logoff')
    run(shell, 'hidden = 1')
    run(shell, '%logon')
    run(shell, '%logstate')
    assert 'mylog.py' in capsys.readouterr().out
    run(shell, '%logstop')
    run(shell, 'after = 1')
    text = (tmp_path / 'mylog.py').read_text()
    assert text.startswith('# IPython log file\n\n')
    assert 'q = 21\nq * 2\n#[Out]# 42\n' in text
    assert 'hidden' not in text and 'after' not in text
    assert "get_ipython().run_line_magic('logon', '')" in text
    assert 'already logging' not in text
    run(shell, '%logstart -r raw.py over')
    run(shell, '%who')
    run(shell, '%logstop')
    assert (tmp_path / 'raw.py').read_text().endswith('\n%who\n')
    assert 'unknown mode' in usage_error(shell, '%logstart x.py sideways')


def test_quickref_magic_profile_config(shell, capsys):
    run(shell, '%quickref')
    assert 'automagic' in capsys.readouterr().out
    run(shell, '%magic')
    out = capsys.readouterr().out
    assert '%timeit:\n    %timeit [-n N]' in out and '%%writefile:' in out
    assert usage_error(shell, '%profile') == 'Line magic function `%profile` not found.'
    run(shell, '%config')
    assert 'Shell' in capsys.readouterr().out
    run(shell, '%config Shell.xmode = "Minimal"')
    assert shell.xmode == 'Minimal'
    assert run(shell, '%config Shell.xmode') == 'Minimal'
    run(shell, '%config Display.float_precision = 2')
    assert shell.display_formatter.format(1.23456)[0]['text/plain'] == '1.23'
    assert 'did you mean' in usage_error(shell, '%config Shell.xmod = 1')
    assert 'must be bool' in usage_error(shell, '%config Shell.automagic = 3')
    assert 'unknown section' in usage_error(shell, '%config Nope.x = 1')


def test_edge_inputs_do_not_become_magics(shell):
    run(shell, 'def cd(x):\n    return x\n')
    assert run(shell, 'cd(3)') == 3
    run(shell, 'del cd')
    result = shell.run_cell('ls = [1]\nls[0]')
    assert result.result == 1
    assert shell.transform_cell('time, x = 1, 2\n') == 'time, x = 1, 2\n'
    assert shell.transform_cell('time += 1\n') == 'time += 1\n'
    assert shell.transform_cell('who is None\n') == 'who is None\n'
    assert shell.transform_cell('if 1:\n    who\n') == 'if 1:\n    who\n'


def test_run_under_the_debugger(shell, tmp_path, monkeypatch, capsys):
    (tmp_path / 'dbg.py').write_text('a = 1\nb = a + 1\n')
    answers = iter(['n', 'p a * 10', 'c'])
    monkeypatch.setattr('builtins.input', lambda prompt='': next(answers))
    run(shell, '%run -d dbg.py')
    out = capsys.readouterr().out
    assert 'dbg.py(1)<module>()' in out and '\n10\n' in out
    assert shell.user_ns['b'] == 2


def test_script_in_the_background(shell):
    run(shell, '%%script sh --bg --proc bgp\nread line; echo "got $line"')
    proc = shell.user_ns['bgp']
    try:
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read() == b'got \n'
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_history_in_unwritable_place_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    hm = HistoryManager(str(blocker / 'sub' / 'h.sqlite'))
    sh = Shell(display_pub=Recorder(), history=hm)
    assert sh.run_cell('v = 1').success
    sh.run_cell('%history')
    assert 'history kept in memory only' in caplog.text
    assert [r[2] for r in hm.get_range()] == ['v = 1', '%history']
    hm.close()


GUI_CHECK = """
from ipylite.shell import Shell
shell = Shell()
assert shell.run_cell('%gui qt').success and shell.gui == 'qt'
shell.run_cell('from PyQt5 import QtCore\\nfired = []\\n'
               'QtCore.QTimer.singleShot(0, lambda: fired.append(1))')
shell.gui_poll(0.05)
assert shell.user_ns['fired'] == [1]
shell.run_cell('%gui none')
assert shell.gui is None
result = shell.run_cell('%gui tk9')
assert 'unknown toolkit' in str(result.error_in_exec)
# as IPython: once PyQt5 is in, another Qt binding is refused (two crash the process)
result = shell.run_cell('from PyQt4 import QtGui')
assert type(result.error_in_exec) is ImportError, repr(result.error_in_exec)
assert 'incompatible Qt binding, PyQt5' in str(result.error_in_exec)
assert shell.run_cell('import PyQt5.QtGui').success
shell2 = Shell()
shell2.enable_gui('qt')             # IPython's API, as matplotlib calls it
assert shell2.gui == 'qt'
print('ok')
"""


def test_gui_qt_event_loop_in_process():
    """In a child process: a QApplication must not outlive the test in pytest's."""
    import subprocess
    env = dict(os.environ, QT_QPA_PLATFORM='offscreen')
    r = subprocess.run([sys.executable, '-c', GUI_CHECK], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == 'ok\n', r.stderr


def test_gui_qt_runs_while_the_terminal_prompt_waits(tmp_path):
    """A Qt timer set at the prompt fires while the terminal waits for the next line."""
    import pty
    import select
    import subprocess
    import time
    flag = tmp_path / 'fired'
    env = dict(os.environ, QT_QPA_PLATFORM='offscreen', HOME=str(tmp_path),
               IPYLITE_DIR=str(tmp_path / '.ipylite'), TERM='dumb')
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, '-m', 'ipylite', '--no-banner', '--colors',
                             'NoColor'], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.close(slave)
    seen = b''

    def read_until(token, timeout=30):
        nonlocal seen
        end = time.monotonic() + timeout
        while token not in seen and time.monotonic() < end:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        return token in seen
    try:
        assert read_until(b'In [1]: ')
        os.write(master, b'%gui qt\n')
        assert read_until(b'In [2]: ')
        os.write(master, ('from PyQt5 import QtCore; QtCore.QTimer.singleShot(300, lambda: '
                          'open(%r, "w").close())\n' % str(flag)).encode())
        assert read_until(b'In [3]: ')
        end = time.monotonic() + 20
        while not flag.exists() and time.monotonic() < end:      # nothing typed meanwhile
            time.sleep(0.05)
        assert flag.exists(), seen.decode(errors='replace')
        os.write(master, b'exit\n')
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def test_names_bound_in_the_same_cell_are_not_magics(shell):
    assert run(shell, 'who = 5\nwho') == 5
    assert run(shell, 'del who\ndef pwd():\n    return "mine"\n\npwd')() == 'mine'
    assert shell.transform_cell('import time\ntime\n') == 'import time\ntime\n'
    assert shell.transform_cell('x = 1\ntime\n') == \
        "x = 1\nget_ipython().run_line_magic('time', '')\n"


# -------------------------------------------------- terminal audit (issues 4 and 5)

def test_macro_runs_in_the_current_cell_with_no_out(shell):
    run(shell, 'n = 0')
    count = shell.execution_count
    run(shell, 'n += 1')
    run(shell, '%%macro -q inc %d' % count)
    before, results = shell.execution_count, len(shell.display_pub.results)
    assert run(shell, 'inc') is None
    assert shell.user_ns['n'] == 2
    assert shell.execution_count == before + 1          # one number for the cell
    assert len(shell.display_pub.results) == results    # no Out[n]: <ExecutionResult ...>


def test_load_and_recall_do_not_print_the_text(shell, tmp_path, capsys):
    (tmp_path / 'three.py').write_text('print("one")\nprint("two")\nprint("three")\n')
    run(shell, '%load three.py')
    assert shell.next_input == '# %load three.py\nprint("one")\nprint("two")\nprint("three")\n'
    run(shell, 'a = 1')
    run(shell, '%recall 2')
    assert shell.next_input == 'a = 1'
    assert capsys.readouterr().out == ''


def test_writefile_keeps_the_final_newline(shell, tmp_path):
    run(shell, '%%writefile wf.txt\nfirst\nlast')     # as a terminal hands the cell over
    assert (tmp_path / 'wf.txt').read_text() == 'first\nlast\n'
    run(shell, '%%writefile -a wf.txt\nmore\n')
    assert (tmp_path / 'wf.txt').read_text() == 'first\nlast\nmore\n'


def test_dhist_and_debug_arguments_are_checked(shell):
    assert 'dhist' in usage_error(shell, '%dhist x')
    assert 'dhist' in usage_error(shell, '%dhist 1 2 3')
    assert 'breakpoint' in usage_error(shell, '%debug --breakpoint f.py:x pass')


def test_dh_holds_the_starting_directory(shell, tmp_path):
    assert shell.user_ns['_dh'] == [str(tmp_path)]
    (tmp_path / 'sub').mkdir()
    run(shell, '%cd -q sub')
    assert shell.user_ns['_dh'] == [str(tmp_path), str(tmp_path / 'sub')]
    assert 'dhist' not in shell.user_ns and '_dh' not in run(shell, '%who_ls')


def test_run_traceback_starts_in_the_script_with_its_full_path(shell, tmp_path, capsys):
    (tmp_path / 'bad.py').write_text('def g(a):\n    return 1/a\ng(0)\n')
    result = shell.run_cell('%run bad.py')
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    tb = '\n'.join(shell.display_pub.errors[-1]['traceback'])
    assert 'File %s:3' % (tmp_path / 'bad.py') in tb
    assert 'File %s:2, in g' % (tmp_path / 'bad.py') in tb
    assert 'run_line_magic' not in tb and 'Cell In' not in tb
    assert len(shell.display_pub.errors) == 1                # shown once


def test_run_expands_wildcards_unless_G(shell, tmp_path, capsys):
    (tmp_path / 'a.txt').write_text('')
    (tmp_path / 'b.txt').write_text('')
    (tmp_path / 'args.py').write_text('import sys\nprint(sys.argv[1:])\n')
    capsys.readouterr()
    run(shell, '%run args.py *.txt none*.q')
    assert capsys.readouterr().out == "['a.txt', 'b.txt', 'none*.q']\n"
    run(shell, '%run -G args.py *.txt')
    assert capsys.readouterr().out == "['*.txt']\n"


def test_run_d_b_stops_at_the_breakpoint(shell, tmp_path, capsys, monkeypatch):
    import io
    (tmp_path / 'steps.py').write_text('a = 1\nb = a + 1\nc = b + 1\n')
    monkeypatch.setattr(sys, 'stdin', io.StringIO('c\np a * 100\nc\n'))
    run(shell, '%run -d -b 3 steps.py')
    out = capsys.readouterr().out
    assert 'Breakpoint 1 at %s:3' % (tmp_path / 'steps.py') in out
    assert '\n100\n' in out.replace('(Pdb) ', '\n')      # stopped after line 2 had run
    assert shell.user_ns['c'] == 3
    monkeypatch.setattr(sys, 'stdin', io.StringIO('c\n'))
    assert 'steps.py:9 does not exist' in usage_error(shell, '%run -d -b 9 steps.py')
    assert 'number' in usage_error(shell, '%run -d -b x steps.py')
