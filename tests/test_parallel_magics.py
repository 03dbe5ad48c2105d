"""The %px family as ipyparallel's "Parallel Magics" example uses it: %pxconfig,
%%px --local, --group-outputs, --stream / --no-stream, rc.activate(), view.activate(),
and flags that are checked and never become code."""

import pytest

from ipylite.parallel import Cluster, parse_px
from ipylite.shell import Shell, UsageError


@pytest.fixture(scope="module")
def rc():
    with Cluster(n=2, profile="magics") as rc:
        yield rc


@pytest.fixture
def shell(rc):
    sh = Shell()
    rc.activate()               # registers %px & co on the current Shell, blocking
    return sh


def test_flags_never_change_the_code():
    args, targets, code = parse_px("--targets 0 s = 'a    b'")
    assert targets == 0 and code == "s = 'a    b'"
    args, targets, code = parse_px("--targets=1,2   --noblock x\t=  1")
    assert targets == [1, 2] and args.block is False and code == "x\t=  1"
    assert parse_px("print('-x')")[2] == "print('-x')"
    assert parse_px("--group-outputs=type a")[0].group_outputs == "type"
    for bad in ("--bogus a = 1", "--targets", "--group-outputs=sideways a", "--local=3 a"):
        with pytest.raises(UsageError):
            parse_px(bad)


def test_spaces_survive_and_unknown_flags_are_a_usage_error(rc, shell):
    assert shell.run_cell("%px --targets 0 s = 'a    b'").success
    assert rc[0]["s"] == "a    b"
    rc[:]["t"] = 0
    r = shell.run_cell("%px --bogus t = 1")
    assert isinstance(r.error_in_exec, UsageError)
    assert "unknown option '--bogus'" in str(r.error_in_exec)
    assert rc[:]["t"] == [0, 0]                  # nothing was sent
    r = shell.run_cell("%%px --targets 0 stray\nt = 2")
    assert isinstance(r.error_in_exec, UsageError) and rc[:]["t"] == [0, 0]


def test_pxconfig_sets_the_defaults(rc, shell, capsys):
    assert shell.run_cell("%pxconfig --targets 1").success
    assert shell.run_cell("%px print('just', engine_id)").success
    out = capsys.readouterr().out
    assert "[stdout:1] just 1" in out and "[stdout:0]" not in out
    assert shell.run_cell("%pxconfig --targets all --noblock").success
    r = shell.run_cell("%px w = engine_id")
    assert r.success and type(r.result).__name__ == "AsyncResult"
    r.result.get(10)
    assert rc[:]["w"] == [0, 1]
    assert shell.run_cell("%pxconfig --block").success
    assert shell.run_cell("%px print('all again')").success
    assert capsys.readouterr().out.count("all again") == 2
    r = shell.run_cell("%pxconfig --targets 0 code")
    assert isinstance(r.error_in_exec, UsageError)


def test_px_local_runs_the_cell_here_too(rc, shell):
    assert shell.run_cell("%%px --local\nimport os\nhere = os.getpid()").success
    assert shell.user_ns["here"] != rc[0]["here"]
    assert len(set(rc[:]["here"])) == 2


def test_group_outputs_and_no_stream(rc, shell, capsys):
    code = ("import sys\nprint('out', engine_id)\nprint('err', engine_id, file=sys.stderr)"
            "\nengine_id * 10")
    assert shell.run_cell("%%px --no-stream --group-outputs=type\n" + code).success
    cap = capsys.readouterr()
    lines = [x for x in cap.out.splitlines() if x.startswith(("[stdout", "Out["))]
    # by type: every engine's stdout, then every engine's result
    assert [x.split(":")[0] + x.split("]")[1] for x in lines] == [
        "[stdout out 0", "[stdout out 1", "Out[0: 0", "Out[1: 10"], lines
    assert "[stderr:0] err 0" in cap.err and "[stderr:1] err 1" in cap.err
    assert shell.run_cell("%%px --noblock\n" + code).success
    assert shell.run_cell("%pxresult --group-outputs=engine").success
    lines = [x for x in capsys.readouterr().out.splitlines()
             if x.startswith(("[stdout", "Out[")) and "AsyncResult" not in x]
    assert [x.split(":")[0] + x.split("]")[1] for x in lines] == [
        "[stdout out 0", "Out[0: 0", "[stdout out 1", "Out[1: 10"], lines


def test_view_activate_follows_the_views_block(rc, capsys):
    sh = Shell()
    even = rc[::2]
    even.activate()
    r = sh.run_cell("%px z = 1")
    assert type(r.result).__name__ == "AsyncResult"      # the view does not block
    r.result.get(10)
    even.block = True
    r = sh.run_cell("%px z = 2")
    assert r.result is None and rc[0]["z"] == 2
    e1 = rc[1]
    e1.block = True
    e1.activate(suffix="1")
    assert sh.run_cell("%px1 print('one', engine_id)").success
    assert "[stdout:1] one 1" in capsys.readouterr().out


def test_inline_backend_config_on_engines(rc, shell):
    """The example's `%config InlineBackend.figure_format = 'svg'` in a %%px cell:
    engines draw matplotlib figures inline (as ipykernel engines do), in that format."""
    pytest.importorskip("matplotlib")
    code = ("%config InlineBackend.figure_format = 'svg'\n"
            "import matplotlib.pyplot as plt\n"
            "plt.plot([1, 2, 3])\n"
            "plt.title(f'Plot {engine_id}')\n")
    r = shell.run_cell("%%px\n" + code)
    assert r.success, r.error_in_exec
    ar = rc[:].execute(code, block=True)
    assert len(ar.outputs) == 2
    for eid, outs in zip(ar.engine_id, ar.outputs):
        figs = [o["data"] for o in outs if "image/svg+xml" in o["data"]]
        assert len(figs) == 1, outs
        assert f"Plot {eid}" in figs[0]["image/svg+xml"] and "image/png" not in figs[0]
    ar = rc[:].execute("%config InlineBackend.figure_formats = {'png', 'svg'}\n"
                       "plt.plot([3, 2, 1])", block=True)
    for outs in ar.outputs:
        assert [sorted(o["data"]) for o in outs] == [["image/png", "image/svg+xml",
                                                       "text/plain"]]
    ar = rc[:].execute("%config InlineBackend.figure_format = 'gif'", block=False)
    with pytest.raises(Exception, match="figure_format must be one of png"):
        ar.get(10)


def test_bind_kernel_serves_an_engine_to_jupyter_clients(rc, shell, capsys):
    """The example's `%px ipp.bind_kernel()` then `%px %connect_info`: each engine is a
    Jupyter kernel too; a jupyter_client client attached to one runs code in the
    engine's namespace, and the engine still runs tasks."""
    import json
    jupyter_client = pytest.importorskip("jupyter_client")
    r = shell.run_cell("%%px\nimport ipylite.parallel as ipp\nipp.bind_kernel()")
    assert r.success, r.error_in_exec
    assert shell.run_cell("%px %connect_info").success
    out = capsys.readouterr().out
    assert out.count('"shell_port"') == 2 and "--existing" in out
    files = rc[:].apply_sync(lambda: __import__("ipylite.parallel").parallel.bind_kernel())
    assert len(set(files)) == 2                 # (bound once: the same file again)
    rc[0]["secret"] = 41
    with open(files[0]) as f:
        info = json.load(f)
    kc = jupyter_client.BlockingKernelClient()
    kc.load_connection_info(info)
    kc.start_channels()
    seen = []
    try:
        kc.wait_for_ready(timeout=20)
        reply = kc.execute_interactive("secret += 1; print('from the kernel', secret)",
                                       timeout=20, output_hook=lambda m: seen.append(m))
    finally:
        kc.stop_channels()
    assert reply["content"]["status"] == "ok"
    assert any(m["msg_type"] == "stream" and "from the kernel 42" in m["content"]["text"]
               for m in seen)
    assert rc[0]["secret"] == 42 and rc[1].apply_sync(lambda: 7) == 7
