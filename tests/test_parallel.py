"""ipylite.parallel with real processes: a controller, engines and clients on loopback."""

import datetime
import os
import sys
import time

import numpy as np
import pytest

from ipylite.parallel import (Cluster, Client, CompositeError, RemoteError,
                              TaskTimeout, ImpossibleDependency)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(n=2, timeout=60)
    c.__enter__()
    try:
        yield c
    finally:
        c.__exit__(None, None, None)


@pytest.fixture
def rc(cluster):
    return cluster.client


# ------------------------------------------------------------------ apply, errors

def test_ids_and_apply(rc):
    assert rc.ids == [0, 1]
    assert rc[:].apply_sync(lambda x: x * 2, 21) == [42, 42]
    assert rc[1].apply_sync(lambda: engine_id) == 1   # noqa: F821 (engine namespace)
    ar = rc[0].apply_async(pow, 2, 10)
    assert ar.get(timeout=10) == 1024
    assert ar.ready() and ar.successful()
    md = ar.metadata
    assert md["engine_id"] == 0
    second = datetime.timedelta(seconds=1)      # (clocks of two processes)
    assert md["submitted"] <= md["started"] + second and md["started"] <= md["completed"]
    assert md["completed"] <= md["received"] + second
    assert md["received"].tzinfo is datetime.timezone.utc
    assert ar.wall_time >= 0 and ar.serial_time >= 0


def test_closures_nested_functions_and_classes(rc):
    base = 10

    def add(y):
        return base + y

    class Point:
        def __init__(self, x):
            self.x = x

        def norm(self):
            return abs(self.x)

    def fact(n):                           # recursive through its closure
        return 1 if n <= 1 else n * fact(n - 1)

    assert rc[0].apply_sync(add, 5) == 15
    assert rc[0].apply_sync(lambda p: p.norm(), Point(-3)) == 3
    assert rc[0].apply_sync(fact, 6) == 720
    back = rc[0].apply_sync(lambda: Point(7))
    assert type(back).__name__ == "Point" and back.x == 7 and back.norm() == 7
    assert rc[0].apply_sync(lambda: os.getpid()) != os.getpid()   # module by reference


def test_remote_error_and_composite_error(rc):
    def boom(x):
        return 1 / x

    with pytest.raises(RemoteError) as info:
        rc[0].apply_sync(boom, 0)
    e = info.value
    assert e.ename == "ZeroDivisionError" and e.engine_id == 0
    assert "boom" in e.traceback and "1 / x" in e.traceback
    with pytest.raises(CompositeError) as info:
        rc[:].apply_sync(boom, 0)
    assert len(info.value.elist) == 2
    assert {x.engine_id for x in info.value.elist} == {0, 1}
    with pytest.raises(RemoteError):
        info.value.raise_exception()
    assert rc[0].apply_sync(boom, 2) == 0.5          # the engine carries on


def test_unpicklable_result_and_memory_error(rc):
    import threading
    with pytest.raises(RemoteError) as info:
        rc[0].apply_sync(lambda: threading.Lock())
    assert info.value.ename == "SerializationError"
    assert "pickle" in info.value.evalue
    with pytest.raises(RemoteError) as info:
        rc[0].apply_sync(lambda: bytearray(1 << 60))
    assert info.value.ename in ("MemoryError", "OverflowError")
    assert rc[0].apply_sync(lambda: "still alive") == "still alive"


def test_output_is_captured_in_metadata(rc):
    def talk():
        print("to stdout")
        print("to stderr", file=sys.stderr)
        return 1

    ar = rc[:].apply_async(talk)
    ar.get(10)
    assert ar.stdout == ["to stdout\n", "to stdout\n"]
    assert ar.stderr == ["to stderr\n", "to stderr\n"]
    ar = rc[0].execute("from ipylite.display import display, HTML\n"
                       "display(HTML('<b>x</b>'))\nprint('p')\n40 + 2", silent=False)
    ar.get(10)
    assert ar.stdout == "p\n"
    assert ar.outputs[0]["data"]["text/html"] == "<b>x</b>"
    assert ar.execute_result["data"]["text/plain"] == "42"


# ----------------------------------------------------------- namespace and data

def test_push_pull_execute_run(rc, tmp_path):
    dv = rc[:]
    with dv.temp_flags(block=True):
        assert dv.apply(lambda: 3) == [3, 3]
    assert dv.apply(lambda: 3).get(10) == [3, 3]
    with pytest.raises(KeyError, match="no flag"):
        dv.set_flags(nonsense=1)
    dv.push({"a": 1, "b": [1, 2]}, block=True)
    assert dv.pull("a", block=True) == [1, 1]
    assert dv.pull(("a", "b"), block=True) == [[1, [1, 2]], [1, [1, 2]]]
    dv["c"] = "hello"
    assert dv["c"] == ["hello", "hello"]
    dv.execute("d = a + 41", block=True)
    assert rc[1]["d"] == 42
    script = tmp_path / "script.py"
    script.write_text("e = d * 2\n")
    dv.run(str(script), block=True)
    assert dv["e"] == [84, 84]
    with pytest.raises(RemoteError) as info:
        rc[0].pull("no_such_name", block=True)
    assert info.value.ename == "NameError"
    with pytest.raises(CompositeError) as info:
        dv.execute("1/0", block=True)
    assert info.value.elist[0].ename == "ZeroDivisionError"
    assert "1/0" in info.value.elist[0].traceback
    # functions from the client's __main__ see the engine's namespace as globals
    assert rc[0].apply_sync(lambda: d) == 42   # noqa: F821


def test_scatter_gather_lists_and_arrays(rc):
    dv = rc[:]
    dv.scatter("part", list(range(10)), block=True)
    assert dv["part"] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert dv.gather("part", block=True) == list(range(10))
    arr = np.arange(11.0)
    dv.scatter("x", arr, block=True)
    dv.execute("y = x ** 2", block=True)
    assert np.array_equal(dv.gather("y", block=True), arr ** 2)


def test_numpy_zero_copy_round_trip(rc):
    big = np.random.rand(1 << 20)             # 8 MiB: travels as its own frame
    rc[0].push({"big": big}, block=True)
    info = rc[0].apply_sync(lambda: (big.flags.writeable, float(big.sum())))  # noqa: F821
    assert info[0] is True and info[1] == pytest.approx(float(big.sum()))
    rc[0].execute("big *= 2", block=True)
    back = rc[0].pull("big", block=True)
    assert back.flags.writeable and np.array_equal(back, big * 2)
    structured = np.zeros(5000, dtype=[("a", "i4"), ("b", "f8")])
    assert rc[0].apply_sync(lambda s: s.dtype.names, structured) == ("a", "b")


def test_map_imap_decorators_and_sync_imports(rc):
    dv = rc[:]
    assert dv.map_sync(lambda x, y: x + y, range(5), range(5)) == [0, 2, 4, 6, 8]
    lb = rc.load_balanced_view()
    assert lb.map_sync(lambda x: x * x, range(50)) == [x * x for x in range(50)]
    assert lb.map_sync(lambda x: -x, range(50), chunksize=7) == [-x for x in range(50)]
    assert sorted(lb.imap(lambda x: x, range(20), ordered=False)) == list(range(20))
    assert list(dv.imap(lambda x: x + 1, range(6))) == [1, 2, 3, 4, 5, 6]
    ar = lb.map_async(lambda x: x, range(10))
    assert ar.get(10) == list(range(10)) and len(ar.metadata) == 10
    import io
    progress = io.StringIO()
    ar = lb.map_async(lambda x: __import__("time").sleep(0.05), range(20))
    ar.wait_interactive(interval=0.1, file=progress)
    assert ar.ready() and "done: 20/20 tasks" in progress.getvalue()

    @dv.remote(block=True)
    def where():
        return engine_id  # noqa: F821

    assert where() == [0, 1]

    @lb.parallel(block=True, chunksize=2)
    def sums(chunk):          # as in ipyparallel: once per chunk, the results joined
        return [sum(chunk)]

    assert sums(range(6)) == [1, 5, 9]

    @lb.parallel(block=True)
    def double(x):
        return 2 * x

    assert double.map(range(4)) == [0, 2, 4, 6]
    assert double([1, 2]) == [1, 1, 2, 2]       # each call gets a 1-item chunk, as there
    with dv.sync_imports(quiet=True):
        import json  # noqa: F401
        from os.path import join as _unused, basename  # noqa: F401
    assert rc[0].apply_sync(lambda: json.dumps([1])) == "[1]"   # noqa: F821
    assert rc[1].execute("r = basename('/a/b')", block=True) and rc[1]["r"] == "b"


# ------------------------------------------------------------- load balancing

def test_lb_retries_timeout_dependencies_abort(rc):
    lb = rc.load_balanced_view()

    def flaky():
        if engine_id == 0:  # noqa: F821
            raise RuntimeError("engine 0 refuses")
        return engine_id  # noqa: F821

    with lb.temp_flags(retries=1, targets=None):
        results = [lb.apply_async(flaky) for _ in range(6)]
    assert [r.get(10) for r in results] == [1] * 6
    with pytest.raises(RemoteError, match="engine 0 refuses"):
        rc.load_balanced_view(0).apply_sync(flaky)     # no retries: the error comes back

    # after: the second task only starts once the first is done
    slow = lb.apply_async(lambda: __import__("time").sleep(0.3) or time.time())
    with lb.temp_flags(after=[slow]):
        later = lb.apply_async(lambda: __import__("time").time())
    assert later.get(10) >= slow.get(10)
    # follow: runs where the dependency ran
    first = rc.load_balanced_view(1).apply_async(lambda: 1)
    first.get(10)
    with lb.temp_flags(follow=first):
        assert lb.apply_sync(lambda: engine_id) == 1  # noqa: F821
    # a failed dependency makes the task impossible
    bad = lb.apply_async(lambda: 1 / 0)
    with pytest.raises(RemoteError):
        bad.get(10)
    with lb.temp_flags(after=bad):
        with pytest.raises(ImpossibleDependency):
            lb.apply_sync(lambda: 1)
    # timeout: tasks stuck behind long ones fail with TaskTimeout;
    # abort: queued tasks that have not started fail with TaskAborted
    view = rc.load_balanced_view(0)
    blockers = [view.apply_async(lambda: __import__("time").sleep(0.6)) for _ in range(3)]
    with view.temp_flags(timeout=0.2):
        late = view.apply_async(lambda: 1)
    queued = [view.apply_async(lambda: 2) for _ in range(3)]
    rc.abort(queued)                     # long before the blockers are done
    with pytest.raises(TaskTimeout):
        late.get(10)
    outcomes = []
    for ar in queued:
        try:
            outcomes.append(ar.get(10))
        except RemoteError as e:
            outcomes.append(e.ename)
    assert outcomes == ["TaskAborted"] * 3
    for b in blockers:
        b.get(10)


def test_bad_messages_are_dropped(rc):
    import zmq
    ctx = zmq.Context()
    try:
        for url in (rc.info["client_url"], rc._engines[0]):
            s = ctx.socket(zmq.DEALER)
            s.linger = 0
            s.connect(url)
            s.send(b"garbage")
            s.send_multipart([b"x", b"y", b"z"])
            fake = Client.__new__(Client)
            from ipylite.protocol import Session
            from ipylite.serialize import Wire
            s.send(Wire(Session(key=b"wrong key")).pack({"t": "apply", "id": "bad"}))
            s.send(Wire(Session(key=b"")).pack({"t": "shutdown", "id": "bad"}))
            del fake
            s.close()
        time.sleep(0.2)
        assert rc[:].apply_sync(lambda: 7) == [7, 7]
        assert rc.ids == [0, 1]
    finally:
        ctx.destroy(0)


def test_wire_refuses_before_unpickling():
    from ipylite.protocol import ProtocolError, Session
    from ipylite.serialize import Wire
    w = Wire(Session(key=b"k"))
    packed = w.pack({"t": "x"}, b"payload")
    assert w.unpack(packed)[0]["t"] == "x"
    with pytest.raises(ProtocolError, match="Duplicate"):
        w.unpack(packed)
    with pytest.raises(ProtocolError, match="Invalid Signature"):
        w.unpack(packed[:-1] + b"P")
    with pytest.raises(ProtocolError, match="Unsigned"):
        w.unpack(Wire(Session(key=b"")).pack({"t": "x"}))
    with pytest.raises(ProtocolError, match="Malformed"):
        w.unpack(b"\x01")
    with pytest.raises(ProtocolError, match="Malformed"):
        w.unpack(b"\xff\xff\xff\xff\xff\xff")


def test_memory_stays_bounded(rc, cluster):
    lb = rc.load_balanced_view()
    pid = cluster.proc.pid

    def rss():
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))

    lb.map_sync(lambda x: x, range(5000))
    before = rss()
    for _ in range(4):
        lb.map_sync(lambda x: x, range(5000))
    assert rss() - before < 20_000          # KiB, for 20,000 more tasks
    status = rc.queue_status()
    assert status["unassigned"] == 0 and set(status["engines"].values()) == {0}


def test_output_of_a_running_task_arrives_before_it_ends(rc):
    def chatty():
        import time
        time.sleep(0.6)
        print("half way", flush=True)
        time.sleep(1.5)
        return "done"

    ar = rc[1].apply_async(chatty)
    deadline = time.monotonic() + 10
    while "half way" not in ar.stdout and time.monotonic() < deadline:
        rc.spin(0.1)
    assert not ar.ready()                  # seen while the task still runs
    assert ar.stdout == "half way\n"
    assert ar.get(10) == "done" and ar.stdout == "half way\n"
    lbar = rc.load_balanced_view(0).apply_async(chatty)    # through the controller
    while "half way" not in lbar.stdout and time.monotonic() < deadline + 10:
        rc.spin(0.1)
    assert not lbar.ready() and lbar.stdout == "half way\n"
    assert lbar.get(10) == "done"


def test_direct_requests_through_the_controller(rc):
    routed = Client(rc.url_file, direct=False)
    try:
        assert routed[:].apply_sync(lambda: engine_id) == [0, 1]   # noqa: F821
        routed[1]["via"] = "controller"
        assert rc[1]["via"] == "controller"
        with pytest.raises(RemoteError, match="ZeroDivisionError"):
            routed[0].apply_sync(lambda: 1 / 0)
        assert routed[:].map_sync(lambda x: -x, range(6)) == [0, -1, -2, -3, -4, -5]
        assert not routed._socks                 # never connected to an engine
    finally:
        routed.close()
