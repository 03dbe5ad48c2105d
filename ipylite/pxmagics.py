"""ipylite.parallel's magics: %px, %%px, %autopx and %pxresult on a Shell, running on a
DirectView (``rc.activate()``, ``view.activate(suffix)``)."""

import sys

from .asyncresult import RemoteError


# ========================================================================= magics

# flag -> (option name, takes a value); --no-X / --X pairs for the switches
_FLAGS = {"--targets": ("targets", True), "-t": ("targets", True),
          "--group-outputs": ("group_outputs", True), "--block": ("block", True),
          "--noblock": ("block", False), "--no-block": ("block", False),
          "--verbose": ("verbose", True), "--no-verbose": ("verbose", False),
          "--stream": ("stream", True), "--no-stream": ("stream", False),
          "--local": ("local", True), "--save-name": ("save_name", True),
          "--progress-after": ("progress_after", True), "-a": ("progress_after", True)}
_VALUED = {"targets", "group_outputs", "save_name", "progress_after"}
_GROUPS = ("engine", "order", "type")


class Args(dict):
    __getattr__ = dict.get


def _usage(msg):
    from .shell import UsageError
    return UsageError(msg)


def parse_px(line, magic="%px"):
    """(flags, targets, code) of a %px line: leading flags (``--targets 0``,
    ``--targets=0``, ``--noblock``...) and then the code, exactly as written.
    An unknown flag is a UsageError, never code sent to the engines."""
    args = Args()
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos] in " \t":
            pos += 1
        if pos >= n or line[pos] != "-":
            break
        end = pos
        while end < n and line[end] not in " \t":
            end += 1
        token = line[pos:end]
        flag, eq, value = token.partition("=")
        if flag not in _FLAGS:
            known = ", ".join(sorted(k for k in _FLAGS if k.startswith("--")))
            raise _usage(f"{magic}: unknown option {flag!r} (options: {known})")
        name, on = _FLAGS[flag]
        pos = end
        if name in _VALUED:
            if not eq:
                while pos < n and line[pos] in " \t":
                    pos += 1
                end = pos
                while end < n and line[end] not in " \t":
                    end += 1
                value = line[pos:end]
                pos = end
            if not value:
                raise _usage(f"{magic}: {flag} needs a value")
            args[name] = value
        elif eq:
            raise _usage(f"{magic}: {flag} takes no value")
        else:
            args[name] = on
    code = line[pos:]
    if args.group_outputs is not None and args.group_outputs not in _GROUPS:
        raise _usage(f"{magic}: --group-outputs must be one of {', '.join(_GROUPS)}")
    return args, parse_targets(args.targets, magic), code


def parse_targets(t, magic="%px"):
    if t is None:
        return None
    try:
        if t == "all":
            return "all"
        if ":" in t and t.count(":") <= 2:
            return slice(*[int(x) if x else None for x in t.split(":")])
        if "," in t:
            return [int(x) for x in t.split(",") if x]
        return int(t)
    except ValueError:
        raise _usage(f"{magic} --targets {t}: give an engine id (0), a list (0,2), a "
                     f"slice (1:3, ::2) or all") from None


def register_magics(shell, view, suffix=""):
    """%px, %%px, %autopx, %pxresult and %pxconfig on shell, running on view
    (%pxconfig sets the defaults of the flags: targets, block, stream, verbose,
    group outputs)."""
    state = {"last": None, "auto": False, "run_cell": None}
    config = Args(targets=None, block=None, stream=True, verbose=False,
                  group_outputs="engine")

    def _view(targets):
        if targets is None:
            targets = parse_targets(config.targets, "%pxconfig")
            if targets is None:
                return view
        if isinstance(targets, slice):
            return view.client.direct_view(view._target_list()[targets])
        return view.client.direct_view(targets)

    def _opt(args, name):
        return config[name] if args.get(name) is None else args[name]

    def _run(code, targets, block, args=None):
        args = args or Args()
        v = _view(targets)
        if block is None:
            block = _opt(args, "block")
            if block is None:
                block = view.block
        ar = v.execute(code, silent=False, block=False)
        state["last"] = ar
        if args.save_name:
            shell.user_ns[args.save_name] = ar
        if _opt(args, "verbose"):
            print(f"[{'blocking' if block else 'non-blocking'}] %px on engines "
                  f"{v._target_list()}")
        if block:
            stream = _opt(args, "stream")
            ar.echo = bool(stream)      # output as it comes, as ipyparallel's %px does
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
            ar.display_outputs(_opt(args, "group_outputs"), _skip_streamed=bool(stream))
            ar.get()
        return None if block else ar

    def px(line, cell=None):
        """Run code on the engines: ``%px CODE`` or ``%%px`` with the cell.
        Options (before the code): --targets/-t IDS (0, 0,2, 1:3, ::2, all), --block /
        --noblock, --stream / --no-stream (output as it comes), --group-outputs
        engine|order|type, --local (%%px: run the cell here too), --verbose,
        --save-name NAME (keep the AsyncResult)."""
        if cell is None:
            args, targets, code = parse_px(line)
            if not code.strip():
                raise _usage("%px needs code to run: %px a = 1")
        else:
            args, targets, rest = parse_px(line, "%%px")
            if rest.strip():
                raise _usage(f"%%px: unexpected {rest.strip()!r} after the options (the "
                             f"code goes in the cell)")
            code = cell
        try:
            return _run(code, targets, args.block, args)
        finally:
            if cell is not None and args.local:
                shell.run_cell(cell, store_history=False)

    def pxconfig(line):
        """Set %px's defaults: %pxconfig --targets 1,2 --noblock --no-stream
        --verbose --group-outputs type"""
        args, targets, rest = parse_px(line, "%pxconfig")
        if rest.strip():
            raise _usage(f"%pxconfig takes options only, not {rest.strip()!r}")
        if args.local:
            raise _usage("%pxconfig: --local is for %%px only")
        if args.targets is not None:
            config["targets"] = None if targets == "all" else args.targets
        for k in ("block", "stream", "verbose", "group_outputs"):
            if args.get(k) is not None:
                config[k] = args[k]

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
        """Show the last non-blocking %px's outputs: %pxresult [--group-outputs X]"""
        args, _, rest = parse_px(line, "%pxresult")
        if rest.strip():
            raise _usage(f"%pxresult takes options only, not {rest.strip()!r}")
        ar = state["last"]
        if ar is None:
            raise _usage("no %px result yet")
        ar.wait()
        ar.display_outputs(_opt(args, "group_outputs"))
        ar.get()

    shell.register_magic_function(pxconfig, "line", "pxconfig" + suffix)
    shell.register_magic_function(px, "line_cell", "px" + suffix)
    shell.register_magic_function(autopx, "line", "autopx" + suffix)
    shell.register_magic_function(pxresult, "line", "pxresult" + suffix)
    return state
