"""nbfile on its own: the PDF export's Qt fallback (no Chromium on the machine; folded
cells stay folded), and atomic saves' file modes."""

import json
import os
import shutil
import subprocess
import sys

from ipylite import nbfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pdf_export_without_chromium_is_printed_by_qt(tmp_path):
    nb = nbfile.new_notebook()
    nb["cells"] = [
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Qt printed heading"},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "print('hi')",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "printed by the cell\n"}]},
        {"cell_type": "code", "id": "f1", "metadata": {"jupyter": {"source_hidden": True}}, "execution_count": 2,
         "source": "folded_code = 1", "outputs": [{"output_type": "stream", "name": "stdout", "text": "kept out\n"}]},
        {"cell_type": "code", "id": "f2", "metadata": {"jupyter": {"outputs_hidden": True}}, "execution_count": 3,
         "source": "shown_code = 2", "outputs": [{"output_type": "stream", "name": "stdout", "text": "folded out\n"}]},
    ]
    src = tmp_path / "nb.ipynb"
    src.write_text(json.dumps(nb))
    env = dict(os.environ, PYTHONPATH=ROOT, PATH=str(tmp_path / "empty-path"), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "ipylite.webnb", "export", str(src), "--to", "pdf"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    pdf = tmp_path / "nb.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([shutil.which("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    assert "Qt printed heading" in text and "print('hi')" in text and "printed by the cell" in text
    # collapsed input and output are printed as the page shows them: folded
    assert "folded_code" not in text and "kept out" in text and "input hidden" in text
    assert "shown_code" in text and "folded out" not in text and "output hidden" in text


def test_atomic_write_keeps_the_mode_and_honours_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        new = tmp_path / "new.txt"
        nbfile.atomic_write(str(new), b"a")
        assert new.read_bytes() == b"a" and new.stat().st_mode & 0o777 == 0o640
        kept = tmp_path / "kept.txt"
        kept.write_bytes(b"x")
        os.chmod(kept, 0o604)
        nbfile.atomic_write(str(kept), b"y")
        assert kept.read_bytes() == b"y" and kept.stat().st_mode & 0o777 == 0o604
        assert [n for n in os.listdir(tmp_path) if n.startswith(".~")] == []
    finally:
        os.umask(old)
