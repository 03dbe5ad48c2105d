"""Regenerate docs/webnb-notebook.png: a notebook with math, a table, a figure and a
LaTeX output, run in a real `python -m ipylite.webnb` and Debian's headless Chromium:

    python docs/webnb_screenshots.py
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from ipylite import nbfile  # noqa: E402

MARKDOWN = r"""# Damped oscillation

The displacement of a damped oscillator is

$$x(t) = A\,e^{-\gamma t}\cos(\omega t + \varphi), \qquad \omega = \sqrt{\omega_0^2 - \gamma^2}$$

with energy $E = \frac{1}{2} k A^2 e^{-2\gamma t}$, and over all time

$$\int_0^\infty e^{-2\gamma t}\,dt = \frac{1}{2\gamma}, \qquad
\sum_{n=0}^{\infty} \left(e^{-\gamma T}\right)^{n} = \frac{1}{1 - e^{-\gamma T}} .$$

| symbol | value |
|---|--:|
| $\gamma$ | 0.3 |
| $\omega_0$ | 2.0 |
"""

CODE = [
    "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\n\n"
    "t = np.linspace(0, 20, 500)\ngamma, w0 = 0.3, 2.0\nw = np.sqrt(w0**2 - gamma**2)\n"
    "x = np.exp(-gamma * t) * np.cos(w * t)\n\nfig, ax = plt.subplots(figsize=(7, 3))\n"
    "ax.plot(t, x, label='x(t)')\nax.plot(t, np.exp(-gamma * t), '--', label='envelope')\n"
    "ax.set_xlabel('t'); ax.legend()\nplt.show()",
    "print(f'period: {2 * np.pi / w:.3f}')\nround(float(x.max()), 3)",
    "from ipylite.display import Latex\n"
    "Latex(r'$\\mathbf{F} = -k\\,\\mathbf{x} - c\\,\\dot{\\mathbf{x}}, \\quad "
    "\\mathbf{x} \\in \\mathbb{R}^3$')",
]


def main(out=os.path.join(HERE, "webnb-notebook.png")):
    from playwright.sync_api import sync_playwright
    root = tempfile.mkdtemp()
    nb = nbfile.new_notebook()
    nb["cells"].append({"cell_type": "markdown", "id": "md", "metadata": {},
                        "source": MARKDOWN})
    for i, code in enumerate(CODE):
        nb["cells"].append({"cell_type": "code", "id": f"c{i}", "metadata": {},
                            "source": code, "outputs": [], "execution_count": None})
    with open(os.path.join(root, "oscillator.ipynb"), "w") as f:
        f.write(nbfile.writes(nb))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    server = subprocess.Popen([sys.executable, "-m", "ipylite.webnb", root, "--port", str(port),
                               "--no-browser", "--token", "shot"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"),
                                  args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/notebooks/oscillator.ipynb?token=shot")
            page.wait_for_selector("body[data-kernel-status=idle]")
            for i in range(1, len(CODE) + 1):
                page.evaluate(f"IPL.nbSelect({i})")
                page.keyboard.press("Control+Enter")
                page.wait_for_function(
                    f"() => !IPL.nbCells()[{i}].el.classList.contains('busy') && "
                    "document.body.getAttribute('data-kernel-status') === 'idle'")
            page.evaluate("IPL.nbSelect(2)")
            page.wait_for_timeout(300)
            page.screenshot(path=out, full_page=True)
            b.close()
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(root, ignore_errors=True)
    print("wrote", out)


if __name__ == "__main__":
    main()
