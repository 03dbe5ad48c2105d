"""The Jupyter project's own clients drive our kernel; our client drives ipykernel."""

import os
import sys
import time

import nbformat
import pexpect
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from ipylite.protocol import KernelManager

TIMEOUT = 30


def wait_until_running(kc, msg_id):
    """The cell printed 'started': it is running, so an interrupt will reach it."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if (m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream"
                and "started" in m["content"]["text"]):
            return
    raise AssertionError("the cell never started")


def test_jupyter_client_blocking_client():
    km, kc = start_new_kernel(kernel_name="ipylite", startup_timeout=TIMEOUT)
    try:
        outputs = []
        reply = kc.execute_interactive("print('hi')\n40 + 2", timeout=TIMEOUT,
                                       output_hook=outputs.append)
        assert reply["content"]["status"] == "ok"
        kinds = {m["msg_type"]: m["content"] for m in outputs}
        # (one or more stream messages: a flush may fall between print's two writes)
        assert "".join(m["content"]["text"] for m in outputs
                       if m["msg_type"] == "stream") == "hi\n"
        assert kinds["execute_result"]["data"]["text/plain"] == "42"
        # jupyter_client's own interrupt and restart
        msg_id = kc.execute("import time\nprint('started', flush=True)\n"
                            "while True: time.sleep(0.01)")
        wait_until_running(kc, msg_id)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        km.restart_kernel()
        kc.wait_for_ready(timeout=TIMEOUT)
        assert kc.execute_interactive("1", timeout=TIMEOUT)["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert not km.is_alive()


def test_nbclient_runs_a_notebook_and_nbformat_validates_it(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 21\nprint('twice', x * 2)"),
        nbformat.v4.new_markdown_cell("# a heading"),
        nbformat.v4.new_code_cell("from ipylite.display import HTML, display\n"
                                  "display(HTML('<i>rich</i>'))\nx"),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    client = NotebookClient(nb, kernel_name="ipylite", timeout=TIMEOUT, allow_errors=True)
    client.execute()
    nbformat.validate(nb)
    c0, _, c2, c3 = nb.cells
    assert c0.outputs[0].text == "twice 42\n"
    assert c2.outputs[0].output_type == "display_data"
    assert c2.outputs[0].data["text/html"] == "<i>rich</i>"
    assert c2.outputs[1].data["text/plain"] == "21"
    assert c2.execution_count == 2
    assert c3.outputs[0].ename == "ZeroDivisionError"
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, str(path))
    nbformat.validate(nbformat.read(str(path), as_version=4))


def test_our_client_drives_ipykernel():
    km = KernelManager("python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out = []
        reply = kc.execute_interactive("import sys\nprint(sys.version_info[0])\n6 * 7",
                                       timeout=TIMEOUT, output_hook=out.append)
        assert reply["content"]["status"] == "ok"
        assert "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream") == "3\n"
        assert any(m["msg_type"] == "execute_result" and
                   m["content"]["data"]["text/plain"] == "42" for m in out)
        msg_id = kc.complete("impo")
        assert "import" in kc._reply_to(msg_id, timeout=TIMEOUT)["content"]["matches"]
        reply = kc.execute_interactive("name = input('? ')", timeout=TIMEOUT,
                                       output_hook=out.append,
                                       stdin_hook=lambda m: kc.input("ipy"))
        assert reply["content"]["status"] == "ok"
        msg_id = kc.execute("import time\nprint('started', flush=True)\n"
                            "while True: time.sleep(0.01)")
        wait_until_running(kc, msg_id)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        assert reply["content"]["status"] == "error"
        kc.flush_iopub()
        km.restart_kernel()
        kc.wait_for_ready(timeout=60)
        out = []
        kc.execute_interactive("'name' in dir()", timeout=TIMEOUT, output_hook=out.append)
        results = [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"]
        assert results == ["False"]          # a restarted kernel starts with a fresh namespace
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert not km.is_alive()


def test_jupyter_console_through_a_pty():
    exe = os.path.join(os.path.dirname(sys.executable), "jupyter-console")
    child = pexpect.spawn(exe, ["--kernel", "ipylite", "--simple-prompt"],
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 200),
                          env=dict(os.environ, TERM="xterm"))
    try:
        child.expect(r"In \[1\]: ")
        child.sendline("print('hello from ' + 'ipylite')")
        child.expect("hello from ipylite")
        child.expect(r"In \[2\]: ")
        child.sendline("from ipylite.display import HTML; HTML('<b>x</b>')")
        child.expect(r"Out\[2\]: <ipylite.display.HTML object>")
        child.expect(r"In \[3\]: ")
        child.sendline("1/0")
        child.expect("ZeroDivisionError")
        child.expect(r"In \[4\]: ")
        child.sendline("who = input('name? ')")
        child.expect("name\\? ")
        child.sendline("Grace")
        child.expect(r"In \[5\]: ")
        child.sendline("who.upper()")
        child.expect("GRACE")
        child.expect(r"In \[6\]: ")
        child.sendline("print('spin' + 'ning'); exec('while True: pass')")
        child.expect("spinning")
        child.sendintr()
        child.expect("KeyboardInterrupt")
        child.expect(r"In \[\d+\]: ")
        child.sendline("'ali' + 've'")
        child.expect("'alive'")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
