"""ipylite copied into a constrained environment: a virtual environment with no
third-party packages, then with pyzmq alone; imports without side effects."""

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p))
TIMEOUT = 60


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A venv without pip or any package, and the app folder with ipylite vendored as
    myapp/_vendor/ipylite (a copy of the package folder, nothing installed)."""
    base = tmp_path_factory.mktemp("vendor")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=TIMEOUT)
    app = base / "app"
    vendor = app / "myapp" / "_vendor"
    shutil.copytree(os.path.join(ROOT, "ipylite"), vendor / "ipylite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for pkg in (app / "myapp", vendor):
        (pkg / "__init__.py").write_text("")
    zmq_only = base / "zmq-only"   # pyzmq and nothing else, as `pip install pyzmq` gives
    zmq_only.mkdir()
    for name in ("zmq", "pyzmq.libs"):
        if os.path.exists(os.path.join(SITE, name)):
            shutil.copytree(os.path.join(SITE, name), zmq_only / name)
    return {"python": str(venv / "bin" / "python"), "app": str(app), "base": base,
            "zmq": str(zmq_only)}


def run(bare, args, extra_path=(), home=None, **kw):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home or bare["base"] / "home"),
           "PYTHONPATH": os.pathsep.join([bare["app"], *extra_path])}
    kw.setdefault("timeout", TIMEOUT)
    return subprocess.run([bare["python"], *args], env=env, capture_output=True, text=True,
                          **kw)


def test_the_venv_really_has_no_third_party_packages(bare):
    out = run(bare, ["-c", "import importlib.util as u; print([m for m in "
                           "('zmq', 'numpy', 'IPython', 'PyQt5') if u.find_spec(m)])"])
    assert out.stdout.strip() == "[]"


def test_standard_library_alone_runs_the_shell(bare):
    code = "%xmode Plain\n!echo shell-escape-works\nanswer = 6 * 7\nprint(answer)"
    out = run(bare, ["-m", "myapp._vendor.ipylite", "-c", code])
    assert out.returncode == 0, out.stderr
    assert "shell-escape-works" in out.stdout and "42" in out.stdout
    # history reached the profile's SQLite file, and a second run sees it
    out = run(bare, ["-m", "myapp._vendor.ipylite", "-c",
                     "print([s for _, _, s in get_ipython().history.get_tail(2)][0])"])
    assert out.stdout.strip().endswith("print(answer)"), out.stdout + out.stderr
    assert glob.glob(str(bare["base"] / "home" / ".ipylite" / "profile_default" / "history.sqlite"))


def test_version_without_installed_metadata(bare):
    out = run(bare, ["-m", "myapp._vendor.ipylite", "--version"])
    assert out.stdout.startswith("ipylite 0.")


@pytest.mark.parametrize("args, needs", [
    (["kernel"], "pip install pyzmq"),
    (["", "--kernel", "python3"], "pip install pyzmq"),
    (["webnb", "--no-browser"], "pip install pyzmq"),
    (["qtconsole"], "pip install PyQt5"),
])
def test_a_missing_tier_is_one_clear_line(bare, args, needs):
    module = "myapp._vendor.ipylite" + ("." + args[0] if args[0] else "")
    out = run(bare, ["-m", module, *args[1:]])
    assert out.returncode != 0
    assert needs in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_import_has_no_side_effects(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code = ("import sys, threading, ipylite, ipylite.shell, ipylite.display, ipylite.protocol\n"
            "print(sorted(m for m in ('zmq', 'numpy') if m in sys.modules), "
            "threading.active_count())")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": ROOT}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert out.stdout.strip() == "[] 1", out.stderr
    assert os.listdir(home) == []


def test_unwritable_home_only_disables_history(bare, tmp_path):
    home = tmp_path / "not-a-folder"
    home.write_text("a file where the home folder should be")
    out = run(bare, ["-m", "myapp._vendor.ipylite", "-c", "print('still works')"], home=home)
    assert out.returncode == 0
    assert out.stdout == "still works\n"
    assert "history and config are off" in out.stderr
    assert "Traceback" not in out.stderr


def test_pyzmq_alone_adds_the_kernel(bare, tmp_path):
    client = textwrap.dedent("""
        import sys
        from myapp._vendor.ipylite.protocol import KernelManager
        km = KernelManager(argv=[sys.executable, "-m", "myapp._vendor.ipylite.kernel",
                                 "-f", "{connection_file}"])
        km.start_kernel()
        kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=30)
        out = []
        reply = kc.execute_interactive("import sys; 6 * 7", timeout=30,
                                       output_hook=out.append)
        print(reply["content"]["status"],
              [m["content"]["data"]["text/plain"] for m in out
               if m["msg_type"] == "execute_result"])
        kc.stop_channels(); km.shutdown_kernel()
    """)
    out = run(bare, ["-c", client], extra_path=[bare["zmq"]],
              home=tmp_path, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok ['42']"
