"""The Qt console, offscreen, driven with QTest key events against real kernels."""

import os
import re
import signal
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: E402
from PyQt5.QtTest import QTest  # noqa: E402

from ipylite.qtconsole import ConsoleWidget, ConsoleWindow, main, strip_prompts  # noqa: E402

Qt = QtCore.Qt


@pytest.fixture(scope="module")
def qapp():
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    yield app


def wait_for(pred, timeout=15, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QTest.qWait(10)
        if pred():
            return True
    raise AssertionError(f"timed out waiting for {what}")


def make_console(kernel="ipylite", **kw):
    c = ConsoleWidget.on_new_kernel(kernel, **kw)
    c.confirm_restart = False
    c.resize(800, 600)
    c.show()
    try:
        wait_for(lambda: c.is_ready, 30, "a ready kernel")
    except BaseException:
        c.shutdown()
        raise
    return c


@pytest.fixture(scope="module")
def console(qapp):
    c = make_console()
    yield c
    c.shutdown()


def run(c, code, timeout=20):
    """Run ``code`` as if typed and Shift-Entered; wait until the cell is done."""
    done = []
    c.executed.connect(done.append)
    try:
        c.input_buffer = code
        QTest.keyClick(c.editor, Qt.Key_Return, Qt.ShiftModifier)
        wait_for(lambda: done, timeout, f"the end of {code!r}")
        c.flush_output()
    finally:
        c.executed.disconnect(done.append)
    return done[0]


def type_keys(c, text):
    QTest.keyClicks(c.editor, text)


def count_pixels(image, color, tol=40):
    """How many pixels of ``image`` are within ``tol`` of ``color`` (r, g, b)."""
    img = image.convertToFormat(QtGui.QImage.Format_RGB32)
    n = 0
    r0, g0, b0 = color
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            p = img.pixel(x, y)
            if abs(((p >> 16) & 255) - r0) + abs(((p >> 8) & 255) - g0) + abs((p & 255) - b0) < tol:
                n += 1
    return n


# ---------------------------------------------------------------- editing

def test_enter_runs_a_complete_cell(console):
    done = []
    console.executed.connect(done.append)
    type_keys(console, "print('hello'); 6 * 7")
    QTest.keyClick(console.editor, Qt.Key_Return)
    wait_for(lambda: done, what="execute_reply")
    console.executed.disconnect(done.append)
    text = console.output_text()
    assert re.search(r"In \[\d+\]: print\('hello'\); 6 \* 7\nhello\nOut\[\d+\]: 42", text)
    assert console.input_buffer == ""


def test_multiline_cell_with_auto_indent(console):
    type_keys(console, "for i in range(3):")
    QTest.keyClick(console.editor, Qt.Key_Return)        # incomplete: new indented line
    wait_for(lambda: console.input_buffer.endswith("\n    "), what="an indented line")
    type_keys(console, "if i:")
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ControlModifier)  # always a newline
    assert console.input_buffer.endswith("if i:\n        ")
    type_keys(console, "print(i * 10)")
    QTest.keyClick(console.editor, Qt.Key_Return)        # still incomplete
    wait_for(lambda: console.input_buffer.count("\n") == 3, what="a third line")
    done = []
    console.executed.connect(done.append)
    QTest.keyClick(console.editor, Qt.Key_Return)        # blank line: complete
    wait_for(lambda: done, what="the loop to run")
    console.executed.disconnect(done.append)
    assert "...:         print(i * 10)\n10\n20\n" in console.output_text()


def test_ctrl_enter_adds_a_line_and_shift_enter_runs(console):
    type_keys(console, "a = 1")
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ControlModifier)
    assert console.input_buffer == "a = 1\n"
    type_keys(console, "a + 1")
    assert run(console, console.input_buffer)["status"] == "ok"
    assert "Out[" in console.output_text().rsplit("a + 1", 1)[1]


def test_history_up_down_and_reverse_search(console):
    run(console, "hist_marker = 'first'")
    run(console, "len('second')")
    QTest.keyClick(console.editor, Qt.Key_Up)
    assert console.input_buffer == "len('second')"
    QTest.keyClick(console.editor, Qt.Key_Up)
    assert console.input_buffer == "hist_marker = 'first'"
    QTest.keyClick(console.editor, Qt.Key_Down)
    QTest.keyClick(console.editor, Qt.Key_Down)
    assert console.input_buffer == ""
    QTest.keyClick(console.editor, Qt.Key_R, Qt.ControlModifier)
    assert console.search_row.isVisible()
    QTest.keyClicks(console.search_edit, "marker")
    assert console.input_buffer == "hist_marker = 'first'"
    QTest.keyClick(console.search_edit, Qt.Key_Return)
    assert not console.search_row.isVisible()
    assert console.input_buffer == "hist_marker = 'first'"
    console.input_buffer = ""


def test_history_comes_from_the_kernel_across_sessions(qapp, console):
    marker = "kernel_history_marker_%d = 1" % os.getpid()
    run(console, marker)
    run(console, "get_ipython().history.flush()")  # written now, not in a second
    other = make_console()
    try:
        wait_for(lambda: marker in other.history, 10, "the other session's history")
    finally:
        other.shutdown()


def test_paste_strips_prompts_and_copy_strips_them_too(qapp, console):
    assert strip_prompts(">>> a = 5\n>>> a") == "a = 5\na"
    assert strip_prompts("In [3]: def f():\n   ...:     return 1") == "def f():\n    return 1"
    assert strip_prompts("x = '>>> not a prompt'") == "x = '>>> not a prompt'"
    QtWidgets.QApplication.clipboard().setText("In [1]: paste_a = 5\n   ...: paste_a * 2")
    console.editor.paste()
    assert console.input_buffer == "paste_a = 5\npaste_a * 2"
    run(console, console.input_buffer)
    doc = console.output.document()
    cur = doc.find("paste_a = 5")
    cur.movePosition(QtGui.QTextCursor.StartOfBlock)
    cur.movePosition(QtGui.QTextCursor.Down, QtGui.QTextCursor.KeepAnchor)
    cur.movePosition(QtGui.QTextCursor.EndOfBlock, QtGui.QTextCursor.KeepAnchor)
    console.output.setTextCursor(cur)
    console.output.copy()
    assert QtWidgets.QApplication.clipboard().text() == "paste_a = 5\npaste_a * 2"


# ---------------------------------------------------------------- completion, calltips, pager

def test_tab_completion_popup_filters_and_accepts(console):
    run(console, "zeta_apple = 1; zeta_banana = 2; zeta_cherry = 3")
    type_keys(console, "zeta_")
    QTest.keyClick(console.editor, Qt.Key_Tab)
    wait_for(console.popup.isVisible, what="the completion popup")
    items = [console.popup.item(i).text() for i in range(console.popup.count())]
    assert items == ["zeta_apple", "zeta_banana", "zeta_cherry"]
    type_keys(console, "b")
    assert [console.popup.item(i).text() for i in range(console.popup.count())] == \
        ["zeta_banana"]
    QTest.keyClick(console.editor, Qt.Key_Return)
    assert not console.popup.isVisible()
    assert console.input_buffer == "zeta_banana"
    console.input_buffer = "zeta_"
    QTest.keyClick(console.editor, Qt.Key_Tab)
    wait_for(console.popup.isVisible, what="the popup again")
    QTest.keyClick(console.editor, Qt.Key_Down)
    QTest.keyClick(console.editor, Qt.Key_Down)
    QTest.keyClick(console.editor, Qt.Key_Tab)
    assert console.input_buffer == "zeta_cherry"
    console.input_buffer = "zeta_"
    QTest.keyClick(console.editor, Qt.Key_Tab)
    wait_for(console.popup.isVisible, what="the popup once more")
    QTest.keyClick(console.editor, Qt.Key_Escape)
    assert not console.popup.isVisible() and console.input_buffer == "zeta_"
    console.input_buffer = "zeta_ch"
    QTest.keyClick(console.editor, Qt.Key_Tab)  # a single match is inserted at once
    wait_for(lambda: console.input_buffer == "zeta_cherry", what="the single completion")
    console.input_buffer = "if x:\n"
    QTest.keyClick(console.editor, Qt.Key_Tab)  # at the start of a line: indent
    assert console.input_buffer == "if x:\n    "
    console.input_buffer = ""


def test_calltip_after_open_paren(console):
    run(console, "def tipfunc(alpha, beta=2):\n    'Adds the things up.'\n    return alpha")
    type_keys(console, "tipfunc(")
    wait_for(console.calltip.isVisible, what="the calltip")
    text = console.calltip.text()
    assert "tipfunc(alpha, beta=2)" in text and "Adds the things up." in text
    assert "Docstring" not in text and "Signature" not in text
    type_keys(console, "1, (2)")
    assert console.calltip.isVisible()  # the inner parentheses do not close it
    type_keys(console, ")")
    assert not console.calltip.isVisible()
    console.input_buffer = ""
    type_keys(console, "tipfunc(")
    wait_for(console.calltip.isVisible, what="the calltip again")
    QTest.keyClick(console.editor, Qt.Key_Escape)
    assert not console.calltip.isVisible()
    console.input_buffer = ""


def test_question_mark_goes_to_the_pager(console):
    run(console, "len?")
    assert console.pager.isVisible()
    assert "Return the number of items" in console.pager.toPlainText()
    assert "Return the number of items" not in console.output_text()
    QTest.keyClick(console.editor, Qt.Key_Escape)
    assert not console.pager.isVisible()
    console.paging = "inline"   # the pager takes the scrollback's place until Esc
    try:
        run(console, "len?")
        assert console.pager.isVisible() and not console.output.isVisible()
        QTest.keyClick(console.editor, Qt.Key_Escape)
        assert console.output.isVisible() and not console.pager.isVisible()
    finally:
        console.paging = "vsplit"


def test_zoom_keys_change_the_font(console):
    size = console.font_size
    QTest.keyClick(console.editor, Qt.Key_Plus, Qt.ControlModifier)
    assert console.font_size == size + 1 and console.output.font().pointSize() == size + 1
    QTest.keyClick(console.editor, Qt.Key_Minus, Qt.ControlModifier)
    assert console.font_size == size


# ---------------------------------------------------------------- stdin, interrupt

def test_input_and_getpass_prompt_inline(console):
    console.input_buffer = "name = input('your name? ')"
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(console.stdin_row.isVisible, what="the input prompt")
    assert console.stdin_label.text() == "your name? "
    assert console.stdin_edit.echoMode() == QtWidgets.QLineEdit.Normal
    QTest.keyClicks(console.stdin_edit, "Ada")
    QTest.keyClick(console.stdin_edit, Qt.Key_Return)
    wait_for(lambda: not console.executing, what="the cell to finish")
    console.input_buffer = "import getpass; secret = getpass.getpass('pw: ')"
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(console.stdin_row.isVisible, what="the password prompt")
    assert console.stdin_edit.echoMode() == QtWidgets.QLineEdit.Password
    QTest.keyClicks(console.stdin_edit, "hunter2")
    QTest.keyClick(console.stdin_edit, Qt.Key_Return)
    wait_for(lambda: not console.executing, what="the cell to finish")
    run(console, "print(name, len(secret))")
    text = console.output_text()
    assert "your name? Ada\n" in text and "Ada 7\n" in text
    assert "hunter2" not in text


def test_ctrl_c_interrupts_a_running_cell(console):
    console.input_buffer = "import time\nfor _ in range(600): time.sleep(0.05)"
    QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
    wait_for(lambda: console.executing, what="the cell to start")
    QTest.qWait(300)
    done = []
    console.executed.connect(done.append)
    QTest.keyClick(console.editor, Qt.Key_C, Qt.ControlModifier)
    wait_for(lambda: done, 10, what="the interrupted cell")
    console.executed.disconnect(done.append)
    assert done[0]["status"] == "error" and done[0]["ename"] == "KeyboardInterrupt"
    assert "KeyboardInterrupt" in console.output_text()


# ---------------------------------------------------------------- rich output

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">'
       '<rect width="120" height="60" fill="#ff0000"/></svg>')


def test_rich_output_by_mime_priority(console):
    console.clear()
    run(console, "from ipylite.display import display, SVG, HTML, Markdown, Latex\n"
                 f"display(SVG({SVG!r}))")
    run(console, "display(HTML('<b>bold</b> and <i>html</i>'))")
    run(console, "display(Markdown('# Title\\n\\n* item one'))")
    run(console, "display(Latex(r'$\\alpha^2$'))")
    run(console, "display({'text/plain': 'plain only'}, raw=True)")
    text = console.output_text()
    assert "\nbold and html\n" in text
    assert "\nTitle\n" in text and "item one" in text and "\n# Title" not in text
    assert "plain only" in text
    assert "\n$\\alpha^2$" not in text  # rendered by mathtext, not shown as source
    console.output.verticalScrollBar().setValue(0)
    shot = console.grab().toImage()
    assert count_pixels(shot, (255, 0, 0), 30) > 300   # the SVG's red rectangle


def test_matplotlib_figure_inline(console):
    console.clear()
    run(console, "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                 "fig, ax = plt.subplots(figsize=(3, 2))\n"
                 "ax.add_patch(plt.Rectangle((0, 0), 1, 1, color='#0000ff'))")
    assert "ipylite-img" in console.output_html() or "data:image/png" in console.output_html()
    console.output.verticalScrollBar().setValue(0)
    shot = console.grab().toImage()
    shot.save(os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "..", "figure.png"))
    assert count_pixels(shot, (0, 0, 255), 30) > 500


def test_clear_output_wait_and_update_display(console):
    console.clear()
    run(console, "from ipylite.display import display, clear_output, update_display\n"
                 "import time\n"
                 "for i in range(5):\n"
                 "    clear_output(wait=True)\n"
                 "    print('frame', i)\n"
                 "    time.sleep(0.02)")
    text = console.output_text()
    assert "frame 4" in text and "frame 3" not in text and "frame 0" not in text
    run(console, "h = display('version one', display_id='d1')\nprint('after')")
    run(console, "update_display('version two', display_id='d1')")
    text = console.output_text()
    assert "\n'version two'\nafter\n" in text and "\n'version one'" not in text


def test_streams_ansi_colours_and_stderr(console):
    console.clear()
    run(console, "import sys\nprint('\\x1b[31mred text\\x1b[0m plain')\n"
                 "sys.stderr.write('to stderr\\n')\nprint('50%\\r100%')")
    text = console.output_text()
    assert "red text plain" in text and "\x1b" not in text
    assert "\n100%\n" in text and "\n50%" not in text
    doc = console.output.document()
    back = QtGui.QTextDocument.FindBackward
    cur = doc.find("red text plain", doc.characterCount() - 1, back)
    cur.setPosition(cur.selectionStart() + 1)
    fmt = cur.charFormat()
    assert fmt.foreground().color().red() > 150 and fmt.foreground().color().green() < 100
    cur = doc.find("to stderr", doc.characterCount() - 1, back)
    assert cur.charFormat().background().style() != Qt.NoBrush


def test_error_traceback_is_coloured(console):
    reply = run(console, "1 / 0")
    assert reply["status"] == "error"
    doc = console.output.document()
    cur = doc.find("ZeroDivisionError: division by zero", doc.characterCount() - 1,
                   QtGui.QTextDocument.FindBackward)
    assert not cur.isNull()
    cur.setPosition(cur.selectionStart() + 1)
    assert cur.charFormat().foreground().color().name() != console.style_colors["fg"]


# ---------------------------------------------------------------- floods

def test_huge_output_keeps_the_event_loop_running(console, tmp_path):
    console.clear()
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    try:
        run(console, "print('x' * 50_000_000)", timeout=60)
        folded = "x" * 100 + " \u2026 [49,990,000 more characters on this line: click to save]"
        # the line comes in 1 MiB stream messages; the fold grows until the last one
        wait_for(lambda: folded in console.output_text(), 20, "the whole folded line")
        run(console, "for i in range(100_000): print(i)", timeout=60)
    finally:
        timer.stop()
    # The timer kept firing throughout: no freeze of the kind a 50 MB line causes in a
    # console that lays it out at once (tens of seconds); the bound is deliberately loose.
    assert len(ticks) >= 3
    assert max(b - a for a, b in zip(ticks, ticks[1:])) < 2.0
    text = console.output_text()
    assert "99999\n" in text
    assert console.output.document().blockCount() <= console.scrollback + 1
    (fid, rest), = console.folds.items()
    assert len(rest) == 50_000_000 - console.max_line and set(rest) == {"x"}
    path = tmp_path / "rest.txt"
    console.save_fold(fid, str(path))
    assert path.stat().st_size == len(rest)


def test_output_while_typing_does_not_move_the_cursor(console):
    console.input_buffer = "abc def"
    cur = console.editor.textCursor()
    cur.setPosition(3)
    console.editor.setTextCursor(cur)
    console.client.execute("print('background')", silent=False)  # another request
    console.execute("import time; time.sleep(0.2); print('own output')")
    wait_for(lambda: not console.executing, what="the cell")
    assert console.editor.textCursor().position() == 3
    console.input_buffer = ""


# ---------------------------------------------------------------- saving

def test_save_html_and_pdf(console, tmp_path):
    console.clear()
    run(console, f"from ipylite.display import display, SVG\ndisplay(SVG({SVG!r}))\n"
                 "print('\\x1b[32mgreen\\x1b[0m')")
    html_path, pdf_path = tmp_path / "s.html", tmp_path / "s.pdf"
    console.save_html(str(html_path))
    page = html_path.read_text()
    assert "data:image/png;base64," in page and "ipylite-img:" not in page
    assert re.search(r"color:#0dbc79[^>]*>green", page)
    console.save_pdf(str(pdf_path))
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF") and b"/Image" in data


# ---------------------------------------------------------------- kernel lifecycle

def test_restart_and_a_killed_kernel_keep_scrollback_and_history(qapp):
    c = make_console()
    try:
        run(c, "survivor = 'before'")
        run(c, "print(survivor)")
        events = []
        c.kernel_event.connect(events.append)
        os.kill(c.manager.kernel.pid, signal.SIGKILL)
        wait_for(lambda: "restarted" in events and c.is_ready, 30, "a new kernel")
        text = c.output_text()
        assert "Kernel died, restarting" in text and "print(survivor)" in text
        assert "print(survivor)" in c.history
        reply = run(c, "survivor")
        assert reply["status"] == "error" and reply["ename"] == "NameError"
        run(c, "again = 1")
        assert c.restart_kernel() is True
        wait_for(lambda: c.is_ready, 30, "the restarted kernel")
        assert run(c, "again")["ename"] == "NameError"
        assert "Kernel restarted." in c.output_text()
        assert re.search(r"In \[1\]: again\n", c.output_text())
    finally:
        c.shutdown()
    assert not c.manager.is_alive()


def test_a_kernel_that_stops_answering_heartbeats_is_reported(qapp):
    c = make_console()
    pid = c.manager.kernel.pid
    try:
        events = []
        c.kernel_event.connect(events.append)
        os.kill(pid, signal.SIGSTOP)
        try:
            wait_for(lambda: "no-heartbeat" in events, 15, "the heartbeat report")
        finally:
            os.kill(pid, signal.SIGCONT)
        assert "The kernel is not answering heartbeats." in c.output_text()
        wait_for(lambda: "heartbeat" in events, 15, "the heartbeats to come back")
        assert "The kernel is answering heartbeats again." in c.output_text()
        assert run(c, "'still here'")["status"] == "ok"
    finally:
        c.shutdown()


def test_existing_kernel_dark_style_and_control_channel_interrupt(qapp):
    from ipylite.protocol import KernelManager
    km = KernelManager("ipylite")
    km.start_kernel()
    c = None
    try:
        c = ConsoleWidget.on_existing(km.connection_file, style="dark")
        c.resize(600, 400)
        c.show()
        wait_for(lambda: c.is_ready, 30, "the existing kernel")
        assert run(c, "print('on an existing kernel')")["status"] == "ok"
        corner = c.grab().toImage().pixelColor(5, 5)
        assert corner.lightness() < 60   # dark background
        c.execute("import time\nfor _ in range(600): time.sleep(0.05)")
        wait_for(lambda: c.executing, what="the cell to start")
        QTest.qWait(300)
        done = []
        c.executed.connect(done.append)
        c.interrupt_kernel()   # no manager: an interrupt_request on the control channel
        wait_for(lambda: done, 10, "the interrupt")
        assert done[0]["ename"] == "KeyboardInterrupt"
        assert c.restart_kernel() is False   # it did not start this kernel
    finally:
        if c is not None:
            c.shutdown()
        km.shutdown_kernel(now=True)
    assert not km.is_alive()


def test_console_on_ipykernel(qapp):
    c = make_console("python3")
    try:
        assert run(c, "print('from ipykernel'); 2 ** 10")["status"] == "ok"
        assert "1024" in c.output_text() and "from ipykernel" in c.output_text()
        run(c, "undefined_name")
        assert "NameError" in c.output_text()
    finally:
        c.shutdown()


def test_jupyter_qtconsole_shows_all_of_a_fast_burst_from_our_kernel(qapp):
    # Jupyter's qtconsole on our kernel: a burst of stream messages all shows, then the
    # next prompt. (Output that reaches qtconsole after the reply is inserted line by line
    # above the prompt, slowly; the kernel sends a cell's output first, which
    # test_kernel.py checks inside the kernel. Over loopback the reply can still overtake
    # a big message in flight, for any kernel, hence a burst small enough for that path.)
    from qtconsole.manager import QtKernelManager
    from qtconsole.rich_jupyter_widget import RichJupyterWidget
    km = QtKernelManager(kernel_name="ipylite")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    w = RichJupyterWidget()
    w.kernel_manager, w.kernel_client = km, kc
    w.show()
    try:
        wait_for(lambda: re.search(r"In \[\d+\]: ?$", w._control.toPlainText()), 30,
                 "qtconsole's prompt")
        w.execute("import sys\ntext = ''.join(f'{i}\\n' for i in range(6000))\n"
                  "for j in range(0, len(text), 16384):\n"
                  "    sys.stdout.write(text[j:j + 16384]); sys.stdout.flush()")
        wait_for(lambda: "\n5999\n" in w._control.toPlainText() and not w._executing,
                 30, "the last line in qtconsole")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        w.close()


def test_in_process_console_shares_host_objects(qapp):
    from ipylite.inprocess import InProcessKernelManager
    host = {"shared": []}
    km = InProcessKernelManager(user_ns=host, threaded=False)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    c = ConsoleWidget(client=kc, manager=km, owns_kernel=True)
    c.show()
    try:
        wait_for(lambda: c.is_ready, 10, "the in-process kernel")
        run(c, "shared.append('from the console'); print('in process')")
        assert host["shared"] == ["from the console"]
        assert "in process" in c.output_text()
    finally:
        c.shutdown()


# ---------------------------------------------------------------- the application

def test_main_window_tabs_on_new_and_same_kernel(qapp):
    seen = {}

    def drive():
        win = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                   if isinstance(w, ConsoleWindow) and w.isVisible())
        try:
            first = win.tabs.currentWidget()
            wait_for(lambda: first.is_ready, 30, "the first tab")
            run(first, "tab_value = 'shared kernel'")
            same = win.new_tab_same_kernel()
            wait_for(lambda: same.is_ready, 30, "the second tab")
            run(same, "print(tab_value)")
            seen["same"] = same.output_text()
            other = win.new_tab()
            wait_for(lambda: other.is_ready, 30, "the third tab")
            seen["other"] = run(other, "tab_value").get("ename")
            seen["tabs"] = win.tabs.count()
            seen["menus"] = [a.text() for a in win.menuBar().actions()]
        finally:
            win.close()

    QtCore.QTimer.singleShot(0, drive)
    assert main(["--style", "dark", "--font-size", "11"]) == 0
    assert "shared kernel" in seen["same"]
    assert seen["other"] == "NameError" and seen["tabs"] == 3
    assert seen["menus"] == ["&File", "&Edit", "&View", "&Kernel", "&Help"]


def test_in_process_flag_runs_the_kernel_in_this_process(qapp):
    seen = {}

    def drive():
        win = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                   if isinstance(w, ConsoleWindow) and w.isVisible())
        try:
            c = win.tabs.currentWidget()
            wait_for(lambda: c.is_ready, 10, "the in-process kernel")
            run(c, "import os; os.getpid()")
            seen["text"] = c.output_text()
            seen["title"] = win.tabs.tabText(0)
        finally:
            win.close()

    QtCore.QTimer.singleShot(0, drive)
    assert main(["--in-process"]) == 0
    assert f"Out[1]: {os.getpid()}" in seen["text"]
    assert seen["title"] == "in-process"


@pytest.mark.parametrize("argv, message", [
    (["--profile", "no-such-profile"], "no profile named 'no-such-profile'"),
    (["--kernel", "no-such-kernel"], "no kernelspec named 'no-such-kernel'"),
    (["--existing", "no-such-file.json"], "no connection file matching"),
    (["--font-size", "500"], "--font-size 500 is out of range"),
    (["--scrollback", "-5"], "--scrollback -5 is too small"),
    (["--scrollback", "0"], "--scrollback 0 is too small"),
])
def test_command_line_mistakes_are_one_clear_line(qapp, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


# ---------------------------------------------------------------- audit fixes (issue 8)

def _png_b64(color=Qt.red, size=12):
    img = QtGui.QImage(size, size, QtGui.QImage.Format_RGB32)
    img.fill(color)
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.WriteOnly)
    img.save(buf, "PNG")
    import base64
    return base64.b64encode(bytes(buf.data())).decode()


def _block_of(c, text):
    """The last block of the scrollback whose text is ``text``."""
    c.flush_output()
    block, found = c.output.document().begin(), None
    while block.isValid():
        if block.text() == text:
            found = block
        block = block.next()
    assert found is not None, text
    return found


def test_html_and_markdown_output_do_not_leak_formats(console):
    run(console, "from ipylite.display import display, HTML, Markdown")
    run(console, "display(Markdown('* md one\\n* md two'))")
    run(console, "print('after the markdown list')")
    run(console, "display(HTML('<ul><li>html item</li></ul><h1>Heading</h1>'))")
    run(console, "print('after the html list')")
    run(console, "display(HTML('<table border=1><tr><td>cell</td></tr></table>"
                 "<p>para <code>x</code></p>'))")
    run(console, "print('after the table')")
    md_list = _block_of(console, "md one")
    assert md_list.textList() is not None                         # the list is a list
    # ... with Markdown's bullets (a disc at the first level, though the marker is *)
    assert md_list.textList().format().style() == QtGui.QTextListFormat.ListDisc
    assert "display(Markdown(" in md_list.previous().text()      # no blank line above
    for text in ("after the markdown list", "after the html list", "after the table"):
        block = _block_of(console, text)
        fmt = block.blockFormat()
        assert block.textList() is None, text
        assert fmt.headingLevel() == 0 and fmt.topMargin() == 0 and fmt.bottomMargin() == 0
        assert fmt.indent() == 0
        echo = block.previous()       # the echo of the print is plain too
        assert echo.textList() is None and echo.blockFormat().topMargin() == 0


def test_replaced_cleared_and_trimmed_images_are_freed(console):
    console.clear()      # (earlier tests showed images)
    png = _png_b64()
    run(console, f"import base64\nfrom ipylite.display import display, clear_output, Image\n"
                 f"png = base64.b64decode({png!r})")
    run(console, "h = display(Image(data=png), display_id='anim_img')\n"
                 "for i in range(30):\n    h.update(Image(data=png))")
    assert len(console.out.images) == 1
    name = next(iter(console.out.images))
    assert int(name.rsplit(":", 1)[1]) >= 30     # 30 frames were shown, one is kept
    doc = console.output.document()
    gone = QtCore.QUrl(name.rsplit(":", 1)[0] + ":" + str(int(name.rsplit(":", 1)[1]) - 1))
    assert doc.resource(QtGui.QTextDocument.ImageResource, gone) in (None, QtGui.QImage())
    run(console, "for i in range(20):\n    clear_output(wait=True)\n    display(Image(data=png))")
    assert len(console.out.images) == 2     # the animation's last frame and this one
    # trimmed by the scrollback limit
    console.output.document().setMaximumBlockCount(30)
    try:
        run(console, "for i in range(40):\n    display(Image(data=png))\n    print('\\n' * 40)")
        assert len(console.out.images) <= 12
    finally:
        console.output.document().setMaximumBlockCount(console.scrollback)
    QTest.keyClick(console.editor, Qt.Key_L, Qt.ControlModifier)
    assert console.out.images == {}


def test_update_display_updates_every_copy(console):
    run(console, "from ipylite.display import display, update_display, HTML")
    run(console, "display(HTML('first A'), display_id='twice'); "
                 "display(HTML('second A'), display_id='twice'); "
                 "display(HTML('neighbour'), display_id='next_to_it'); None")
    run(console, "update_display(HTML('new B'), display_id='twice')")
    run(console, "update_display(HTML('newer C'), display_id='twice')")
    text = console.output_text()
    assert "\nfirst A\n" not in text and "\nsecond A\n" not in text
    assert "\nnew B\n" not in text
    assert re.search(r"None\nnewer C\nnewer C\nneighbour\n", text), text[-300:]


def test_keys_typed_in_the_scrollback_go_to_the_input(console):
    run(console, "print('some output to click')")
    console.input_buffer = ""
    console.activateWindow()
    QTest.qWaitForWindowActive(console)
    QTest.mouseClick(console.output.viewport(), Qt.LeftButton, Qt.NoModifier,
                     QtCore.QPoint(20, 10))
    assert console.output.hasFocus()
    QTest.keyClicks(console.output, "6 * 7")
    assert console.input_buffer == "6 * 7" and console.editor.hasFocus()
    done = []
    console.executed.connect(done.append)
    try:
        console.execute("import time\nwhile True:\n    time.sleep(0.02)")
        wait_for(lambda: console.executing, what="the loop to start")
        QTest.qWait(200)
        QTest.mouseClick(console.output.viewport(), Qt.LeftButton, Qt.NoModifier,
                         QtCore.QPoint(20, 10))
        QTest.keyClick(console.output, Qt.Key_C, Qt.ControlModifier)  # no selection
        wait_for(lambda: done, 10, "the interrupt from the scrollback")
        assert done[0]["ename"] == "KeyboardInterrupt"
        wait_for(lambda: console.input_buffer == "6 * 7", what="the queued cell to stay")
    finally:
        console.executed.disconnect(done.append)
    console.input_buffer = ""


def test_pager_closes_with_esc_or_q_when_it_has_focus(console):
    for key in (Qt.Key_Escape, Qt.Key_Q):
        run(console, "len?")
        wait_for(console.pager.isVisible, what="the pager")
        console.activateWindow()
        QTest.qWaitForWindowActive(console)
        QTest.mouseClick(console.pager.viewport(), Qt.LeftButton, Qt.NoModifier,
                         QtCore.QPoint(10, 10))
        assert console.pager.hasFocus()
        QTest.keyClick(console.pager, key)
        assert not console.pager.isVisible() and console.editor.hasFocus()
    assert QtGui.QFontInfo(console.pager.document().defaultFont()).fixedPitch()
    run(console, "from ipylite.display import display, HTML\n"
                 "display(HTML('<pre>in a pre</pre>'))")
    fmt = _block_of(console, "in a pre").begin().fragment().charFormat()
    assert QtGui.QFontInfo(fmt.font()).fixedPitch()


def test_ctrl_c_or_esc_in_the_input_field_interrupts(console):
    for key, mods in ((Qt.Key_C, Qt.ControlModifier), (Qt.Key_Escape, Qt.NoModifier)):
        done = []
        console.executed.connect(done.append)
        try:
            console.input_buffer = "answer = input('value: ')"
            QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
            wait_for(console.stdin_row.isVisible, what="the input field")
            QTest.keyClick(console.stdin_edit, key, mods)
            wait_for(lambda: done, 10, "the interrupted input()")
            assert done[0]["ename"] == "KeyboardInterrupt"
            assert not console.stdin_row.isVisible()
        finally:
            console.executed.disconnect(done.append)


def test_ctrl_d_in_an_empty_input_field_is_end_of_file(console):
    done = []
    console.executed.connect(done.append)
    try:
        console.input_buffer = ("try:\n    input('value: ')\nexcept EOFError:\n"
                                "    print('got EOF')")
        QTest.keyClick(console.editor, Qt.Key_Return, Qt.ShiftModifier)
        wait_for(console.stdin_row.isVisible, what="the input field")
        QTest.keyClick(console.stdin_edit, Qt.Key_D, Qt.ControlModifier)
        wait_for(lambda: done, 10, "the cell to end")
        assert done[0]["status"] == "ok" and not console.stdin_row.isVisible()
        wait_for(lambda: "got EOF" in console.output_text(), 10, "the EOFError handled")
        assert "value: ^D\n" in console.output_text()
    finally:
        console.executed.disconnect(done.append)


def test_a_kernel_that_keeps_dying_is_reported_once_and_keeps_the_input(qapp):
    import sys
    c = ConsoleWidget.on_new_kernel(argv=[sys.executable, "-c",
                                          "import time; time.sleep(0.3); raise SystemExit(3)"])
    try:
        c.show()
        events = []
        c.kernel_event.connect(events.append)
        wait_for(lambda: "dead" in events, 60, "the kernel to be given up")
        assert events.count("restarted") > 1
        type_keys(c, "1 + 1")
        QTest.keyClick(c.editor, Qt.Key_Return)
        text = c.output_text()
        assert c.input_buffer == "1 + 1" and c._queued == []
        assert "The kernel is dead: restart it with Ctrl-." in text
        assert text.count("Kernel restarted after it died") == 1
        assert text.count("Kernel died, restarting") == 1
        assert "and was not restarted" in text
        assert "heartbeats" not in text
    finally:
        c.shutdown()



def test_a_cell_typed_while_a_dying_kernel_is_restarted_is_kept(qapp):
    """Typed after the first death, it waits through the restarts that die before they
    answer, and comes back to the input when the kernel is given up."""
    import sys
    c = ConsoleWidget.on_new_kernel(argv=[sys.executable, "-c",
                                          "import time; time.sleep(0.3); raise SystemExit(3)"])
    sent = []

    def on_event(what):
        if what == "died" and not sent:
            c.input_buffer = "'typed while it restarted'"
            sent.append(c.execute())
    c.kernel_event.connect(on_event)
    events = []
    c.kernel_event.connect(events.append)
    try:
        c.show()
        wait_for(lambda: "dead" in events, 60, "the kernel to be given up")
        assert sent == [None] and events.count("died") > 1
        assert c.input_buffer == "'typed while it restarted'" and c._queued == []
    finally:
        c.shutdown()

HIDPI_SCRIPT = r"""
import os, sys, time
from PyQt5 import QtWidgets
from PyQt5.QtTest import QTest
app = QtWidgets.QApplication([])
from ipylite.qtconsole import ConsoleWidget
c = ConsoleWidget.on_new_kernel(sys.argv[1])
c.show()
try:
    end = time.monotonic() + 60
    while not c.is_ready and time.monotonic() < end:
        QTest.qWait(20)
    done = []
    c.executed.connect(done.append)
    c.execute(sys.argv[2])
    while not done and time.monotonic() < end:
        QTest.qWait(20)
    c.flush_output()
    print("DPR", c.devicePixelRatioF())
    print(c.output_text())
finally:
    c.shutdown()
"""


def test_hidpi_screens_ask_the_kernel_for_sharper_figures(qapp, tmp_path):
    import subprocess
    import sys
    script = tmp_path / "hidpi.py"
    script.write_text(HIDPI_SCRIPT)

    def console_at(scale, kernel, code):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale)
        return subprocess.run([sys.executable, str(script), kernel, code], text=True,
                              capture_output=True, timeout=120, env=env).stdout
    ours = "print('scale', getattr(get_ipython(), 'figure_scale', None))"
    out = console_at("2", "ipylite", ours)
    assert "DPR 2.0" in out and "scale 2.0" in out, out
    out = console_at("1", "ipylite", ours)
    assert "DPR 1.0" in out and re.search(r"\nscale (None|1)\n", out), out   # not asked
    out = console_at("2", "python3", "from matplotlib_inline.backend_inline import "
                     "InlineBackend\nprint('formats', InlineBackend.instance().figure_formats)")
    assert "DPR 2.0" in out and "formats {'retina'}" in out, out


def test_prompt_numbers_come_from_the_kernel_on_a_shared_kernel(qapp):
    from ipylite.protocol import KernelManager
    km = KernelManager("ipylite")
    km.start_kernel()
    a = b = None
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        for code in ("x = 1", "x + 1", "x + 2"):
            kc.execute_interactive(code, timeout=30)
        kc.stop_channels()
        a = ConsoleWidget.on_existing(km.connection_file)
        a.show()
        wait_for(lambda: a.is_ready and a.editor.prompt_number == 4, 30, "In [4] in tab a")
        run(a, "x * 10")
        assert "In [4]: x * 10\nOut[4]: 10" in a.output_text()
        b = ConsoleWidget.on_existing(km.connection_file)
        b.show()
        wait_for(lambda: b.is_ready and b.editor.prompt_number == 5, 30, "In [5] in tab b")
        run(b, "x * 20")
        wait_for(lambda: a.editor.prompt_number == 6, 10, "tab a to see tab b's cell")
        run(a, "x * 30")
        assert "In [6]: x * 30\nOut[6]: 30" in a.output_text()
        assert "In [5]: x * 20\nOut[5]: 20" in b.output_text()
    finally:
        for c in (a, b):
            if c is not None:
                c.shutdown()
        km.shutdown_kernel(now=True)


def test_scrollback_is_clamped_in_the_widget(qapp):
    for bad in (-5, 0):
        w = ConsoleWidget(scrollback=bad)
        assert w.scrollback == 10 and w.output.document().maximumBlockCount() == 10
        w.shutdown()
        w.deleteLater()


def test_print_to_pdf_in_dark_style_keeps_the_dark_background(qapp, tmp_path):
    import subprocess
    c = make_console(style="dark")
    try:
        run(c, "print('dark text ' * 5)\nfor i in range(120): print('line', i)")
        c.save_pdf(str(tmp_path / "dark.pdf"))
    finally:
        c.shutdown()
    text = subprocess.run(["pdftotext", str(tmp_path / "dark.pdf"), "-"], check=True,
                          timeout=60, capture_output=True, text=True).stdout
    lines = text.splitlines()
    assert "line 0" in lines and "line 119" in lines          # nothing lost between pages
    assert "1" in lines and "2" in lines                      # numbered pages
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(tmp_path / "dark.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = QtGui.QImage(str(tmp_path / "page.png"))
    assert page.pixelColor(page.width() // 2, page.height() // 2).lightness() < 60
    assert page.pixelColor(1, 1).lightness() < 60          # to the paper's edges
    assert page.pixelColor(page.width() - 2, page.height() - 2).lightness() < 60
    assert count_pixels(page, (0xdc, 0xdc, 0xdc), 120) > 0     # and the light text on it



def test_history_walk_restarts_from_what_was_typed(console):
    run(console, "alpha_h = 1")
    run(console, "beta_h = 2")
    run(console, "gamma_h = 3")
    console.input_buffer = ""
    QTest.keyClick(console.editor, Qt.Key_Up)
    assert console.input_buffer == "gamma_h = 3"
    QTest.keyClick(console.editor, Qt.Key_A, Qt.ControlModifier)   # clear, type a prefix
    QTest.keyClick(console.editor, Qt.Key_Backspace)
    type_keys(console, "alpha_")
    QTest.keyClick(console.editor, Qt.Key_Up)
    assert console.input_buffer == "alpha_h = 1"
    console.input_buffer = ""
    QTest.keyClick(console.editor, Qt.Key_Up)
    type_keys(console, " + 100")                    # edit a recalled entry
    QTest.keyClick(console.editor, Qt.Key_Up)
    QTest.keyClick(console.editor, Qt.Key_Down)
    assert console.input_buffer == "gamma_h = 3 + 100"
    console.input_buffer = ""
    QTest.keyClick(console.editor, Qt.Key_R, Qt.ControlModifier)
    QTest.keyClicks(console.search_edit, "no such thing anywhere")
    assert "failing" in console.search_label.text()
    QTest.keyClick(console.search_edit, Qt.Key_Escape)
    QTest.keyClick(console.editor, Qt.Key_R, Qt.ControlModifier)
    QTest.keyClicks(console.search_edit, "beta_h")
    assert "failing" not in console.search_label.text()
    QTest.keyClick(console.search_edit, Qt.Key_Escape)
    console.input_buffer = ""


def test_dark_style_links_are_light(qapp):
    w = ConsoleWidget(style="dark")
    try:
        assert QtGui.QColor(w.output.palette().color(QtGui.QPalette.Link)).lightness() > 150
        cur = QtGui.QTextCursor(w.output.document())
        cur.insertHtml('<a href="https://example.org">a link</a>')
        fmt = w.output.document().begin().begin().fragment().charFormat()
        assert fmt.isAnchor() and fmt.foreground().color().lightness() > 150
    finally:
        w.shutdown()
        w.deleteLater()


def test_exit_on_a_kernel_it_did_not_start_shuts_that_kernel_down(qapp):
    from ipylite.protocol import KernelManager
    for code, keeps in (("exit(keep_kernel=True)", True), ("exit", False)):
        km = KernelManager("ipylite")
        km.start_kernel()
        c = None
        try:
            c = ConsoleWidget.on_existing(km.connection_file)
            c.show()
            wait_for(lambda: c.is_ready, 30, "the existing kernel")
            events = []
            c.kernel_event.connect(events.append)
            type_keys(c, code)
            QTest.keyClick(c.editor, Qt.Key_Return)
            wait_for(lambda: "exit" in events, 15, "the console to close")
            if keeps:
                QTest.qWait(300)
                assert km.is_alive()
            else:
                wait_for(lambda: not km.is_alive(), 15, "the kernel to shut down")
        finally:
            if c is not None:
                c.shutdown()
            km.shutdown_kernel(now=True)


def test_connect_with_no_tab_open_makes_the_windows_own_console(qapp):
    from ipylite.protocol import KernelManager
    km = KernelManager("ipylite")
    km.start_kernel()
    win = ConsoleWindow(lambda: None, console_cls=ConsoleWidget)
    win.confirm_close = False
    c = None
    try:
        c = win.connect_existing(km.connection_file)
        assert isinstance(c, ConsoleWidget) and win.tabs.count() == 1
        wait_for(lambda: c.is_ready, 30, "a tab connected to the running kernel")
        assert run(c, "6 * 7")["status"] == "ok" and "Out[1]: 42" in c.output_text()
    finally:
        if c is not None:
            c.shutdown()
        win.close()
        km.shutdown_kernel(now=True)


def test_window_tabs_on_one_kernel_share_restarts_deaths_and_flags(qapp):
    made = []

    def make():
        made.append(make_console(paging="inline", scrollback=200))
        return made[-1]
    win = ConsoleWindow(make)
    win.confirm_close = False
    try:
        one = win.add_console(make(), "k")
        win.show()
        run(one, "v = 1")
        two = win.new_tab_same_kernel()
        wait_for(lambda: two.is_ready, 30, "the second tab")
        assert (two.paging, two.scrollback) == ("inline", 200)
        assert two.output.document().maximumBlockCount() == 200
        two.confirm_restart = False
        two.restart_kernel()
        wait_for(lambda: two.is_ready and one.is_ready, 30, "both tabs after the restart")
        assert "Kernel restarted (from another tab)." in one.output_text()
        assert run(one, "'v' in dir()")["status"] == "ok"
        assert "Out[1]: False" in one.output_text()
        os.kill(one.manager.kernel.pid, signal.SIGKILL)
        wait_for(lambda: "Kernel died, restarting" in two.output_text(), 30, "tab two told")
        wait_for(lambda: one.is_ready and two.is_ready, 30, "both tabs after the death")
        assert run(two, "'tab two after the kill'")["status"] == "ok"
        three = win.connect_existing(one.manager.connection_file)
        wait_for(lambda: three.is_ready, 30, "a tab connected to the running kernel")
        assert run(three, "'v' in dir()")["status"] == "ok" and win.tabs.count() == 3
        assert (three.paging, three.scrollback) == ("inline", 200)
        win.close_tab(2)
        # next / previous tab, reset zoom, the shortcut list
        win.tabs.setCurrentIndex(0)
        one.setFocus()
        QTest.keyClick(one.editor, Qt.Key_PageDown, Qt.ControlModifier)
        assert win.tabs.currentIndex() == 1
        QTest.keyClick(two.editor, Qt.Key_PageUp, Qt.ControlModifier)
        assert win.tabs.currentIndex() == 0
        size = one.font_size
        QTest.keyClick(one.editor, Qt.Key_Plus, Qt.ControlModifier)
        QTest.keyClick(one.editor, Qt.Key_Plus, Qt.ControlModifier)
        assert one.font_size == size + 2
        QTest.keyClick(one.editor, Qt.Key_0, Qt.ControlModifier)
        assert one.font_size == size
        shortcuts = {a.text(): a.shortcut().toString() for m in win.menuBar().actions()
                     for a in m.menu().actions()}
        for text, key in (("Reset zoom", "Ctrl+0"), ("Select all", "Ctrl+A"),
                          ("Undo", "Ctrl+Z"), ("Redo", "Ctrl+Shift+Z"),
                          ("Next tab", "Ctrl+PgDown"), ("Previous tab", "Ctrl+PgUp"),
                          ("Restart...", "Ctrl+."), ("Keyboard shortcuts", "F1")):
            assert shortcuts[text] == key
        assert "Shut down kernel" in shortcuts and "Connect to an existing kernel..." in shortcuts
        assert "Ctrl+0" in win.shortcuts_text() and "Shift+Enter" in win.shortcuts_text()
    finally:
        win.close()
    for c in made:
        c.shutdown()
    assert not made[0].manager.is_alive()


def test_a_cell_run_once_the_kernel_died_waits_for_the_new_kernel(qapp):
    """Between "Kernel died, restarting" and the new kernel's answer the console is not
    ready: a cell run then is queued and runs on the new kernel, not sent to the dead
    one and forgotten when the new one comes (the cell ran, but `executed` never came,
    which made the tabs test time out under load)."""
    c = make_console()
    told, sent, done = [], [], []

    def on_event(what):
        if what == "died":       # the moment the death is told, before the restart
            told.append(c.is_ready)
            c.input_buffer = "'typed while it restarted'"
            sent.append(c.execute())
    try:
        run(c, "v = 1")
        c.kernel_event.connect(on_event)
        c.executed.connect(done.append)
        os.kill(c.manager.kernel.pid, signal.SIGKILL)
        wait_for(lambda: done, 40, "the cell typed during the restart")
        assert told == [False] and sent == [None]     # queued, not sent
        assert done[0]["status"] == "ok" and done[0]["execution_count"] == 1
        c.flush_output()
        assert "Out[1]: 'typed while it restarted'" in c.output_text()
        assert run(c, "'v' in dir()")["status"] == "ok"
    finally:
        c.shutdown()


def test_closing_a_busy_tab_asks_and_a_closed_console_saves_its_history(qapp):
    first = make_console()
    win = ConsoleWindow(make_console)
    win.add_console(first)
    win.show()
    marker = "closing_marker_%d = 1" % os.getpid()
    try:
        run(first, marker)
        first.execute("import time\ntime.sleep(30)")
        wait_for(lambda: first.executing, what="the cell to run")
        answers = []

        def answer_no():
            box = QtWidgets.QApplication.activeModalWidget()
            answers.append(box.text() if box is not None else None)
            if box is not None:
                box.reject()
        QtCore.QTimer.singleShot(300, answer_no)
        assert win.close_tab(0) is False and win.tabs.count() == 1
        assert answers and "still running" in answers[0]
        first.interrupt_kernel()
        wait_for(lambda: not first.executing, 15, "the interrupt")
        assert win.close_tab(0) is True      # nothing running: no question
    finally:
        win.close()
    again = make_console()      # the closed console's kernel wrote its history
    try:
        wait_for(lambda: marker in again.history, 15, "the last session's cell")
    finally:
        again.shutdown()


def test_edit_opens_the_file_the_kernel_names(console, tmp_path):
    """%edit in the kernel sends an edit_magic payload; the console runs its editor
    command on that file and line (as qtconsole's ``editor``), lets an embedding app
    handle it instead, and says in one line when the command is wrong."""
    target, marker = tmp_path / "mine.py", tmp_path / "opened"
    target.write_text("x = 1\ny = 2\n")
    console.edit_command = "echo {filename} {line} > %s" % marker
    try:
        run(console, "%%edit -n 2 %s" % target)
        wait_for(marker.exists, 15, "the editor command")
        wait_for(lambda: marker.read_text().strip(), 15, "the editor command's output")
        assert marker.read_text().split() == [str(target), "2"]
        asked = []
        console.edit_requested.connect(lambda f, line: asked.append((f, line)))
        marker.unlink()
        run(console, "%%edit %s" % target)
        wait_for(lambda: asked, 15, "edit_requested")
        assert asked == [(str(target), None)]
        time.sleep(0.3)
        assert not marker.exists()                     # the app handled it, no command
        console.edit_requested.disconnect()
        console.edit_command = "edit {filename} {nope}"
        run(console, "%%edit %s" % target)
        wait_for(lambda: "%%edit: could not open %s" % target in console.output.toPlainText(),
                 15, "the one-line error")
    finally:
        del console.edit_command                        # back to the class's default
