"""Terminal speed: `python -m ipylite` against IPython in one run.

    python bench/terminal.py [--runs 10]

Measures `-c pass` wall time and peak memory (max RSS of the child), time from
start to the first prompt under a pty, and Tab completion on a namespace of 10,000
names (through the shell's completer, as readline calls it).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Installed packages come with compiled bytecode; give ours the same footing
# (PYTHONDONTWRITEBYTECODE would otherwise leave it compiling on every start).
__import__("compileall").compile_dir(os.path.join(ROOT, "ipylite"), quiet=1)
sys.path.insert(0, ROOT)
_tmp = tempfile.mkdtemp(prefix="ipylite-bench-")
ENV = dict(os.environ, PYTHONPATH=ROOT, IPYLITE_DIR=os.path.join(_tmp, "ipylite"),
           IPYTHONDIR=os.path.join(_tmp, "ipython"), TERM="xterm")
IPYTHON = [sys.executable, "-m", "IPython"]
IPYLITE = [sys.executable, "-m", "ipylite"]


def run_c_pass(cmd, runs):
    times, peaks = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        pid = subprocess.Popen(cmd + ["-c", "pass"], env=ENV, stdout=subprocess.DEVNULL).pid
        _, status, usage = os.wait4(pid, 0)
        times.append(time.perf_counter() - t0)
        peaks.append(usage.ru_maxrss / 1024)  # KiB -> MiB
    return statistics.median(times), statistics.median(peaks)


def first_prompt(cmd, runs):
    import pexpect
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        child = pexpect.spawn(cmd[0], cmd[1:] + ["--no-banner", "--colors", "NoColor"],
                              env=ENV, encoding="utf-8", timeout=30)
        child.expect(r"In \[1\]:")
        times.append(time.perf_counter() - t0)
        child.close(force=True)
    return statistics.median(times)


def completion_10k(kind):
    ns = {f"name_{i:05d}": i for i in range(10000)}
    if kind == "ipylite":
        from ipylite.shell import Shell
        sh = Shell(user_ns=ns)
        call = lambda: sh.complete("name_0999", 9)
    else:
        from IPython.core.interactiveshell import InteractiveShell
        sh = InteractiveShell.instance(user_ns=ns)
        call = lambda: sh.complete("name_0999", "name_0999", 9)
    call()
    t = []
    for _ in range(20):
        t0 = time.perf_counter()
        call()
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    rows = []
    ipy_t, ipy_m = run_c_pass(IPYTHON, a.runs)
    lite_t, lite_m = run_c_pass(IPYLITE, a.runs)
    rows.append(("`-c pass` time (s)", ipy_t, lite_t, "<= 0.3x"))
    rows.append(("`-c pass` peak memory (MiB)", ipy_m, lite_m, "<= 22 MiB"))
    rows.append(("start to first prompt, pty (s)", first_prompt(IPYTHON, a.runs),
                 first_prompt(IPYLITE, a.runs), "<= 0.3x"))
    rows.append(("Tab completion, 10,000 names (ms)", completion_10k("ipython"),
                 completion_10k("ipylite"), "< 20 ms"))
    print("| measure | IPython | ipylite | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for name, ipy, lite, target in rows:
        print(f"| {name} | {ipy:.3f} | {lite:.3f} | {lite / ipy:.2f}x | {target} |")


if __name__ == "__main__":
    main()
