"""Engine launchers for ipylite.parallel: local processes, SSH, MPI and batch schedulers.

Every launcher has the same shape::

    L = LAUNCHERS[kind](engine_file, log_dir=None, **options)
    L.start(n)      start n engines (ssh: over the hosts; batch: submit one job)
    L.poll()        how many engines (or jobs) it still believes alive; cheap to call
    L.stop()        wait briefly for engines told to shut down, then kill / cancel

Options (from the command line, ``Cluster(engines=..., **options)`` or the profile's
``ipylite_parallel.toml``):

    all       engine_args (list of extra arguments to ``python -m ipylite.engine``)
    ssh       hosts ("host", "user@host:n", a list or comma-separated), ssh (command,
              default "ssh"), ssh_args (e.g. "-p 2222 -i KEY"), remote_python (default
              "python3"), remote_dir (where the connection file is copied, default
              ".ipylite/security" under the remote home), remote_env ({"K": "V"}), tunnel
    mpi       mpiexec (default: the one next to this Python, else on PATH), mpi_args
    batch     template (text or a file path), queue, walltime, job_name, python,
              submit_command / status_command / cancel_command (lists; override them for
              site wrappers), launch (how the job script starts its engines), poll_every
              (seconds between status checks, 5), stop_wait (seconds the job may take
              to end by itself at stop before it is cancelled, 2)
"""

import contextlib
import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from .protocol import PACKAGE, random_ports

log = logging.getLogger("ipylite.parallel.launchers")



def _engine_cmd(python, engine_file, extra=()):
    return [python, "-m", f"{PACKAGE}.engine", "-f", engine_file, *extra]


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def _wait_or_kill(procs, timeout):
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                if getattr(p, "_ipylite_group", False):
                    os.killpg(p.pid, signal.SIGKILL)
                else:
                    p.kill()
            p.wait()


class Launcher:
    kind = "?"
    options = ("engine_args",)

    def __init__(self, engine_file, log_dir=None, **options):
        unknown = set(options) - set(self.options) - {"engine_args"}
        if unknown:
            raise ValueError(f"{self.kind} launcher: unknown option(s) "
                             f"{', '.join(sorted(unknown))} (known: {', '.join(self.options)})")
        self.engine_file = engine_file
        self.log_dir = log_dir
        self.opts = options
        self.engine_args = _as_list(options.get("engine_args"))
        self.procs = []
        self.logs = []

    def _log(self, name):
        if not self.log_dir:
            return subprocess.DEVNULL
        path = os.path.join(self.log_dir, f"{name}-{os.getpid()}-{len(self.logs)}.log")
        self.logs.append(path)
        return open(path, "ab")

    def _popen(self, argv, name, **kw):
        out = self._log(name)
        try:
            p = subprocess.Popen(argv, stdout=out, stderr=out, **kw)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        self.procs.append(p)
        return p

    def poll(self):
        self.procs = [p for p in self.procs if p.poll() is None]
        return len(self.procs)

    def stop(self, timeout=2.0):
        _wait_or_kill(self.procs, timeout)
        self.procs = []
        for path in self.logs:          # keep only the logs that say something
            with contextlib.suppress(OSError):
                if os.path.getsize(path) == 0:
                    os.unlink(path)


# ----------------------------------------------------------------------- local

class LocalEngineLauncher(Launcher):
    """Engines as child processes on this machine."""
    kind = "local"

    def start(self, n):
        for _ in range(n):
            self._popen(_engine_cmd(sys.executable, self.engine_file, self.engine_args),
                        "engine", stdin=subprocess.DEVNULL)
        return self.procs[-n:] if n else []


# ------------------------------------------------------------------------- MPI

def find_mpiexec():
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.access(here, os.X_OK) else shutil.which("mpiexec")


class MPIEngineLauncher(Launcher):
    """``mpiexec -n N python -m ipylite.engine --mpi``: engine id = MPI rank, and each
    engine has ``comm`` (mpi4py's COMM_WORLD), ``mpi_rank`` and ``mpi_size``."""
    kind = "mpi"
    options = ("engine_args", "mpiexec", "mpi_args")

    def start(self, n):
        mpiexec = self.opts.get("mpiexec") or find_mpiexec()
        if not mpiexec:
            raise RuntimeError("mpi launcher: no mpiexec found (pip install mpich mpi4py, "
                               "or give --mpiexec PATH)")
        argv = [mpiexec, "-n", str(n), *_as_list(self.opts.get("mpi_args")),
                *_engine_cmd(sys.executable, self.engine_file, ["--mpi", *self.engine_args])]
        p = self._popen(argv, "mpiexec", stdin=subprocess.DEVNULL, start_new_session=True)
        p._ipylite_group = True
        return [p]

    def stop(self, timeout=5.0):
        for p in self.procs:            # engines were told to shut down: give them time
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        super().stop(2.0)


# ------------------------------------------------------------------------- SSH

def parse_hosts(hosts):
    """"a, user@b:3" or ["a", "user@b:3"] -> [("a", None), ("user@b", 3)]."""
    if isinstance(hosts, str):
        hosts = [h for h in re.split(r"[,\s]+", hosts) if h]
    out = []
    for h in hosts or ():
        h = str(h).strip()
        name, sep, count = h.rpartition(":")
        if sep and count.isdigit() and name and not name.endswith(":"):
            n = int(count)
            if n < 1:
                raise ValueError(f"ssh host {h!r}: the engine count must be 1 or more")
            out.append((name, n))
        elif sep and not count.isdigit() and "]" not in h:
            raise ValueError(f"ssh host {h!r}: expected host, user@host or user@host:N")
        else:
            out.append((h, None))
    if not out:
        raise ValueError("ssh launcher: no hosts given (--hosts 'host1,user@host2:4')")
    return out


def spread(hosts, n):
    """Engines per host: explicit counts as given, n - their sum spread over the rest."""
    fixed = sum(c for _, c in hosts if c)
    free = [i for i, (_, c) in enumerate(hosts) if not c]
    out = [c or 0 for _, c in hosts]
    for k in range(max(n - fixed, 0) if free else 0):
        out[free[k % len(free)]] += 1
    return [(h, c) for (h, _), c in zip(hosts, out) if c]


def planned(kind, n, options):
    """How many engines a launcher will really start for -n n (ssh: explicit host
    counts win; with -n unset (None), their sum)."""
    if kind == "ssh" and options.get("hosts"):
        hosts = parse_hosts(options["hosts"])
        if n is None:
            n = 0 if any(c is None for _, c in hosts) else sum(c for _, c in hosts)
            if n == 0:
                n = len(hosts)
        return sum(c for _, c in spread(hosts, n))
    return n


def _split_url(url):
    host, _, port = url.rpartition("//")[2].rpartition(":")
    return host, int(port)


class SSHEngineLauncher(Launcher):
    """Engines on other machines over ssh: one ssh connection per host copies the
    engine connection file (through stdin) and starts that host's engines with the
    remote Python. With ``tunnel``, engines reach the controller through ``ssh -R``
    forwards and clients go through the controller (``direct`` is off)."""
    kind = "ssh"
    options = ("engine_args", "hosts", "ssh", "ssh_args", "remote_python", "remote_dir",
               "remote_env", "tunnel")

    def __init__(self, engine_file, log_dir=None, **options):
        super().__init__(engine_file, log_dir, **options)
        self.hosts = parse_hosts(options.get("hosts"))
        self.tunnel = bool(options.get("tunnel"))

    def counts(self, n):
        return spread(self.hosts, n)

    def start(self, n):
        with open(self.engine_file) as f:
            info = json.load(f)
        ssh = _as_list(self.opts.get("ssh") or "ssh") + _as_list(self.opts.get("ssh_args"))
        python = self.opts.get("remote_python") or "python3"
        rdir = self.opts.get("remote_dir") or ".ipylite/security"
        env = self.opts.get("remote_env") or {}
        rfile = f"{rdir.rstrip('/')}/{os.path.basename(self.engine_file)}"
        started = []
        for host, count in self.counts(n):
            remote = dict(info)
            forwards = []
            if self.tunnel:
                for key in ("engine_url", "hb_url"):
                    chost, cport = _split_url(info[key])
                    rport = random_ports(1)[0]
                    forwards += ["-R", f"127.0.0.1:{rport}:{chost}:{cport}"]
                    remote[key] = f"tcp://127.0.0.1:{rport}"
                remote["location"] = "127.0.0.1"
                forwards += ["-o", "ExitOnForwardFailure=yes"]
            else:
                remote["engine_bind"] = "0.0.0.0"
                remote["engine_host"] = host.rpartition("@")[2]
            envs = [f"{k}={v}" for k, v in env.items()]
            cmd = _engine_cmd(python, rfile, self.engine_args)
            one = shlex.join(["env", *envs, *cmd]) if envs else shlex.join(cmd)
            script = (f"umask 077; mkdir -p {shlex.quote(rdir)} && cat > {shlex.quote(rfile)}"
                      f" && for i in $(seq {count}); do {one} </dev/null & done; wait")
            argv = [*ssh, *forwards, host, script]
            log.info("ssh: %s", shlex.join(argv))
            p = self._popen(argv, "ssh", stdin=subprocess.PIPE)
            try:
                p.stdin.write(json.dumps(remote).encode())
                p.stdin.close()
            except BrokenPipeError:
                pass
            started.append(p)
        return started

    def stop(self, timeout=5.0):
        super().stop(timeout)


# ----------------------------------------------------------------- batch systems

SLURM_TEMPLATE = """#!/bin/bash
#SBATCH --job-name={job_name}
#SBATCH --ntasks={n}
#SBATCH --output={log_dir}/{job_name}-%j.out
{queue_line}{walltime_line}
{launch} {engine_cmd}
"""

PBS_TEMPLATE = """#!/bin/bash
#PBS -N {job_name}
{nodes_line}
#PBS -j oe
#PBS -o {log_dir}/{job_name}.out
{queue_line}{walltime_line}
cd "${{PBS_O_WORKDIR:-.}}"
{launch} {engine_cmd}
"""

SGE_TEMPLATE = """#!/bin/sh
#$ -S /bin/sh
#$ -N {job_name}
#$ -pe smp {n}
#$ -cwd
#$ -j y
#$ -o {log_dir}/{job_name}.out
{queue_line}{walltime_line}
{launch} {engine_cmd}
"""

LSF_TEMPLATE = """#!/bin/bash
#BSUB -J {job_name}
#BSUB -n {n}
{span_line}
#BSUB -o {log_dir}/{job_name}-%J.out
{queue_line}{walltime_line}
{launch} {engine_cmd}
"""

# n copies of the engine, without MPI: a shell loop (one node) -- override `launch`
# with e.g. "mpiexec -n {n}", "pbsdsh" or "blaunch" for engines on several nodes.
# The loop runs on the job's first host, so with it the templates ask for one host
# (LSF: span[hosts=1]; PBS: one node; SGE: the smp parallel environment).
_LOOP = "for i in $(seq {n}); do"


class BatchLauncher(Launcher):
    """One batch job running n engines, from a job-script template the user can
    override; submitted at start, polled (every ``poll_every`` s), cancelled at stop."""
    options = ("engine_args", "template", "queue", "walltime", "job_name", "python",
               "submit_command", "status_command", "cancel_command", "launch",
               "poll_every", "stop_wait")
    template = ""
    submit = []
    status = []
    cancel = []
    launch = ""
    queue_fmt = walltime_fmt = ""
    job_id_re = r"(\d+)"

    def __init__(self, engine_file, log_dir=None, **options):
        super().__init__(engine_file, log_dir or os.path.dirname(engine_file), **options)
        self.job_id = None
        self.script = None
        self.alive = 0
        self.next_poll = 0.0

    def render(self, n):
        """The job script's text for n engines."""
        tpl = self.opts.get("template") or self.template
        if "\n" not in tpl and os.path.exists(os.path.expanduser(tpl)):
            with open(os.path.expanduser(tpl)) as f:
                tpl = f.read()
        q, w = self.opts.get("queue"), self.opts.get("walltime")
        cmd = shlex.join(_engine_cmd(self.opts.get("python") or sys.executable,
                                     self.engine_file, self.engine_args))
        launch = self.opts.get("launch") or self.launch
        fields = {"n": n, "job_name": self.opts.get("job_name") or "ipylite-engines",
                  "log_dir": self.log_dir, "engine_file": self.engine_file,
                  "python": self.opts.get("python") or sys.executable,
                  "queue": q or "", "walltime": w or "",
                  "queue_line": self.queue_fmt.format(q) + "\n" if q else "",
                  "walltime_line": (self.walltime_fmt.format(self.walltime(w)) + "\n"
                                    if w else "")}
        fields.update(self.extra_fields(n, launch))
        if launch == _LOOP:
            fields["launch"] = _LOOP.format(n=n)
            fields["engine_cmd"] = cmd + " </dev/null & done; wait"
        else:
            fields["launch"] = launch.format(**fields)
            fields["engine_cmd"] = cmd
        try:
            return tpl.format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"{self.kind} job template: bad placeholder {e} (known: "
                             f"{', '.join(sorted(fields))})") from None

    def walltime(self, w):
        """The walltime as the scheduler's directive takes it (given as [[H:]M:]S)."""
        return w

    def extra_fields(self, n, launch):
        """Template fields of this scheduler's own."""
        return {}

    def write_script(self, n):
        path = os.path.join(self.log_dir, f"{self.kind}-engines-{os.getpid()}.sh")
        with open(path, "w") as f:
            f.write(self.render(n))
        os.chmod(path, 0o700)
        self.script = path
        return path

    def _run(self, argv, what):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        except FileNotFoundError:
            raise RuntimeError(f"{self.kind} launcher: {argv[0]!r} not found; is the "
                               f"scheduler's command line installed?") from None
        if r.returncode != 0 and what != "status":
            said = "; ".join(x.strip() for x in (r.stderr or r.stdout).splitlines() if x.strip())
            raise RuntimeError(f"{self.kind} launcher: {what} failed: {said}")
        return r

    def start(self, n):
        if n == 0:
            return []
        script = self.write_script(n)
        submit = _as_list(self.opts.get("submit_command")) or list(self.submit)
        out = self._run([*submit, script], "submit").stdout
        m = re.search(self.job_id_re, out)
        if not m:
            raise RuntimeError(f"{self.kind} launcher: no job id in {out.strip()!r}")
        self.job_id = m.group(1)
        self.alive = 1
        log.info("%s job %s submitted (%d engines)", self.kind, self.job_id, n)
        return [self.job_id]

    def job_state(self):
        """The scheduler's word for the job ('' when it has left the queue)."""
        status = _as_list(self.opts.get("status_command")) or list(self.status)
        r = self._run([a.replace("{job_id}", self.job_id) for a in status], "status")
        return r.stdout.strip() if r.returncode == 0 else ""

    def poll(self):
        if self.job_id is None or not self.alive:
            return 0
        now = time.monotonic()
        if now >= self.next_poll:
            self.next_poll = now + float(self.opts.get("poll_every") or 5)
            try:
                state = self.job_state()
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                log.warning("%s launcher: cannot check job %s: %s", self.kind, self.job_id, e)
                return self.alive
            self.alive = 1 if state and state.split()[0].upper() not in self.done_states else 0
        return self.alive

    done_states = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "C", "E", "DONE", "EXIT"}

    def stop(self, timeout=None):
        if timeout is None:
            timeout = float(self.opts.get("stop_wait") or 2)
        if self.job_id is not None and self.alive:
            deadline = time.monotonic() + timeout   # engines were told to shut down
            while time.monotonic() < deadline:
                self.next_poll = 0
                if not self.poll():
                    break
                time.sleep(0.2)
            if self.alive:
                cancel = _as_list(self.opts.get("cancel_command")) or list(self.cancel)
                with contextlib.suppress(RuntimeError):
                    self._run([*cancel, self.job_id], "cancel")
            self.alive = 0
        super().stop(timeout)


class SlurmEngineLauncher(BatchLauncher):
    kind = "slurm"
    template = SLURM_TEMPLATE
    submit = ["sbatch", "--parsable"]
    status = ["squeue", "-h", "-j", "{job_id}", "-o", "%T"]
    cancel = ["scancel"]
    launch = "srun"
    queue_fmt, walltime_fmt = "#SBATCH --partition={}", "#SBATCH --time={}"


SLURM_CONTROLLER_TEMPLATE = """#!/bin/bash
#SBATCH --job-name={job_name}
#SBATCH --ntasks=1
#SBATCH --output={log_dir}/{job_name}-%j.out
{queue_line}{walltime_line}
IPYLITE_CONTROLLER_JOB=$SLURM_JOB_ID exec {controller_cmd}
"""


class SlurmControllerLauncher(SlurmEngineLauncher):
    """``--controller slurm``: the controller (``start`` itself, which then launches the
    engines) runs as a one-task Slurm job; its connection files are written to the
    profile folder, which must be on a filesystem the submitting machine shares."""
    kind = "slurm-controller"
    template = SLURM_CONTROLLER_TEMPLATE

    def __init__(self, controller_argv, log_dir, **options):
        options.setdefault("job_name", "ipylite-controller")
        super().__init__(os.devnull, log_dir, **options)
        self.controller_argv = controller_argv

    def render(self, n):
        tpl = self.opts.get("template") or self.template
        q, w = self.opts.get("queue"), self.opts.get("walltime")
        return tpl.format(job_name=self.opts["job_name"], log_dir=self.log_dir,
                          controller_cmd=shlex.join(self.controller_argv),
                          queue_line=self.queue_fmt.format(q) + "\n" if q else "",
                          walltime_line=self.walltime_fmt.format(w) + "\n" if w else "")


class PBSEngineLauncher(BatchLauncher):
    kind = "pbs"
    template = PBS_TEMPLATE
    submit = ["qsub"]
    status = ["qstat", "-f", "{job_id}"]
    cancel = ["qdel"]
    launch = _LOOP
    job_id_re = r"(\d+[^\s]*)"
    queue_fmt, walltime_fmt = "#PBS -q {}", "#PBS -l walltime={}"
    options = BatchLauncher.options + ("flavor",)

    def extra_fields(self, n, launch):
        """``flavor``: "torque" (``-l nodes=1:ppn=N``) or "pro" (PBS Pro / OpenPBS:
        ``-l select=1:ncpus=N:mpiprocs=N``); by default what ``qstat --version`` says."""
        flavor = (self.opts.get("flavor") or self.detect_flavor()).lower()
        if flavor not in ("torque", "pro"):
            raise ValueError(f"pbs launcher: flavor must be 'torque' or 'pro', not {flavor!r}")
        if flavor == "pro":
            line = f"#PBS -l select=1:ncpus={n}:mpiprocs={n}"
        else:
            line = f"#PBS -l nodes=1:ppn={n}"
        return {"nodes_line": line, "flavor": flavor}

    @staticmethod
    def detect_flavor():
        qstat = shutil.which("qstat")
        if qstat is None:
            return "torque"
        try:
            r = subprocess.run([qstat, "--version"], capture_output=True, text=True,
                               timeout=10)
        except (OSError, subprocess.SubprocessError):
            return "torque"
        return "pro" if "pbs_version" in (r.stdout + r.stderr).lower() else "torque"

    def job_state(self):
        status = _as_list(self.opts.get("status_command")) or list(self.status)
        r = self._run([a.replace("{job_id}", self.job_id) for a in status], "status")
        m = re.search(r"job_state\s*=\s*(\w+)", r.stdout)
        return (m.group(1) if m else r.stdout.strip()) if r.returncode == 0 else ""


class SGEEngineLauncher(BatchLauncher):
    kind = "sge"
    template = SGE_TEMPLATE
    submit = ["qsub", "-terse"]
    status = ["qstat", "-j", "{job_id}"]
    cancel = ["qdel"]
    launch = _LOOP
    queue_fmt, walltime_fmt = "#$ -q {}", "#$ -l h_rt={}"


class LSFEngineLauncher(BatchLauncher):
    kind = "lsf"
    template = LSF_TEMPLATE
    submit = ["sh", "-c", 'bsub < "$0"']      # bsub reads #BSUB lines from stdin only
    status = ["bjobs", "-noheader", "-o", "stat", "{job_id}"]
    cancel = ["bkill"]
    launch = _LOOP
    job_id_re = r"Job <(\d+)>"
    queue_fmt, walltime_fmt = "#BSUB -q {}", "#BSUB -W {}"

    def walltime(self, w):
        """LSF's -W takes [hour:]minute: H:M:S becomes H:M, seconds rounded up."""
        parts = str(w).strip().split(":")
        try:
            nums = [int(x) for x in parts]
        except ValueError:
            raise ValueError(f"lsf launcher: walltime {w!r}: give [[hours:]minutes:]seconds"
                             f" or LSF's [hours:]minutes") from None
        if len(nums) != 3:
            return str(w)               # already [hour:]minute
        h, m, sec = nums
        m += (sec + 59) // 60
        h, m = h + m // 60, m % 60
        return f"{h}:{m:02d}"

    def extra_fields(self, n, launch):
        # the default loop starts every engine on the job's first host: ask for one
        return {"span_line": '#BSUB -R "span[hosts=1]"' if launch == _LOOP else ""}


LAUNCHERS = {"local": LocalEngineLauncher, "ssh": SSHEngineLauncher,
             "mpi": MPIEngineLauncher, "slurm": SlurmEngineLauncher,
             "pbs": PBSEngineLauncher, "sge": SGEEngineLauncher, "lsf": LSFEngineLauncher}


# ------------------------------------------------------------- profile config

CONFIG_FILE = "ipylite_parallel.toml"


# ------------------------------------------------------------- the controller over ssh

def ssh_controller(a, client_file, cluster_file, write_json):
    """``--controller ssh``: run ``start --daemonize`` on the controller host over ssh
    (with the same engine launcher and options), copy its client file back here, and
    leave a cluster file saying where it runs, so that ``stop`` stops it there."""
    o = a.options
    ssh = _as_list(o.get("ssh") or "ssh") + _as_list(o.get("ssh_args"))
    env = [f"{k}={v}" for k, v in (o.get("remote_env") or {}).items()]
    remote = ["env", *env, o.get("remote_python") or "python3", "-m",
              f"{PACKAGE}.parallel"]
    engine_opts = o if a.engines == "ssh" else {     # the ssh options were for us
        k: v for k, v in o.items() if k not in SSHEngineLauncher.options}
    argv = [*remote, "start", "-n", str(a.n), "--profile", a.profile, "--cluster-id",
            a.cluster_id, "--ip", a.ip, "--engines", a.engines, "--launcher-options",
            json.dumps(engine_opts), "--hb-timeout", str(a.hb_timeout),
            "--timeout", str(a.timeout),
            "--daemonize"] + (["--location", a.location] if a.location else [])

    def over_ssh(cmd, timeout):
        return subprocess.run([*ssh, a.controller_host, shlex.join(cmd)], timeout=timeout,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
    out = over_ssh(argv, a.timeout + 60)
    found = re.search(r"Client\(url_file='([^']+)'\)", out.stdout)
    if out.returncode or not found:
        why = (out.stderr.strip().splitlines() or ["no answer"])[-1]
        print(f"ipylite.parallel: the controller on {a.controller_host} did not start: "
              f"{why}", file=sys.stderr)
        return 1
    got = over_ssh(["cat", found[1]], 60)
    if got.returncode:
        print(f"ipylite.parallel: cannot copy {found[1]} from {a.controller_host}",
              file=sys.stderr)
        return 1
    fd = os.open(client_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(got.stdout)
    write_json(cluster_file, {"cluster_id": a.cluster_id, "host": a.controller_host,
                               "controller": "ssh", "ssh": ssh, "remote": remote,
                               "remote_profile": a.profile, "engines": a.n,
                               "client_file": client_file})
    print(f"cluster {a.cluster_id or 'default'} running on {a.controller_host} with "
          f"{a.n} engines\nconnect with:  Client(url_file={client_file!r})")
    return 0


def ssh_controller_stop(c):
    """Stop a controller that ssh_controller started."""
    cmd = [*c["remote"], "stop", "--profile", c["remote_profile"], "--cluster-id",
           c.get("cluster_id") or ""]
    out = subprocess.run([*c["ssh"], c["host"], shlex.join(cmd)], capture_output=True,
                         text=True, timeout=60, stdin=subprocess.DEVNULL)
    if out.returncode:
        why = (out.stderr.strip().splitlines() or ["no answer"])[-1]
        print(f"ipylite.parallel: stopping the controller on {c['host']}: {why}",
              file=sys.stderr)


def load_config(profile_path):
    """``[cluster]`` (n, engines, ip, location) and one table per launcher
    (``[ssh]``, ``[mpi]``, ``[slurm]``...) from the profile's ipylite_parallel.toml."""
    path = os.path.join(profile_path, CONFIG_FILE)
    if not os.path.exists(path):
        return {}
    import tomllib
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None
    unknown = set(data) - {"cluster"} - set(LAUNCHERS)
    if unknown:
        raise ValueError(f"{path}: unknown table(s) [{', '.join(sorted(unknown))}] "
                         f"(known: cluster, {', '.join(LAUNCHERS)})")
    return data
