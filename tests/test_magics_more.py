"""More built-in magics (magics_config, magics_os, magics_code, magics_history,
magics_display; %%script --bg / %killbgscripts) on real Shells: %pip, %pprint,
%autoawait, %autocall, %alias_magic, %doctest_mode, %notebook, %pycat, %less/%more,
%clear, %loadpy, the cell-magic aliases; and in the terminal, through a pty:
%doctest_mode's prompts and %autocall's rewrite line."""

import os
import sys

import nbformat
import pexpect
import pytest

from ipylite.history import HistoryManager
from ipylite.shell import Shell
from test_magics import Recorder, run, usage_error   # (tests/ is on sys.path)

NEW_LINE = ('pip', 'pprint', 'autoawait', 'autocall', 'alias_magic', 'doctest_mode',
            'notebook', 'pycat', 'less', 'more', 'clear', 'loadpy', 'killbgscripts')
NEW_CELL = ('file', 'python', 'python3', 'pypy', 'perl', 'ruby', 'HTML', 'SVG', '!', 'sx',
            'system', 'debug')


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hm = HistoryManager(str(tmp_path / 'history.sqlite'))
    sh = Shell(display_pub=Recorder(), history=hm)
    yield sh
    hm.close()


def last_plain(shell):
    return shell.display_pub.results[-1][1]['text/plain']


def test_every_new_magic_is_listed_and_documented(shell, capsys):
    listing = run(shell, '%lsmagic')
    for name in NEW_LINE:
        assert '%' + name + ' ' in listing
        run(shell, '%' + name + '?')
        out = capsys.readouterr().out
        assert out.startswith('Signature: %' + name) and 'Docstring:' in out
    for name in NEW_CELL:
        assert '%%' + name + ' ' in listing
        run(shell, '%%%%%s?' % name if name.isidentifier() else '%pinfo %%' + name)
        out = capsys.readouterr().out
        assert out.startswith('Signature: %%' + name) and 'Docstring:' in out


# ----------------------------------------------------------------------- %pip

def test_pip_runs_this_interpreters_pip(shell, capfd):
    run(shell, '%pip --version')
    out = capfd.readouterr().out
    assert out.startswith('pip ') and sys.prefix in out       # this interpreter's pip
    assert 'Note: you may need to restart the kernel to use updated packages.' in out
    assert shell.user_ns['_exit_code'] == 0
    run(shell, '%pip show pip')
    assert 'Name: pip' in capfd.readouterr().out
    run(shell, '%pip list --format=freeze')
    assert 'pip==' in capfd.readouterr().out


def test_pip_reports_a_failure(shell, capfd):
    run(shell, '%pip install /nonexistent/package_dir')
    captured = capfd.readouterr()
    assert shell.user_ns['_exit_code'] != 0
    assert 'pip exited with status %d' % shell.user_ns['_exit_code'] in captured.err
    assert 'Traceback' not in captured.out + captured.err


# ------------------------------------------------------------------- %pprint

def test_pprint_toggles_pretty_printing(shell, capsys):
    value = 'list(range(40))'
    run(shell, value)
    assert '\n' in last_plain(shell)                  # long lists are pretty-printed
    run(shell, '%pprint')
    assert capsys.readouterr().out == 'Pretty printing has been turned OFF\n'
    run(shell, value)
    assert last_plain(shell) == repr(list(range(40)))
    run(shell, '%pprint')
    assert capsys.readouterr().out == 'Pretty printing has been turned ON\n'
    run(shell, value)
    assert '\n' in last_plain(shell)


# ---------------------------------------------------------------- %autoawait

def test_autoawait_reports_and_really_switches(shell, capsys):
    run(shell, '%autoawait')
    assert capsys.readouterr().out == 'IPython autoawait is `on`, and set to use `asyncio`\n'
    run(shell, 'import asyncio')
    assert run(shell, 'await asyncio.sleep(0, "slept")') == 'slept'
    run(shell, '%autoawait False')
    run(shell, '%autoawait')
    assert 'autoawait is `off`' in capsys.readouterr().out
    result = shell.run_cell('await asyncio.sleep(0, "slept")')
    assert isinstance(result.error_before_exec, SyntaxError)
    assert "'await' outside function" in shell.display_pub.errors[-1]['evalue']
    run(shell, '%autoawait on')
    assert run(shell, 'await asyncio.sleep(0, "again")') == 'again'
    assert 'expected on, off or asyncio' in usage_error(shell, '%autoawait sometimes')
    assert 'only asyncio' in usage_error(shell, '%autoawait trio')


# ----------------------------------------------------------------- %autocall

def test_autocall_modes(shell, capsys):
    result = shell.run_cell('abs 3')
    assert isinstance(result.error_before_exec, SyntaxError)        # off by default
    run(shell, '%autocall')
    assert capsys.readouterr().out == 'Automatic calling is: Smart\n'
    assert run(shell, 'abs 3') == 3
    assert capsys.readouterr().out == '------> abs(3)\n'
    assert run(shell, 'len [1, 2]') == 2
    assert capsys.readouterr().out == '------> len([1, 2])\n'
    assert run(shell, 'abs') is abs                          # Smart: no arguments, no call
    shell.run_cell('abs -3')      # as in IPython, a leading operator means Python: abs - 3
    assert capsys.readouterr().out == ''
    run(shell, 'x = 5')
    assert run(shell, 'x') == 5                               # not callable: left alone
    run(shell, '%autocall 2')
    assert capsys.readouterr().out == 'Automatic calling is: Full\n'
    assert run(shell, 'dict') == {}
    assert capsys.readouterr().out == '------> dict()\n'
    run(shell, '%autocall')                                   # toggles off, remembering 2
    assert capsys.readouterr().out == 'Automatic calling is: Off\n'
    run(shell, '%autocall')
    assert capsys.readouterr().out == 'Automatic calling is: Full\n'
    assert usage_error(shell, '%autocall 3') == \
        '%autocall: Valid modes: 0->Off, 1->Smart, 2->Full'
    run(shell, '%autocall 0')
    assert shell.autocall == 0


# -------------------------------------------------------------- %alias_magic

def test_alias_magic(shell, capsys):
    run(shell, '%alias_magic t timeit')
    assert capsys.readouterr().out == ('Created `%t` as an alias for `%timeit`.\n'
                                       'Created `%%t` as an alias for `%%timeit`.\n')
    run(shell, '%t -n1 -r1 pass')
    assert 'per loop' in capsys.readouterr().out
    run(shell, '%%t -n1 -r1\nx = 1')
    assert 'per loop' in capsys.readouterr().out
    run(shell, '%t?')
    assert 'Alias for `%timeit`.' in capsys.readouterr().out
    run(shell, '%alias_magic h history -p "-n -l 1" --line')
    assert capsys.readouterr().out == 'Created `%h` as an alias for `%history -n -l 1`.\n'
    run(shell, 'marker = 1')
    run(shell, '%h')
    assert capsys.readouterr().out.strip().endswith('marker = 1')
    run(shell, '%alias_magic -l whereami pwd')
    assert run(shell, '%whereami') == os.getcwd()
    assert 'whereami' not in shell.magics['cell']
    assert usage_error(shell, '%alias_magic --cell w pwd') == \
        'Cell magic function `%%pwd` not found.'
    assert usage_error(shell, '%alias_magic x nothere') == \
        'No line or cell magic with name `nothere` found.'
    assert 'unknown option -z' in usage_error(shell, '%alias_magic -z a b')
    assert 'usage' in usage_error(shell, '%alias_magic onlyone')
    assert 'needs a value' in usage_error(shell, '%alias_magic a timeit -p')


# ------------------------------------------------------------- %doctest_mode

def test_doctest_mode_toggles_and_restores(shell, capsys):
    run(shell, '%xmode Verbose')
    capsys.readouterr()
    run(shell, '%doctest_mode')
    assert capsys.readouterr().out == 'Exception reporting mode: Plain\nDoctest mode is: ON\n'
    assert shell.xmode == 'Plain'
    run(shell, 'list(range(40))')
    assert last_plain(shell) == repr(list(range(40)))
    shell.run_cell('1/0')
    assert shell.display_pub.errors[-1]['traceback'][0].startswith('Traceback')
    run(shell, '%doctest_mode')
    assert capsys.readouterr().out == ('Exception reporting mode: Verbose\n'
                                       'Doctest mode is: OFF\n')
    assert shell.xmode == 'Verbose'
    run(shell, 'list(range(40))')
    assert '\n' in last_plain(shell)


# ----------------------------------------------------------------- %notebook

def test_notebook_writes_a_valid_notebook(shell, tmp_path):
    run(shell, 'a = 6 * 7')
    run(shell, 'a')
    run(shell, 'print("printed")')
    run(shell, 'list(range(3))')
    path = tmp_path / 'session.ipynb'
    run(shell, '%notebook ' + str(path))
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    sources = [c.source for c in nb.cells]
    assert sources == ['a = 6 * 7', 'a', 'print("printed")', 'list(range(3))']
    assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4]
    assert nb.cells[0].outputs == []
    assert nb.cells[1].outputs[0].output_type == 'execute_result'
    assert nb.cells[1].outputs[0].data['text/plain'] == '42'
    assert nb.cells[3].outputs[0].data['text/plain'] == '[0, 1, 2]'


def test_notebook_without_a_history_database_uses_In(tmp_path):
    sh = Shell(display_pub=Recorder())
    run(sh, 'b = 1')
    run(sh, 'b + 1')
    path = tmp_path / 'n.ipynb'
    run(sh, '%notebook ' + str(path))
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert [c.source for c in nb.cells] == ['b = 1', 'b + 1']
    assert nb.cells[1].outputs[0].data['text/plain'] == '2'


def test_notebook_bad_use(shell, tmp_path):
    assert 'expected one file name' in usage_error(shell, '%notebook')
    assert 'history is empty' in usage_error(Shell(display_pub=Recorder()),
                                             '%notebook ' + str(tmp_path / 'e.ipynb'))
    assert 'cannot write' in usage_error(shell, '%notebook /nonexistent_dir/x.ipynb')


# ------------------------------------------- %pycat, %less, %more, %clear, %loadpy

def test_file_viewers(shell, capsys, tmp_path):
    (tmp_path / 'code.py').write_text('def f():\n    return 1\n')
    for magic in ('pycat', 'less', 'more'):
        run(shell, '%%%s code.py' % magic)
        assert capsys.readouterr().out == 'def f():\n    return 1\n\n'
    run(shell, 'x = 1')
    run(shell, '%pycat 4')                               # a history range
    assert 'x = 1' in capsys.readouterr().out
    shell.pager_payload = True                           # as in a kernel: a page payload
    run(shell, '%less code.py')
    assert shell.payload[-1]['data']['text/plain'] == 'def f():\n    return 1\n'
    assert 'missing file name' in usage_error(shell, '%less')
    assert 'No such file' in usage_error(shell, '%more missing.txt')
    assert usage_error(shell, '%pycat missing.py') == ("%pycat: 'missing.py' was not found "
                                                       'in history, as a file, url, nor in '
                                                       'the user namespace.')


def test_clear_is_harmless_without_a_terminal(shell, capsys):
    run(shell, '%clear')
    assert capsys.readouterr().out == ''


def test_loadpy_is_load(shell, tmp_path):
    (tmp_path / 's.py').write_text('y = 2\n')
    run(shell, '%loadpy s.py')
    assert shell.next_input == '# %load s.py\ny = 2\n'


# ---------------------------------------------------------- cell magic aliases

def test_file_html_svg_aliases(shell, capsys, tmp_path):
    run(shell, '%%file out.txt\nhello\n')
    assert (tmp_path / 'out.txt').read_text() == 'hello\n'
    assert capsys.readouterr().out.startswith('Writing')
    run(shell, '%%file -a out.txt\nmore\n')
    assert (tmp_path / 'out.txt').read_text() == 'hello\nmore\n'
    run(shell, '%%HTML\n<b>bold</b>')
    assert shell.display_pub.displays[-1]['text/html'] == '<b>bold</b>\n'
    run(shell, '%%SVG\n<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert 'image/svg+xml' in shell.display_pub.displays[-1]


def test_interpreter_cell_magics(shell, capfd, monkeypatch, tmp_path):
    run(shell, '%%python\nimport sys\nprint(sys.executable)')
    assert capfd.readouterr().out.strip() == sys.executable
    run(shell, '%%python3 --out got\nprint(6 * 7)')
    assert shell.user_ns['got'] == '42\n'
    import subprocess
    result = shell.run_cell('%%python\nraise SystemExit(3)')
    assert isinstance(result.error_in_exec, subprocess.CalledProcessError)
    run(shell, '%%perl\nprint "from perl\\n";')     # (perl is essential on Debian)
    assert capfd.readouterr().out == 'from perl\n'
    result = shell.run_cell('%%python --nope\n1')    # unknown options go to the program
    assert isinstance(result.error_in_exec, subprocess.CalledProcessError)
    assert '--nope' in capfd.readouterr().err
    monkeypatch.setenv('PATH', str(tmp_path))           # no interpreters on the PATH
    for missing in ('ruby', 'pypy', 'perl'):
        run(shell, '%%%%%s --out got_%s\n1' % (missing, missing))
        assert capfd.readouterr().out == "Couldn't find program: %r\n" % missing
        assert shell.user_ns['got_' + missing] == ''      # as IPython leaves it


def test_sx_system_bang(shell):
    assert run(shell, '%%!\necho one\necho two') == ['one', 'two']
    assert run(shell, '%%sx\necho three') == ['three']
    assert run(shell, '%%system --out lines\necho four') is None
    assert shell.user_ns['lines'] == ['four']
    assert run(shell, 'lines.s') == 'four'


def test_cell_debug_runs_the_cell_in_pdb(shell, capsys, monkeypatch):
    import io
    monkeypatch.setattr(sys, 'stdin', io.StringIO('p q * 2\nc\n'))
    run(shell, '%%debug\nq = 21\nr = q + 1')
    out = capsys.readouterr().out
    assert '(Pdb)' in out
    assert shell.user_ns['r'] == 22


def test_script_bg_out_and_killbgscripts(shell, capsys):
    run(shell, '%%script --bg --out bg_out --proc bg_proc bash\necho started\nexec sleep 60')
    assert capsys.readouterr().out == ''            # IPython says nothing either
    proc = shell.user_ns['bg_proc']
    try:
        assert shell.user_ns['bg_out'].readline() == b'started\n'
        assert proc.poll() is None
        run(shell, '%killbgscripts')
        assert capsys.readouterr().out == 'All background processes were killed.\n'
        assert proc.poll() is not None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shell.user_ns['bg_out'].close()


# ------------------------------------------------------------------ terminal

def spawn(tmp_path):
    env = dict(os.environ, TERM='xterm', IPYLITE_DIR=str(tmp_path / 'ipylite'))
    return pexpect.spawn(sys.executable, ['-m', 'ipylite', '--no-banner', '--colors',
                                          'NoColor', '--no-confirm-exit'],
                         encoding='utf-8', timeout=30, dimensions=(40, 200), env=env,
                         cwd=str(tmp_path))


PASTE_ON = r'(?:\x1b\[\?2004h)?'      # readline turning bracketed paste on, before a prompt
LINE_START = r'(?:\r\n|\x1b\[\?2004l\r)'   # a new line, or readline turning it off after Enter


def test_terminal_doctest_mode_and_autocall(tmp_path):
    child = spawn(tmp_path)
    try:
        child.expect(r'In \[1\]: ')
        child.sendline('%doctest_mode')
        child.expect('Doctest mode is: ON')
        child.expect(r'\r\n' + PASTE_ON + '>>> ')      # the classic prompt
        child.sendline('6 * 7')
        child.expect(LINE_START + r'42\r\n' + PASTE_ON + '>>> ')       # no Out[n]:
        child.sendline('for i in range(2):')
        child.expect(LINE_START + PASTE_ON + r'\.\.\. ')
        child.sendline('print(i + 100)')
        child.expect(r'\.\.\. ')
        child.sendline('')
        child.expect(r'100\r\n101\r\n' + PASTE_ON + '>>> ')
        child.sendline('%doctest_mode')
        child.expect('Doctest mode is: OFF')
        child.expect(r'In \[\d+\]: ')
        child.sendline('%autocall 1')
        child.expect('Automatic calling is: Smart')
        child.expect(r'In \[\d+\]: ')
        child.sendline('divmod 17, 5')
        child.expect(LINE_START + r'------> divmod\(17, 5\)\r\nOut\[\d+\]: \(3, 2\)')   # once
        child.sendline('exit')
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
