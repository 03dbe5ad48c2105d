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
        time.sleep(0.02)

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
