"""ipylite.parallel survives what users (and broken peers) do to it: long first tasks,
repeated output, malformed but signed messages, a controller that dies."""

import os
import signal
import time

import pytest

from ipylite.parallel import Client, Cluster, EngineError, RemoteError
from ipylite.protocol import ProtocolError, Session
from ipylite.serialize import Wire


def _kill(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_an_engine_busy_longer_than_hb_timeout_at_start_stays():
    """The engine's watchdog copies pings through a PUB/SUB pair; the SUB's subscription
    used to reach the PUB only at the first idle check, so every ping of a first task
    longer than hb_timeout (10 s) was dropped and the engine exited as it went idle."""
    with Cluster(n=1) as rc:
        assert rc[0].apply_sync(lambda: __import__("time").sleep(11) or "slept") == "slept"
        time.sleep(2.5)                     # two idle checks of the watchdog
        assert rc.ids == [0]
        assert rc[0].apply_sync(lambda: "still here") == "still here"


def test_identical_messages_have_their_own_signatures():
    sender, receiver = Wire(Session(key=b"k")), Wire(Session(key=b"k"))
    other = Wire(Session(key=b"k"))         # another client, same cluster key
    for w in (sender, sender, other):
        head, _ = receiver.unpack(w.pack({"t": "disconnect"}))
        assert head["t"] == "disconnect"
    packed = sender.pack({"t": "stream", "text": "tick\n"})
    receiver.unpack(packed)
    with pytest.raises(ProtocolError, match="Duplicate"):   # a true replay still fails
        receiver.unpack(packed)


def test_identical_output_lines_all_arrive_live():
    with Cluster(n=1) as rc:
        lb = rc.load_balanced_view()

        def ticks():
            import time
            for _ in range(5):
                print("tick", flush=True)
                time.sleep(0.7)
        ar = lb.apply_async(ticks)
        seen = 0
        while not ar.ready():
            seen = max(seen, ar.stdout.count("tick"))
            time.sleep(0.05)
        assert seen >= 3, f"only {seen} ticks arrived while the task ran"
        assert ar.stdout.count("tick") == 5


def test_malformed_signed_messages_cost_one_error_reply():
    with Cluster(n=2) as rc:
        pids = rc[:].apply_sync(lambda: __import__("os").getpid())
        # to the controller: an abort without ids, then tasks with a bad head
        with pytest.raises(RemoteError, match="KeyError"):
            rc._request({"t": "abort"})
        with pytest.raises(RemoteError, match="unknown request"):
            rc._request({"t": "no-such-request"})
        ar = rc.load_balanced_view().apply_async(lambda: 1)
        rc.wire.send(rc._ctl, {"t": "apply", "id": "x1", "retries": "many"})
        # to an engine directly: an abort without ids, a task without an id, and a task
        # whose deadline is not a number
        sock = rc._engine_socket(0)
        rc.wire.send(sock, {"t": "abort"})
        rc.wire.send(sock, {"t": "apply"})
        bad = rc[0].apply_async(lambda: 2)
        direct_id = bad.msg_ids[0]
        assert bad.get(timeout=10) == 2
        assert ar.get(timeout=10) == 1
        rc.wire.send(sock, {"t": "apply", "id": "x2", "deadline": "soon"}, b"")
        time.sleep(0.5)
        rc.spin(0.2)
        assert direct_id
        # every engine, every namespace and the controller are still there
        assert rc.ids == [0, 1]
        assert rc[:].apply_sync(lambda: __import__("os").getpid()) == pids
        assert rc.load_balanced_view().map_sync(lambda x: x * 2, range(4)) == [0, 2, 4, 6]


def test_a_killed_controller_is_an_error_within_seconds():
    cluster = Cluster(n=2, profile="killed")     # (its stale files stay there)
    rc = cluster.start_and_connect_sync()
    pids = rc[:].apply_sync(lambda: __import__("os").getpid())
    try:
        lb = rc.load_balanced_view().apply_async(lambda: __import__("time").sleep(30))
        direct = rc[0].apply_async(lambda: __import__("time").sleep(30))
        time.sleep(0.3)
        os.kill(cluster.proc.pid, signal.SIGKILL)
        cluster.proc.wait()
        t0 = time.monotonic()
        with pytest.raises(EngineError, match="controller"):
            lb.get(timeout=30)
        with pytest.raises(EngineError, match="controller"):
            direct.get(timeout=30)
        assert time.monotonic() - t0 < 10
        with pytest.raises(EngineError, match="controller"):
            rc[1].apply_async(lambda: 1)
    finally:
        cluster.proc = None
        cluster.stop()
        _kill(pids)


def test_main_functions_do_not_resend_what_engines_hold(tmp_path):
    """A function from __main__ runs with the engine's names first, so a global the
    engine was given (pushed, or sent with an earlier function) is not sent again:
    ``lambda: a.shape`` after pushing a 128 MiB ``a`` sends a few hundred bytes."""
    import subprocess
    import sys
    import textwrap
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from ipylite import serialize
        from ipylite.parallel import Cluster

        PICKLED = [0]

        class Counted:
            def __reduce__(self):
                PICKLED[0] += 1
                return (Counted, ())

        a = np.ones(128 << 20, np.uint8)
        c = Counted()
        helper_calls = []

        with Cluster(n=2) as rc:
            dv = rc[:]
            dv.push({"a": a, "c": c}, block=True)
            print(PICKLED[0])                                   # 1: the push
            print(dv.apply_sync(lambda: (a.shape[0], type(c).__name__)))
            print(PICKLED[0])                                   # still 1
            f = lambda: len(a) + (c is not None)                # noqa: E731
            payload, bufs = serialize.dumps(f, rc._knows(rc.ids))
            print(len(payload) < 4096 and not bufs)
            payload, bufs = serialize.dumps(f)          # no knowledge: a and c go
            print(sum(b.nbytes for b in bufs) >= 128 << 20, PICKLED[0])        # 2
            lb = rc.load_balanced_view()
            print(lb.apply_sync(lambda: a.nbytes + (c is None)),
                  lb.map_sync(lambda i: int(a[i]) + (c is None), [0, 1]))
            print(PICKLED[0])                                   # still 2
            fresh = Counted()
            print(rc[0].apply_sync(lambda: type(fresh).__name__), PICKLED[0])  # sent: 3
            print(rc[0].apply_sync(lambda: type(fresh).__name__), PICKLED[0])  # held: 3
            dv.execute("del c", block=True)                     # the engine may rebind
            print(dv.apply_sync(lambda: type(c).__name__), PICKLED[0])         # 4
    """))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split("\n")[:10] == [
        "1", "[(134217728, 'Counted'), (134217728, 'Counted')]", "1", "True", "True 2",
        "134217728 [1, 1]", "2", "Counted 3", "Counted 3",
        "['Counted', 'Counted'] 4"], r.stdout
