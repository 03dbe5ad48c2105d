"""The web notebook server over real HTTP and WebSocket: routes, refusals, kernels,
files, trust and export. One server (a real subprocess) for the module."""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

import pytest

from ipylite import nbfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "t0ken-for-tests"


# ------------------------------------------------------------------ helpers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(port, method, path, body=None, headers=None, token=TOKEN, raw=None):
    """(status, headers dict, body bytes) over a plain socket: no client library
    rewrites what we send (Host, paths with '..')."""
    h = {"Host": "127.0.0.1:%d" % port, "Connection": "close"}
    if token:
        h["Authorization"] = "token " + token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    if body is not None:
        h["Content-Length"] = str(len(body))
    req = raw or ("%s %s HTTP/1.1\r\n" % (method, path) +
                  "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode() + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(req)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return status, hdrs, rest


def jget(port, path, **kw):
    st, _, body = http(port, "GET", path, **kw)
    return st, (json.loads(body) if body.strip().startswith((b"{", b"[")) else body)


class WS:
    """A small RFC 6455 client for tests."""

    def __init__(self, port, path, headers=None, token=TOKEN, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:     # a slow page: little room in flight
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        h = {"Host": "127.0.0.1:%d" % port, "Upgrade": "websocket", "Connection": "Upgrade",
             "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
        if token:
            h["Authorization"] = "token " + token
        h.update(headers or {})
        self.sock.sendall(("GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items())
                           + "\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            data += chunk
        self.status = int(data.split()[1]) if data else 0
        self.buf = b""

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        head = (struct.pack(">BB", 0x81, 0x80 | n) if n < 126 else struct.pack(">BBH", 0x81, 0x80 | 126, n)
                if n < 65536 else struct.pack(">BBQ", 0x81, 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=30):
        self.sock.settimeout(timeout)
        b1, b2 = self._read(2)
        n = b2 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        data = self._read(n)
        if b1 & 0x0F == 8:
            raise ConnectionError("closed by server")
        return json.loads(data)

    def close(self):
        self.sock.close()


def msg(msg_type, content, channel="shell", metadata=None):
    mid = os.urandom(8).hex()
    return {"header": {"msg_id": mid, "msg_type": msg_type, "username": "t", "session": "s",
                       "date": "2020-01-01T00:00:00Z", "version": "5.3"},
            "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel}


def collect(ws, msg_id, until="execute_reply", timeout=30):
    """Messages for ``msg_id`` until the ``until`` reply and the idle status."""
    out, replied, idle = [], False, False
    deadline = time.monotonic() + timeout
    while not (replied and idle):
        m = ws.recv(max(0.1, deadline - time.monotonic()))
        if m.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        out.append(m)
        replied = replied or m["msg_type"] == until
        idle = idle or (m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
    return out


# ------------------------------------------------------------------ fixtures

def stop(proc):
    """Ask the server ``proc`` to stop; kill it if it takes over 15 s."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_listening(proc, port, why=lambda: ""):
    """Wait until the server ``proc`` accepts connections on ``port``."""
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + why())
            time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    (root / "sub").mkdir()
    (root / "hello.txt").write_text("hello")
    (root / "broken.ipynb").write_text("{ this is not json")
    (root / "notnb.ipynb").write_text('{"just": "json"}')
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside / "secret.txt", root / "link-out.txt")
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "ipylite.webnb", str(root), "--port", str(port),
                             "--no-browser", "--token", TOKEN, "--max-upload", "200000"] + (["--debug"] if os.environ.get("WEBNB_DEBUG") else []),
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_listening(proc, port, lambda: (log.seek(0), log.read())[1])
        yield {"port": port, "root": root, "outside": outside, "proc": proc}
    finally:
        stop(proc)
        log.close()


# ------------------------------------------------------------------ refusals

def test_no_token_and_wrong_token_are_refused(server):
    p = server["port"]
    assert http(p, "GET", "/api/contents", token=None)[0] == 403
    assert http(p, "GET", "/api/contents", token="wrong")[0] == 403
    assert http(p, "GET", "/api/contents?token=wrong", token=None)[0] == 403
    st, h, _ = http(p, "GET", "/tree", token=None)
    assert st == 302 and h["location"][0].startswith("/login")
    assert http(p, "GET", "/api/contents")[0] == 200
    ws = WS(p, "/api/kernels/x/channels", token=None)
    assert ws.status == 403
    ws.close()


def test_query_token_sets_an_httponly_cookie_that_logs_in(server):
    p = server["port"]
    st, h, _ = http(p, "GET", "/tree?token=" + TOKEN, token=None)
    assert st == 200
    cookies = h["set-cookie"]
    login = [c for c in cookies if c.startswith("ipylite-login-")][0]
    assert "HttpOnly" in login
    value = login.split(";")[0]
    assert http(p, "GET", "/api/contents", token=None, headers={"Cookie": value})[0] == 200
    forged = value[:-4] + "0000"
    assert http(p, "GET", "/api/contents", token=None, headers={"Cookie": forged})[0] == 403


def test_login_form_checks_xsrf_and_password(server):
    p = server["port"]
    st, h, body = http(p, "GET", "/login", token=None)
    assert st == 200 and b'name="_xsrf"' in body
    xsrf = [c for c in h["set-cookie"] if c.startswith("_xsrf=")][0].split(";")[0].split("=")[1]
    form = ("password=%s&_xsrf=%s" % (TOKEN, xsrf)).encode()
    hdr = {"Cookie": "_xsrf=" + xsrf, "Content-Type": "application/x-www-form-urlencoded"}
    st, h, _ = http(p, "POST", "/login?next=/tree/sub", body=form, token=None, headers=hdr)
    assert st == 302 and h["location"] == ["/tree/sub"]
    assert any(c.startswith("ipylite-login-") for c in h["set-cookie"])
    bad = ("password=nope&_xsrf=%s" % xsrf).encode()
    st, h, body = http(p, "POST", "/login", body=bad, token=None, headers=hdr)
    assert st == 200 and b"Wrong password" in body
    assert not any(c.startswith("ipylite-login-") for c in h.get("set-cookie", []))
    st, _, _ = http(p, "POST", "/login", body=form, token=None,
                    headers={"Cookie": "_xsrf=other", "Content-Type": "application/x-www-form-urlencoded"})
    assert st == 403


def test_cookie_requests_that_change_state_need_xsrf(server):
    p = server["port"]
    _, h, _ = http(p, "GET", "/tree?token=" + TOKEN, token=None)
    cookie = [c for c in h["set-cookie"] if c.startswith("ipylite-login-")][0].split(";")[0]
    xsrf = [c for c in h["set-cookie"] if c.startswith("_xsrf=")][0].split(";")[0]
    both = cookie + "; " + xsrf
    model = {"type": "file", "format": "text", "content": "x"}
    assert http(p, "PUT", "/api/contents/x1.txt", model, token=None, headers={"Cookie": both})[0] == 403
    assert http(p, "PUT", "/api/contents/x1.txt", model, token=None,
                headers={"Cookie": both, "X-XSRFToken": "wrong"})[0] == 403
    assert not (server["root"] / "x1.txt").exists()
    st = http(p, "PUT", "/api/contents/x1.txt", model, token=None,
              headers={"Cookie": both, "X-XSRFToken": xsrf.split("=")[1]})[0]
    assert st == 201 and (server["root"] / "x1.txt").read_text() == "x"


def test_foreign_host_is_refused(server):
    p = server["port"]
    st, _, body = http(p, "GET", "/api/contents", headers={"Host": "evil.example:%d" % p})
    assert st == 403 and b"non-local 'Host'" in body
    assert http(p, "GET", "/api/contents", headers={"Host": "localhost:%d" % p})[0] == 200


def test_foreign_origin_websocket_is_refused(server):
    p = server["port"]
    _, s = jget(p, "/api/kernels")
    st, k = jget(p, "/api/kernels", token=TOKEN) if s else (None, None)
    st, _, body = http(p, "POST", "/api/kernels", {"name": "ipylite"})
    kid = json.loads(body)["id"]
    try:
        ws = WS(p, "/api/kernels/%s/channels" % kid, headers={"Origin": "http://evil.example"})
        assert ws.status == 403
        ws.close()
        ws = WS(p, "/api/kernels/%s/channels" % kid, headers={"Origin": "http://127.0.0.1:%d" % p})
        assert ws.status == 101
        ws.close()
        st, _, _ = http(p, "POST", "/api/kernels", {"name": "ipylite"}, headers={"Origin": "http://evil.example"})
        assert st == 403
    finally:
        http(p, "DELETE", "/api/kernels/" + kid)


@pytest.mark.parametrize("path", [
    "/api/contents/../outside.txt", "/api/contents/sub/../../x", "/api/contents//etc/passwd",
    "/api/contents/%2Fetc%2Fpasswd", "/api/contents/link-out.txt", "/files/link-out.txt",
    "/files/../../etc/passwd", "/api/contents/sub/%2e%2e/%2e%2e/etc",
])
def test_paths_outside_the_folder_are_refused(server, path):
    st, _, body = http(server["port"], "GET", path)
    assert st in (400, 404), (path, st)
    assert b"secret" not in body and b"root:" not in body


def test_writing_through_a_path_escape_is_refused(server):
    p = server["port"]
    st, _, _ = http(p, "PUT", "/api/contents/../escaped.txt", {"type": "file", "format": "text", "content": "x"})
    assert st == 404
    st, _, _ = http(p, "PATCH", "/api/contents/hello.txt", {"path": "../moved.txt"})
    assert st == 404
    assert (server["root"] / "hello.txt").exists()
    assert not (server["root"].parent / "escaped.txt").exists()


def test_upload_limit(server):
    p = server["port"]
    big = {"type": "file", "format": "base64", "content": base64.b64encode(b"x" * 300000).decode()}
    st, _, body = http(p, "PUT", "/api/contents/big.bin", big)
    assert st == 413 and b"limit" in body
    assert not (server["root"] / "big.bin").exists()
    small = {"type": "file", "format": "base64", "content": base64.b64encode(b"\x00\x01data").decode()}
    assert http(p, "PUT", "/api/contents/small.bin", small)[0] == 201
    assert (server["root"] / "small.bin").read_bytes() == b"\x00\x01data"


def test_non_json_notebook_is_refused_and_never_overwritten(server):
    p = server["port"]
    st, body = jget(p, "/api/contents/broken.ipynb?type=notebook")
    assert st == 400 and "not valid JSON" in body["message"]
    st, body = jget(p, "/api/contents/notnb.ipynb")
    assert st == 400 and "not a notebook" in body["message"]
    nb = nbfile.new_notebook()
    st, _, body = http(p, "PUT", "/api/contents/broken.ipynb", {"type": "notebook", "content": nb})
    assert st == 409 and b"refusing to overwrite" in body
    assert (server["root"] / "broken.ipynb").read_text() == "{ this is not json"
    st, _, _ = http(p, "PUT", "/api/contents/bad-model.ipynb", {"type": "notebook", "content": {"cells": 3}})
    assert st == 400


def test_bad_requests_get_one_clear_message(server):
    p = server["port"]
    st, _, body = http(p, "PUT", "/api/contents/a.txt", b"not json")
    assert st == 400 and json.loads(body)["message"] == "request body is not JSON"
    assert jget(p, "/api/kernels/nope")[0] == 404
    assert jget(p, "/api/nothing-here")[0] == 404
    assert http(p, "GET", "/nbconvert/docx/hello.txt")[0] == 400
    st, _, body = http(p, "POST", "/api/sessions", {"path": "x.ipynb", "kernel": {"name": "no-such-kernel"}})
    assert st == 404 and b"no kernelspec" in body


# ------------------------------------------------------------------ contents

def test_contents_directory_files_rename_delete_checkpoints(server):
    p = server["port"]
    st, m = jget(p, "/api/contents")
    names = {i["name"]: i["type"] for i in m["content"]}
    assert names["sub"] == "directory" and names["hello.txt"] == "file"
    st, m = jget(p, "/api/contents/hello.txt")
    assert m["content"] == "hello" and m["format"] == "text"
    st, _, body = http(p, "POST", "/api/contents/sub", {"type": "notebook"})
    assert st == 201 and json.loads(body)["path"] == "sub/Untitled.ipynb"
    st, _, body = http(p, "POST", "/api/contents/sub", {"type": "directory"})
    assert json.loads(body)["name"] == "Untitled Folder"
    st, _, body = http(p, "PATCH", "/api/contents/sub/Untitled.ipynb", {"path": "sub/renamed.ipynb"})
    assert st == 200 and (server["root"] / "sub" / "renamed.ipynb").exists()
    assert http(p, "PATCH", "/api/contents/sub/renamed.ipynb", {"path": "hello.txt"})[0] == 409
    st, _, body = http(p, "POST", "/api/contents/sub/renamed.ipynb/checkpoints")
    assert st == 201 and json.loads(body)["id"] == "checkpoint"
    (server["root"] / "sub" / "renamed.ipynb").write_text(nbfile.writes(nbfile.new_notebook("changed")))
    assert http(p, "POST", "/api/contents/sub/renamed.ipynb/checkpoints/checkpoint")[0] == 204
    assert "changed" not in (server["root"] / "sub" / "renamed.ipynb").read_text()
    assert http(p, "DELETE", "/api/contents/sub/renamed.ipynb")[0] == 204
    assert http(p, "DELETE", "/api/contents/sub/Untitled Folder".replace(" ", "%20"))[0] == 204
    assert jget(p, "/api/contents/sub/renamed.ipynb")[0] == 404
    st, _, body = http(p, "GET", "/files/hello.txt")
    assert st == 200 and body == b"hello"


def test_notebook_round_trip_validates_with_nbformat(server, tmp_path):
    import nbformat
    p = server["port"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('hi')\nx = 1"),
                nbformat.v4.new_markdown_cell("# Title\n\n$x^2$")]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.cells[0].metadata["custom"] = {"keep": [1, 2]}
    nb.metadata["unknown_extension"] = {"a": 1}
    path = server["root"] / "jupyter.ipynb"
    nbformat.write(nb, str(path))
    original = path.read_text()
    st, m = jget(p, "/api/contents/jupyter.ipynb")
    assert st == 200 and m["type"] == "notebook"
    assert m["content"]["cells"][0]["source"] == "print('hi')\nx = 1"
    st, _, _ = http(p, "PUT", "/api/contents/jupyter.ipynb", {"type": "notebook", "content": m["content"]})
    assert st == 200
    assert path.read_text() == original  # a Jupyter-written notebook is saved unchanged
    back = nbformat.read(str(path), as_version=4)
    nbformat.validate(back)
    assert back.metadata["unknown_extension"] == {"a": 1}
    assert back.cells[0].metadata["custom"] == {"keep": [1, 2]}
    # a notebook made by the page (new cell without id, 4.4) is upgraded and validates
    m["content"]["nbformat_minor"] = 4
    m["content"]["cells"].append({"cell_type": "code", "source": "1+1", "metadata": {}})
    http(p, "PUT", "/api/contents/made.ipynb", {"type": "notebook", "content": m["content"]})
    made = nbformat.read(str(server["root"] / "made.ipynb"), as_version=4)
    nbformat.validate(made)
    assert made.nbformat_minor == 5 and all(c.get("id") for c in made.cells)


def test_pages_and_static_files(server):
    p = server["port"]
    st, _, body = http(p, "GET", "/tree/sub")
    assert st == 200 and b'data-path="sub"' in body
    st, _, body = http(p, "GET", "/notebooks/jupyter.ipynb")
    assert st == 200 and b"/static/notebook.js" in body
    assert http(p, "GET", "/static/notebook.js")[0] == 200
    assert http(p, "GET", "/static/../webnb.py")[0] == 404
    assert http(p, "GET", "/notebooks/missing.ipynb")[0] == 404


# ------------------------------------------------------------------ kernels

def test_kernel_over_websocket_execute_input_and_replay(server):
    p = server["port"]
    st, _, body = http(p, "POST", "/api/sessions", {"path": "ws.ipynb", "type": "notebook",
                                                    "kernel": {"name": "ipylite"}})
    assert st == 201
    sess = json.loads(body)
    kid = sess["kernel"]["id"]
    st, _, body = http(p, "POST", "/api/sessions", {"path": "ws.ipynb", "type": "notebook"})
    assert json.loads(body)["kernel"]["id"] == kid  # one kernel per notebook
    try:
        ws = WS(p, "/api/kernels/%s/channels" % kid)
        assert ws.status == 101
        m = msg("execute_request", {"code": "print('a'); 6*7", "silent": False, "allow_stdin": True,
                                    "store_history": True, "user_expressions": {}, "stop_on_error": True},
                metadata={"cellId": "cell-1"})
        ws.send(m)
        got = collect(ws, m["header"]["msg_id"])
        types = [g["msg_type"] for g in got]
        assert "stream" in types and "execute_result" in types
        res = [g for g in got if g["msg_type"] == "execute_result"][0]
        assert res["content"]["data"]["text/plain"] == "42"
        # input() answered over the stdin channel
        m = msg("execute_request", {"code": "x = input('name? ')\nprint('hi', x)", "silent": False,
                                    "allow_stdin": True, "store_history": True, "user_expressions": {},
                                    "stop_on_error": True}, metadata={"cellId": "cell-2"})
        ws.send(m)
        while True:
            r = ws.recv()
            if r["channel"] == "stdin":
                break
        assert r["content"]["prompt"] == "name? "
        ws.close()  # the page goes away while the kernel waits for input
        ws = WS(p, "/api/kernels/%s/channels?replay=1" % kid)
        rep = ws.recv()
        assert rep["msg_type"] == "replay"
        cells = {c["cell_id"]: c for c in rep["content"]["cells"]}
        assert any(x["msg_type"] == "execute_result" for x in cells["cell-1"]["msgs"])
        assert rep["content"]["pending_input"]["content"]["prompt"] == "name? "
        reply = msg("input_reply", {"value": "Ada"}, channel="stdin")
        reply["parent_header"] = r["header"]
        ws.send(reply)
        got = collect(ws, m["header"]["msg_id"])
        assert "hi Ada\n" in "".join(g["content"].get("text", "") for g in got)
        # output produced while no page is connected is replayed
        m = msg("execute_request", {"code": "import time\nfor i in range(3): print(i, flush=True)",
                                    "silent": False, "allow_stdin": False, "store_history": True,
                                    "user_expressions": {}, "stop_on_error": True},
                metadata={"cellId": "cell-3"})
        ws.send(m)
        ws.close()
        deadline = time.monotonic() + 30
        while True:
            ws = WS(p, "/api/kernels/%s/channels?replay=1" % kid)
            rep = ws.recv()
            ws.close()
            msgs = [c for c in rep["content"]["cells"] if c["cell_id"] == "cell-3"][0]["msgs"]
            # idle comes on iopub after the cell's output (the reply, on shell, may
            # overtake that output: the two channels are not ordered)
            if any(x["msg_type"] == "status" and x["content"]["execution_state"] == "idle"
                   for x in msgs) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        text = "".join(x["content"].get("text", "") for x in msgs if x["msg_type"] == "stream")
        assert text == "0\n1\n2\n"
        # interrupt and restart
        ws = WS(p, "/api/kernels/%s/channels" % kid)
        m = msg("execute_request", {"code": "import time\ntime.sleep(30)", "silent": False,
                                    "allow_stdin": False, "store_history": True, "user_expressions": {},
                                    "stop_on_error": True})
        ws.send(m)
        while True:
            r = ws.recv()
            if r["msg_type"] == "status" and r["content"]["execution_state"] == "busy" and \
                    r["parent_header"].get("msg_id") == m["header"]["msg_id"]:
                break
        assert http(p, "POST", "/api/kernels/%s/interrupt" % kid)[0] == 204
        got = collect(ws, m["header"]["msg_id"])
        err = [g for g in got if g["msg_type"] == "error"]
        assert err and err[0]["content"]["ename"] == "KeyboardInterrupt"
        st, k = jget(p, "/api/kernels/" + kid)
        assert k["execution_state"] == "idle" and k["connections"] == 1
        st, _, body = http(p, "POST", "/api/kernels/%s/restart" % kid)
        assert st == 200
        deadline = time.monotonic() + 30
        while jget(p, "/api/kernels/" + kid)[1]["execution_state"] != "idle":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        m = msg("execute_request", {"code": "'x' in dir()", "silent": False, "allow_stdin": False,
                                    "store_history": True, "user_expressions": {}, "stop_on_error": True})
        ws.send(m)
        got = collect(ws, m["header"]["msg_id"])
        res = [g for g in got if g["msg_type"] == "execute_result"][0]
        assert res["content"]["data"]["text/plain"] == "False"  # a fresh namespace
        ws.close()
        st, sessions = jget(p, "/api/sessions")
        assert any(s["path"] == "ws.ipynb" for s in sessions)
    finally:
        assert http(p, "DELETE", "/api/sessions/" + sess["id"])[0] == 204
    assert jget(p, "/api/kernels/" + kid)[0] == 404


def test_kernelspecs_list_both_kernels(server):
    st, m = jget(server["port"], "/api/kernelspecs")
    assert st == 200 and m["default"] == "ipylite" and "ipylite" in m["kernelspecs"]
    assert m["kernelspecs"]["ipylite"]["spec"]["language"] == "python"


# ------------------------------------------------------------------ trust & export

def test_trust_signature_cli_and_api(server, tmp_path):
    p = server["port"]
    nb = nbfile.new_notebook()
    nb["cells"] = [{"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1, "source": "",
                    "outputs": [{"output_type": "display_data", "metadata": {},
                                 "data": {"text/html": "<script>alert(1)</script>"}}]}]
    path = server["root"] / "foreign.ipynb"
    path.write_text(nbfile.writes(nb))
    st, m = jget(p, "/api/contents/foreign.ipynb")
    assert m["content"]["cells"][0]["metadata"]["trusted"] is False
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "ipylite.webnb", "trust", str(path)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "signed" in out.stdout
    st, m = jget(p, "/api/contents/foreign.ipynb")
    assert m["content"]["cells"][0]["metadata"]["trusted"] is True
    assert "trusted" not in path.read_text()  # the marks never reach the file
    # saving with untrusted cells does not sign; the page's trusted cells do
    nb2 = json.loads(json.dumps(nb))
    nb2["cells"][0]["outputs"][0]["data"]["text/html"] = "<b>changed</b>"
    nb2["cells"][0]["metadata"]["trusted"] = False
    http(p, "PUT", "/api/contents/foreign.ipynb", {"type": "notebook", "content": nb2})
    assert jget(p, "/api/contents/foreign.ipynb")[1]["content"]["cells"][0]["metadata"]["trusted"] is False
    nb2["cells"][0]["metadata"]["trusted"] = True
    http(p, "PUT", "/api/contents/foreign.ipynb", {"type": "notebook", "content": nb2})
    assert jget(p, "/api/contents/foreign.ipynb")[1]["content"]["cells"][0]["metadata"]["trusted"] is True
    bad = subprocess.run([sys.executable, "-m", "ipylite.webnb", "trust", str(server["root"] / "broken.ipynb")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr and bad.stderr.count("\n") == 1


FIG_NB = {
    "cells": [
        {"cell_type": "markdown", "id": "m1", "metadata": {},
         "source": "# Report\n\nEuler: $e^{i\\pi} + 1 = 0$\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$"},
        {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                   "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot([0, 1, 2], [0, 1, 4], color='red', lw=6)\n"
                   "plt.show()\nprint('done')"},
    ],
    "metadata": {"kernelspec": {"name": "ipylite", "display_name": "ipylite", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5}


def _export(tmp_path, fmt, *extra):
    src = tmp_path / "fig.ipynb"
    src.write_text(json.dumps(FIG_NB))
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "ipylite.webnb", "export", str(src), "--to", fmt] + list(extra),
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return tmp_path / ("fig." + {"html": "html", "pdf": "pdf", "py": "py", "md": "md"}[fmt])


def test_export_py_md_and_bad_format(tmp_path):
    py = _export(tmp_path, "py").read_text()
    assert "# # Report" in py and "# %matplotlib inline" in py and "import matplotlib.pyplot as plt" in py
    compile(py, "fig.py", "exec")
    md = _export(tmp_path, "md").read_text()
    assert md.startswith("# Report") and "```python\n%matplotlib inline" in md
    env = dict(os.environ, PYTHONPATH=ROOT)
    bad = subprocess.run([sys.executable, "-m", "ipylite.webnb", "export", str(tmp_path / "nope.ipynb"),
                          "--to", "html"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "cannot read" in bad.stderr


def test_export_html_and_pdf_with_figure_and_math(tmp_path):
    html_path = _export(tmp_path, "html", "--execute")
    text = html_path.read_text()
    nb = json.loads(text.split('IPL.renderStatic(document.getElementById("notebook"), ')[1].rsplit(", true);</script>", 1)[0])
    outs = nb["cells"][1]["outputs"]
    assert any("image/png" in o.get("data", {}) for o in outs)   # the figure is embedded
    assert any("done" in "".join(o.get("text", "")) for o in outs)
    assert "<script src=" not in text and "<link" not in text      # standalone: nothing fetched
    pdf = _export(tmp_path, "pdf", "--execute")
    assert pdf.read_bytes().startswith(b"%PDF")
    png = _pdf_page_png(pdf, tmp_path)
    from PIL import Image
    im = Image.open(png).convert("RGB")
    w, h = im.size
    px = im.load()
    red = sum(1 for x in range(0, w, 2) for y in range(0, h, 2)
              if px[x, y][0] > 200 and px[x, y][1] < 80 and px[x, y][2] < 80)
    assert red > 200  # the plotted red line is on the page
    # math rendered: MathML in the HTML, and the PDF's text layer holds the integral sign
    assert "<math" in _rendered_html(html_path)
    assert "\u222b" in _pdf_text(pdf)


def _pdf_page_png(pdf, tmp_path):
    """Page 1 as PNG, drawn by pdftoppm (poppler-utils, installed by .ci/run)."""
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (poppler-utils) is needed to look at the PDF"
    subprocess.run([exe, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    return sorted(tmp_path.glob("page*.png"))[0]


def _pdf_text(pdf):
    exe = shutil.which("pdftotext")
    return subprocess.run([exe, str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def _rendered_html(html_path):
    chromium = shutil.which("chromium")
    out = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          "--virtual-time-budget=3000", "file://" + str(html_path)],
                         capture_output=True, text=True, timeout=60)
    return out.stdout


def test_password_hashes():
    from ipylite.webnb import passwd, passwd_check
    h = passwd("s3cret", iterations=1000)
    assert h.startswith("pbkdf2_sha256:1000:")
    assert passwd_check(h, "s3cret") and not passwd_check(h, "S3cret")
    assert not passwd_check("garbage", "s3cret") and not passwd_check("md5:1:a:b", "x")


def test_websocket_frames_round_trip_and_limits():
    import io
    from ipylite.webnb import WebSocket

    def frame(payload, opcode=1, fin=True, masked=True):
        mask = b"\x01\x02\x03\x04"
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([(0x80 if masked else 0) | n])
        elif n < 65536:
            head += bytes([(0x80 if masked else 0) | 126]) + struct.pack(">H", n)
        else:
            head += bytes([(0x80 if masked else 0) | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if masked else payload
        return head + (mask if masked else b"") + body

    big = ("é" * 40000).encode()
    data = frame(b"hel", fin=False) + frame(b"", opcode=9) + frame(b"lo", opcode=0) + frame(big) + frame(b"", opcode=8)
    out = io.BytesIO()
    ws = WebSocket(io.BytesIO(data), out)
    assert ws.recv() == "hello"
    assert out.getvalue() == b"\x8a\x00"                 # the ping was answered
    assert ws.recv() == "é" * 40000
    assert ws.recv() is None and ws.closed
    ws = WebSocket(io.BytesIO(frame(b"x", masked=False)), io.BytesIO())
    with pytest.raises(ConnectionError):
        ws.recv()                                         # clients must mask
    ws = WebSocket(io.BytesIO(frame(b"x" * 100)), io.BytesIO())
    ws.max_message = 50
    with pytest.raises(ConnectionError):
        ws.recv()
    assert WebSocket.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_flood_to_a_page_that_does_not_read_is_merged_and_bounded(server, tmp_path):
    """A printing loop while the page reads nothing: the server merges the waiting stream
    messages (keeping the last STREAM_KEEP chars), so after an interrupt the reply and
    idle arrive behind a bounded amount of output."""
    from ipylite.webnb import STREAM_KEEP
    p = server["port"]
    st, _, body = http(p, "POST", "/api/sessions", {"path": "flood.ipynb", "type": "notebook",
                                                    "kernel": {"name": "ipylite"}})
    kid = json.loads(body)["kernel"]["id"]
    counter = tmp_path / "count"
    try:
        ws = WS(p, "/api/kernels/%s/channels" % kid, rcvbuf=65536)
        code = ("i = 0\nwhile True:\n    i += 1\n    print('flooding line', i)\n"
                "    if i %% 20000 == 0: open(%r, 'w').write(str(i))" % str(counter))
        m = msg("execute_request", {"code": code, "silent": False, "allow_stdin": False,
                                    "store_history": True, "user_expressions": {}, "stop_on_error": True},
                metadata={"cellId": "flood"})
        ws.send(m)
        deadline = time.monotonic() + 60
        while not (counter.exists() and int(counter.read_text() or 0) >= 400000):   # ~10 MB printed
            assert time.monotonic() < deadline, "the loop did not print"
            time.sleep(0.1)
        assert http(p, "POST", "/api/kernels/%s/interrupt" % kid)[0] == 204
        got = collect(ws, m["header"]["msg_id"], timeout=60)
        streams = [g for g in got if g["msg_type"] == "stream"]
        received = sum(len(g["content"]["text"]) for g in streams)
        assert received < 4 * STREAM_KEEP       # about 10 MB was printed
        assert sum(g["content"].get("ipylite_hidden", 0) for g in streams) > 0
        assert streams[-1]["content"]["text"].rstrip().split("\n")[-1].startswith("flooding line")
        assert any(g["msg_type"] == "error" and g["content"]["ename"] == "KeyboardInterrupt" for g in got)
        ws.close()
        # the replay record is bounded too
        ws = WS(p, "/api/kernels/%s/channels?replay=1" % kid)
        rep = ws.recv()
        cell = [c for c in rep["content"]["cells"] if c["cell_id"] == "flood"][0]
        assert sum(len(x["content"].get("text", "")) for x in cell["msgs"] if x["msg_type"] == "stream") <= 2 * STREAM_KEEP
        ws.close()
    finally:
        http(p, "DELETE", "/api/kernels/" + kid)


def test_without_the_ipylite_kernelspec_the_default_kernel_is_used(tmp_path):
    """A fresh machine with only ipykernel's python3: new notebooks, sessions without a
    kernel name and /api/kernelspecs all agree on python3."""
    import ipykernel  # noqa: F401  (its python3 kernelspec lives under sys.prefix)
    root = tmp_path / "root"
    root.mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               JUPYTER_PATH=str(empty), JUPYTER_DATA_DIR=str(empty), IPYLITE_DIR=str(tmp_path / "ipy"))
    proc = subprocess.Popen([sys.executable, "-m", "ipylite.webnb", str(root), "--port", str(port),
                             "--no-browser", "--token", TOKEN], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        wait_listening(proc, port)
        specs = jget(port, "/api/kernelspecs")[1]
        assert "ipylite" not in specs["kernelspecs"] and specs["default"] == "python3"
        st, _, body = http(port, "POST", "/api/contents", {"type": "notebook"})
        assert st == 201
        nb = jget(port, "/api/contents/" + json.loads(body)["path"])[1]["content"]
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        st, _, body = http(port, "POST", "/api/sessions", {"path": "a.ipynb", "type": "notebook",
                                                           "kernel": {"name": "ipylite"}})
        assert st == 404 and "ipylite" in json.loads(body)["message"]
        st, _, body = http(port, "POST", "/api/sessions", {"path": "a.ipynb", "type": "notebook", "kernel": {}})
        assert st == 201 and json.loads(body)["kernel"]["name"] == "python3"
        http(port, "DELETE", "/api/sessions/" + json.loads(body)["id"])
    finally:
        stop(proc)


def test_deleting_a_non_empty_folder_is_refused(server):
    p = server["port"]
    full = server["root"] / "fulldir"
    (full / "inner").mkdir(parents=True)
    (full / "inner" / "a.txt").write_text("a")
    (full / "b.txt").write_text("b")
    st, _, body = http(p, "DELETE", "/api/contents/fulldir")
    assert st == 409 and json.loads(body)["message"] == \
        "folder fulldir is not empty (2 items): delete what is inside first"
    assert (full / "inner" / "a.txt").exists()
    only_cp = server["root"] / "cpdir" / ".ipynb_checkpoints"
    only_cp.mkdir(parents=True)
    (only_cp / "x-checkpoint.ipynb").write_text("{}")
    assert http(p, "DELETE", "/api/contents/cpdir")[0] == 204      # checkpoints alone do not count
    assert not only_cp.exists()


def test_nbformat_3_notebook_opens_upgraded_like_nbformat_does(server):
    import nbformat
    from nbformat import v3
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    cells = [v3.new_heading_cell("Title", level=2), v3.new_text_cell("markdown", source="some *text*"),
             v3.new_code_cell(input="print('hi')\n1+1", prompt_number=3, outputs=[
                 v3.new_output("stream", output_text="hi\n", stream="stdout"),
                 v3.new_output("pyout", output_text="2", output_html="<b>2</b>", output_png=png, prompt_number=3),
                 v3.new_output("pyerr", ename="ValueError", evalue="bad", traceback=["tb"])]),
             v3.new_text_cell("raw", source="raw text")]
    old = v3.new_notebook(name="old", worksheets=[v3.new_worksheet(cells=cells)])
    path = server["root"] / "v3.ipynb"
    path.write_text(v3.writes_json(old))
    assert json.loads(path.read_text())["nbformat"] == 3
    st, m = jget(server["port"], "/api/contents/v3.ipynb")
    assert st == 200
    got = m["content"]
    want = nbformat.read(str(path), as_version=4)
    assert got["nbformat"] == 4
    assert [c["cell_type"] for c in got["cells"]] == [c["cell_type"] for c in want.cells]
    assert [nbfile._join(c["source"]) for c in got["cells"]] == [c.source for c in want.cells]
    code, wcode = got["cells"][2], want.cells[2]
    assert code["execution_count"] == wcode.execution_count == 3
    assert [o["output_type"] for o in code["outputs"]] == [o.output_type for o in wcode.outputs]
    assert code["outputs"][0]["name"] == "stdout" and code["outputs"][0]["text"] == "hi\n"
    res = code["outputs"][1]
    assert set(res["data"]) == set(wcode.outputs[1].data) == {"text/plain", "text/html", "image/png"}
    assert res["execution_count"] == 3 and res["data"]["text/html"] == "<b>2</b>"
    assert code["outputs"][2]["ename"] == "ValueError"
    nbformat.validate(nbformat.from_dict(got))          # a valid v4 notebook
