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
