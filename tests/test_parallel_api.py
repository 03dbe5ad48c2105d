"""ipyparallel's API as its documented examples use it (dependencies, references, task
records, data publication, futures and asyncio, serializers, executors, the async
Cluster API), exercised on a real cluster with our own code."""

import asyncio
import datetime
import os
import signal
import time

import pytest

import ipylite.parallel as ipp
from ipylite.parallel import Client, Cluster


@pytest.fixture(scope="module")
def rc():
    with Cluster(n=2, profile="api") as rc:
        yield rc


def test_error_module_as_ipyparallel_spells_it():
    from ipylite.parallel.error import CompositeError, KernelError, RemoteError
    from ipylite.parallel import error
    assert issubclass(RemoteError, KernelError) and issubclass(CompositeError, RemoteError)
    assert ipp.error.ImpossibleDependency.__mro__[1] is error.UnmetDependency
    assert issubclass(error.UnmetDependency, KernelError)


def test_reference_require_depend(rc):
    dv = rc[:]
    dv["a"] = 21
    assert dv.apply_sync(lambda x: x * 2, ipp.Reference("a")) == [42, 42]
    with pytest.raises(ipp.CompositeError, match="name 'nope' is not defined"):
        dv.apply_sync(lambda x: x, ipp.Reference("nope"))
    lb = rc.load_balanced_view()

    @ipp.require("json", "os.path")
    def dumps(x):
        return json.dumps(x) + os.path.sep      # noqa: F821 (imported by require)
    assert lb.apply_sync(dumps, [1]) == "[1]/"

    @ipp.require("no_such_module_here")
    def never():
        return 1
    with pytest.raises(ipp.ImpossibleDependency, match="no_such_module_here"):
        lb.apply_sync(never)

    pid0 = rc[0].apply_sync(os.getpid)

    def on_pid(pid):
        import os
        return os.getpid() == pid

    @ipp.depend(on_pid, pid0)
    def where():
        import os
        return os.getpid()
    assert [lb.apply_sync(where) for _ in range(4)] == [pid0] * 4
    assert rc[0].apply_sync(where) == pid0
    with pytest.raises(ipp.RemoteError, match="UnmetDependency"):
        rc[1].apply_sync(where)                 # a direct task is not moved


def test_dependency_all_any_success_failure(rc):
    lb = rc.load_balanced_view()
    ok = lb.apply_async(lambda: "ok")
    bad = lb.apply_async(lambda: 1 / 0)
    ok.wait(10), bad.wait(10)
    mixed = [bad, ok]
    expect = [  # (dependency, runs with after=)
        (ipp.Dependency(mixed, all=False), True),
        (ipp.Dependency(mixed, all=False, failure=True), True),
        (ipp.Dependency(mixed, all=True), False),
        (ipp.Dependency(mixed, all=True, failure=True), True),
        (ipp.Dependency([bad], all=False), False),
        (ipp.Dependency([bad], all=True, success=False, failure=True), True),
    ]
    ars = []
    for dep, _ in expect:
        with lb.temp_flags(after=dep):
            ars.append(lb.apply_async(lambda: "ran"))
    for ar, (dep, runs) in zip(ars, expect):
        if runs:
            assert ar.get(10) == "ran", dep
        else:
            with pytest.raises(ipp.error.KernelError):
                ar.get(10)
    # follow: on the engine the dependency ran on
    with lb.temp_flags(follow=ok):
        assert lb.apply_sync(lambda: engine_id) == ok.engine_id    # noqa: F821
    # a pending dependency is waited for
    slow = lb.apply_async(lambda: __import__("time").sleep(0.5) or 5)
    with lb.temp_flags(after=ipp.Dependency([slow])):
        later = lb.apply_async(lambda: "after")
    assert later.get(10) == "after"
    assert later.metadata.started >= slow.metadata.completed - datetime.timedelta(
        seconds=0.05)


def test_interactive_function_sees_engine_names(rc, tmp_path, monkeypatch):
    mod = tmp_path / "mymod_interactive.py"
    mod.write_text("import ipylite.parallel as ipp\n\n@ipp.interactive\n"
                   "def times_b(a):\n    return a * b\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import mymod_interactive
    rc[:]["b"] = 10
    assert rc[:].apply_sync(mymod_interactive.times_b, 5) == [50, 50]


def test_task_records_labels_and_db_query(rc):
    lb = rc.load_balanced_view()
    ars = [lb.set_flags(label=f"lb_{i}").apply_async(time.sleep, 0.05) for i in range(3)]
    dv = rc[:]
    ars.append(dv.set_flags(label="dv_0").apply_async(time.sleep, 0.05))
    lb.label = dv.label = None
    unlabelled = lb.apply_async(lambda: 1)
    for ar in ars + [unlabelled]:
        ar.get(10)
    got = rc.db_query({"label": {"$glob": "lb_*"}}, keys=["label", "engine_id", "started"])
    assert sorted(r["label"] for r in got) == ["lb_0", "lb_1", "lb_2"]
    assert all(isinstance(r["started"], datetime.datetime) for r in got)
    assert len(rc.db_query({"label": "dv_0"})) == 2                # one per engine
    assert unlabelled.msg_ids[0] not in [r["msg_id"] for r in rc.db_query(
        {"label": {"$nin": [None]}})]
    with pytest.raises(ValueError, match="unknown operator"):
        rc.db_query({"label": {"$regex": "x"}})
    md = rc.metadata[unlabelled.msg_ids[0]]
    assert md.submitted <= md.received and md.status == "ok"
    assert unlabelled.msg_ids[0] in rc.hub_history()
    # a map's chunk, found again by its msg id, as customresults.py does
    amr = lb.map_async(lambda x: (x, engine_id), range(6), chunksize=2)  # noqa: F821
    amr.get(10)
    chunk = rc.get_result(amr.msg_ids[1])
    assert [x for x, _ in chunk.get()] == [2, 3] and chunk.engine_id in rc.ids
    assert rc.results[amr.msg_ids[1]] == [(2, chunk.engine_id), (3, chunk.engine_id)]
    status = rc.result_status(amr.msg_ids)
    assert status["completed"] == amr.msg_ids and status["pending"] == []
    rc.purge_results(amr)
    assert amr.msg_ids[0] not in rc._records
    assert amr["engine_id"] == amr.engine_id     # metadata by key, as ar["started"]


def test_data_publication_while_running(rc):
    def simulate():
        from ipylite.parallel.datapub import publish_data
        import time
        for i in range(6):
            publish_data({"i": i, "eid": engine_id})    # noqa: F821
            time.sleep(0.2)
        return "done"
    ar = rc[:].apply_async(simulate)
    deadline = time.monotonic() + 10
    while not all(d.get("i", -1) >= 1 for d in ar.data):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not ar.ready()                           # seen while the tasks still run
    assert ar.get(10) == ["done", "done"]
    assert ar.data == [{"i": 5, "eid": 0}, {"i": 5, "eid": 1}]
    with pytest.raises(RuntimeError, match="only in a task"):
        from ipylite.parallel.datapub import publish_data
        publish_data({"x": 1})


def test_asyncio_and_futures(rc):
    lb = rc.load_balanced_view()

    async def main():
        seen = []
        a = lb.apply_async(lambda: __import__("time").sleep(0.2) or 1)
        a.add_done_callback(lambda f: seen.append(f.result()))
        b = await lb.apply_async(lambda: 2)
        c = await asyncio.wrap_future(lb.apply_async(lambda: 3))
        d = await asyncio.gather(*[asyncio.wrap_future(lb.apply_async(pow, 2, i))
                                   for i in range(4)])
        await asyncio.sleep(0.5)            # the callback runs without a blocking call
        return b, c, d, seen
    assert asyncio.run(main()) == (2, 3, [1, 2, 4, 8], [1])
    ex = rc.executor()
    futures = [ex.submit(pow, 3, i) for i in range(3)]
    assert [f.result(10) for f in futures] == [1, 3, 9]
    assert list(rc[:].executor.map(abs, [-1, -2, -3])) == [1, 2, 3]
    ex.shutdown()


def test_use_dill_and_cloudpickle_really_switch(rc, tmp_path):
    path = str(tmp_path / "closed.txt")

    @ipp.interactive                    # as if typed at the prompt (dill: globals by name)
    def make_closure(a):
        f = open(path, "a")

        def has_closure(b):
            f.write(f"{a * b}\n")
            f.flush()
            return a * b
        return has_closure
    lb = rc.load_balanced_view()
    with pytest.raises(TypeError, match="TextIOWrapper"):
        lb.apply_sync(make_closure(5), 3)
    try:
        rc[:].use_dill()
        assert lb.apply_sync(make_closure(5), 3) == 15
        remote = lb.apply_sync(make_closure, 4)     # a closure made on an engine
        assert remote(5) == 20
        rc[:]["foo"] = 5
        rc[:]["bar"] = ipp.interactive(lambda: 2 * foo)     # noqa: F821 (engine's foo)
        assert rc[:].apply_sync(ipp.Reference("bar")) == [10, 10]
        rc[:].use_cloudpickle()
        assert lb.apply_sync(lambda x: x + 1, 1) == 2
    finally:
        rc[:].use_pickle()
    assert open(path).read().split() == ["15", "20"]
    from ipylite.serialize import serializer
    assert serializer() == "pickle"
    assert rc[0].apply_sync(serializer) == "pickle"


def test_direct_view_dict_api_and_remote_block(rc):
    dv = rc[:]
    dv.block = True
    dv.update({"u": 1, "v": 2})
    assert dv.get("u") == [1, 1] and dv.get(["u", "v"]) == [[1, 2], [1, 2]]
    dv.clear()
    assert dv.apply_sync(lambda: "u" in globals()) == [False, False]
    assert dv.apply_sync(lambda: engine_id) == [0, 1]      # noqa: F821
    st = dv.queue_status()
    assert set(st) == {0, 1, "unassigned"}

    @dv.remote(block=True)
    def eid():
        return engine_id                                    # noqa: F821
    assert eid() == [0, 1]
    eid.block = False
    ar = eid()
    assert ar.get_dict() == {0: 0, 1: 1}
    rc.block = True
    try:
        assert rc[:].block and rc[:].apply(lambda: 7) == [7, 7]
    finally:
        rc.block = False
    assert rc.load_balanced_view().set_flags(label="x") is not None


def test_cluster_async_api(tmp_path):
    async def main():
        cluster = Cluster(n=1, profile="asyncapi")
        await cluster.start_controller()
        set1 = await cluster.start_engines(n=2)
        rc = await cluster.connect_client()
        rc.wait_for_engines(2, timeout=30)
        pids = rc[:].apply_sync(os.getpid)
        ar = rc[:].apply_async(time.sleep, 30)
        await asyncio.sleep(0.3)
        await cluster.signal_engines(signal.SIGINT)
        with pytest.raises(ipp.CompositeError, match="KeyboardInterrupt"):
            ar.get(10)
        await cluster.stop_engines(set1)
        deadline = time.monotonic() + 20
        while rc.ids:
            assert time.monotonic() < deadline, rc.ids
            rc.spin(0.1)
        assert not any(os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read()
                       .rsplit(")", 1)[1].split()[0] not in "ZX" for p in pids)
        await cluster.start_engines(n=1)
        rc.wait_for_engines(1, timeout=30)
        old = rc.ids
        await cluster.restart_engines()             # every engine, then n=1 afresh
        deadline = time.monotonic() + 30
        while len(rc.ids) != 1 or set(rc.ids) & set(old):
            assert time.monotonic() < deadline, rc.ids
            rc.spin(0.2)
        assert rc[:].apply_sync(lambda: 1) == [1]
        await cluster.stop_cluster()
        async with Cluster(n=2, profile="asyncapi2") as rc2:
            assert rc2[:].apply_sync(lambda: 1) == [1, 1]
        c3 = Cluster(profile="asyncapi3")
        rc3 = await c3.start_and_connect(n=1)
        try:
            assert rc3.ids == [0]
        finally:
            await c3.stop_cluster()
    asyncio.run(main())


def test_cluster_from_file_stops_a_daemonized_cluster():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "ipylite.parallel", "start", "-n", "1",
                        "--daemonize", "--profile", "fromfile", "--cluster-id", "ff"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    cluster = Cluster.from_file(profile="fromfile", cluster_id="ff")
    assert "ff" in repr(cluster)
    assert list(ipp.ClusterManager().load_clusters("fromfile")) == ["fromfile:ff"]
    with Client(profile="fromfile", cluster_id="ff") as rc:
        assert rc.ids == [0]
    asyncio.run(cluster.stop_cluster())
    with pytest.raises(FileNotFoundError):
        Client(profile="fromfile", cluster_id="ff")
    with pytest.raises(FileNotFoundError, match="no cluster ff"):
        Cluster.from_file(profile="fromfile", cluster_id="ff")


def test_joblib_backend_and_broadcast_view(rc):
    import joblib
    rc.register_joblib_backend("ipylite-test")
    with joblib.parallel_backend("ipylite-test"):
        out = joblib.Parallel(n_jobs=-1)(joblib.delayed(pow)(2, i) for i in range(20))
        engines = joblib.Parallel(n_jobs=-1)(joblib.delayed(os.getpid)() for _ in range(8))
    assert out == [2 ** i for i in range(20)]
    assert os.getpid() not in engines
    bv = rc.broadcast_view()
    assert bv.apply_sync(lambda: engine_id) == [0, 1]                   # noqa: F821
    bv["k"] = 3
    assert bv.pull("k", block=True) == [3, 3]
