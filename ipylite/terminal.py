"""The terminal frontend: `python -m ipylite`, an in-process Shell on readline.

    python -m ipylite [-c CODE] [-i] [-m MODULE | script.py args...] [--no-banner]
                      [--colors NoColor|Linux|LightBG] [--version]

No ZeroMQ is imported on this path, so it starts fast.
"""

import os
import sys

from . import __version__

BANNER = ("ipylite {version} on Python {python}\n"
          "Type 'obj?' for help on an object, '%lsmagic' for magics, 'exit' to leave.\n")


class Terminal:
    """Reads cells at a prompt and runs them in ``shell``. Subclass and override
    ``read_line`` or ``write`` to change how it talks to the user."""

    prompt_in = "In [{n}]: "
    prompt_cont = "{dots}: "
    confirm_exit = True

    def __init__(self, shell=None, colors=None):
        from .shell import Shell
        from .config import profile_dir
        if shell is None:
            from .history import HistoryManager
            path = profile_dir("default")
            shell = Shell(history=HistoryManager(
                os.path.join(path, "history.sqlite") if path else ":memory:"))
        self.shell = shell
        if colors is None:
            colors = "Linux" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") \
                else "NoColor"
        self.shell.colors = colors
        self.readline = None

    # -- readline
    def setup_readline(self):
        try:
            import readline
        except ImportError:
            print("warning: readline is not available: no completion or line editing",
                  file=sys.stderr)
            return
        self.readline = readline
        readline.set_completer_delims(" \t\n`~!@#$^&*()=+[{]}\\|;:'\",<>?")
        readline.parse_and_bind("tab: complete")
        readline.set_completer(self._complete)
        hm = self.shell.history
        if hm is not None:
            try:
                for _, _, source in hm.get_tail(1000, raw=True):
                    if source and source.strip():
                        readline.add_history(source)
            except Exception as e:  # history is a comfort, never a reason not to start
                print(f"warning: could not load history: {e}", file=sys.stderr)

    def _complete(self, text, state):
        if state == 0:
            rl = self.readline
            line = rl.get_line_buffer()
            end = rl.get_endidx()
            reply = self.shell.complete(line[:end], end)
            start = reply["cursor_start"]
            # readline replaces only `text` (from get_begidx): trim what precedes it
            skip = rl.get_begidx() - start
            self._matches = [m[skip:] if skip > 0 else m for m in reply["matches"]]
        try:
            return self._matches[state]
        except IndexError:
            return None

    # -- the loop
    def read_line(self, prompt):
        return input(prompt)

    def read_cell(self):
        n = self.shell.execution_count
        first = self.prompt_in.format(n=n)
        cont = self.prompt_cont.format(dots=" " * (len(first) - 5) + "...")
        lines = [self.read_line(first)]
        while True:
            code = "\n".join(lines)
            status = self.shell.is_complete(code)
            if status["status"] != "incomplete":
                return code
            indent = status.get("indent", "")
            if self.readline:
                self.readline.set_pre_input_hook(
                    lambda: (self.readline.insert_text(indent), self.readline.redisplay()))
                line = self.read_line(cont)
                self.readline.set_pre_input_hook(None)
            else:
                line = indent + self.read_line(cont + indent)
            if not line.strip():
                return code
            lines.append(line)

    def ask_exit(self):
        if not self.confirm_exit:
            return True
        try:
            answer = self.read_line("\nDo you really want to exit ([y]/n)? ")
        except (EOFError, KeyboardInterrupt):
            return True
        return answer.strip().lower() in ("", "y", "yes")

    def interact(self, banner=None):
        if self.readline is None:
            self.setup_readline()
        if banner:
            print(banner, end="")
        shell = self.shell
        shell.exit_now = False
        while not shell.exit_now:
            try:
                code = self.read_cell()
            except KeyboardInterrupt:
                print("\nKeyboardInterrupt")
                continue
            except EOFError:
                if self.ask_exit():
                    print()
                    break
                continue
            if code.strip():
                try:
                    shell.run_cell(code, store_history=True)
                except KeyboardInterrupt:
                    print("\nKeyboardInterrupt")
        if shell.history is not None:
            shell.history.flush()


def main(argv=None):
    import argparse
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="python -m ipylite",
                                description="ipylite: an interactive Python shell.")
    p.add_argument("-c", dest="code", help="run CODE, then exit (unless -i)")
    p.add_argument("-m", dest="module", help="run a library module as a script")
    p.add_argument("-i", dest="interactive", action="store_true",
                   help="stay at the prompt after -c, -m or a script")
    p.add_argument("--no-banner", action="store_true")
    p.add_argument("--colors", choices=["NoColor", "Linux", "LightBG"])
    p.add_argument("--version", action="version", version=f"ipylite {__version__}")
    p.add_argument("script", nargs="?", help="a script to run, with its arguments")
    p.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    term = Terminal(colors=a.colors)
    shell = term.shell
    ok = True
    if a.code is not None:
        ok = shell.run_cell(a.code, store_history=True).success
    elif a.module:
        sys.argv = [a.module] + ([a.script] if a.script else []) + a.args
        ok = shell.run_cell(f"import runpy as _r; _r.run_module({a.module!r}, "
                            f"run_name='__main__', alter_sys=True)").success
    elif a.script:
        sys.argv = [a.script] + a.args
        try:
            with open(a.script) as f:
                source = f.read()
        except OSError as e:
            print(f"error: cannot read {a.script}: {e.strerror}", file=sys.stderr)
            return 2
        shell.user_ns["__file__"] = a.script
        ok = shell.run_cell(source, store_history=False).success
    if (a.code is None and not a.module and not a.script) or a.interactive:
        banner = None if a.no_banner or a.code is not None or a.script else BANNER.format(
            version=__version__, python=sys.version.split()[0])
        term.interact(banner)
        ok = True
    if shell.history is not None:
        shell.history.close()
    return 0 if ok else 1
