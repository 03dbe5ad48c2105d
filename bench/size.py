"""Size on disk: the ipylite package folder against what
`pip install ipython ipykernel qtconsole notebook ipyparallel` brings into a fresh
virtual environment (its site-packages minus an empty venv's).

    python bench/size.py
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCUMBENTS = ["ipython", "ipykernel", "qtconsole", "notebook", "ipyparallel"]


def du(path, skip=("__pycache__",)):
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in skip]
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in filenames
                     if not os.path.islink(os.path.join(dirpath, f)))
    return total


def site_packages(venv):
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c",
                          "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "venv")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        sp = site_packages(venv)
        empty = du(sp, skip=())
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", *INCUMBENTS],
                       check=True, stderr=subprocess.DEVNULL)
        incumbents = du(sp, skip=()) - empty
        n_files = sum(len(f) for _, _, f in os.walk(sp))
    ours = du(os.path.join(ROOT, "ipylite"))
    print("| what | size on disk | ratio |")
    print("|---|---:|---:|")
    print(f"| ipylite/ (package folder, no caches) | {ours / 2**20:.2f} MiB | 1 |")
    print(f"| pip install {' '.join(INCUMBENTS)} | {incumbents / 2**20:.1f} MiB "
          f"({n_files:,} files) | {incumbents / ours:.0f}x |")


if __name__ == "__main__":
    main()
