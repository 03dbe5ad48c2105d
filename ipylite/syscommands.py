"""Shell commands from the interpreter: ``!cmd`` (system: output streamed as it comes),
``x = !cmd`` and ``!!cmd`` (getoutput: an SList of lines), and ``$name``/``{expr}``
expansion in them (var_expand). ``SystemCommands`` is mixed into Shell."""

import os
import sys


class SList(list):
    """Lines of a command's output (x = !ls): .s, .n, .p, .l and grep()."""

    @property
    def l(self):  # noqa: E743 (IPython's name)
        """The lines themselves (a list)."""
        return self

    @property
    def s(self):
        """The lines joined with spaces."""
        return ' '.join(self)

    @property
    def n(self):
        """The lines joined with newlines."""
        return '\n'.join(self)

    @property
    def p(self):
        """The lines that name existing paths, as pathlib.Path objects."""
        from pathlib import Path
        return [Path(line) for line in self if os.path.exists(line)]

    def grep(self, pattern, prune=False):
        """Lines matching a regex (case-insensitive) or a predicate; prune=True
        keeps the others instead."""
        if callable(pattern):
            match = pattern
        else:
            import re
            match = re.compile(pattern, re.IGNORECASE).search
        return SList(line for line in self if bool(match(line)) != prune)


class LSString(str):
    """A command's output as one string (%sc without -l): .l its lines, .s joined
    with spaces, .n itself, .p the lines that name existing paths."""

    @property
    def l(self):  # noqa: E743 (IPython's name)
        """The lines (a list)."""
        return self.split('\n')

    @property
    def n(self):
        """The string itself (newline-separated)."""
        return str(self)

    @property
    def s(self):
        """The lines joined with spaces."""
        return self.replace('\n', ' ')

    @property
    def p(self):
        """The lines that name existing paths, as pathlib.Path objects."""
        from pathlib import Path
        return [Path(line) for line in self.split('\n') if line and os.path.exists(line)]


def _encoding():
    import locale
    return locale.getpreferredencoding(False) or 'utf-8'


def _pump(proc, out, err):
    """Copy a child's stdout (and stderr, when piped) to our streams as bytes arrive."""
    import codecs
    streams = {proc.stdout.fileno(): out}
    if proc.stderr is not None:
        streams[proc.stderr.fileno()] = err
    decoders = {fd: codecs.getincrementaldecoder(_encoding())('replace') for fd in streams}
    selector = None
    if len(streams) > 1:
        import selectors
        selector = selectors.DefaultSelector()
        for fd in streams:
            selector.register(fd, selectors.EVENT_READ)
    try:
        while streams:
            ready = [key.fd for key, _ in selector.select()] if selector else list(streams)
            for fd in ready:
                chunk = os.read(fd, 65536)
                text = decoders[fd].decode(chunk, final=not chunk)
                if text:
                    streams[fd].write(text)
                    streams[fd].flush()
                if not chunk:
                    del streams[fd]
                    if selector:
                        selector.unregister(fd)
    finally:
        if selector:
            selector.close()


class SystemCommands:
    """The Shell's !cmd methods (a mixin: ``self`` is the Shell, which supplies
    user_ns, user_global_ns and system_stdin)."""

    def var_expand(self, cmd):
        """Expand $name and {expr} from the user namespace ($$ is a literal $).
        Unknown names and failing expressions are left as typed ($HOME stays)."""
        import re
        ns = self.user_ns

        def expand(m):
            token = m.group()
            if token in ('$$', '{{', '}}'):
                return token[0]
            if token[0] == '$':
                return str(ns[token[1:]]) if token[1:] in ns else token
            try:
                return str(eval(token[1:-1], self.user_global_ns, ns))
            except Exception:
                return token
        return re.sub(r'\$\$|\$[^\W\d]\w*|\{\{|\}\}|\{[^{}]+\}', expand, cmd)

    def system(self, cmd):
        """Run cmd in a shell, its output streamed to sys.stdout / sys.stderr as it
        comes; the exit status goes to _exit_code."""
        import subprocess
        out, err = sys.stdout, sys.stderr
        for stream in (out, err):
            stream.flush()
        windows = os.name == 'nt'
        proc = subprocess.Popen(self.var_expand(cmd), shell=True, stdin=self.system_stdin,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT if windows else subprocess.PIPE)
        try:
            _pump(proc, out, err)
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            err.write('^C\n')
        finally:
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
        self.user_ns['_exit_code'] = proc.returncode

    def getoutput(self, cmd, split=True):
        """Run cmd in a shell and return its output (stdout and stderr) as an SList
        of lines, or with split=False as one LSString."""
        import subprocess
        proc = subprocess.run(self.var_expand(cmd), shell=True, stdin=self.system_stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.user_ns['_exit_code'] = proc.returncode
        text = proc.stdout.decode(_encoding(), 'replace')
        return SList(text.splitlines()) if split else LSString(text)
