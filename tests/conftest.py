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


# ------------------------------------------------------------ a user file modes bind

OTHER_USER = "ipylite-test"


class Unprivileged:
    """Runs commands as a user whom file modes bind (root ignores them): the
    ``ipylite-test`` user when we are root (made with useradd if missing; .ci/run
    makes it too), else ourselves."""

    def __init__(self):
        import pwd
        import subprocess
        self.switch = os.getuid() == 0
        if not self.switch:
            self.uid, self.gid, self.python = os.getuid(), os.getgid(), sys.executable
            self.root = ROOT
            return
        try:
            entry = pwd.getpwnam(OTHER_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", OTHER_USER], capture_output=True)
            try:    # (another test session may have made it meanwhile)
                entry = pwd.getpwnam(OTHER_USER)
            except KeyError:
                pytest.skip(f"cannot create the user {OTHER_USER} (useradd failed)")
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.python = self._python()
        self.root = self._root()

    def _python(self):
        """This interpreter if the user may run it, else the system's of the same
        version (a venv made from an interpreter under /root is out of their reach)."""
        import shutil
        version = "python%d.%d" % sys.version_info[:2]
        for exe in (sys.executable, shutil.which(version, path="/usr/local/bin:/usr/bin")):
            try:
                if exe and self.run([exe, "-c", "pass"]).returncode == 0:
                    return exe
            except PermissionError:
                pass
        pytest.skip(f"no {version} that {OTHER_USER} may run")

    def _root(self):
        """Where the user imports ipylite from: this checkout, or (if it lies in a
        folder the user cannot read, such as /root) a copy of the package."""
        import shutil
        probe = [self.python, "-c", "import ipylite"]
        if self.run(probe, env=dict(os.environ, PYTHONPATH=ROOT), cwd="/").returncode == 0:
            return ROOT
        import atexit
        copy = tempfile.mkdtemp(prefix="ipylite-pkg-")
        atexit.register(shutil.rmtree, copy, True)
        shutil.copytree(os.path.join(ROOT, "ipylite"), os.path.join(copy, "ipylite"))
        os.chmod(copy, 0o755)
        for base, dirs, files in os.walk(copy):
            for name in dirs + files:
                os.chmod(os.path.join(base, name), 0o755 if name in dirs else 0o644)
        return copy

    def env(self, **extra):
        """The environment for the user's commands: our ipylite first on the path."""
        return dict(os.environ, PYTHONPATH=self.root, **extra)

    def folder(self):
        """A fresh folder the user owns, in a place every user can reach."""
        path = tempfile.mkdtemp(prefix="ipylite-user-")
        os.chmod(path, 0o755)
        os.chown(path, self.uid, self.gid)
        return path

    def chown(self, *paths):
        for p in paths:
            os.chown(p, self.uid, self.gid)

    def run(self, argv, **kw):
        """subprocess.run as the user (text, captured output, a time limit)."""
        import subprocess
        if self.switch:
            kw.update(user=self.uid, group=self.gid, extra_groups=[])
        kw.setdefault("timeout", 60)
        return subprocess.run(argv, capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def unprivileged():
    return Unprivileged()


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
    """A SmallDisk; mounting needs root (the only reason to skip)."""
    import shutil
    import subprocess
    path = tempfile.mkdtemp(prefix="ipylite-disk-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode:
        os.rmdir(path)
        pytest.skip(f"cannot mount a small tmpfs: {r.stderr.strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
