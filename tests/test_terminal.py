"""The terminal, driven through a pty as a person would: typing, Tab, Up, Ctrl-C,
Ctrl-D, embed(), and the console mode on ipykernel and on our kernel."""

import os
import re
import subprocess
import sys
import textwrap

import pexpect
import pytest

TIMEOUT = 30
PROMPT = r"In \[(\d+)\]: "
PASTE_ON = r"(?:\x1b\[\?2004h)?"      # readline turning bracketed paste on, before a prompt


def spawn(args=(), cwd=None, env=None, module=True):
    argv = (["-m", "ipylite", "--no-banner", "--colors", "NoColor"] if module else []) + list(args)
    child = pexpect.spawn(sys.executable, argv, encoding="utf-8", timeout=TIMEOUT,
                          dimensions=(40, 200), cwd=cwd,
                          env=dict(os.environ, TERM="xterm", **(env or {})))
    return child


@pytest.fixture
def profile(tmp_path):
    return {"IPYLITE_DIR": str(tmp_path / "ipylite")}


def finish(child):
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()


def test_multi_line_loop_with_auto_indent(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("for i in range(3):")
        child.expect(r"\.\.\.: ")
        child.sendline("print(i * 10)")   # the 4-space indent is typed for us
        child.expect(r"\.\.\.: ")
        child.sendline("")
        child.expect("0\r\n10\r\n20\r\n")
        child.expect(PROMPT)
        child.sendline("def f(x):")
        child.sendline("return x + 1")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("f(41)")
        child.expect(r"Out\[\d+\]: 42")
        finish(child)
    finally:
        child.close(force=True)


def test_tab_completes_an_attribute(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("import collections")
        child.expect(PROMPT)
        child.send("collections.OrderedD\t")
        child.expect("OrderedDict")
        child.sendline("")
        child.expect(r"Out\[2\]: <class 'collections.OrderedDict'>")
        finish(child)
    finally:
        child.close(force=True)


def test_up_recalls_a_line_from_the_last_session(profile):
    child = spawn(env=profile)
    child.expect(PROMPT)
    child.sendline("recall_marker = 41 + 1")
    child.expect(PROMPT)
    finish(child)
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.send("\x1b[A")              # Up: the last line typed (`exit` is not kept)
        child.expect("recall_marker = 41 \\+ 1")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("recall_marker")
        child.expect(r"Out\[\d+\]: 42")
        finish(child)
    finally:
        child.close(force=True)


def test_ctrl_c_interrupts_running_code_and_abandons_input(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("print('spin' + 'ning'); exec('while True: pass')")
        child.expect("spinning")             # the loop is running
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.expect(PROMPT)
        child.send("half typed")
        child.expect("half typed")           # readline has it
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.expect(PROMPT)
        child.sendline("'alive'")
        child.expect("Out\\[\\d+\\]: 'alive'")
        finish(child)
    finally:
        child.close(force=True)


def test_ctrl_d_asks_before_leaving(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendeof()
        child.expect(r"Do you really want to exit \(\[y\]/n\)\? ")
        child.sendline("n")
        child.expect(PROMPT)
        child.sendeof()
        child.expect("exit")
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_errors_and_colours(profile):
    child = spawn(["--colors", "Linux"], env=profile)
    try:
        child.expect("In \\[")
        child.sendline("1/0")
        child.expect("ZeroDivisionError")
        child.expect("\x1b\\[")            # coloured
        finish(child)
    finally:
        child.close(force=True)


def test_embed_returns_to_the_program_and_can_be_killed(tmp_path, profile):
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent("""
        from ipylite import embed
        def work():
            local_thing = 'abc'
            for round in range(3):
                embed(colors='NoColor')
                print('after embed', round)
        work()
        print('program done')
    """))
    child = pexpect.spawn(sys.executable, [str(script)], encoding="utf-8", timeout=TIMEOUT,
                          env=dict(os.environ, TERM="xterm", **profile))
    try:
        child.expect(PROMPT)
        child.sendline("local_thing.upper(), round")
        child.expect(r"Out\[1\]: \('ABC', 0\)")
        child.sendline("exit")
        child.expect("after embed 0")
        child.expect(PROMPT)                # the second call opens again
        child.sendline("%kill_embedded")
        child.expect("after embed 1")
        child.expect("after embed 2")       # the third is skipped
        child.expect("program done")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_command_line_modes(tmp_path, profile):
    env = dict(os.environ, **profile)
    run = lambda *a: subprocess.run([sys.executable, "-m", "ipylite", *a], env=env,
                                    capture_output=True, text=True, timeout=60, cwd=tmp_path)
    out = run("-c", "print(6 * 7)")
    assert out.returncode == 0 and out.stdout == "42\n"
    out = run("-c", "1/0")
    assert out.returncode == 1 and "ZeroDivisionError" in out.stderr
    (tmp_path / "s.py").write_text("import sys\nprint(sys.argv[1:], __name__)\n40 + 2\n")
    out = run("s.py", "a", "b")
    assert out.stdout == "['a', 'b'] __main__\n"
    out = run("-m", "json.tool", "--help")
    assert "usage" in out.stdout
    out = run("--version")
    assert out.stdout.startswith("ipylite ")
    out = run("--help")
    assert "--kernel" in out.stdout and "--existing" in out.stdout


def test_without_readline_it_warns_and_works(tmp_path, profile):
    (tmp_path / "readline.py").write_text("raise ImportError('no readline here')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ["PYTHONPATH"],
               **profile)
    out = subprocess.run([sys.executable, "-m", "ipylite", "--no-banner"], input="6 * 7\n",
                         env=env, capture_output=True, text=True, timeout=60)
    assert "readline is not available" in out.stderr
    assert "Out[1]: 42" in out.stdout


def test_console_on_ipykernel(profile):
    child = spawn(["--kernel", "python3"], env=profile)
    try:
        child.expect(PROMPT, timeout=60)
        child.sendline("1 + 1")
        child.expect(r"Out\[1\]: 2")
        child.sendline("x = input('name? ')")
        child.expect(r"name\? ")
        child.sendline("Ann")
        child.expect(PROMPT)
        child.sendline("x * 2")
        child.expect("'AnnAnn'")
        child.sendline("1/0")
        child.expect("ZeroDivisionError")
        child.expect(PROMPT)
        child.send("impor\t")
        child.expect("import")
        child.sendline(" time")
        child.expect(PROMPT)
        child.sendline("print('spin' + 'ning'); exec('while True: time.sleep(0.01)')")
        child.expect("spinning")
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.expect(PROMPT)
        child.sendline("'still here'")
        child.expect(r"Out\[\d+\]: 'still here'")
        finish(child)
    finally:
        child.close(force=True)


def test_console_on_our_kernel_restarts_a_dead_kernel(profile):
    child = spawn(["--kernel", "ipylite"], env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("len?")
        child.expect("Return the number of items")
        child.expect(PROMPT)
        child.sendline("import os; os._exit(1)")
        child.expect("The kernel died; starting a new one.")
        child.expect(PROMPT)
        child.sendline("'new kernel'")
        child.expect(r"Out\[1\]: 'new kernel'")
        finish(child)
    finally:
        child.close(force=True)


def test_load_puts_the_code_at_the_next_prompt(tmp_path, profile):
    (tmp_path / "snippet.py").write_text("loaded_value = 6 * 7\nprint('ran', loaded_value)\n")
    child = spawn(env=profile, cwd=str(tmp_path))
    try:
        child.expect(PROMPT)
        child.sendline("%load snippet.py")
        child.expect("# %load snippet.py")      # typed for us, ready to edit or run
        child.sendline("")                      # one Enter runs the whole block
        child.expect("ran 42")
        child.expect(PROMPT)
        child.sendline("print('ty' + 'ped')")   # typed text is a new cell, not glued on
        child.expect("typed")
        finish(child)
    finally:
        child.close(force=True)


def test_help_all_lists_every_config_key(profile):
    from ipylite.config import KEYS
    out = subprocess.run([sys.executable, "-m", "ipylite", "--help-all"], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, **profile))
    for section, keys in KEYS.items():
        for key in keys:
            assert f"--{section}.{key}=" in out.stdout


def test_config_turns_off_the_exit_question(profile):
    child = spawn(["--Terminal.confirm_exit=false"], env=profile)
    try:
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_cpaste_runs_a_pasted_block_with_prompts(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("%cpaste")
        child.expect("Pasting code")
        child.sendline(">>> def twice(x):")
        child.sendline("...     return 2 * x")
        child.sendline(">>> print(twice(21))")
        child.sendline("--")
        child.expect("42")
        child.expect(PROMPT)
        child.sendline("twice(5)")
        child.expect(r"Out\[\d+\]: 10")
        finish(child)
    finally:
        child.close(force=True)


def test_paste_without_a_clipboard_tool_is_one_line(tmp_path, profile):
    env = dict(os.environ, PATH=str(tmp_path), **profile)   # no xclip, xsel, wl-paste
    out = subprocess.run([sys.executable, "-m", "ipylite", "-c", "%paste"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stderr.strip() == ("UsageError: paste: no clipboard tool found; install "
                                  "xclip, xsel or wl-clipboard, or use %cpaste")


def test_ctrl_r_searches_history(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("searched_marker = 6 * 7")
        child.expect(PROMPT)
        child.sendline("other = 1")
        child.expect(PROMPT)
        child.send("\x12searched_m")          # Ctrl-R, then part of the line
        child.expect("reverse-i-search")
        child.expect("searched_marker = 6")
        child.send("\r")
        child.expect(PROMPT)
        child.sendline("searched_marker")
        child.expect(r"Out\[\d+\]: 42")
        finish(child)
    finally:
        child.close(force=True)


# ---------------------------------------------- terminal audit (issues 4 and 5)

def test_up_recalls_whole_cells_and_runs_them_with_one_enter(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("hits = []")
        child.expect(PROMPT)
        child.sendline("for i in range(2):")
        child.expect(r"\.\.\.: ")
        child.sendline("hits.append(i)")
        child.expect(r"\.\.\.: ")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("print('hits', len(hits) + 0)")
        child.expect("hits 2")
        child.expect(PROMPT)
        child.send("\x1b[A\x1b[A")        # Up, Up: the whole for loop, not its last line
        child.expect("range")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("print('hits', len(hits) + 0)")
        child.expect("hits 4")
        finish(child)
    finally:
        child.close(force=True)
    child = spawn(env=profile)              # the next session has the cells whole too
    try:
        child.expect(PROMPT)
        child.sendline("hits = []")
        child.expect(PROMPT)
        child.send("\x1b[A\x1b[A\x1b[A")       # hits = [], print(...), the loop
        child.expect("range")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("print('rows', len(hits) + 0)")
        child.expect("rows 2")
        finish(child)
    finally:
        child.close(force=True)


def test_tab_after_a_line_magic_prefix_keeps_it(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.send("%tim\t")                # %time and %timeit, not %%time: "%time" stays
        child.send("it -n1 -r1 pass\r")
        child.expect("loop each")
        finish(child)
    finally:
        child.close(force=True)


def test_leading_spaces_and_dedent_after_return(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("  sp = 'sp' + 'aces'")
        child.expect(PROMPT)
        child.sendline("def f(x):")
        child.sendline("return x + 1")      # auto-indented
        child.sendline("g = 5")             # after return: back to column 0, ends the def
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("print(sp, f(g) * 10)")
        child.expect("spaces 60")
        finish(child)
    finally:
        child.close(force=True)


def test_script_exit_code_and_traceback_names_the_file(tmp_path, profile):
    env = dict(os.environ, **profile)
    run = lambda *a: subprocess.run([sys.executable, "-m", "ipylite", "--colors", "NoColor", *a],
                                    env=env, capture_output=True, text=True, timeout=60,
                                    cwd=tmp_path)
    (tmp_path / "ex.py").write_text("import sys\nprint('bye')\nsys.exit(4)\n")
    out = run("ex.py")
    assert (out.returncode, out.stdout, out.stderr) == (4, "bye\n", "")
    (tmp_path / "ex2.py").write_text("import sys\nsys.exit('bad thing')\n")
    out = run("ex2.py")
    assert (out.returncode, out.stderr) == (1, "bad thing\n")
    (tmp_path / "tb.py").write_text("def f():\n    return 1/0\nf()\n")
    out = run("tb.py")
    text = out.stdout + out.stderr
    assert out.returncode == 1
    assert "File %s:3" % (tmp_path / "tb.py") in text and "Cell In" not in text


@pytest.mark.parametrize("signame", ["SIGHUP", "SIGTERM"])
def test_history_is_saved_on_hangup_and_terminate(profile, signame):
    import signal
    import sqlite3
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline(f"marker_{signame} = 'hu' + 'p'")
        child.expect(PROMPT)
        child.kill(getattr(signal, signame))
        child.expect(pexpect.EOF)
        child.close()
        assert child.signalstatus == getattr(signal, signame)   # died of it, as python would
    finally:
        child.close(force=True)
    db = sqlite3.connect(os.path.join(profile["IPYLITE_DIR"], "profile_default",
                                      "history.sqlite"))
    try:
        rows = db.execute("select source_raw from history").fetchall()
    finally:
        db.close()
    assert (f"marker_{signame} = 'hu' + 'p'",) in rows


def test_console_no_color_and_one_death_message(profile):
    child = spawn(["--kernel", "python3"], env=profile)
    try:
        child.expect(PROMPT, timeout=60)
        child.sendline("1/0")
        child.expect("ZeroDivisionError")
        child.expect(PROMPT)
        assert not re.search(r"\x1b\[[0-9;]*m", child.before)     # no colour codes
        finish(child)
    finally:
        child.close(force=True)
    child = spawn(["--kernel", "ipylite"], env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("import os; os._exit(1)")
        child.expect("The kernel died; starting a new one.")
        assert "kernel died (exit code" not in child.before
        child.expect(PROMPT)
        assert "kernel died" not in child.before
        finish(child)
    finally:
        child.close(force=True)


# ------------------------------------------- daily work (issue 20): paste, completion

PASTED = ("def sign(x):\n"
          "    if x < 0:\n"
          "        return 'neg'\n"
          "\n"
          "    else:\n"
          "        return 'pos'\n"
          "print('signs', sign(-1), sign(2))\n")


def test_bracketed_paste_runs_the_block_as_one_cell_exactly_as_pasted(profile):
    child = spawn(env=profile)
    try:
        child.expect_exact("\x1b[?2004h")       # the terminal is asked for bracketed paste
        child.expect(PROMPT)
        child.send("\x1b[200~" + PASTED + "\x1b[201~")   # what xterm or tmux sends
        child.send("\r")
        child.expect("signs neg pos")
        child.expect(r"In \[2\]: ")                 # one cell, not fragments
        child.sendline("sign(0)")
        child.expect(r"Out\[2\]: 'pos'")
        finish(child)
    finally:
        child.close(force=True)


def test_cpaste_takes_a_bracketed_paste_up_to_its_end_line(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("%cpaste")
        child.expect("Pasting code")
        child.send("\x1b[200~>>> def thrice(x):\n...     return 3 * x\n--\x1b[201~\r")
        child.expect(PROMPT)
        child.sendline("thrice(5)")
        child.expect(r"Out\[\d+\]: 15")
        finish(child)
    finally:
        child.close(force=True)


def no_readline(tmp_path, profile):
    (tmp_path / "readline.py").write_text("raise ImportError('no readline here')\n")
    return dict(profile, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ["PYTHONPATH"])


def test_without_readline_blocks_can_be_typed(tmp_path, profile):
    child = spawn(env=no_readline(tmp_path, profile))
    try:
        child.expect("readline is not available")
        child.expect(PROMPT)
        child.sendline("for i in range(2):")
        child.expect(r"\.\.\.: ")
        child.sendline("print('row', i * 10)")      # after the auto-indent shown
        child.expect(r"\.\.\.: ")
        child.sendline("")
        child.expect("row 0\r\nrow 10\r\n")
        child.expect(PROMPT)
        child.sendline("def f(x):")
        child.sendline("    if x:")                 # typed with its own indent
        child.sendline("return 'yes'")              # auto-indented to 8
        child.sendline("    return 'no'")
        child.sendline("")
        child.expect(PROMPT)
        child.sendline("f(1), f(0)")
        child.expect(r"Out\[\d+\]: \('yes', 'no'\)")
        finish(child)
    finally:
        child.close(force=True)


def test_console_completion_honours_cursor_start(profile):
    child = spawn(["--kernel", "python3"], env=profile)
    try:
        child.expect(PROMPT, timeout=60)
        child.sendline("import os")
        child.expect(PROMPT)
        child.send("os.pathse\t")             # ipykernel replies 'pathsep' for os.|pathse
        child.send("\r")
        child.expect_exact("]: " + repr(os.pathsep))
        child.expect(PROMPT)
        child.send("print(os.getcw\t")
        child.send("())\r")                  # getcwd and getcwdb: getcwd typed
        child.expect(os.getcwd())
        finish(child)
    finally:
        child.close(force=True)


def test_tab_into_a_folder_keeps_the_quote_open_and_tab_indents(tmp_path, profile):
    (tmp_path / "subfolder").mkdir()
    (tmp_path / "subfolder" / "data.txt").write_text("inside\n")
    child = spawn(env=profile, cwd=str(tmp_path))
    try:
        child.expect(PROMPT)
        child.send("print(open('subf\t")     # -> 'subfolder/ with the quote still open
        child.send("data.txt').read())\r")
        child.expect("inside")
        child.expect(PROMPT)
        child.sendline("if True:")
        child.expect(r"\.\.\.: ")
        child.send("\t")                      # an indented empty line: Tab indents
        child.send("print('deep' + 'er')\r")  # (a syntax error if Tab listed names)
        child.sendline("")
        child.expect("deeper")
        finish(child)
    finally:
        child.close(force=True)


def test_completion_keyword_arguments_latex_and_a_menu_with_types(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("def f(alpha_param, beta=2): return alpha_param * 2")
        child.expect(PROMPT)
        child.send("f(alp\t")                   # -> f(alpha_param=
        child.send("21)\r")
        child.expect(r"Out\[2\]: 42")
        child.expect(PROMPT)
        child.send("\\alpha\t")               # -> α
        child.send(" = 0.5\r")
        child.expect(PROMPT)
        child.sendline("print('alpha', α * 2)")
        child.expect("alpha 1.0")
        child.expect(PROMPT)
        child.sendline("import os")
        child.expect(PROMPT)
        child.send("os.pa\t\t")                # the list, each with its type
        child.expect(r"os\.path +module")
        child.expect(r"os\.pathconf +function")
        child.send("th.se\t")                   # the line is as typed: os.path.se -> sep
        child.send("\r")
        child.expect_exact("Out[6]: " + repr(os.sep))
        finish(child)
    finally:
        child.close(force=True)


def test_up_searches_by_prefix_and_moves_inside_a_block(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("alpha_one = 1")
        child.expect(PROMPT)
        child.send("\x1b[200~first = 10\nsecond = 20\x1b[201~\r")    # a two-line cell
        child.expect(PROMPT)
        child.sendline("gamma = 3")
        child.expect(PROMPT)
        child.send("alp\x1b[A")            # Up with text typed: the cell starting with it
        child.send(" + 40\r")              # the cursor is at its end
        child.expect(PROMPT)
        child.sendline("alpha_one")
        child.expect(r"Out\[\d+\]: 41")
        child.expect(PROMPT)
        child.send("fir\x1b[A")            # the block, the cursor at the end of its last line
        child.send("\x1b[A0")              # Up inside it: one line up -> first = 100
        child.send("\x1b[B0")              # Down: back to the last line -> second = 200
        child.send("\r")
        child.expect(PROMPT)
        child.sendline("print('pair', first, second)")
        child.expect("pair 100 200")
        finish(child)
    finally:
        child.close(force=True)


def test_exit_and_input_answers_stay_out_of_history(profile):
    import sqlite3
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("kept = 1")
        child.expect(PROMPT)
        child.sendline("answer = input('name? ')")
        child.expect(r"name\? ")
        child.sendline("secret_answer")
        child.expect(PROMPT)
        child.send("\x1b[A")                  # the cell, not what input() read
        child.expect_exact("answer = input('name? ')")
        child.send("\x03")
        child.expect(PROMPT)
        finish(child)
    finally:
        child.close(force=True)
    db = sqlite3.connect(os.path.join(profile["IPYLITE_DIR"], "profile_default",
                                      "history.sqlite"))
    try:
        rows = [r[0] for r in db.execute("select source_raw from history")]
    finally:
        db.close()
    assert rows == ["kept = 1", "answer = input('name? ')"]
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.send("\x1b[A")                  # a new session: Up brings the last cell back
        child.expect_exact("answer = input('name? ')")
        child.send("\x03")
        child.expect(PROMPT)
        finish(child)
    finally:
        child.close(force=True)


def test_prompt_starts_on_a_new_line_and_nested_cells_keep_the_numbering(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("print('glued', end='')")
        child.expect("glued\r\n" + PASTE_ON + PROMPT)     # not 'gluedIn [2]: '
        assert child.match[1] == "2"
        child.sendline("get_ipython().run_cell('inner = 1'); 5")
        child.expect(r"Out\[2\]: 5\r\n" + PASTE_ON + PROMPT)
        assert child.match[1] == "3"                       # no number skipped
        child.sendline("inner, len(In)")
        child.expect(r"Out\[3\]: \(1, 4\)")
        finish(child)
    finally:
        child.close(force=True)


def test_huge_outputs_are_cut_and_repr_pretty_works_inside_containers(profile):
    child = spawn(env=profile)
    try:
        child.expect(PROMPT)
        child.sendline("list(range(10**6))")
        child.expect(r"Out\[1\]: \r\n\[0,\r\n 1,\r\n")
        child.expect(r" 999,\r\n \.\.\.\]\r\n")     # 1,000 items, then ...
        assert " 1000," not in child.before
        child.expect(PROMPT)
        child.sendline("class P:\n    def _repr_pretty_(self, p, cycle): p.text('<pretty P>')\n")
        child.expect(PROMPT)
        child.sendline("[P(), {'key': P()}]")
        child.expect_exact("Out[3]: [<pretty P>, {'key': <pretty P>}]")
        finish(child)
    finally:
        child.close(force=True)


def test_everyday_mistakes_are_one_line_and_nothing_is_lost(tmp_path, profile):
    folder = tmp_path / "ipylite" / "profile_default"
    (folder / "startup").mkdir(parents=True)
    (folder / "ipylite_config.toml").write_text(
        '[Shell]\ncolors = "Purple"\n[Timeit]\nrepeat = -3\n')
    (folder / "startup" / "10-bad.py").write_text("x = 1\nraise ValueError('startup boom')\n")
    (tmp_path / "lat.py").write_bytes("# -*- coding: latin-1 -*-\nprint('caf\u00e9')\n"
                                      .encode("latin-1"))
    (tmp_path / "existing.txt").write_text("keep me\n")
    child = spawn(env=profile, cwd=str(tmp_path))
    try:
        child.expect(r"ipylite_config.toml:2: Shell.colors must be one of NoColor, Linux, "
                     r"LightBG, Neutral \(or empty\), not 'Purple'\r\n")
        child.expect(r"ipylite_config.toml:4: Timeit.repeat must be at least 1, not -3\r\n")
        child.expect("File " + re.escape(str(folder / "startup" / "10-bad.py")) + ":2")
        child.expect("ValueError: startup boom")
        child.expect(PROMPT)
        child.sendline("%timeit -n1 pass")                # the default repeat, 7
        child.expect(r"mean ± std. dev. of 7 runs")
        child.expect(PROMPT)
        child.sendline("%run lat.py")
        child.expect("café")
        child.expect(PROMPT)
        child.sendline("earlier_cell = 1")
        child.expect(PROMPT)
        child.sendline("%history -f existing.txt")
        child.expect(r"File 'existing.txt' exists. Overwrite\? \[y/N\] ")
        child.sendline("n")
        child.expect("Aborting.")
        child.expect(PROMPT)
        child.sendline("%logstart mylog.py")
        child.expect("Activating auto-logging")
        child.expect(PROMPT)
        child.sendline("later_cell = 2")
        child.expect(PROMPT)
        child.sendline("%logstop")
        child.expect(PROMPT)
        finish(child)
    finally:
        child.close(force=True)
    assert (tmp_path / "existing.txt").read_text() == "keep me\n"
    log = (tmp_path / "mylog.py").read_text()
    assert "earlier_cell = 1" in log and "later_cell = 2" in log
    assert log.index("earlier_cell") < log.index("later_cell")
    out = subprocess.run([sys.executable, "-m", "ipylite", "-c", "print('up')"],  # no --colors
                         env=dict(os.environ, **profile), capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("up\n")
    assert "terminal.py" not in out.stderr             # no crash in the terminal's start


# ------------------------------------------------------ %matplotlib at the terminal


def run_lines(child, lines):
    for line in lines:
        child.sendline(line)
        child.expect(PROMPT)


def test_matplotlib_qt_window_stays_live_while_the_prompt_waits(profile):
    env = dict(os.environ, TERM="xterm", QT_QPA_PLATFORM="offscreen", **profile)
    env.pop("DISPLAY", None)
    child = pexpect.spawn(sys.executable, ["-m", "ipylite", "--no-banner", "--colors",
                          "NoColor"], encoding="utf-8", timeout=TIMEOUT, env=env)
    try:
        child.expect(PROMPT)
        child.sendline("%matplotlib qt")
        child.expect("Using matplotlib backend: QtAgg")
        child.expect(PROMPT)
        run_lines(child, ["import matplotlib.pyplot as plt, time",
                          "fig, ax = plt.subplots(); ticks = []",
                          "timer = fig.canvas.new_timer(interval=50)",
                          "timer.add_callback(lambda: ticks.append(1)); timer.start()",
                          "print('shown', fig.canvas.isVisible())"])
        assert "shown True" in child.before
        child.sendline("t0 = len(ticks)")      # the timer ticks only at the prompt
        child.expect(PROMPT)
        import time
        time.sleep(1.5)                        # idle at the prompt: Qt's events still run
        child.sendline("print('ticks', len(ticks) - t0 >= 10)")
        child.expect("ticks True")
        child.expect(PROMPT)
        child.sendline("%matplotlib")          # bare: the best GUI there is, Qt here
        child.expect("Using matplotlib backend: QtAgg")
        finish(child)
    finally:
        child.close(force=True)


@pytest.fixture
def x_display():
    """A private X server (Xvfb) for tk: its DISPLAY, e.g. ':57'."""
    import shutil
    import time
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is not installed (apt-get install xvfb)")
    number = next(n for n in range(57, 200) if not os.path.exists(f"/tmp/.X{n}-lock")
                  and not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    server = subprocess.Popen(["Xvfb", f":{number}", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            assert server.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.1)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_matplotlib_tk_window_stays_live_while_the_prompt_waits(profile, x_display):
    env = dict(os.environ, TERM="xterm", DISPLAY=x_display, **profile)
    env.pop("QT_QPA_PLATFORM", None)
    child = pexpect.spawn(sys.executable, ["-m", "ipylite", "--no-banner", "--colors",
                          "NoColor"], encoding="utf-8", timeout=TIMEOUT, env=env)
    try:
        child.expect(PROMPT)
        child.sendline("%matplotlib tk")
        child.expect("Using matplotlib backend: TkAgg")
        child.expect(PROMPT)
        run_lines(child, ["import matplotlib.pyplot as plt",
                          "fig, ax = plt.subplots(); ticks = []",
                          "timer = fig.canvas.new_timer(interval=50)",
                          "timer.add_callback(lambda: ticks.append(1)); timer.start()",
                          "t0 = len(ticks)"])
        import time
        time.sleep(1.5)                        # idle at the prompt: Tk's events still run
        child.sendline("print('ticks', len(ticks) - t0 >= 10)")
        child.expect("ticks True")
        finish(child)
    finally:
        child.close(force=True)


def test_matplotlib_inline_keeps_figures_open_across_cells(tmp_path, profile):
    child = spawn(env=profile, cwd=str(tmp_path))
    try:
        child.expect(PROMPT)
        child.sendline("%matplotlib inline")
        child.expect(PROMPT)
        child.sendline("import matplotlib.pyplot as plt; fig, ax = plt.subplots(); "
                       "ax.plot([1, 2, 3]);")
        child.expect(r"image/png saved to (\S+)\]")
        child.expect(PROMPT)
        child.sendline("ax.set_title('Later');")
        child.expect(r"image/png saved to (\S+)\]")   # changed: shown again
        child.expect(PROMPT)
        child.sendline("x = 1")                       # unchanged: not shown again
        child.expect(PROMPT)
        assert "saved to" not in child.before
        child.sendline("plt.savefig('later.png'); "
                       "print('title', plt.gca().get_title(), plt.get_fignums())")
        child.expect(r"title Later \[1\]")
        finish(child)
    finally:
        child.close(force=True)
    import matplotlib.image
    pixels = matplotlib.image.imread(str(tmp_path / "later.png"))
    assert (pixels[..., :3] < 0.5).any()             # lines and a title, not blank


def test_matplotlib_agg_tk_and_no_gui_are_clear(profile):
    env = dict(os.environ, TERM="xterm", **profile)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    child = pexpect.spawn(sys.executable, ["-m", "ipylite", "--no-banner", "--colors",
                          "NoColor"], encoding="utf-8", timeout=TIMEOUT, env=env)
    try:
        child.expect(PROMPT)
        child.sendline("%matplotlib agg")
        child.expect("Using matplotlib backend: agg")
        child.expect(PROMPT)
        child.sendline("import matplotlib.pyplot as plt; plt.plot([1]); "
                       "print('backend', plt.get_backend())")
        child.expect("backend agg")
        child.expect(PROMPT)
        child.sendline("%matplotlib tk")
        child.expect(r"UsageError: %matplotlib: tk: no display \(DISPLAY is not set\)\r\n")
        child.expect(PROMPT)
        child.sendline("%matplotlib qt")      # Qt would abort the process without one
        child.expect(r"UsageError: %matplotlib: qt: no display")
        child.expect(PROMPT)
        child.sendline("%matplotlib")         # nothing to open windows with: inline
        child.expect("saved as images instead")
        child.expect("Using matplotlib backend: inline")
        child.expect(PROMPT)
        child.sendline("'alive'")
        child.expect(r"Out\[\d+\]: 'alive'")
        finish(child)
    finally:
        child.close(force=True)


def test_numpy_is_an_extra_not_an_install_requirement():
    import ast
    import pathlib
    from setuptools.config.setupcfg import read_configuration
    root = pathlib.Path(__file__).resolve().parent.parent
    options = read_configuration(str(root / "setup.cfg"))["options"]
    assert not any(r.startswith("numpy") for r in options["install_requires"])
    assert options["extras_require"]["numpy"] == ["numpy"]
    for path in (root / "ipylite").glob("*.py"):       # and no module needs it to import
        for node in ast.parse(path.read_text()).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "numpy" for n in names), path


@pytest.mark.parametrize("kernel", ["python3", "ipylite"])
def test_console_opens_edit_magic_files_in_the_editor(profile, tmp_path, kernel):
    """%edit in the kernel asks the frontend to open the file: the console runs
    $EDITOR on it here (and waits for it), runs nothing, and says in one line when the
    file is not on this machine."""
    marker, target = tmp_path / "edited", tmp_path / "mine.py"
    target.write_text("a = 1\n")
    editor = tmp_path / "fake-editor"
    editor.write_text("#!/bin/sh\necho \"$@\" > %s\n" % marker)
    editor.chmod(0o755)
    child = spawn(["--kernel", kernel], env=dict(profile, EDITOR=str(editor)), cwd=str(tmp_path))
    try:
        child.expect(PROMPT, timeout=60)
        child.sendline("%edit mine.py")
        child.expect(PROMPT)
        assert marker.read_text().split() == [str(target)]
        child.sendline("import os; os.remove('mine.py'); get_ipython().run_line_magic('edit', '%s')" % target)
        child.expect("is not a file here")
        child.expect(PROMPT)
        finish(child)
    finally:
        child.close(force=True)
