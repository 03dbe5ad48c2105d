"""ipylite.parallel: dying engines and clients, the command line, scripts, magics and a
simulated cluster of 1,000 engines."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from ipylite.parallel import Client, Cluster, EngineError, RemoteError

PY = sys.executable


def _run(*args, timeout=60, **kw):
    return subprocess.run([PY, "-m", "ipylite.parallel", *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def _engine_pids(controller_pid):
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    stat = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if int(stat[1]) == controller_pid and b"ipylite.engine" in cmd:
                pids.append(int(p))
    return pids


def _engine_pid(rc, eid):
    return rc[eid].apply_sync(lambda: __import__("os").getpid())


# --------------------------------------------------------------------- faults

def test_sigkill_engine_mid_task():
    with Cluster(n=3) as rc:
        victim = _engine_pid(rc, 0)
        lbvictim = _engine_pid(rc, 1)
        direct = rc[0].apply_async(lambda: __import__("time").sleep(30))
        lb = rc.load_balanced_view(1)
        doomed = lb.apply_async(lambda: __import__("time").sleep(30))
        retried_view = rc.load_balanced_view([1, 2])
        with retried_view.temp_flags(retries=1):
            # both go to the least loaded engine of 1 and 2; kill 1, so whatever ran
            # there is retried on 2
            survivors = [retried_view.apply_async(
                lambda: __import__("time").sleep(0.5) or engine_id) for _ in range(2)]  # noqa
        time.sleep(0.3)
        t0 = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        os.kill(lbvictim, signal.SIGKILL)
        with pytest.raises(EngineError) as info:
            direct.get(timeout=10)
        assert info.value.engine_id == 0
        with pytest.raises(EngineError):
            doomed.get(timeout=10)
        elapsed = time.monotonic() - t0
        assert [s.get(timeout=10) for s in survivors] == [2, 2]
        assert rc.ids == [2]
        assert rc[2].apply_sync(lambda: "fine") == "fine"
        print(f"EngineError after {elapsed:.2f} s")


def test_client_that_disappears_costs_nothing(tmp_path):
    with Cluster(n=1) as rc:
        script = tmp_path / "client.py"
        script.write_text(textwrap.dedent(f"""
            from ipylite.parallel import Client
            rc = Client(url_file={rc.url_file!r})
            lb = rc.load_balanced_view()
            ars = [lb.apply_async(sum, range(100)) for _ in range(2000)]
            big = rc[0].apply_async(lambda: b"x" * 10_000_000)
            print("sent", flush=True)
            import time; time.sleep(60)
        """))
        p = subprocess.Popen([PY, str(script)], stdout=subprocess.PIPE, text=True)
        try:
            assert p.stdout.readline().strip() == "sent"
            p.kill()
            p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
        lb = rc.load_balanced_view()
        assert lb.map_sync(lambda x: x + 1, range(100)) == list(range(1, 101))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = rc.queue_status()
            if status["unassigned"] == 0 and sum(status["engines"].values()) == 0:
                break
            time.sleep(0.1)
        assert status["unassigned"] == 0 and sum(status["engines"].values()) == 0


# ---------------------------------------------------------------- command line

def test_cli_start_daemonize_list_engines_stop_clean():
    cid = "clitest"
    r = _run("start", "-n", "2", "--daemonize", "--cluster-id", cid)
    try:
        assert r.returncode == 0, r.stderr
        assert "running in the background" in r.stdout and "2 engines" in r.stdout
        r = _run("list")
        assert cid in r.stdout and "running" in r.stdout
        rc = Client(cluster_id=cid)
        try:
            rc.wait_for_engines(2, timeout=20)
            assert rc[:].apply_sync(lambda: 1) == [1, 1]
            r = _run("engines", "-n", "1", "--cluster-id", cid)
            assert r.returncode == 0, r.stderr
            assert "now has 3" in r.stdout
            rc.wait_for_engines(3, timeout=20)
            assert len(rc.ids) == 3
            sec = os.path.join(os.environ["IPYLITE_DIR"], "profile_default", "security")
            info = json.load(open(os.path.join(sec, f"ipcontroller-{cid}-client.json")))
            assert len(info["key"]) == 64
            assert oct(os.stat(os.path.join(sec, f"ipcontroller-{cid}-client.json")).st_mode
                       & 0o777) == "0o600"
        finally:
            rc.close()
        r = _run("stop", "--cluster-id", cid)
        assert r.returncode == 0 and "stopped" in r.stdout
        with pytest.raises(FileNotFoundError, match="start a cluster"):
            Client(cluster_id=cid)
    finally:
        _run("stop", "--cluster-id", cid)
    # a stale cluster file (its controller is long gone) is listed as stale and cleaned
    sec = os.path.join(os.environ["IPYLITE_DIR"], "profile_default", "security")
    with open(os.path.join(sec, "cluster-stale.json"), "w") as f:
        json.dump({"cluster_id": "stale", "pid": 999999999, "engines": 0}, f)
    assert "stale" in _run("list").stdout
    r = _run("clean")
    assert "removed 1" in r.stdout
    assert not os.path.exists(os.path.join(sec, "cluster-stale.json"))
    r = _run("stop", "--cluster-id", "nope")
    assert r.returncode == 1 and "no cluster nope" in r.stderr


def test_default_profile_discovery_and_bad_input(tmp_home):
    r = _run("start", "-n", "1", "--daemonize")
    try:
        assert r.returncode == 0, r.stderr
        rc = Client()           # the default profile's default cluster
        try:
            assert rc[0].apply_sync(lambda: 5) == 5
        finally:
            rc.close()
    finally:
        _run("stop")
    assert _run("start", "-n", "-1").returncode != 0
    r = _run("start", "-n", "1", "--engines", "carrier-pigeon")
    assert r.returncode != 0 and "unknown engine launcher" in r.stderr
    bad = tmp_home / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a cluster connection file"):
        Client(url_file=str(bad))


def test_main_script_functions_classes_closures(tmp_path):
    """Code defined in a script's __main__ travels by value."""
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from ipylite.parallel import Cluster

        SCALE = 3

        class Acc:
            def __init__(self):
                self.total = 0
            def add(self, x):
                self.total += x * SCALE
                return self

        def make_adder(n):
            def adder(x):
                return x + n
            return adder

        def work(x):
            return Acc().add(x).total

        with Cluster(n=2) as rc:
            lb = rc.load_balanced_view()
            print(lb.map_sync(work, range(5)))
            print(rc[:].map_sync(make_adder(10), [1, 2, 3]))
            print(rc[0].apply_sync(lambda a: type(a).__name__, Acc()))
            print(type(rc[0].apply_sync(lambda: Acc().add(1))).__name__)
            rc[:].push({"SCALE": 100}, block=True)
            print(rc[0].apply_sync(work, 1))
            print(rc[0].apply_sync(np.sum, np.arange(10)))
    """))
    r = subprocess.run([PY, str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:6] == ["[0, 3, 6, 9, 12]", "[11, 12, 13]", "Acc", "Acc",
                                        "100", "45"]


# --------------------------------------------------------------------- magics

def test_px_magics():
    from ipylite.shell import Shell
    shell = Shell()
    with Cluster(n=2) as rc:
        rc2 = Client(rc.url_file)           # made while the Shell is current: magics
        try:
            assert "px" in shell.magics["line"] and "px" in shell.magics["cell"]
            r = shell.run_cell("%px a = 6 * 7")
            assert r.success
            assert rc[:]["a"] == [42, 42]
            r = shell.run_cell("%%px --targets 1\nb = a + 1\nprint('on', engine_id)")
            assert r.success
            assert rc[1]["b"] == 43
            with pytest.raises(RemoteError):
                rc[0]["b"]
            r = shell.run_cell("%px --noblock c = 1")
            assert r.success
            r = shell.run_cell("%pxresult")
            assert r.success
            r = shell.run_cell("%px 1/0")
            assert not r.success
            shell.run_cell("%autopx")
            r = shell.run_cell("d = 'auto'")
            shell.run_cell("%autopx")
            assert rc[:]["d"] == ["auto", "auto"]
            assert "d" not in shell.user_ns
            r = shell.run_cell("%px")
            assert not r.success
        finally:
            rc2.close()


# -------------------------------------------------------- 1,000 simulated engines

def test_thousand_simulated_engines():
    import zmq
    from ipylite.protocol import Session
    from ipylite.serialize import Wire
    with Cluster(n=1) as rc:
        info = json.load(open(rc.url_file.replace("-client.json", "-engine.json")))
        wire = Wire(Session(key=info["key"].encode()))
        ctx = zmq.Context()
        ctx.set(zmq.MAX_SOCKETS, 8192)
        socks, hbs = [], []
        stop = threading.Event()
        try:
            for i in range(1000):
                s = ctx.socket(zmq.DEALER)
                s.linger = 0
                s.connect(info["engine_url"])
                hb = ctx.socket(zmq.DEALER)
                hb.linger = 0
                ident = f"sim{i:04d}"
                hb.setsockopt(zmq.IDENTITY, ident.encode())
                hb.connect(info["hb_url"])
                wire.send(s, {"t": "register", "uuid": ident, "pid": os.getpid(),
                              "host": "simulated", "url": "tcp://127.0.0.1:1", "hb": ident})
                socks.append(s)
                hbs.append(hb)

            def echo():
                poller = zmq.Poller()
                for h in hbs:
                    poller.register(h, zmq.POLLIN)
                while not stop.is_set():
                    for h, _ in poller.poll(100):
                        while h.get(zmq.EVENTS) & zmq.POLLIN:
                            h.send(h.recv())
            t = threading.Thread(target=echo, daemon=True)
            t.start()
            rc.wait_for_engines(1001, timeout=60)
            times = []
            for _ in range(200):
                t0 = time.perf_counter()
                assert rc[0].apply_sync(abs, -1) == 1
                times.append(time.perf_counter() - t0)
            time.sleep(2.5)          # several heartbeat periods: nobody is dropped
            assert len(rc.ids) == 1001
            times.sort()
            print(f"apply_sync with 1,000 simulated engines: median "
                  f"{times[100] * 1e3:.2f} ms")
            stop.set()
            t.join(5)
            for h in hbs:            # the simulated engines stop answering pings...
                h.close(0)
            hbs = []
            deadline = time.monotonic() + 20
            while len(rc.ids) > 1 and time.monotonic() < deadline:
                rc.spin(0.2)
            assert rc.ids == [0]     # ...and are dropped; the real engine stays
        finally:
            stop.set()
            for s in socks + hbs:
                s.close(0)
            ctx.term()


def test_shutdown_and_a_dead_controller_leave_no_orphans():
    c = Cluster(n=3)
    rc = c.__enter__()
    pids = []
    try:
        pids = _engine_pids(c.proc.pid)
        assert len(pids) == 3
        rc.shutdown(targets=[2])
        deadline = time.monotonic() + 10
        while len(rc.ids) > 2 and time.monotonic() < deadline:
            rc.spin(0.1)
        assert rc.ids == [0, 1]
        os.kill(c.proc.pid, signal.SIGKILL)       # the controller dies without a word
        c.proc.wait(10)
        deadline = time.monotonic() + 15
        while any(os.path.exists(f"/proc/{p}") and _alive(p) for p in pids) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)   # the engines noticed and left
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        c.__exit__(None, None, None)


def _alive(pid):
    from ipylite.engine import pid_alive
    return pid_alive(pid)


def test_bad_messages_are_logged_by_the_controller():
    import zmq
    cid = "logtest"
    r = _run("start", "-n", "0", "--daemonize", "--cluster-id", cid)
    try:
        assert r.returncode == 0, r.stderr
        info = json.load(open(os.path.join(os.environ["IPYLITE_DIR"], "profile_default",
                                           "security", f"ipcontroller-{cid}-client.json")))
        ctx = zmq.Context()
        s = ctx.socket(zmq.DEALER)
        s.connect(info["client_url"])
        s.send(b"\x00\x00\x00\x00\x00\x00garbage")
        s.close(linger=1000)
        ctx.term()
        rc = Client(cluster_id=cid)         # still answering
        rc.close()
    finally:
        _run("stop", "--cluster-id", cid)
    log_path = os.path.join(os.environ["IPYLITE_DIR"], "profile_default", "log",
                            f"controller-{cid}.log")
    text = open(log_path).read()
    assert "dropped a bad message from a client: Unsigned message" in text
