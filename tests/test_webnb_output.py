"""The notebook page never loses or hides output: Markdown outputs, relative images
and links, output floods, exports of what the page shows. Real server, kernels and
Chromium (the fixtures of test_webnb_browser)."""

import base64
import queue
import shutil
import subprocess
import time

from test_webnb_browser import (browser, open_nb, page, run_code, server,   # noqa: F401 (fixtures)
                                shut_kernels_down, write_nb, TOKEN)

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def fetch(page, server, path):
    r = page.request.get(server["url"] + path, headers={"Authorization": "token " + TOKEN})
    assert r.ok, (path, r.status)
    return r.body()


def show_export(browser, html):
    """An exported HTML file opened on its own (no server behind it)."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 800})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_content(html.decode())
    pg.wait_for_selector(".cell")
    pg.errors = errors
    return ctx, pg


def md_output_nb(server, name):
    out = {"output_type": "display_data", "metadata": {},
           "data": {"text/markdown": "Some **bold words** here", "text/plain": "<Markdown>"}}
    return write_nb(server, name, [{"cell_type": "code", "source": "Markdown('...')",
                                    "outputs": [out], "execution_count": 1}])


# ------------------------------------------------------------ Markdown outputs

def test_markdown_outputs_are_visible_on_the_page(page, server):
    md_output_nb(server, "mdout.ipynb")
    open_nb(page, server, "mdout.ipynb")
    assert page.locator(".cell-output strong").first.is_visible()
    assert page.locator(".cell-output strong").first.text_content() == "bold words"
    out = run_code(page, "from IPython.display import Markdown\nMarkdown('*made* **live**')")
    assert out.locator("em").is_visible() and out.locator("strong").text_content() == "live"
    out = run_code(page, "%%markdown\n# A heading from a magic")
    assert out.locator("h1").is_visible()


def test_markdown_outputs_are_visible_in_html_and_pdf_exports(page, browser, server):
    md_output_nb(server, "mdexport.ipynb")
    ctx, pg = show_export(browser, fetch(page, server, "/nbconvert/html/mdexport.ipynb"))
    try:
        assert pg.locator(".cell-output strong").is_visible()
        assert not pg.errors
    finally:
        ctx.close()
    if shutil.which("pdftotext"):
        pdf = fetch(page, server, "/nbconvert/pdf/mdexport.ipynb")
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=60).stdout.decode()
        assert "bold words" in text


def test_long_code_lines_in_markdown_scroll_inside_the_cell(page, server):
    long = "x = " + "1 + " * 300 + "1"
    out = {"output_type": "display_data", "metadata": {},
           "data": {"text/markdown": "```\n%s\n```" % long, "text/plain": "<Markdown>"}}
    write_nb(server, "wide.ipynb", [{"cell_type": "markdown", "source": "Code:\n\n```python\n%s\n```\n\n    %s" % (long, long)},
                                    {"cell_type": "code", "source": "", "outputs": [out], "execution_count": 1}])
    open_nb(page, server, "wide.ipynb")
    assert page.locator(".md-rendered pre").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for i in range(3):      # each block scrolls on its own, within the notebook's column
        assert page.evaluate("i => { var p = document.querySelectorAll('.md-rendered pre')[i];"
                             " return p.scrollWidth > p.clientWidth && p.getBoundingClientRect().right"
                             " <= document.querySelector('.notebook').getBoundingClientRect().right; }", i)


# ------------------------------------------------------------ relative files

def test_relative_images_and_links_point_into_the_notebooks_folder(page, browser, server):
    sub = server["root"] / "sub dir"
    sub.mkdir(exist_ok=True)
    (sub / "pic.png").write_bytes(base64.b64decode(PNG))
    (server["root"] / "top.png").write_bytes(base64.b64decode(PNG))
    (sub / "notes.txt").write_text("notes")
    md = ('![pic](pic.png) <img src="pic.png" alt="raw"> ![up](../top.png) ![sp](./pic.png "t")\n\n'
          '[notes](notes.txt) [nb](other.ipynb#part) [abs](/tree) [web](https://example.org/x.png)')
    write_nb(server, "sub dir/rel.ipynb", [{"cell_type": "markdown", "source": md}, ""])
    open_nb(page, server, "sub%20dir/rel.ipynb")
    md_el = page.locator(".md-rendered").first
    for alt in ("pic", "raw", "up", "sp"):
        page.wait_for_function("a => document.querySelector('.md-rendered img[alt=' + a + ']').naturalWidth === 1", arg=alt)
    assert md_el.locator("img[alt=pic]").get_attribute("src") == "/files/sub%20dir/pic.png"
    assert md_el.locator("img[alt=up]").get_attribute("src") == "/files/top.png"
    assert md_el.locator("a", has_text="notes").get_attribute("href") == "/files/sub%20dir/notes.txt"
    assert md_el.locator("a", has_text="nb").get_attribute("href") == "/notebooks/sub%20dir/other.ipynb#part"
    assert md_el.locator("a", has_text="abs").get_attribute("href") == "/tree"
    assert md_el.locator("a", has_text="web").get_attribute("href") == "https://example.org/x.png"
    # Markdown output made by the kernel resolves the same way
    run_code(page, "from IPython.display import Markdown\nMarkdown('![out](pic.png)')")
    page.wait_for_function("document.querySelector('.cell-output img[alt=out]') && "
                           "document.querySelector('.cell-output img[alt=out]').naturalWidth === 1")
    page.keyboard.press("Control+s")
    page.wait_for_function("!document.title.startsWith('*')")
    # an export embeds the images: it shows them without the server
    ctx, pg = show_export(browser, fetch(page, server, "/nbconvert/html/sub%20dir/rel.ipynb"))
    try:
        for alt in ("pic", "raw", "up", "sp", "out"):
            pg.wait_for_function("a => { var i = document.querySelector('img[alt=' + a + ']');"
                                 " return i && i.naturalWidth === 1 && i.src.startsWith('data:image/png;base64,'); }", arg=alt)
        assert not pg.errors
    finally:
        ctx.close()


# ------------------------------------------------------------ exports

def download(page, selector):
    page.locator("summary", has_text="File").click()
    with page.expect_download() as d:
        page.locator(selector).click()
    with open(d.value.path(), "rb") as f:
        return f.read()


def test_exports_and_downloads_are_of_what_the_page_shows(page, server):
    write_nb(server, "unsaved.ipynb", ["x = 'as saved'", {"cell_type": "markdown", "source": "old words"}])
    open_nb(page, server, "unsaved.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("x = 'as edited'")
    page.keyboard.press("Escape")
    page.evaluate("IPL.nbSelect(1)")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("new words")
    page.keyboard.press("Escape")
    assert page.title().startswith("*")                 # unsaved
    py = download(page, "[data-export=py]").decode()
    assert "x = 'as edited'" in py and "# new words" in py and "as saved" not in py
    nb = download(page, "#download-ipynb").decode()
    assert "as edited" in nb and "new words" in nb
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("# more ")
    page.keyboard.press("Escape")
    assert "# more" in download(page, "[data-export=html]").decode()
    assert "# more" in download(page, "[data-export=md]").decode()


# ------------------------------------------------------------ floods

def shown_and_dropped(page):
    return page.evaluate("""() => {
        var out = document.querySelector('.cell.selected .cell-output');
        var note = out.querySelector('.output-dropped');
        return [out.querySelectorAll('.output-item[data-mime-type]').length,
                note ? parseInt(note.textContent) : 0];
    }""")


def test_a_display_flood_on_a_slow_page_ends_and_says_what_was_not_shown(page, server):
    write_nb(server, "dflood.ipynb", [""])
    open_nb(page, server, "dflood.ipynb")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
    try:
        start = time.monotonic()
        run_code(page, "from IPython.display import display\nfor i in range(15000):\n    display(i)")
        assert time.monotonic() - start < 120
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    shown, dropped = shown_and_dropped(page)
    assert shown + dropped == 15000, (shown, dropped, page.locator(".cell.selected").inner_text()[:300])
    if dropped:
        assert page.locator(".cell.selected .output-dropped").is_visible()
    # the page counted each output once; the last one shown is the last one made
    assert page.locator(".cell.selected .output-item[data-mime-type]").last.text_content().strip() == "14999"


def test_a_cell_with_more_outputs_than_kept_for_replay_ends_after_a_reload(page, server):
    write_nb(server, "replayflood.ipynb", ["from IPython.display import display\n"
                                           "for i in range(2600):\n    display(i)\n'done'"])
    open_nb(page, server, "replayflood.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Control+Enter")
    sel = ".cell[data-cell-id='c0']"
    page.wait_for_function("s => document.querySelector(s + ' .prompt').textContent === '[1]:'", arg=sel)
    page.reload()              # not saved: the server's record of the run is replayed
    page.wait_for_selector("body[data-kernel-status=idle]")
    page.wait_for_function("s => document.querySelectorAll(s + ' .output-item').length > 0", arg=sel)
    page.wait_for_function("s => !document.querySelector(s).classList.contains('busy')", arg=sel, timeout=15000)
    assert page.locator(sel + " .prompt").first.text_content() == "[1]:"
    note = page.locator(sel + " .output-dropped")
    assert note.is_visible() and note.text_content().startswith("601 outputs were not shown"), note.text_content()
    assert page.locator(sel + " .output-item[data-mime-type]").count() == 2000
    assert page.locator(sel + " .output-item[data-mime-type]").last.text_content().strip() == "'done'"


def test_the_kernel_waits_for_a_slow_client_instead_of_dropping_its_idle_status():
    """jupyter_client reading nothing for 3 s while 15,000 displays are made (more than
    the sockets' high-water marks hold): it gets them all and the idle status, which a
    PUB socket at its high-water mark dropped."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="ipylite", startup_timeout=30)
    try:
        msg_id = kc.execute("from IPython.display import display\nfor i in range(15000):\n    display(i)")
        time.sleep(3)
        shown, idle, deadline = 0, False, time.monotonic() + 60
        while not idle and time.monotonic() < deadline:
            try:
                m = kc.get_iopub_msg(timeout=10)
            except queue.Empty:
                break
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            shown += m["msg_type"] == "display_data"
            idle = m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
        assert (shown, idle) == (15000, True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_run_all_on_a_slow_page_gives_every_cell_its_output(page, server):
    n = 1500
    write_nb(server, "many.ipynb", ["print('out', %d)" % i for i in range(n)])
    open_nb(page, server, "many.ipynb")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 8})
    try:
        page.evaluate("IPL.nbActions['run-all']()")
        page.wait_for_function("n => IPL.nbCells()[n - 1].execution_count === n && "
                               "!document.querySelector('.cell.busy')", arg=n, timeout=240000, polling=500)
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    missing = page.evaluate("""() => IPL.nbCells().map((c, i) => [i, c.outEl.textContent])
        .filter(([i, t]) => t !== 'out ' + i + '\\n').map(([i]) => i)""")
    assert missing == [], "%d cells without their output: %s" % (len(missing), missing[:20])


def test_a_flushing_print_flood_ends_with_its_last_line(page, server):
    write_nb(server, "pflood.ipynb", [""])
    open_nb(page, server, "pflood.ipynb")
    start = time.monotonic()
    out = run_code(page, "for i in range(100000):\n    print(i, flush=True)")
    assert time.monotonic() - start < 120
    text = out.locator(".output-stdout pre").text_content()
    assert text.endswith("\n99999\n") and page.locator(".cell.selected .prompt").first.text_content() != "[*]:"


def test_output_from_a_thread_after_the_cell_ended_lands_in_that_cell(page, server):
    write_nb(server, "late.ipynb", [""])
    open_nb(page, server, "late.ipynb")
    run_code(page, "import threading\nthreading.Timer(1.5, lambda: print('late words', flush=True)).start()")
    page.locator(".cell.selected .cell-output >> text=late words").wait_for(timeout=15000)


def test_a_client_that_never_reads_iopub_does_not_hold_up_the_others():
    """It is waited for STALL_SECONDS, then cut off: the reader's cell ends (its idle
    status arrives; outputs past the kernel's backlog may be dropped while it waits) and
    the next cell is quick."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="ipylite", startup_timeout=30)
    idle_client = km.client()
    idle_client.start_channels()              # connected, never reads
    try:
        start = time.monotonic()
        got = []
        reply = kc.execute_interactive("from IPython.display import display\nfor i in range(15000):\n    display(i)",
                                       timeout=90, output_hook=got.append)
        assert reply["content"]["status"] == "ok"
        assert time.monotonic() - start < 60
        assert sum(m["msg_type"] == "display_data" for m in got) > 10000
        start = time.monotonic()
        kc.execute_interactive("1 + 1", timeout=30, output_hook=lambda m: None)
        assert time.monotonic() - start < 3          # the stalled client is skipped now
    finally:
        idle_client.stop_channels()
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_slow_reader_loses_nothing_while_a_client_that_never_reads_is_cut_off():
    """Once the client that never reads is cut off, a reader slower than the kernel still
    gets every output, in order, and its idle status: only the stalled pipe is set aside
    (it used to be a minute of lossy sending for everyone, and a reader that was behind
    lost outputs and, under load, the idle status that ends its cell)."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="ipylite", startup_timeout=30)
    idle_client = km.client()
    idle_client.start_channels()              # connected, never reads
    try:
        got = []

        def slow_hook(msg):
            got.append(msg)
            time.sleep(0.0005)                 # ~2,000 messages/s: slower than the kernel

        n = 6000
        code = "from IPython.display import display\nfor i in range(%d):\n    display('%%05d' %% i + 'x' * 10000)" % n
        reply = kc.execute_interactive(code, timeout=120, output_hook=slow_hook)
        assert reply["content"]["status"] == "ok"
        shown = [m["content"]["data"]["text/plain"][1:6] for m in got if m["msg_type"] == "display_data"]
        assert len(shown) == n and shown == ["%05d" % i for i in range(n)], (len(shown), shown[-3:])
        assert not [m for m in got if m["msg_type"] == "stream"]      # nothing dropped, so no note
        start = time.monotonic()
        kc.execute_interactive("1 + 1", timeout=30, output_hook=lambda m: None)
        assert time.monotonic() - start < 3
        while True:                             # the cut-off client reads at last...
            try:
                idle_client.get_iopub_msg(timeout=1)
            except queue.Empty:
                break
        msg_id = kc.execute("print('back')")
        back = []
        deadline = time.monotonic() + 30        # ...and gets new messages again
        while time.monotonic() < deadline and not back:
            m = idle_client.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream":
                back.append(m["content"]["text"])
        assert back == ["back\n"]
    finally:
        idle_client.stop_channels()
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_tall_outputs_scroll_when_opened_and_when_printed(page, server):
    """An output taller than 1,200 px scrolls inside its cell (as Jupyter's scrolled
    outputs), checked for all the cells of a notebook at once when it opens."""
    tall = {"output_type": "stream", "name": "stdout", "text": "".join("line %d\n" % i for i in range(300))}
    write_nb(server, "tall.ipynb", [{"cell_type": "code", "source": "x = %d" % i, "execution_count": 1,
                                     "outputs": [tall] if i % 50 == 7 else []} for i in range(400)])
    open_nb(page, server, "tall.ipynb")
    page.wait_for_function("document.querySelectorAll('.cell-output.output-scrolled').length === 8")
    scrolled = page.eval_on_selector_all(".cell-output.output-scrolled",
                                         "els => els.map(e => e.closest('.cell').getAttribute('data-cell-id'))")
    assert scrolled == ["c%d" % i for i in range(400) if i % 50 == 7]
    out = run_code(page, "for i in range(300):\n    print(i)")
    page.wait_for_function("document.querySelectorAll('.cell-output.output-scrolled').length === 9")
    assert "output-scrolled" in out.get_attribute("class")
    short = run_code(page, "print('short')")
    assert "output-scrolled" not in short.get_attribute("class")
