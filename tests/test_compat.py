"""Code written for IPython and ipykernel, run by ipylite (issue 16): real kernel
processes driven over ZeroMQ, and a Shell in-process for what needs no kernel."""

import os
import subprocess
import sys
import textwrap

import pytest

from ipylite.shell import Shell
from test_kernel import TIMEOUT, new_kernel, run, text_of   # (tests/ is on sys.path)


@pytest.fixture(scope="module")
def kernel():
    km, kc = new_kernel("subprocess")
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel()


@pytest.fixture
def kc(kernel):
    kernel[1].flush_iopub()
    return kernel[1]


@pytest.fixture
def shell():
    return Shell()


def results(out):
    return [m["content"]["data"] for m in out if m["msg_type"] == "execute_result"]


def displays(out):
    return [m["content"]["data"] for m in out if m["msg_type"] == "display_data"]


def errors(out):
    return [m["content"]["ename"] for m in out if m["msg_type"] == "error"]


# ------------------------------------------------------------------ input transforms

def test_percent_format_after_an_equals_sign_stays_python(shell, capsys):
    for code in ("print('n=%d' % 5)", "print('a=%s, b=%s' % (1, 2))", "s = 'x=%d' % 3; print(s)"):
        assert shell.transform_cell(code) == code
    shell.run_cell("print('n=%d' % 5)")
    assert capsys.readouterr().out == "n=5\n"
    # real assignments from magics and commands still transform
    assert shell.transform_cell("x = %pwd") == "x = get_ipython().run_line_magic('pwd', '')"
    assert shell.transform_cell("d['k'] = !echo hi") == "d['k'] = get_ipython().getoutput('echo hi')"


def test_future_import_after_the_first_statement(shell, capsys):
    r = shell.run_cell("x = 1\nfrom __future__ import annotations\n"
                       "def f(a: undefined_name): return a\nprint(f(2))")
    assert r.success, r.error_before_exec or r.error_in_exec
    assert capsys.readouterr().out == "2\n"


def test_bare_question_mark_shows_help(shell, capsys):
    r = shell.run_cell("?")
    assert r.success
    assert "%magic" in capsys.readouterr().out       # the quick reference


# ------------------------------------------------------------------------ display

def test_display_formatter_has_ipythons_formatters(shell, capsys):
    f = shell.display_formatter.formatters
    assert [type(f[m]).__name__ for m in ("text/plain", "text/latex", "image/png")] == \
        ["PlainTextFormatter", "LatexFormatter", "PNGFormatter"]

    class Vec:
        pass
    f["text/latex"].for_type(Vec, lambda v: "$\\vec v$")
    f["text/plain"].for_type(Vec, lambda v, p, cycle: p.text("Vec!"))
    data, _ = shell.display_formatter.format(Vec())
    assert data == {"text/latex": "$\\vec v$", "text/plain": "Vec!"}
    f["text/latex"].pop(Vec)
    assert "text/latex" not in shell.display_formatter.format(Vec())[0]


def test_sympy_init_printing_gives_pretty_text_and_latex(shell):
    __import__("sympy")      # a test dependency: missing is a failure, not a skip
    r = shell.run_cell("from sympy import symbols, Rational, init_printing\n"
                       "init_printing(use_latex='mathjax')\nx, y = symbols('x y')\n"
                       "(x**2 / y, Rational(1, 2))")
    assert r.success, r.error_in_exec
    data, _ = shell.display_formatter.format(r.result)
    assert data["text/plain"] == "⎛ 2     ⎞\n⎜x      ⎟\n⎜──, 1/2⎟\n⎝y      ⎠"
    assert data["text/latex"].startswith("$\\displaystyle \\left( \\frac{x^{2}}{y}")


def test_display_include_exclude_and_display_png_add_no_text_plain(kc):
    c, out = run(kc, textwrap.dedent("""\
        from IPython.display import display_png
        class G:
            def _repr_png_(self): return b'\\x89PNG\\r\\n\\x1a\\n'
            def _repr_latex_(self): return '$g$'
        display_png(G())
        display(G(), include={'text/latex'})
        display(G(), exclude={'image/png', 'text/plain'})
        display(G(), exclude={'image/png'})
        """))
    assert c["status"] == "ok", c
    assert [sorted(d) for d in displays(out)] == [
        ["image/png"], ["text/latex"], ["text/latex"], ["text/latex", "text/plain"]]


def test_objects_without_a_repr_are_named_as_ipython_names_them(shell):
    r = shell.run_cell("class C: pass\nc = C()\n[c, (c,)]")
    text = shell.display_formatter.format(r.result)[0]["text/plain"]
    i = "0x%x" % id(shell.user_ns["c"])
    assert text == "[<__main__.C at %s>, (<__main__.C at %s>,)]" % (i, i)


def test_display_and_get_ipython_are_builtins(tmp_path, shell, capsys):
    import builtins
    assert builtins.display is not None and builtins.get_ipython() is shell
    script = tmp_path / "uses_ip.py"
    script.write_text("ip = get_ipython()\nprint(type(ip).__name__)\ndisplay('shown')\n")
    r = shell.run_cell("%run " + str(script))
    assert r.success, r.error_in_exec
    assert capsys.readouterr().out == "Shell\n'shown'\n"


# ------------------------------------------------------------------------ magics

def test_capture_options_after_the_name(shell, capfd):
    shell.run_cell("%%capture cap --no-stderr\nimport sys\nprint('out')\n"
                   "print('err', file=sys.stderr)")
    cap = shell.user_ns["cap"]
    assert (cap.stdout, cap.stderr, cap.outputs) == ("out\n", "", [])
    assert "err" in capfd.readouterr().err
    shell.run_cell("%%capture --no-stdout c2\nprint('seen')\ndisplay('kept')")
    assert shell.user_ns["c2"].stdout == ""
    assert [d["text/plain"] for d, _ in shell.user_ns["c2"].outputs] == ["'kept'"]
    assert capfd.readouterr().out == "seen\n"


def test_save_writes_magics_so_that_run_works(shell, tmp_path, capsys):
    from ipylite.history import HistoryManager
    sh = Shell(history=HistoryManager(str(tmp_path / "h.sqlite")))
    sh.run_cell("x = 20")
    sh.run_cell("%time y = x + 1")
    target = tmp_path / "saved.py"
    r = sh.run_cell("%save -f " + str(target) + " 1-2")
    assert r.success, r.error_in_exec
    text = target.read_text()
    assert "get_ipython().run_line_magic('time', 'y = x + 1')" in text
    sh.run_cell("del x, y")
    r = sh.run_cell("%run -i " + str(target))
    assert r.success, r.error_in_exec
    assert sh.user_ns["y"] == 21


def lsmagic_of(kc):
    c, out = run(kc, "%lsmagic")
    assert c["status"] == "ok", c
    [data] = results(out)
    return data["text/plain"]


def test_lsmagic_in_the_kernel_is_ipykernels_exactly(kc):
    from jupyter_client.manager import start_new_kernel
    km, ipk = start_new_kernel(kernel_name="python3", startup_timeout=TIMEOUT)
    try:
        theirs = lsmagic_of(ipk)
    finally:
        ipk.stop_channels()
        km.shutdown_kernel(now=True)
    ours = lsmagic_of(kc)
    assert "%subshell" in theirs and "%%code_wrap" in theirs     # the reference is read
    assert ours == theirs


def test_subshell_magic_prints_ipykernels_main_shell_report(kc):
    c, out = run(kc, "import os, threading\n"
                     "print(threading.main_thread().ident, threading.get_ident(), "
                     "os.getpid())\n%subshell")
    assert c["status"] == "ok", c
    lines = text_of(out).splitlines()
    main, here, pid = lines[0].split()
    assert lines[1:6] == ["subshell id: None", "thread id: " + here,
                          "main thread id: " + main, "pid: " + pid, lines[5]]
    assert int(lines[5].split(": ")[1]) >= 1 and lines[5].startswith("thread count: ")
    assert lines[6:] == ["subshell list: []"]


def test_man_in_the_kernel_goes_to_the_pager(kc):
    c, out = run(kc, "%man ls")
    assert c["status"] == "ok", c
    [page] = [p for p in c["payload"] if p["source"] == "page"]
    text = page["data"]["text/plain"]
    assert "NAME" in text and "ls - list directory contents" in text
    assert "\b" not in text          # `col -b` took man's overstrikes out


def test_lsmagic_is_a_value_and_kernel_magics_exist(kc):
    c, out = run(kc, "%lsmagic")
    assert c["status"] == "ok"
    [data] = results(out)
    assert "%connect_info" in data["text/plain"] and "%qtconsole" in data["text/plain"]
    c, out = run(kc, "%connect_info")
    assert c["status"] == "ok", c
    text = text_of(out)
    assert '"shell_port": %d' % kc.info["shell_port"] in text
    assert "--existing" in text
    c, out = run(kc, "%autosave 60")
    assert c["status"] == "ok" and "Autosaving every 60 seconds" in text_of(out)
    c, out = run(kc, "%matplotlib qt-that-is-not")
    assert c["ename"] == "UsageError" and "use inline, widget (with ipympl) or notebook" in c["evalue"]


def test_qtconsole_magic_opens_a_console_on_this_kernel(kc):
    __import__("PyQt5")      # a test dependency: missing is a failure, not a skip
    c, out = run(kc, "import os\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\n%qtconsole")
    assert c["status"] == "ok", c
    c, out = run(kc, "import time\ntime.sleep(2)\n"
                     "[p] = get_ipython().magics_state.qtconsoles\n"
                     "alive, args = p.poll() is None, p.args[-2:]\n"
                     "p.terminate(); p.wait(10)\n"
                     "alive, args == ['--existing', get_ipython().kernel.connection_file] "
                     "or args")
    assert c["status"] == "ok", c
    assert results(out)[0]["text/plain"] == "(True, True)"


def test_line_profiler_and_memory_profiler_extensions_load(kc):
    __import__("line_profiler")      # a test dependency: missing is a failure, not a skip
    __import__("memory_profiler")      # a test dependency: missing is a failure, not a skip
    c, out = run(kc, "%load_ext line_profiler")
    assert c["status"] == "ok", c
    c, out = run(kc, "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s")
    msg_id = kc.execute("%lprun -f f f(1000)")
    reply = kc._reply_to(msg_id, timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    page = [p for p in reply["content"]["payload"] if p["source"] == "page"]
    assert "s += i" in page[0]["data"]["text/plain"] and "Hits" in page[0]["data"]["text/plain"]
    c, out = run(kc, "%load_ext memory_profiler")
    assert c["status"] == "ok", c
    c, out = run(kc, "%memit f(10000)")
    assert c["status"] == "ok", c
    assert "peak memory:" in text_of(out)


# ------------------------------------------------------------------------ kernel

def test_is_complete_keeps_the_indent_after_a_comment(kc):
    for code, indent in (("def f():\n    # c", "    "), ("if 1:\n    if 2:\n        # c", "        ")):
        kc.is_complete(code)
        reply = kc.get_shell_msg(timeout=TIMEOUT)["content"]
        assert reply == {"status": "incomplete", "indent": indent}


def test_a_request_sent_after_the_error_reply_is_not_aborted(kc):
    import datetime
    c, _ = run(kc, "raise ValueError('stop')")
    assert c["status"] == "error"
    # sent after the error reply came, by a client whose clock is 10 s behind the kernel's
    msg = kc.session.msg("execute_request", {"code": "ran_after = 1", "silent": False,
                                             "store_history": True, "allow_stdin": False,
                                             "stop_on_error": True, "user_expressions": {}})
    behind = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=10)
    msg["header"]["date"] = behind.isoformat()
    kc.session.send(kc.sockets["shell"], msg)
    reply = kc._reply_to(msg["header"]["msg_id"], timeout=TIMEOUT)["content"]
    assert reply["status"] == "ok", reply


def test_interrupting_a_debug_prompt_ends_the_cell(kernel):
    km, kc = kernel
    run(kc, "def g(): return 1/0")
    run(kc, "g()")
    msg_id = kc.execute("%debug", allow_stdin=True)
    req = kc.get_stdin_msg(timeout=TIMEOUT)
    assert "ipdb" in req["content"]["prompt"] or "Pdb" in req["content"]["prompt"]
    km.interrupt_kernel()
    reply = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
    c, _ = run(kc, "1 + 1")             # and the next cell runs, with no prompt pending
    assert c["status"] == "ok"


# --------------------------------------------------- IPython, installed or not

def test_with_ipython_installed_get_ipython_is_ipylites_shell(kc):
    __import__("IPython")      # a test dependency: missing is a failure, not a skip
    c, out = run(kc, "import IPython\nfrom IPython import get_ipython as g\n"
                     "(IPython.get_ipython() is get_ipython(), g() is get_ipython(), "
                     "IPython.__file__.startswith(os.path.dirname(os.__file__)) or 'site-packages' in IPython.__file__)")
    assert c["status"] == "ok", c
    assert results(out)[0]["text/plain"] == "(True, True, True)"


NO_IPYTHON_CELLS = [
    ("from IPython.display import display, HTML, Math, display_png\n"
     "display(HTML('<b>x</b>'))", "ok"),
    ("from IPython import get_ipython\nget_ipython() is not None", "ok"),
    ("from IPython.core.magic import register_cell_magic, register_line_magic, "
     "Magics, magics_class, line_magic, cell_magic\n"
     "@register_cell_magic\ndef shout(line, cell):\n    return cell.upper()", "ok"),
    ("%%shout\nhello", "ok"),
    ("@magics_class\nclass M(Magics):\n    @line_magic\n    def twice(self, line):\n"
     "        return line * 2\nget_ipython().register_magics(M)", "ok"),
    ("%twice ab", "ok"),
    ("import IPython\nIPython.__file__ if hasattr(IPython, '__file__') else 'ours'", "ok"),
    ("from IPython.core.interactiveshell import InteractiveShell\n"
     "InteractiveShell.instance().input_transformer_manager.transform_cell('%time 1')", "ok"),
    ("from IPython.display import ProgressBar\nfor i in ProgressBar(3): pass\n"
     "from IPython.utils.capture import capture_output\n"
     "with capture_output() as cap:\n    print('caught')\ncap.stdout", "ok"),
]


def test_without_ipython_the_compat_layer_answers(tmp_path):
    """A real virtual environment without IPython (made here, with the venv module);
    it reaches pyzmq and ipylite through a .pth file naming only their folders."""
    import zmq
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    zmq_dir = os.path.dirname(os.path.dirname(zmq.__file__))
    # pyzmq's folder also holds IPython: link only what the kernel needs into a folder
    deps = tmp_path / "deps"
    deps.mkdir()
    for name in os.listdir(zmq_dir):
        if name == "zmq" or name.startswith(("pyzmq", "zmq.libs", "pyzmq.libs")):
            os.symlink(os.path.join(zmq_dir, name), deps / name)
    with open(os.path.join(site, "deps.pth"), "w") as f:
        f.write("%s\n%s\n" % (root, deps))
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; "
                            "print(u.find_spec('IPython'), u.find_spec('zmq') is not None)"],
                           capture_output=True, text=True, timeout=60, env=_clean_env())
    assert probe.stdout.split() == ["None", "True"], probe.stderr
    code = textwrap.dedent("""\
        import json, sys
        from ipylite.protocol import KernelManager
        km = KernelManager(argv=[sys.executable, '-m', 'ipylite.kernel', '-f', '{connection_file}'])
        km.start_kernel()
        kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)
        res = []
        for code in json.loads(sys.argv[1]):
            out = []
            r = kc.execute_interactive(code, timeout=60, output_hook=out.append)
            res.append([r['content']['status'], [m['msg_type'] for m in out
                        if m['msg_type'] in ('display_data', 'execute_result', 'error')],
                        [m['content'].get('data', {}).get('text/plain') for m in out
                         if m['msg_type'] == 'execute_result']])
        kc.stop_channels(); km.shutdown_kernel(now=True)
        print(json.dumps(res))
        """)
    import json
    proc = subprocess.run([str(python), "-c", code, json.dumps([c for c, _ in NO_IPYTHON_CELLS])],
                          capture_output=True, text=True, timeout=120, env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r[0] for r in res] == [s for _, s in NO_IPYTHON_CELLS], res
    assert res[1][2] == ["True"]
    assert res[3][2] == ["'HELLO\\n'"]
    assert res[5][2] == ["'abab'"]
    assert res[6][2] == ["'ours'"]
    assert res[7][2][0].replace("\\n", "") == '"get_ipython().run_line_magic(\'time\', \'1\')"'
    assert res[8][1] == ["display_data", "execute_result"] and res[8][2] == ["'caught\\n'"]


def _clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return env


# ------------------------------------------------------------------ scripts

IPY_SCRIPT = "x = !echo from-shell\nprint(x)\n%cd {dir}\nimport os\nprint(os.getcwd())\n"


def test_ipy_files_run_with_run_and_the_command_line(tmp_path, shell, capsys):
    script = tmp_path / "job.ipy"
    script.write_text(IPY_SCRIPT.format(dir=tmp_path))
    cwd = os.getcwd()
    try:
        r = shell.run_cell("%run " + str(script))
    finally:
        os.chdir(cwd)
    assert r.success, r.error_in_exec
    assert "['from-shell']\n" in capsys.readouterr().out
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "ipylite", str(script)], capture_output=True,
                          text=True, timeout=60, cwd=str(tmp_path),
                          env=dict(os.environ, PYTHONPATH=root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "['from-shell']"
    assert proc.stdout.splitlines()[-1] == str(tmp_path)


def test_ipython_background_jobs_report_errors_through_the_shell(kc):
    __import__("IPython")      # a test dependency: missing is a failure, not a skip
    c, out = run(kc, "from IPython.lib import backgroundjobs as bg\n"
                     "jobs = bg.BackgroundJobManager()\n"
                     "def boom(): raise ValueError('in the job')\n"
                     "j = jobs.new(boom)\nj.join(10)\nj.status")
    assert c["status"] == "ok", c
    assert results(out)[0]["text/plain"] == "'Dead (Exception), call jobs.traceback() for details'"


def test_ls_lists_in_columns_as_ipython_shows_it(shell, tmp_path, capfd):
    for name in ("alpha.txt", "beta.txt", "gamma"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    r = shell.run_cell("%ls " + str(tmp_path))
    assert r.success
    assert capfd.readouterr().out == "alpha.txt  beta.txt  gamma  sub/\n"


def test_the_terminal_gives_ipython_code_its_shell(tmp_path):
    __import__("IPython")      # a test dependency: missing is a failure, not a skip
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-m", "ipylite", "-c",
         "import IPython; print(IPython.get_ipython() is get_ipython()); display('shown')"],
        capture_output=True, text=True, timeout=60, cwd=str(tmp_path),
        env=dict(os.environ, PYTHONPATH=root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["True", "'shown'"]


def test_background_jobs_of_the_compat_layer(shell, capsys):
    from ipylite.ipycompat import BackgroundJobManager
    import threading
    go = threading.Event()
    jobs = BackgroundJobManager()
    ok = jobs.new(lambda x: go.wait(10) and x * 2, 21)
    bad = jobs.new(lambda: go.wait(10) and 1 / 0)
    shell.user_ns["n"] = 5
    expr = jobs.new("n + 1")
    expr.join(10)
    assert expr.result == 6 and expr.status == "Completed"
    assert jobs[0].result == "<BackgroundJob has not completed>"
    jobs.status()
    assert capsys.readouterr().out.startswith("Running jobs:\n0 : ")
    go.set()
    ok.join(10)
    bad.join(10)
    assert jobs[0].result == 42
    assert bad.status == "Dead (Exception), call jobs.traceback() for details"
    jobs.traceback()
    assert "ZeroDivisionError" in capsys.readouterr().out
    jobs.flush()
    assert capsys.readouterr().out == "Flushing 2 Completed jobs.\nFlushing 1 Dead jobs.\n"
    jobs.flush()
    assert capsys.readouterr().out == "No jobs to flush.\n"


def test_image_of_a_url_given_as_data_is_embedded_as_in_ipython():
    import urllib.error
    from ipylite.display import Image
    linked = Image(url="http://127.0.0.1:9/none.png")          # url=: an <img> link
    assert not linked.embed and "<img src=" in linked._repr_html_()
    with pytest.raises(urllib.error.URLError):               # Image(url): fetched to embed
        Image("http://127.0.0.1:9/none.png")


def test_load_fetches_a_url(shell, tmp_path):
    import functools
    import http.server
    import threading
    (tmp_path / "remote.py").write_text("fetched = 'over http'\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = "http://127.0.0.1:%d/remote.py" % server.server_address[1]
        r = shell.run_cell("%load " + url)
        assert r.success, r.error_in_exec
        assert shell.next_input == "# %load " + url + "\nfetched = 'over http'\n"
        r = shell.run_cell("%load " + url.replace("remote.py", "missing.py"))
        assert type(r.error_in_exec).__name__ == "HTTPError"      # as IPython: the fetch's error
    finally:
        server.shutdown()
        server.server_close()


def test_mprun_profiles_a_function_from_a_file(kc, tmp_path):
    __import__("memory_profiler")      # a test dependency: missing is a failure, not a skip
    (tmp_path / "mprun_target.py").write_text(
        "def build(n):\n    data = [i for i in range(n)]\n    return len(data)\n")
    c, _ = run(kc, "import sys\nsys.path.insert(0, %r)\nfrom mprun_target import build\n"
                   "%%load_ext memory_profiler" % str(tmp_path))
    assert c["status"] == "ok", c
    msg_id = kc.execute("%mprun -f build build(1000)")
    reply = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert reply["status"] == "ok", reply
    page = [p["data"]["text/plain"] for p in reply["payload"] if p["source"] == "page"]
    assert page and "Mem usage" in page[0] and "data = [i for i in range(n)]" in page[0]


def test_audio_links_a_url_and_embeds_samples():
    import wave, io, base64
    from ipylite.display import Audio
    linked = Audio(url="http://127.0.0.1:9/a.wav")
    assert 'src="http://127.0.0.1:9/a.wav"' in linked._repr_html_()
    sound = Audio([0.0, 0.5, -1.0, 1.0], rate=8000)
    src = sound._repr_html_().split('src="data:audio/wav;base64,')[1].split('"')[0]
    with wave.open(io.BytesIO(base64.b64decode(src))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getnframes()) == (8000, 1, 4)
        assert w.readframes(4) == b"\x00\x00\xff\x3f\x01\x80\xff\x7f"
