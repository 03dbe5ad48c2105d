"""Engines on the client's own host are reached through a Unix socket (private to the
user), which moves big arrays faster than loopback TCP; elsewhere, TCP as before."""

import os
import stat
import time

import numpy as np
import pytest

from ipylite.parallel import Client, Cluster


@pytest.mark.timeout(90)
def test_same_host_engines_use_a_private_unix_socket():
    with Cluster(n=1, profile="localsock") as rc:
        assert rc[0].apply_sync(lambda: 1) == 1
        endpoint = rc._socks[0].LAST_ENDPOINT.decode()
        assert endpoint.startswith("ipc://"), endpoint
        path = endpoint[len("ipc://"):]
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
        big = np.random.rand(2 ** 21)
        rc[0].push({"b": big}, block=True)
        assert (rc[0].pull("b", block=True) == big).all()
        # a client that cannot see the socket file (another host) uses TCP
        other = Client(url_file=rc.url_file)
        try:
            other._local_urls[0] = ["another-host", endpoint]
            assert other[0].apply_sync(lambda: 2) == 2
            assert other._socks[0].LAST_ENDPOINT.decode().startswith("tcp://")
        finally:
            other.close()
    assert not os.path.exists(path)



@pytest.mark.timeout(90)
def test_tiny_results_are_not_held_behind_a_long_task():
    """Engines send the results of tiny tasks together while more tasks wait; a long
    task queued behind them must not hold them back (nor its own output)."""
    with Cluster(n=1, profile="holdback") as rc:
        lb = rc.load_balanced_view()
        lb.map_sync(lambda x: x, range(200))        # tasks count as short now
        t0 = time.monotonic()
        tiny = lb.map_async(lambda x: x + 1, range(50))
        long = lb.apply_async(lambda: (__import__("time").sleep(4), "long")[1])
        assert tiny.get(3) == list(range(1, 51))
        assert time.monotonic() - t0 < 2.5
        assert not long.ready()
        assert long.get(10) == "long"
        # and many tiny tasks, direct and load-balanced, all come back
        assert rc[0].map_sync(lambda x: -x, range(3000)) == [-x for x in range(3000)]
        assert lb.map_sync(lambda x: 2 * x, range(3000)) == [2 * x for x in range(3000)]
        ars = [rc[0].apply_async(lambda i=i: i) for i in range(300)]
        assert [a.get(10) for a in ars] == list(range(300))


@pytest.mark.timeout(90)
def test_a_killed_engines_socket_is_removed_by_the_next_engine():
    import signal
    cluster = Cluster(n=1, profile="stalesock")
    with cluster as rc:
        assert rc[0].apply_sync(lambda: 1) == 1
        path = rc._socks[0].LAST_ENDPOINT.decode()[len("ipc://"):]
        pid = rc[0].apply_sync(os.getpid)
        assert str(pid) in os.path.basename(path)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.exists(path)             # nobody removed it yet
        cluster.start_engines_sync(1)
        deadline = time.monotonic() + 30
        while os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(path)
