"""ipylite.parallel under MPI (mpi4py + mpich from PyPI) and a 16-engine local cluster."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from ipylite.launchers import find_mpiexec
from ipylite.parallel import Cluster

PY = sys.executable


def _ids_and_ranks(rc):
    return rc[:].apply_sync(lambda: (engine_id, mpi_rank, mpi_size))  # noqa: F821


def test_mpi_scatter_px_allreduce_gather():
    from ipylite.shell import Shell
    assert find_mpiexec(), "mpiexec missing: pip install mpi4py mpich"
    shell = Shell()
    with Cluster(n=4, engines="mpi", timeout=60) as rc:
        assert rc.ids == [0, 1, 2, 3]
        assert _ids_and_ranks(rc) == [(i, i, 4) for i in range(4)]
        view = rc[:]
        view.block = True
        view.activate()                         # %px on this shell (blocking: the view)
        view.scatter("a", np.arange(16.0))
        assert [len(x) for x in view["a"]] == [4, 4, 4, 4]
        r = shell.run_cell("%%px --block\n"
                           "def total(x):\n"
                           "    return comm.allreduce(float(x.sum()))\n"
                           "b = a * 0 + total(a)\n"
                           "rank_sum = comm.allreduce(mpi_rank)")
        assert r.success, r.error_in_exec
        assert list(view.gather("b", block=True)) == [120.0] * 16
        assert view["rank_sum"] == [6, 6, 6, 6]
        # a collective that one rank misses would hang: a rank-local error is reported
        r = shell.run_cell("%px --block x = 1 / (mpi_rank - 2)")   # (rc[:] itself does not block)
        assert not r.success


def test_mpi_16_engines_register_with_rank_ids():
    with Cluster(n=16, engines="mpi", timeout=90) as rc:
        assert rc.ids == list(range(16))
        assert _ids_and_ranks(rc) == [(i, i, 16) for i in range(16)]


def test_local_16_engines_register_with_every_id():
    with Cluster(n=16, timeout=90) as rc:
        assert rc.ids == list(range(16))
        got = rc[:].apply_sync(lambda: engine_id)  # noqa: F821
        assert got == list(range(16))
        pids = rc[:].apply_sync(__import__("os").getpid)
        assert len(set(pids)) == 16


def _start(*args):
    return subprocess.run([PY, "-m", "ipylite.parallel", "start", *args],
                          capture_output=True, text=True, timeout=60)


def test_bad_launcher_choices_give_one_line():
    r = _start("-n", "1", "--engines", "bogus", "--cluster-id", "bad1")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "ipylite.parallel: unknown engine launcher 'bogus' (choose from: local, ssh, mpi, "
        "slurm, pbs, sge, lsf)"]
    r = _start("-n", "1", "--engines", "mpi", "--mpiexec", "/nonexistent/mpiexec",
               "--cluster-id", "bad2")
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1
    assert "/nonexistent/mpiexec" in r.stderr
    r = _start("-n", "1", "--engines", "ssh", "--cluster-id", "bad3")
    assert r.returncode != 0
    assert r.stderr.strip() == ("ipylite.parallel: ssh launcher: no hosts given "
                                "(--hosts 'host1,user@host2:4')")
    r = _start("-n", "1", "--engines", "local", "--opt", "hosts=x", "--cluster-id", "bad4")
    assert r.returncode != 0
    assert "unknown option(s) hosts" in r.stderr
    r = _start("-n", "1", "--controller", "pbs", "--cluster-id", "bad5")
    assert r.returncode != 0 and "--controller pbs is not supported" in r.stderr
    with pytest.raises(ValueError):
        Cluster(n=1, engines="nope").start()


# ------------------------------------------------------------------- batch use

def test_mpi_program_exposes_its_ranks_then_carries_on(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import sys\n"
        "from mpi4py import MPI\n"
        "from ipylite.engine import serve\n"
        "rank = MPI.COMM_WORLD.Get_rank()\n"
        "partial = [rank * 10 + i for i in range(3)]\n"
        "ns = serve(sys.argv[1], namespace={'partial': partial}, mpi=True)\n"
        "partial = ns['partial']                  # as the clients left it\n"
        "total = MPI.COMM_WORLD.allreduce(sum(partial))\n"
        "print(f'rank {rank} done, total {total}', flush=True)\n")
    with Cluster(n=0, timeout=60) as rc:
        ef = rc.url_file.replace("-client", "-engine")
        job = subprocess.Popen([find_mpiexec(), "-n", "3", PY, str(prog), ef],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
        try:
            rc.wait_for_engines(3, timeout=60)
            assert rc.ids == [0, 1, 2]
            assert rc[:]["partial"] == [[0, 1, 2], [10, 11, 12], [20, 21, 22]]
            rc[1]["partial"] = [100]            # inspect and change a rank's state
            rc.shutdown(block=True)             # the engines only: the program goes on
            out, err = job.communicate(timeout=60)
        finally:
            if job.poll() is None:
                os.killpg(job.pid, signal.SIGKILL)
                job.wait()
        assert job.returncode == 0, err
        for r in range(3):                     # (mpiexec may interleave the ranks' lines)
            assert out.count(f"rank {r} done, total {3 + 100 + 63}") == 1


def test_daemonized_cluster_used_by_a_later_script(tmp_path):
    env = dict(os.environ, IPYLITE_DIR=str(tmp_path))
    start = subprocess.run([PY, "-m", "ipylite.parallel", "start", "-n", "2", "--engines",
                            "mpi", "--daemonize", "--cluster-id", "job1"],
                           capture_output=True, text=True, timeout=90, env=env)
    try:
        assert start.returncode == 0, start.stderr
        assert "running in the background" in start.stdout
        script = tmp_path / "step2.py"
        script.write_text(
            "from ipylite.parallel import Client\n"
            "rc = Client(cluster_id='job1')\n"
            "print(rc.ids, rc[:].apply_sync(lambda: comm.allreduce(mpi_rank + 1)))\n"
            "rc.close()\n")
        step2 = subprocess.run([PY, str(script)], capture_output=True, text=True,
                               timeout=60, env=env)
        assert step2.returncode == 0, step2.stderr
        assert step2.stdout == "[0, 1] [3, 3]\n"
    finally:
        stop = subprocess.run([PY, "-m", "ipylite.parallel", "stop", "--cluster-id", "job1"],
                              capture_output=True, text=True, timeout=60, env=env)
    assert stop.returncode == 0, stop.stderr
    listing = subprocess.run([PY, "-m", "ipylite.parallel", "list"], capture_output=True,
                             text=True, timeout=60, env=env)
    assert "no clusters" in listing.stdout


def test_profile_config_file_chooses_the_launcher(tmp_path):
    env = dict(os.environ, IPYLITE_DIR=str(tmp_path))
    prof = tmp_path / "profile_mpi2"
    prof.mkdir()
    (prof / "ipylite_parallel.toml").write_text(
        '[cluster]\nengines = "mpi"\nn = 2\n\n[mpi]\nengine_args = ["--debug"]\n')
    start = subprocess.run([PY, "-m", "ipylite.parallel", "start", "--daemonize",
                            "--profile", "mpi2"], capture_output=True, text=True,
                           timeout=90, env=env)
    try:
        assert start.returncode == 0, start.stderr
        script = ("from ipylite.parallel import Client\n"
                  "rc = Client(profile='mpi2')\n"
                  "print(rc[:].apply_sync(lambda: (mpi_size, __import__('sys').argv[-1])))\n")
        r = subprocess.run([PY, "-c", script], capture_output=True, text=True, timeout=60,
                           env=env)
        assert r.stdout == "[(2, '--debug'), (2, '--debug')]\n", r.stderr
    finally:
        subprocess.run([PY, "-m", "ipylite.parallel", "stop", "--profile", "mpi2"],
                       capture_output=True, timeout=60, env=env)
    (prof / "ipylite_parallel.toml").write_text('[clutser]\nn = 2\n')
    r = subprocess.run([PY, "-m", "ipylite.parallel", "start", "--profile", "mpi2"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode != 0
    assert r.stderr.strip().endswith("unknown table(s) [clutser] (known: cluster, local, "
                                     "ssh, mpi, slurm, pbs, sge, lsf)")


def test_sigint_frees_mpi_engines_stuck_in_a_barrier():
    """The "Cluster API" example: rank 0 fails, the other ranks wait in a barrier for
    it; cluster.signal_engines(SIGINT) must end their tasks (KeyboardInterrupt) within
    seconds, though a barrier is C code that never returns to Python, and
    restart_engines() gives a working MPI engine set again."""
    import time
    from ipylite.parallel import CompositeError
    assert find_mpiexec(), "mpiexec missing: pip install mpi4py mpich"

    def uhoh():
        from mpi4py import MPI
        if MPI.COMM_WORLD.rank == 0:
            1 / 0
        MPI.COMM_WORLD.barrier()

    cluster = Cluster(n=2, engines="mpi", timeout=60)
    rc = cluster.start_and_connect_sync()
    try:
        rc.wait_for_engines(2, timeout=60)
        ar = rc[:].apply_async(uhoh)
        with pytest.raises(TimeoutError):
            ar.get(timeout=2)
        t0 = time.monotonic()
        cluster.signal_engines_sync(signal.SIGINT)
        with pytest.raises(CompositeError) as info:
            ar.get(timeout=15)
        assert time.monotonic() - t0 < 6
        assert sorted(e.ename for e in info.value.elist) == ["KeyboardInterrupt",
                                                             "ZeroDivisionError"]
        cluster.restart_engines_sync()
        rc.wait_for_engines(2, timeout=60)
        deadline = time.monotonic() + 30
        while sorted(rc.ids) != [0, 1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rc[:].apply_sync(lambda: mpi_rank) == [0, 1]  # noqa: F821
    finally:
        rc.close()
        cluster.stop()
