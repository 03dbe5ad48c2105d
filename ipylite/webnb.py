"""The web notebook server: Jupyter's URLs and REST/WebSocket shapes on the standard
library's threaded HTTP server, kernels through ``protocol.KernelManager``.

    python -m ipylite.webnb [DIR_OR_NOTEBOOK] [--port 8888] [--ip 127.0.0.1]
                            [--no-browser] [--token T] [--profile P]
    python -m ipylite.webnb export NB --to html|pdf|py|md [--execute] [-o OUT]
    python -m ipylite.webnb trust NB
    python -m ipylite.webnb password          store a password hash in the profile

Routes (as Jupyter Server's)::

    /tree/<dir>  /notebooks/<path>  /edit/<path>  /files/<path>  /nbconvert/<fmt>/<path>  /static/<f>
    /login  /logout
    /api/contents/<path>[/checkpoints[/<id>]]   GET PUT POST PATCH DELETE
    /api/kernels[/<id>[/interrupt|/restart]]     /api/kernels/<id>/channels (WebSocket)
    /api/kernelspecs  /api/sessions[/<id>]  /api/status

Security: every route but /login and /static needs the token (``?token=``, an
``Authorization: token T`` header, or the HttpOnly login cookie set from either, or a
password from the profile's ``webnb.json``). Cookie-authenticated requests that change
state need the ``X-XSRFToken`` header equal to the ``_xsrf`` cookie. The Host header
must name this machine (DNS rebinding), a WebSocket's Origin must be the page's own,
paths never leave the served folder, and request bodies are capped (``--max-upload``).

Kernels outlive the page: each kernel's bridge thread keeps, per cell id, the messages
of that cell's latest execution (and any unanswered input request); a page that
connects with ``?replay=1`` gets them in one ``ipylite/replay`` message.
"""

import hashlib
import hmac
import html
import http.cookies
import json
import logging
import mimetypes
import os
import secrets
import socket
import sys
import threading
import urllib.parse
import uuid
import webbrowser

from . import nbfile
from .highlight import fill_page_words
from .nbcontents import ContentsRoutes
from .nbbridge import STREAM_KEEP, KernelBridge, Outlet, utcnow  # noqa: F401 (STREAM_KEEP: API)
from .protocol import json_dumps
from .webserver import WebSocket, ws_unframe
from .webserver import (PREAUTH_BODY, SANDBOX, GuardedHandler, GuardedServer, HTTPError,  # noqa: F401
                        os_error, passwd, passwd_check, safe_filename_header, safe_next)

log = logging.getLogger("ipylite.webnb")

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "localhost.localdomain"}




# ---------------------------------------------------------------------- the app

class App:
    """What the server knows: the folder, kernels, sessions, auth secrets."""

    def __init__(self, root, token=None, password_hash=None, ip="127.0.0.1", port=8888,
                 profile="default", max_upload=100 * 1024 * 1024, allow_hosts=(),
                 kernel_name="ipylite", quiet_kernels=True, max_connections=256,
                 request_timeout=30.0, allow_hidden=False):
        self.root = os.path.realpath(root)
        self.token = secrets.token_hex(24) if token is None else token
        self.password_hash = password_hash
        self.ip, self.port = ip, port
        self.profile = profile
        self.max_upload = max_upload
        self.max_connections, self.request_timeout = max_connections, request_timeout
        self.allow_hosts = set(allow_hosts) | LOCAL_HOSTS | {ip}
        self.kernel_name = kernel_name
        self.quiet_kernels = quiet_kernels
        self.cookie_secret = secrets.token_bytes(32)
        self.logins = set()           # ids of login cookies not yet logged out
        self.allow_hidden = allow_hidden
        self.kernels = {}
        self.sessions = {}
        self.lock = threading.RLock()
        self._notary = None
        self.started = utcnow()

    @property
    def notary(self):
        if self._notary is None:
            self._notary = nbfile.Notary(self.profile)
        return self._notary

    @property
    def cookie_name(self):
        return "ipylite-login-%s" % self.port

    def login_cookie(self):
        """A new login: a signed random id that stays valid until its logout."""
        value = secrets.token_hex(16)
        with self.lock:
            self.logins.add(value)
        sig = hmac.new(self.cookie_secret, value.encode(), hashlib.sha256).hexdigest()
        return value + "." + sig

    def cookie_ok(self, cookie):
        value, _, sig = (cookie or "").partition(".")
        good = hmac.new(self.cookie_secret, value.encode(), hashlib.sha256).hexdigest()
        return bool(value) and hmac.compare_digest(good, sig) and value in self.logins

    def logout(self, cookie):
        with self.lock:
            self.logins.discard((cookie or "").partition(".")[0])

    def token_ok(self, token):
        return bool(self.token) and bool(token) and hmac.compare_digest(self.token, token)

    # -- paths
    def resolve(self, path, must_exist=False):
        """The absolute path for an API path, refusing anything outside the root."""
        path = path or ""
        if "\x00" in path or "\\" in path:
            raise HTTPError(400, "bad character in path")
        if path.startswith("/") or os.path.isabs(path) or (len(path) > 1 and path[1] == ":"):
            raise HTTPError(404, "absolute paths are refused: %s" % path)
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise HTTPError(404, "paths with '..' are refused")
        if not self.allow_hidden and any(p.startswith(".") for p in parts):
            raise HTTPError(404, "hidden files and folders are not served (start with --allow-hidden)")
        full = os.path.join(self.root, *parts)
        real = os.path.realpath(full)
        if real != self.root and not real.startswith(self.root + os.sep):
            raise HTTPError(404, "path leaves the served folder: %s" % path)
        if must_exist and not os.path.lexists(full):
            raise HTTPError(404, "no such file or folder: %s" % path)
        return full

    def api_path(self, full):
        rel = os.path.relpath(full, self.root).replace(os.sep, "/")
        return "" if rel == "." else rel

    # -- kernels and sessions
    def default_kernel(self):
        """The configured kernel if its kernelspec exists, else python3, else any."""
        from .protocol import find_kernel_specs, get_kernel_spec
        for n in [self.kernel_name, "python3"] + sorted(find_kernel_specs()):
            try:
                get_kernel_spec(n)
                return n
            except Exception:
                continue
        return self.kernel_name

    def start_kernel(self, name=None, cwd=None):
        from .protocol import get_kernel_spec
        name = name or self.default_kernel()
        try:
            get_kernel_spec(name)
        except Exception:
            raise HTTPError(404, "no kernelspec named %r" % name) from None
        bridge = KernelBridge(name, cwd or self.root, quiet=self.quiet_kernels)
        with self.lock:
            self.kernels[bridge.id] = bridge
        return bridge

    def kernel(self, kid):
        k = self.kernels.get(kid)
        if k is None:
            raise HTTPError(404, "no kernel %s" % kid)
        return k

    def shutdown_kernel(self, kid):
        k = self.kernel(kid)
        with self.lock:
            self.kernels.pop(kid, None)
            for sid, s in list(self.sessions.items()):
                if s["kernel_id"] == kid:
                    del self.sessions[sid]
        k.shutdown()

    def session_model(self, sid):
        s = self.sessions[sid]
        k = self.kernels.get(s["kernel_id"])
        return {"id": sid, "path": s["path"], "name": s["name"], "type": s["type"],
                "kernel": k.model() if k else None,
                "notebook": {"path": s["path"], "name": s["name"]}}

    def shutdown_all(self):
        for kid in list(self.kernels):
            try:
                self.shutdown_kernel(kid)
            except Exception:
                log.exception("shutting down kernel %s", kid)


# ---------------------------------------------------------------------- handler

class Handler(ContentsRoutes, GuardedHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ipylite-webnb"
    app = None  # set per server

    def log_message(self, fmt, *args):
        log.debug("%s - %s", self.address_string(), fmt % args)

    # -- responses
    def send(self, status, body=b"", ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        for k, v in headers:
            if any(c in str(v) for c in "\r\n\0"):    # never let a value start a new header
                raise ValueError("header %s carries a line break" % k)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        for morsel in getattr(self, "_cookies", {}).values():
            self.send_header("Set-Cookie", morsel.OutputString())
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send(status, json.dumps(obj, default=str), headers=headers)

    def error(self, status, message):
        if self.path.startswith("/api/") or self.headers.get("Accept", "").startswith("application/json"):
            self.send_json(status, {"message": message, "reason": http.HTTPStatus(status).phrase})
        else:
            self.send(status, "<!DOCTYPE html><title>%d</title><h1>%d %s</h1><p>%s</p>" % (
                status, status, http.HTTPStatus(status).phrase, html.escape(message)), "text/html")

    def redirect(self, where):
        self.send(302, b"", "text/plain", headers=[("Location", where)])

    def set_cookie(self, name, value, httponly=True):
        c = http.cookies.SimpleCookie()
        c[name] = value
        c[name]["path"] = "/"
        c[name]["samesite"] = "Lax"
        if httponly:
            c[name]["httponly"] = True
        self._cookies = getattr(self, "_cookies", {})
        self._cookies[name] = c[name]

    # -- request parts
    def cookies(self):
        c = http.cookies.SimpleCookie()
        try:
            c.load(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            pass
        return {k: m.value for k, m in c.items()}

    def body(self):
        """The request body: its length must be given (no chunked bodies), and is
        capped at --max-upload, or at PREAUTH_BODY before the request is authenticated."""
        self.body_read = True
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise HTTPError(411, "send a Content-Length (Transfer-Encoding is not supported)")
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            self.close_connection = True
            raise HTTPError(400, "a Content-Length header is needed" if raw is None else
                            "bad Content-Length %r: give the body's size in bytes" % raw[:40])
        n = int(raw)
        limit = self.app.max_upload if self.authenticated else min(PREAUTH_BODY, self.app.max_upload)
        if n > limit:
            self.close_connection = True
            raise HTTPError(413, "request body of %d bytes is over the %d byte limit%s" % (
                n, limit, "" if self.authenticated else " before logging in"))
        data = self.rfile.read(n) if n else b""
        if len(data) < n:
            self.close_connection = True
            raise ConnectionError("the client sent %d of %d body bytes" % (len(data), n))
        return data

    def json_body(self):
        data = self.body()
        if not data:
            return {}
        try:
            obj = json.loads(data)
        except ValueError:
            raise HTTPError(400, "request body is not JSON") from None
        if not isinstance(obj, dict):
            raise HTTPError(400, "request body must be a JSON object")
        return obj

    # -- security
    def check_host(self):
        host = self.headers.get("Host", "")
        name = urllib.parse.urlsplit("//" + host).hostname or ""
        if name not in self.app.allow_hosts:
            raise HTTPError(403, "Blocking request with non-local 'Host' %s; "
                            "pass --allow-host to allow it" % host)

    def check_origin(self):
        origin = self.headers.get("Origin")
        if origin is None:
            return  # not a browser
        o = urllib.parse.urlsplit(origin)
        if o.netloc.lower() != self.headers.get("Host", "").lower():
            raise HTTPError(403, "Blocking cross-origin request from %s" % origin)

    def authenticate(self):
        """How the request proved itself: 'header', 'query', 'cookie', or None."""
        app = self.app
        if not app.token and not app.password_hash:
            return "open"
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("token ") and app.token_ok(auth[6:].strip()):
            return "header"
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if app.token_ok((q.get("token") or [""])[0]):
            self.set_cookie(app.cookie_name, app.login_cookie())
            return "query"
        if app.cookie_ok(self.cookies().get(app.cookie_name)):
            return "cookie"
        return None

    def check_xsrf(self, how):
        if how in ("header", "open_api"):
            return
        cookie = self.cookies().get("_xsrf", "")
        given = self.headers.get("X-XSRFToken") or self.headers.get("X-Xsrftoken") or ""
        if not cookie or not given or not hmac.compare_digest(cookie, given):
            raise HTTPError(403, "'_xsrf' argument missing or wrong (XSRF check failed)")

    def ensure_xsrf_cookie(self):
        x = self.cookies().get("_xsrf")
        if not x:
            x = secrets.token_hex(16)
            self.set_cookie("_xsrf", x, httponly=False)
        return x

    # -- dispatch
    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    ROUTES = [
        ("/api/kernels/", "channels", "kernel_channels"),
        ("/api/contents", None, "api_contents"),
        ("/api/kernelspecs", None, "api_kernelspecs"),
        ("/api/kernels", None, "api_kernels"),
        ("/api/sessions", None, "api_sessions"),
        ("/api/status", None, "api_status"),
        ("/api", None, "api_root"),
        ("/tree", None, "page_tree"),
        ("/notebooks", None, "page_notebook"),
        ("/files", None, "page_files"),
        ("/edit", None, "page_edit"),
        ("/nbconvert", None, "page_nbconvert"),
    ]

    def dispatch(self, method):
        self._cookies = {}
        self.method = method
        self.authenticated = self.body_read = False
        try:
            self.route(method)
        finally:
            if not self.body_read and (self.headers.get("Content-Length", "0").strip() not in ("0", "")
                                       or self.headers.get("Transfer-Encoding")):
                self.close_connection = True   # an unread body must not be read as the next request

    def route(self, method):
        try:
            self.check_host()
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path)
            self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
            if path.startswith("/static/"):
                return self.page_static(path[len("/static/"):])
            if path == "/login":
                return self.page_login(method)
            if path == "/logout":
                self.app.logout(self.cookies().get(self.app.cookie_name))
                self.set_cookie(self.app.cookie_name, "")
                return self.redirect("/login")
            how = self.authenticate()
            if how is None:
                if path.startswith("/api/") or method != "GET":
                    raise HTTPError(403, "Forbidden: a token is needed (log in or pass ?token=)")
                return self.redirect("/login?next=" + urllib.parse.quote(self.path))
            self.authenticated = True
            self.mark_busy()
            if method != "GET":
                self.check_origin()
                self.check_xsrf("open_api" if how == "open" and path.startswith("/api/") else how)
            if path in ("/", ""):
                return self.redirect("/tree")
            for prefix, suffix, name in self.ROUTES:
                if path == prefix or path.startswith(prefix + "/") or (prefix.endswith("/") and path.startswith(prefix)):
                    if suffix and not path.endswith("/" + suffix):
                        continue
                    rest = path[len(prefix):]
                    if rest.startswith("/") and not prefix.endswith("/"):
                        rest = rest[1:]
                    return getattr(self, name)(method, rest)
            raise HTTPError(404, "not found: %s" % path)
        except HTTPError as e:
            if e.status >= 500:
                log.error("%s %s: %s", method, self.path, e.message)
            self.error(e.status, e.message)
        except nbfile.NotebookError as e:
            self.error(400, str(e))
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except OSError as e:
            self.error(*os_error(e, urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)))
        except Exception as e:
            log.exception("%s %s", method, self.path)
            self.error(500, "internal error: %s" % e)

    # -- pages
    def page_static(self, name):
        if "/" in name or name.startswith(".") or not name:
            raise HTTPError(404, "not found")
        full = os.path.join(STATIC, name)
        if not os.path.isfile(full):
            raise HTTPError(404, "not found: /static/" + name)
        ctype = {"js": "text/javascript", "css": "text/css", "html": "text/html",
                 "svg": "image/svg+xml", "png": "image/png"}.get(name.rsplit(".", 1)[-1], "application/octet-stream")
        with open(full, "rb") as f:
            body = f.read()
        if name == "render.js":     # Python's keywords and builtins, for its highlighter
            body = fill_page_words(body.decode("utf-8")).encode("utf-8")
        self.send(200, body, ctype + ("; charset=utf-8" if ctype.startswith("text") else ""))

    def template(self, name, **values):
        xsrf = self.ensure_xsrf_cookie()
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            text = f.read()
        values.setdefault("xsrf", xsrf)
        for k, v in values.items():
            text = text.replace("{{%s}}" % k, html.escape(str(v), quote=True))
        self.send(200, text, "text/html; charset=utf-8",
                  headers=[("Content-Security-Policy", "frame-ancestors 'self'")])

    def page_login(self, method):
        app = self.app
        nxt = safe_next(self.query.get("next", "/tree"))
        if method == "POST":
            form = urllib.parse.parse_qs(self.body().decode("utf-8", "replace"))
            given = (form.get("password") or [""])[0]
            x = self.cookies().get("_xsrf", "")
            if not x or not hmac.compare_digest(x, (form.get("_xsrf") or [""])[0]):
                raise HTTPError(403, "'_xsrf' argument missing or wrong (XSRF check failed)")
            if app.token_ok(given) or (app.password_hash and passwd_check(app.password_hash, given)):
                self.set_cookie(app.cookie_name, app.login_cookie())
                return self.redirect(nxt)
            return self.template("login.html", message="Wrong password or token.", next=nxt)
        return self.template("login.html", message="", next=nxt)

    def page_tree(self, method, rest):
        full = self.app.resolve(rest, must_exist=True)
        if not os.path.isdir(full):
            if rest.endswith(".ipynb"):
                return self.redirect("/notebooks/" + urllib.parse.quote(rest))
            return self.redirect("/files/" + urllib.parse.quote(rest))
        self.template("tree.html", path=rest, title=rest or "Files")

    def page_notebook(self, method, rest):
        full = self.app.resolve(rest, must_exist=True)
        if os.path.isdir(full):
            return self.redirect("/tree/" + urllib.parse.quote(rest))
        self.template("notebook.html", path=rest, title=os.path.basename(rest))

    def page_edit(self, method, rest):
        """The plain text editor (for .py, .md, .txt... files)."""
        full = self.app.resolve(rest, must_exist=True)
        if os.path.isdir(full):
            return self.redirect("/tree/" + urllib.parse.quote(rest))
        self.template("edit.html", path=rest, title=os.path.basename(rest))

    def page_files(self, method, rest):
        full = self.app.resolve(rest, must_exist=True)
        if os.path.isdir(full):
            raise HTTPError(404, "%s is a directory" % rest)
        ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
        with open(full, "rb") as f:
            data = f.read()
        headers = [SANDBOX]     # whatever its type: an XHTML or XML file can run script too
        if self.query.get("download"):
            headers.append(("Content-Disposition", safe_filename_header(os.path.basename(full))))
        self.send(200, data, ctype, headers=headers)

    def page_nbconvert(self, method, rest):
        fmt, _, path = rest.partition("/")
        if fmt not in nbfile.EXTENSIONS:
            raise HTTPError(400, "unknown export format %r: use html, pdf, py or md" % fmt)
        full = self.app.resolve(path, must_exist=True)
        nb = nbfile.read(full)
        title = os.path.splitext(os.path.basename(full))[0]
        data = nbfile.export(nb, fmt, title=title, trusted=self.app.notary.check_signature(nb),
                             files=nbfile.local_files(nb, os.path.dirname(full), self.app.root))
        headers = [SANDBOX]     # an export is the notebook's content: never the server's origin
        if self.query.get("download"):
            headers.append(("Content-Disposition", safe_filename_header(title + nbfile.EXTENSIONS[fmt])))
        self.send(200, data, nbfile.MIMETYPES[fmt] + ("; charset=utf-8" if fmt != "pdf" else ""), headers=headers)

    # -- API
    def api_root(self, method, rest):
        from . import __version__
        if rest:
            raise HTTPError(404, "not found: /api/" + rest)
        self.send_json(200, {"version": __version__})

    def api_status(self, method, rest):
        app = self.app
        self.send_json(200, {"started": app.started.isoformat(), "kernels": len(app.kernels),
                             "connections": sum(len(k.sockets) for k in app.kernels.values()),
                             "last_activity": utcnow().isoformat()})

    def api_kernelspecs(self, method, rest):
        from .protocol import find_kernel_specs, get_kernel_spec
        specs = {}
        for name in find_kernel_specs():
            try:
                spec = get_kernel_spec(name)
            except Exception:
                continue
            specs[name] = {"name": name, "resources": {},
                           "spec": {k: v for k, v in spec.items() if k != "resource_dir"}}
        if rest:
            if rest not in specs:
                raise HTTPError(404, "no kernelspec %r" % rest)
            return self.send_json(200, specs[rest])
        default = self.app.default_kernel() if specs else None
        self.send_json(200, {"default": default, "kernelspecs": specs})

    def api_kernels(self, method, rest):
        app = self.app
        kid, _, action = rest.partition("/")
        if not kid:
            if method == "GET":
                return self.send_json(200, [k.model() for k in app.kernels.values()])
            if method == "POST":
                model = self.json_body()
                k = app.start_kernel(model.get("name"), cwd=app.resolve(model.get("path", "")))
                return self.send_json(201, k.model(), headers=[("Location", "/api/kernels/" + k.id)])
            raise HTTPError(405, "method not allowed")
        k = app.kernel(kid)
        if not action:
            if method == "GET":
                return self.send_json(200, k.model())
            if method == "DELETE":
                app.shutdown_kernel(kid)
                return self.send(204, b"", "text/plain")
        elif method == "POST" and action == "interrupt":
            k.interrupt()
            return self.send(204, b"", "text/plain")
        elif method == "POST" and action == "restart":
            k.restart()
            return self.send_json(200, k.model())
        raise HTTPError(405 if action in ("", "interrupt", "restart") else 404, "not allowed: %s %s" % (method, rest))

    def api_sessions(self, method, rest):
        app = self.app
        if not rest:
            if method == "GET":
                return self.send_json(200, [app.session_model(s) for s in list(app.sessions)])
            if method != "POST":
                raise HTTPError(405, "method not allowed")
            model = self.json_body()
            path = model.get("path") or (model.get("notebook") or {}).get("path")
            if not path:
                raise HTTPError(400, "a session needs a path")
            full = app.resolve(path)
            kname = (model.get("kernel") or {}).get("name")
            with app.lock:
                for sid, s in app.sessions.items():
                    if s["path"] == path and s["kernel_id"] in app.kernels:
                        return self.send_json(201, app.session_model(sid))
                kid = (model.get("kernel") or {}).get("id")
                k = app.kernel(kid) if kid else app.start_kernel(kname, cwd=os.path.dirname(full))
                sid = str(uuid.uuid4())
                app.sessions[sid] = {"path": path, "name": model.get("name") or os.path.basename(path),
                                     "type": model.get("type", "notebook"), "kernel_id": k.id}
            return self.send_json(201, app.session_model(sid))
        if rest not in app.sessions:
            raise HTTPError(404, "no session %s" % rest)
        if method == "GET":
            return self.send_json(200, app.session_model(rest))
        if method == "DELETE":
            kid = app.sessions[rest]["kernel_id"]
            if kid in app.kernels:
                app.shutdown_kernel(kid)
            app.sessions.pop(rest, None)
            return self.send(204, b"", "text/plain")
        if method == "PATCH":
            model = self.json_body()
            s = app.sessions[rest]
            if model.get("path"):
                app.resolve(model["path"])
                s["path"], s["name"] = model["path"], os.path.basename(model["path"])
            if (model.get("kernel") or {}).get("name"):
                old = s["kernel_id"]
                s["kernel_id"] = app.start_kernel(model["kernel"]["name"]).id
                if old in app.kernels:
                    app.shutdown_kernel(old)
            return self.send_json(200, app.session_model(rest))
        raise HTTPError(405, "method not allowed")

    # -- WebSocket
    def kernel_channels(self, method, rest):
        kid = rest[:-len("/channels")]
        k = self.app.kernel(kid)
        if method != "GET" or self.headers.get("Upgrade", "").lower() != "websocket":
            raise HTTPError(400, "use a WebSocket for kernel channels")
        self.check_origin()
        key = self.headers.get("Sec-WebSocket-Key")
        if not key or self.headers.get("Sec-WebSocket-Version") != "13":
            raise HTTPError(400, "bad WebSocket handshake")
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", WebSocket.accept_key(key))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        # little room in flight: output waiting for a slow page stays in the Outlet,
        # where it is merged and bounded, not in kernel socket buffers
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
        self.no_timeout()
        ws = WebSocket(self.rfile, self.wfile)
        ws.max_message = min(WebSocket.max_message, self.app.max_upload)
        outlet = Outlet(ws)
        if self.query.get("replay"):
            outlet.put(json_dumps(k.replay()).decode("utf-8", "replace"))
        k.sockets.add(outlet)
        try:
            while True:
                text = ws.recv()
                if text is None:
                    break
                try:
                    msg = json.loads(text) if isinstance(text, str) else ws_unframe(text)
                    channel = msg.pop("channel", "shell")
                    if not isinstance(msg.get("header"), dict) or "msg_type" not in msg["header"]:
                        raise ValueError("no header.msg_type")
                    k.send(channel, msg)
                except (ValueError, TypeError, AttributeError) as e:
                    log.warning("dropped a bad message from the page: %s", e)
        except (ConnectionError, OSError):
            pass
        finally:
            k.sockets.discard(outlet)
            outlet.close()


# ----------------------------------------------------------------------- server

class Server(GuardedServer):
    def __init__(self, app, address=None):
        handler = type("BoundHandler", (Handler,), {"app": app})
        super().__init__(address or (app.ip, app.port), handler,
                         max_connections=app.max_connections, request_timeout=app.request_timeout)
        app.port = self.server_address[1]
        self.app = app

    def url(self, path="/tree"):
        host = self.app.ip if self.app.ip not in ("0.0.0.0", "") else "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        q = "?token=" + self.app.token if self.app.token else ""
        return "http://%s:%d%s%s" % (host, self.app.port, path, q)

    def shutdown_all(self):
        self.shutdown()
        self.server_close()
        self.app.shutdown_all()


def load_config(profile):
    from .config import profile_dir
    d = profile_dir(profile)
    if not d:
        return {}
    try:
        with open(os.path.join(d, "webnb.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("ignoring %s: %s", os.path.join(d, "webnb.json"), e)
        return {}


# ------------------------------------------------------------------------- CLI

def cmd_export(args):
    try:
        nb = nbfile.read(args.notebook)
        if args.execute:
            nbfile.execute(nb, cwd=os.path.dirname(os.path.abspath(args.notebook)))
        title = os.path.splitext(os.path.basename(args.notebook))[0]
        # outputs this run made are the user's own; others count only if signed
        trusted = args.execute or nbfile.Notary(args.profile).check_signature(nb)
        folder = os.path.dirname(os.path.abspath(args.notebook))
        data = nbfile.export(nb, args.to, title=title, trusted=trusted, files=nbfile.local_files(nb, folder))
    except nbfile.NotebookError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    out = args.output or os.path.splitext(args.notebook)[0] + nbfile.EXTENSIONS[args.to]
    if out == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(out, "wb") as f:
            f.write(data)
        print("wrote %s (%d bytes)" % (out, len(data)))
    return 0


def cmd_trust(args):
    notary = nbfile.Notary(args.profile)
    rc = 0
    for path in args.notebooks:
        try:
            nb = nbfile.read(path)
        except nbfile.NotebookError as e:
            print("error: %s: %s" % (path, e), file=sys.stderr)
            rc = 1
            continue
        if notary.check_signature(nb):
            print("%s is already trusted" % path)
        else:
            notary.sign(nb)
            print("signed %s" % path)
    return rc


def cmd_password(args):
    import getpass
    from .config import profile_dir
    pw = getpass.getpass("Password: ")
    if pw != getpass.getpass("Verify: "):
        print("error: passwords do not match", file=sys.stderr)
        return 1
    d = profile_dir(args.profile)
    path = os.path.join(d, "webnb.json")
    cfg = load_config(args.profile)
    cfg["password"] = passwd(pw)
    from .protocol import write_private
    write_private(path, json.dumps(cfg, indent=1))
    print("wrote the password hash to %s" % path)
    return 0


def cmd_serve(args):
    target = os.path.abspath(args.path or ".")
    open_path = "/tree"
    if os.path.isfile(target):
        root = os.path.dirname(target)
        open_path = "/notebooks/" + urllib.parse.quote(os.path.basename(target))
    elif os.path.isdir(target):
        root = target
    else:
        print("error: %s is neither a folder nor a notebook" % args.path, file=sys.stderr)
        return 1
    cfg = load_config(args.profile)
    token = args.token if args.token is not None else cfg.get("token")
    pw = cfg.get("password")
    if pw and token is None:
        token = ""  # a password replaces the random token
    app = App(root, token=token, password_hash=pw, ip=args.ip, port=args.port, profile=args.profile,
              max_upload=args.max_upload, allow_hosts=args.allow_host, kernel_name=args.kernel,
              quiet_kernels=not args.debug, max_connections=args.max_connections,
              request_timeout=args.request_timeout, allow_hidden=args.allow_hidden)
    if not app.token and not app.password_hash:
        log.warning("no token and no password: anyone who can reach the port can run code")
    try:
        server = Server(app)
    except OSError as e:
        print("error: cannot listen on %s:%s: %s" % (args.ip, args.port, e.strerror), file=sys.stderr)
        return 1
    url = server.url(open_path)
    print("ipylite notebook serving %s\n    %s" % (root, url), flush=True)
    if not args.no_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("shutting down", flush=True)
    finally:
        server.server_close()
        app.shutdown_all()
    return 0


def main(argv=None):
    import argparse
    import signal
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        p = argparse.ArgumentParser(prog="python -m ipylite.webnb export")
        p.add_argument("notebook")
        p.add_argument("--to", required=True, choices=sorted(nbfile.EXTENSIONS))
        p.add_argument("--execute", action="store_true", help="run the notebook first")
        p.add_argument("-o", "--output", help="output file (- for stdout)")
        p.add_argument("--profile", default="default", help="whose trust signatures to check")
        return cmd_export(p.parse_args(argv[1:]))
    if argv and argv[0] == "trust":
        p = argparse.ArgumentParser(prog="python -m ipylite.webnb trust")
        p.add_argument("notebooks", nargs="+")
        p.add_argument("--profile", default="default")
        return cmd_trust(p.parse_args(argv[1:]))
    if argv and argv[0] == "password":
        p = argparse.ArgumentParser(prog="python -m ipylite.webnb password")
        p.add_argument("--profile", default="default")
        return cmd_password(p.parse_args(argv[1:]))
    p = argparse.ArgumentParser(prog="python -m ipylite.webnb",
                                description="Serve notebooks in the browser.")
    p.add_argument("path", nargs="?", help="folder or notebook to serve (default: .)")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--token", default=None, help="the access token (default: random)")
    p.add_argument("--profile", default="default")
    p.add_argument("--kernel", default="ipylite", help="kernelspec for new notebooks")
    p.add_argument("--allow-host", action="append", default=[], help="extra allowed Host name")
    p.add_argument("--max-upload", type=int, default=100 * 1024 * 1024, help="bytes")
    p.add_argument("--max-connections", type=int, default=256,
                   help="connections served at once (the longest idle is dropped for a new one)")
    p.add_argument("--allow-hidden", action="store_true",
                   help="serve files and folders whose names start with a dot")
    p.add_argument("--request-timeout", type=float, default=30.0,
                   help="seconds a connection may take to send a request, or sit idle")
    p.add_argument("--debug", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="[webnb %(levelname)s] %(message)s")
    from .protocol import import_zmq
    try:
        import_zmq()
    except ImportError as e:  # kernels are driven over ZeroMQ
        print(f"error: the notebook server needs {e}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    return cmd_serve(args)


if __name__ == "__main__":
    sys.exit(main())
