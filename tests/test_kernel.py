"""The kernel process, driven through our own KernelManager and KernelClient over real
ZeroMQ sockets: requests, output, stdin, interrupts, restarts and bad input."""

import os
import queue
import sys
import time

import pytest
import zmq

from ipylite.inprocess import InProcessKernelManager
from ipylite.protocol import DELIM, KernelManager, Session

TIMEOUT = 30


def kernel_fixture(kind):
    km, kc = new_kernel(kind)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel()


@pytest.fixture(scope="module")
def subprocess_kernel():
    yield from kernel_fixture("subprocess")


@pytest.fixture(scope="module")
def inprocess_kernel():
    yield from kernel_fixture("inprocess")


# The client-level tests run against a kernel process and an in-process kernel alike.
KINDS = ["subprocess", "inprocess"]


@pytest.fixture(scope="module", params=KINDS)
def km(request):
    return request.getfixturevalue(request.param + "_kernel")[0]


@pytest.fixture(scope="module")
def kc(km, request):
    kind = "inprocess" if isinstance(km, InProcessKernelManager) else "subprocess"
    return request.getfixturevalue(kind + "_kernel")[1]


@pytest.fixture
def zkc(subprocess_kernel):
    """A client of the kernel process, for what only a process has (sockets, signals)."""
    return subprocess_kernel[1]


def new_kernel(kind):
    km = KernelManager("ipylite") if kind == "subprocess" else InProcessKernelManager()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


def run(kc, code, stdin=None, **kw):
    """Execute ``code``; return (reply content, [iopub messages]) for this request."""
    out = []
    hook = None
    if stdin is not None:
        answers = iter(stdin)
        hook = lambda msg: (out.append(msg), kc.input(next(answers)))
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=out.append,
                                   stdin_hook=hook, **kw)
    return reply["content"], out


def text_of(out, name="stdout"):
    return "".join(m["content"]["text"] for m in out
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


def test_kernel_info(kc):
    msg_id = kc.kernel_info()
    reply = kc._reply_to(msg_id, timeout=TIMEOUT)
    c = reply["content"]
    assert c["implementation"] == "ipylite" and c["protocol_version"] == "5.4"
    assert c["language_info"]["name"] == "python"
    assert kc.is_alive()


def test_execute_result_and_counts(kc):
    c1, out = run(kc, "x = 6 * 7\nx")
    assert c1["status"] == "ok"
    [res] = [m for m in out if m["msg_type"] == "execute_result"]
    assert res["content"]["data"]["text/plain"] == "42"
    assert res["content"]["execution_count"] == c1["execution_count"]
    inputs = [m for m in out if m["msg_type"] == "execute_input"]
    assert inputs[0]["content"]["code"] == "x = 6 * 7\nx"
    c2, out = run(kc, "x;")
    assert c2["execution_count"] == c1["execution_count"] + 1
    assert not [m for m in out if m["msg_type"] == "execute_result"]
    c3, _ = run(kc, "x", store_history=False)
    c4, _ = run(kc, "Out[%d]" % c1["execution_count"])
    assert c4["execution_count"] == c2["execution_count"] + 1


def test_silent_execution(kc):
    c, out = run(kc, "y = 1\ny", silent=True)
    assert c["status"] == "ok"
    assert not [m for m in out if m["msg_type"] in ("execute_input", "execute_result")]


def test_streams(kc):
    c, out = run(kc, "import sys\nprint('hello')\nprint('oops', file=sys.stderr)")
    assert text_of(out) == "hello\n"
    assert text_of(out, "stderr") == "oops\n"


def test_error_reply_and_message(kc):
    c, out = run(kc, "def f():\n    1/0\nf()")
    assert c["status"] == "error" and c["ename"] == "ZeroDivisionError"
    [err] = [m for m in out if m["msg_type"] == "error"]
    tb = "\n".join(err["content"]["traceback"])
    assert "Cell In[" in tb and "ZeroDivisionError" in tb
    c, _ = run(kc, "1 +")
    assert c["status"] == "error" and c["ename"] == "SyntaxError"


def test_stop_on_error_aborts_queued_cells(kc):
    # the first cell runs long enough for the second request to be queued behind it
    first = kc.execute("import time; time.sleep(0.3); raise ValueError('stop')")
    second = kc.execute("aborted_marker = 1")
    replies = {}
    while len(replies) < 2:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]
    assert replies[first]["status"] == "error"
    assert replies[second]["status"] == "aborted"
    kc.flush_iopub()
    c, out = run(kc, "'aborted_marker' in dir()")
    assert [m["content"]["data"]["text/plain"] for m in out
            if m["msg_type"] == "execute_result"] == ["False"]
    # and without stop_on_error the second cell runs
    kc.execute("raise ValueError('go on')", stop_on_error=False)
    second = kc.execute("ran_anyway = 1")
    while True:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        if msg["parent_header"]["msg_id"] == second:
            assert msg["content"]["status"] == "ok"
            break
    kc.flush_iopub()


def test_display_update_and_clear(kc):
    code = ("from ipylite.display import display, HTML, clear_output\n"
            "h = display(HTML('<b>a</b>'), display_id=True)\n"
            "h.update(HTML('<b>b</b>'))\n"
            "clear_output(wait=True)\n")
    c, out = run(kc, code)
    kinds = [m["msg_type"] for m in out]
    assert "display_data" in kinds and "update_display_data" in kinds
    assert "clear_output" in kinds
    disp = out[kinds.index("display_data")]["content"]
    upd = out[kinds.index("update_display_data")]["content"]
    assert disp["data"]["text/html"] == "<b>a</b>"
    assert upd["transient"]["display_id"] == disp["transient"]["display_id"]
    assert out[kinds.index("clear_output")]["content"]["wait"] is True


def test_complete_inspect_is_complete(kc):
    run(kc, "import os\nzebra_stripes = 3")
    msg_id = kc.complete("zebra_s")
    c = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert "zebra_stripes" in c["matches"] and c["cursor_start"] == 0
    msg_id = kc.complete("os.pat")
    c = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    start = c["cursor_start"]
    assert "os.path"[start:] in c["matches"]


def test_inspect_and_is_complete(kc):
    msg_id = kc.inspect("len(")
    c = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert c["found"] and "Return the number of items" in c["data"]["text/plain"]
    for code, status in (("for i in range(3):", "incomplete"), ("x = 1", "complete"),
                         ("1 +* 2)", "invalid")):
        msg_id = kc.is_complete(code)
        c = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
        assert c["status"] == status, code
    msg_id = kc.is_complete("if x:")
    assert kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["indent"] == "    "


def test_pager_payload(kc):
    c, _ = run(kc, "len?")
    assert c["payload"][0]["source"] == "page"
    assert "Return the number of items" in c["payload"][0]["data"]["text/plain"]


def test_user_expressions(kc):
    c, _ = run(kc, "a_val = 5", user_expressions={"double": "a_val * 2", "bad": "1/0"})
    ue = c["user_expressions"]
    assert ue["double"]["data"]["text/plain"] == "10"
    assert ue["bad"]["status"] == "error" and ue["bad"]["ename"] == "ZeroDivisionError"


def test_history(kc):
    run(kc, "hist_marker_1 = 1")
    run(kc, "hist_marker_2 = 2")
    msg_id = kc.history(hist_access_type="tail", n=2, output=False, raw=True)
    hist = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["history"]
    assert [h[2] for h in hist] == ["hist_marker_1 = 1", "hist_marker_2 = 2"]
    session, line = hist[0][:2]
    msg_id = kc.history(hist_access_type="range", session=session, start=line, stop=line + 2)
    rng = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["history"]
    assert [h[2] for h in rng] == ["hist_marker_1 = 1", "hist_marker_2 = 2"]
    msg_id = kc.history(hist_access_type="search", pattern="hist_marker_*", unique=True)
    found = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["history"]
    assert [h[2] for h in found] == ["hist_marker_1 = 1", "hist_marker_2 = 2"]
    run(kc, "6 * 9")
    msg_id = kc.history(hist_access_type="tail", n=1, output=True)
    [(s, n, (src, out))] = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["history"]
    assert src == "6 * 9" and out == "54"


def test_input_over_stdin(kc):
    c, out = run(kc, "name = input('Who? ')\nprint('hi', name)", stdin=["Ada"])
    assert c["status"] == "ok"
    assert text_of(out) == "hi Ada\n"
    c, out = run(kc, "import getpass\npw = getpass.getpass()\nprint(len(pw))", stdin=["secret"])
    assert text_of(out) == "6\n"


def test_input_without_stdin_is_a_clear_error(kc):
    c, _ = run(kc, "input('x')", allow_stdin=False)
    assert c["status"] == "error" and c["ename"] == "StdinNotImplementedError"
    assert "does not support input" in c["evalue"]


def test_sys_exit_is_reported_not_fatal(kc):
    c, out = run(kc, "import sys; sys.exit(3)")
    assert c["status"] == "error" and c["ename"] == "SystemExit"
    c, _ = run(kc, "1")
    assert c["status"] == "ok"


def test_output_from_threads(kc):
    code = ("import threading, time\n"
            "def work():\n"
            "    for i in range(3):\n"
            "        print('thread', i)\n"
            "t = threading.Thread(target=work); t.start(); t.join()\n")
    c, out = run(kc, code)
    assert text_of(out) == "thread 0\nthread 1\nthread 2\n"


def test_output_at_the_file_descriptor_level(zkc):
    c, out = run(zkc, "import os, subprocess\nos.system('echo from-os-system')\n"
                      "subprocess.run(['sh', '-c', 'echo to-stderr >&2'])\nNone")
    assert "from-os-system" in text_of(out)
    assert "to-stderr" in text_of(out, "stderr")


def test_late_thread_output_reaches_the_client(zkc):
    # in a kernel process, a thread that prints after its cell ended still reaches the
    # client (in-process, the host's stdout is given back when the cell ends)
    kc = zkc
    run(kc, "import threading\nthreading.Timer(0.2, lambda: print('late')).start()")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "stream" and "late" in msg["content"]["text"]:
            break
    else:
        pytest.fail("late thread output never arrived")


def test_stream_batching(kc):
    c, out = run(kc, "for i in range(100000):\n    print(i)")
    streams = [m for m in out if m["msg_type"] == "stream"]
    assert text_of(out) == "".join(f"{i}\n" for i in range(100000))
    assert len(streams) < 1000


def test_stream_write_behaves_as_a_file_mid_burst(kc):
    # the first write of a burst goes through Python, the rest straight to the buffer:
    # both must refuse bytes and count characters as a text file does
    code = ("import sys\n"
            "n = sys.stdout.write('first\\n'), sys.stdout.write('second\\n')\n"
            "try:\n    sys.stdout.write(b'bytes')\n"
            "except TypeError as e:\n    print('refused', type(e).__name__)\n"
            "print(n)")
    c, out = run(kc, code)
    assert c["status"] == "ok"
    assert text_of(out) == "first\nsecond\nrefused TypeError\n(6, 7)\n"


def test_stream_from_many_threads_loses_nothing(kc):
    # writers racing the flushes (every few ms) must not lose or reorder a thread's lines
    code = ("import threading\n"
            "import sys\n"
            "def work(k):\n"  # one write a line: print() itself interleaves across threads
            "    for i in range(20000):\n"
            "        sys.stdout.write(f'{k} {i}\\n')\n"
            "ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]\n"
            "[t.start() for t in ts]; [t.join() for t in ts]")
    c, out = run(kc, code)
    lines = text_of(out).splitlines()
    assert len(lines) == 80000
    for k in range(4):
        mine = [int(line.split()[1]) for line in lines if line.split()[0] == str(k)]
        assert mine == list(range(20000))


def test_poll_with_a_limit_hands_out_a_few_at_a_time(kc):
    # an event loop takes a few messages per turn so a flood cannot stall it
    msg_id = kc.execute("for i in range(6): print(i, flush=True)")
    batches, texts, idle = [], [], False
    deadline = time.monotonic() + TIMEOUT
    while not idle and time.monotonic() < deadline:
        batch = kc.poll(0.2, limit=2)
        batches.append(len(batch))
        for channel, m in batch:
            if m["parent_header"].get("msg_id") != msg_id or channel != "iopub":
                continue
            if m["msg_type"] == "stream":
                texts.append(m["content"]["text"])
            idle = idle or (m["msg_type"] == "status"
                            and m["content"]["execution_state"] == "idle")
    assert idle and max(batches) <= 2
    assert "".join(texts) == "".join(f"{i}\n" for i in range(6))


def test_large_output(kc):
    c, out = run(kc, "print('x' * (50 * 1024 * 1024))")
    assert c["status"] == "ok"
    assert len(text_of(out)) == 50 * 1024 * 1024 + 1
    c, _ = run(kc, "2 + 2")
    assert c["status"] == "ok"


def test_cell_that_replaces_stdout(kc):
    c, out = run(kc, "import sys, io\nsys.stdout = io.StringIO()\nprint('swallowed')")
    assert c["status"] == "ok" and "swallowed" not in text_of(out)
    c, out = run(kc, "print('back')")
    assert text_of(out) == "back\n"


def test_comms(kc):
    run(kc, "from ipylite.kernel import Kernel\n"
            "got = []\n"
            "def opened(comm, msg):\n"
            "    got.append(msg['content']['data'])\n"
            "    comm.on_msg(lambda m: comm.send({'echo': m['content']['data']}))\n"
            "Kernel.instance.comm_manager.register_target('echo', opened)")
    kc._send("shell", "comm_open", {"comm_id": "c1", "target_name": "echo", "data": {"a": 1}})
    kc._send("shell", "comm_msg", {"comm_id": "c1", "data": {"ping": 2}})
    deadline = time.monotonic() + TIMEOUT
    while True:
        m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if m["msg_type"] == "comm_msg":
            assert m["content"]["data"] == {"echo": {"ping": 2}}
            break
    msg_id = kc.comm_info()
    c = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert c["comms"]["c1"]["target_name"] == "echo"
    kc._send("shell", "comm_close", {"comm_id": "c1", "data": {}})
    msg_id = kc.comm_info()
    assert kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["comms"] == {}
    c, out = run(kc, "got")
    assert "{'a': 1}" in out[-1]["content"]["data"]["text/plain"]


def test_top_level_await(kc):
    c, out = run(kc, "import asyncio\nawait asyncio.sleep(0.01)\nawait asyncio.sleep(0, 'done')")
    assert [m["content"]["data"]["text/plain"] for m in out
            if m["msg_type"] == "execute_result"] == ["'done'"]


# ----------------------------------------------------------------- bad input

def raw_dealer(kc, channel="shell"):
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.linger = 0
    s.connect(f"tcp://127.0.0.1:{kc.info[channel + '_port']}")
    return s


@pytest.mark.parametrize("case", ["unsigned", "bad_signature", "replayed", "not_json",
                                  "no_delimiter", "unknown_type", "garbage"])
def test_bad_messages_are_dropped_and_kernel_lives(zkc, case):
    kc = zkc
    s = raw_dealer(kc)
    try:
        key = kc.info["key"]
        good = Session(key=key)
        if case == "unsigned":
            s.send_multipart(Session(key=b"").serialize(good.msg("execute_request",
                                                                 {"code": "evil = 1"})))
        elif case == "bad_signature":
            frames = good.serialize(good.msg("execute_request", {"code": "evil = 1"}))
            frames[1] = b"f" * 64
            s.send_multipart(frames)
        elif case == "replayed":
            frames = good.serialize(good.msg("execute_request", {"code": "replays = 1"}))
            s.send_multipart(frames)
            assert s.poll(TIMEOUT * 1000)
            s.recv_multipart()
            s.send_multipart(frames)
        elif case == "not_json":
            frames = [DELIM, b"", b"{nope", b"{}", b"{}", b"{}"]
            frames[1] = good.sign(frames[2:6])
            s.send_multipart(frames)
        elif case == "no_delimiter":
            s.send_multipart([b"just", b"junk"])
        elif case == "unknown_type":
            good.send(s, "frobnicate_request", {})
        else:
            s.send(b"\xff" * 100)
        time.sleep(0.2)
        assert not s.poll(100), "a bad message must not be answered"
    finally:
        s.close(0)
    c, out = run(kc, "'evil' in dir()")
    assert c["status"] == "ok"
    assert out[-1]["content"]["data"]["text/plain"] == "False"


# ---------------------------------------------------------- process lifecycle

def wait_for_stream(kc, msg_id, text):
    """Wait until the request's output shows ``text``: its cell is running."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream"
                and text in m["content"]["text"]):
            return
    pytest.fail(f"{text!r} never appeared")


@pytest.mark.parametrize("kind", KINDS)
def test_interrupt_by_signal_and_by_message(kind):
    km, kc = new_kernel(kind)
    try:
        for how in ("signal", "message"):
            msg_id = kc.execute("import time\nprint('started', flush=True)\n"
                                "while True: time.sleep(0.01)")
            wait_for_stream(kc, msg_id, "started")
            if how == "signal":
                km.interrupt_kernel()
            else:
                kc.interrupt()
            reply = kc._reply_to(msg_id, timeout=TIMEOUT)
            assert reply["content"]["status"] == "error"
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            # the traceback ends in the user's loop, not in the kernel's machinery
            tb = "\n".join(reply["content"]["traceback"])
            assert "time.sleep" in tb and "kernel.py" not in tb, tb
            kc.flush_iopub()
            c, _ = run(kc, "1 + 1")
            assert c["status"] == "ok"
        # interrupting input() too
        msg_id = kc.execute("input('wait: ')", allow_stdin=True)
        kc.get_stdin_msg(timeout=TIMEOUT)
        km.interrupt_kernel()
        reply = kc._reply_to(msg_id, timeout=TIMEOUT)["content"]
        assert reply["ename"] == "KeyboardInterrupt"
        tb = "\n".join(reply["traceback"])   # the user's line, not our wait for the reply
        assert "input('wait: ')" in tb and "kernel.py" not in tb and "zmq" not in tb, tb
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert not km.is_alive()


def test_a_cells_output_is_sent_before_its_reply(zkc):
    # The protocol orders nothing across channels, but Jupyter's qtconsole shows the next
    # prompt on the reply and output that comes after it takes its slow path (minutes for
    # a big burst). Like ipykernel, the kernel hands all of a cell's output to ZeroMQ
    # before it starts to send the reply. Recorded inside the kernel, on its session.
    run(zkc, "from ipylite.kernel import Kernel\n"
             "_k, _log = Kernel.instance, []\n"
             "_send = _k.session.send\n"
             "def _logged(sock, m, *a, **kw):\n"
             "    parent = (m['parent_header'] if isinstance(m, dict)\n"
             "              else kw.get('parent') or (a[1] if len(a) > 1 else None) or {})\n"
             "    kind = m['msg_type'] if isinstance(m, dict) else m\n"
             "    _log.append(('start', kind, parent.get('msg_id')))\n"
             "    out = _send(sock, m, *a, **kw)\n"
             "    _log.append(('end', kind, parent.get('msg_id')))\n"
             "    return out\n"
             "_k.session.send = _logged")
    try:
        c, out = run(zkc, "import sys\ntext = ''.join(f'{i}\\n' for i in range(100000))\n"
                          "for j in range(0, len(text), 262144):\n"
                          "    sys.stdout.write(text[j:j + 262144]); sys.stdout.flush()")
        assert text_of(out).endswith("\n99999\n")
        burst = out[0]["parent_header"]["msg_id"]
    finally:
        c, out = run(zkc, "_k.session.send = _send\nprint(repr(_log))")
    import ast
    log = [(when, kind) for when, kind, parent in ast.literal_eval(text_of(out))
           if parent == burst]
    reply = log.index(("start", "execute_reply"))
    streams = [i for i, entry in enumerate(log) if entry == ("end", "stream")]
    assert len(streams) >= 3 and max(streams) < reply, log


def test_output_from_before_the_first_subscriber_reaches_it():
    # A client whose iopub socket connects late (jupyter console shows its prompt once
    # the shell answers) still gets the first cell's output and idle status.
    km = KernelManager("ipylite")
    km.start_kernel()
    kc = km.client()
    kc.start_channels(iopub=False)
    try:
        msg_id = kc.execute("print('early bird')")
        assert kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["status"] == "ok"
        kc.start_channels()
        seen = []
        while not (seen and seen[-1]["msg_type"] == "status"
                   and seen[-1]["content"]["execution_state"] == "idle"
                   and seen[-1]["parent_header"].get("msg_id") == msg_id):
            seen.append(kc.get_iopub_msg(timeout=TIMEOUT))
        assert text_of([m for m in seen if m["parent_header"].get("msg_id") == msg_id]) \
            == "early bird\n"
        # and once someone listens, nothing is held back any more
        c, out = run(kc, "print('later')")
        assert c["status"] == "ok" and text_of(out) == "later\n"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_an_interrupt_before_the_cells_code_starts_interrupts_it(zkc):
    # The client saw "busy" and interrupted: the signal lands while the kernel is still
    # announcing the cell, before its code runs. The cell starts interrupted (it used
    # to be dropped as "between cells", and the cell ran on).
    run(zkc, "import os, signal, threading\nfrom ipylite.kernel import Kernel\n"
             "_k = Kernel.instance\n_publish = _k.publish\n"
             "def _interrupting(msg_type, *a, **kw):\n"
             "    if msg_type == 'execute_input':\n"
             "        _k.publish = _publish\n"
             "        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)\n"
             "    return _publish(msg_type, *a, **kw)\n"
             "_k.publish = _interrupting")
    c, out = run(zkc, "print('the cell ran')")
    assert c["status"] == "error" and c["ename"] == "KeyboardInterrupt", c
    assert "the cell ran" not in text_of(out)
    zkc.flush_iopub()
    c, out = run(zkc, "print('next')")
    assert c["status"] == "ok" and text_of(out) == "next\n"


def test_an_interrupt_in_the_shells_own_code_still_gets_a_reply(zkc):
    run(zkc, "def _stop(info):\n"
             "    get_ipython().events.unregister('pre_run_cell', _stop)\n"
             "    raise KeyboardInterrupt\n"
             "get_ipython().events.register('pre_run_cell', _stop)")
    c, _ = run(zkc, "1 + 1")
    assert c["status"] == "error" and c["ename"] == "KeyboardInterrupt", c
    zkc.flush_iopub()
    assert run(zkc, "2 + 2")[0]["status"] == "ok"


def test_kernel_threads_leave_sigint_to_the_main_thread(zkc):
    # A process-directed SIGINT goes to any thread that does not block it; the kernel's
    # own threads block it, so an interrupt always wakes the main thread's cell.
    c, out = run(zkc, "import threading\n"
                      "for t in threading.enumerate():\n"
                      "    if t.name.startswith('ipylite-'):\n"
                      "        status = open(f'/proc/self/task/{t.native_id}/status').read()\n"
                      "        mask = int(status.split('SigBlk:')[1].split()[0], 16)\n"
                      "        print(t.name, bool(mask & 2))")
    lines = sorted(text_of(out).splitlines())
    assert {"ipylite-iopub", "ipylite-hb", "ipylite-control"} <= {l.split()[0] for l in lines}
    assert all(l.endswith("True") for l in lines), lines


def test_interrupt_of_input_when_the_signal_lands_on_a_user_thread(zkc):
    # A user's thread does not block SIGINT; the signal's Python handler still runs on the
    # main thread, which must come back from waiting for the input reply to run it.
    msg_id = zkc.execute("import signal, threading, time\n"
                         "t = threading.Thread(target=time.sleep, args=(2,), daemon=True)\n"
                         "t.start()\n"
                         "threading.Timer(0.3, signal.pthread_kill,"
                         " (t.ident, signal.SIGINT)).start()\n"
                         "input('wait: ')", allow_stdin=True)
    zkc.get_stdin_msg(timeout=TIMEOUT)
    reply = zkc._reply_to(msg_id, timeout=TIMEOUT)["content"]
    assert reply["ename"] == "KeyboardInterrupt"
    zkc.flush_iopub()
    assert run(zkc, "1 + 1")[0]["status"] == "ok"


@pytest.mark.parametrize("kind", KINDS)
def test_shutdown_and_restart(kind):
    km, kc = new_kernel(kind)
    run(kc, "state = 'old'")
    old = km.kernel
    km.restart_kernel()
    assert km.kernel is not old if kind == "inprocess" else km.kernel.pid != old.pid
    kc.wait_for_ready(timeout=TIMEOUT)
    c, out = run(kc, "'state' in dir()")
    assert out[-1]["content"]["data"]["text/plain"] == "False"
    kc.stop_channels()
    km.shutdown_kernel()
    assert not km.is_alive()
    if kind == "subprocess":
        assert km.kernel.returncode == 0, "a polite shutdown exits cleanly"
        assert not os.path.exists(km.connection_file)


def test_os_exit_triggers_auto_restart():
    km, kc = new_kernel("subprocess")
    events = queue.Queue()
    km.start_restarter(events.put, interval=0.1)
    try:
        old = km.kernel.pid
        kc.execute("import os; os._exit(1)")
        assert events.get(timeout=TIMEOUT) == "died"
        assert events.get(timeout=TIMEOUT) == "restarted"
        assert km.kernel.pid != old
        kc.wait_for_ready(timeout=TIMEOUT)
        c, _ = run(kc, "1")
        assert c["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_embed_kernel_exposes_the_callers_namespace(tmp_path):
    import subprocess
    import re
    from ipylite.protocol import KernelClient
    script = tmp_path / "app.py"
    script.write_text(
        "from ipylite import embed_kernel\n"
        "def main():\n"
        "    secret = {'answer': 42}\n"
        "    embed_kernel()\n"
        "    print('back in the program', flush=True)\n"
        "main()\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while "--existing" not in line:
            line = proc.stdout.readline()
            assert line, "embed_kernel printed no connection file"
        cf = re.search(r"--existing (\S+)", line).group(1)
        kc = KernelClient(connection_file=cf)
        kc.start_channels()
        kc.wait_for_ready(timeout=TIMEOUT)
        c, out = run(kc, "secret['answer']")
        assert out[-1]["content"]["data"]["text/plain"] == "42"
        kc.shutdown()
        kc.stop_channels()
        rest = proc.stdout.read()
        assert proc.wait(TIMEOUT) == 0
        assert "back in the program" in rest
        assert not os.path.exists(cf)
    finally:
        proc.kill()
        proc.wait()


def test_a_kernel_process_draws_inline_without_the_magic():
    # as with ipykernel: pyplot in a fresh kernel shows its figure with no %matplotlib
    km, kc = new_kernel("subprocess")
    try:
        c, out = run(kc, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nNone")
        assert c["status"] == "ok"
        assert [m for m in out if m["msg_type"] == "display_data"
                and "image/png" in m["content"]["data"]]
        c, out = run(kc, "import matplotlib; matplotlib.get_backend()")
        assert "agg" in out[-1]["content"]["data"]["text/plain"].lower()
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_ipython_display_shows_through_the_kernel():
    # notebooks written for Jupyter: IPython's display() would only print a repr here
    km, kc = new_kernel("subprocess")
    try:
        c, out = run(kc, "from IPython.display import display, HTML, Markdown\n"
                         "display(HTML('<b>bold</b>'))\n"
                         "h = display(Markdown('*one*'), display_id=True)\n"
                         "h.update(Markdown('*two*'))")
        assert c["status"] == "ok", c
        kinds = [(m["msg_type"], sorted(m["content"]["data"])) for m in out
                 if m["msg_type"] in ("display_data", "update_display_data")]
        assert kinds == [("display_data", ["text/html", "text/plain"]),
                         ("display_data", ["text/markdown", "text/plain"]),
                         ("update_display_data", ["text/markdown", "text/plain"])]
        assert "IPython.core.display.HTML object" not in text_of(out)
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_matplotlib_inline_figure(kc):
    c, out = run(kc, "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                     "plt.plot([1, 2, 3], [1, 4, 9])\nNone")
    imgs = [m for m in out if m["msg_type"] == "display_data"
            and "image/png" in m["content"]["data"]]
    assert len(imgs) == 1
    import base64
    assert base64.b64decode(imgs[0]["content"]["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
