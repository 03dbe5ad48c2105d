"""Editor habits in the notebook page (real server, kernel and Chromium; the fixtures of
test_webnb_browser)."""

from test_webnb_browser import (browser, open_nb, page, server,   # noqa: F401 (fixtures)
                                shut_kernels_down, write_nb)


def source(page, i=0):
    return page.evaluate("i => IPL.nbCells()[i].source", i)


def test_undo_groups_typing_goes_past_enter_and_redoes(page, server):
    write_nb(server, "undo.ipynb", [""])
    open_nb(page, server, "undo.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.type("def f(x):")
    page.keyboard.press("Enter")                 # auto-indented by the page
    page.keyboard.type("return x + value")
    assert source(page) == "def f(x):\n    return x + value"
    page.keyboard.press("Control+z")
    assert source(page) == "def f(x):\n    return x + "      # a word typed is one step
    page.keyboard.press("Control+z")
    assert source(page) == "def f(x):\n    return x "
    for _ in range(20):
        if not source(page):
            break
        page.keyboard.press("Control+z")
    assert source(page) == ""                     # past the Enter, to the start
    for _ in range(20):
        page.keyboard.press("Control+Shift+z")
    assert source(page) == "def f(x):\n    return x + value"
    page.keyboard.press("Enter")                  # the page's own edits undo one by one too
    page.keyboard.press("Tab")
    assert source(page) == "def f(x):\n    return x + value\n    "
    page.keyboard.press("Control+z")
    assert source(page) == "def f(x):\n    return x + value\n"
    page.keyboard.press("Control+z")
    assert source(page) == "def f(x):\n    return x + value"


def test_brackets_and_quotes_close_and_are_stepped_over(page, server):
    write_nb(server, "brackets.ipynb", [""])
    open_nb(page, server, "brackets.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.type("print(")
    assert source(page) == "print()"
    page.keyboard.type("'it")
    assert source(page) == "print('it')"
    page.keyboard.type("s')")                      # the closers typed step over the ones there
    assert source(page) == "print('its')"
    page.keyboard.press("End")
    page.keyboard.type(" + d[")
    page.keyboard.press("Backspace")               # an empty pair goes at once
    assert source(page) == "print('its') + d"
    page.keyboard.type("on't")                     # no pair after a letter
    assert source(page) == "print('its') + don't"


def test_up_down_at_a_cells_edge_move_to_the_next_cell(page, server):
    write_nb(server, "updown.ipynb", ["a = 1\nb = 2", "c = 3"])
    open_nb(page, server, "updown.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Home")
    page.keyboard.press("ArrowDown")               # inside the cell: the next line
    assert page.evaluate("IPL.nbCells().indexOf(document.activeElement.closest('.cell').cell)") == 0
    page.keyboard.press("ArrowDown")               # at its last line: the next cell, at its start
    assert page.evaluate("IPL.nbCells().indexOf(document.activeElement.closest('.cell').cell)") == 1
    assert page.evaluate("document.activeElement.selectionStart") == 0
    page.keyboard.press("ArrowUp")                 # back, at the end of the cell above
    assert page.evaluate("[IPL.nbCells().indexOf(document.activeElement.closest('.cell').cell),"
                         " document.activeElement.selectionStart]") == [0, len("a = 1\nb = 2")]
    assert page.get_attribute("body", "data-mode") == "edit"


def test_esc_closes_a_tooltip_but_stays_in_edit_mode(page, server):
    write_nb(server, "tip.ipynb", ["len("])
    open_nb(page, server, "tip.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+End")
    page.keyboard.press("Shift+Tab")
    page.locator(".tooltip").wait_for()
    page.keyboard.press("Escape")
    assert page.locator(".tooltip").count() == 0 and page.get_attribute("body", "data-mode") == "edit"
    page.keyboard.press("Escape")
    assert page.get_attribute("body", "data-mode") == "command"


def test_z_undoes_cut_move_and_type_change_and_outputs_survive_markdown_and_back(page, server):
    out = {"output_type": "stream", "name": "stdout", "text": "kept\n"}
    write_nb(server, "zundo.ipynb", [{"cell_type": "code", "source": "print('kept')", "outputs": [out], "execution_count": 3},
                                     "second", "third"])
    open_nb(page, server, "zundo.ipynb")
    order = lambda: page.evaluate("IPL.nbCells().map(c => c.source)")   # noqa: E731
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("m")
    page.keyboard.press("y")                       # code -> Markdown -> code: outputs back
    assert page.evaluate("IPL.nbCells()[0].outputs.length") == 1
    assert page.locator(".cell").nth(0).locator(".prompt").first.text_content() == "[3]:"
    page.keyboard.press("z")                       # undo the change to code
    assert page.evaluate("IPL.nbCells()[0].type") == "markdown"
    page.keyboard.press("z")                       # and to Markdown
    assert page.evaluate("IPL.nbCells()[0].type") == "code"
    assert page.locator(".cell").nth(0).locator(".cell-output").text_content() == "kept\n"
    page.keyboard.press("Control+Shift+ArrowDown")
    assert order() == ["second", "print('kept')", "third"]
    page.keyboard.press("z")
    assert order() == ["print('kept')", "second", "third"]
    page.evaluate("IPL.nbSelect(1)")
    page.keyboard.press("x")
    assert order() == ["print('kept')", "third"]
    page.keyboard.press("z")
    assert order() == ["print('kept')", "second", "third"]
    # once saved as Markdown, the outputs are gone (as in the file)
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("m")
    page.keyboard.press("Control+s")
    page.wait_for_function("!document.title.startsWith('*')")
    page.keyboard.press("y")
    assert page.evaluate("IPL.nbCells()[0].outputs.length") == 0


def test_trusted_javascript_output_runs_with_element(page, server):
    js = {"output_type": "display_data", "metadata": {},
          "data": {"application/javascript": "element.textContent = 'drawn by ' + element.className;"}}
    write_nb(server, "js.ipynb", [{"cell_type": "code", "source": "", "outputs": [js], "execution_count": 1}], trusted=True)
    open_nb(page, server, "js.ipynb")
    page.locator(".cell-output >> text=drawn by output-item output-display_data").wait_for()


def test_line_numbers_toggle_and_follow_wrapped_lines(page, server):
    long = "x = " + "1 + " * 80 + "1"
    write_nb(server, "lines.ipynb", ["a = 1\n%s\nb = 's\nt'" % long])
    open_nb(page, server, "lines.ipynb")
    src = page.locator(".cell .cell-source").first
    assert src.text_content() == "a = 1\n%s\nb = 's\nt'" % long           # the text stays the source
    assert page.locator(".cell .ln").first.is_visible() is False
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Shift+L")
    nums = page.evaluate("""() => Array.from(document.querySelectorAll('.cell .cell-source .ln')).map(e =>
        [getComputedStyle(e).display + ' ' + getComputedStyle(e, '::before').content, e.getBoundingClientRect().top])""")
    assert [n for n, _ in nums] == ["block counter(ln)"] * 4                # a number per line, one inside a string
    tops = [t for _, t in nums]
    line = tops[1] - tops[0]
    assert line > 0 and tops[2] - tops[1] > 1.5 * line                     # line 2 wraps: 3 starts lower
    # the caret still lands where it is drawn: the textarea moves with the text
    page.keyboard.press("Enter")
    pads = page.evaluate("""() => { var c = document.querySelector('.cell');
        return [getComputedStyle(c.querySelector('.cell-source')).paddingLeft, getComputedStyle(c.querySelector('.cell-input')).paddingLeft]; }""")
    assert pads[0] == pads[1] == "40px"
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+L")
    assert page.locator(".cell .ln").first.is_visible() is False


def test_html_javascript_and_bash_cells_are_highlighted_in_their_language(page, server):
    cells = ['%%html\n<div class="a">hi <!-- note --></div>', '%%javascript\nconst x = "s"; // note\nif (x) { return 1; }',
             '%%bash\nfor f in *.py; do echo "$f" # note\ndone', 'def f(): return "s"  # note']
    write_nb(server, "langs.ipynb", cells)
    open_nb(page, server, "langs.ipynb")
    spans = page.evaluate("""() => Array.from(document.querySelectorAll('.cell .cell-source')).map(s =>
        Array.from(s.querySelectorAll('span[class^=hl-]')).map(e => e.className + ':' + e.textContent))""")
    html, js, sh, py = spans
    assert "hl-magic:%%html" in html and "hl-kw:<div" in html and 'hl-str:"a"' in html and "hl-bi:class" in html
    assert "hl-com:<!-- note -->" in html
    assert "hl-kw:const" in js and 'hl-str:"s"' in js and "hl-com:// note" in js and "hl-kw:return" in js
    assert "hl-kw:for" in sh and "hl-kw:done" in sh and 'hl-str:"$f"' in sh and "hl-com: # note" in sh
    assert "hl-kw:def" in py and "hl-def:f" in py and "hl-com:# note" in py
    assert [s for s in page.evaluate("Array.from(document.querySelectorAll('.cell .cell-source')).map(s => s.textContent)")] == cells


def test_find_and_replace_across_the_notebook(page, server):
    write_nb(server, "find.ipynb", ["alpha = 1", {"cell_type": "markdown", "source": "# Alpha notes"}, "beta = alpha + 1"])
    open_nb(page, server, "find.ipynb")
    page.evaluate("IPL.nbSelect(0)")
    page.keyboard.press("Control+f")
    page.keyboard.type("alpha")
    assert page.locator(".find-count").text_content() == "3"
    shown = lambda: page.evaluate("""() => { var t = document.activeElement.closest('.findbar') ?          // noqa: E731
        document.querySelector('.cell.selected .cell-input') : document.activeElement;
        return [IPL.nbCells().indexOf(t.closest('.cell').cell), t.selectionStart, t.selectionEnd]; }""")
    page.keyboard.press("Enter")
    assert shown() == [0, 0, 5] and page.locator(".find-count").text_content() == "1 of 3"
    page.keyboard.press("Enter")
    assert shown() == [1, 2, 7]                      # the Markdown cell, any case
    page.keyboard.press("Enter")
    assert shown() == [2, 7, 12]
    page.keyboard.press("Enter")
    assert shown() == [0, 0, 5]                      # round again
    page.keyboard.press("Shift+Enter")
    assert shown() == [2, 7, 12]
    page.locator(".find-case").check()               # match case: two left
    assert page.locator(".find-count").text_content() == "2"
    page.locator(".find-replace").fill("gamma")
    page.locator("[data-find=one]").click()          # replaces the one shown, shows the next
    assert page.evaluate("IPL.nbCells().map(c => c.source)") == ["alpha = 1", "# Alpha notes", "beta = gamma + 1"]
    page.locator(".find-case").uncheck()
    page.locator("[data-find=all]").click()
    assert page.evaluate("IPL.nbCells().map(c => c.source)") == ["gamma = 1", "# gamma notes", "beta = gamma + 1"]
    assert page.locator(".find-count").text_content() == "2 replaced"
    assert page.title().startswith("*")
    page.keyboard.press("Escape")
    assert page.locator(".findbar").is_hidden()
