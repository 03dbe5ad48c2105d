"""Test set-up: every test session gets its own profile folder, Jupyter data and
runtime folders, and an `ipylite` kernelspec that runs this very interpreter."""

import os
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_tmp = tempfile.mkdtemp(prefix="ipylite-tests-")
os.environ["IPYLITE_DIR"] = os.path.join(_tmp, "ipylite")
os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(_tmp, "runtime")
os.environ["JUPYTER_DATA_DIR"] = os.path.join(_tmp, "data")
os.environ["JUPYTER_PATH"] = os.path.join(_tmp, "share", "jupyter")
os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
os.environ.pop("NO_COLOR", None)
sys.path.insert(0, ROOT)

from ipylite.protocol import install_kernel_spec  # noqa: E402

install_kernel_spec("ipylite", prefix=_tmp)


@pytest.fixture
def tmp_home(tmp_path, monkeypatch):
    """A fresh, empty home and profile folder for tests that look at files made."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("IPYLITE_DIR", str(tmp_path / ".ipylite"))
    return tmp_path


# ---------------------------------------------------------------- a real non-root user

NONROOT = "ipylite-test"


class NonRoot:
    """Runs commands as a real unprivileged user: root ignores file modes (and runs
    Chromium without its sandbox), so those cases need someone else. The package is
    copied where that user can read it, and run by an interpreter it may execute."""

    def __init__(self, base, packages=()):
        import pwd
        import shutil
        import subprocess
        try:
            self.pw = pwd.getpwnam(NONROOT)
        except KeyError:
            subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", NONROOT], check=True)
            self.pw = pwd.getpwnam(NONROOT)
        self.dir = base
        os.chmod(base, 0o777)
        shutil.copytree(os.path.join(ROOT, "ipylite"), os.path.join(base, "pkg", "ipylite"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        import importlib.util
        for name in packages:      # e.g. zmq, with the shared libraries beside it
            where = os.path.dirname(list(importlib.util.find_spec(name).submodule_search_locations)[0])
            for entry in os.listdir(where):
                if entry == name or entry.startswith(("py" + name + ".libs", name + ".libs")):
                    shutil.copytree(os.path.join(where, entry), os.path.join(base, "pkg", entry))
        for d, _, files in os.walk(os.path.join(base, "pkg")):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        ok = subprocess.run(["runuser", "-u", NONROOT, "--", sys.executable, "-c", "import sqlite3"],
                            capture_output=True).returncode == 0
        self.python = sys.executable if ok else shutil.which("python3", path="/usr/bin:/bin")
        assert self.python, "no Python interpreter the user %s may run" % NONROOT
        self.uid, self.gid = self.pw.pw_uid, self.pw.pw_gid

    def env(self, **extra):
        env = dict(os.environ, PYTHONPATH=os.path.join(self.dir, "pkg"), HOME=self.dir)
        env.update(extra)
        return env

    def command(self, args):
        """``args`` run as the user; a leading "python" is the user's interpreter."""
        return ["runuser", "-u", NONROOT, "--"] + [self.python if a == "python" and i == 0 else a
                                                   for i, a in enumerate(args)]

    def popen(self, args, **kw):
        import subprocess
        return subprocess.Popen(self.command(args), **dict({"env": self.env()}, **kw))

    def run(self, args, **kw):
        import subprocess
        return subprocess.run(self.command(args), **dict({"env": self.env()}, **kw))

    def own(self, path):
        os.chown(path, self.uid, self.gid)


@pytest.fixture
def nonroot():
    """A real non-root user and a folder it owns (see NonRoot)."""
    import shutil
    base = tempfile.mkdtemp(prefix="ipylite-nonroot-")
    try:
        user = NonRoot(base, packages=("zmq",))
        user.own(base)
        yield user
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- a small disk to fill

class SmallDisk:
    """A real 256 KiB file system (tmpfs) at ``path``, to fill up and free again."""

    def __init__(self, path):
        self.path = path
        self.filler = os.path.join(path, "filler")

    def fill(self):
        """Write a file until the file system is full."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while True:
                os.write(fd, b"\0" * 512)
        except OSError:
            pass
        finally:
            os.close(fd)

    def free(self):
        os.remove(self.filler)


@pytest.fixture
def small_disk():
    """A SmallDisk (a real 256 KiB tmpfs); mounting needs root, as the suite runs."""
    import shutil
    import subprocess
    path = tempfile.mkdtemp(prefix="ipylite-disk-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode:
        os.rmdir(path)
        pytest.fail(f"cannot mount a small tmpfs (the tests run as root, as .ci/run does): {r.stderr.strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
