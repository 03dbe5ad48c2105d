"""The interpreter core, in process: run_cell, output caching, tracebacks, transforms,
magics, system commands, completion, introspection and is_complete."""

import os
import sys
import time

import pytest

from ipylite.display import DisplayPublisher
from ipylite.shell import ExecutionResult, Shell, SList, UsageError, get_ipython


class Recorder(DisplayPublisher):
    """A publisher that keeps what it is given, as the kernel's would send it."""

    def __init__(self):
        self.displays, self.results, self.errors, self.clears = [], [], [], []

    def publish(self, data, metadata=None, transient=None, update=False):
        self.displays.append((data, metadata, transient, update))

    def clear_output(self, wait=False):
        self.clears.append(wait)

    def execute_result(self, execution_count, data, metadata):
        self.results.append((execution_count, data, metadata))

    def error(self, content):
        self.errors.append(content)


@pytest.fixture
def shell():
    return Shell(display_pub=Recorder())


def tb_text(shell):
    return '\n'.join(shell.display_pub.errors[-1]['traceback'])


# ------------------------------------------------------------- running cells

def test_last_expression_is_displayed_and_cached(shell):
    result = shell.run_cell('x = 6 * 7\nx')
    assert result.success and result.result == 42 and result.execution_count == 1
    assert shell.display_pub.results == [(1, {'text/plain': '42'}, {})]
    ns = shell.user_ns
    assert ns['Out'][1] == 42 and ns['_1'] == 42 and ns['_'] == 42
    shell.run_cell('"two"')
    shell.run_cell('3.0')
    assert (ns['_'], ns['__'], ns['___']) == (3.0, 'two', 42)
    assert shell.Out == {1: 42, 2: 'two', 3: 3.0}


def test_none_and_statements_are_not_displayed(shell):
    shell.run_cell('None')
    shell.run_cell('y = 1')
    shell.run_cell('if True:\n    5')
    assert shell.display_pub.results == []
    assert shell.Out == {}


@pytest.mark.parametrize('cell', ['1 + 1;', '1 + 1;  # quiet', '(1 + 1);', 'x = 3\nx ;\n',
                                  '1 +\\\n 1;'])
def test_semicolon_suppresses_output(shell, cell):
    result = shell.run_cell(cell)
    assert result.success
    assert shell.display_pub.results == [] and shell.Out == {}


@pytest.mark.parametrize('cell, text', [("'a;'", "'a;'"), ('2  # not quiet;', '2'),
                                        ("x = 1; x", '1')])
def test_semicolon_elsewhere_does_not_suppress(shell, cell, text):
    shell.run_cell(cell)
    assert shell.display_pub.results[0][1]['text/plain'] == text


def test_execution_count_in_and_input_variables(shell):
    shell.run_cell('a = 1')
    shell.run_cell('b = 2')
    shell.run_cell('c = 3', store_history=False)
    assert shell.execution_count == 3
    shell.run_cell('d = 4')
    ns = shell.user_ns
    assert shell.In == ['', 'a = 1', 'b = 2', 'd = 4'] and ns['In'] is shell.In
    assert ns['_i3'] == 'd = 4' and ns['_i1'] == 'a = 1'
    assert (ns['_i'], ns['_ii'], ns['_iii']) == ('b = 2', 'a = 1', '')
    assert 'c' in ns and '_i4' not in ns


def test_store_history_false_still_shows_but_does_not_cache(shell):
    result = shell.run_cell('41 + 1', store_history=False)
    assert result.execution_count == 1 and shell.execution_count == 1
    assert shell.display_pub.results == [(1, {'text/plain': '42'}, {})]
    assert shell.Out == {} and shell.user_ns['_'] == ''


def test_silent_runs_without_display_history_or_run_cell_events(shell):
    seen = []
    shell.events.register('pre_run_cell', seen.append)
    shell.events.register('post_execute', lambda: seen.append('post_execute'))
    result = shell.run_cell('z = 5\nz', silent=True)
    assert result.success and result.result is None
    assert shell.user_ns['z'] == 5 and shell.execution_count == 1
    assert shell.display_pub.results == [] and seen == ['post_execute']


def test_empty_cell_is_not_numbered(shell):
    result = shell.run_cell('  \n')
    assert result.success and shell.execution_count == 1 and shell.In == ['']


def test_history_object_receives_inputs_and_outputs():
    from ipylite.history import HistoryManager
    history = HistoryManager(':memory:')
    try:
        shell = Shell(display_pub=Recorder(), history=history)
        shell.run_cell('x = 2')
        shell.run_cell('%xmode plain\nx * 21')
        rows = history.get_range(output=True, raw=False)
        assert [(line, src) for _, line, (src, _) in rows][0] == (1, 'x = 2')
        assert rows[1][2] == ("get_ipython().run_line_magic('xmode', 'plain')\nx * 21", '42')
        assert history.get_range(raw=True)[1][2] == '%xmode plain\nx * 21'
    finally:
        history.close()


def test_top_level_await_reuses_one_loop(shell):
    result = shell.run_cell('import asyncio\nawait asyncio.sleep(0)\n'
                            'loop1 = asyncio.get_running_loop()')
    assert result.success, shell.display_pub.errors
    shell.run_cell('async def answer():\n    await asyncio.sleep(0)\n    return 42')
    result = shell.run_cell('loop2 = asyncio.get_running_loop()\nawait answer()')
    assert result.result == 42 and shell.Out[3] == 42
    assert shell.user_ns['loop1'] is shell.user_ns['loop2'] is shell.loop
    assert not shell.loop.is_closed()


def test_await_error_traceback_hides_the_event_loop(shell):
    shell.run_cell('async def boom():\n    raise KeyError("k")')
    shell.run_cell('import asyncio\nawait boom()')
    text = tb_text(shell)
    assert 'Cell In[2], line 2' in text and 'in boom()' in text
    assert 'asyncio' + os.sep not in text and 'base_events' not in text


def test_future_flags_carry_across_cells(shell):
    shell.run_cell('from __future__ import annotations')
    shell.run_cell('def f(x: Undefined) -> AlsoUndefined: pass')
    assert shell.run_cell('f.__annotations__').result == {'x': 'Undefined',
                                                          'return': 'AlsoUndefined'}


def test_classes_defined_in_cells_pickle(shell):
    shell.run_cell('class Point:\n    def __init__(self, x): self.x = x')
    result = shell.run_cell('import pickle\npickle.loads(pickle.dumps(Point(3))).x')
    assert result.success and result.result == 3
    assert sys.modules['__main__'] is not shell.user_module


def test_events_fire_in_order_with_info_and_result(shell):
    seen = []
    shell.events.register('pre_execute', lambda: seen.append('pre_execute'))
    shell.events.register('pre_run_cell', lambda info: seen.append(('pre', info.raw_cell)))
    shell.events.register('post_execute', lambda: seen.append('post_execute'))
    shell.events.register('post_run_cell', lambda r: seen.append(('post', r.result)))
    shell.run_cell('1 + 2')
    assert seen == ['pre_execute', ('pre', '1 + 2'), 'post_execute', ('post', 3)]
    with pytest.raises(KeyError):
        shell.events.register('no_such_event', print)
    with pytest.raises(ValueError):
        shell.events.unregister('post_execute', print)


def test_failing_callback_is_reported_and_others_run(shell, capsys):
    ran = []

    def bad():
        raise RuntimeError('callback broke')
    shell.events.register('post_execute', bad)
    shell.events.register('post_execute', lambda: ran.append(1))
    assert shell.run_cell('1').success
    assert ran == [1] and 'Error in callback' in capsys.readouterr().err
    assert shell.display_pub.errors[-1]['ename'] == 'RuntimeError'
    shell.events.unregister('post_execute', bad)


def test_current_shell_and_get_ipython(shell):
    assert Shell.current() is shell and get_ipython() is shell
    assert shell.run_cell('get_ipython()', store_history=False).result is shell
    other = Shell(display_pub=Recorder())
    assert get_ipython() is other
    shell.activate()
    assert get_ipython() is shell


def test_namespace_push_ev_ex_reset(shell):
    ns = shell.user_ns
    assert ns['__name__'] == '__main__' and '__builtins__' in ns
    shell.push({'a': 10})
    assert shell.ev('a * 2') == 20
    shell.ex('b = a + 1')
    assert ns['b'] == 11
    shell.run_cell('a')
    shell.reset()
    assert 'a' not in shell.user_ns and shell.execution_count == 1
    assert shell.Out == {} and shell.In == [''] and shell.user_ns['Out'] is shell.Out
    assert shell.user_ns['get_ipython']() is shell


def test_given_namespace_is_used(shell):
    ns = {'preset': 5}
    sh = Shell(user_ns=ns, display_pub=Recorder())
    sh.run_cell('made = preset + 1')
    assert ns['made'] == 6 and ns['__name__'] == '__main__'


def test_exit_and_quit_ask_the_frontend_to_stop(shell):
    shell.run_cell('exit')
    assert shell.exit_now and not shell.keepkernel
    shell.exit_now = False
    shell.run_cell('quit(keep_kernel=True)')
    assert shell.exit_now and shell.keepkernel
    assert shell.display_pub.errors == []


# ------------------------------------------------------------------- errors

def test_traceback_names_cell_line_and_ends_with_exception(shell):
    shell.run_cell('x = 1')
    result = shell.run_cell('a = 1\nb = 2\n1 / 0\n')
    assert isinstance(result.error_in_exec, ZeroDivisionError) and not result.success
    content = shell.display_pub.errors[-1]
    assert content is shell.last_error
    assert content['ename'] == 'ZeroDivisionError' and content['evalue'] == 'division by zero'
    text = tb_text(shell)
    assert text.startswith('-' * 75 + '\nZeroDivisionError ')
    assert 'Traceback (most recent call last)' in text
    assert 'Cell In[2], line 3' in text and '----> 3 1 / 0' in text
    assert '      2 b = 2' in text
    assert text.rstrip().splitlines()[-1] == 'ZeroDivisionError: division by zero'
    assert 'shell.py' not in text and 'ipylite' not in text
    assert sys.last_value is result.error_in_exec
    with pytest.raises(ZeroDivisionError):
        result.raise_error()


def test_traceback_shows_functions_and_files(shell, tmp_path, monkeypatch):
    (tmp_path / 'helper_mod.py').write_text('def g(n):\n    return {}[n]\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    shell.run_cell('import helper_mod\ndef f(a):\n    return helper_mod.g(a)\nf("k")')
    text = tb_text(shell)
    assert 'Cell In[1], line 4' in text and 'Cell In[1], line 3, in f(a)' in text
    assert 'helper_mod.py:2, in g(n)' in text and '----> 2     return {}[n]' in text
    assert text.splitlines()[-1] == "KeyError: 'k'"


def test_verbose_shows_arguments_and_locals(shell):
    shell.xmode = 'verbose'
    shell.run_cell('def f(a, *rest, key=None):\n    b = a + 1\n    return b / 0\nf(3, 4)')
    text = tb_text(shell)
    assert "in f(a=3, *rest=(4,), key=None)" in text
    assert '        b = 4' in text and '        a = 3' in text


def test_minimal_and_plain_modes(shell):
    shell.run_cell('%xmode Minimal')
    shell.run_cell('def f():\n    raise ValueError("bad")\nf()')
    assert shell.display_pub.errors[-1]['traceback'] == ['ValueError: bad']
    shell.run_cell('%xmode plain')
    shell.run_cell('f()')
    text = tb_text(shell)
    assert text.startswith('Traceback (most recent call last):')
    assert 'Cell In[4], line 1' in text and 'Cell In[2], line 2 in f' in text
    assert text.endswith('ValueError: bad') and 'shell.py' not in text


def test_xmode_magic_cycles_and_rejects_nonsense(shell, capsys):
    shell.run_cell('%xmode verbose')
    assert shell.xmode == 'Verbose'
    assert 'Exception reporting mode: Verbose' in capsys.readouterr().out
    shell.run_cell('%xmode')
    assert shell.xmode == 'Minimal'
    shell.run_cell('%xmode sideways')
    assert shell.display_pub.errors[-1]['ename'] == 'UsageError' and shell.xmode == 'Minimal'


def test_chained_exceptions_print_like_python(shell):
    shell.run_cell('try:\n    {}["x"]\nexcept KeyError as e:\n    raise ValueError("v") from e')
    text = tb_text(shell)
    assert text.index("KeyError: 'x'") < text.index('The above exception was the direct cause') \
        < text.index('ValueError: v')
    shell.run_cell('try:\n    1/0\nexcept ZeroDivisionError:\n    undefined_name')
    text = tb_text(shell)
    assert 'During handling of the above exception, another exception occurred' in text
    assert text.splitlines()[-1] == "NameError: name 'undefined_name' is not defined"


def test_colours_follow_the_scheme(shell):
    shell.run_cell('1/0')
    assert '\033[' not in tb_text(shell)
    shell.colors = 'Linux'
    shell.run_cell('1/0')
    assert '\033[31mZeroDivisionError\033[0m' in tb_text(shell)
    with pytest.raises(UsageError):
        shell.colors = 'Rainbow'


def test_syntax_error_points_at_the_column(shell):
    result = shell.run_cell('x = 1\ndef g(:\n    pass')
    assert isinstance(result.error_before_exec, SyntaxError)
    content = shell.display_pub.errors[-1]
    assert content['ename'] == 'SyntaxError'
    lines = tb_text(shell).splitlines()
    assert lines[0] == '  Cell In[1], line 2'
    assert lines[1] == '    def g(:'
    assert lines[2].index('^') == lines[1].index(':')
    assert lines[-1] == 'SyntaxError: invalid syntax'
    assert shell.execution_count == 2


def test_syntax_error_caret_in_indented_line(shell):
    shell.run_cell('if True:\n    y = (1 +* 2)')
    lines = tb_text(shell).splitlines()
    assert lines[0] == '  Cell In[1], line 2' and lines[1] == '    y = (1 +* 2)'
    assert lines[2].index('^') == lines[1].index('*')


def test_system_exit_is_reported_not_fatal(shell):
    result = shell.run_cell('import sys\nsys.exit(3)')
    assert isinstance(result.error_in_exec, SystemExit)
    content = shell.display_pub.errors[-1]
    assert content['ename'] == 'SystemExit'
    assert tb_text(shell) == ('An exception has occurred, use %tb to see the full '
                              'traceback.\n\nSystemExit: 3')
    shell.run_cell('%tb')
    assert 'Cell In[1], line 2' in tb_text(shell)
    assert shell.run_cell('1').success


def test_keyboard_interrupt_is_caught(shell):
    result = shell.run_cell('raise KeyboardInterrupt')
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert shell.display_pub.errors[-1]['ename'] == 'KeyboardInterrupt'


def test_usage_error_is_one_line(shell):
    result = shell.run_cell('%no_such_magic 1 2')
    assert isinstance(result.error_in_exec, UsageError)
    assert shell.display_pub.errors[-1] == {
        'ename': 'UsageError', 'evalue': 'Line magic function `%no_such_magic` not found.',
        'traceback': ['UsageError: Line magic function `%no_such_magic` not found.']}
    shell.run_cell('%%no_such_cell\nbody')
    assert shell.display_pub.errors[-1]['traceback'] == [
        'UsageError: Cell magic `%%no_such_cell` not found.']


def test_get_exception_only(shell):
    try:
        raise ValueError('nope')
    except ValueError:
        assert shell.get_exception_only() == 'ValueError: nope\n'


def test_display_errors_from_repr_show_a_traceback(shell):
    shell.run_cell('class Bad:\n    def __repr__(self):\n        raise RuntimeError("no repr")')
    result = shell.run_cell('Bad()')
    assert isinstance(result.error_in_exec, RuntimeError)
    assert 'in Bad.__repr__(self)' in tb_text(shell)


# --------------------------------------------------------------- transforms

@pytest.mark.parametrize('cell, expected', [
    ('>>> x = 1\n>>> if x:\n...     y = 2\n', 'x = 1\nif x:\n    y = 2\n'),
    ('In [1]: a = 1\n   ...: b = 2\n\nIn [2]: c = 3', 'a = 1\nb = 2\n\nc = 3'),
    ('%time f(1)', "get_ipython().run_line_magic('time', 'f(1)')"),
    ('%time\tf(1)  \n', "get_ipython().run_line_magic('time', 'f(1)')\n"),
    ('%%cellm\nbody', "get_ipython().run_cell_magic('cellm', '', 'body\\n')\n"),
    ('for i in x:\n    %time f(i)\n',
     "for i in x:\n    get_ipython().run_line_magic('time', 'f(i)')\n"),
    ('t = %time f(1)', "t = get_ipython().run_line_magic('time', 'f(1)')"),
    ('!ls -la', "get_ipython().system('ls -la')"),
    ('files = !ls *.py', "files = get_ipython().getoutput('ls *.py')"),
    ('!!date', "get_ipython().getoutput('date')"),
    ('len?', "get_ipython().run_line_magic('pinfo', 'len')"),
    ('os.path.join??', "get_ipython().run_line_magic('pinfo2', 'os.path.join')"),
    ('?len', "get_ipython().run_line_magic('pinfo', 'len')"),
    ('??len', "get_ipython().run_line_magic('pinfo2', 'len')"),
    ('%%cellm a b\nline 1\nline 2\n',
     "get_ipython().run_cell_magic('cellm', 'a b', 'line 1\\nline 2\\n')\n"),
])
def test_transforms(shell, cell, expected):
    assert shell.transform_cell(cell) == expected


@pytest.mark.parametrize('cell', [
    'a % b', 'x = a % b\n', 'if a != b:\n    pass\n', 's = """\n%not_magic\n!not_shell\n"""\n',
    'f(a,\n  %b)\n', "'>>> not a prompt'", 'x = 1  # is this help?\n', 'y = (1 +\n     2)\n',
    '>>> x = 1\nno prompt here\n', 'print("%d" % 3)', 'a = 1 \\\n    % 2\n',
])
def test_plain_python_is_left_alone(shell, cell):
    assert shell.transform_cell(cell) == cell


def test_line_and_cell_magics_run(shell):
    seen = []

    def echo(line):
        return line.upper()

    def capture(line, cell):
        seen.append((line, cell))
        return len(cell)

    def both(line, cell=None):
        return ('line' if cell is None else 'cell', line)
    shell.register_magic_function(echo)
    shell.register_magic_function(capture, 'cell')
    shell.register_magic_function(both, 'line_cell', magic_name='both')
    assert shell.run_cell('%echo hello there').result == 'HELLO THERE'
    assert shell.run_cell('v = %echo abc\nv').result == 'ABC'
    assert shell.run_cell('%%capture --opt\nx = 1\ny = 2\n').result == 12
    assert seen == [('--opt', 'x = 1\ny = 2\n')]
    assert shell.run_line_magic('both', 'l') == ('line', 'l')
    assert shell.run_cell_magic('both', 'l', 'c') == ('cell', 'l')
    with pytest.raises(ValueError):
        shell.register_magic_function(echo, 'sideways')


def test_magic_errors_mention_the_other_kind(shell):
    shell.register_magic_function(lambda line, cell: None, 'cell', 'onlycell')
    with pytest.raises(UsageError, match='did you mean that instead'):
        shell.run_line_magic('onlycell', '')


# ---------------------------------------------------------- system commands

def test_system_streams_output_and_sets_exit_code(shell, capfd, monkeypatch):
    monkeypatch.setenv('IPYLITE_VAR', 'from-env')
    shell.push({'name': 'world', 'n': 2, 'IPYLITE_VAR': 'from-ns'})
    shell.run_cell('!echo hello $name {n + 1} $IPYLITE_VAR $$IPYLITE_VAR; echo oops 1>&2; exit 3')
    out, err = capfd.readouterr()
    assert out == 'hello world 3 from-ns from-env\n' and err == 'oops\n'
    assert shell.user_ns['_exit_code'] == 3


def test_unknown_names_are_left_for_the_shell(shell, capfd, monkeypatch):
    monkeypatch.setenv('IPYLITE_TEST_VAR', 'from-env')
    shell.run_cell("!echo $IPYLITE_TEST_VAR {undefined_thing}")
    assert capfd.readouterr().out == 'from-env {undefined_thing}\n'


def test_getoutput_returns_an_slist(shell, tmp_path):
    (tmp_path / 'a.txt').write_text('')
    (tmp_path / 'b.txt').write_text('')
    shell.push({'d': str(tmp_path)})
    shell.run_cell('files = !ls $d')
    files = shell.user_ns['files']
    assert isinstance(files, SList) and files == ['a.txt', 'b.txt']
    assert files.s == 'a.txt b.txt' and files.n == 'a.txt\nb.txt'
    assert files.grep('A\\.') == ['a.txt'] and files.grep('txt', prune=True) == []
    assert files.grep(lambda s: s.startswith('b')) == ['b.txt']
    full = SList([str(tmp_path / 'a.txt'), '/no/such/file'])
    assert [p.name for p in full.p] == ['a.txt']
    assert shell.user_ns['_exit_code'] == 0


# ------------------------------------------------------------ introspection

def test_question_mark_pages_info(shell, capsys):
    shell.run_cell('def f(a, b=2):\n    """Add things."""\n    return a + b')
    shell.run_cell('f?')
    out = capsys.readouterr().out
    assert 'Signature: f(a, b=2)' in out and 'Docstring: Add things.' in out
    assert 'Type:      function' in out
    shell.run_cell('nothing_here?')
    assert capsys.readouterr().out == 'Object `nothing_here` not found.\n'


def test_pager_payload_for_kernels(shell, capsys):
    shell.pager_payload = True
    shell.run_cell('len??')
    assert capsys.readouterr().out == ''
    (page,) = shell.payload
    assert page['source'] == 'page' and page['start'] == 0
    assert page['data']['text/plain'].startswith('Signature: len(obj, /)')


def test_inspect_function_class_instance_and_source(shell):
    shell.run_cell('def f(a, b=2):\n    """Add things."""\n    return a + b\n'
                   'class A:\n    """Class A."""\n    def __init__(self, x):\n'
                   '        """Make one."""\n'
                   'nums = [1, 2, 3]')
    reply = shell.inspect('f')
    assert reply['status'] == 'ok' and reply['found'] and reply['metadata'] == {}
    text = reply['data']['text/plain']
    assert text.splitlines()[:2] == ['Signature: f(a, b=2)', 'Docstring: Add things.']
    assert 'File:      Cell In[1]' in text
    source = shell.inspect('f', detail_level=1)['data']['text/plain']
    assert 'Source:' in source and 'return a + b' in source and 'Docstring' not in source
    cls = shell.inspect('A')['data']['text/plain']
    assert 'Init signature: A(x)' in cls and 'Docstring:      Class A.' in cls
    assert 'Init docstring: Make one.' in cls
    shell.run_cell('import os, json')
    for name, module in (('json.dumps', 'json'), ('os.path.join', 'os.path')):  # frozen
        path = sys.modules[module].__file__.replace(os.path.expanduser('~'), '~')
        assert 'File:      %s\n' % path in shell.inspect(name)['data']['text/plain']
    lst = shell.inspect('nums')['data']['text/plain']
    assert 'Type:        list' in lst and 'String form: [1, 2, 3]' in lst
    assert 'Length:      3' in lst
    assert '\033[' not in lst


def test_inspect_finds_the_callable_around_the_cursor(shell):
    shell.run_cell('import os')
    reply = shell.inspect('x = os.path.join(a, ', 20)
    assert reply['found'] and 'Signature: os.path.join(a, *p)' in reply['data']['text/plain']
    reply = shell.inspect('os.getcwd() + 1', 4)     # cursor inside the name
    assert 'Signature: os.getcwd()' in reply['data']['text/plain']
    assert shell.inspect('no_such_name') == {'status': 'ok', 'found': False, 'data': {},
                                             'metadata': {}}


def test_inspect_does_not_run_properties(shell):
    shell.run_cell('calls = []\nclass C:\n    @property\n    def p(self):\n'
                   '        """The p."""\n        calls.append(1)\n        return 1\nc = C()')
    reply = shell.inspect('c.p')
    assert reply['found'] and 'The p.' in reply['data']['text/plain']
    assert shell.user_ns['calls'] == []


def test_pinfo_for_magics(shell):
    text = shell.object_inspect_text('%xmode')
    assert 'Plain|Context|Verbose|Minimal' in text


# ---------------------------------------------------------------- completion

def test_complete_names_builtins_keywords(shell):
    shell.push({'alpha': 1, 'alphabet': 2, '_alpha_private': 3})
    reply = shell.complete('x = alp')
    types = [{'start': 4, 'end': 7, 'text': name, 'type': 'instance', 'signature': ''}
             for name in ('alpha', 'alphabet')]        # as ipykernel's metadata
    assert reply == {'matches': ['alpha', 'alphabet'], 'cursor_start': 4, 'cursor_end': 7,
                     'metadata': {'_jupyter_types_experimental': types}, 'status': 'ok'}
    assert shell.complete('_alp')['matches'] == ['_alpha_private']
    assert 'print' in shell.complete('pri')['matches']
    assert 'import' in shell.complete('imp')['matches']
    assert shell.complete('alp + 1', 3)['matches'] == ['alpha', 'alphabet']
    assert shell.complete('x = 1  # alp')['matches'] == []


def test_complete_is_fast_with_many_names(shell):
    shell.push({'name%d' % i: i for i in range(10000)})
    shell.complete('name1')
    start = time.perf_counter()
    reply = shell.complete('name1')
    assert time.perf_counter() - start < 0.02
    assert len(reply['matches']) == 1111


def test_complete_attributes_without_running_properties(shell):
    shell.run_cell('calls = []\nclass C:\n    value = 1\n    @property\n'
                   '    def prop(self):\n        calls.append("ran")\n        raise RuntimeError\n'
                   '    def method(self): pass\n'
                   'c = C()\nc.inner = C()')
    assert shell.complete('c.')['matches'] == ['c.inner', 'c.method', 'c.prop', 'c.value']
    types = [{'start': 4, 'end': 8, 'text': 'c.prop', 'type': 'property', 'signature': ''}]
    assert shell.complete('x = c.pr') == {'matches': ['c.prop'], 'cursor_start': 4,
                                          'cursor_end': 8, 'status': 'ok',
                                          'metadata': {'_jupyter_types_experimental': types}}
    assert shell.complete('c.inner.me')['matches'] == ['c.inner.method']
    assert shell.complete('c.prop.')['matches'] == []
    assert shell.user_ns['calls'] == []
    assert 'c.__class__' in shell.complete('c.__')['matches']
    assert shell.complete('f().x')['matches'] == []
    assert shell.complete('str.isdi')['matches'] == ['str.isdigit']


def test_complete_module_attributes(shell):
    shell.run_cell('import os')
    assert 'os.path' in shell.complete('os.pa')['matches']
    assert 'os.path.join' in shell.complete('os.path.jo')['matches']


def test_complete_dict_keys(shell):
    shell.run_cell("d = {'key_one': 1, 'key_two': 2, 'other': 3, 4: 'four'}\n"
                   "class Frame:\n    def keys(self): return ['col_a', 'col_b']\n"
                   "    def __getitem__(self, k): return k\nframe = Frame()")
    reply = shell.complete("d['ke")
    assert reply['matches'] == ['key_one', 'key_two'] and reply['cursor_start'] == 3
    assert shell.complete('x = d["')['matches'] == ['key_one', 'key_two', 'other']
    assert shell.complete("frame['col")['matches'] == ['col_a', 'col_b']
    assert "'key_one'" in shell.complete('d[')['matches']


def test_complete_paths_in_strings(shell, tmp_path, monkeypatch):
    (tmp_path / 'data_file.csv').write_text('')
    (tmp_path / 'data_dir').mkdir()
    (tmp_path / 'data_dir' / 'inner.txt').write_text('')
    (tmp_path / '.hidden').write_text('')
    monkeypatch.chdir(tmp_path)
    reply = shell.complete("open('dat")
    assert reply['matches'] == ['data_dir/', 'data_file.csv'] and reply['cursor_start'] == 6
    assert shell.complete('open("./data_dir/i')['matches'] == ['./data_dir/inner.txt']
    assert shell.complete("open('.h")['matches'] == ['.hidden']
    assert shell.complete('!cat data_f')['matches'] == ['data_file.csv']
    absolute = shell.complete("p = '%s/data_d" % tmp_path)['matches']
    assert absolute == ['%s/data_dir/' % tmp_path]


def test_complete_module_names(shell):
    assert 'os' in shell.complete('import o')['matches']
    assert 'collections' in shell.complete('import sys, coll')['matches']
    assert 'os.path' in shell.complete('import os.pa')['matches']
    assert shell.complete('from json import dec')['matches'] == ['decoder']
    assert 'path' in shell.complete('from os import pa')['matches']
    assert 'json' in shell.complete('from js')['matches']
    reply = shell.complete('import xml.e')
    assert reply['matches'] == ['xml.etree'] and reply['cursor_start'] == 7


def test_complete_magics(shell):
    shell.register_magic_function(lambda line, cell: None, 'cell', 'zzcell')
    assert shell.complete('%xm')['matches'] == ['%xmode']
    assert shell.complete('%zz')['matches'] == ['%%zzcell']
    assert shell.complete('%%zz')['matches'] == ['%%zzcell']
    assert shell.complete('%%xm')['matches'] == []
    assert '%timeit' in shell.complete('%ti')['matches']
    assert shell.complete('  %pin')['cursor_start'] == 2


# ------------------------------------------------------------- is_complete

@pytest.mark.parametrize('code, status, indent', [
    ('x = 1', 'complete', None),
    ('', 'complete', None),
    ('if x:', 'incomplete', '    '),
    ('for i in range(3):\n    print(i)', 'incomplete', '    '),
    ('for i in range(3):\n    print(i)\n\n', 'complete', None),
    ('def f():\n    if x:', 'incomplete', '        '),
    ('x = (1,\n', 'incomplete', ''),
    ('s = """abc', 'incomplete', ''),
    ('y = 1 + \\', 'incomplete', ''),
    ('@decorator', 'incomplete', ''),
    ('def f(:', 'invalid', None),
    ('a b c', 'invalid', None),
    ('await something()', 'complete', None),
    ('%time x = 1', 'complete', None),
    ('!ls', 'complete', None),
    ('len?', 'complete', None),
    ('%%timeit\nx = 1', 'incomplete', ''),
    ('%%timeit\nx = 1\n\n', 'complete', None),
    ('if x: pass', 'complete', None),
    ('x = [1,\n     2]', 'complete', None),
])
def test_is_complete(shell, code, status, indent):
    reply = shell.is_complete(code)
    assert reply['status'] == status
    if status == 'incomplete':
        assert reply['indent'] == indent
    else:
        assert 'indent' not in reply


def test_execution_result_shape():
    from ipylite.shell import ExecutionInfo
    result = ExecutionResult(ExecutionInfo('x', True, False))
    assert result.success and result.info.raw_cell == 'x'
    result.error_before_exec = SyntaxError('bad')
    assert not result.success
    with pytest.raises(SyntaxError):
        result.raise_error()


def test_cell_source_is_in_linecache_for_inspect(shell):
    shell.run_cell('def g():\n    return 1')
    import inspect
    assert inspect.getsource(shell.user_ns['g']) == 'def g():\n    return 1'


def test_exceptions_may_render_their_own_traceback(shell):
    shell.run_cell("class Remote(Exception):\n"
                   "    def _render_traceback_(self):\n"
                   "        return ['[engine 3] ValueError: far away']\n"
                   "raise Remote()")
    assert shell.last_error['traceback'] == ['[engine 3] ValueError: far away']
    assert shell.last_error['ename'] == 'Remote'


def test_a_common_leading_indent_is_stripped(shell):
    assert shell.is_complete('  x = 1') == {'status': 'complete'}
    result = shell.run_cell('  x = 1\n  y = x + 1\n')
    assert result.success and shell.user_ns['y'] == 2
    assert shell.run_cell('  if True:\n      z = 3\n').success and shell.user_ns['z'] == 3


def test_auto_indent_dedents_after_return_pass_raise_break_continue(shell):
    assert shell.is_complete('def f():\n    return 1')['indent'] == ''
    assert shell.is_complete('class C:\n    pass')['indent'] == ''
    assert shell.is_complete('def f():\n    raise ValueError')['indent'] == ''
    assert shell.is_complete('for i in x:\n    if i:\n        break')['indent'] == '    '
    assert shell.is_complete('for i in x:\n    continue')['indent'] == ''
    assert shell.is_complete('def f():\n    returned = 1')['indent'] == '    '


def test_enable_gui_as_matplotlib_calls_it(caplog):
    """IPython's Shell.enable_gui: matplotlib calls it when pyplot picks a GUI backend in
    an IPython shell. Frontend-drawn backends need nothing; a toolkit %gui does not know
    is a warning, not an error that would break `import pyplot` (qt: test_magics'
    GUI_CHECK, in a child process)."""
    import logging
    sh = Shell()
    for gui in (None, 'inline', 'nbagg', 'widget'):
        sh.enable_gui(gui)
    assert getattr(sh, 'gui', None) is None
    with caplog.at_level(logging.WARNING, logger='ipylite.shell'):
        sh.enable_gui('tk')
    assert "unknown toolkit 'tk'" in caplog.text
