"""Real notebooks nobody here wrote (../shared/real_notebooks, see its SOURCES.md), run with
nbclient on ipykernel and on ipylite's kernel: at least 97% of the code cells must give
the same outputs (see realnb.py for what "the same" means). The remaining differences are
printed, and each kind is listed with its reason in the README."""

import os
import time

import pytest

import realnb          # (tests/ is on sys.path)

THRESHOLD = 97.0


@pytest.mark.timeout(2400)     # ipykernel alone takes 5-10 minutes on two busy cores
def test_real_notebooks_run_on_ipylite_as_on_ipykernel(tmp_path, capsys):
    corpus = realnb.find_corpus()
    assert corpus, ("the notebook corpus is missing: set IPYLITE_REAL_NOTEBOOKS or put "
                    "shared/real_notebooks beside the repository")
    from jupyter_client.kernelspec import KernelSpecManager
    specs = KernelSpecManager().find_kernel_specs()
    assert "python3" in specs and "ipylite" in specs, specs
    t0 = time.monotonic()
    reference = realnb.run_corpus(corpus, "python3", str(tmp_path / "ref"))
    t1 = time.monotonic()
    ours = realnb.run_corpus(corpus, "ipylite", str(tmp_path / "ours"))
    t2 = time.monotonic()
    again = realnb.run_corpus(corpus, "ipylite", str(tmp_path / "again"))
    same, total, differences = realnb.compare(reference, ours, again)
    percent = 100.0 * same / total
    with capsys.disabled():
        print("\n" + realnb.report(differences, limit=200))
        print(f"real notebooks: {same}/{total} code cells the same ({percent:.1f}%); "
              f"ipykernel {t1 - t0:.0f} s, ipylite {t2 - t1:.0f} s (and {time.monotonic() - t2:.0f} s "
              f"again, to tell run-to-run changes)")
    assert total > 500, total           # the whole corpus ran
    assert percent >= THRESHOLD
