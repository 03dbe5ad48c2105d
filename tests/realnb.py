"""Run a corpus of real notebooks on two kernels with nbclient and compare them cell by cell.

Used by test_real_notebooks.py; also a command line for looking at the differences:

    python tests/realnb.py [CORPUS] [--kernels python3,ipylite] [--show]

Each kernel runs its own scratch copy of the corpus (notebooks may write files), each
notebook in its own folder, with allow_errors and 60 s per cell. A code cell's outputs are
reduced to what a user sees as "the same": output types, mime keys, text/plain and stream
text after normalising addresses, timings, memory figures and the scratch folder's path,
and error names. Execution counts and tracebacks' frames are not compared.
"""

import concurrent.futures
import multiprocessing
import os
import re
import shutil
import sys
import time

CELL_TIMEOUT = 60

_ADDR = re.compile(r"0x[0-9a-fA-F]{4,}")
_DURATION = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:ns|μs|µs|us|ms|s|sec|min|h)\b")
_SLOWEST = re.compile(r"The slowest run took [^\n]*\n?")     # %timeit's chance warning
_CELL_FILE = re.compile(r"/tmp/ipykernel_\d+/\d+\.py|<ipython-input-\d+-[0-9a-f]+>")
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")
# a deliberate difference (README): ipylite's own classes are named as ipylite's
_OUR_CLASS = re.compile(r"<(?:IPython|ipylite)(?:\.\w+)*\.(\w+)( object| at)")
_TIMING_LINE = re.compile(r"(per loop|loops each|Wall time|CPU times|function calls|"
                          r"MiB|Total time|Timer unit|Line #|tottime|peak memory)")
_SIZE = re.compile(r"\b\d+(?:\.\d+)?[KMGT]i?B?\b")     # disk and memory figures (df -h)
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def find_corpus():
    """The corpus folder: $IPYLITE_REAL_NOTEBOOKS, or ../shared/real_notebooks beside the repo."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = [os.environ.get("IPYLITE_REAL_NOTEBOOKS", ""),
                  os.path.join(os.path.dirname(here), "shared", "real_notebooks")]
    for path in candidates:
        if path and os.path.isdir(path):
            return path
    return None


def notebooks(root):
    """Relative paths of the corpus's notebooks, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".ipynb") and ".ipynb_checkpoints" not in folder:
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def normalise(text, scratch):
    text = _ANSI.sub("", text)
    if scratch:
        text = text.replace(os.path.realpath(scratch), "<TMP>").replace(scratch, "<TMP>")
    text = _ADDR.sub("0xADDR", _SLOWEST.sub("", text))
    text = _HEX_ID.sub("<ID>", _CELL_FILE.sub("<cell>", text))
    text = _SIZE.sub("<SIZE>", _OUR_CLASS.sub(r"<\1\2", text))
    lines = []
    for line in text.splitlines():
        line = _DURATION.sub("<T>", line)
        if "<SIZE>" in line:          # a table of sizes (df -h): its columns' widths follow them
            line = re.sub(r"\s+", " ", line)
        if _TIMING_LINE.search(line):
            line = re.sub(r"N(,N)+", "N", _NUMBER.sub("N", line)).replace(" loop each", " loops each")
        lines.append(line)
    return "\n".join(lines).rstrip()


def summarise(outputs, scratch):
    """A code cell's outputs as a list of comparable tuples (consecutive streams merged)."""
    summary = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out.get("text", "")
            if summary and summary[-1][0] == "stream" and summary[-1][1] == out.get("name"):
                summary[-1] = ("stream", out.get("name"), summary[-1][2] + text)
            else:
                summary.append(("stream", out.get("name"), text))
        elif kind == "error":
            summary.append(("error", out.get("ename")))
        else:
            data = out.get("data", {})
            summary.append((kind, tuple(sorted(data)),
                            normalise(data.get("text/plain", ""), scratch)))
    summary = [(s[0], s[1], normalise(s[2], scratch)) if s[0] == "stream" else s
               for s in summary]
    return [s for s in summary if not (s[0] == "stream" and not s[2])]


def end_consoles(connection_file):
    """End what a notebook's `%qtconsole` started on its kernel (ipykernel's and ipylite's
    consoles outlive their kernel by design): the processes naming its connection file."""
    import signal
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if connection_file in argv and "--existing" in argv:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


def run_notebook(args):
    """Execute one notebook (in its own folder of the scratch copy); a summary per code cell."""
    import nbformat
    from nbclient import NotebookClient

    path, kernel_name, scratch = args
    started = time.monotonic()
    for attempt in range(2):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:           # a cell the run never reaches shows nothing
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        kernels = []            # its connection file, kept for end_consoles()
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, allow_errors=True,
                                kernel_name=kernel_name, iopub_timeout=10, startup_timeout=60,
                                resources={"metadata": {"path": os.path.dirname(path)}},
                                on_notebook_start=lambda **_: kernels.append(
                                    client.km.connection_file))
        try:
            client.execute()
            failure = None
        except Exception as exc:             # a dead kernel or a timeout: keep what ran
            failure = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ran = any(cell.get("execution_count") or cell.get("outputs")
                      for cell in nb.cells if cell.cell_type == "code")
            if not ran and attempt == 0:     # it never started (a port taken meanwhile
                continue                     # by another process on a busy machine)
        finally:
            for connection_file in kernels:
                end_consoles(connection_file)
        break
    cells = [summarise(cell.get("outputs", []), scratch)
             for cell in nb.cells if cell.cell_type == "code"]
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return {"cells": cells, "sources": sources, "failure": failure,
            "seconds": time.monotonic() - started}


def run_folder(jobs):
    """The notebooks of one folder, one after the other in name order: a notebook that
    lists its folder then sees the same files on every run."""
    return [run_notebook(job) for job in jobs]


def run_corpus(corpus, kernel_name, scratch, processes=2):
    """Copy the corpus to scratch/<kernel_name> and run every notebook there, folders
    in parallel (the largest first), each folder's notebooks in order."""
    base = os.path.join(scratch, kernel_name)
    shutil.copytree(corpus, base)
    folders = {}
    for p in notebooks(base):
        folders.setdefault(os.path.dirname(p), []).append(p)
    groups = sorted(folders.values(), key=len, reverse=True)
    ctx = multiprocessing.get_context("spawn")
    results = {}
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        runs = pool.map(run_folder, [[(os.path.join(base, p), kernel_name, base) for p in group]
                                     for group in groups])
        for group, outcome in zip(groups, runs):
            results.update(zip(group, outcome))
    return {p: results[p] for p in sorted(results)}


def make_venv_without_ipython(folder, jupyter_path, name="ipylite-noipython"):
    """A real virtual environment (venv module, no pip) whose Python sees this Python's
    packages except IPython (each other top-level entry of site-packages is linked into
    one folder that a .pth file names, with the ipylite checkout), and a kernelspec
    `name` in jupyter_path that runs ipylite's kernel there. Returns the venv's python."""
    import json
    import subprocess
    import sysconfig
    folder = os.path.abspath(folder)
    venv = os.path.join(folder, "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True,
                   timeout=300)
    python = os.path.join(venv, "bin", "python")
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = os.path.join(folder, "deps")
    os.makedirs(deps)
    ours = sysconfig.get_paths()["purelib"]
    for entry in os.listdir(ours):
        if entry.lower().startswith("ipython") or entry.endswith(".pth") or \
                entry.startswith(("__editable__", "_distutils_hack", "__pycache__")):
            continue
        os.symlink(os.path.join(ours, entry), os.path.join(deps, entry))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(site, "ipylite-test-deps.pth"), "w") as f:
        f.write("%s\n%s\n" % (root, deps))
    spec = os.path.join(jupyter_path, "kernels", name)
    os.makedirs(spec, exist_ok=True)
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump({"argv": [python, "-m", "ipylite.kernel", "-f", "{connection_file}"],
                   "display_name": "ipylite without IPython", "language": "python"}, f)
    return python


def shape(cell):
    """What is left to compare of a cell whose text changes from run to run."""
    return None if cell is None else [s[:2] for s in cell]


def unstable(run, again):
    """{(notebook, cell index)} whose outputs differ between two runs of one kernel."""
    found = set()
    for path, first in run.items():
        second = again.get(path, {"cells": []})["cells"]
        for i, cell in enumerate(first["cells"]):
            if i >= len(second) or second[i] != cell:
                found.add((path, i))
    return found


def compare(reference, candidate, again=None, changing=None):
    """(same, total, differences): differences lists (notebook, cell index, source, ref,
    cand). `again` is a second run of the candidate (or `changing` the cells found to
    change from run to run): such a cell (random numbers, timings) is compared by its
    shape only (output types, stream names, mime keys)."""
    same = total = 0
    differences = []
    if changing is None:
        changing = unstable(candidate, again) if again is not None else set()
    for path, ref in reference.items():
        cand = candidate.get(path, {"cells": []})
        for i, ref_cell in enumerate(ref["cells"]):
            total += 1
            cand_cell = cand["cells"][i] if i < len(cand["cells"]) else None
            if cand_cell == ref_cell or ((path, i) in changing
                                         and shape(ref_cell) == shape(cand_cell)):
                same += 1
            else:
                differences.append((path, i, ref["sources"][i], ref_cell, cand_cell))
    return same, total, differences


def report(differences, limit=400):
    lines = []
    for path, i, source, ref, cand in differences:
        lines.append(f"--- {path} cell {i}: {source.strip().splitlines()[0][:70] if source.strip() else ''}")
        lines.append(f"    reference: {str(ref)[:limit]}")
        lines.append(f"    candidate: {str(cand)[:limit]}")
    return "\n".join(lines)


def main(argv):
    """python tests/realnb.py [CORPUS] [--kernels=python3,ipylite] [--ref=FILE]
    (--ref keeps the reference kernel's results in FILE and reuses them when present)."""
    import json
    import tempfile
    corpus = next((a for a in argv if not a.startswith("--")), None) or find_corpus()
    opts = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    ref_name, cand_name = opts.get("kernels", "python3,ipylite").split(",")
    scratch = tempfile.mkdtemp(prefix="realnb-")
    try:
        t0 = time.monotonic()
        if opts.get("ref") and os.path.exists(opts["ref"]):
            with open(opts["ref"]) as f:
                ref = json.load(f)
            for r in ref.values():
                r["cells"] = [[tuple(tuple(x) if isinstance(x, list) else x for x in o)
                               for o in cell] for cell in r["cells"]]
        else:
            ref = run_corpus(corpus, ref_name, scratch)
            if opts.get("ref"):
                with open(opts["ref"], "w") as f:
                    json.dump(ref, f)
        t1 = time.monotonic()
        if cand_name == "ipylite-noipython":
            make_venv_without_ipython(os.path.join(scratch, "noipy"),
                                      os.environ["JUPYTER_PATH"].split(os.pathsep)[0])
        cand = run_corpus(corpus, cand_name, scratch)
        t2 = time.monotonic()
        again = run_corpus(corpus, cand_name, os.path.join(scratch, "again"))
        same, total, differences = compare(ref, cand, again)
        print(report(differences))
        for name, res in ((ref_name, ref), (cand_name, cand)):
            for path, r in res.items():
                if r["failure"]:
                    print(f"{name}: {path}: {r['failure']}")
        print(f"{same}/{total} cells the same ({100.0 * same / total:.1f}%); "
              f"{ref_name} {t1 - t0:.0f} s, {cand_name} {t2 - t1:.0f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
