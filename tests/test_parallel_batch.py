"""Batch launchers: Slurm against a real single-node slurmctld + slurmd started here;
PBS, SGE and LSF job scripts generated from their templates and run by bash standing
in for the scheduler (submit, poll and cancel commands overridden)."""

import contextlib
import glob
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from ipylite.launchers import (LAUNCHERS, PBSEngineLauncher, SlurmEngineLauncher,
                               SGEEngineLauncher, LSFEngineLauncher)
from ipylite.parallel import Cluster

PY = sys.executable


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv, env=None):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)


# -------------------------------------------------------------------- real Slurm

@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    assert os.path.exists("/usr/sbin/slurmctld"), "apt-get install slurm-wlm"
    d = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool"):
        (d / sub).mkdir()
    conf = d / "slurm.conf"
    conf.write_text(f"""ClusterName=localcluster
SlurmctldHost=localhost
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
AuthType=auth/none
CredType=cred/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MailProg=/bin/true
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
    saved = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = str(conf)
    procs = []
    try:
        for argv in (["/usr/sbin/slurmctld", "-D", "-c"],
                     ["/usr/sbin/slurmd", "-D", "-N", "localhost"]):
            procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 30
        while _run(["sinfo", "-h", "-n", "localhost", "-o", "%T"]).stdout.strip() != "idle":
            assert all(p.poll() is None for p in procs), "a slurm daemon exited"
            assert time.monotonic() < deadline, "slurm did not become idle"
            time.sleep(0.2)
        yield d
    finally:
        with contextlib.suppress(Exception):
            _run(["scancel", "--user", "root"])
            deadline = time.monotonic() + 15    # let slurmd end the jobs' steps first
            while _run(["squeue", "-h"]).stdout.strip() and time.monotonic() < deadline:
                time.sleep(0.2)
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if saved is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = saved


def _gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _job_state(job):
    return _run(["squeue", "-h", "-j", job, "-o", "%T"]).stdout.strip()


def _wait_job_gone(job, timeout=30):
    deadline = time.monotonic() + timeout
    while _job_state(job) not in ("", "COMPLETED", "CANCELLED", "COMPLETING"):
        assert time.monotonic() < deadline, f"job {job} still {_job_state(job)}"
        time.sleep(0.2)


def test_slurm_engines_in_one_job(slurm):
    with Cluster(n=2, engines="slurm", profile="slurm1", timeout=60) as rc:
        assert rc.ids == [0, 1]
        envs = rc[:].apply_sync(lambda: (__import__("os").environ.get("SLURM_JOB_ID"),
                                         __import__("os").environ.get("SLURM_PROCID")))
        jobs = {j for j, _ in envs}
        assert len(jobs) == 1 and None not in jobs
        assert sorted(p for _, p in envs) == ["0", "1"]      # two srun tasks
        job = jobs.pop()
        assert _job_state(job) == "RUNNING"
        script = glob.glob(os.path.join(os.environ["IPYLITE_DIR"], "profile_slurm1", "log",
                                        "slurm-engines-*.sh"))
        assert len(script) == 1 and "#SBATCH --ntasks=2" in open(script[0]).read()
    _wait_job_gone(job)


def test_slurm_job_cancelled_on_stop_with_custom_template(slurm, tmp_path):
    tpl = tmp_path / "job.sh"
    tpl.write_text("#!/bin/bash\n#SBATCH --job-name=custom-{n}\n#SBATCH --ntasks={n}\n"
                   "#SBATCH --output={log_dir}/custom-%j.out\n"
                   "{launch} {engine_cmd}\nsleep 300\n")        # outlives its engines
    with Cluster(n=1, engines="slurm", profile="slurm2", template=str(tpl),
                 timeout=60) as rc:
        job = rc[0].apply_sync(lambda: __import__("os").environ["SLURM_JOB_ID"])
        name = _run(["squeue", "-h", "-j", job, "-o", "%j"]).stdout.strip()
        assert name == "custom-1"
    _wait_job_gone(job)                 # stop() cancelled the job left sleeping


def test_slurm_submit_errors_are_one_line(slurm):
    r = _run([PY, "-m", "ipylite.parallel", "start", "-n", "1", "--engines", "slurm",
              "--queue", "nosuchpartition", "--profile", "slurm3"])
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ipylite.parallel: slurm launcher: "
                                                   "submit failed: ")
    assert "partition" in lines[0]


# ---------------------------------------------- PBS, SGE, LSF with bash in place

FAKE = {  # submit prints what the scheduler would; status exits 1 once the job is gone
    "pbs": 'setsid bash "$0" >/dev/null 2>&1 & echo "$!.fakeserver"',
    "sge": 'setsid bash "$0" >/dev/null 2>&1 & echo "$!"',
    "lsf": 'setsid bash "$0" >/dev/null 2>&1 & echo "Job <$!> is submitted to queue <q>."',
}
HEADERS = {"pbs": ["#PBS -N ipylite-engines", "#PBS -l nodes=1:ppn=2", "#PBS -q short",
                   "#PBS -l walltime=00:10:00"],
           "sge": ["#$ -S /bin/sh", "#$ -N ipylite-engines", "#$ -pe smp 2", "#$ -q short",
                   "#$ -l h_rt=00:10:00"],
           "lsf": ["#BSUB -J ipylite-engines", "#BSUB -n 2", "#BSUB -q short",
                   "#BSUB -W 0:10", '#BSUB -R "span[hosts=1]"']}


@pytest.mark.parametrize("kind", ["pbs", "sge", "lsf"])
def test_batch_scripts_run_by_bash(kind):
    profile = f"batch-{kind}"
    opts = dict(queue="short", walltime="00:10:00", poll_every=0.2,
                submit_command=["sh", "-c", FAKE[kind]],
                status_command=["sh", "-c", 'ps -o stat= -p "${0%%.*}"', "{job_id}"],
                cancel_command=["bash", "-c", 'kill -TERM -- -"${0%%.*}"'])
    with Cluster(n=2, engines=kind, profile=profile, timeout=60, **opts) as rc:
        assert rc.ids == [0, 1]
        assert rc[:].apply_sync(lambda x: x * engine_id, 3) == [0, 3]  # noqa: F821
        ppids = rc[:].apply_sync(__import__("os").getppid)
        assert ppids[0] == ppids[1]                 # both children of the job script
        script = glob.glob(os.path.join(os.environ["IPYLITE_DIR"], f"profile_{profile}",
                                        "log", f"{kind}-engines-*.sh"))
        text = open(script[0]).read()
        for h in HEADERS[kind]:
            assert h in text.splitlines()
        job_shell = ppids[0]
    deadline = time.monotonic() + 20
    while not _gone(job_shell):                     # the job ended with its engines
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_batch_job_cancelled_when_it_outlives_its_engines(tmp_path):
    tpl = tmp_path / "pbs.sh"
    tpl.write_text("#!/bin/bash\n#PBS -N stubborn\n{launch} {engine_cmd}\nsleep 300\n")
    opts = dict(template=str(tpl), poll_every=0.2,
                submit_command=["sh", "-c", FAKE["pbs"]],
                status_command=["sh", "-c", 'ps -o stat= -p "${0%%.*}"', "{job_id}"],
                cancel_command=["bash", "-c", 'kill -TERM -- -"${0%%.*}"'])
    with Cluster(n=1, engines="pbs", profile="batch-cancel", timeout=60, **opts) as rc:
        job_shell = rc[0].apply_sync(__import__("os").getppid)
    deadline = time.monotonic() + 20
    try:
        while not _gone(job_shell):             # qdel (kill) ended the sleeping job
            assert time.monotonic() < deadline, "the job was not cancelled"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(job_shell, signal.SIGKILL)


def test_templates_render_and_reject_bad_placeholders(tmp_path):
    ef = str(tmp_path / "engine.json")
    for cls in (SlurmEngineLauncher, PBSEngineLauncher, SGEEngineLauncher, LSFEngineLauncher):
        text = cls(ef, str(tmp_path)).render(3)
        assert text.startswith("#!/bin/sh\n" if cls is SGEEngineLauncher else "#!/bin/bash\n")
        assert ef in text
        assert LAUNCHERS[cls.kind] is cls
    assert "srun " in SlurmEngineLauncher(ef, str(tmp_path)).render(3)
    assert "for i in $(seq 3); do" in PBSEngineLauncher(ef, str(tmp_path)).render(3)
    with pytest.raises(ValueError, match="bad placeholder 'nodes'"):
        PBSEngineLauncher(ef, str(tmp_path), template="#PBS {nodes}\n").render(2)
    with pytest.raises(ValueError, match="unknown option"):
        SlurmEngineLauncher(ef, str(tmp_path), partition="x")
    r = subprocess.run([PY, "-m", "ipylite.parallel", "start", "-n", "1", "--engines", "sge",
                        "--profile", "batch-missing", "--opt", "submit_command=qsub-nope"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert r.stderr.strip() == ("ipylite.parallel: sge launcher: 'qsub-nope' not found; is "
                                "the scheduler's command line installed?")


def test_controller_and_engines_as_slurm_jobs(slurm):
    r = _run([PY, "-m", "ipylite.parallel", "start", "--controller", "slurm", "--engines",
              "slurm", "-n", "1", "--profile", "slurm4", "--cluster-id", "sc"])
    try:
        assert r.returncode == 0, r.stderr
        assert "running in the background (Slurm job " in r.stdout
        names = _run(["squeue", "-h", "-o", "%j %T"]).stdout.split("\n")
        assert "ipylite-controller RUNNING" in names and "ipylite-engines RUNNING" in names
        script = ("from ipylite.parallel import Client\n"
                  "rc = Client(profile='slurm4', cluster_id='sc')\n"
                  "print(rc.ids, rc[0].apply_sync(lambda: __import__('os').environ["
                  "'SLURM_JOB_NAME']))\n")
        step = _run([PY, "-c", script])
        assert step.stdout == "[0] ipylite-engines\n", step.stderr
    finally:
        stop = _run([PY, "-m", "ipylite.parallel", "stop", "--profile", "slurm4",
                     "--cluster-id", "sc"])
    assert stop.returncode == 0, stop.stderr
    deadline = time.monotonic() + 30
    while _run(["squeue", "-h"]).stdout.strip():       # both jobs end
        assert time.monotonic() < deadline, _run(["squeue", "-h"]).stdout
        time.sleep(0.2)


def test_scheduler_dialects(tmp_path):
    ef = str(tmp_path / "engine.json")
    lsf = LSFEngineLauncher(ef, str(tmp_path))
    assert [lsf.walltime(w) for w in ("00:10:00", "1:30:30", "0:59:59", "90", "2:05")] == [
        "0:10", "1:31", "1:00", "90", "2:05"]
    with pytest.raises(ValueError, match="walltime 'an hour'"):
        lsf.walltime("an hour")
    # engines spread by the scheduler's own launcher need no single-host request
    spread = LSFEngineLauncher(ef, str(tmp_path), launch="blaunch").render(4)
    assert "span[hosts=1]" not in spread and "blaunch " in spread
    assert '#BSUB -R "span[hosts=1]"' in lsf.render(4).splitlines()
    pro = PBSEngineLauncher(ef, str(tmp_path), flavor="pro").render(4).splitlines()
    assert "#PBS -l select=1:ncpus=4:mpiprocs=4" in pro and "#PBS -l nodes=1:ppn=4" not in pro
    torque = PBSEngineLauncher(ef, str(tmp_path), flavor="torque").render(4).splitlines()
    assert "#PBS -l nodes=1:ppn=4" in torque
    with pytest.raises(ValueError, match="flavor must be"):
        PBSEngineLauncher(ef, str(tmp_path), flavor="lsf").render(2)
    sge = SGEEngineLauncher(ef, str(tmp_path)).render(2)
    assert sge.splitlines()[:2] == ["#!/bin/sh", "#$ -S /bin/sh"]
    r = subprocess.run(["sh", "-n"], input=sge, capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr           # POSIX sh, whatever the queue's shell


def test_slurm_start_that_gives_up_leaves_nothing_behind(slurm):
    cpus = str(os.cpu_count())
    hog = _run(["sbatch", "--parsable", f"--ntasks={cpus}", "--output=/dev/null",
                "--wrap", "sleep 120"])
    assert hog.returncode == 0, hog.stderr
    hog_id = hog.stdout.strip().split(";")[0]
    cid = f"giveup-{os.getpid()}"
    try:
        deadline = time.monotonic() + 30
        while _job_state(hog_id) != "RUNNING":
            assert time.monotonic() < deadline, _job_state(hog_id)
            time.sleep(0.2)
        r = _run([PY, "-m", "ipylite.parallel", "start", "-n", "1", "--engines", "slurm",
                  "--daemonize", "--timeout", "6", "--profile", "slurm5", "--cluster-id", cid])
        assert r.returncode == 1
        assert "gave up" in r.stderr, r.stderr
        deadline = time.monotonic() + 30
        while True:       # no engine job left pending, no controller left running
            jobs = _run(["squeue", "-h", "-o", "%i %j %T"]).stdout.split("\n")
            engine_jobs = [j for j in jobs if "ipylite-engines" in j and
                           not j.endswith(("COMPLETED", "CANCELLED", "COMPLETING"))]
            ctrl = subprocess.run(["pgrep", "-f", f"cluster-id {cid} "], capture_output=True)
            if not engine_jobs and ctrl.returncode == 1:
                break
            assert time.monotonic() < deadline, (engine_jobs, ctrl.stdout)
            time.sleep(0.2)
    finally:
        _run(["scancel", hog_id])
