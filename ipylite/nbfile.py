"""Notebook files: nbformat 4.5 read/write with a light validator, trust signatures,
and export to HTML, Python, Markdown and PDF.

Public API::

    read(path) -> dict                 raises NotebookError with one clear line
    reads(text) -> dict                same, from a string
    writes(nb) -> str / write(nb, path)   Jupyter's layout (indent 1, sorted keys)
    new_notebook(kernel_name=...)      an empty 4.5 notebook
    validate(nb)                       raise NotebookError if not nbformat 4 shaped
    Notary(profile="default")          sign / check / mark_cells / check_cells
    export(nb, to, resources=...)      -> bytes  (html, py, md, pdf)

Unknown fields anywhere in the notebook are kept: we only add what is missing (cell ids,
``outputs``/``execution_count`` on code cells) and never drop keys we do not know.
"""

import base64
import copy
import errno
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading

from .highlight import fill_page_words

log = logging.getLogger("ipylite.nbfile")

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
CELL_TYPES = ("code", "markdown", "raw")
OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


class NotebookError(ValueError):
    """The file is not a notebook we can read (one clear line in str())."""


# ------------------------------------------------------------------ read/write

def new_cell_id():
    return secrets.token_hex(4)


def new_notebook(kernel_name="ipylite", display_name=None, language="python"):
    return {
        "cells": [],
        "metadata": {
            "kernelspec": {"name": kernel_name, "display_name": display_name or kernel_name,
                           "language": language},
            "language_info": {"name": language},
        },
        "nbformat": 4, "nbformat_minor": 5,
    }


def _join(v):
    return "".join(v) if isinstance(v, list) else v


def _split(text):
    """Jupyter stores multi-line strings as lists of lines, each with its newline."""
    if not isinstance(text, str):
        return text
    return text.splitlines(True)


def validate(nb):
    """Raise NotebookError unless ``nb`` looks like an nbformat 4 notebook."""
    if not isinstance(nb, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    if nb.get("nbformat") != 4:
        raise NotebookError("not a notebook: nbformat is %r, only 3 and 4 are supported"
                            % nb.get("nbformat"))
    if not isinstance(nb.get("cells"), list):
        raise NotebookError("not a notebook: no 'cells' list")
    if not isinstance(nb.get("metadata", {}), dict):
        raise NotebookError("not a notebook: 'metadata' is not an object")
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
            raise NotebookError("not a notebook: cell %d has no valid cell_type" % i)
        if not _is_text(cell.get("source", "")):
            raise NotebookError("not a notebook: cell %d source is not text" % i)
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotebookError("not a notebook: cell %d metadata is not an object" % i)
        if not isinstance(cell.get("attachments", {}), (dict, type(None))):
            raise NotebookError("not a notebook: cell %d attachments is not an object" % i)
        outputs = cell.get("outputs", []) if cell["cell_type"] == "code" else []
        if not isinstance(outputs, list):
            raise NotebookError("not a notebook: cell %d outputs is not a list" % i)
        for out in outputs:
            if not isinstance(out, dict) or out.get("output_type") not in OUTPUT_TYPES:
                raise NotebookError("not a notebook: cell %d has a bad output" % i)
            if not isinstance(out.get("data", {}), dict) or not isinstance(out.get("metadata", {}), dict) \
                    or not _is_text(out.get("text", "")) or not isinstance(out.get("traceback", []), list):
                raise NotebookError("not a notebook: cell %d has a malformed %s output" % (i, out["output_type"]))
            if not all(_is_text(v) or k.endswith("json") for k, v in out.get("data", {}).items()):
                raise NotebookError("not a notebook: cell %d has output data that is not text" % i)
    return nb


def _is_text(v):
    """A string, or a list of strings (Jupyter's multi-line form)."""
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))


def upgrade(nb):
    """In place: normalise to 4.5 (ids, joined strings) without dropping unknown keys."""
    nb.setdefault("metadata", {})
    if nb.get("nbformat_minor", 0) < 5:
        nb["nbformat_minor"] = 5
    seen = set()
    for cell in nb["cells"]:
        cid = cell.get("id")
        if not isinstance(cid, str) or not re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cid) or cid in seen:
            cid = new_cell_id()
            cell["id"] = cid
        seen.add(cid)
        cell["source"] = _join(cell.get("source", ""))
        cell.setdefault("metadata", {})
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
            for out in cell["outputs"]:
                if "text" in out:
                    out["text"] = _join(out["text"])
                for k, v in list(out.get("data", {}).items()):
                    if isinstance(v, list):
                        out["data"][k] = _join(v)
    return nb


_V3_MIME = {"text": "text/plain", "html": "text/html", "svg": "image/svg+xml", "png": "image/png",
            "jpeg": "image/jpeg", "latex": "text/latex", "json": "application/json",
            "javascript": "application/javascript", "pdf": "application/pdf", "markdown": "text/markdown"}


def _v3_output(out):
    t = out.get("output_type")
    if t == "stream":
        return {"output_type": "stream", "name": out.get("stream", "stdout"), "text": _join(out.get("text", ""))}
    if t == "pyerr" or t == "error":
        return {"output_type": "error", "ename": out.get("ename", ""), "evalue": out.get("evalue", ""),
                "traceback": out.get("traceback", [])}
    new = {"output_type": "execute_result" if t == "pyout" else "display_data", "data": {},
           "metadata": {_V3_MIME.get(k, k): v for k, v in (out.get("metadata") or {}).items()}}
    for k, v in out.items():
        if k in ("output_type", "metadata", "prompt_number"):
            continue
        mime = _V3_MIME.get(k, k if "/" in k else None)
        if mime is None:
            continue
        if mime == "application/json" and isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                pass
        new["data"][mime] = _join(v) if mime != "application/json" else v
    if t == "pyout":
        new["execution_count"] = out.get("prompt_number")
    return new


def upgrade_v3(nb):
    """An nbformat 3 notebook (worksheets) as nbformat 4, as nbformat.convert does."""
    meta = dict(nb.get("metadata") or {})
    meta.pop("name", None)
    meta.pop("signature", None)
    cells = []
    for ws in nb.get("worksheets") or []:
        for c in ws.get("cells") or []:
            md = dict(c.get("metadata") or {})
            t = c.get("cell_type")
            if t == "code":
                if "collapsed" in c:
                    md["collapsed"] = c["collapsed"]
                cells.append({"cell_type": "code", "metadata": md, "source": _join(c.get("input", "")),
                              "execution_count": c.get("prompt_number"),
                              "outputs": [_v3_output(o) for o in c.get("outputs") or []]})
            elif t == "heading":
                cells.append({"cell_type": "markdown", "metadata": md,
                              "source": "#" * int(c.get("level", 1) or 1) + " " + _join(c.get("source", ""))})
            elif t in ("markdown", "raw"):
                cells.append({"cell_type": t, "metadata": md, "source": _join(c.get("source", ""))})
            else:
                raise NotebookError("not a notebook: an nbformat 3 cell has type %r" % t)
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def reads(text):
    try:
        nb = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise NotebookError("not a notebook: the file is not valid JSON (%s)" % e) from None
    if isinstance(nb, dict) and nb.get("nbformat") == 3:
        nb = upgrade_v3(nb)
    return upgrade(validate(nb))


def read(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise NotebookError("cannot read %s: %s" % (path, e.strerror)) from None
    try:
        return reads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError("not a notebook: the file is not UTF-8 text") from None


def _for_disk(nb):
    """A copy split into lists of lines where Jupyter does, so diffs stay small."""
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        cell["source"] = _split(_join(cell.get("source", "")))
        for out in cell.get("outputs", []) or []:
            if "text" in out:
                out["text"] = _split(_join(out["text"]))
            for k, v in list(out.get("data", {}).items()):
                if isinstance(v, str) and (k.startswith("text/") or k == "image/svg+xml"):
                    out["data"][k] = _split(v)
    return nb


def writes(nb):
    return json.dumps(_for_disk(nb), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(nb, path):
    """Write atomically (see atomic_write), keeping the file's mode."""
    atomic_write(path, writes(nb).encode("utf-8"))


TEMP_PREFIX, TEMP_SUFFIX = ".~", ".ipylite-save"
_save_locks = {}
_save_locks_lock = threading.Lock()


def _umask():
    """The process's umask, read without changing it (setting it to read it back would
    briefly give other threads' new files the wrong mode)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path, data):
    """Replace ``path`` with ``data`` so that a full disk, a crash or a kill at any
    moment leaves either the old file or the new one, never a mix (protocol.
    replace_file: a temporary file beside it, fsynced and renamed over it). The old
    file's mode is kept; a file we may not write is refused (PermissionError) rather
    than replaced behind its read-only mode. Temporary files left by a killed save
    of the same file are removed first."""
    path = os.path.abspath(path)
    d, name = os.path.split(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
        if not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied: the file is read-only", path)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    with _save_locks_lock:
        lock = _save_locks.setdefault(path, threading.Lock())
    with lock:
        for old in os.listdir(d):
            if old.startswith(TEMP_PREFIX + name + ".") and old.endswith(TEMP_SUFFIX):
                try:
                    os.remove(os.path.join(d, old))
                except OSError:
                    pass
        from .protocol import replace_file
        replace_file(path, data, mode, prefix=TEMP_PREFIX + name + ".", suffix=TEMP_SUFFIX)


# ------------------------------------------------------------------------ trust

class Notary:
    """Jupyter's trust model: a notebook is trusted when the HMAC-SHA256 of its
    canonical JSON (keyed with a per-profile secret) is in the profile's list of
    signatures, i.e. when this machine wrote it with outputs the user saw."""

    def __init__(self, profile="default", security_dir=None):
        if security_dir is None:
            from .config import profile_dir
            p = profile_dir(profile)
            security_dir = os.path.join(p, "security") if p else tempfile.mkdtemp()
        os.makedirs(security_dir, exist_ok=True)
        self.secret_file = os.path.join(security_dir, "notebook_secret")
        self.db_file = os.path.join(security_dir, "notebook_signatures.txt")
        self._secret = None

    @property
    def secret(self):
        if self._secret is None:
            try:
                with open(self.secret_file, "rb") as f:
                    self._secret = f.read()
            except OSError:
                self._secret = base64.b64encode(os.urandom(32))
                from .protocol import write_private
                write_private(self.secret_file, self._secret)
        return self._secret

    def compute_signature(self, nb):
        nb = copy.deepcopy(nb)
        nb.get("metadata", {}).pop("signature", None)
        for cell in nb.get("cells", []):
            cell.get("metadata", {}).pop("trusted", None)
        text = json.dumps(nb, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def _signatures(self):
        try:
            with open(self.db_file) as f:
                return set(f.read().split())
        except OSError:
            return set()

    def sign(self, nb):
        sig = self.compute_signature(nb)
        if sig not in self._signatures():
            with open(self.db_file, "a") as f:
                f.write(sig + "\n")

    def check_signature(self, nb):
        return self.compute_signature(nb) in self._signatures()

    def mark_cells(self, nb, trusted):
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                cell.setdefault("metadata", {})["trusted"] = bool(trusted)

    def check_cells(self, nb):
        """True if every code cell with outputs is marked trusted by the page."""
        return all(c.get("metadata", {}).get("trusted", False)
                   for c in nb.get("cells", [])
                   if c.get("cell_type") == "code" and c.get("outputs"))

    @staticmethod
    def strip_marks(nb):
        for cell in nb.get("cells", []):
            cell.get("metadata", {}).pop("trusted", None)


# ----------------------------------------------------------------------- export

def _static(name):
    with open(os.path.join(STATIC, name), encoding="utf-8") as f:
        text = f.read()
    return fill_page_words(text) if name == "render.js" else text


def to_python(nb):
    out = ["#!/usr/bin/env python", "# coding: utf-8", ""]
    for cell in nb["cells"]:
        src = _join(cell.get("source", ""))
        if cell["cell_type"] == "code":
            lines = []
            for line in src.splitlines():
                s = line.lstrip()
                if s.startswith("%") or s.startswith("!"):
                    line = "# " + line  # magics and shell escapes are not Python
                lines.append(line)
            out += ["# In[%s]:" % (cell.get("execution_count") or " "), ""] + lines + ["", ""]
        else:
            out += ["# " + line if line else "#" for line in src.splitlines()] + ["", ""]
    return "\n".join(out).rstrip() + "\n"


def _output_markdown(out):
    t = out.get("output_type")
    if t == "stream":
        return "```\n" + _join(out.get("text", "")).rstrip("\n") + "\n```"
    if t == "error":
        from .protocol import strip_ansi
        tb = strip_ansi("\n".join(out.get("traceback", [])))
        return "```\n" + tb + "\n```"
    data = out.get("data", {})
    if "image/png" in data:
        return "![png](data:image/png;base64,%s)" % _join(data["image/png"]).replace("\n", "")
    if "text/markdown" in data:
        return _join(data["text/markdown"])
    if "text/latex" in data:
        return _join(data["text/latex"])
    if "text/plain" in data:
        return "```\n" + _join(data["text/plain"]) + "\n```"
    return ""


def to_markdown(nb):
    lang = nb.get("metadata", {}).get("language_info", {}).get("name", "python")
    parts = []
    for cell in nb["cells"]:
        src = _join(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            parts.append(src)
        elif cell["cell_type"] == "raw":
            parts.append(src)
        else:
            parts.append("```%s\n%s\n```" % (lang, src))
            parts += [p for p in map(_output_markdown, cell.get("outputs", [])) if p]
    return "\n\n".join(parts).rstrip() + "\n"


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".bmp": "image/bmp", ".svg": "image/svg+xml"}
LOCAL_FILE_MAX = 8 << 20
_LOCAL_REFS = re.compile(r"""!\[[^\]]*\]\(\s*<?([^)\s>]+)|\bsrc\s*=\s*["']?([^"'\s>]+)"""
                         r"""|^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)""", re.M)


def local_files(nb, folder, root=None):
    """{relative path: data URL} of the images the notebook's Markdown (cells and
    Markdown outputs) names by a path relative to ``folder``, the notebook's own, for
    an export to embed; never a file outside ``root`` (default: ``folder``), nor one
    over LOCAL_FILE_MAX bytes."""
    import posixpath
    import urllib.parse
    root = os.path.realpath(root or folder)
    texts = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            texts.append(_join(cell.get("source", "")))
        for out in cell.get("outputs", []) or []:
            for mime in ("text/markdown", "text/html"):
                if mime in (out.get("data") or {}):
                    texts.append(_join(out["data"][mime]))
    files = {}
    for text in texts:
        for m in _LOCAL_REFS.finditer(text):
            ref = urllib.parse.unquote(next(g for g in m.groups() if g).split("#")[0].split("?")[0])
            if not ref or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|/", ref):
                continue
            key = posixpath.normpath(ref)
            mime = IMAGE_TYPES.get(os.path.splitext(key)[1].lower())
            full = os.path.realpath(os.path.join(folder, *key.split("/")))
            if key in files or not mime or not (full + os.sep).startswith(root + os.sep) or not os.path.isfile(full):
                continue
            if os.path.getsize(full) > LOCAL_FILE_MAX:
                continue
            with open(full, "rb") as f:
                files[key] = "data:%s;base64,%s" % (mime, base64.b64encode(f.read()).decode())
    return files


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def to_html(nb, title="Notebook", trusted=False, files=None):
    """A standalone page: our CSS and renderers inlined, images as data URLs (``files``:
    local_files(), the images Markdown names by relative path). The same JavaScript
    that draws the notebook page draws the cells, read-only; an untrusted notebook's
    HTML is sanitised and its JavaScript outputs are not run, exactly as on the live
    page. Widgets are drawn from the widget state saved in the notebook's metadata;
    collapsed inputs and outputs stay collapsed (a bar that shows them when clicked)."""
    data = json.dumps(nb, ensure_ascii=True).replace("</", "<\\/")
    local = json.dumps(files or {}, ensure_ascii=True).replace("</", "<\\/")
    scripts = ["render.js", "cmark.js", "md.js", "output.js"]
    if WIDGET_STATE in (nb.get("metadata", {}).get("widgets") or {}):
        scripts += ["widgets.js", "widgetstate.js"]      # the saved widgets, drawn
    return """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%s</title>
<style>%s</style></head>
<body class="export" data-kernel-status="idle"><main id="notebook" class="notebook"></main>
%s
<script>IPL.localFiles = %s; IPL.renderStatic(document.getElementById("notebook"), %s, %s);</script>
</body></html>
""" % (html.escape(title), _static("nb.css"), "\n".join("<script>%s</script>" % _static(n) for n in scripts),
       local, data, "true" if trusted else "false")


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_text, timeout=60):
    """PDF bytes, printed by headless Chromium if installed, else by Qt's QPrinter
    (PyQt5; Markdown and math then stay as plain text)."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="ipylite-pdf-") as d:
        src, pdf = os.path.join(d, "nb.html"), os.path.join(d, "nb.pdf")
        with open(src, "w", encoding="utf-8") as f:
            f.write(html_text)
        if chromium:
            # Chromium's sandbox stays on unless it cannot: as root it refuses to start
            cmd = [chromium, "--headless"] + (["--no-sandbox"] if os.geteuid() == 0 else []) + [
                   "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", "--user-data-dir=" + os.path.join(d, "p"),
                   "--no-pdf-header-footer", "--virtual-time-budget=5000",
                   "--print-to-pdf=" + pdf, "file://" + src]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout, check=False)
            if os.path.exists(pdf):
                with open(pdf, "rb") as f:
                    return f.read()
            raise NotebookError("chromium did not write a PDF")
        return _qt_pdf(html_text, pdf)


def _qt_pdf(html_text, pdf):
    try:
        from PyQt5.QtGui import QTextDocument
        from PyQt5.QtPrintSupport import QPrinter
        from PyQt5.QtWidgets import QApplication
    except ImportError:
        raise NotebookError("PDF export needs chromium or PyQt5; install one of them") from None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _qt_pdf.app = QApplication.instance() or QApplication([])  # must exist while printing
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(pdf)
    doc = QTextDocument()
    doc.setHtml(html_text)
    doc.print_(printer)
    with open(pdf, "rb") as f:
        return f.read()


def to_qt_html(nb):
    """Plain HTML for Qt's printer (no JavaScript there)."""
    parts = []
    bar = "<p style='color:#888'>&#8943; %s hidden</p>"
    for cell in nb["cells"]:
        src = html.escape(_join(cell.get("source", "")))
        folded = cell.get("metadata", {}).get("jupyter")
        folded = folded if isinstance(folded, dict) else {}
        if folded.get("source_hidden"):
            parts.append(bar % "input")
        elif cell["cell_type"] == "code":
            parts.append("<pre style='background:#f5f5f5'>%s</pre>" % src)
        if cell["cell_type"] == "code" and folded.get("outputs_hidden"):
            parts.append(bar % "output")
        elif cell["cell_type"] == "code":
            for out in cell.get("outputs", []):
                d = out.get("data", {})
                if "image/png" in d:
                    parts.append("<img src='data:image/png;base64,%s'>" % _join(d["image/png"]))
                else:
                    parts.append("<pre>%s</pre>" % html.escape(_output_markdown(out).strip("`\n")))
        elif not folded.get("source_hidden"):
            parts.append("<pre>%s</pre>" % src)
    return "<html><body>%s</body></html>" % "".join(parts)


def export(nb, to, title="Notebook", trusted=False, files=None):
    """Bytes of ``nb`` exported to ``to`` (html, pdf, py, md); ``trusted`` lets the
    HTML and PDF run the notebook's own HTML and JavaScript outputs unsanitised;
    ``files`` as to_html's."""
    if to == "html":
        return to_html(nb, title, trusted, files).encode()
    if to == "py":
        return to_python(nb).encode()
    if to == "md":
        return to_markdown(nb).encode()
    if to == "pdf":
        if find_chromium():
            return html_to_pdf(to_html(nb, title, trusted, files))
        return html_to_pdf(to_qt_html(nb))
    raise NotebookError("unknown export format %r: use html, pdf, py or md" % to)


EXTENSIONS = {"html": ".html", "pdf": ".pdf", "py": ".py", "md": ".md"}
MIMETYPES = {"html": "text/html", "pdf": "application/pdf", "py": "text/x-python",
             "md": "text/markdown"}


def execute(nb, kernel_name=None, timeout=600, cwd=None):
    """Run every code cell of ``nb`` in a fresh kernel, in place, replacing outputs."""
    from .protocol import KernelManager
    name = kernel_name or nb.get("metadata", {}).get("kernelspec", {}).get("name") or "ipylite"
    km = KernelManager(kernel_name=name, cwd=cwd)
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels(stdin=False)
    try:
        kc.wait_for_ready(60)
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            outputs = []

            def hook(msg, outputs=outputs):
                out = msg_to_output(msg, outputs)
                if out is not None:
                    outputs.append(out)
            reply = kc.execute_interactive(_join(cell["source"]), output_hook=hook,
                                           timeout=timeout, allow_stdin=False)
            cell["outputs"] = outputs
            cell["execution_count"] = reply["content"].get("execution_count")
            if reply["content"].get("status") == "error":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return nb


def msg_to_output(msg, outputs):
    """An nbformat output dict for an iopub message (streams appended in place)."""
    t, c = msg["msg_type"], msg["content"]
    if t == "stream":
        if outputs and outputs[-1]["output_type"] == "stream" and outputs[-1]["name"] == c["name"]:
            outputs[-1]["text"] += c["text"]
            return None
        return {"output_type": "stream", "name": c["name"], "text": c["text"]}
    if t in ("display_data", "execute_result"):
        out = {"output_type": t, "data": c.get("data", {}), "metadata": c.get("metadata", {})}
        if t == "execute_result":
            out["execution_count"] = c.get("execution_count")
        return out
    if t == "error":
        return {"output_type": "error", "ename": c.get("ename", ""), "evalue": c.get("evalue", ""),
                "traceback": c.get("traceback", [])}
    if t == "clear_output":
        del outputs[:]
    return None
