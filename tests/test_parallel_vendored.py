"""ipylite.parallel from a vendored copy (myapp/_vendor/ipylite, no `ipylite` package
importable anywhere): engines and the controller are started with the copy's own
module name."""

import os
import shutil
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p))


def test_a_vendored_copy_runs_a_cluster(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    app = tmp_path / "app"
    vendor = app / "myapp" / "_vendor"
    shutil.copytree(os.path.join(ROOT, "ipylite"), vendor / "ipylite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for pkg in (app / "myapp", vendor):
        (pkg / "__init__.py").write_text("")
    zmq_only = tmp_path / "zmq-only"
    zmq_only.mkdir()
    for name in ("zmq", "pyzmq.libs"):
        if os.path.exists(os.path.join(SITE, name)):
            shutil.copytree(os.path.join(SITE, name), zmq_only / name)
    script = tmp_path / "use.py"
    script.write_text(textwrap.dedent("""
        import importlib.util
        assert importlib.util.find_spec("ipylite") is None, "ipylite is importable"
        from myapp._vendor.ipylite.parallel import Cluster
        with Cluster(n=2, timeout=60) as rc:
            print("direct", rc[:].apply_sync(lambda: 6 * 7))
            rc[:].push({"a": 5}, block=True)
            print("pull", rc[:].pull("a", block=True))
            print("lb", rc.load_balanced_view().map_sync(lambda x: x + 1, range(4)))
    """))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "PYTHONPATH": os.pathsep.join([str(app), str(zmq_only)])}
    out = subprocess.run([str(venv / "bin" / "python"), str(script)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "direct [42, 42]" in out.stdout
    assert "pull [5, 5]" in out.stdout
    assert "lb [1, 2, 3, 4]" in out.stdout
