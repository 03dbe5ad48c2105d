"""Kernels, files and comfort in the notebook server's pages (real server, kernels and
Chromium; the fixtures of test_webnb_browser): a kernel chosen for a new notebook,
changed, shut down; rename from the page; restart asks first; table of contents;
collapsed input/output; the dark theme; the text editor; the file browser's sorting,
moves and copies."""

import json

from ipylite import nbfile
from test_webnb_browser import (api, browser, open_nb, page, run_code, server,   # noqa: F401 (fixtures)
                                shut_kernels_down, write_nb)


def sessions(server):
    return api(server, "GET", "/api/sessions")


def test_new_notebook_on_a_chosen_kernelspec(page, server):
    page.goto(server["url"] + "/tree")
    page.wait_for_selector("body[data-loaded=true]")
    page.click("#new-menu summary")
    items = page.locator("#new-items a[data-kernel]")
    items.first.wait_for()
    names = items.evaluate_all("els => els.map(e => e.getAttribute('data-kernel'))")
    assert sorted(names) == sorted(api(server, "GET", "/api/kernelspecs")["kernelspecs"])
    assert "python3" in names and "ipylite" in names
    before = set(p.name for p in server["root"].iterdir())
    with page.expect_popup() as pop:
        page.click("#new-items a[data-kernel=python3]")
    nbpage = pop.value
    nbpage.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    assert nbpage.text_content("#kernel-name") == "python3"
    new = [p for p in server["root"].iterdir() if p.name not in before]
    assert len(new) == 1 and new[0].suffix == ".ipynb"
    assert nbfile.read(str(new[0]))["metadata"]["kernelspec"]["name"] == "python3"
    nbpage.close()
    assert [s["kernel"]["name"] for s in sessions(server)] == ["python3"]


def test_change_kernel_rename_and_shut_down_from_the_page(page, server):
    write_nb(server, "chk.ipynb", ["import sys; 'ipykernel' in sys.modules"])
    open_nb(page, server, "chk.ipynb")
    assert page.text_content("#kernel-name") == "ipylite"
    old_kernel = sessions(server)[0]["kernel"]["id"]
    page.click("summary:text('Kernel')")
    page.click("a[data-action=change-kernel]")
    page.wait_for_selector("#kernel-dialog[open]")
    page.focus("#kernel-choice")
    n_cells = page.evaluate("IPL.nbCells().length")
    page.keyboard.press("b"); page.keyboard.press("a")   # not command keys here
    assert page.evaluate("IPL.nbCells().length") == n_cells
    page.select_option("#kernel-choice", "python3")
    page.click("#kernel-ok")
    page.wait_for_selector("body[data-kernel-name=python3]")
    page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    [s] = sessions(server)
    assert s["kernel"]["name"] == "python3" and s["kernel"]["id"] != old_kernel
    assert old_kernel not in [k["id"] for k in api(server, "GET", "/api/kernels")]
    page.keyboard.press("Escape")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Shift+Enter")                  # runs on ipykernel now
    page.locator(".cell").first.locator(".cell-output >> text=True").wait_for()
    # rename from the page: the session follows and the saved file keeps the new kernel
    page.dialog_answer = ["chk2"]
    page.click("summary:text('File')")
    page.click("a[data-action=rename]")
    page.wait_for_function("document.getElementById('nb-name').textContent === 'chk2.ipynb'")
    page.dialog_answer = []
    assert (server["root"] / "chk2.ipynb").exists() and not (server["root"] / "chk.ipynb").exists()
    assert sessions(server)[0]["path"] == "chk2.ipynb"
    assert page.evaluate("location.pathname") == "/notebooks/chk2.ipynb"
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]")
    assert nbfile.read(str(server["root"] / "chk2.ipynb"))["metadata"]["kernelspec"]["name"] == "python3"
    # shut down: asks first, then no kernel runs for it; Restart starts one again
    page.dialogs.clear()
    page.click("summary:text('Kernel')")
    page.click("a[data-action=shutdown]")
    page.wait_for_selector("body[data-kernel-status=dead]")
    assert any("Shut down" in d for d in page.dialogs)
    assert sessions(server) == [] and api(server, "GET", "/api/kernels") == []
    page.click("button[data-action=restart]")
    page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    assert [s["path"] for s in sessions(server)] == ["chk2.ipynb"]


def test_restart_and_restart_run_all_ask_first(page, server):
    write_nb(server, "ask.ipynb", ["n = 41"])
    open_nb(page, server, "ask.ipynb")
    page.keyboard.press("Shift+Enter")
    page.locator(".cell").first.locator(".prompt >> text=[1]:").wait_for()
    kid = sessions(server)[0]["kernel"]["id"]
    page.dismiss_dialogs = True                         # "Cancel": nothing restarts
    page.dialogs.clear()
    try:
        page.click("button[data-action=restart]")
        page.click("button[data-action=restart-run-all]")
        page.keyboard.press("Escape")
        page.keyboard.press("0"); page.keyboard.press("0")
        page.wait_for_function("true")
        assert len(page.dialogs) == 3 and all("Restart the kernel" in d for d in page.dialogs)
    finally:
        page.dismiss_dialogs = False
    out = run_code(page, "n + 1")
    assert out.text_content().strip() == "42"           # the variables survived
    assert sessions(server)[0]["kernel"]["id"] == kid
    page.dialogs.clear()
    page.click("button[data-action=restart]")           # accepted: restarts
    page.wait_for_selector("body[data-kernel-status=idle]")
    out = run_code(page, "'n' in dir()")
    assert out.text_content().strip() == "False"
    assert len(page.dialogs) == 1


def test_table_of_contents_from_the_headings_jumps_to_them(page, server):
    cells = [{"cell_type": "markdown", "source": "# Intro\ntext"}]
    cells += ["x%d = %d" % (i, i) for i in range(40)]
    cells += [{"cell_type": "markdown", "source": "## Method *one*\n```\n# not a heading\n```\nResults\n======="}]
    cells += ["y%d = %d" % (i, i) for i in range(40)]
    cells += [{"cell_type": "markdown", "source": "### Last [part](http://x)"}]
    write_nb(server, "toc.ipynb", cells)
    open_nb(page, server, "toc.ipynb")
    assert page.locator("#toc").is_hidden()
    page.click("button[data-action=toc]")
    entries = page.locator("#toc-list a")
    assert entries.evaluate_all("els => els.map(e => [e.className, e.textContent])") == [
        ["toc-h1", "Intro"], ["toc-h2", "Method one"], ["toc-h1", "Results"], ["toc-h3", "Last part"]]
    page.click("#toc-list a >> text=Last part")
    assert page.evaluate("IPL.nb.sel") == 82
    box = page.locator(".cell").nth(82).bounding_box()
    assert 80 < box["y"] < 450                          # scrolled up to the bars (or the end of the page)
    page.click("#toc-list a >> text=Results")
    assert page.evaluate("IPL.nb.sel") == 41
    # a new heading typed in a cell joins the contents
    page.keyboard.press("a")
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("# Added")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("Array.from(document.querySelectorAll('#toc-list a')).map(e => e.textContent)"
                           ".join('|') === 'Intro|Added|Method one|Results|Last part'")


def test_collapsed_input_and_output_are_kept_in_metadata_as_jupyter_does(page, server):
    path = write_nb(server, "fold.ipynb", [
        "print('visible out')",
        {"cell_type": "code", "source": "secret_source = 1", "metadata": {"jupyter": {"source_hidden": True}},
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "shown out\n"}], "execution_count": 1}])
    open_nb(page, server, "fold.ipynb")
    second = page.locator(".cell").nth(1)
    assert not second.locator(".cell-source").is_visible()
    assert second.locator(".input-row .collapsed-bar").is_visible()
    assert second.locator(".cell-output >> text=shown out").is_visible()
    page.keyboard.press("Shift+Enter")
    first = page.locator(".cell").first
    first.locator(".cell-output >> text=visible out").wait_for()
    page.evaluate("IPL.nbSelect(0)")
    page.click("summary:text('View')")
    page.click("a[data-action=hide-output]")
    assert not first.locator(".cell-output").is_visible()
    assert first.locator(".output-row .collapsed-bar").is_visible()
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]")
    saved = nbfile.read(str(path))["cells"]
    assert saved[0]["metadata"]["jupyter"] == {"outputs_hidden": True}
    assert saved[0]["outputs"][0]["text"] == "visible out\n"        # hidden, not dropped
    assert saved[1]["metadata"]["jupyter"] == {"source_hidden": True}
    # a click on the bar shows it again; the key goes from the metadata
    second.locator(".input-row .collapsed-bar").click()
    assert second.locator(".cell-source").is_visible()
    page.evaluate("document.body.removeAttribute('data-saved')")
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]")
    saved = nbfile.read(str(path))["cells"]
    assert "jupyter" not in saved[1]["metadata"]
    page.reload()
    page.wait_for_selector("body[data-loaded=true]")
    assert not page.locator(".cell").first.locator(".cell-output").is_visible()


def luminance(css):
    import re
    r, g, b = [int(v) for v in re.findall(r"\d+", css)[:3]]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_theme_follows_the_system_setting(browser, server, tmp_path):
    write_nb(server, "dark.ipynb", [{"cell_type": "markdown", "source": "# Dark\nsome `code`"},
                                    "def f(x):\n    return 'text'  # comment"])
    colours = {}
    for scheme in ("light", "dark"):
        ctx = browser.new_context(viewport={"width": 1000, "height": 600}, color_scheme=scheme)
        try:
            pg = ctx.new_page()
            pg.goto(server["url"] + "/notebooks/dark.ipynb?token=browser-token")
            pg.wait_for_selector("body[data-loaded=true]")
            colours[scheme] = pg.evaluate("""() => {
                const cs = s => getComputedStyle(document.querySelector(s));
                return {body: cs('body').backgroundColor, nb: cs('.notebook').backgroundColor,
                        text: cs('.md-rendered h1').color, editor: cs('.code-cell .editor').backgroundColor,
                        bar: cs('.toolbar').backgroundColor, button: cs('.toolbar button').backgroundColor,
                        kw: cs('.hl-kw').color}
            }""")
            pg.screenshot(path=str(tmp_path / (scheme + ".png")))
        finally:
            ctx.close()
    light, dark = colours["light"], colours["dark"]
    for k in ("body", "nb", "editor", "bar", "button"):
        assert luminance(light[k]) > 200 and luminance(dark[k]) < 60, (k, light[k], dark[k])
    assert luminance(light["text"]) < 60 and luminance(dark["text"]) > 180
    assert luminance(dark["kw"]) > 100 and dark["kw"] != light["kw"]   # readable on the dark editor


def test_text_editor_for_py_md_txt_files_from_the_tree(page, server):
    root = server["root"]
    (root / "ed").mkdir()
    (root / "ed" / "script.py").write_text("def f():\n    return 1\n")
    (root / "ed" / "notes.md").write_text("# Notes\n")
    (root / "ed" / "plain.txt").write_text("héllo\n")
    page.goto(server["url"] + "/tree/ed")
    page.wait_for_selector("body[data-loaded=true]")
    hrefs = page.eval_on_selector_all(".tree-item", "els => els.map(e => e.getAttribute('href'))")
    assert sorted(hrefs) == ["/edit/ed/notes.md", "/edit/ed/plain.txt", "/edit/ed/script.py"]
    with page.expect_popup() as pop:
        page.click(".tree-item >> text=script.py")
    ed = pop.value
    ed.wait_for_selector("body[data-loaded=true]")
    assert ed.input_value("#text") == "def f():\n    return 1\n"
    ed.focus("#text")
    ed.keyboard.press("Control+End")
    ed.keyboard.type("def g():")
    ed.keyboard.press("Enter")
    ed.keyboard.press("Tab")                            # four spaces in a .py file
    ed.keyboard.type("return 2")
    assert ed.title() == "*script.py"
    ed.keyboard.press("Control+s")
    ed.wait_for_selector("body[data-saved]")
    assert (root / "ed" / "script.py").read_text() == "def f():\n    return 1\ndef g():\n    return 2"
    assert ed.title() == "script.py"
    # changed on disk meanwhile: the editor says so and does not write over it
    (root / "ed" / "script.py").write_text("changed elsewhere")
    ed.keyboard.type("\n# mine")
    ed.evaluate("document.body.removeAttribute('data-saved')")
    ed.click("#save")
    ed.wait_for_selector("#nb-warning:not([hidden])")
    assert (root / "ed" / "script.py").read_text() == "changed elsewhere"
    ed.click("#overwrite")
    ed.wait_for_selector("body[data-saved]")
    assert (root / "ed" / "script.py").read_text().endswith("return 2\n# mine")
    ed.goto(server["url"] + "/edit/ed/plain.txt")
    ed.wait_for_selector("body[data-loaded=true]")
    assert ed.input_value("#text") == "héllo\n"
    ed.close()
    (root / "bin.dat").write_bytes(b"\xff\xfe\x00binary")
    page.goto(server["url"] + "/edit/bin.dat")
    page.wait_for_selector("body[data-loaded=error]")
    assert "not UTF-8 text" in page.text_content("#nb-error")
    assert page.is_disabled("#text")
    page.keyboard.press("Control+s")
    assert (root / "bin.dat").read_bytes() == b"\xff\xfe\x00binary"


def listed(page):
    return page.eval_on_selector_all(".tree-item:not(.up)", "els => els.map(e => e.textContent)")


def test_file_browser_sorts_moves_copies_and_duplicates(page, server):
    import os
    root = server["root"] / "fb"
    (root / "sub").mkdir(parents=True)
    for name, size, age in (("b.txt", 300, 30), ("a10.txt", 10, 10), ("a9.txt", 2000, 20)):
        (root / name).write_text("x" * size)
        t = 1_700_000_000 - age * 3600
        os.utime(root / name, (t, t))
    page.goto(server["url"] + "/tree/fb")
    page.wait_for_selector("body[data-loaded=true]")
    assert listed(page) == ["sub", "a9.txt", "a10.txt", "b.txt"]     # folders first, numbers in order

    def sort_by(col, expect):
        page.click("#listing th[data-sort=%s]" % col)
        page.wait_for_function("names => JSON.stringify(Array.from(document.querySelectorAll('.tree-item:not(.up)'))"
                               ".map(e => e.textContent)) === JSON.stringify(names)", arg=expect)
    sort_by("name", ["sub", "b.txt", "a10.txt", "a9.txt"])             # the same column again: reversed
    sort_by("size", ["sub", "a9.txt", "b.txt", "a10.txt"])             # biggest first
    sort_by("size", ["sub", "a10.txt", "b.txt", "a9.txt"])
    sort_by("last_modified", ["sub", "a10.txt", "a9.txt", "b.txt"])    # newest first
    assert page.get_attribute("#listing th[data-sort=last_modified]", "aria-sort") == "descending"
    # duplicate: a copy beside it
    page.check("input[value='fb/b.txt']")
    page.click("#duplicate")
    page.locator(".tree-item >> text=b-Copy1.txt").wait_for()
    assert (root / "b-Copy1.txt").read_text() == "x" * 300
    # copy to another folder, keeping the name
    page.uncheck("input[value='fb/b.txt']")
    page.check("input[value='fb/a9.txt']")
    page.dialog_answer = ["fb/sub"]
    page.click("#copy-to")
    page.wait_for_function("document.getElementById('nb-notice').textContent.includes('copied')")
    page.wait_for_function("!document.querySelector('#listing input:checked')")    # listed again
    assert (root / "sub" / "a9.txt").read_text() == "x" * 2000 and (root / "a9.txt").exists()
    # a second copy there is refused, and says why
    page.check("input[value='fb/a9.txt']")
    page.click("#copy-to")
    page.wait_for_function("document.getElementById('nb-notice').textContent.includes('already exists')")
    page.wait_for_function("!document.querySelector('#listing input:checked')")    # listed again
    # move two files into the folder
    page.check("input[value='fb/a10.txt']")
    page.check("input[value='fb/b-Copy1.txt']")
    page.uncheck("input[value='fb/a9.txt']")
    page.click("#move-to")
    page.wait_for_function("!Array.from(document.querySelectorAll('.tree-item')).some(e => e.textContent === 'a10.txt')")
    page.dialog_answer = []
    assert sorted(p.name for p in (root / "sub").iterdir()) == ["a10.txt", "a9.txt", "b-Copy1.txt"]
    assert sorted(p.name for p in root.iterdir()) == ["a9.txt", "b.txt", "sub"]


def test_a_new_notebook_on_an_unknown_kernelspec_is_refused_in_one_line(server):
    import urllib.error
    before = sorted(p.name for p in server["root"].iterdir())
    try:
        api(server, "POST", "/api/contents/", {"type": "notebook", "kernel_name": "no-such-kernel"})
    except urllib.error.HTTPError as e:
        assert e.code == 404
        assert json.loads(e.read())["message"] == "no kernelspec named 'no-such-kernel'"
    else:
        raise AssertionError("an unknown kernelspec was accepted")
    assert sorted(p.name for p in server["root"].iterdir()) == before
    m = api(server, "POST", "/api/contents/", {"type": "notebook", "kernel_name": "python3"})
    assert nbfile.read(str(server["root"] / m["path"]))["metadata"]["kernelspec"]["display_name"] \
        == api(server, "GET", "/api/kernelspecs/python3")["spec"]["display_name"]


def test_html_export_shows_collapsed_input_and_output_collapsed(page, browser, server):
    """Collapsed in the page (or in the file) -> in the export, the bar the page shows in
    their place, not the input or output; a click on it shows them (they are kept)."""
    from test_webnb_output import download, fetch, show_export
    write_nb(server, "foldx.ipynb", [
        {"cell_type": "code", "source": "print('first out')",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "first out\n"}], "execution_count": 1},
        {"cell_type": "code", "source": "hidden_source = 1", "metadata": {"jupyter": {"source_hidden": True}},
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "second out\n"}], "execution_count": 2},
        {"cell_type": "markdown", "source": "# Folded heading", "metadata": {"jupyter": {"source_hidden": True}}},
        {"cell_type": "markdown", "source": "Open words"}])
    open_nb(page, server, "foldx.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.click("summary:text('View')")
    page.click("a[data-action=hide-output]")           # collapsed in the page, then exported
    ctx, pg = show_export(browser, download(page, "[data-export=html]"))
    try:
        cells = pg.locator(".cell")
        first, second, third, fourth = (cells.nth(i) for i in range(4))
        assert first.locator(".cell-source").is_visible()
        assert not first.locator(".cell-output").is_visible()
        assert first.locator(".output-row .collapsed-bar").is_visible()
        assert not second.locator(".cell-source").is_visible()
        assert second.locator(".input-row .collapsed-bar").is_visible()
        assert second.locator(".cell-output >> text=second out").is_visible()
        assert not third.locator("h1").is_visible()
        assert third.locator(".input-row .collapsed-bar").is_visible()
        assert fourth.locator("text=Open words").is_visible()
        assert fourth.locator(".collapsed-bar").count() == 0 or not fourth.locator(".collapsed-bar").is_visible()
        assert pg.locator(".collapsed-bar:visible").count() == 3
        # hidden, not dropped: a click shows each
        first.locator(".output-row .collapsed-bar").click()
        assert first.locator(".cell-output >> text=first out").is_visible()
        second.locator(".input-row .collapsed-bar").click()
        assert second.locator(".cell-source >> text=hidden_source").is_visible()
        third.locator(".collapsed-bar").click()
        assert third.locator("h1 >> text=Folded heading").is_visible()
        assert not pg.errors, pg.errors
    finally:
        ctx.close()
    # the PDF (printed by Chromium from the same page; the export saved the notebook first)
    import shutil
    import subprocess
    pdf = server["root"] / "foldx.pdf"
    pdf.write_bytes(fetch(page, server, "/nbconvert/pdf/foldx.ipynb"))
    text = subprocess.run([shutil.which("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    assert "print('first out')" in text and "first out" not in text.replace("print('first out')", "")
    assert "hidden_source" not in text and "second out" in text and "Folded heading" not in text
    assert "Open words" in text and text.count("input hidden") == 2 and text.count("output hidden") == 1


def test_edit_magic_opens_the_file_in_the_text_editor(page, server):
    """%edit in a notebook (an edit_magic payload, as ipykernel sends) opens a file of
    the notebook's folder in the page's text editor, at the line asked for; a file the
    server cannot reach gets a one-line note."""
    root = server["root"]
    (root / "ed2").mkdir()
    (root / "ed2" / "mod.py").write_text("first = 1\nsecond = 2\n")
    write_nb(server, "ed2/e.ipynb", ["x = 1"])
    open_nb(page, server, "ed2/e.ipynb")
    with page.expect_popup() as pop:
        run_code(page, "%edit -n 2 mod.py")
    ed = pop.value
    ed.wait_for_selector("body[data-loaded=true]")
    assert ed.url.endswith("/edit/ed2/mod.py#L2")
    assert ed.input_value("#text") == "first = 1\nsecond = 2\n"
    assert ed.evaluate("document.getElementById('text').selectionStart") == len("first = 1\n")
    ed.close()
    run_code(page, "%edit /etc/hostname")
    page.wait_for_function("document.getElementById('nb-notice').textContent.indexOf("
                           "\"/etc/hostname is outside the notebook's folder\") >= 0")


def test_edit_magic_offers_a_link_when_the_browser_blocks_the_pop_up(browser, server):
    """Chromium blocks a pop-up opened long after the key press that ran the cell (the
    test browser allows all pop-ups, so this one is started with the blocker on): the
    page then offers a link, and a click on it opens the editor."""
    import shutil
    from test_webnb_browser import ARGS, TOKEN
    root = server["root"]
    (root / "ed3").mkdir()
    (root / "ed3" / "slow.py").write_text("z = 3\n")
    write_nb(server, "ed3/s.ipynb", ["x = 1"])
    strict = browser.browser_type.launch(executable_path=shutil.which("chromium"), args=ARGS,
                                         ignore_default_args=["--disable-popup-blocking"])
    try:
        pg = strict.new_page()
        pg.set_default_timeout(30000)
        pg.goto(server["url"] + "/tree?token=" + TOKEN)    # logs in
        pg.wait_for_selector("body[data-loaded=true]")
        open_nb(pg, server, "ed3/s.ipynb")
        popups = []
        pg.on("popup", lambda p: popups.append(p))
        run_code(pg, "import time\ntime.sleep(6)\n%edit slow.py")
        link = pg.wait_for_selector("#nb-notice a")
        assert link.inner_text() == "open slow.py" and popups == []
        with pg.expect_popup() as pop:
            link.click()
        ed = pop.value
        ed.wait_for_selector("body[data-loaded=true]")
        assert ed.input_value("#text") == "z = 3\n"
    finally:
        strict.close()
