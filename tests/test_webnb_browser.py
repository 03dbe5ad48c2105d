"""The notebook page in a real headless Chromium (Debian's package) driven by
Playwright: one server and one browser for the module."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from ipylite import nbfile
from test_webnb_server import free_port, stop, wait_listening   # (tests/ is on sys.path)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "browser-token"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbroot")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "ipylite.webnb", str(root), "--port", str(port),
                             "--no-browser", "--token", TOKEN], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_listening(proc, port, lambda: (log.seek(0), log.read())[1])
        yield {"port": port, "root": root, "url": "http://127.0.0.1:%d" % port}
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    pg.dialog_answer = []
    pg.dismiss_dialogs = False
    pg.dialogs = []

    def on_dialog(d):
        pg.dialogs.append(d.message)
        d.dismiss() if pg.dismiss_dialogs else d.accept(*pg.dialog_answer)
    pg.on("dialog", on_dialog)
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server["url"] + "/tree?token=" + TOKEN)   # logs in: the cookie is set
    pg.wait_for_selector("body[data-loaded=true]")
    pg.errors = errors
    yield pg
    ctx.close()
    assert not errors, errors


@pytest.fixture(autouse=True)
def shut_kernels_down(server):
    """Each test's notebooks get their own kernels: stop them after the test."""
    yield
    import urllib.request
    hdr = {"Authorization": "token " + TOKEN}
    with urllib.request.urlopen(urllib.request.Request(server["url"] + "/api/sessions", headers=hdr)) as r:
        sessions = json.loads(r.read())
    for s in sessions:
        req = urllib.request.Request(server["url"] + "/api/sessions/" + s["id"], method="DELETE", headers=hdr)
        urllib.request.urlopen(req).close()


def write_nb(server, name, cells, trusted=False):
    nb = nbfile.new_notebook()
    for i, c in enumerate(cells):
        if isinstance(c, str):
            c = {"cell_type": "code", "source": c}
        c.setdefault("metadata", {})
        c.setdefault("id", "c%d" % i)
        if c["cell_type"] == "code":
            c.setdefault("outputs", [])
            c.setdefault("execution_count", None)
        nb["cells"].append(c)
    path = server["root"] / name
    path.write_text(nbfile.writes(nb))
    if trusted:
        nbfile.Notary().sign(nbfile.read(str(path)))
    return path


def open_nb(page, server, name):
    page.goto(server["url"] + "/notebooks/" + name)
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_selector("body[data-kernel-status=idle]")


def sources(page):
    return page.eval_on_selector_all(".cell .cell-source", "els => els.map(e => e.textContent)")


def ids(page):
    return page.eval_on_selector_all(".cell", "els => els.map(e => e.getAttribute('data-cell-id'))")


def run_code(page, code):
    """Type ``code`` in a new cell at the end and run it; the output element."""
    page.keyboard.press("Escape")
    page.evaluate("IPL.nbSelect(IPL.nbCells().length - 1)")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    page.keyboard.press("Control+Enter")
    cell = page.locator(".cell.selected")
    page.wait_for_function("() => !document.querySelector('.cell.selected').classList.contains('busy')"
                           " && document.body.getAttribute('data-kernel-status') === 'idle'")
    return cell.locator(".cell-output")


# ------------------------------------------------------------------ tests

def test_type_a_cell_and_run_it_with_shift_enter(page, server):
    write_nb(server, "first.ipynb", [""])
    open_nb(page, server, "first.ipynb")
    assert page.get_attribute("body", "data-mode") == "command"
    page.keyboard.press("Enter")
    page.keyboard.type("x = 20\nx + 22")
    page.keyboard.press("Shift+Enter")
    out = page.locator(".cell").nth(0).locator(".cell-output")
    out.locator("text=42").wait_for()
    assert sources(page)[0] == "x = 20\nx + 22"
    assert page.locator(".cell").count() == 2          # Shift-Enter on the last cell adds one
    assert page.locator(".cell").nth(1).get_attribute("class").count("selected") == 1
    assert page.locator(".cell .prompt").nth(0).text_content() == "[1]:"
    # Alt-Enter runs and inserts below, in edit mode
    page.keyboard.press("Enter")
    page.keyboard.type("print('alt')")
    page.keyboard.press("Alt+Enter")
    page.locator(".cell").nth(1).locator(".cell-output >> text=alt").wait_for()
    assert page.locator(".cell").count() == 3 and page.get_attribute("body", "data-mode") == "edit"


def test_keyboard_add_move_delete_copy_paste_undo(page, server):
    write_nb(server, "keys.ipynb", ["one", "two", "three"])
    open_nb(page, server, "keys.ipynb")
    k = page.keyboard
    assert ids(page) == ["c0", "c1", "c2"]
    k.press("b")                      # a new cell below the first
    assert page.locator(".cell").count() == 4 and sources(page) == ["one", "", "two", "three"]
    k.press("d"); k.press("d")        # delete it
    assert sources(page) == ["one", "two", "three"]
    k.press("d"); k.press("d")        # the cell below took the selection: delete "two"
    assert sources(page) == ["one", "three"]
    k.press("z")                      # undo the delete
    assert sources(page) == ["one", "two", "three"] and ids(page) == ["c0", "c1", "c2"]
    k.press("Control+Shift+ArrowDown")  # move "two" down
    assert sources(page) == ["one", "three", "two"]
    k.press("Control+Shift+ArrowUp"); k.press("Control+Shift+ArrowUp")
    assert sources(page) == ["two", "one", "three"]
    k.press("c"); k.press("j"); k.press("j"); k.press("v")   # copy "two" to the end
    assert sources(page) == ["two", "one", "three", "two"]
    k.press("k"); k.press("x")        # cut "three"
    assert sources(page) == ["two", "one", "two"]
    k.press("Shift+V")                # paste it above the selection
    assert sources(page) == ["two", "one", "three", "two"]
    k.press("a")
    assert page.locator(".cell").count() == 5
    k.press("m")
    assert "markdown-cell" in page.locator(".cell.selected").get_attribute("class")
    k.press("r")
    assert "raw-cell" in page.locator(".cell.selected").get_attribute("class")
    k.press("y")
    assert "code-cell" in page.locator(".cell.selected").get_attribute("class")
    # split and merge
    page.evaluate("IPL.nbSelect(0)")
    k.press("Enter")
    k.press("Control+End")
    k.type("\nsecond = 2")
    k.press("Home")
    k.press("Control+Shift+Minus")
    k.press("Escape")
    assert sources(page)[:2] == ["two", "second = 2"]
    k.press("k"); k.press("Shift+M")
    assert sources(page)[0] == "two\n\nsecond = 2"
    k.press("h")
    assert page.locator("#pager").is_visible() and "undo delete" in page.inner_text("#pager")
    k.press("Escape")
    assert not page.locator("#pager").is_visible()


def test_markdown_cell_with_math_renders(page, server):
    md = ("# Results\n\nA *table* and **math** $\\alpha^2 + \\frac{1}{2}$ inline.\n\n"
          "| a | b |\n|---|--:|\n| 1 | 2 |\n\n- item one\n- item `two`\n\n"
          "$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$\n\n"
          "\\begin{align} x &= \\sqrt{y} \\\\ z &= \\int_0^1 t\\,dt \\end{align}")
    write_nb(server, "md.ipynb", [{"cell_type": "markdown", "source": md}])
    open_nb(page, server, "md.ipynb")
    r = page.locator(".cell .md-rendered")
    assert r.locator("h1").text_content() == "Results"
    assert r.locator("table td").nth(1).text_content() == "2"
    assert r.locator("li").count() == 2 and r.locator("li code").text_content() == "two"
    assert r.locator("math").count() == 3
    assert r.locator("math mfrac").count() == 2 and r.locator("math msqrt").count() == 1
    assert r.locator("math[display=block]").count() == 2 and r.locator("math mtable").count() == 1
    box = r.locator("math mfrac").first.bounding_box()
    assert box and box["height"] > 10          # laid out as math, not as text
    # edit and re-render
    page.keyboard.press("Enter")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n## More")
    page.keyboard.press("Shift+Enter")
    assert page.locator(".cell").first.locator(".md-rendered h2").text_content() == "More"


def test_a_finished_cell_shows_all_of_its_text_at_once(page, server):
    # Stream text is drawn at most once a frame while a cell runs; when the cell is done
    # its text is all there, however late the next frame is (a loaded machine)
    write_nb(server, "frames.ipynb", [""])
    open_nb(page, server, "frames.ipynb")
    page.evaluate("window.requestAnimationFrame = f => setTimeout(f, 60000);"
                  "window.cancelAnimationFrame = t => clearTimeout(t);")
    out = run_code(page, "print('a'); print('b', flush=True); print('c')")
    assert out.locator(".output-stdout").text_content() == "a\nb\nc\n"
    # and text merged into one output is drawn before another output follows it
    out = run_code(page, "import sys, time\nprint('a', flush=True); time.sleep(0.5)\n"
                         "print('b'); print('err', file=sys.stderr)")
    assert out.locator(".output-stdout").text_content() == "a\nb\n"
    assert out.locator(".output-stderr").text_content() == "err\n"


def test_outputs_by_mime_streams_errors_and_display_updates(page, server):
    write_nb(server, "outputs.ipynb", [""])
    open_nb(page, server, "outputs.ipynb")
    out = run_code(page, "print('a'); print('b')\nimport sys; print('err', file=sys.stderr)")
    assert out.locator(".output-stdout pre").count() == 1         # coalesced
    assert out.locator(".output-stdout").text_content() == "a\nb\n"
    assert out.locator(".output-stderr").count() == 1
    out = run_code(page, "1/0")
    assert "ZeroDivisionError" in out.text_content()
    assert out.locator(".output-error span[class*=ansi-]").count() > 0   # coloured traceback
    out = run_code(page, "from ipylite.display import display, HTML, SVG, Latex, Markdown\n"
                         "display(HTML('<b class=\"mine\">bold</b>'))\n"
                         "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"20\">"
                         "<rect width=\"20\" height=\"20\" fill=\"red\"/></svg>'))\n"
                         "display(Latex('$\\\\frac{a}{b}$'))\ndisplay(Markdown('## md *out*'))")
    assert out.locator("b.mine").text_content() == "bold"
    assert out.locator("[data-mime-type='image/svg+xml']").count() == 1
    assert out.locator(".output-latex math mfrac").count() == 1
    assert out.locator(".output-markdown h2").text_content() == "md out"
    out = run_code(page, "import time\nfrom ipylite.display import display, update_display, clear_output\n"
                         "h = display('first', display_id='d1')\nupdate_display('second', display_id='d1')\n")
    assert "second" in out.text_content() and "first" not in out.text_content()
    out = run_code(page, "for i in range(3):\n    clear_output(wait=True)\n    print('tick', i)")
    assert out.locator(".output-stdout").text_content() == "tick 2\n"


def test_matplotlib_figure_shows(page, server):
    write_nb(server, "fig.ipynb", [""])
    open_nb(page, server, "fig.ipynb")
    out = run_code(page, "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                         "plt.plot([1, 3, 2])\nplt.show()")
    img = out.locator("img")
    img.wait_for()
    assert img.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('.cell-output img').naturalWidth") > 100


def test_input_is_answered_in_the_page(page, server):
    write_nb(server, "input.ipynb", ["name = input('Your name? ')\nprint('Hello', name)"])
    open_nb(page, server, "input.ipynb")
    page.keyboard.press("Shift+Enter")
    box = page.locator(".stdin-input")
    box.wait_for()
    assert page.locator(".stdin-label").text_content() == "Your name? "
    box.type("Ada")
    box.press("Enter")
    page.locator(".cell-output >> text=Hello Ada").wait_for()
    assert page.locator(".stdin-input").count() == 0


def test_interrupt_and_restart(page, server):
    write_nb(server, "intr.ipynb", ["keep = 1", "import time\ntime.sleep(60)"])
    open_nb(page, server, "intr.ipynb")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector("body[data-kernel-status=busy]")
    page.keyboard.press("Escape")
    page.keyboard.press("i"); page.keyboard.press("i")
    page.locator(".cell").nth(1).locator(".cell-output >> text=KeyboardInterrupt").first.wait_for()
    page.wait_for_selector("body[data-kernel-status=idle]")
    out = run_code(page, "keep")
    assert out.text_content().strip() == "1"
    page.keyboard.press("Escape")
    page.keyboard.press("0"); page.keyboard.press("0")
    page.wait_for_selector("body[data-kernel-status=starting]", state="attached")
    page.wait_for_selector("body[data-kernel-status=idle]")
    out = run_code(page, "'keep' in dir()")
    assert out.text_content().strip() == "False"


def test_save_reload_and_everything_is_still_there(page, server):
    import nbformat
    path = write_nb(server, "save.ipynb", ["print('saved output')"])
    open_nb(page, server, "save.ipynb")
    page.keyboard.press("Shift+Enter")
    page.locator(".cell-output >> text=saved output").wait_for()
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.type("Some *text* $x^2$")
    page.keyboard.press("Shift+Enter")
    before = sources(page)
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]", state="attached")
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].outputs[0]["text"] == "saved output\n"
    assert nb.cells[1].cell_type == "markdown" and nb.cells[1].source == "Some *text* $x^2$"
    assert (server["root"] / ".ipynb_checkpoints" / "save-checkpoint.ipynb").exists()
    page.reload()
    page.wait_for_selector("body[data-kernel-status=idle]")
    assert sources(page) == before
    assert page.locator(".cell-output >> text=saved output").count() == 1
    assert page.locator(".cell").nth(1).locator("math msup").count() == 1
    assert page.get_attribute("body", "data-trusted") == "true"   # we wrote it: signed


def test_output_made_while_the_page_was_away_is_replayed(page, server):
    write_nb(server, "away.ipynb", ["import time\nfor i in range(4):\n    print('line', i, flush=True)\n"
                                    "    time.sleep(0.4)"])
    open_nb(page, server, "away.ipynb")
    page.keyboard.press("Shift+Enter")
    page.locator(".cell-output >> text=line 0").wait_for()
    page.reload()                      # leave mid-run, without saving
    page.wait_for_selector("body[data-loaded=true]")
    page.locator(".cell-output >> text=line 3").wait_for()
    assert page.locator(".cell").first.locator(".output-stdout").text_content() == \
        "line 0\nline 1\nline 2\nline 3\n"
    page.wait_for_function("!document.querySelector('.cell').classList.contains('busy')")
    assert page.locator(".cell .prompt").first.text_content() == "[1]:"


def test_untrusted_html_is_sanitised_until_trusted(page, server):
    html_out = {"output_type": "display_data", "metadata": {},
                "data": {"text/html": "<b id='payload' onclick='x()'>hi</b>"
                                      "<script>document.body.setAttribute('data-pwned','1')</script>"}}
    cells = [{"cell_type": "code", "source": "", "outputs": [html_out], "execution_count": 1},
             {"cell_type": "markdown", "source": "<img id='mdimg' src='data:,x' onerror=\"document.body.dataset.md='1'\">"}]
    write_nb(server, "untrusted.ipynb", cells)
    open_nb(page, server, "untrusted.ipynb")
    assert page.locator("#mdimg").count() == 1 and page.get_attribute("#mdimg", "onerror") is None
    assert page.get_attribute("body", "data-md") is None   # Markdown HTML is always sanitised
    assert page.get_attribute("body", "data-trusted") == "false"
    assert page.locator("#payload").count() == 1
    assert page.get_attribute("#payload", "onclick") is None
    assert page.get_attribute("body", "data-pwned") is None
    write_nb(server, "trusted.ipynb", cells, trusted=True)
    open_nb(page, server, "trusted.ipynb")
    assert page.get_attribute("body", "data-trusted") == "true"
    assert page.get_attribute("body", "data-pwned") == "1"


def test_non_json_notebook_shows_an_error_and_is_never_overwritten(page, server):
    bad = server["root"] / "bad.ipynb"
    bad.write_text("not json at all")
    page.goto(server["url"] + "/notebooks/bad.ipynb")
    page.wait_for_selector("body[data-loaded=error]")
    assert "not valid JSON" in page.inner_text("#nb-error")
    page.keyboard.press("Control+s")
    page.keyboard.press("s")
    page.wait_for_timeout(300)
    assert bad.read_text() == "not json at all"


def test_changed_on_disk_warning(page, server):
    path = write_nb(server, "disk.ipynb", ["a = 1"])
    open_nb(page, server, "disk.ipynb")
    time.sleep(0.05)
    other = nbfile.read(str(path))
    other["cells"][0]["source"] = "changed elsewhere"
    path.write_text(nbfile.writes(other))
    os.utime(path, (time.time() + 5, time.time() + 5))
    page.keyboard.press("s")
    page.wait_for_selector("#nb-warning:not([hidden])")
    assert "changed elsewhere" in path.read_text()
    page.click("#nb-warning button[data-action=overwrite]")
    page.wait_for_selector("body[data-saved]", state="attached")
    assert "a = 1" in path.read_text()


def test_completion_and_signature_tips(page, server):
    write_nb(server, "complete.ipynb", ["x = isinst"])
    open_nb(page, server, "complete.ipynb")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+End")
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('.cell-source').textContent.endsWith('isinstance')")
    page.keyboard.type("(")
    page.keyboard.press("Shift+Tab")
    page.locator(".tooltip").wait_for()
    assert "isinstance" in page.inner_text(".tooltip")


def test_directory_view(page, server):
    root = server["root"]
    (root / "folder").mkdir(exist_ok=True)
    page.goto(server["url"] + "/tree")
    page.wait_for_selector("body[data-loaded=true]")
    names = page.eval_on_selector_all(".tree-item", "els => els.map(e => e.textContent)")
    assert names[0] == "folder" and "first.ipynb" in names
    page.click("#new-folder")
    page.locator(".tree-item >> text=Untitled Folder").wait_for()
    page.check("input[value='Untitled Folder']")
    page.dialog_answer = ["renamed"]
    page.click("#rename")
    page.locator(".tree-item >> text=renamed").wait_for()
    page.dialog_answer = []
    assert (root / "renamed").is_dir()
    page.check("input[value='renamed']")
    page.click("#delete")
    page.wait_for_function("!Array.from(document.querySelectorAll('.tree-item')).some(e => e.textContent === 'renamed')")
    assert not (root / "renamed").exists()
    page.set_input_files("#upload", files=[{"name": "up.txt", "mimeType": "text/plain", "buffer": b"uploaded!"}])
    page.locator(".tree-item >> text=up.txt").wait_for()
    assert (root / "up.txt").read_bytes() == b"uploaded!"
    with page.expect_popup() as pop:
        page.click("#new-notebook")
    nbpage = pop.value
    nbpage.wait_for_selector("body[data-kernel-status=idle]")
    assert (root / "Untitled.ipynb").exists()
    nbpage.close()
    page.reload()
    row = page.locator(".running-session", has_text="Untitled.ipynb")
    row.wait_for()
    row.locator("button.shutdown").click()
    page.wait_for_function("!document.querySelector('#running').textContent.includes('Untitled.ipynb')")
    page.click(".tree-item >> text=folder")
    page.wait_for_url("**/tree/folder")


def test_two_thousand_cells_last_cell_reachable(page, server):
    cells = ["x%d = %d" % (i, i) if i % 2 else {"cell_type": "markdown", "source": "## Cell %d $x_%d$" % (i, i)}
             for i in range(2000)]
    write_nb(server, "big.ipynb", cells)
    page.goto(server["url"] + "/notebooks/big.ipynb")
    page.wait_for_selector("body[data-loaded=true]")
    assert page.locator(".cell").count() == 2000
    page.evaluate("document.querySelector('.cell:last-child').scrollIntoView()")
    last = page.locator(".cell").last
    assert last.is_visible() and last.locator(".cell-source").text_content() == "x1999 = 1999"
    assert last.get_attribute("data-cell-id") == "c1999"


def test_run_all_restart_and_run_all_and_pager(page, server):
    write_nb(server, "runall.ipynb", ["a = 2", "b = a * 3", "b + 1", "len?"])
    open_nb(page, server, "runall.ipynb")
    page.click("summary:text('Run')")
    page.click("[data-action=run-all]")
    page.locator(".cell").nth(2).locator(".cell-output >> text=7").wait_for()
    page.locator("#pager").wait_for()
    assert "Return the number of items" in page.inner_text("#pager")
    page.keyboard.press("Escape")
    assert not page.locator("#pager").is_visible()
    prompts = page.eval_on_selector_all(".cell .prompt:not(.out-prompt)", "els => els.map(e => e.textContent)")
    assert prompts == ["[1]:", "[2]:", "[3]:", "[4]:"]
    page.click("summary:text('Edit')")
    page.click("[data-action=clear-outputs]")
    assert page.locator(".cell-output .output-item").count() == 0
    assert page.locator(".cell .prompt").nth(4).text_content() == "[ ]:"
    page.click("button[data-action=restart-run-all]")
    page.wait_for_function("document.querySelectorAll('.cell .prompt')[4].textContent === '[3]:'"
                           " && document.body.getAttribute('data-kernel-status') === 'idle'")
    assert page.locator(".cell").nth(2).locator(".cell-output").text_content().strip() == "7"


def test_trust_from_the_page_and_revert_to_checkpoint(page, server):
    out = {"output_type": "display_data", "metadata": {},
           "data": {"text/html": "<span id='mark'>x</span><script>document.body.dataset.ran = '1'</script>"}}
    path = write_nb(server, "trustme.ipynb", [{"cell_type": "code", "source": "", "outputs": [out],
                                               "execution_count": 1}, "original = True"])
    open_nb(page, server, "trustme.ipynb")
    assert page.get_attribute("body", "data-trusted") == "false" and page.get_attribute("body", "data-ran") is None
    page.click("summary:text('File')")
    page.click("[data-action=trust]")
    page.wait_for_selector("body[data-ran='1']", state="attached")
    page.wait_for_selector("body[data-saved]", state="attached")
    open_nb(page, server, "trustme.ipynb")
    assert page.get_attribute("body", "data-trusted") == "true"
    page.keyboard.press("Control+s")                       # save and checkpoint
    page.wait_for_selector("body[data-saved]", state="attached")
    page.evaluate("IPL.nbSelect(1)")
    page.keyboard.press("d"); page.keyboard.press("d")
    page.evaluate("document.body.removeAttribute('data-saved')")
    page.keyboard.press("Control+s")                       # the checkpoint now holds this too
    page.wait_for_selector("body[data-saved]", state="attached")
    assert "original" not in path.read_text()
    import shutil as _sh
    cp = server["root"] / ".ipynb_checkpoints" / "trustme-checkpoint.ipynb"
    nb = nbfile.read(str(cp))
    nb["cells"].append({"cell_type": "code", "id": "zz", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": "from_checkpoint = 1"})
    cp.write_text(nbfile.writes(nb))
    assert _sh.which("chromium")
    page.click("summary:text('File')")
    page.click("[data-action=revert]")
    page.wait_for_function("Array.from(document.querySelectorAll('.cell-source'))"
                           ".some(e => e.textContent === 'from_checkpoint = 1')")
    assert "from_checkpoint" in path.read_text()


def test_drag_a_cell_to_reorder(page, server):
    write_nb(server, "drag.ipynb", ["first", "second", "third"])
    open_nb(page, server, "drag.ipynb")
    page.drag_and_drop(".cell[data-cell-id=c0] .prompt", ".cell[data-cell-id=c2] .editor",
                       target_position={"x": 20, "y": 18})
    assert sources(page) == ["second", "third", "first"]


# ------------------------------------------------------------------ audit fixes

MXSS = ('<math><mtext><table><mglyph><style><img id="mx%s" src="data:,x" '
        'onerror="window.PWNED=(window.PWNED||[]).concat(\'%s\')">')


def test_untrusted_mutation_xss_style_and_foreign_content_never_run(page, server):
    evil = [MXSS % ("1", "md"),
            '<svg><foreignObject><img src="data:,x" onerror="window.PWNED=[\'svg\']"></foreignObject></svg>',
            '<a id="jsl" href=" java\tscript:alert(1)">l</a><form id="fm"><input></form>'
            '<iframe srcdoc="<script>parent.PWNED=[1]</script>"></iframe>',
            '<style>body{display:none}</style>styled']
    html_out = {"output_type": "display_data", "metadata": {},
                "data": {"text/html": MXSS % ("2", "html"), "text/plain": "p"}}
    plain_out = {"output_type": "display_data", "metadata": {},
                 "data": {"text/html": "<style>body{visibility:hidden}</style>"
                                       "<p id='kept' style='color: red'>kept</p>", "text/plain": "p"}}
    md_out = {"output_type": "display_data", "metadata": {},
              "data": {"text/markdown": MXSS % ("3", "mdout"), "text/plain": "p"}}
    cells = [{"cell_type": "markdown", "source": "hello " + e} for e in evil]
    cells.append({"cell_type": "code", "source": "", "outputs": [html_out, plain_out, md_out], "execution_count": 1})
    write_nb(server, "mxss.ipynb", cells)
    open_nb(page, server, "mxss.ipynb")
    page.wait_for_selector("#kept", state="attached")            # the outputs are drawn
    page.wait_for_function("document.querySelectorAll('.md-rendered, .markdown-cell').length >= %d" % len(evil))
    page.evaluate("() => new Promise(r => setTimeout(r, 300))")   # let any image error fire
    assert page.evaluate("window.PWNED || null") is None
    assert page.evaluate("getComputedStyle(document.body).display") != "none"
    assert page.evaluate("getComputedStyle(document.body).visibility") == "visible"
    assert page.locator("style:not(head style)").count() == 0 or \
        page.evaluate("[...document.querySelectorAll('style')].every(s => s.closest('head'))")
    assert page.locator("iframe, form, svg, .cell mglyph").count() == 0
    assert page.get_attribute("#jsl", "href") is None
    assert page.locator("#kept").text_content() == "kept"            # ordinary HTML survives
    assert "styled" in page.locator(".cell").nth(3).text_content()
    # the sanitiser hands back nodes, never a string to be parsed again
    assert page.evaluate("IPL.sanitize('<b>x</b>') instanceof DocumentFragment")
    # math made by our own renderer still shows
    assert page.evaluate("""(() => { const d = document.createElement('div');
        IPL.renderMarkdown(d, 'a $\\\\frac{1}{2}$', false); return d.querySelectorAll('math mfrac').length; })()""") == 1


def test_carriage_return_and_backspace_like_jupyter(page, server):
    write_nb(server, "cr.ipynb", [""])
    open_nb(page, server, "cr.ipynb")
    f = lambda s: page.evaluate("s => IPL.fixOverwrite(s)", s)
    assert f("hello world\r\n") == "hello world\n"
    assert f("abc\rX") == "X"
    assert f("10%\r20%\r30%\nnext") == "30%\nnext"
    assert f("working\r") == "working"
    assert f("abcd\x08\x08X") == "abX"
    assert f("\x08x") == "x"
    out = run_code(page, "import sys\nprint('abc\\rX')\nfor i in range(5):\n"
                         "    sys.stdout.write('\\rprogress %d' % i); sys.stdout.flush()\nprint()\nprint('ok\\r\\n', end='')")
    assert out.locator(".output-stdout").text_content() == "X\nprogress 4\nok\n"


def test_aborted_cells_get_no_count_and_interrupted_input_box_goes(page, server):
    write_nb(server, "abort.ipynb", ["1", "import time\ntime.sleep(0.5)\n1/0", "2"])
    open_nb(page, server, "abort.ipynb")
    page.evaluate("IPL.nbActions['run-all']()")      # all three requests queued at once
    page.locator(".cell").nth(1).locator(".cell-output >> text=ZeroDivisionError").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.cell.busy').length === 0")
    prompts = page.eval_on_selector_all(".cell .prompt:not(.out-prompt)", "els => els.map(e => e.textContent)")
    assert prompts[:3] == ["[1]:", "[2]:", "[ ]:"]
    # input() interrupted: the box must go away with the reply
    run_code(page, "")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("input('say: ')")
    page.keyboard.press("Control+Enter")
    page.locator(".stdin-input").wait_for()
    page.evaluate("IPL.nbActions['interrupt']()")
    page.locator(".cell-output >> text=KeyboardInterrupt").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.cell.busy').length === 0")
    assert page.locator(".stdin-input").count() == 0


def test_ansi_256_truecolour_underline_autolinks_and_escaped_dollar(page, server):
    write_nb(server, "ansi.ipynb", [{"cell_type": "markdown",
                                     "source": "see <https://auto.link/x> and costs \\$5 or \\$6"}])
    open_nb(page, server, "ansi.ipynb")
    html = page.evaluate("s => IPL.ansi(s)", "\x1b[38;5;196mR\x1b[0m\x1b[48;2;1;2;3mB\x1b[0m\x1b[4mU\x1b[24m\x1b[38;5;2mG")
    assert 'style="color:rgb(255,0,0)"' in html and ">R<" in html
    assert 'background-color:rgb(1,2,3)' in html
    assert 'ansi-underline' in html and "ansi-green-fg" in html
    md = page.locator(".cell .md-rendered")
    assert md.locator("a[href='https://auto.link/x']").text_content() == "https://auto.link/x"
    assert "costs $5 or $6" in md.text_content() and "\\" not in md.text_content()
    assert md.locator("math").count() == 0


def test_flooding_output_is_limited_and_interrupt_shows_at_once(page, server):
    write_nb(server, "flood.ipynb", [""])
    open_nb(page, server, "flood.ipynb")
    out = run_code(page, "for i in range(20000):\n    print('line', i)")
    text = out.locator(".output-stdout pre").text_content()
    assert text.startswith("line 15000\n") and text.endswith("line 19999\n")
    assert out.locator(".output-truncated").text_content() == "output truncated; 15000 lines hidden"
    saved = page.evaluate("JSON.stringify(IPL.nbCells()[IPL.nbCells().length - 1].toJSON())")
    assert "_hidden" not in saved and "line 14999" not in saved      # live output is bounded
    # a notebook saved elsewhere with a long output is shown truncated but kept whole
    long = {"output_type": "stream", "name": "stdout", "text": "".join("n%d\n" % i for i in range(6000))}
    write_nb(server, "long.ipynb", [{"cell_type": "code", "source": "", "outputs": [long], "execution_count": 1}])
    open_nb(page, server, "long.ipynb")
    assert page.locator(".output-truncated").text_content() == "output truncated; 1000 lines hidden"
    assert page.evaluate("IPL.nbCells()[0].toJSON().outputs[0].text") == long["text"]
    # an endless printing loop: interrupt reaches the page; the output stays bounded
    page.keyboard.press("Escape")
    page.evaluate("IPL.nbSelect(IPL.nbCells().length - 1)")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("i = 0\nwhile True:\n    i += 1\n    print('flood', i)")
    page.keyboard.press("Control+Enter")
    page.locator(".cell.selected .output-truncated").wait_for()
    page.evaluate("IPL.nbActions['interrupt']()")
    page.locator(".cell.selected .cell-output >> text=KeyboardInterrupt").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.cell.busy').length === 0")
    n = page.evaluate("document.querySelector('.cell.selected .output-stdout pre').textContent.split('\\n').length")
    assert n <= 5001


def test_markdown_attachment_images_resolve(page, server):
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    write_nb(server, "attach.ipynb", [{"cell_type": "markdown", "source": "![pic](attachment:p.png) ![gone](attachment:q.png)",
                                       "attachments": {"p.png": {"image/png": png}}}])
    open_nb(page, server, "attach.ipynb")
    img = page.locator(".md-rendered img[alt=pic]")
    assert img.get_attribute("src") == "data:image/png;base64," + png
    page.wait_for_function("document.querySelector('.md-rendered img[alt=pic]').naturalWidth === 1")
    assert page.locator(".md-rendered img[alt=gone]").get_attribute("src") is None


def api(server, method, path, body=None):
    import urllib.request
    req = urllib.request.Request(server["url"] + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "token " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        data = r.read()
    return json.loads(data) if data else None


def test_renaming_an_open_notebook_its_tab_follows_and_saves_there(page, server):
    nb = write_nb(server, "ren.ipynb", ["x = 1"])
    data = json.loads(nb.read_text())
    data["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "gone", "language": "python"}
    nb.write_text(json.dumps(data))
    open_nb(page, server, "ren.ipynb")                 # unknown kernel: the default one is used
    assert page.text_content("#kernel-name") == "ipylite"
    (server["root"] / "rdir").mkdir()
    api(server, "PATCH", "/api/contents/ren.ipynb", {"path": "rdir/ren2.ipynb"})
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("y = 2")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]")
    assert page.text_content("#nb-name") == "ren2.ipynb"
    assert page.evaluate("location.pathname") == "/notebooks/rdir/ren2.ipynb"
    assert not nb.exists()
    saved = nbfile.read(str(server["root"] / "rdir" / "ren2.ipynb"))
    assert [nbfile._join(c["source"]) for c in saved["cells"]] == ["x = 1", "y = 2"]
    assert saved["metadata"]["kernelspec"]["name"] == "ipylite"


def test_tree_refuses_non_empty_folders_and_asks_before_overwriting(page, server):
    root = server["root"]
    (root / "full").mkdir()
    (root / "full" / "keep.txt").write_text("keep")
    (root / "same.txt").write_text("old")
    page.goto(server["url"] + "/tree")
    page.wait_for_selector("body[data-loaded=true]")
    page.check("input[value='full']")
    page.click("#delete")
    page.locator("#nb-notice >> text=not empty (1 item)").wait_for()
    assert (root / "full" / "keep.txt").read_text() == "keep"
    page.dismiss_dialogs = True
    page.dialogs.clear()
    try:
        page.set_input_files("#upload", files=[{"name": "same.txt", "mimeType": "text/plain", "buffer": b"new"}])
        page.locator("#nb-notice >> text=upload of same.txt cancelled").wait_for()
    finally:
        page.dismiss_dialogs = False
    assert page.dialogs == ["same.txt already exists here. Replace it?"]
    assert (root / "same.txt").read_text() == "old"
    page.set_input_files("#upload", files=[{"name": "same.txt", "mimeType": "text/plain", "buffer": b"new"}])
    page.locator("#nb-notice >> text=uploaded same.txt").wait_for()
    assert (root / "same.txt").read_text() == "new"


def test_moving_up_keeps_the_cell_below_the_sticky_bars_and_narrow_header_fits(browser, server):
    write_nb(server, "a_rather_long_notebook_name_for_a_real_project_analysis_2026.ipynb",
             ["print(%d)" % i for i in range(40)])
    for width, height in ((1200, 700), (600, 500)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        try:
            pg = ctx.new_page()
            pg.set_default_timeout(30000)
            pg.goto(server["url"] + "/tree?token=" + TOKEN)
            open_nb(pg, server, "a_rather_long_notebook_name_for_a_real_project_analysis_2026.ipynb")
            for _ in range(30):
                pg.keyboard.press("j")
            for _ in range(20):
                pg.keyboard.press("k")
                r = pg.evaluate("""(() => { const c = document.querySelector('.cell.selected').getBoundingClientRect();
                    const t = document.querySelector('.toolbar').getBoundingClientRect();
                    return [c.top, c.bottom, t.bottom, innerHeight]; })()""")
                assert r[0] >= r[2] and r[1] <= r[3], r
            for _ in range(20):
                pg.keyboard.press("ArrowDown")
                r = pg.evaluate("(() => { const c = document.querySelector('.cell.selected').getBoundingClientRect();"
                                " return [c.top, c.bottom, innerHeight]; })()")
                assert r[1] <= r[2], r
            badge = pg.evaluate("document.getElementById('kernel-status').getBoundingClientRect().right")
            assert badge <= width and pg.evaluate("document.documentElement.scrollWidth") <= width
            top = pg.evaluate("document.querySelector('.topbar').getBoundingClientRect().bottom")
            tool = pg.evaluate("document.querySelector('.toolbar').getBoundingClientRect().top")
            assert abs(top - tool) < 1.5          # the toolbar sits right under the top bar
            pg.screenshot(path=str(server["root"] / ("bars%d.png" % width)))
        finally:
            ctx.close()
