"""ipylite's Qt console against the Jupyter project's qtconsole, both offscreen, each
on a fresh kernel, in two set-ups:

  own      each console on the kernel it starts by default, as a user starts them:
           `python -m ipylite.qtconsole` (ipylite's kernel) against `jupyter qtconsole`
           (ipykernel's ``python3``); the whole stack, which is what the user waits on
  ipylite  both consoles on ipylite's kernel: the frontends alone (any kernelspec name
           can be given: ``--setup python3`` puts both on ipykernel)

    QT_QPA_PLATFORM=offscreen python bench/qtconsole.py [--setup own --setup ipylite] [--runs 3]

Each measurement runs in a fresh process and prints a Markdown table:
  ready     process start -> a ready ``In [1]:`` prompt
  lines     ``for i in range(100000): print(i)`` -> the last line shown
  line1mb   ``print('x' * 1_000_000)`` -> the line shown (folded or whole)
  line50mb  ``print('x' * 50_000_000)`` (ipylite only; qtconsole does not finish)
with the longest gap in the Qt event loop (a 5 ms timer) during each output task.
"""

import time

T0 = time.monotonic()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Installed packages come with compiled bytecode; give ours the same footing
# (PYTHONDONTWRITEBYTECODE would otherwise leave it compiling on every start).
__import__("compileall").compile_dir(os.path.join(ROOT, "ipylite"), quiet=1)
# this file is called qtconsole.py: keep it from shadowing the qtconsole package
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
TASKS = {"lines": ("for i in range(100000): print(i)", "99999"),
         "line1mb": ("print('x' * 1_000_000)", "xxxxxxxxxx"),
         "line50mb": ("print('x' * 50_000_000)", "xxxxxxxxxx")}


def worker(frontend, task, kernel, limit):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, ROOT)
    if frontend == "ipylite":
        # as `python -m ipylite.qtconsole` does: start the kernel, then load Qt
        from ipylite.protocol import KernelManager
        km = KernelManager(kernel_name=kernel)
        km.start_kernel()
    from PyQt5 import QtCore, QtWidgets
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    if frontend == "ipylite":
        from ipylite.qtconsole import ConsoleWidget
        kc = km.client()
        kc.start_channels()
        w = ConsoleWidget(client=kc, manager=km, owns_kernel=True)
        w.resize(800, 600)
        w.show()

        def ready():
            return w.is_ready

        def tail():
            doc = w.output.document()
            b, out = doc.lastBlock(), []
            for _ in range(3):
                out.append(b.text()[:200])
                b = b.previous()
            return "\n".join(out), not w.executing

        def run(code):
            w.execute(code)

        def stop():
            w.shutdown()
    else:
        from qtconsole.manager import QtKernelManager
        from qtconsole.rich_jupyter_widget import RichJupyterWidget
        km = QtKernelManager(kernel_name=kernel)
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        w = RichJupyterWidget()
        w.kernel_manager, w.kernel_client = km, kc
        w.resize(800, 600)
        w.show()

        def ready():
            import re  # (qtconsole may show In [2]: against a kernel that counts its
            return re.search(r"In \[\d+\]: ?$", w._control.toPlainText())  # hidden cells)

        def tail():
            doc = w._control.document()
            b, out = doc.lastBlock(), []
            for _ in range(4):
                out.append(b.text()[:200])
                b = b.previous()
            return "\n".join(out), not w._executing

        def run(code):
            w.execute(code)

        def stop():
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    result = {}
    deadline = time.monotonic() + limit

    def wait(pred):
        while not pred():
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)
            time.sleep(0.001)
            if time.monotonic() > deadline:
                return False
        return True
    try:
        if not wait(ready):
            result["error"] = "no prompt"
            return result
        result["ready"] = time.monotonic() - T0
        if task == "ready":
            return result
        code, needle = TASKS[task]
        ticks = [time.monotonic()]
        timer = QtCore.QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(5)
        t = time.monotonic()
        run(code)

        def shown():
            text, idle = tail()
            return idle and needle in text
        ok = wait(shown)
        timer.stop()
        ticks.append(time.monotonic())
        if not ok:
            result["error"] = f"not shown after {limit:.0f} s"
        else:
            result[task] = time.monotonic() - t
        result["max_gap"] = max(b - a for a, b in zip(ticks, ticks[1:]))
        return result
    finally:
        stop()


def measure(frontend, task, setup, limit, runs):
    own = {"ipylite": "ipylite", "qtconsole": "python3"}
    kernel = own[frontend] if setup == "own" else setup
    best = None
    for _ in range(runs):
        try:
            proc = subprocess.run([sys.executable, __file__, "--worker", frontend, task,
                                   "--kernel", kernel, "--limit", str(limit)],
                                  capture_output=True, text=True, timeout=limit + 60,
                                  env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
            res = json.loads(proc.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, IndexError, ValueError) as e:
            res = {"error": f"worker failed: {type(e).__name__}"}
        if "error" in res:
            return res
        if best is None or res[task] < best[task]:
            best = res
        if res[task] > 10:  # slow enough: one run says it
            break
    return best


def fmt(res, task):
    if "error" in res:
        return res["error"]
    s = f"{res[task]:.2f} s"
    if "max_gap" in res:
        s += f" (max loop gap {res['max_gap'] * 1000:.0f} ms)"
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--worker", nargs=2)
    p.add_argument("--kernel", default="ipylite", help=argparse.SUPPRESS)  # (worker)
    p.add_argument("--setup", action="append", help="own, or a kernelspec name for both")
    p.add_argument("--limit", type=float, default=60)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    if a.worker:
        print(json.dumps(worker(*a.worker, a.kernel, a.limit)))
        return
    # a kernelspec named ipylite that qtconsole can find too
    import tempfile
    sys.path.insert(0, ROOT)
    from ipylite.protocol import install_kernel_spec
    tmp = tempfile.mkdtemp(prefix="bench-qtconsole-")
    install_kernel_spec("ipylite", prefix=tmp)
    os.environ["JUPYTER_PATH"] = os.path.join(tmp, "share", "jupyter")
    os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    for setup in a.setup or ["own", "ipylite"]:
        rows = []
        for task in ("ready", "lines", "line1mb", "line50mb"):
            ours = measure("ipylite", task, setup, a.limit, a.runs)
            theirs = measure("qtconsole", task, setup, a.limit, a.runs) \
                if task != "line50mb" else {"error": "not run (grows with the square of "
                                                     "the length; 1 MB takes seconds)"}
            ratio = (f"{ours[task] / theirs[task]:.2f}x" if task in ours and task in theirs
                     else "-")
            rows.append((task, fmt(ours, task), fmt(theirs, task), ratio))
        what = ("each on its default kernel (ipylite's; qtconsole on ipykernel's python3)"
                if setup == "own" else f"both on the {setup!r} kernel")
        print(f"\n{what}; best of {a.runs} runs, each in a fresh process\n")
        print("| task | ipylite.qtconsole | qtconsole | ratio |")
        print("|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |", flush=True)


if __name__ == "__main__":
    main()
