"""A kernel process under attack and faults, over real ZeroMQ: signed but malformed
requests (deep JSON, wrong shapes, missing fields) and output floods to clients that
read slowly or not at all. The kernel must answer, stay alive and stay small."""

import queue
import time

import pytest
import zmq

from ipylite.protocol import KernelManager, Session

TIMEOUT = 30


def start_kernel():
    km = KernelManager("ipylite")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


@pytest.fixture
def kernel():
    km, kc = start_kernel()
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def reply_to(kc, msg_id, channel="shell", timeout=TIMEOUT):
    return kc._reply_to(msg_id, channel, timeout)


def answers(kc, code="6 * 7", timeout=TIMEOUT):
    """The kernel still runs cells: the result of ``code`` on a fresh client."""
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda m: None)
    return reply["content"]["status"]


# ------------------------------------------------------- signed, malformed requests

def dealer(kc, channel):
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.linger = 0
    s.connect(f"tcp://127.0.0.1:{kc.info[channel + '_port']}")
    return s


def send_raw(sock, session, msg_type, content_frame):
    """A correctly signed request whose content frame is ``content_frame`` as is."""
    msg = session.msg(msg_type, {})
    frames = session.serialize(msg)
    frames[-1] = content_frame
    frames[1] = session.sign(frames[2:6])
    sock.send_multipart(frames)
    return msg["header"]["msg_id"]


def reply_on(sock, session, msg_id, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sock.poll(200):
            _, msg = session.recv(sock)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
    pytest.fail("no reply: the kernel stayed silent")


DEEP = b"[" * 100000 + b"]" * 100000
BAD = {   # name -> (msg_type, content frame, what the error says)
    "deep_content": ("execute_request", DEEP, "nests too deeply"),
    "deep_in_a_field": ("execute_request", b'{"code": "1", "x": ' + DEEP + b"}",
                        "nests too deeply"),
    "content_is_a_list": ("execute_request", b'["code", "1"]', "must be a JSON object"),
    "no_code": ("execute_request", b'{"silent": false}', "needs 'code'"),
    "code_not_a_string": ("execute_request", b'{"code": ["import os"]}', "'code' must be"),
    "bad_user_expressions": ("execute_request",
                             b'{"code": "1", "user_expressions": {"a": 1}}',
                             "user_expressions"),
    "complete_without_code": ("complete_request", b'{"cursor_pos": 1}', "needs 'code'"),
    "inspect_bad_pos": ("inspect_request", b'{"code": "x", "cursor_pos": "1"}',
                        "'cursor_pos' must be"),
    "history_bad_n": ("history_request", b'{"hist_access_type": "tail", "n": "ten"}',
                      "'n' must be"),
    "kernel_info_deep": ("kernel_info_request", DEEP, "nests too deeply"),
}
CONTROL_BAD = {
    "kernel_info_deep": BAD["kernel_info_deep"],
    "interrupt_content_is_a_list": ("interrupt_request", b"[]", "must be a JSON object"),
    "shutdown_restart_not_bool": ("shutdown_request", b'{"restart": "yes"}',
                                  "'restart' must be"),
}
CASES = [("shell", c) for c in sorted(BAD)] + [("control", c) for c in sorted(CONTROL_BAD)]


@pytest.mark.parametrize("channel, case", CASES)
def test_a_signed_malformed_request_gets_an_error_reply_and_the_kernel_lives(
        kernel, channel, case):
    km, kc = kernel
    msg_type, frame, says = (BAD if channel == "shell" else CONTROL_BAD)[case]
    session = Session(key=kc.info["key"])
    sock = dealer(kc, channel)
    try:
        msg_id = send_raw(sock, session, msg_type, frame)
        reply = reply_on(sock, session, msg_id)
    finally:
        sock.close(0)
    assert reply["msg_type"] == msg_type.replace("_request", "_reply")
    assert reply["content"]["status"] == "error"
    assert says in reply["content"]["evalue"]
    assert km.is_alive()
    assert answers(kc) == "ok"
    # the control thread lives on too: it answers kernel_info
    ctl = km.client()
    ctl.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
    try:
        got = reply_to(ctl, ctl._send("control", "kernel_info_request", {}), "control", 10)
        assert got["content"]["status"] == "ok"
    finally:
        ctl.stop_channels()


def test_a_malformed_request_queued_behind_a_failing_cell_is_answered(kernel):
    # the requests waiting when a cell fails are taken off the socket at once (to abort
    # the cells among them): a malformed one among them still gets its error reply
    km, kc = kernel
    session = Session(key=kc.info["key"])
    sock = dealer(kc, "shell")
    try:
        failing = kc.execute("import time; time.sleep(1); 1/0")
        time.sleep(0.3)
        bad = send_raw(sock, session, "execute_request", DEEP)
        assert reply_to(kc, failing)["content"]["status"] == "error"
        reply = reply_on(sock, session, bad)
    finally:
        sock.close(0)
    assert reply["content"]["status"] == "error"
    assert "nests too deeply" in reply["content"]["evalue"]
    assert answers(kc) == "ok"


def test_deep_json_on_control_leaves_the_control_thread_alive(kernel):
    km, kc = kernel
    session = Session(key=kc.info["key"])
    sock = dealer(kc, "control")
    try:
        send_raw(sock, session, "interrupt_request", DEEP)
        send_raw(sock, session, "shutdown_request", b"[]")
        time.sleep(0.5)
    finally:
        sock.close(0)
    assert km.is_alive()     # a malformed shutdown_request does not shut it down
    msg_id = kc.execute("import time; time.sleep(30)")
    time.sleep(0.5)
    kc.interrupt()           # over control: its thread must still be there
    reply = reply_to(kc, msg_id, timeout=10)
    assert reply["content"]["ename"] == "KeyboardInterrupt"


# ----------------------------------------------------------------- output floods

FLOODS = {
    "child": "import subprocess\nsubprocess.run(['sh', '-c', 'yes x 1>&2'])",
    "python": "import sys\nwhile True:\n    sys.stderr.write('y' * 100000 + '\\n')",
    "flushing": "while True:\n    print('z' * 100000, flush=True)",
}
BOUND_MB = 300


def flood(km, kc, code, seconds, reader=None):
    """Run ``code`` for ``seconds`` while ``reader`` (or nobody) reads iopub; the
    kernel's peak RSS. Then interrupt it: the cell's reply must come."""
    msg_id = kc.execute(code)
    peak = 0
    deadline = time.monotonic() + seconds
    pid = km.kernel.pid
    while time.monotonic() < deadline:
        if reader:
            reader()
        else:
            time.sleep(0.05)
        peak = max(peak, rss_mb(pid))
        if peak > BOUND_MB:       # stop before the machine runs out of memory
            break
    km.interrupt_kernel()
    reply = reply_to(kc, msg_id, timeout=TIMEOUT)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    return peak


@pytest.mark.parametrize("kind", sorted(FLOODS))
def test_a_flood_to_a_client_that_never_reads_iopub_stays_bounded(kernel, kind):
    km, kc = kernel
    peak = flood(km, kc, FLOODS[kind], 5)
    assert peak < BOUND_MB, f"kernel grew to {peak:.0f} MB"
    fresh = km.client()
    fresh.start_channels()
    try:
        assert answers(fresh) == "ok"
    finally:
        fresh.stop_channels()


def test_a_flood_before_anyone_subscribes_to_iopub_stays_bounded():
    # output published before the first subscriber is held for it (at most 16 MB)
    km = KernelManager("ipylite")
    km.start_kernel()
    kc = km.client()
    kc.start_channels(iopub=False)
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        peak = flood(km, kc, FLOODS["child"], 5)
        assert peak < BOUND_MB, f"kernel grew to {peak:.0f} MB"
        late = km.client()
        late.start_channels()
        try:
            assert answers(late) == "ok"
        finally:
            late.stop_channels()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_slow_reader_gets_a_note_for_what_was_dropped(kernel):
    km, kc = kernel
    texts = []

    def read_slowly():
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            return
        if m["msg_type"] == "stream":
            texts.append(m["content"]["text"])
        time.sleep(0.005)   # (reads ~100 a second; the flood makes ~300)

    peak = flood(km, kc, FLOODS["child"], 5, reader=read_slowly)
    assert peak < BOUND_MB, f"kernel grew to {peak:.0f} MB"
    assert texts and "x\n" in texts[0]
    notes = [t for t in texts if "dropped" in t]
    assert notes, "dropped output must be announced"
    assert "characters of stderr dropped" in notes[0]
    assert answers(kc) == "ok"




def test_a_request_sent_after_a_failures_reply_is_never_aborted(kernel):
    # stop_on_error aborts what was sent before the client could see the failure; the
    # kernel must note the failure's time before its reply leaves, or a client quick
    # to send the next cell (as a flood's interrupt made us) gets "aborted" for it
    km, kc = kernel
    statuses = []
    for _ in range(300):
        reply_to(kc, kc.execute("1/0"))
        statuses.append(reply_to(kc, kc.execute("1"))["content"]["status"])
    assert statuses.count("aborted") == 0, statuses.count("aborted")


def test_an_in_process_kernel_flooding_a_host_that_never_reads_iopub_stays_bounded():
    import os
    from ipylite.inprocess import InProcessKernelManager
    km = InProcessKernelManager()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        start = rss_mb(os.getpid())
        msg_id = kc.execute(FLOODS["python"])
        deadline = time.monotonic() + 6
        peak = start
        while time.monotonic() < deadline and peak - start < BOUND_MB:
            time.sleep(0.1)
            peak = max(peak, rss_mb(os.getpid()))
        km.interrupt_kernel()
        assert reply_to(kc, msg_id)["content"]["ename"] == "KeyboardInterrupt"
        # what the host did not read is capped; the newest (the interrupt's) is kept
        waiting, batches, deadline = [], [], time.monotonic() + TIMEOUT
        while not (waiting and waiting[-1]["msg_type"] == "status"
                   and waiting[-1]["parent_header"]["msg_id"] == msg_id
                   and waiting[-1]["content"]["execution_state"] == "idle"):
            assert time.monotonic() < deadline, "no idle status"
            batches.append([m for channel, m in kc.poll(1) if channel == "iopub"])
            waiting += batches[-1]
        assert len(batches[0]) <= 1000 and peak - start < BOUND_MB
        assert any(m["msg_type"] == "error" for m in waiting[-5:])
        assert answers(kc) == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
