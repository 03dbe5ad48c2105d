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
