"""Real notebooks nobody here wrote (../shared/real_notebooks, see its SOURCES.md), run with
nbclient on ipykernel and on ipylite's kernel, with IPython installed and in a virtual
environment without it: at least 97% of the code cells must give the same outputs (see
realnb.py for what "the same" means). The differences left are printed; each kind is
listed with its reason in the README. ipykernel alone takes 5-10 minutes on two busy
cores, so the reference run is shared by the tests of this module."""

import os
import time

import pytest

import realnb          # (tests/ is on sys.path)

THRESHOLD = 97.0
TIMES = {}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("realnb")


@pytest.fixture(scope="module")
def corpus():
    path = realnb.find_corpus()
    assert path, ("the notebook corpus is missing: set IPYLITE_REAL_NOTEBOOKS or put "
                  "shared/real_notebooks beside the repository")
    return path


@pytest.fixture(scope="module")
def reference(corpus, scratch):
    from jupyter_client.kernelspec import KernelSpecManager
    assert "python3" in KernelSpecManager().find_kernel_specs()
    t0 = time.monotonic()
    runs = realnb.run_corpus(corpus, "python3", str(scratch / "ref"))
    TIMES["ipykernel"] = time.monotonic() - t0
    return runs


@pytest.fixture(scope="module")
def changing(corpus, scratch):
    """The cells whose outputs change from one ipylite run to the next (random numbers
    without a seed, timings), from two runs, and the first of them."""
    t0 = time.monotonic()
    first = realnb.run_corpus(corpus, "ipylite", str(scratch / "ours"))
    TIMES["ipylite"] = time.monotonic() - t0
    again = realnb.run_corpus(corpus, "ipylite", str(scratch / "again"))
    return first, realnb.unstable(first, again)


def check(name, reference, candidate, changing, capsys):
    same, total, differences = realnb.compare(reference, candidate, changing=changing)
    percent = 100.0 * same / total
    with capsys.disabled():
        print("\n" + realnb.report(differences, limit=200))
        print(f"real notebooks on {name}: {same}/{total} code cells as on ipykernel "
              f"({percent:.1f}%; {len(changing)} cells change from run to run); "
              + ", ".join(f"{k} {v:.0f} s" for k, v in TIMES.items()))
    assert total > 500, total           # the whole corpus ran
    assert percent >= THRESHOLD


@pytest.mark.timeout(2400)
def test_real_notebooks_run_on_ipylite_as_on_ipykernel(reference, changing, capsys):
    ours, unstable = changing
    check("ipylite", reference, ours, unstable, capsys)


@pytest.mark.timeout(2400)
def test_real_notebooks_run_without_ipython_installed(reference, changing, corpus, scratch,
                                                      capsys):
    jupyter_path = os.environ["JUPYTER_PATH"].split(os.pathsep)[0]
    python = realnb.make_venv_without_ipython(str(scratch / "noipy"), jupyter_path)
    import subprocess
    probe = subprocess.run([python, "-c", "import importlib.util as u, ipylite; "
                            "print(u.find_spec('IPython'), ipylite.__file__)"],
                           capture_output=True, text=True, timeout=60)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert probe.stdout.split() == ["None", os.path.join(root, "ipylite", "__init__.py")], \
        probe.stderr
    t0 = time.monotonic()
    runs = realnb.run_corpus(corpus, "ipylite-noipython", str(scratch / "noipy-runs"))
    TIMES["ipylite without IPython"] = time.monotonic() - t0
    check("ipylite without IPython", reference, runs, changing[1], capsys)
