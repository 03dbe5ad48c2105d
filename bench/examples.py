"""ipyparallel's documented examples, run on ipylite.parallel and on ipyparallel in one run.

    python bench/examples.py [--repo GITDIR] [--side ipylite|ipyparallel|both]
                             [--modernise|--as-is] [NAME ...]

The examples are read from a clone of ipyparallel (``docs/source/examples``; default: the
mirror the session tools fetch, or $IPP_REPO) into a fresh folder per side; nothing of
theirs is kept. Each example runs in its own process, its code cells one after another
in an interactive shell (ipylite's Shell; ipykernel's in-process kernel's shell for
ipyparallel, so that ``%matplotlib inline`` works there as in a notebook),
with a default cluster of 4 engines running, as the examples expect. For ipylite the
only change is the import line (``import ipyparallel as ipp`` -> ``import
ipylite.parallel as ipp``). An example passes when every cell runs, except cells whose
saved outputs show an error (the examples demonstrate some on purpose). Not part of
the test suite: the suite has tests of its own that use the same API the same ways.

Six examples carry code from older Python, networkx and matplotlib that fails on today's
before it reaches ipyparallel's API (on both sides). ``--modernise`` first applies the
small source fixes in MODERNISE (the same ones on both sides, to the fetched copy only),
so that what fails after it is the parallel API; ``--as-is`` runs the examples
unchanged; by default the run does both and reports both counts. Under ``--modernise``
a cell listed in MODERNISE_ERRORS is expected to fail (its error output was lost).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXAMPLES = [
    "Parallel Decorator and map.ipynb", "itermapresult.py", "customresults.py",
    "dependencies.py", "dagdeps.py", "Monte Carlo Options.ipynb", "rmt/rmt.ipynb",
    "wave2D/parallelwave.py", "Parallel Magics.ipynb", "Futures.ipynb",
    "Using MPI with IPython Parallel.ipynb", "Cluster API.ipynb", "Using Dill.ipynb",
    "nwmerge.py", "interengine/interengine.py", "visualizing-tasks.ipynb",
    "basic_task_label.py", "task_profiler.py", "Data Publication API.ipynb",
]
# (file under docs/source/examples, old text, new text): the smallest change that makes the
# example valid on today's Python, networkx and matplotlib; each old text must occur.
MODERNISE = [
    ("dagdeps.py", "node_list=", "nodelist="),                         # networkx 2 name
    ("rmt/rmtkernel.py", "evals[N / 2] - evals[N / 2 - 1]",           # Python 3: / is float
     "evals[N // 2] - evals[N // 2 - 1]"),
    ("rmt/rmt.ipynb", "num_per_engine = num / nengines", "num_per_engine = num // nengines"),
    ("rmt/rmt.ipynb", "normed=True", "density=True"),                  # matplotlib 3.1
    ("wave2D/RectPartitioner.py", "my_id / offsets", "my_id // offsets"),      # Python 3
    ("wave2D/RectPartitioner.py", "(my_id % offsets[2]) / self", "(my_id % offsets[2]) // self"),
    ("wave2D/RectPartitioner.py", "self.global_num_cells[i] / self",
     "self.global_num_cells[i] // self"),
    ("nwmerge.py", "raise StopIteration\n", "return\n"),              # PEP 479 (Python 3.7)
    ("interengine/communicator.py", "bytes(uuid.uuid4())", "uuid.uuid4().bytes"),  # Python 3
    # (not old code: its cell reads the data of a task started a moment before, at a
    # reader's pace; run at once, the first publish_data may not have arrived yet)
    ("Data Publication API.ipynb", "data = ar.data\n",
     "import time; time.sleep(2)  # a reader's pace\ndata = ar.data\n"),
    ("visualizing-tasks.ipynb", "plt.colorbar(color_map, label=",      # matplotlib 3.6
     "plt.colorbar(color_map, ax=plt.gca(), label="),
]
# (notebook, text of a cell): the cell demonstrates an error although the notebook as saved
# today lost its error output (Cluster API: rank 0 raises ZeroDivisionError before the MPI
# barrier; the notebook saved an error for this cell in 2021), so it is marked as one.
MODERNISE_ERRORS = [
    ("Cluster API.ipynb", "await cluster.signal_engines(signal.SIGINT)\nar.get(timeout=2)"),
]
DEFAULT_REPO = "/work/.mirror/ipython+ipyparallel/repo"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def to_ipylite(src):
    """The one change: the import of ipyparallel."""
    src = re.sub(r"^(\s*)import ipyparallel as", r"\1import ipylite.parallel as", src, flags=re.M)
    src = re.sub(r"^(\s*)import ipyparallel$", r"\1import ipylite.parallel as ipyparallel",
                 src, flags=re.M)
    return re.sub(r"^(\s*)from ipyparallel([. ])", r"\1from ipylite.parallel\2", src, flags=re.M)


def modernise(folder, names):
    """Apply MODERNISE's replacements for `names` (and their helper files) in `folder`."""
    dirs = {os.path.dirname(n) or n for n in names}
    for rel, old, new in MODERNISE:
        if (os.path.dirname(rel) or rel) not in dirs:
            continue
        path = os.path.join(folder, rel)
        with open(path) as f:
            text = f.read()
        if rel.endswith(".ipynb"):      # replace in the cells' source, not in the JSON text
            nb = json.loads(text)
            hits = 0
            for cell in nb["cells"]:
                src = "".join(cell["source"])
                hits += src.count(old)
                cell["source"] = src.replace(old, new)
            text = json.dumps(nb)
        else:
            hits = text.count(old)
            text = text.replace(old, new)
        if not hits:
            raise SystemExit(f"--modernise: {old!r} not found in {rel} (the example changed?)")
        with open(path, "w") as f:
            f.write(text)
    for rel, code in MODERNISE_ERRORS:
        if rel not in names:
            continue
        path = os.path.join(folder, rel)
        with open(path) as f:
            nb = json.load(f)
        cells = [c for c in nb["cells"] if code in "".join(c["source"])]
        if not cells:
            raise SystemExit(f"--modernise: no cell {code!r} in {rel} (the example changed?)")
        for c in cells:
            c.setdefault("outputs", []).append({"output_type": "error", "ename": "",
                                                "evalue": "", "traceback": []})
        with open(path, "w") as f:
            json.dump(nb, f)


def cells_of(path):
    """[(code, the saved outputs show an error)]; a script is one cell."""
    if path.endswith(".ipynb"):
        with open(path) as f:
            nb = json.load(f)
        return [("".join(c["source"]),
                 any(o.get("output_type") == "error" for o in c.get("outputs", [])))
                for c in nb["cells"] if c["cell_type"] == "code"]
    with open(path) as f:
        return [(f.read(), False)]


def run_cells(side, path):
    """In this process: run the example's cells; exit 1 at the first unexpected error."""
    cells = cells_of(path)
    os.chdir(os.path.dirname(os.path.abspath(path)))
    sys.argv = [os.path.basename(path)]
    sys.path.insert(0, os.getcwd())
    if side == "ipylite":
        sys.path.insert(0, ROOT)
        from ipylite.shell import Shell
        shell = Shell()
    else:       # ipykernel's shell (in process), as in a notebook: %matplotlib inline works
        from ipykernel.inprocess.manager import InProcessKernelManager
        km = InProcessKernelManager()
        km.start_kernel()
        shell = km.kernel.shell
    for i, (code, error_expected) in enumerate(cells):
        if side == "ipylite":
            code = to_ipylite(code)
        t0 = time.monotonic()
        r = shell.run_cell(code)
        if time.monotonic() - t0 > 5:
            print(f"(cell {i} took {time.monotonic() - t0:.0f} s)", file=sys.stderr)
        if not r.success and not error_expected:
            error = r.error_in_exec or r.error_before_exec
            print(f"CELL {i} of {len(cells)} FAILED:\n{code[:300]}", file=sys.stderr)
            print(f"ERROR {type(error).__name__}: {error}"[:200], file=sys.stderr)
            print(f"{error}", file=sys.stderr)       # in full, for --verbose
            sys.exit(1)
    print("OK")


def start_cluster(side, env):
    py = sys.executable
    if side == "ipylite":
        cmd = [py, "-m", "ipylite.parallel", "start", "-n", "4", "--daemonize"]
    else:
        cmd = [os.path.join(os.path.dirname(py), "ipcluster"), "start", "-n", "4", "--daemonize"]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)
    mod = "ipylite.parallel" if side == "ipylite" else "ipyparallel"
    wait = (f"import time, {mod} as p\nt = time.time() + 60\n"
            "while True:\n"
            "    try:\n"
            "        rc = p.Client(); rc.wait_for_engines(4, timeout=60); break\n"
            "    except Exception:\n"
            "        if time.time() > t: raise\n"
            "        time.sleep(0.5)\n")
    subprocess.run([py, "-c", wait], env=env, timeout=150, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_cluster(side, env):
    py = sys.executable
    cmd = [py, "-m", "ipylite.parallel", "stop"] if side == "ipylite" else \
        [os.path.join(os.path.dirname(py), "ipcluster"), "stop"]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)


def run_side(side, repo, names, timeout, modern=False, verbose=False):
    work = tempfile.mkdtemp(prefix=f"examples-{side}-")
    archive = subprocess.run(["git", f"--git-dir={repo}", "archive", "HEAD",
                              "docs/source/examples"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", work], input=archive, check=True)
    folder = os.path.join(work, "docs", "source", "examples")
    if modern:
        modernise(folder, names)
    # engines import the examples' helper modules (rmtkernel...) as when started beside them
    path = [os.path.join(folder, d) for d in ("", "rmt", "wave2D", "interengine")]
    if side == "ipylite":
        path.insert(0, ROOT)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(path),
               PYDEVD_DISABLE_FILE_VALIDATION="1",      # (and the venv's mpiexec, ipcluster:)
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
               IPYLITE_DIR=os.path.join(work, "ipylite"), IPYTHONDIR=os.path.join(work, "ipython"))
    results = {}
    start_cluster(side, env)
    # Cluster API's last cells stop the profile's default cluster (ours): start it again
    url_file = os.path.join(env["IPYLITE_DIR" if side == "ipylite" else "IPYTHONDIR"],
                            "profile_default", "security", "ipcontroller-client.json")
    try:
        for name in names:
            if not os.path.exists(url_file):
                start_cluster(side, env)
            t0 = time.monotonic()
            try:
                p = subprocess.run([sys.executable, os.path.abspath(__file__), "--cells", side,
                                    os.path.join(folder, name)], env=env, capture_output=True,
                                   text=True, timeout=timeout)
                ok, out = p.returncode == 0, p.stdout + p.stderr
            except subprocess.TimeoutExpired as e:
                ok, out = False, f"timed out after {timeout} s\n{e.stderr or ''}"
            lines = [x for x in out.splitlines() if x.strip()]
            said = [x for x in lines if x.startswith(("CELL ", "ERROR "))][-2:]
            why = "" if ok else " :: " + " ".join(said or lines[-3:])[:240]
            results[name] = ok
            if verbose and not ok:
                print(out[-4000:], flush=True)
            print(f"  {side:11} {'modernised ' if modern else ''}"
                  f"{'PASS' if ok else 'FAIL'} {name} "
                  f"({time.monotonic() - t0:.0f} s){why}", flush=True)
    finally:
        stop_cluster(side, env)
        shutil.rmtree(work, ignore_errors=True)
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", default=os.environ.get("IPP_REPO", DEFAULT_REPO),
                   help="ipyparallel's git folder (a clone or bare mirror)")
    p.add_argument("--side", choices=("ipylite", "ipyparallel", "both"), default="both")
    p.add_argument("--timeout", type=float, default=180, help="seconds per example")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--modernise", action="store_const", dest="modes", const=(True,),
                      help="only with MODERNISE's source fixes (both sides)")
    mode.add_argument("--as-is", action="store_const", dest="modes", const=(False,),
                      help="only the examples as they are")
    p.add_argument("-v", "--verbose", action="store_true", help="show failures in full")
    p.add_argument("--cells", nargs=2, metavar=("SIDE", "FILE"), help=argparse.SUPPRESS)
    p.add_argument("names", nargs="*", help="examples to run (default: all 19)")
    a = p.parse_args(argv)
    if a.cells:
        return run_cells(*a.cells)
    names = a.names or EXAMPLES
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))    # stop the cluster when killed
    sides = ("ipylite", "ipyparallel") if a.side == "both" else (a.side,)
    modes = a.modes or (False, True)
    totals = {(side, modern): run_side(side, a.repo, names, a.timeout, modern,
                                              a.verbose)
              for modern in modes for side in sides}
    print()
    for (side, modern), res in totals.items():
        how = "modernised" if modern else "as they are"
        print(f"{side:11} {sum(res.values())}/{len(res)} examples run ({how})")


if __name__ == "__main__":
    main()
