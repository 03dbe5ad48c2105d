"""The command line of ipylite.parallel, as ipyparallel's ``ipcluster``::

    python -m ipylite.parallel start -n 4 [--daemonize] [--profile P] [--cluster-id C] [--ip IP]
        [--location ADDR] [--engines local|ssh|mpi|slurm|pbs|sge|lsf] [launcher options]
        [--controller local|ssh|slurm]
    python -m ipylite.parallel stop|list|clean [--cluster-id C] [--all]
    python -m ipylite.parallel engines -n 2 [--cluster-id C]

``start`` runs the controller in its own process (or hands it to ssh or Slurm), writes
the cluster's files under the profile's security folder and starts the engines through
a launcher (launchers.py); the other commands find clusters by those files.
"""

import argparse
import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time

from .launchers import LAUNCHERS, load_config, planned
from .protocol import PACKAGE
from .parallel import Client, cluster_file_name, security_dir
from .protocol import Session

log = logging.getLogger("ipylite.parallel")


def _write_json(path, data):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def _cluster_files(profile):
    sec = security_dir(profile)
    out = []
    for name in sorted(os.listdir(sec)):
        if name.startswith("cluster-") and name.endswith(".json"):
            try:
                with open(os.path.join(sec, name)) as f:
                    out.append((os.path.join(sec, name), json.load(f)))
            except (OSError, ValueError):
                continue
    return out


def _alive(pid):
    from .engine import pid_alive
    return bool(pid) and pid_alive(pid)


def _settings(a):
    """Resolve the profile's ipylite_parallel.toml, then the command line, into a
    (n, engines, ip, location) and the launcher's options; one-line errors."""
    from .config import profile_path
    try:
        cfg = load_config(profile_path(a.profile))
    except ValueError as e:
        raise SystemExit(f"ipylite.parallel: {e}")
    cl = cfg.get("cluster", {})
    a.engines = a.engines or cl.get("engines") or "local"
    if a.engines not in LAUNCHERS:
        raise SystemExit(f"ipylite.parallel: unknown engine launcher {a.engines!r} "
                         f"(choose from: {', '.join(LAUNCHERS)})")
    if a.n is None:
        a.n = cl.get("n")
    if a.n is not None and (not isinstance(a.n, int) or a.n < 0):
        raise SystemExit("ipylite.parallel: -n must be 0 or more")
    a.ip = a.ip or cl.get("ip") or "127.0.0.1"
    a.location = a.location or cl.get("location") or ""
    if a.controller not in ("local", "slurm", "ssh"):
        raise SystemExit(f"ipylite.parallel: --controller {a.controller} is not supported "
                         f"(local, ssh or slurm; elsewhere run `start` itself where the "
                         f"controller should be, e.g. inside a job)")
    if a.controller == "ssh" and not getattr(a, "controller_host", None):
        raise SystemExit("ipylite.parallel: --controller ssh needs --controller-host "
                         "[user@]HOST")
    opts = dict(cfg.get(a.engines, {}))
    try:
        opts.update(json.loads(a.launcher_options or "{}"))
    except ValueError as e:
        raise SystemExit(f"ipylite.parallel: --launcher-options is not JSON: {e}")
    for key in ("hosts", "ssh_args", "remote_python", "remote_dir", "mpiexec", "mpi_args",
                "template", "queue", "walltime"):
        value = getattr(a, key, None)
        if value:
            opts[key] = value
    if a.tunnel:
        opts["tunnel"] = True
    for item in a.opt or ():
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise SystemExit(f"ipylite.parallel: --opt {item!r}: expected KEY=VALUE")
        opts[key] = value
    a.options = opts
    try:
        a.n = planned(a.engines, a.n, opts)
    except ValueError as e:
        raise SystemExit(f"ipylite.parallel: {e}")
    if a.n is None:
        a.n = os.cpu_count()
    return opts


def cmd_start(a):
    _settings(a)
    if a.daemonize or a.controller != "local":
        return _daemonize(a)
    from .controller import Controller, install_signals
    sec = security_dir(a.profile)
    cid = a.cluster_id
    key = secrets.token_hex(32)
    log_dir = os.path.join(os.path.dirname(sec), "log")
    os.makedirs(log_dir, exist_ok=True)
    client_file = os.path.join(sec, cluster_file_name("client", cid))
    engine_file = os.path.join(sec, cluster_file_name("engine", cid))
    cluster_file = os.path.join(sec, f"cluster-{cid or 'default'}.json")
    try:
        launcher = LAUNCHERS[a.engines](engine_file, log_dir, **a.options)
    except ValueError as e:
        raise SystemExit(f"ipylite.parallel: {e}")
    try:
        ctrl = Controller(Session(key=key.encode()), ip=a.ip)
    except Exception as e:
        raise SystemExit(f"ipylite.parallel: cannot start the controller on {a.ip}: {e}")
    where = a.location or a.ip

    def url(name):                      # the address others use, for a wildcard bind
        return ctrl.urls[name].replace(f"//{a.ip}:", f"//{where}:", 1)
    base = {"key": key, "signature_scheme": "hmac-sha256", "cluster_id": cid,
            "profile": a.profile, "pid": os.getpid(), "location": where}
    _write_json(engine_file, dict(base, engine_url=url("engines"), hb_url=url("hb"),
                                  hb_timeout=a.hb_timeout))
    cluster = {"cluster_id": cid, "profile": a.profile, "pid": os.getpid(), "n": a.n,
               "engines": 0, "client_file": client_file, "engine_file": engine_file,
               "started": time.time(), "launcher": a.engines, "host": socket.gethostname(),
               "controller_job": os.environ.get("IPYLITE_CONTROLLER_JOB", "")}
    dirty = [True]
    parent = a.parent_pid

    def on_change(c):
        cluster["engines"] = len(c.engines)
        dirty[0] = True
        if cluster["engines"] >= a.n:       # all here: say so at once, for `list`
            dirty[0] = False
            _write_json(cluster_file, cluster)

    def on_tick():
        launcher.poll()
        if dirty[0]:
            dirty[0] = False
            _write_json(cluster_file, cluster)
        if parent and not _alive(parent):
            log.warning("the process that started this cluster is gone; stopping")
            ctrl.stop()

    ctrl.on_change, ctrl.on_tick = on_change, on_tick
    install_signals(ctrl)
    try:
        try:
            launcher.start(a.n)
        except (RuntimeError, OSError, ValueError) as e:
            raise SystemExit(f"ipylite.parallel: {e}")
        _write_json(cluster_file, cluster)
        client = dict(base, client_url=url("clients"))
        if getattr(launcher, "tunnel", False):
            client["direct"] = False
        _write_json(client_file, client)
        if not a.quiet:
            print(f"controller running (pid {os.getpid()}), starting {a.n} engines "
                  f"({a.engines})\nconnect with:  from ipylite.parallel import Client; "
                  f"rc = Client({('cluster_id=%r' % cid) if cid else ''})\n"
                  f"  or Client(url_file={client_file!r})", flush=True)
        ctrl.run()
    finally:
        launcher.stop()
        ctrl.close()
        for path in (client_file, engine_file, cluster_file):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    return 0


def _daemonize(a):
    sec = security_dir(a.profile)
    client_file = os.path.join(sec, cluster_file_name("client", a.cluster_id))
    if a.controller == "ssh":
        from .launchers import ssh_controller
        cluster_file = os.path.join(sec, f"cluster-{a.cluster_id or 'default'}.json")
        return ssh_controller(a, client_file, cluster_file, _write_json)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(client_file)
    log_dir = os.path.join(os.path.dirname(sec), "log")
    os.makedirs(log_dir, exist_ok=True)
    log_path = os.path.join(log_dir, f"controller-{a.cluster_id or 'default'}.log")
    argv = [sys.executable, "-m", f"{PACKAGE}.parallel", "start", "-n", str(a.n), "--profile",
            a.profile, "--cluster-id", a.cluster_id, "--ip", a.ip, "--engines", a.engines,
            "--launcher-options", json.dumps(a.options), "--hb-timeout", str(a.hb_timeout),
            "--quiet"] + (["--location", a.location] if a.location else [])
    if a.controller == "slurm":         # the controller as a one-task job
        from .launchers import SlurmControllerLauncher
        opts = {k: a.options[k] for k in ("queue", "walltime") if a.options.get(k)}
        job = SlurmControllerLauncher(argv, log_dir, poll_every=1, **opts)
        try:
            job.start(1)
        except (RuntimeError, OSError) as e:
            raise SystemExit(f"ipylite.parallel: {e}")
        log_path = f"{log_dir}/ipylite-controller-{job.job_id}.out"
        where = f"Slurm job {job.job_id}"
        running = job.poll
    else:
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    start_new_session=True)
        where = f"pid {proc.pid}"

        def running():
            return proc.poll() is None

    def give_up():
        """Stop what was started: the controller (which cancels its engines' job)."""
        if a.controller == "slurm":
            job.stop(0)
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(client_file):
        if not running() or time.monotonic() > deadline:
            give_up()
            print(f"ipylite.parallel: the cluster did not start; see {log_path}",
                  file=sys.stderr)
            return 1
        time.sleep(0.01)
    rc = Client(client_file)
    try:
        rc.wait_for_engines(a.n, timeout=max(1, deadline - time.monotonic()))
    except TimeoutError as e:
        rc.close()
        give_up()
        print(f"ipylite.parallel: {e}; gave up and stopped the controller and its "
              f"engines' job; see {log_path}", file=sys.stderr)
        return 1
    finally:
        rc.close()
    print(f"cluster {a.cluster_id or 'default'} running in the background ({where}) "
          f"with {a.n} engines\nconnect with:  Client(url_file={client_file!r})")
    return 0


def _select(a):
    clusters = _cluster_files(a.profile)
    if a.all:
        return clusters
    want = a.cluster_id or ""
    return [(p, c) for p, c in clusters if (c.get("cluster_id") or "") == want]


def cmd_stop(a):
    chosen = _select(a)
    if not chosen:
        print(f"ipylite.parallel: no cluster {a.cluster_id or 'default'!s} in profile "
              f"{a.profile}", file=sys.stderr)
        return 1
    for path, c in chosen:
        pid = c.get("pid")
        if c.get("controller") == "ssh":
            from .launchers import ssh_controller_stop
            ssh_controller_stop(c)
        if c.get("host", socket.gethostname()) != socket.gethostname():
            pid = None                  # not a process of this machine
            if c.get("controller_job"):
                subprocess.run(["scancel", "--signal=TERM", "--full", c["controller_job"]],
                               capture_output=True, timeout=60)
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        for f in (path, c.get("client_file"), c.get("engine_file")):
            if f:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f)
        print(f"stopped cluster {c.get('cluster_id') or 'default'} (pid {pid})")
    return 0


def cmd_list(a):
    rows = [(c.get("cluster_id") or "default", c.get("pid"), c.get("engines", 0),
             f"on {c['host']}" if c.get("controller") == "ssh" else
             "running" if _alive(c.get("pid")) else "stale")
            for _, c in _cluster_files(a.profile)]
    if not rows:
        print(f"no clusters in profile {a.profile}")
        return 0
    print(f"{'cluster':24} {'pid':>8} {'engines':>8}  state")
    for cid, pid, n, state in rows:
        print(f"{cid:24} {pid!s:>8} {n!s:>8}  {state}")
    return 0


def cmd_engines(a):
    chosen = _select(a)
    if not chosen or not _alive(chosen[0][1].get("pid")):
        print(f"ipylite.parallel: no running cluster {a.cluster_id or 'default'}",
              file=sys.stderr)
        return 1
    c = chosen[0][1]
    rc = Client(c["client_file"])
    try:
        before = len(rc.ids)
        for _ in range(a.n):
            subprocess.Popen([sys.executable, "-m", f"{PACKAGE}.engine", "-f", c["engine_file"]],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        rc.wait_for_engines(before + a.n, timeout=a.timeout)
        print(f"added {a.n} engines; cluster {c.get('cluster_id') or 'default'} now has "
              f"{len(rc.ids)}")
    finally:
        rc.close()
    return 0


def cmd_clean(a):
    removed = 0
    for path, c in _cluster_files(a.profile):
        if not _alive(c.get("pid")):
            for f in (path, c.get("client_file"), c.get("engine_file")):
                if f:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f)
            removed += 1
    print(f"removed {removed} stale cluster file set(s) from profile {a.profile}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m ipylite.parallel",
                                description="Start, stop and list ipylite.parallel clusters.")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("start", "stop", "list", "engines", "clean"):
        s = sub.add_parser(name)
        s.add_argument("--profile", default="default")
        s.add_argument("--cluster-id", default="")
        s.add_argument("--debug", action="store_true")
        if name in ("start", "engines"):
            s.add_argument("-n", type=int, default=None if name == "start" else 1)
            s.add_argument("--timeout", type=float, default=60)
        if name in ("stop", "engines"):
            s.add_argument("--all", action="store_true")
        if name == "start":
            s.add_argument("--daemonize", action="store_true")
            s.add_argument("--ip", default=None, help="where the controller binds "
                           "(0.0.0.0 for engines on other machines)")
            s.add_argument("--location", default=None, help="the controller's address "
                           "as engines and clients see it (default: --ip)")
            s.add_argument("--engines", default=None, help=", ".join(LAUNCHERS))
            s.add_argument("--controller", default="local", help="local, ssh or slurm")
            s.add_argument("--controller-host", help="ssh: [user@]host for the controller")
            s.add_argument("--hosts", help="ssh: 'host1,user@host2:4'")
            s.add_argument("--tunnel", action="store_true",
                           help="ssh: engines reach the controller through ssh -R")
            s.add_argument("--ssh-args", help="ssh: e.g. '-p 2222 -i ~/.ssh/key'")
            s.add_argument("--remote-python", help="ssh: the remote Python (python3)")
            s.add_argument("--remote-dir", help="ssh: where the connection file goes")
            s.add_argument("--mpiexec", help="mpi: the mpiexec to run")
            s.add_argument("--mpi-args", help="mpi: extra mpiexec arguments")
            s.add_argument("--template", help="batch: a job-script template file")
            s.add_argument("--queue", help="batch: queue / partition")
            s.add_argument("--walltime", help="batch: time limit")
            s.add_argument("--opt", action="append", metavar="KEY=VALUE",
                           help="any other launcher option")
            s.add_argument("--launcher-options", default="", help=argparse.SUPPRESS)
            s.add_argument("--hb-timeout", type=float, default=10.0,
                           help="engines exit after this many seconds without the "
                                "controller's heartbeat")
            s.add_argument("--parent-pid", type=int, default=0)
            s.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if a.cmd == "list":
        a.all = True
    return globals()["cmd_" + a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
