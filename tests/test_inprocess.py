"""What only an in-process kernel has: the host's own objects, its untouched stdout,
and no ZeroMQ at all. (The shared client-level tests are in test_kernel.py.)"""

import io
import os
import subprocess
import sys
import textwrap
import threading

from ipylite.inprocess import InProcessKernelManager

TIMEOUT = 30
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def outputs(kc, code, **kw):
    out = []
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=out.append, **kw)
    return reply["content"], out


def test_host_objects_are_shared_and_host_stdout_untouched(capsys):
    shopping = ["bread"]
    km = InProcessKernelManager(user_ns={"shopping": shopping})
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(TIMEOUT)
        km.kernel.shell.push({"limit": 3})
        c, out = outputs(kc, "shopping.append('milk')\nprint('in the cell')\nlen(shopping) < limit")
        assert shopping == ["bread", "milk"]
        assert [m["content"]["text"] for m in out if m["msg_type"] == "stream"] == ["in the cell\n"]
        assert out[-1]["content"]["data"]["text/plain"] == "True"
        print("host line")
        assert capsys.readouterr().out == "host line\n", "the cell's output went to the client"
        # messages are plain dicts of the protocol's shape
        assert set(out[0]) >= {"header", "parent_header", "content", "metadata"}
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_host_threads_keep_their_stdout_while_a_cell_runs():
    km = InProcessKernelManager()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    host_out = io.StringIO()
    saved = sys.stdout
    try:
        kc.wait_for_ready(TIMEOUT)
        started, go_on = threading.Event(), threading.Event()
        km.kernel.shell.push({"started": started, "go_on": go_on})
        sys.stdout = host_out
        msg_id = kc.execute("started.set()\ngo_on.wait(10)\nprint('from the cell')")
        assert started.wait(TIMEOUT)
        print("from the host while the cell runs")
        go_on.set()
        kc._reply_to(msg_id, timeout=TIMEOUT)
    finally:
        sys.stdout = saved
        kc.stop_channels()
        km.shutdown_kernel()
    assert host_out.getvalue() == "from the host while the cell runs\n"


def test_unthreaded_kernel_runs_cells_on_the_callers_thread():
    km = InProcessKernelManager(threaded=False)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(TIMEOUT)
        km.kernel.shell.push({"threading": threading})
        c, out = outputs(kc, "threading.current_thread().name")
        assert out[-1]["content"]["data"]["text/plain"] == repr(threading.current_thread().name)
    finally:
        kc.stop_channels()
        km.shutdown_kernel()


def test_no_zmq_on_the_in_process_path(tmp_path):
    code = textwrap.dedent("""
        import sys
        from ipylite.inprocess import InProcessKernelManager
        km = InProcessKernelManager(); km.start_kernel()
        kc = km.client(); kc.start_channels(); kc.wait_for_ready(10)
        reply = kc.execute_interactive("x = 1", timeout=10, output_hook=lambda m: None)
        assert reply["content"]["status"] == "ok"
        km.shutdown_kernel()
        print("zmq" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin",
                                          "PYTHONPATH": ROOT,
                                          "IPYLITE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_starting_and_stopping_in_process_kernels_leaks_no_pipes():
    from ipylite.inprocess import InProcessKernelManager

    def pipes():
        n = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                n += os.readlink("/proc/self/fd/" + fd).startswith("pipe:")
            except OSError:
                pass
        return n
    before = pipes()
    for _ in range(20):
        km = InProcessKernelManager()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        assert kc.execute_interactive("x = 1", timeout=10)["content"]["status"] == "ok"
        kc.stop_channels()
        km.shutdown_kernel()
    assert pipes() - before <= 2
