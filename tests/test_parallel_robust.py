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
