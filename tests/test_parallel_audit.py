"""ipylite.parallel used as an ipyparallel user would: the calls that differed."""

import time

import numpy as np
import pytest

from ipylite.parallel import Cluster, CompositeError, RemoteError


@pytest.fixture(scope="module")
def rc():
    c = Cluster(n=2, timeout=60)
    rc = c.__enter__()
    try:
        yield rc
    finally:
        c.__exit__(None, None, None)


def test_negative_engine_index(rc):
    assert rc[-1].targets == 1
    assert rc[-1].apply_sync(lambda: engine_id) == 1      # noqa: F821
    with pytest.raises(IndexError):
        rc[-3]
    with pytest.raises(IndexError):
        rc[7]


def test_asyncresult_is_a_future(rc):
    ar = rc[:].apply_async(lambda: __import__("time").sleep(0.3) or engine_id)  # noqa
    assert ar.sent and not ar.done()
    assert ar.elapsed >= 0
    seen = []
    ar.add_done_callback(lambda f: seen.append(f.result()))
    assert ar.result(timeout=10) == [0, 1]
    assert ar.done() and ar.exception() is None
    assert seen == [[0, 1]]
    assert ar[1] == 1 and ar[-1] == 1 and ar.r == [0, 1]
    assert ar.elapsed == ar.wall_time
    late = []
    ar.add_done_callback(late.append)        # already done: called at once
    assert late == [ar]
    bad = rc[0].apply_async(lambda: 1 / 0)
    assert isinstance(bad.exception(timeout=10), RemoteError)
    with pytest.raises(RemoteError):
        bad.result()
    with pytest.raises(TimeoutError):
        rc[0].apply_async(time.sleep, 0.5).result(timeout=0.01)
    m = rc.load_balanced_view().map_async(lambda x: x * 3, range(5))
    assert m[2] == 6 and m[1:3] == [3, 6]


def test_client_wait_and_outstanding(rc):
    a = rc[0].apply_async(time.sleep, 0.2)
    b = rc.load_balanced_view().apply_async(time.sleep, 0.2)
    assert a.msg_ids[0] in rc.outstanding
    assert rc.wait([a, b], timeout=10) is True
    assert a.ready() and b.ready()
    c = rc[1].apply_async(time.sleep, 0.2)
    assert rc.wait(timeout=10) is True and c.ready() and not rc.outstanding
    d = rc[1].apply_async(time.sleep, 1)
    assert rc.wait(d.msg_ids, timeout=0.01) is False
    assert rc.wait(d, timeout=10) is True


def test_map_takes_any_iterable(rc):
    dv = rc[:]
    assert dv.map_sync(lambda x: x * 2, (i for i in range(5))) == [0, 2, 4, 6, 8]
    assert dv.map_sync(lambda x, y: x + y, iter(range(3)), [10, 20, 30]) == [10, 21, 32]
    lb = rc.load_balanced_view()
    assert lb.map_sync(lambda x: x + 1, (i for i in range(3))) == [1, 2, 3]


def test_dv_parallel_calls_on_chunks_and_map_per_element(rc):
    dv = rc[:]

    @dv.parallel(block=True)
    def pmul(a, b):
        return a * b

    A = np.arange(12.0).reshape(6, 2)
    out = pmul(A, A)
    assert isinstance(out, np.ndarray) and np.array_equal(out, A * A)

    @dv.parallel(block=True)
    def lengths(chunk):
        return [len(chunk)] * len(chunk)

    assert lengths(list(range(5))) == [3, 3, 3, 2, 2]

    @dv.parallel(block=True)
    def total(chunk):
        return sum(chunk)

    assert total(range(10)) == [10, 35]                  # scalars: one per engine
    assert lengths.map(["ab", "c"]) == [[2, 2], [1]]

    @dv.parallel(block=False)
    def ident(chunk):
        return list(chunk)

    assert ident(range(4)).get(10) == [0, 1, 2, 3]


def test_gather_of_scalars(rc):
    dv = rc[:]
    dv.execute("s = engine_id * 10", block=True)
    assert dv.gather("s", block=True) == [0, 10]


def test_failed_map_raises_composite_error(rc):
    for view in (rc[:], rc.load_balanced_view()):
        with pytest.raises(CompositeError) as info:
            view.map_sync(lambda x: 1 / x, range(4))
        assert [e.ename for e in info.value.elist] == ["ZeroDivisionError"]
        assert "1 / x" in str(info.value)


def test_queue_status_has_ipyparallel_shape(rc):
    status = rc.queue_status()
    assert set(status) >= {"unassigned", 0, 1}
    assert "t" not in status and "id" not in status
    assert set(status[0]) >= {"queue", "tasks"}


def test_autopx_cells_are_numbered_like_any_cell(rc):
    from ipylite.parallel import register_magics
    from ipylite.shell import Shell
    shell = Shell()
    register_magics(shell, rc[:].set_flags(block=True))   # as rc.activate() does
    shell.run_cell("%autopx")
    start = shell.execution_count
    r = shell.run_cell("w = engine_id + 100")
    assert r.success and r.execution_count == start
    r = shell.run_cell("w2 = w")
    assert r.execution_count == start + 1
    shell.run_cell("%autopx")
    assert shell.execution_count == start + 3
    assert shell.user_ns["In"][start] == "w = engine_id + 100"
    assert rc[:]["w2"] == [100, 101]


def test_output_printed_before_a_long_silence_arrives_while_the_task_runs(rc, tmp_path):
    go = tmp_path / "go"

    def task(path):
        import os
        import time
        print("early", flush=True)
        print("partial line, no newline", end="")
        deadline = time.monotonic() + 30
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        return "done"

    ar = rc[0].apply_async(task, str(go))
    deadline = time.monotonic() + 20
    while "partial" not in ar.stdout and time.monotonic() < deadline:
        rc.spin(0.1)
    seen, running = ar.stdout, not ar.ready()
    go.touch()
    assert ar.get(timeout=30) == "done"
    assert running and seen == "early\npartial line, no newline"
    assert ar.stdout == "early\npartial line, no newline"


def test_get_dict_and_serializer_switches(rc):
    assert rc[:].apply_async(lambda: engine_id * 2).get_dict() == {0: 0, 1: 2}  # noqa
    assert rc[1].apply_async(lambda: "one").get_dict(timeout=10) == {1: "one"}
    with pytest.raises(ValueError):
        rc.load_balanced_view().map_async(lambda x: x, range(5)).get_dict()
    # closures already travel by value: the ipyparallel switches are accepted
    for view in (rc[:], rc.load_balanced_view(), rc):
        assert view.use_cloudpickle().get(10) is not None
        assert view.use_dill().get(10) is not None
        assert view.use_pickle().get(10) is not None


def test_px_target_slices_with_steps(rc, capsys):
    from ipylite.parallel import parse_px
    assert parse_px("--targets ::2 a = 1")[1] == slice(None, None, 2)
    assert parse_px("--targets 1: a = 1")[1] == slice(1, None)
    assert parse_px("-t 0,1 a")[1] == [0, 1]
    from ipylite.shell import Shell, UsageError
    from ipylite.parallel import register_magics
    shell = Shell()
    register_magics(shell, rc[:].set_flags(block=True))   # as rc.activate() does
    assert shell.run_cell("%px --targets ::2 print('even', engine_id)").success
    assert "[stdout:0] even 0" in capsys.readouterr().out
    r = shell.run_cell("%px --targets x:y a = 1")
    assert isinstance(r.error_in_exec, UsageError)


def test_px_streams_output_while_the_cell_runs(rc, tmp_path, capfd):
    """%px shows what engines print as it comes (once), not only at the end."""
    from ipylite.shell import Shell
    from ipylite.parallel import register_magics
    shell = Shell()
    register_magics(shell, rc[:].set_flags(block=True))   # as rc.activate() does
    go = tmp_path / "go"
    rc[:]["go"] = str(go)
    import threading
    seen = []

    def release():              # create the file once the first line is on screen
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = capfd.readouterr().out
            seen.append(text)
            if "[stdout:1] first" in "".join(seen):
                break
            time.sleep(0.05)
        go.touch()
    t = threading.Thread(target=release)
    t.start()
    r = shell.run_cell("%%px\nimport os, time\nprint('first', flush=True)\n"
                       "d = time.monotonic() + 30\n"
                       "while not os.path.exists(go) and time.monotonic() < d:\n"
                       "    time.sleep(0.05)\nprint('second')")
    t.join()
    assert r.success
    seen.append(capfd.readouterr().out)
    out = "".join(seen)
    assert out.count("[stdout:0] first") == 1 and out.count("[stdout:1] first") == 1
    assert out.count("second") == 2
    assert "[stdout:1] first" in "".join(seen[:-1])      # before the cell ended


def test_cluster_sync_api_of_ipyparallel_7():
    cluster = Cluster(n=1, timeout=60)
    try:
        rc = cluster.start_and_connect_sync()
        assert rc.ids == [0] and rc[0].apply_sync(lambda: 5) == 5
    finally:
        cluster.stop_cluster_sync()
    assert cluster.proc is None


def test_metadata_attributes_and_display_outputs_groupby(rc, capsys):
    ar = rc[:].apply_async(lambda: print("hi", engine_id))      # noqa: F821
    ar.get(10)
    md = ar.metadata[1]
    assert md.engine_id == 1 and md["engine_id"] == 1 and md.status == "ok"
    assert md.stdout == "hi 1\n" and md.completed >= md.started
    with pytest.raises(AttributeError):
        md.no_such_key
    bad = rc[0].apply_async(lambda: 1 / 0)
    bad.wait(10)
    assert bad.metadata.status == "error" and bad.metadata.error["ename"] == "ZeroDivisionError"
    capsys.readouterr()
    ar.display_outputs(groupby="type")
    assert capsys.readouterr().out == "[stdout:0] hi 0\n[stdout:1] hi 1\n"
    two = rc[:].execute("import sys; print(1); print(2, file=sys.stderr); 3", silent=False)
    two.get(10)
    two.display_outputs(groupby="type")
    got = capsys.readouterr()
    assert got.out.splitlines()[:2] == ["[stdout:0] 1", "[stdout:1] 1"]
    assert got.err.splitlines() == ["[stderr:0] 2", "[stderr:1] 2"] and "Out[1:" in got.out
    with pytest.raises(ValueError):
        ar.display_outputs(groupby="colour")


def _wait_for_output(rc, ar, text, timeout=20):
    deadline = time.monotonic() + timeout
    while text not in "".join(ar.stdout if isinstance(ar.stdout, list) else [ar.stdout]):
        assert time.monotonic() < deadline, f"no {text!r} from the engines"
        rc.spin(0.1)


def test_send_signal_interrupts_a_running_task_and_the_engine_lives(rc):
    import signal
    ar = rc[0].apply_async(lambda: (print("started", flush=True),
                                    __import__("time").sleep(60)))
    _wait_for_output(rc, ar, "started")
    assert rc.send_signal(signal.SIGINT, targets=[0]) == [0]
    with pytest.raises(RemoteError) as info:
        ar.get(timeout=20)
    assert info.value.ename == "KeyboardInterrupt"
    assert rc.send_signal(signal.SIGINT) == [0, 1]       # idle engines: ignored
    assert rc[:].apply_sync(lambda: engine_id) == [0, 1]  # noqa: F821
    with pytest.raises(ValueError):
        rc.send_signal(signal.SIGINT, targets=[5])


def test_ctrl_c_in_px_interrupts_the_engines(rc):
    import os
    import sys
    import pexpect
    child = pexpect.spawn(sys.executable, ["-m", "ipylite", "--colors=NoColor"],
                          env=dict(os.environ), encoding="utf8", timeout=30)
    try:
        child.expect(r"In \[1\]: ")
        child.sendline(f"from ipylite.parallel import Client; rc = Client({rc.url_file!r})")
        child.expect(r"In \[2\]: ")
        child.sendline("%px import time; print('started', flush=True); time.sleep(60)")
        child.expect(r"\[stdout:1\] started")
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.expect(r"In \[\d+\]: ")
        child.sendline("%px print('alive', engine_id)")
        child.expect(r"\[stdout:1\] alive 1")
        child.expect(r"In \[\d+\]: ")
        child.sendline("exit()")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_px_in_a_kernel_shows_engines_rich_displays_as_displays(rc):
    # In a notebook or console, %px's figures and HTML from the engines are shown as
    # displays (with the engine in their metadata), as ipyparallel republishes them
    from ipylite.protocol import KernelManager
    km = KernelManager("ipylite")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        out = []
        reply = kc.execute_interactive(
            f"from ipylite.parallel import Client\nrc = Client(url_file={rc.url_file!r})\n"
            "%px from ipylite.display import display, HTML; display(HTML(f'<b>from {engine_id}</b>'))",
            timeout=60, output_hook=out.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        shown = [m["content"] for m in out if m["msg_type"] == "display_data"]
        assert sorted(c["data"]["text/html"] for c in shown) == ["<b>from 0</b>", "<b>from 1</b>"]
        assert sorted(c["metadata"]["engine"] for c in shown) == [0, 1]
        labels = "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream")
        assert "[output:0]" in labels and "[output:1]" in labels
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
