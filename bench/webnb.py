"""The web notebook against Jupyter Notebook 7, both in the same headless Chromium, in
one run. Prints a Markdown table with ratios (ipylite / Notebook 7).

    python bench/webnb.py [--rounds 5] [--cells 2000] [--huge 10000] [--huge-nb7] [--nb7-cap 120]

Measures: server start to its first page answered (HTTP 200); the directory listing
drawn in the browser; a 2,000-cell notebook's first cell and its last cell on screen
(scrolled to); the same for a 10,000-cell notebook (ipylite only unless --huge-nb7:
Notebook 7 does not reach the last of 2,000 cells within its cap); Shift-Enter on `1+1`
to `2` on screen (timed inside the page, median). Targets (issue 18): first page
answered in <= 0.3x Notebook 7's time; the 10,000-cell notebook's last cell on screen
within 3 s. It reports; it asserts nothing.
Needs: chromium (Debian's), playwright and notebook (pip) in this interpreter.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Installed packages come with compiled bytecode; give ours the same footing
# (PYTHONDONTWRITEBYTECODE would otherwise leave it compiling on every start).
__import__("compileall").compile_dir(os.path.join(ROOT, "ipylite"), quiet=1)
sys.path.insert(0, ROOT)
_tmp = tempfile.mkdtemp(prefix="ipylite-bench-webnb-")
os.environ["PYTHONPATH"] = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
os.environ.setdefault("IPYLITE_DIR", os.path.join(_tmp, "ipylite"))
for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                 ("JUPYTER_RUNTIME_DIR", "runtime")):
    os.environ[var] = os.path.join(_tmp, sub)
os.environ["JUPYTER_PATH"] = os.path.join(_tmp, "share", "jupyter")

from ipylite import nbfile  # noqa: E402
from ipylite.protocol import install_kernel_spec  # noqa: E402

install_kernel_spec("ipylite", prefix=_tmp)
TOKEN = "benchtoken"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_root():
    root = tempfile.mkdtemp(prefix="root-", dir=_tmp)
    for i in range(20):
        open(os.path.join(root, "file%02d.txt" % i), "w").write("x")
    for name, n in (("big.ipynb", ARGS_NS.cells), ("huge.ipynb", ARGS_NS.huge)):
        nb = nbfile.new_notebook()
        nb["cells"] = [{"cell_type": "code", "id": "c%d" % i, "metadata": {}, "outputs": [],
                        "execution_count": None, "source": "x%d = %d" % (i, i)} for i in range(n)]
        open(os.path.join(root, name), "w").write(nbfile.writes(nb))
    small = nbfile.new_notebook()
    small["cells"] = [{"cell_type": "code", "id": "s0", "metadata": {}, "outputs": [],
                       "execution_count": None, "source": ""}]
    open(os.path.join(root, "small.ipynb"), "w").write(nbfile.writes(small))
    return root


class Server:
    def __init__(self, kind, root):
        self.kind, self.root, self.port = kind, root, free_port()

    def start(self):
        if self.kind == "ipylite":
            cmd = [sys.executable, "-m", "ipylite.webnb", self.root, "--port", str(self.port),
                   "--no-browser", "--token", TOKEN]
        else:
            cmd = [sys.executable, "-m", "notebook", "--no-browser", "--port", str(self.port),
                   "--ServerApp.root_dir=" + self.root, "--IdentityProvider.token=" + TOKEN,
                   "--ServerApp.port_retries=0", "--allow-root"]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=self.root)
        url = "http://127.0.0.1:%d/tree?token=%s" % (self.port, TOKEN)
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        r.read()
                        break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("%s server exited" % self.kind)
                time.sleep(0.01)
        return time.perf_counter() - t0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


SEL = {
    "ipylite": {"item": ".tree-item", "cell": ".cell", "source": ".cell-source",
                "output": ".cell-output .output-item"},
    "nb7": {"item": ".jp-DirListing-itemText", "cell": ".jp-Cell", "source": ".jp-Cell .cm-content",
            "output": ".jp-OutputArea-output"},
}


def wait_text(page, selector, text, timeout):
    page.wait_for_function(
        "([s, t]) => Array.from(document.querySelectorAll(s)).some(e => e.textContent.includes(t))",
        arg=[selector, text], timeout=timeout * 1000, polling="raf")


def open_big(page, s, sel, name, n):
    """Seconds to the first cell shown, and to the last cell on screen (scrolled to)."""
    t0 = time.perf_counter()
    page.goto(s.url("/notebooks/" + name))
    wait_text(page, sel["source"], "x0 = 0", 120)
    first = time.perf_counter() - t0
    last = "x%d = %d" % (n - 1, n - 1)
    deadline = time.perf_counter() + ARGS_NS.nb7_cap
    while True:
        page.evaluate("""() => {
            for (const e of document.querySelectorAll('.jp-WindowedPanel-outer, .jp-NotebookPanel-notebook, html'))
                e.scrollTop = e.scrollHeight;
            window.scrollTo(0, document.body.scrollHeight); }""")
        found = page.evaluate("""([s, t]) => Array.from(document.querySelectorAll(s)).some(e => {
            if (!e.textContent.includes(t)) return false;
            const r = e.getBoundingClientRect();
            return r.height > 0 && r.bottom > 0 && r.top < innerHeight; })""", [sel["source"], last])
        if found:
            t = time.perf_counter() - t0
            break
        if time.perf_counter() > deadline:
            t = float("inf")
            break
        page.wait_for_timeout(50)
    page.goto("about:blank")
    return first, t


def measure(kind, browser, root):
    s = Server(kind, root)
    res = {}
    res["start"] = s.start()
    try:
        sel = SEL[kind]
        ctx = browser.new_context(viewport={"width": 1200, "height": 900})
        page = ctx.new_page()
        page.on("dialog", lambda d: d.accept())
        t0 = time.perf_counter()
        page.goto(s.url("/tree?token=" + TOKEN))
        wait_text(page, sel["item"], "small.ipynb", 60)
        res["listing"] = time.perf_counter() - t0
        # 2,000 cells (and 10,000): first cell, then last cell scrolled to
        res["first"], res["last"] = open_big(page, s, sel, "big.ipynb", ARGS_NS.cells)
        res["huge_first"] = res["huge_last"] = None
        if ARGS_NS.huge and (kind == "ipylite" or ARGS_NS.huge_nb7):
            res["huge_first"], res["huge_last"] = open_big(page, s, sel, "huge.ipynb", ARGS_NS.huge)
        # Shift-Enter on 1+1
        page.goto(s.url("/notebooks/small.ipynb"))
        if kind == "ipylite":
            page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
        else:
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000)
            page.wait_for_function("document.querySelector('.jp-Notebook-ExecutionIndicator')"
                                   " && document.querySelector('.jp-Notebook-ExecutionIndicator')"
                                   ".getAttribute('data-status') === 'idle'", timeout=60000)
        times = []
        for i in range(ARGS_NS.rounds):
            if kind == "ipylite":
                page.click(".cell:last-child .editor")
            else:
                page.locator(".jp-Cell .cm-content").last.click()
            page.keyboard.insert_text("%d+%d" % (i + 1, i + 1))
            want = str(2 * (i + 1))
            n_before = page.evaluate("s => document.querySelectorAll(s).length", sel["output"])
            page.evaluate("""([s, n, want]) => {
                window.__t1 = null; window.__t0 = null;
                document.addEventListener('keydown', e => {
                    if (e.key === 'Enter' && window.__t0 === null) window.__t0 = performance.now(); }, {capture: true});
                const obs = new MutationObserver(() => {
                    const outs = document.querySelectorAll(s);
                    if (outs.length > n && outs[outs.length - 1].textContent.trim() === want) {
                        window.__t1 = performance.now(); obs.disconnect(); } });
                obs.observe(document.body, {subtree: true, childList: true, characterData: true});
            }""", [sel["output"], n_before, want])
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("window.__t1 !== null", timeout=30000)
            times.append(page.evaluate("window.__t1 - window.__t0") / 1000)
            page.wait_for_timeout(200)
        res["run"] = statistics.median(times)
        ctx.close()
    finally:
        s.stop()
    return res


def main():
    global ARGS_NS
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--cells", type=int, default=2000)
    p.add_argument("--huge", type=int, default=10000, help="cells of the second big notebook (0: skip it)")
    p.add_argument("--huge-nb7", action="store_true", help="also time Notebook 7 on it")
    p.add_argument("--nb7-cap", type=float, default=120, help="give up on NB7's last cell after this")
    ARGS_NS = p.parse_args()
    from playwright.sync_api import sync_playwright
    import notebook
    root = make_root()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            ours = measure("ipylite", browser, root)
            theirs = measure("nb7", browser, root)
        finally:
            browser.close()
    rows = [("server start to first page answered (target: ratio <= 0.3)", "start"), ("directory listing shown", "listing"),
            ("%d-cell notebook: first cell shown" % ARGS_NS.cells, "first"),
            ("%d-cell notebook: last cell on screen" % ARGS_NS.cells, "last"),
            ("%d-cell notebook: first cell shown" % ARGS_NS.huge, "huge_first"),
            ("%d-cell notebook: last cell on screen (target: 3 s)" % ARGS_NS.huge, "huge_last"),
            ("Shift-Enter on 1+1 to `2` shown (median of %d)" % ARGS_NS.rounds, "run")]
    print("| measure | ipylite | Notebook %s | ratio |" % notebook.__version__)
    print("|---|---:|---:|---:|")
    for label, key in rows:
        a, b = ours[key], theirs[key]
        if a is None:
            continue
        fmt = (lambda v: "not run" if v is None else ">%.0f s (gave up)" % ARGS_NS.nb7_cap if v == float("inf") else
               "%.0f ms" % (v * 1000) if v < 1 else "%.2f s" % v)
        ratio = ("" if b is None else "<%.3f" % (a / ARGS_NS.nb7_cap) if b == float("inf") else "%.2f" % (a / b))
        print("| %s | %s | %s | %s |" % (label, fmt(a), fmt(b), ratio))
    print("\nipylite's notebook ran its own kernel (ipylite); Notebook 7 ran ipykernel.")
    print(json.dumps({"ipylite": ours, "nb7": theirs}, default=str), file=sys.stderr)


ARGS_NS = None

if __name__ == "__main__":
    main()
