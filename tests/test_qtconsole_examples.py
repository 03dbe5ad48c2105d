"""The two embedding recipes under examples/, run as programs (offscreen)."""

import os
import subprocess
import sys

import re
import time

import pytest

from ipylite.protocol import KernelClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(name, *args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), "--smoke",
                           *args], capture_output=True, text=True, timeout=90, env=env,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_app_opens_a_console_on_its_own_objects():
    out = run_example("qt_app_inspect_itself.py")
    assert "status: ok" in out
    assert "output: Out[1]: 200" in out          # two clicks seen by the console
    assert "label: set by the console" in out    # and the console changed the app


@pytest.mark.parametrize("kernel", ["ipylite", "python3"])
def test_app_with_a_console_on_a_separate_kernel(kernel):
    out = run_example("qt_app_with_console.py", "--kernel", kernel)
    assert "statuses: ['ok', 'ok']" in out
    assert "loaded 10 rows" in out and "{'n': 10, 'sum': 285, 'max': 81}" in out


def test_app_embeds_a_kernel_and_its_event_loop_keeps_running():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "examples",
                                                          "qt_app_embed_kernel.py")],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = ""
        while "--existing" not in line:
            line = proc.stdout.readline()
            assert line, "the app printed no connection file"
        kc = KernelClient(connection_file=re.search(r"--existing (\S+)", line).group(1))
        kc.start_channels()
        kc.wait_for_ready(timeout=30)

        def value(code):
            out = []
            kc.execute_interactive(code, timeout=30, output_hook=out.append)
            return [m["content"]["data"]["text/plain"] for m in out
                    if m["msg_type"] == "execute_result"][-1]

        first = int(value("ticks.value"))
        time.sleep(0.5)                       # the kernel waits; Qt's timer goes on
        assert int(value("ticks.value")) > first
        assert value("label.text()") == "'waiting for a console'"
        value("label.setText('changed from the console'); label.text()")
        # the app's button opens ipylite's Qt console on this kernel: once attached, the
        # console sets the kernel's traceback colours to its light style's
        assert value("get_ipython().colors") == "'Linux'"
        value("button.click() or 'clicked'")
        deadline = time.monotonic() + 60
        while value("get_ipython().colors") != "'LightBG'":
            assert time.monotonic() < deadline, "the console never attached"
            assert value("repr(consoles[-1].poll())") == "'None'", "the console exited"
            time.sleep(0.2)
        kc.shutdown()
        kc.stop_channels()
        rest = proc.stdout.read()
        assert proc.wait(30) == 0
        assert "after the kernel: changed from the console" in rest
    finally:
        proc.kill()
        proc.wait()
