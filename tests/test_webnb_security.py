"""The notebook server attacked as an outsider would: files and exports that carry
script, bodies that never end, connections that never finish. Each attack is done for
real, against a real server subprocess, and in Chromium where a browser is the victim."""

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time

import pytest

from ipylite import nbfile
from test_webnb_server import WS, free_port, msg, stop, wait_listening
from test_webnb_server import http as http_as
from test_webnb_browser import browser  # noqa: F401  (the same headless Chromium fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "security-token"


def http(port, method, path, **kw):
    return http_as(port, method, path, token=TOKEN, **kw)


def start_server(root, log_dir, *extra, nofile=None):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = open(log_dir / ("server-%d.log" % port), "w+")

    def limits():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    proc = subprocess.Popen([sys.executable, "-m", "ipylite.webnb", str(root), "--port", str(port),
                             "--no-browser", "--token", TOKEN, "--max-upload", "200000"] + list(extra),
                            stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=limits)
    wait_listening(proc, port, lambda: (log.seek(0), log.read())[1])
    return proc, port, log


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    proc, port, log = start_server(root, tmp_path_factory.mktemp("log"))
    try:
        yield {"port": port, "root": root, "proc": proc, "url": "http://127.0.0.1:%d" % port}
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def victim(browser, server):
    """A logged-in user's browser tab (the login cookie and the _xsrf cookie are set)."""
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    pg.goto(server["url"] + "/tree?token=" + TOKEN)
    pg.wait_for_selector("body[data-loaded=true]")
    names = {c["name"] for c in ctx.cookies()}
    assert "_xsrf" in names and any(n.startswith("ipylite-login-") for n in names)
    yield pg
    ctx.close()


# What a hostile file or output runs: it marks that it ran, then uses the user's login
# to write a file through the API (the first step of starting a kernel and running code).
ATTACK = ("document.documentElement.setAttribute('data-ran','1');"
          "var x=(document.cookie.match(/_xsrf=([^;]+)/)||[])[1];"
          "fetch('/api/contents/pwned.txt',{method:'PUT',credentials:'same-origin',"
          "headers:{'X-XSRFToken':x,'Content-Type':'application/json'},"
          "body:JSON.stringify({type:'file',format:'text',content:'owned'})})"
          ".then(function(r){document.documentElement.setAttribute('data-put',String(r.status))});")


def settled(page, seconds=1.5):
    """Give a hostile page's script time to do its work."""
    page.wait_for_timeout(seconds * 1000)


# ------------------------------------------------------------- files and exports

XHTML = ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
         '<body><p>a document</p><script>%s</script></body></html>' % ATTACK)
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>%s</script></svg>' % ATTACK


@pytest.mark.parametrize("name,text", [("evil.xml", XHTML), ("evil.xhtml", XHTML),
                                       ("evil.html", "<script>%s</script>" % ATTACK),
                                       ("evil.svg", SVG)])
def test_a_served_file_never_runs_script_in_the_servers_origin(server, victim, name, text):
    root = server["root"]
    (root / name).write_text(text)
    (root / "pwned.txt").unlink(missing_ok=True)
    st, hdrs, _ = http(server["port"], "GET", "/files/" + name)
    assert st == 200 and "sandbox" in hdrs["content-security-policy"][0]
    victim.goto(server["url"] + "/files/" + name)
    settled(victim)
    # the script did run (in a sandbox of its own), and could not use the login
    assert victim.evaluate("document.documentElement.getAttribute('data-ran')") == "1"
    assert not (root / "pwned.txt").exists()


HOSTILE_OUTPUTS = [
    {"output_type": "display_data", "metadata": {},
     "data": {"text/html": '<img id="h1" src="x" onerror="%s"><script>%s</script>' % (ATTACK.replace('"', "&quot;"), ATTACK),
              "text/plain": "html"}},
    {"output_type": "display_data", "metadata": {},
     "data": {"application/javascript": ATTACK, "text/plain": "js"}},
]


def hostile_notebook(path, sign=False):
    nb = nbfile.new_notebook()     # (a signature covers the content: each file its own)
    nb["metadata"]["made_for"] = path.name + str(time.time())
    nb["cells"] = [
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Report\n<img src=x onerror=\"%s\">" % ATTACK.replace('"', "&quot;")},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "show()",
         "outputs": HOSTILE_OUTPUTS},
    ]
    path.write_text(nbfile.writes(nb))
    if sign:
        nbfile.Notary().sign(nbfile.read(str(path)))


def test_html_export_of_an_untrusted_notebook_is_sanitised_and_sandboxed(server, victim):
    root = server["root"]
    hostile_notebook(root / "evil.ipynb")
    (root / "pwned.txt").unlink(missing_ok=True)
    st, hdrs, _ = http(server["port"], "GET", "/nbconvert/html/evil.ipynb")
    assert st == 200 and "sandbox" in hdrs["content-security-policy"][0]
    victim.goto(server["url"] + "/nbconvert/html/evil.ipynb")
    victim.wait_for_selector(".cell-output img#h1", state="attached")  # the HTML output is shown...
    settled(victim)
    assert victim.evaluate("document.documentElement.getAttribute('data-ran')") is None  # ...inert
    assert victim.evaluate("document.querySelector('img#h1').getAttribute('onerror')") is None
    assert "Report" in victim.inner_text("body")
    assert not (root / "pwned.txt").exists()


def test_html_export_of_a_trusted_notebook_runs_its_script_in_a_sandbox(server, victim):
    root = server["root"]
    hostile_notebook(root / "mine.ipynb", sign=True)
    (root / "pwned.txt").unlink(missing_ok=True)
    victim.goto(server["url"] + "/nbconvert/html/mine.ipynb")
    victim.wait_for_selector(".cell-output", state="attached")
    settled(victim)
    # trusted output runs as in Jupyter, but the export is not the server's origin
    assert victim.evaluate("document.documentElement.getAttribute('data-ran')") == "1"
    assert not (root / "pwned.txt").exists()


def test_exported_file_of_an_untrusted_notebook_runs_no_script(tmp_path, browser):
    src = tmp_path / "evil.ipynb"
    hostile_notebook(src)
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-m", "ipylite.webnb", "export", str(src), "--to", "html"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    pg = browser.new_page()
    try:
        pg.goto("file://" + str(tmp_path / "evil.html"))
        pg.wait_for_selector(".cell-output img#h1", state="attached")
        settled(pg, 1)
        assert pg.evaluate("document.documentElement.getAttribute('data-ran')") is None
    finally:
        pg.close()


@pytest.mark.parametrize("as_root", [True, False])
def test_pdf_export_keeps_chromiums_sandbox_unless_root(nonroot, as_root):
    """Chromium prints the PDF with its sandbox on unless it runs as root (where it must
    be off). A wrapper first on PATH records the real Chromium's command line."""
    d = nonroot.dir
    wrapper = os.path.join(d, "chromium")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\necho "$@" >> %s/argv.log\nexec %s "$@"\n' % (d, shutil.which("chromium")))
    os.chmod(wrapper, 0o755)
    nb = nbfile.new_notebook()
    nb["cells"] = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# hi"}]
    src = os.path.join(d, "nb.ipynb")
    with open(src, "w") as f:
        f.write(nbfile.writes(nb))
    env = nonroot.env(PATH=d + os.pathsep + os.environ["PATH"], IPYLITE_DIR=os.path.join(d, "profile"))
    args = ["python", "-m", "ipylite.webnb", "export", src, "--to", "pdf"]
    if as_root:
        out = subprocess.run([sys.executable] + args[1:], env=env, capture_output=True, text=True, timeout=120)
    else:
        nonroot.own(src)
        out = nonroot.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    with open(os.path.join(d, "nb.pdf"), "rb") as f:
        assert f.read().startswith(b"%PDF")
    with open(os.path.join(d, "argv.log")) as f:
        assert ("--no-sandbox" in f.read().split()) == as_root


# ------------------------------------------------------------------- bodies

def raw_exchange(port, head, body_chunks=(), wait=5.0):
    """Send ``head`` and then ``body_chunks`` (stopping if the server closes), and
    return what the server answered within ``wait`` seconds."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(head)
        for chunk in body_chunks:
            try:
                s.sendall(chunk)
            except OSError:
                break
        data = b""
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
        except (socket.timeout, ConnectionResetError):
            pass
        return data
    finally:
        s.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def test_a_negative_length_on_login_is_refused_without_reading(server):
    before = rss_kib(server["proc"].pid)
    head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: -1\r\n\r\n" % server["port"]).encode()
    t0 = time.monotonic()
    answer = raw_exchange(server["port"], head, [b"x" * (1 << 20)] * 64)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert time.monotonic() - t0 < 10
    assert rss_kib(server["proc"].pid) - before < 32 * 1024     # nothing was buffered


def test_a_large_body_before_login_is_refused_at_once(server):
    head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 150000\r\n\r\n" % server["port"]).encode()
    answer = raw_exchange(server["port"], head)      # no body follows: it must not be awaited
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"before logging in" in answer


def test_body_lengths_on_api_routes(server):
    port = server["port"]
    for length in ("-1", "abc", "1e9"):
        st, _, body = http(port, "PUT", "/api/contents/x.txt", headers={"Content-Length": length},
                           raw=("PUT /api/contents/x.txt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s\r\n"
                                "Content-Length: %s\r\nConnection: close\r\n\r\n{}" % (port, TOKEN, length)).encode())
        assert st == 400 and b"Content-Length" in body
    st, _, body = http(port, "PUT", "/api/contents/x.txt",
                       raw=("PUT /api/contents/x.txt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s\r\n"
                            "Connection: close\r\n\r\n" % (port, TOKEN)).encode())
    assert st == 400 and b"Content-Length header is needed" in body
    assert not (server["root"] / "x.txt").exists()


def test_an_unread_body_is_never_taken_for_the_next_request(server):
    """A refused request's body (here a whole second request) is not served."""
    port = server["port"]
    inner = ("PUT /api/contents/smuggled.txt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 45\r\n\r\n"
             '{"type":"file","format":"text","content":"x"}' % (port, TOKEN)).encode()
    head = ("POST /api/contents HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %d\r\n\r\n"
            % (port, len(inner))).encode()
    answer = raw_exchange(port, head + inner)
    assert answer.startswith(b"HTTP/1.1 403") and answer.count(b"HTTP/1.1") == 1
    assert not (server["root"] / "smuggled.txt").exists()


def test_max_upload_holds_for_websocket_messages(server):
    port = server["port"]
    st, _, body = http(port, "POST", "/api/kernels", body={})
    assert st == 201
    kern = json.loads(body)["id"]
    try:
        ws = WS(port, "/api/kernels/%s/channels" % kern, token=TOKEN)
        assert ws.status == 101
        ws.send(msg("execute_request", {"code": "x = '%s'" % ("a" * 250000), "silent": False}))
        with pytest.raises(ConnectionError):        # closed: 1009, message too big
            while True:
                ws.recv(10)
        ws.close()
    finally:
        http(port, "DELETE", "/api/kernels/" + kern)


# -------------------------------------------------------------- connections

def half_sent(port, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # never finished
        socks.append(s)
    return socks


def threads_of(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(line for line in f if line.startswith("Threads:")).split()[1])


def test_a_thousand_idle_half_sent_requests_lock_nobody_out(tmp_path):
    # a common default: 1,024 open files; each idle connection costs the server one
    proc, port, log = start_server(tmp_path, tmp_path, nofile=1024)
    socks = []
    try:
        socks = half_sent(port, 1100)
        t0 = time.monotonic()
        st, _, body = http(port, "GET", "/api/status")
        assert st == 200 and b"started" in body
        assert time.monotonic() - t0 < 5
        assert threads_of(proc.pid) < 256 + 32          # the connection threads are bounded
        assert proc.poll() is None
    finally:
        for s in socks:
            s.close()
        stop(proc)
        log.close()


def test_a_slow_client_is_cut_off_at_the_request_timeout(tmp_path):
    proc, port, log = start_server(tmp_path, tmp_path, "--request-timeout", "2")
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        t0 = time.monotonic()
        closed_at = None
        for ch in b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40:
            try:
                s.sendall(bytes([ch]))          # one byte every 0.25 s keeps any read alive
            except OSError:
                closed_at = time.monotonic() - t0
                break
            s.settimeout(0.25)
            try:
                if s.recv(1) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except socket.timeout:
                pass
        assert closed_at is not None and closed_at < 5, closed_at
        s.close()
        # an idle keep-alive connection is closed too; a quick request is served
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        t0 = time.monotonic()
        assert s.recv(1) == b"" and time.monotonic() - t0 < 5
        s.close()
        assert http(port, "GET", "/api/status")[0] == 200
    finally:
        stop(proc)
        log.close()


# ------------------------------------------------------------------ saving

@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MiB filesystem (tmpfs) to fill up."""
    d = tmp_path / "disk"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)], check=True)
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], check=False)


def fill(disk):
    """Take every free byte of ``disk``."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def temps(folder):
    return [n for n in os.listdir(folder) if n.startswith(".~")]


def test_a_save_on_a_full_disk_keeps_the_old_file(small_disk, tmp_path):
    old_text = "keep me\n" * 30000                          # ~240 KB
    (small_disk / "notes.txt").write_text(old_text)
    nb = nbfile.new_notebook()
    nb["cells"] = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "old"}]
    (small_disk / "nb.ipynb").write_text(nbfile.writes(nb))
    old_nb = (small_disk / "nb.ipynb").read_text()
    fill(small_disk)
    proc, port, log = start_server(small_disk, tmp_path, "--max-upload", str(8 << 20))
    try:
        st, _, body = http(port, "PUT", "/api/contents/notes.txt",
                           body={"type": "file", "format": "text", "content": "new\n" * 100000})
        assert st == 507, body
        assert b"No space left on device: /api/contents/notes.txt" in body and b"None" not in body
        assert (small_disk / "notes.txt").read_text() == old_text
        nb["cells"][0]["source"] = "x" * 300000
        st, _, body = http(port, "PUT", "/api/contents/nb.ipynb", body={"type": "notebook", "content": nb})
        assert st == 507, body
        assert (small_disk / "nb.ipynb").read_text() == old_nb
        assert temps(small_disk) == []
    finally:
        stop(proc)
        log.close()


def test_a_save_killed_midway_leaves_a_whole_file_and_its_temp_is_cleaned(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    old = "o" * (30 << 20)
    new = "n" * (30 << 20)
    target = root / "big.txt"
    for attempt in range(8):
        target.write_text(old)
        proc, port, log = start_server(root, tmp_path, "--max-upload", str(64 << 20))
        body = json.dumps({"type": "file", "format": "text", "content": new}).encode()
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(("PUT /api/contents/big.txt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: token %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (port, TOKEN, len(body))).encode()
                  + body)
        size0, deadline = target.stat().st_size, time.monotonic() + 30
        while time.monotonic() < deadline:     # the moment the save starts writing, kill -9
            if temps(root) or target.stat().st_size != size0:
                break
        proc.kill()
        proc.wait()
        s.close()
        log.close()
        text = target.read_text()
        assert text in (old, new), "a killed save left %d bytes of a mix" % len(text)
        if temps(root):
            break
    assert temps(root), "never caught the save in the middle of its write"
    proc, port, log = start_server(root, tmp_path)
    try:
        st, _, _ = http(port, "PUT", "/api/contents/big.txt", body={"type": "file", "format": "text", "content": "fresh"})
        assert st == 200 and target.read_text() == "fresh"
        assert temps(root) == []                # what the killed save left is gone
    finally:
        stop(proc)
        log.close()


def test_a_read_only_notebook_is_refused_not_replaced(nonroot, tmp_path):
    root = os.path.join(nonroot.dir, "served")
    os.mkdir(root)
    nonroot.own(root)
    nb = nbfile.new_notebook()
    nb["cells"] = [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "original"}]
    files = {"ro.ipynb": nbfile.writes(nb), "ro.txt": "original text\n"}
    for name, text in files.items():
        path = os.path.join(root, name)
        with open(path, "w") as f:
            f.write(text)
        nonroot.own(path)
        os.chmod(path, 0o444)
    port = free_port()
    log = open(tmp_path / "server.log", "w+")
    proc = nonroot.popen(["python", "-m", "ipylite.webnb", root, "--port", str(port), "--no-browser",
                          "--token", TOKEN], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(proc, port, lambda: (log.seek(0), log.read())[1])
        nb["cells"][0]["source"] = "changed"
        st, _, body = http(port, "PUT", "/api/contents/ro.ipynb", body={"type": "notebook", "content": nb})
        assert st == 403 and b"Permission denied" in body, body
        st, _, body = http(port, "PUT", "/api/contents/ro.txt", body={"type": "file", "format": "text", "content": "x"})
        assert st == 403 and b"Permission denied" in body, body
        for name, text in files.items():
            path = os.path.join(root, name)
            assert open(path).read() == text and os.stat(path).st_mode & 0o777 == 0o444
        # a writable file next to them is saved, with its own mode kept
        path = os.path.join(root, "rw.txt")
        with open(path, "w") as f:
            f.write("a")
        nonroot.own(path)
        os.chmod(path, 0o640)
        st, _, _ = http(port, "PUT", "/api/contents/rw.txt", body={"type": "file", "format": "text", "content": "b"})
        assert st == 200 and open(path).read() == "b" and os.stat(path).st_mode & 0o777 == 0o640
    finally:
        stop(proc)
        log.close()


MALFORMED = [
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": [], "source": ""}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": 5}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "",
                                                                     "outputs": [{"output_type": "stream", "text": 7}]}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "",
                                                                     "outputs": [{"output_type": "display_data", "data": [1]}]}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "",
                                                                     "outputs": [{"output_type": "display_data", "data": {"text/plain": 3}}]}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "source": ["a", 1]}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "source": "", "attachments": 3}]},
    {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "",
                                                                     "outputs": [{"output_type": "error", "traceback": "x"}]}]},
]


@pytest.mark.parametrize("i", range(len(MALFORMED)))
def test_a_malformed_notebook_is_a_400_and_never_saved(server, i):
    root, port = server["root"], server["port"]
    name = "malformed%d.ipynb" % i
    (root / name).write_text(json.dumps(MALFORMED[i]))
    st, _, body = http(port, "GET", "/api/contents/" + name)
    assert st == 400 and b"not a notebook" in body, body
    good = nbfile.writes(nbfile.new_notebook())
    (root / name).write_text(good)
    st, _, body = http(port, "PUT", "/api/contents/" + name, body={"type": "notebook", "content": MALFORMED[i]})
    assert st == 400 and b"not a notebook" in body, body
    assert (root / name).read_text() == good


def test_copying_onto_an_existing_notebook_is_refused(server):
    root, port = server["root"], server["port"]
    (root / "first.ipynb").write_text(nbfile.writes(nbfile.new_notebook()))
    other = nbfile.new_notebook()
    other["metadata"]["which"] = "second"
    (root / "second.ipynb").write_text(nbfile.writes(other))
    st, _, body = http(port, "PUT", "/api/contents/first.ipynb", body={"copy_from": "second.ipynb"})
    assert st == 409 and b"already exists" in body
    assert "second" not in (root / "first.ipynb").read_text()
    st, _, _ = http(port, "PUT", "/api/contents/third.ipynb", body={"copy_from": "second.ipynb"})
    assert st == 201 and "second" in (root / "third.ipynb").read_text()


# ------------------------------------------------------------- the low ones

def login(port, nxt):
    form = "_xsrf=x1&password=" + TOKEN
    return http_as(port, "POST", "/login?next=" + nxt, token=None, body=form.encode(),
                   headers={"Cookie": "_xsrf=x1", "Content-Type": "application/x-www-form-urlencoded"})


@pytest.mark.parametrize("nxt", ["/%5Cevil.example", "/%5C%5Cevil.example", "//evil.example", "/%09/evil.example",
                                 "https://evil.example/", "%2F%2Fevil.example", "/%0D%0ALocation:%20http://evil.example"])
def test_login_never_redirects_off_the_site(server, nxt):
    st, hdrs, _ = login(server["port"], nxt)
    assert st == 302
    where = hdrs["location"][0]
    assert where == "/tree", where
    assert len(hdrs["location"]) == 1


def test_login_redirects_to_a_local_next(server):
    st, hdrs, _ = login(server["port"], "/notebooks/a%20b.ipynb")
    assert st == 302 and hdrs["location"] == ["/notebooks/a b.ipynb"]


def test_a_file_name_cannot_inject_response_headers(server):
    root, port = server["root"], server["port"]
    name = "a\r\nSet-Cookie: evil=1\r\nX-Injected: yes.txt"
    (root / name).write_text("data")
    for path in ("/files/", "/files/"):
        st, hdrs, body = http(port, "GET", path + urllib_quote(name) + "?download=1")
        assert st == 200 and body == b"data"
        assert "x-injected" not in hdrs and not any("evil" in c for c in hdrs.get("set-cookie", []))
        cd = hdrs["content-disposition"][0]
        assert cd.startswith('attachment; filename="a__Set-Cookie: evil=1__X-Injected: yes.txt"')
        assert "filename*=UTF-8''a%0D%0ASet-Cookie" in cd


def urllib_quote(s):
    import urllib.parse
    return urllib.parse.quote(s)


def test_hidden_files_are_not_served(server, tmp_path):
    root, port = server["root"], server["port"]
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config").write_text("[remote] secret")
    (root / ".env").write_text("TOKEN=secret")
    for path in ("/files/.git/config", "/files/.env", "/api/contents/.env", "/api/contents/.git/config",
                 "/api/contents/.git", "/nbconvert/py/.hidden.ipynb"):
        st, _, body = http(port, "GET", path)
        assert st == 404 and b"secret" not in body, (path, st)
    st, _, _ = http(port, "PUT", "/api/contents/.bashrc", body={"type": "file", "format": "text", "content": "x"})
    assert st == 404 and not (root / ".bashrc").exists()
    listing = json.loads(http(port, "GET", "/api/contents/")[2])
    assert not any(e["name"].startswith(".") for e in listing["content"])
    # as Jupyter's allow_hidden: an option serves them
    proc, port2, log = start_server(root, tmp_path, "--allow-hidden")
    try:
        st, _, body = http(port2, "GET", "/files/.env")
        assert st == 200 and body == b"TOKEN=secret"
    finally:
        stop(proc)
        log.close()


def test_logout_ends_the_login_cookie(server):
    port = server["port"]
    st, hdrs, _ = http_as(port, "GET", "/api/status?token=" + TOKEN, token=None)
    assert st == 200
    cookie = next(c.split(";")[0] for c in hdrs["set-cookie"] if c.startswith("ipylite-login-"))
    assert http_as(port, "GET", "/api/status", token=None, headers={"Cookie": cookie})[0] == 200
    st, hdrs, _ = http_as(port, "GET", "/logout", token=None, headers={"Cookie": cookie})
    assert st == 302
    assert http_as(port, "GET", "/api/status", token=None, headers={"Cookie": cookie})[0] == 403
