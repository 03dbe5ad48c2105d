"""ipylite.parallel's magics: %px, %%px, %autopx and %pxresult on a Shell, running on a
DirectView (``rc.activate()``, ``view.activate(suffix)``)."""

import argparse
import sys

from .asyncresult import RemoteError


# ========================================================================= magics

def parse_px(line):
    p = argparse.ArgumentParser(prog="%px", add_help=False)
    p.add_argument("--targets", "-t", default=None)
    p.add_argument("--noblock", action="store_true")
    p.add_argument("--block", action="store_true")
    p.add_argument("--verbose", action="store_true")
    args, rest = p.parse_known_args(line.split() if line.strip().startswith("-") else [])
    code = line if not line.strip().startswith("-") else " ".join(rest)
    targets = None
    if args.targets:
        t = args.targets
        try:
            if t == "all":
                targets = "all"
            elif ":" in t and t.count(":") <= 2:
                targets = slice(*[int(x) if x else None for x in t.split(":")])
            elif "," in t:
                targets = [int(x) for x in t.split(",") if x]
            else:
                targets = int(t)
        except ValueError:
            from .shell import UsageError
            raise UsageError(f"%px --targets {t}: give an engine id (0), a list (0,2), a "
                             f"slice (1:3, ::2) or all") from None
    return args, targets, code


def register_magics(shell, view, suffix=""):
    """%px, %%px, %autopx and %pxresult on shell, running on view."""
    state = {"last": None, "auto": False, "run_cell": None}

    def _view(targets):
        if targets is None:
            return view
        if isinstance(targets, slice):
            return view.client.direct_view(view._target_list()[targets])
        return view.client.direct_view(targets)

    def _run(code, targets, block):
        v = _view(targets)
        ar = v.execute(code, silent=False, block=False)
        state["last"] = ar
        if block:
            ar.echo = True              # output as it comes, as ipyparallel's %px does
            try:
                ar.wait()
            except KeyboardInterrupt:   # Ctrl-C: interrupt the engines' code too
                mine = set(ar.msg_ids)
                running = sorted(e for e, ids in view.client._on_engine.items()
                                 if ids & mine) or v._target_list()
                print(f"interrupting engine(s) {running}", file=sys.stderr)
                view.client.send_signal(None, running)
                ar.wait(10)
                raise
            finally:
                ar.echo = False
            ar.display_outputs(_skip_streamed=True)
            ar.get()
        return None if block else ar

    def px(line, cell=None):
        from .shell import UsageError
        if cell is None:
            if not line.strip():
                raise UsageError("%px needs code to run: %px a = 1")
            args, targets, code = parse_px(line)
        else:
            args, targets, _ = parse_px(line)
            code = cell
        return _run(code, targets, not args.noblock)

    def autopx(line):
        if state["auto"]:
            shell.run_cell = state["run_cell"]
            del shell.__dict__["run_cell"]
            state["auto"] = False
            print("%autopx disabled")
            return
        original = shell.run_cell

        def run_cell(raw_cell, store_history=True, silent=False):
            if raw_cell.strip().startswith(("%autopx", "%%autopx")):
                return original(raw_cell, store_history, silent)
            from .shell import ExecutionInfo, ExecutionResult
            result = ExecutionResult(ExecutionInfo(raw_cell, store_history, silent))
            result.execution_count = shell.execution_count
            numbered = store_history and not silent and raw_cell.strip()
            if numbered:                # numbered and kept in history, as at the prompt
                shell._store_input(shell.execution_count, raw_cell, raw_cell)
            try:
                _run(raw_cell, None, True)
            except RemoteError as e:
                result.error_in_exec = e
                print(e, file=sys.stderr)
            finally:
                if numbered:
                    shell.execution_count += 1
            return result
        state["run_cell"] = original
        shell.run_cell = run_cell
        state["auto"] = True
        print("%autopx enabled")

    def pxresult(line):
        ar = state["last"]
        if ar is None:
            from .shell import UsageError
            raise UsageError("no %px result yet")
        ar.wait()
        ar.display_outputs()
        ar.get()

    shell.register_magic_function(px, "line_cell", "px" + suffix)
    shell.register_magic_function(autopx, "line", "autopx" + suffix)
    shell.register_magic_function(pxresult, "line", "pxresult" + suffix)
    return state
