"""Interactive-shell costs: ipylite's Shell against IPython's InteractiveShell, each in
a fresh child process of this one run. Prints a Markdown table with ratios
(ipylite / IPython; below 1 means ipylite is cheaper).

    python bench/shell.py [--cells 2000] [--rounds 5]

Measures
- history write cost per cell: run_cell('x = N') with history on an SQLite file, minus
  the same with history off, per cell, including the final flush to disk (the median
  of --rounds rounds);
- %timeit's own overhead: the per-loop time `%timeit -o -q -n 200000 -r 7 pass` reports
  (the timing loop itself), and the wall time of one `%timeit -q pass` with the loop
  count chosen automatically (the magic's whole cost on a trivial statement).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Installed packages come with compiled bytecode; give ours the same footing
# (PYTHONDONTWRITEBYTECODE would otherwise leave it compiling on every start).
__import__("compileall").compile_dir(os.path.join(ROOT, "ipylite"), quiet=1)


def child_ipylite(cells, rounds):
    sys.path.insert(0, ROOT)
    from ipylite.history import HistoryManager
    from ipylite.shell import Shell
    tmp = tempfile.mkdtemp(prefix='ipylite-bench-')

    def per_cell(with_history, n):
        hm = HistoryManager(os.path.join(tmp, 'h%d.sqlite' % n)) if with_history else None
        shell = Shell(history=hm)
        t0 = time.perf_counter()
        for i in range(cells):
            shell.run_cell('x = %d' % i)
        if hm is not None:
            hm.close()
        return (time.perf_counter() - t0) / cells

    return _measure(per_cell, rounds, lambda: Shell(), 'run_line_magic')


def child_ipython(cells, rounds):
    tmp = tempfile.mkdtemp(prefix='ipython-bench-')
    os.environ['IPYTHONDIR'] = tmp
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.history import HistoryManager
    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False

    def per_cell(with_history, n):
        if with_history:
            hm = HistoryManager(shell=shell, parent=shell,
                                hist_file=os.path.join(tmp, 'h%d.sqlite' % n))
        else:
            hm = HistoryManager(shell=shell, parent=shell, enabled=False)
        shell.history_manager = hm
        t0 = time.perf_counter()
        for i in range(cells):
            shell.run_cell('x = %d' % i, store_history=True)
        if with_history:
            hm.writeout_cache()
            hm.save_thread.stop() if hm.save_thread else None
        return (time.perf_counter() - t0) / cells

    return _measure(per_cell, rounds, lambda: shell, 'run_line_magic')


def _measure(per_cell, rounds, make_shell, _):
    on, off = [], []
    for r in range(rounds):
        off.append(per_cell(False, r))
        on.append(per_cell(True, r))
    shell = make_shell()
    loops = [shell.run_line_magic('timeit', '-o -q -n 200000 -r 7 pass').best
             for _ in range(rounds)]
    walls = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        shell.run_line_magic('timeit', '-q pass')
        walls.append(time.perf_counter() - t0)
    return {'cell_on': statistics.median(on), 'cell_off': statistics.median(off),
            'loop': min(loops), 'wall': statistics.median(walls)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cells', type=int, default=2000)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--child', choices=['ipylite', 'ipython'], help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        func = child_ipylite if a.child == 'ipylite' else child_ipython
        print(json.dumps(func(a.cells, a.rounds)))
        return
    results = {}
    for name in ('ipylite', 'ipython'):
        out = subprocess.run([sys.executable, __file__, '--child', name, '--cells',
                              str(a.cells), '--rounds', str(a.rounds)],
                             capture_output=True, text=True, timeout=1800)
        if out.returncode:
            sys.exit('%s child failed:\n%s' % (name, out.stderr))
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    a_, b_ = results['ipylite'], results['ipython']
    rows = [
        ('run_cell, history off (µs/cell)', a_['cell_off'] * 1e6, b_['cell_off'] * 1e6),
        ('run_cell, history on (µs/cell)', a_['cell_on'] * 1e6, b_['cell_on'] * 1e6),
        ('history write cost (µs/cell)', (a_['cell_on'] - a_['cell_off']) * 1e6,
         (b_['cell_on'] - b_['cell_off']) * 1e6),
        ('%timeit pass: reported per loop (ns)', a_['loop'] * 1e9, b_['loop'] * 1e9),
        ('%timeit -q pass: wall time (s)', a_['wall'], b_['wall']),
    ]
    import IPython
    print('ipylite Shell vs IPython %s InteractiveShell, %d cells x %d rounds\n'
          % (IPython.__version__, a.cells, a.rounds))
    print('| measure | ipylite | IPython | ratio |')
    print('|---|---:|---:|---:|')
    for label, x, y in rows:
        ratio = '%.2f' % (x / y) if y > 0 and x > 0 else 'n/a'
        print('| %s | %.3g | %.3g | %s |' % (label, x, y, ratio))


if __name__ == '__main__':
    main()
