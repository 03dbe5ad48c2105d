"""ipylite.parallel against ipyparallel and multiprocessing.Pool, 2 engines / workers each.

    python bench/parallel.py [--quick]

Measures: time to start 2 engines and be ready, a direct apply_sync of a no-op (median),
load-balanced tiny tasks per second (map, chunksize 1), push of a fresh 100 MiB numpy
array each time (the first push of that array: median of 3, GB/s) and pull of one (best
of 3, GB/s). multiprocessing.Pool has no namespace, so its "push" is apply(f, (array,))
and its "pull" apply(f) returning the array. Prints a Markdown table with ratios.
"""

import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Installed packages come with compiled bytecode; give ours the same footing.
__import__("compileall").compile_dir(os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "ipylite"), quiet=1)

import numpy as np  # noqa: E402

QUICK = "--quick" in sys.argv
N_RT = 300 if QUICK else 2000
MIB = 100
ARRAY = np.random.rand(MIB * 2 ** 20 // 8)


def noop():
    return None


def ident(x):
    return x


def nbytes(a):
    return a.nbytes


def make_array():
    import numpy
    return numpy.ones(MIB * 2 ** 20 // 8)


def _median_rt(call, n):
    for _ in range(min(50, n)):
        call()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _rate(run, n):
    t = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - t)


def _gbps(call, reps=3):
    call()
    best = min(_timed(call) for _ in range(reps))
    return ARRAY.nbytes / best / 1e9


def _fresh_gbps(push, reps=3):
    """push(array) of a new array each time (made, and its pages touched, untimed)."""
    push(np.random.rand(ARRAY.size))
    times = []
    for _ in range(reps):
        a = np.random.rand(ARRAY.size)
        times.append(_timed(lambda: push(a)))
        del a
    return ARRAY.nbytes / statistics.median(times) / 1e9


def _timed(call):
    t = time.perf_counter()
    call()
    return time.perf_counter() - t


def bench_ipylite():
    from ipylite.parallel import Cluster
    t = time.perf_counter()
    c = Cluster(n=2)
    rc = c.__enter__()
    start = time.perf_counter() - t
    try:
        v = rc[0]
        rt = _median_rt(lambda: v.apply_sync(noop), N_RT)
        lb = rc.load_balanced_view()
        lb.map_sync(ident, range(1000))
        rate = _rate(lambda n: lb.map_sync(ident, range(n)), 5000 if QUICK else 30000)
        push = _fresh_gbps(lambda a: v.push({"a": a}, block=True))
        pull = _gbps(lambda: v.pull("a", block=True))
    finally:
        c.__exit__(None, None, None)
    return start, rt, rate, push, pull


def bench_ipyparallel():
    import ipyparallel as ipp
    t = time.perf_counter()
    cluster = ipp.Cluster(n=2, log_level=40)
    rc = cluster.start_and_connect_sync()
    rc.wait_for_engines(2, timeout=120)
    start = time.perf_counter() - t
    try:
        v = rc[0]
        rt = _median_rt(lambda: v.apply_sync(noop), min(N_RT, 500))
        lb = rc.load_balanced_view()
        lb.map_sync(ident, range(100), chunksize=1)
        rate = _rate(lambda n: lb.map_sync(ident, range(n), chunksize=1), 500 if QUICK else 2000)
        push = _fresh_gbps(lambda a: v.push({"a": a}, block=True))
        pull = _gbps(lambda: v.pull("a", block=True), reps=2)
    finally:
        cluster.stop_cluster_sync()
    return start, rt, rate, push, pull


def bench_pool():
    t = time.perf_counter()
    pool = multiprocessing.Pool(2)
    pool.apply(noop)
    pool.map(ident, range(2))         # both workers up
    start = time.perf_counter() - t
    try:
        rt = _median_rt(lambda: pool.apply(noop), N_RT)
        rate = _rate(lambda n: pool.map(ident, range(n), chunksize=1), 5000 if QUICK else 30000)
        push = _fresh_gbps(lambda a: pool.apply(nbytes, (a,)))
        pull = _gbps(lambda: pool.apply(make_array))
    finally:
        pool.terminate()
        pool.join()
    return start, rt, rate, push, pull


def main():
    results = {}
    for name, fn in (("ipylite.parallel", bench_ipylite), ("ipyparallel", bench_ipyparallel),
                     ("multiprocessing.Pool", bench_pool)):
        try:
            results[name] = fn()
        except Exception as e:  # an incumbent that is not installed or fails
            print(f"{name}: skipped ({type(e).__name__}: {e})", file=sys.stderr)
    me = results["ipylite.parallel"]
    rows = [("start 2 engines (s)", 0, "{:.2f}", True),
            ("apply_sync no-op round trip (ms)", 1, "{:.3f}", True),
            ("load-balanced tiny tasks/s (chunksize 1)", 2, "{:,.0f}", False),
            (f"push {MIB} MiB, a fresh array each time (GB/s)", 3, "{:.2f}", False),
            (f"pull {MIB} MiB (GB/s)", 4, "{:.2f}", False)]
    names = list(results)
    print("| measure | " + " | ".join(names) + " | " +
          " | ".join(f"ipylite vs {n}" for n in names[1:]) + " |")
    print("|---" * (2 * len(names)) + "|")
    for label, i, fmt, lower_better in rows:
        cells = [fmt.format(results[n][i] * (1e3 if i == 1 else 1)) for n in names]
        ratios = []
        for n in names[1:]:
            other = results[n][i]
            ratio = (other / me[i]) if lower_better else (me[i] / other)
            ratios.append(f"{ratio:.1f}x {'faster' if ratio >= 1 else 'slower'}")
        print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
