"""The ssh launcher against a real sshd on 127.0.0.1 (started here, with a fresh key),
direct and tunnelled, and engines that notice a silent controller by its heartbeat."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from ipylite.launchers import parse_hosts
from ipylite.parallel import Client, Cluster

PY = sys.executable
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SSHD = "/usr/sbin/sshd"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_with(text):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        out.append(int(p))
            except OSError:
                pass
    return out


def _ps(text):
    out = []
    for pid in _pids_with(text):
        with __import__("contextlib").suppress(OSError):
            out.append(open(f"/proc/{pid}/stat").read()[:80])
    return out


def _kill_all(text):
    for pid in _pids_with(text):
        with __import__("contextlib").suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    assert os.path.exists(SSHD), "openssh-server missing: apt-get install openssh-server"
    d = tmp_path_factory.mktemp("sshd")
    key, host = d / "id", d / "hostkey"
    for k in (key, host):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(k)],
                       check=True, timeout=30)
    auth = d / "authorized_keys"
    auth.write_text((d / "id.pub").read_text())
    auth.chmod(0o600)
    os.makedirs("/run/sshd", exist_ok=True)
    port = _free_port()
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", "/dev/null", "-p", str(port), "-h", str(host),
         "-o", "ListenAddress=127.0.0.1", "-o", "PidFile=none", "-o", "StrictModes=no",
         "-o", f"AuthorizedKeysFile={auth}", "-o", "PasswordAuthentication=no",
         "-o", "PermitRootLogin=prohibit-password", "-o", "MaxStartups=100"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    remote_dir = str(d / "remote")
    try:
        deadline = time.monotonic() + 20
        line = b""
        while b"Server listening" not in line:
            line = proc.stderr.readline()
            assert line and time.monotonic() < deadline, "sshd did not start"
        args = (f"-p {port} -i {key} -o IdentitiesOnly=yes -o BatchMode=yes "
                f"-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                f"-o LogLevel=ERROR")
        yield {"ssh_args": args, "remote_python": PY, "remote_dir": remote_dir,
               "remote_env": {"PYTHONPATH": REPO, "IPYLITE_DIR": str(d / "ipylite")}}
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _kill_all(remote_dir)


def _engine_view(rc):
    return rc[:].apply_sync(lambda: (engine_id, __import__("sys").argv,  # noqa: F821
                                     __import__("os").getppid()))


def test_ssh_engines_on_hosts_with_counts(sshd):
    hosts = ["root@127.0.0.1:2", "127.0.0.1"]
    with Cluster(n=3, engines="ssh", hosts=hosts, timeout=60, **sshd) as rc:
        assert rc.direct and rc.ids == [0, 1, 2]
        info = _engine_view(rc)
        for eid, argv, _ in info:
            f = argv[argv.index("-f") + 1]
            assert f.startswith(sshd["remote_dir"] + "/")   # the copied connection file
        copied = json.load(open(info[0][1][info[0][1].index("-f") + 1]))
        assert copied["engine_host"] == "127.0.0.1" and copied["engine_bind"] == "0.0.0.0"
        assert os.stat(info[0][1][info[0][1].index("-f") + 1]).st_mode & 0o077 == 0
        # two engines share one remote shell (one ssh connection per host)
        assert len({ppid for _, _, ppid in info}) == 2
        assert rc[:].apply_sync(lambda x: x + 1, 1) == [2, 2, 2]
        remote = sshd["remote_dir"]
    deadline = time.monotonic() + 20
    while _pids_with(remote) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pids_with(remote) == []        # stop() shut the remote engines down


def test_ssh_tunnel_clients_go_through_the_controller(sshd):
    with Cluster(n=2, engines="ssh", hosts="127.0.0.1", tunnel=True, timeout=60,
                 **sshd) as rc:
        assert rc.direct is False and rc.info["direct"] is False
        info = _engine_view(rc)
        f = info[0][1][info[0][1].index("-f") + 1]
        copied = json.load(open(f))
        ctl = json.load(open(rc.url_file.replace("-client", "-engine")))
        # engines dial ssh's forwarded ports, not the controller's own
        assert copied["engine_url"] != ctl["engine_url"]
        assert copied["hb_url"].startswith("tcp://127.0.0.1:")
        assert rc[:].apply_sync(lambda: engine_id) == [0, 1]  # noqa: F821
        assert rc.load_balanced_view().map_sync(lambda x: x * x, range(6)) == [
            0, 1, 4, 9, 16, 25]


def test_remote_engines_exit_when_the_controller_falls_silent(sshd, tmp_path):
    env = dict(os.environ, IPYLITE_DIR=str(tmp_path))
    argv = [PY, "-m", "ipylite.parallel", "start", "-n", "2", "--engines", "ssh",
            "--hosts", "127.0.0.1", "--ssh-args", sshd["ssh_args"], "--remote-python", PY,
            "--remote-dir", str(tmp_path / "remote"), "--hb-timeout", "2",
            "--launcher-options", json.dumps({"remote_env": sshd["remote_env"]}), "--quiet"]
    ctl = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)
    try:
        url = tmp_path / "profile_default" / "security" / "ipcontroller-client.json"
        deadline = time.monotonic() + 30
        while not url.exists():
            assert ctl.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        rc = Client(str(url))
        rc.wait_for_engines(2, timeout=30)
        rc.close()
        assert len(_pids_with(str(tmp_path / "remote" / "ipcontroller-engine.json"))) >= 3
        os.kill(ctl.pid, signal.SIGSTOP)    # alive but silent: only the heartbeat tells
        deadline = time.monotonic() + 30
        copied = str(tmp_path / "remote" / "ipcontroller-engine.json")
        while _pids_with(copied):               # engines and their remote shell
            assert time.monotonic() < deadline, ("engines kept running without heartbeat",
                                                 _ps(copied))
            time.sleep(0.1)
    finally:
        ctl.kill()
        ctl.wait()
        _kill_all(str(tmp_path / "remote"))


def test_bad_hosts():
    assert parse_hosts("a, root@b:3") == [("a", None), ("root@b", 3)]
    for bad in ("a:0", "root@b:x", "", []):
        with pytest.raises(ValueError):
            parse_hosts(bad)


def test_engine_counts_per_host():
    from ipylite.launchers import planned, spread
    hosts = parse_hosts("a:2,b,c")
    assert spread(hosts, 6) == [("a", 2), ("b", 2), ("c", 2)]
    assert spread(hosts, 3) == [("a", 2), ("b", 1)]
    assert planned("ssh", None, {"hosts": "a:2,b:3"}) == 5     # -n unset: the counts
    assert planned("ssh", None, {"hosts": "a,b"}) == 2         # one per host
    assert planned("ssh", 1, {"hosts": "a:2,b:3"}) == 5        # explicit counts win
    assert planned("mpi", 4, {}) == 4


def test_controller_started_over_ssh(sshd, tmp_path):
    import re
    env = dict(os.environ, IPYLITE_DIR=str(tmp_path / "here"))
    cmd = [PY, "-m", "ipylite.parallel"]
    start = subprocess.run(
        [*cmd, "start", "-n", "2", "--controller", "ssh", "--controller-host",
         "root@127.0.0.1", "--ssh-args", sshd["ssh_args"], "--remote-python", PY,
         "--launcher-options", json.dumps({"remote_env": sshd["remote_env"]}),
         "--cluster-id", "far"], env=env, capture_output=True, text=True, timeout=120)
    remote_sec = os.path.join(sshd["remote_env"]["IPYLITE_DIR"], "profile_default",
                              "security")
    try:
        assert start.returncode == 0, start.stderr
        assert "running on root@127.0.0.1 with 2 engines" in start.stdout
        client_file = re.search(r"url_file='([^']+)'", start.stdout)[1]
        assert client_file.startswith(str(tmp_path / "here"))     # copied back here
        assert os.stat(client_file).st_mode & 0o077 == 0
        # the controller's own files are on the controller host's side
        assert os.path.exists(os.path.join(remote_sec, "cluster-far.json"))
        rc = Client(url_file=client_file)
        try:
            rc.wait_for_engines(2, timeout=60)
            assert rc[:].apply_sync(lambda: 6 * 7) == [42, 42]
        finally:
            rc.close()
        listed = subprocess.run([*cmd, "list"], env=env, capture_output=True, text=True,
                                timeout=60)
        assert "on root@127.0.0.1" in listed.stdout
    finally:
        stop = subprocess.run([*cmd, "stop", "--cluster-id", "far"], env=env,
                              capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0, stop.stderr
    deadline = time.monotonic() + 30
    while os.path.exists(os.path.join(remote_sec, "cluster-far.json")):
        assert time.monotonic() < deadline, "the remote controller was not stopped"
        time.sleep(0.1)
