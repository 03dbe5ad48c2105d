"""The notebook server's Contents API (Jupyter Server's ``/api/contents`` shapes):
models of files, folders and notebooks, saves (atomic: nbfile.atomic_write), copies,
renames, deletes and checkpoints. ``ContentsRoutes`` is mixed into webnb's Handler,
which supplies the request plumbing (``self.app``, ``json_body``, ``send_json``).
"""

import base64
import mimetypes
import os
import shutil

from . import nbfile
from .nbbridge import isoformat
from .webserver import HTTPError


def _checkpoint_path(full):
    d, name = os.path.split(full)
    base, ext = os.path.splitext(name)
    return os.path.join(d, ".ipynb_checkpoints", base + "-checkpoint" + ext)


def contents_model(app, full, content=True, fmt=None, type_=None):
    st = os.stat(full)
    name = os.path.basename(full) if full != app.root else ""
    path = app.api_path(full)
    m = {"name": name, "path": path, "last_modified": isoformat(st.st_mtime),
         "created": isoformat(st.st_ctime), "writable": os.access(full, os.W_OK),
         "content": None, "format": None, "mimetype": None, "size": None, "hash": None,
         "hash_algorithm": None}
    if os.path.isdir(full):
        if type_ not in (None, "directory"):
            raise HTTPError(400, "%s is a directory, not a %s" % (path, type_))
        m["type"] = "directory"
        if content:
            items = []
            for entry in sorted(os.listdir(full), key=str.lower):
                if entry.startswith("."):
                    continue
                try:
                    sub = app.resolve((path + "/" + entry) if path else entry)
                    items.append(contents_model(app, sub, content=False))
                except (HTTPError, OSError):
                    continue
            m.update(content=items, format="json")
        return m
    m["size"] = st.st_size
    if (type_ == "notebook") or (type_ is None and name.endswith(".ipynb")):
        m["type"] = "notebook"
        if content:
            nb = nbfile.read(full)
            trusted = app.notary.check_signature(nb)
            app.notary.mark_cells(nb, trusted)
            m.update(content=nb, format="json", mimetype=None)
        return m
    m["type"] = "file"
    m["mimetype"] = mimetypes.guess_type(full)[0] or "text/plain"
    if content:
        with open(full, "rb") as f:
            data = f.read()
        if fmt != "base64":
            try:
                m.update(content=data.decode("utf-8"), format="text")
                return m
            except UnicodeDecodeError:
                if fmt == "text":
                    raise HTTPError(400, "%s is not UTF-8 text" % path) from None
        m.update(content=base64.b64encode(data).decode(), format="base64",
                 mimetype=m["mimetype"] if m["mimetype"] != "text/plain" else "application/octet-stream")
    return m


def save_contents(app, full, model):
    t = model.get("type")
    exists = os.path.exists(full)
    if t == "directory":
        os.makedirs(full, exist_ok=True)
    elif t == "notebook":
        nb = model.get("content")
        try:
            nbfile.validate(nb)
        except nbfile.NotebookError as e:
            raise HTTPError(400, str(e)) from None
        if exists:
            try:
                nbfile.read(full)
            except nbfile.NotebookError as e:
                raise HTTPError(409, "refusing to overwrite %s: %s" % (os.path.basename(full), e)) from None
        nbfile.upgrade(nb)
        if app.notary.check_cells(nb):
            nbfile.Notary.strip_marks(nb)
            app.notary.sign(nb)
        nbfile.Notary.strip_marks(nb)
        nbfile.write(nb, full)
    elif t == "file":
        content = model.get("content") or ""
        if model.get("format") == "base64":
            try:
                data = base64.b64decode(content, validate=False)
            except ValueError:
                raise HTTPError(400, "content is not base64") from None
        else:
            data = content.encode("utf-8")
        nbfile.atomic_write(full, data)
    else:
        raise HTTPError(400, "model type must be notebook, file or directory")
    return contents_model(app, full, content=False)


def untitled(app, full_dir, kind, ext):
    base = {"notebook": "Untitled", "directory": "Untitled Folder", "file": "untitled"}[kind]
    ext = "" if kind == "directory" else (ext or (".ipynb" if kind == "notebook" else ".txt"))
    for i in range(10000):
        name = "%s%s%s" % (base, i or "", ext)
        if not os.path.exists(os.path.join(full_dir, name)):
            return os.path.join(full_dir, name)
    raise HTTPError(409, "too many untitled files")



class ContentsRoutes:
    """/api/contents/<path>[/checkpoints[/<id>]]: GET PUT POST PATCH DELETE."""

    def api_contents(self, method, rest):
        app = self.app
        path, _, cp = rest.partition("/checkpoints")
        if rest.endswith("/checkpoints") or "/checkpoints/" in rest:
            return self.api_checkpoints(method, path, cp.lstrip("/"))
        full = app.resolve(rest)
        if method == "GET":
            if not os.path.lexists(full):
                raise HTTPError(404, "no such file or folder: %s" % rest)
            return self.send_json(200, contents_model(
                app, full, content=self.query.get("content", "1") != "0",
                fmt=self.query.get("format"), type_=self.query.get("type")))
        if method == "PUT":
            model = self.json_body()
            existed = os.path.exists(full)
            if not model.get("type") and "copy_from" not in model:
                raise HTTPError(400, "no model type given")
            if model.get("copy_from"):
                src = app.resolve(model["copy_from"], must_exist=True)
                if existed:
                    raise HTTPError(409, "%s already exists: copying over it is refused" % rest)
                with open(src, "rb") as f:
                    nbfile.atomic_write(full, f.read())
                return self.send_json(201, contents_model(app, full, content=False))
            return self.send_json(200 if existed else 201, save_contents(app, full, model))
        if method == "POST":
            model = self.json_body()
            if not os.path.isdir(full):
                raise HTTPError(404, "no such folder: %s" % rest)
            if model.get("copy_from"):
                src = app.resolve(model["copy_from"], must_exist=True)
                base, ext = os.path.splitext(os.path.basename(src))
                i, dest = 1, None
                while dest is None or os.path.exists(dest):
                    dest = os.path.join(full, "%s-Copy%d%s" % (base, i, ext))
                    i += 1
                shutil.copyfile(src, dest)
                return self.send_json(201, contents_model(app, dest, content=False))
            kind = model.get("type", "file")
            if kind not in ("notebook", "directory", "file"):
                raise HTTPError(400, "type must be notebook, directory or file")
            if kind == "notebook":    # kernel_name (ours): the kernelspec the tree's New menu chose
                kname = model.get("kernel_name") or app.default_kernel()
                try:
                    from .protocol import get_kernel_spec
                    dname = get_kernel_spec(kname).get("display_name") or kname
                except Exception:
                    if model.get("kernel_name"):
                        raise HTTPError(404, "no kernelspec named %r" % kname) from None
                    dname = kname
            dest = untitled(app, full, kind, model.get("ext"))
            if kind == "notebook":
                nb = nbfile.new_notebook(kname, dname)
                nbfile.write(nb, dest)
            elif kind == "directory":
                os.mkdir(dest)
            else:
                open(dest, "w").close()
            return self.send_json(201, contents_model(app, dest, content=False))
        if method == "PATCH":
            model = self.json_body()
            if not os.path.lexists(full):
                raise HTTPError(404, "no such file or folder: %s" % rest)
            new = app.resolve(model.get("path", ""))
            if new == app.root:
                raise HTTPError(400, "give the new path")
            if os.path.lexists(new):
                raise HTTPError(409, "%s already exists" % model["path"])
            os.rename(full, new)
            old_cp, new_cp = _checkpoint_path(full), _checkpoint_path(new)
            if os.path.isfile(old_cp) and not os.path.lexists(new_cp):
                os.makedirs(os.path.dirname(new_cp), exist_ok=True)
                os.rename(old_cp, new_cp)
            with app.lock:       # open notebooks follow (a folder rename moves those inside)
                old_api, new_api = app.api_path(full), app.api_path(new)
                for s in app.sessions.values():
                    if s["path"] == old_api or s["path"].startswith(old_api + "/"):
                        s["path"] = new_api + s["path"][len(old_api):]
                        s["name"] = os.path.basename(s["path"])
            return self.send_json(200, contents_model(app, new, content=False))
        if method == "DELETE":
            if full == app.root:
                raise HTTPError(400, "cannot delete the served folder")
            if not os.path.lexists(full):
                raise HTTPError(404, "no such file or folder: %s" % rest)
            if os.path.isdir(full) and not os.path.islink(full):
                inside = [n for n in os.listdir(full) if n != ".ipynb_checkpoints"]
                if inside:     # as Jupyter without a trash: never remove a tree silently
                    raise HTTPError(409, "folder %s is not empty (%d item%s): delete what is inside first"
                                    % (rest, len(inside), "" if len(inside) == 1 else "s"))
                shutil.rmtree(full)
            else:
                os.remove(full)
            return self.send(204, b"", "text/plain")
        raise HTTPError(405, "method not allowed")

    def api_checkpoints(self, method, path, cid):
        full = self.app.resolve(path, must_exist=True)
        cp = _checkpoint_path(full)
        model = lambda: {"id": "checkpoint", "last_modified": isoformat(os.stat(cp).st_mtime)}  # noqa: E731
        if method == "GET":
            return self.send_json(200, [model()] if os.path.exists(cp) else [])
        if method == "POST" and not cid:
            os.makedirs(os.path.dirname(cp), exist_ok=True)
            shutil.copy2(full, cp)
            return self.send_json(201, model())
        if cid != "checkpoint" or not os.path.exists(cp):
            raise HTTPError(404, "no checkpoint %r" % cid)
        if method == "POST":
            shutil.copy2(cp, full)
            return self.send(204, b"", "text/plain")
        if method == "DELETE":
            os.remove(cp)
            return self.send(204, b"", "text/plain")
        raise HTTPError(405, "method not allowed")
