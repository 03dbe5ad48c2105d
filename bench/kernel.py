"""Kernel speed: ipylite's kernel against ipykernel, driven by the same jupyter_client
code in one run. Prints a Markdown table with ratios (ipylite / ipykernel).

    python bench/kernel.py [--rounds 500] [--lines 200000]

Measures: spawn to first kernel_info_reply; spawn to the shell port accepting a TCP
connection (the kernel's own share of startup: jupyter_client's sockets retry a refused
connection after 100-200 ms, which quantises the first figure); `pass` execute round trip
(reply and idle);
stream throughput of a printing loop; complete and inspect round trips.
"""

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Installed packages come with compiled bytecode; give ours the same footing
# (PYTHONDONTWRITEBYTECODE would otherwise leave it compiling on every start).
__import__("compileall").compile_dir(os.path.join(ROOT, "ipylite"), quiet=1)
sys.path.insert(0, ROOT)
os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
_tmp = tempfile.mkdtemp(prefix="ipylite-bench-")
os.environ["JUPYTER_PATH"] = os.path.join(_tmp, "share", "jupyter")
os.environ.setdefault("IPYLITE_DIR", os.path.join(_tmp, "ipylite"))
os.environ.setdefault("IPYTHONDIR", os.path.join(_tmp, "ipython"))

from jupyter_client.manager import KernelManager  # noqa: E402

from ipylite.protocol import install_kernel_spec  # noqa: E402

install_kernel_spec("ipylite", prefix=_tmp)


def wait_idle(kc, msg_id):
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"):
            return


def reply(kc, msg_id):
    while True:
        m = kc.get_shell_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def timed_starts(name, ready, n):
    """Median seconds from asking KernelManager to start the kernel until ready(km)."""
    times = []
    for _ in range(n):
        km = KernelManager(kernel_name=name)
        t0 = time.perf_counter()
        km.start_kernel()
        ready(km)
        times.append(time.perf_counter() - t0)
        km.shutdown_kernel(now=True)
    return statistics.median(times)


def first_reply(km):
    kc = km.client()
    kc.start_channels()
    kc.kernel_info()
    while True:  # the first request waits in the socket until the kernel binds
        try:
            if kc.get_shell_msg(timeout=1)["msg_type"] == "kernel_info_reply":
                break
        except Exception:
            pass
    kc.stop_channels()


def shell_port_bound(km):
    while True:
        with socket.socket() as s:
            if s.connect_ex((km.ip, km.shell_port)) == 0:
                return
        time.sleep(0.0005)


def measure(name, rounds, lines):
    res = {"startup (s)": timed_starts(name, first_reply, 5),
           "spawn to sockets bound (s)": timed_starts(name, shell_port_bound, 7)}
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        for _ in range(20):  # warm up
            msg_id = kc.execute("pass")
            reply(kc, msg_id)
            wait_idle(kc, msg_id)
        t = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            msg_id = kc.execute("pass")
            reply(kc, msg_id)
            wait_idle(kc, msg_id)
            t.append(time.perf_counter() - t0)
        res["execute `pass` round trip (ms)"] = statistics.median(t) * 1000
        t0 = time.perf_counter()
        msg_id = kc.execute(f"for i in range({lines}): print(i)")
        got = 0
        while True:
            m = kc.get_iopub_msg(timeout=120)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "stream":
                got += m["content"]["text"].count("\n")
            elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        assert got == lines, (got, lines)
        res["stream throughput (lines/s)"] = lines / (time.perf_counter() - t0)
        reply(kc, msg_id)
        kc.execute("import os, sys, collections")
        for label, call in (("complete round trip (ms)", lambda: kc.complete("collections.Ord")),
                            ("inspect round trip (ms)", lambda: kc.inspect("collections.OrderedDict"))):
            t = []
            for _ in range(max(50, rounds // 5)):
                t0 = time.perf_counter()
                reply(kc, call())
                t.append(time.perf_counter() - t0)
            res[label] = statistics.median(t) * 1000
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return res


def inprocess_round_trip(kind, rounds):
    """`pass` execute request to reply on an in-process kernel: ipykernel's or ours."""
    if kind == "ipykernel":
        from ipykernel.inprocess.manager import InProcessKernelManager
        km = InProcessKernelManager()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
    else:
        from ipylite.inprocess import InProcessKernelManager
        km = InProcessKernelManager()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(60)

    def run():  # request and reply: iopub is left unread on both
        kc.execute("pass")
        kc.get_shell_msg(timeout=60)
    for _ in range(20):
        run()
    t = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        run()
        t.append(time.perf_counter() - t0)
    kc.stop_channels()
    km.shutdown_kernel()
    return statistics.median(t) * 1000


TARGETS = {"startup (s)": "<= 0.6x", "execute `pass` round trip (ms)": "<= 0.35x",
           "stream throughput (lines/s)": ">= 2x", "complete round trip (ms)": "<= 0.4x",
           "inspect round trip (ms)": "<= 0.4x"}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=500)
    p.add_argument("--lines", type=int, default=200000)
    a = p.parse_args()
    ipy = measure("python3", a.rounds, a.lines)
    lite = measure("ipylite", a.rounds, a.lines)
    key = "in-process `pass` round trip (ms)"
    ipy[key] = inprocess_round_trip("ipykernel", a.rounds)
    lite[key] = inprocess_round_trip("ipylite", a.rounds)
    print("| measure | ipykernel | ipylite | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for k in ipy:
        fmt = "{:,.0f}" if "lines" in k else "{:.3f}"
        print(f"| {k} | {fmt.format(ipy[k])} | {fmt.format(lite[k])} | "
              f"{lite[k] / ipy[k]:.2f}x | {TARGETS.get(k, '')} |")


if __name__ == "__main__":
    main()
