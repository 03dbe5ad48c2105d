"""The debugger: pdb as IPython's shows where it stops (the frame's line with `---->`
amid 5 lines of context), and whose prompt an interrupt ends. Used by the magics
(%debug, %pdb, %run -d); imports nothing of ipylite."""


def make_debugger():
    """A pdb.Pdb that shows where it stops as IPython's debugger does: the frame's
    line with `---->` amid 5 lines of context."""
    import linecache
    import pdb

    class Debugger(pdb.Pdb):
        context = 5

        def _cmdloop(self):
            # An interrupt at the prompt ends the debugging, and so the cell (as in
            # ipykernel), instead of pdb's "--KeyboardInterrupt--" and a new prompt.
            self.allow_kbdint = True
            try:
                self.cmdloop()
            except KeyboardInterrupt:
                self.message('--KeyboardInterrupt--')
                self.set_quit()
                raise
            finally:
                self.allow_kbdint = False

        def print_stack_entry(self, frame_lineno, prompt_prefix='\n-> '):
            frame, lineno = frame_lineno
            filename = self.canonic(frame.f_code.co_filename)
            out = ['%s%s(%d)%s()' % ('> ' if frame is self.curframe else '  ', filename,
                                     lineno, frame.f_code.co_name or '<lambda>')]
            lines = linecache.getlines(filename, frame.f_globals)
            start = max(0, lineno - 1 - self.context // 2)
            for n, text in enumerate(lines[start:start + self.context], start + 1):
                mark = '-' * (7 - len(str(n)) - 2) + '> ' if n == lineno else ' ' * (7 - len(str(n)))
                out.append('%s%d %s' % (mark, n, text.rstrip('\n')))
            self.message('\n'.join(out) + '\n')

    return Debugger()
