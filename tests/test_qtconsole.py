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
    # qtconsole loses output that reaches it after the cell's reply; our kernel must
    # send a cell's output before its reply, as ipykernel does (three big stream
    # messages in a burst used to be dropped)
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
        w.execute("import sys\ntext = ''.join(f'{i}\\n' for i in range(100000))\n"
                  "for j in range(0, len(text), 262144):\n"
                  "    sys.stdout.write(text[j:j + 262144]); sys.stdout.flush()")
        wait_for(lambda: "\n99999\n" in w._control.toPlainText() and not w._executing,
                 30, "the last line in qtconsole")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        w.close()


def test_in_process_console_shares_host_objects(qapp):
    from ipylite.kernel import InProcessKernelManager
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
    assert seen["menus"] == ["&File", "&Edit", "&View", "&Kernel"]


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
        finally:
            win.close()

    QtCore.QTimer.singleShot(0, drive)
    assert main(["--in-process"]) == 0
    assert f"Out[1]: {os.getpid()}" in seen["text"]


@pytest.mark.parametrize("argv, message", [
    (["--profile", "no-such-profile"], "no profile named 'no-such-profile'"),
    (["--kernel", "no-such-kernel"], "no kernelspec named 'no-such-kernel'"),
    (["--existing", "no-such-file.json"], "no connection file matching"),
    (["--font-size", "500"], "--font-size 500 is out of range"),
])
def test_command_line_mistakes_are_one_clear_line(qapp, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
