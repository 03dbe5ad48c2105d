"""The magics through a real kernel process (`python -m ipylite.kernel`), started and
driven by jupyter_client: outputs, payloads, errors, and pdb over the stdin channel."""

import queue
import re
import textwrap

import pytest


TIMEOUT = 30


@pytest.fixture(scope='module')
def kc():
    from jupyter_client import KernelManager
    km = KernelManager(kernel_name='ipylite')
    km.start_kernel()
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def execute(kc, code, stdin=None, allow_stdin=False):
    """Run code; return (reply content, [iopub messages of this request])."""
    msg_id = kc.execute(code, allow_stdin=allow_stdin or stdin is not None)
    outputs, prompts = [], []
    answers = iter(stdin or [])
    done = {'reply': None, 'idle': False}
    while not (done['reply'] and done['idle']):
        if stdin is not None:
            try:
                req = kc.get_stdin_msg(timeout=0.05)
                prompts.append(req['content']['prompt'])
                kc.input(next(answers))
            except queue.Empty:
                pass
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            msg = None
        if msg and msg['parent_header'].get('msg_id') == msg_id:
            if msg['msg_type'] == 'status' and msg['content']['execution_state'] == 'idle':
                done['idle'] = True
            elif msg['msg_type'] != 'status':
                outputs.append(msg)
        if done['reply'] is None:
            try:
                reply = kc.get_shell_msg(timeout=0.05)
                if reply['parent_header'].get('msg_id') == msg_id:
                    done['reply'] = reply['content']
            except queue.Empty:
                pass
    if stdin is not None:
        outputs.append({'msg_type': 'prompts', 'content': prompts})
    return done['reply'], outputs


def stdout(outputs):
    return ''.join(m['content']['text'] for m in outputs
                   if m['msg_type'] == 'stream' and m['content']['name'] == 'stdout')


def test_magics_and_usage_errors_through_the_kernel(kc, tmp_path):
    reply, out = execute(kc, 'x = 3\n%who')
    assert reply['status'] == 'ok' and stdout(out) == 'x\n'
    reply, out = execute(kc, 'who')                              # automagic
    assert stdout(out) == 'x\n'
    reply, out = execute(kc, '%timeit -n 2 -r 2 x + 1')
    assert 'per loop (mean ± std. dev. of 2 runs, 2 loops each)' in stdout(out)
    reply, out = execute(kc, '%nosuch')
    assert reply['status'] == 'error' and reply['ename'] == 'UsageError'
    errors = [m for m in out if m['msg_type'] == 'error']
    assert errors[0]['content']['traceback'] == [
        'UsageError: Line magic function `%nosuch` not found.']
    reply, out = execute(kc, '%%html\n<i>hi</i>')
    assert [m['content']['data']['text/html'] for m in out
            if m['msg_type'] == 'display_data'] == ['<i>hi</i>\n']
    reply, out = execute(kc, 'len?')
    assert reply['payload'][0]['source'] == 'page'
    assert 'Return the number of items' in reply['payload'][0]['data']['text/plain']
    script = tmp_path / 'kscript.py'
    script.write_text(textwrap.dedent('''
        import sys
        def greet(name):
            return "hello " + name
        print("argv", sys.argv[1:])
    '''))
    reply, out = execute(kc, '%%run %s a "b c"' % script)
    assert stdout(out) == "argv ['a', 'b c']\n"
    reply, out = execute(kc, 'greet("kernel")')
    assert [m['content']['data']['text/plain'] for m in out
            if m['msg_type'] == 'execute_result'] == ["'hello kernel'"]
    reply, out = execute(kc, '%%load %s' % script)
    assert reply['payload'][0]['source'] == 'set_next_input'
    assert 'def greet(name)' in reply['payload'][0]['text']
    reply, out = execute(kc, 'files = !echo one; echo two\nfiles.n')
    assert [m['content']['data']['text/plain'] for m in out
            if m['msg_type'] == 'execute_result'] == ["'one\\ntwo'"]
    reply, out = execute(kc, '%%capture c\nprint("hidden")')
    assert stdout(out) == ''
    reply, out = execute(kc, 'print(c.stdout, end="")')
    assert stdout(out) == 'hidden\n'
    reply, out = execute(kc, '%%bash\necho from-bash')
    assert stdout(out) == 'from-bash\n'
    reply, out = execute(kc, '%cd ' + str(tmp_path))
    reply, out = execute(kc, '%pwd')
    assert [m['content']['data']['text/plain'] for m in out
            if m['msg_type'] == 'execute_result'] == [repr(str(tmp_path))]


def test_debug_over_the_stdin_channel(kc):
    reply, out = execute(kc, 'def inner(depth):\n    raise ValueError(depth)\ninner(7)')
    assert reply['status'] == 'error'
    reply, out = execute(kc, '%debug', stdin=['p depth * 6', 'q'])
    assert reply['status'] == 'ok'
    assert out[-1]['content'] == ['(Pdb) ', '(Pdb) ']
    text = stdout(out)
    assert '----> 2     raise ValueError(depth)' in text and '42\n' in text
    reply, out = execute(kc, '%debug zz = 20 + 1', stdin=['n', 'p zz * 2', 'c'])
    assert '42' in stdout(out)
    reply, out = execute(kc, '%pdb on')
    reply, out = execute(kc, '1 / 0', stdin=['p 5 + 5', 'q'])
    assert out[-1]['content'] == ['(Pdb) ', '(Pdb) '] and '10\n' in stdout(out)
    execute(kc, '%pdb off')


def test_history_magic_in_the_kernel(kc):
    execute(kc, 'marker_h = 1')
    reply, out = execute(kc, '%history -l 1')
    assert stdout(out) == 'marker_h = 1\n'
    execute(kc, 'marker_h += 1')
    reply, out = execute(kc, '%rerun')
    reply, out = execute(kc, 'marker_h')
    assert [m['content']['data']['text/plain'] for m in out
            if m['msg_type'] == 'execute_result'] == ['3']


def _text(reply, out):
    """Everything a frontend would show for a request: streams, displays, results,
    errors and payloads, as one string."""
    parts = []
    for m in out:
        c = m['content']
        if m['msg_type'] == 'stream':
            parts.append(c['text'])
        elif m['msg_type'] in ('display_data', 'execute_result'):
            parts.extend(str(v) for v in c['data'].values())
        elif m['msg_type'] == 'error':
            parts.extend(c['traceback'])
    for p in reply.get('payload', []):
        parts.append(str(p.get('text', '')) + str(p.get('data', {}).get('text/plain', '')))
    return '\n'.join(parts)


MAGIC_TABLE = [
    ('v1 = 2.5\nl1 = [1, 2]', ''),
    ('%time v1 * 2', 'Wall time'),
    ('%%time\nv1 + 1', 'CPU times'),
    ('%%timeit -n 2 -r 1\nv1 * 3', '1 run, 2 loops each'),
    ('%prun -l 2 sorted(l1)', 'function calls in'),
    ('%whos', 'n=2'),
    ('%who_ls float', "['v1']"),
    ('%precision 1\n2.46', '2.5'),        # (neither rounded text is in the full repr)
    ('%precision 2\n2.71828', '2.72'),
    ('%pdef divmod', 'divmod(x, y, /)'),
    ('%pdoc divmod', 'Return the tuple'),
    ('import json\n%psearch json.d*', 'json.dump\njson.dumps'),
    ('json.lo*?', 'json.load\njson.loads'),
    ('%psource json.dumps', 'def dumps('),
    ('json.dumps??', 'def dumps('),
    ('%pfile json', '"""JSON'),
    ('%page l1', '[1, 2]'),
    ('%%markdown\n# Title', '# Title'),
    ('%%latex\n$x^2$', '$x^2$'),
    ('%%javascript\nconsole.log(1)', 'console.log(1)'),
    ('%%svg\n<svg xmlns="http://www.w3.org/2000/svg"></svg>', '<svg'),
    ('%%writefile kt_file.py\nkt = 41 + 1\n', 'Writing kt_file.py'),
    ('%run kt_file.py\nkt', '42'),
    ('%save -f kt_saved.py 1', 'written to file `kt_saved.py`'),
    ('kt_src = "v1 = 2.5"\n%macro -q kt_macro kt_src\nv1 = 0', ''),
    ('kt_macro', ''),
    ('v1', '2.5'),
    ('%recall kt_src', 'v1 = 2.5'),
    ('%store l1', "Stored 'l1' (list)"),
    ('del l1\n%store -r l1\nl1', '[1, 2]'),
    ('%store -z', ''),
    ('%env KT_VAR=abc', 'env: KT_VAR=abc'),
    ('%set_env KT_VAR xyz\n%env KT_VAR', 'xyz'),
    ('%alias kt_echo echo [%l]', ''),
    ('kt_echo a b', '[a b]'),
    ('%unalias kt_echo', ''),
    ('%sx echo sx-out', 'sx-out'),
    ('%system echo sys-out', 'sys-out'),
    ('%%sh\necho sh-out', 'sh-out'),
    ('%%script python3\nprint(6 * 7)', '42'),
    ('!!echo bang-bang', 'bang-bang'),
    ('%mkdir -p kt_dir', ''),
    ('%pushd kt_dir\n%pwd', 'kt_dir'),
    ('%popd', 'popd ->'),
    ('%bookmark kt_mark kt_dir\n%cd -b kt_mark', 'kt_dir'),
    ('%cd -\n%dhist', 'Directory history'),
    ('%dirs', '['),
    ('%config Shell.xmode = "Minimal"\n%config Shell.xmode', 'Minimal'),
    ('%xmode Context', 'Exception reporting mode: Context'),
    ('%profile', 'UsageError: Line magic function `%profile` not found.'),   # (IPython 9)
    ('%sc -l kt_sc=echo sc-out\nkt_sc', "['sc-out']"),
    ('%logstart -o kt_log.py\n1 + 1', 'Activating auto-logging'),
    ('%logstop\nprint(open("kt_log.py").read())', '#[Out]# 2'),
    ('%quickref', 'automagic'),
    ('%magic', '%%writefile:'),
    ('%lsmagic', 'Available cell magics'),
    ('%load_ext autoreload\n%autoreload 2\n%aimport json', ''),
    ('%reset_selective -f ^kt_\n%who_ls', "'v1'"),
    ('%xdel v1\n%who_ls float', '[]'),
    ('%reset -f\n%who', 'Interactive namespace is empty.'),
    ('1/0', 'ZeroDivisionError'),
    ('%tb', 'ZeroDivisionError: division by zero'),
    ('%run -m json.tool --help', 'usage:'),
    ('%automagic off', 'Automagic is OFF.'),
    ('pwd', "NameError: name 'pwd' is not defined"),
    ('%automagic on\n%history -n -l 1', 'pwd'),
    ('%sx', 'UsageError: %system: missing command'),
    ('%cd /nonexistent-kt', 'UsageError: %cd: /nonexistent-kt: No such file or directory'),
]


def test_every_family_of_magics_through_the_kernel(kc, tmp_path):
    execute(kc, 'import os\nos.chdir(%r)\ndel os' % str(tmp_path))
    failures = []
    for code, expected in MAGIC_TABLE:
        reply, out = execute(kc, code)
        text = re.sub(r"\x1b\[[0-9;]*m", "", _text(reply, out))  # kernels colour tracebacks
        if expected not in text or ('UsageError' not in expected and 'Error' not in expected
                                    and reply['status'] != 'ok'):
            failures.append((code, expected, reply['status'], text[-300:]))
    assert failures == [], "\n".join(map(repr, failures))


def _edit_payloads(kc, code, printed=''):
    reply, out = execute(kc, code)
    out = [m for m in out if m['msg_type'] != 'execute_input']
    assert reply['status'] == 'ok' and stdout(out) == printed, (reply, out)
    return [p for p in reply['payload'] if p['source'] == 'edit_magic']


@pytest.mark.parametrize('kernel', ['python3', 'ipylite'])
def test_edit_asks_the_frontend_to_open_the_file_as_ipykernel_does(kernel, tmp_path):
    """%edit in a kernel runs no editor: the reply carries an edit_magic payload (an
    absolute file name and a line), the same on ipykernel and on ipylite's kernel."""
    from jupyter_client import KernelManager
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(cwd=str(tmp_path))
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        (tmp_path / 'mine.py').write_text('x = 1\n')
        assert _edit_payloads(client, '%edit mine.py') == [
            {'source': 'edit_magic', 'filename': str(tmp_path / 'mine.py'), 'line_number': None}]
            # (ipykernel sends -n's text as it was typed, '3'; ipylite the number)
        assert int(_edit_payloads(client, '%edit -n 3 mine.py')[0]['line_number']) == 3
        import textwrap as tw
        [p] = _edit_payloads(client, 'import textwrap\n%edit textwrap.dedent')
        assert p['filename'] == tw.__file__
        assert p['line_number'] == __import__('inspect').getsourcelines(tw.dedent)[1]
        reply, out = execute(client, '%edit')            # a new temporary file
        [p] = [p for p in reply['payload'] if p['source'] == 'edit_magic']
        assert p['filename'].endswith('.py') and __import__('os').path.isfile(p['filename'])
        assert stdout(out) == 'IPython will make a temporary file named: %s\n' % p['filename']
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
