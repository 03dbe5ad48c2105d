"""AsyncResults as concurrent.futures sees them (wait, as_completed), the client's spin
thread, and resubmit, on a real cluster."""

import concurrent.futures
import os
import threading
import time

import pytest

import ipylite.parallel as ipp
from ipylite.parallel import Cluster


@pytest.fixture(scope="module")
def rc():
    with Cluster(n=2, profile="futures") as rc:
        yield rc


# (a lambda travels by value; a test module's function would be imported by name)
_sleep_then = lambda t, x: (__import__("time").sleep(t), x)[1]    # noqa: E731


@pytest.mark.timeout(60)
def test_as_completed_and_wait(rc):
    lb = rc.load_balanced_view()
    ars = [rc[0].apply_async(_sleep_then, 0.8, 0), rc[1].apply_async(_sleep_then, 0.05, 1)]
    ars.append(rc.load_balanced_view(1).apply_async(_sleep_then, 0, 2))
    ars[-1].get(10)                     # already done
    order = [ars.index(f) for f in concurrent.futures.as_completed(ars, timeout=20)]
    assert sorted(order) == [0, 1, 2] and order[-1] == 0
    assert [f.result() for f in ars] == [0, 1, 2]

    ars = [lb.apply_async(_sleep_then, 0.05, 1), lb.apply_async(_sleep_then, 5, 2)]
    done, not_done = concurrent.futures.wait(ars, timeout=20,
                                             return_when=concurrent.futures.FIRST_COMPLETED)
    assert done == {ars[0]} and not_done == {ars[1]}
    done, not_done = concurrent.futures.wait(ars, timeout=0.2)
    assert done == {ars[0]} and not_done == {ars[1]}
    rc.abort(ars[1])
    ars[1].wait(10)

    # a failure is an exception to FIRST_EXCEPTION; a finished result is done at once
    bad = lb.apply_async(lambda: 1 / 0)
    slow = lb.apply_async(_sleep_then, 2, 0)
    done, _ = concurrent.futures.wait([bad, slow], timeout=20,
                                      return_when=concurrent.futures.FIRST_EXCEPTION)
    assert done == {bad} and isinstance(bad.exception(), ipp.RemoteError)
    slow.get(10)
    done, not_done = concurrent.futures.wait([slow, bad], timeout=5)
    assert done == {slow, bad} and not not_done

    # a map over several engines is one future
    amr = rc[:].map_async(_sleep_then, [0.1, 0.2, 0.1, 0.2], range(4))
    done, _ = concurrent.futures.wait([amr], timeout=20)
    assert done == {amr} and amr.get() == [0, 1, 2, 3]


@pytest.mark.timeout(60)
def test_waiting_on_futures_never_needs_the_client_lock(rc):
    """The receiving thread finishes a future holding the client's lock (client lock,
    then the future's condition); concurrent.futures.wait() installs its waiter holding
    the futures' conditions. Installing it must not take the client's lock, or the two
    deadlock (seen once in a whole-suite run under load: wait() hung for good)."""
    ar = rc.load_balanced_view().apply_async(_sleep_then, 1, 0)
    holding, took = threading.Event(), []

    def receiver_finishing_ar():        # the receiving thread's order of locks
        with rc._lock:
            holding.set()
            time.sleep(0.3)             # (wait() below is installing its waiter now)
            took.append(ar._condition.acquire(timeout=10))
            if took[-1]:
                ar._condition.release()

    t = threading.Thread(target=receiver_finishing_ar)
    t.start()
    assert holding.wait(10)
    concurrent.futures.wait([ar], timeout=0.5)
    t.join(20)
    assert took == [True]
    assert ar.get(10) == 0


@pytest.mark.timeout(60)
def test_spin_thread_delivers_results_and_callbacks(rc):
    lb = rc.load_balanced_view()
    rc.spin_thread(interval=0.01)
    try:
        called = threading.Event()
        ar = lb.apply_async(_sleep_then, 0.2, 7)
        ar.add_done_callback(lambda f: called.set())
        # nothing of ours waits or spins: the thread receives the result
        assert called.wait(10)
        assert ar._raw and ar.get(0) == 7
        # and the main thread can keep submitting and waiting while it runs
        results = [lb.apply_async(pow, i, 2) for i in range(200)]
        assert [r.get(10) for r in results] == [i * i for i in range(200)]
        assert rc[:].apply_sync(os.getpid) != []
    finally:
        rc.stop_spin_thread()
    assert rc._spinner is None or not rc._spinner.is_alive()
    # stopped: results wait for a call that receives
    ar = lb.apply_async(_sleep_then, 0.05, 1)
    time.sleep(0.5)
    assert not ar._raw
    assert ar.get(10) == 1


@pytest.mark.timeout(60)
def test_resubmit(rc):
    lb = rc.load_balanced_view()
    ar = lb.apply_async(lambda: __import__("random").random())
    r1 = ar.get(10)
    ahr = rc.resubmit(ar.msg_ids)
    r2 = ahr.get(10)
    assert isinstance(r2, list) and len(r2) == 1 and r2[0] != r1
    assert set(ahr.msg_ids).isdisjoint(ar.msg_ids)
    # resubmitted tasks can be resubmitted again; the default is the last task
    again = rc.resubmit(ahr)
    assert len(again.get(10)) == 1
    last = rc.resubmit()
    assert last.get(10)[0] != again.get()[0]

    # a direct task goes to the same engine; a map's tasks each to theirs
    dv = rc[1]
    ar = dv.apply_async(os.getpid)
    pid1 = ar.get(10)
    assert rc.resubmit(ar.msg_ids).get(10) == [pid1]
    amr = rc[:].map_async(lambda x: (x, os.getpid()), [1, 2])
    first = amr.get(10)
    assert rc.resubmit(amr.msg_ids, block=True).get() == [[first[0]], [first[1]]]

    # flags travel too: the targets, and the timeout (counted from the resubmission)
    view = rc.load_balanced_view(0)
    blocker = view.apply_async(_sleep_then, 1, 0)
    with view.temp_flags(timeout=0.3):
        late = view.apply_async(lambda: 1)
    with pytest.raises(ipp.TaskTimeout):
        late.get(10)
    blocker = view.apply_async(_sleep_then, 1, 0)
    with pytest.raises(ipp.TaskTimeout):
        rc.resubmit(late).get(10)
    blocker.get(10)
    assert rc.resubmit(late).get(10) == [1]
    # a running task may be resubmitted
    running = lb.apply_async(_sleep_then, 0.3, "x")
    twice = rc.resubmit(running)
    assert running.get(10) == "x" and twice.get(10) == ["x"]

    with pytest.raises(KeyError, match="no task 'nope' to resubmit"):
        rc.resubmit(["nope"])


@pytest.mark.timeout(120)
def test_become_dask(rc):
    import distributed
    dc = rc.become_dask()
    try:
        assert isinstance(dc, distributed.Client)
        dc.wait_for_workers(2, timeout=30)
        # the workers are the engines: same processes, one per engine
        pids = set(rc[:].apply_sync(os.getpid))
        assert set(dc.run(os.getpid).values()) == pids
        assert len(dc.scheduler_info()["workers"]) == 2
        futures = dc.map(lambda x: (x * x, __import__("os").getpid()), range(20))
        out = dc.gather(futures)
        assert [v for v, _ in out] == [x * x for x in range(20)]
        assert {p for _, p in out} <= pids
        assert dc.submit(sum, [1, 2, 3]).result(timeout=30) == 6
        # become_dask again reuses the scheduler
        dc2 = rc.become_dask()
        assert dc2.scheduler.address == dc.scheduler.address
        dc2.close()
    finally:
        dc.close()
        rc.stop_dask()
    # stopped: the engines have no worker left and work as before
    from ipylite.daskbridge import stop_dask_worker
    assert rc[:].apply_sync(stop_dask_worker) == [False, False]
    assert rc[:].apply_sync(lambda: 5) == [5, 5]
