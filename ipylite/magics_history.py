"""Built-in magics for the input history and the session log: %history (%hist),
%recall (%rep), %rerun, %notebook (the session as a notebook file); %logstart,
%logstop, %logstate, %logon, %logoff.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os

from .magics import Magics, int_option, parse_options, source_for, split_words
from .display import UsageError


# --------------------------------------------------------------------- history

class HistoryMagics(Magics):
    """%history (and %hist), %recall (and %rep), %rerun, %notebook."""

    def line_history(self, line):
        """%history [-n] [-o] [-p] [-t] [-f file] [-g [pattern]] [-l [n]] [-u] [range]

        Ranges as in `4-6 8`, `~2/1-5` (two sessions back), `3/` (all of session 3);
        default: this session. -n line numbers, -o outputs, -p >>> prompts,
        -t translated Python instead of what was typed, -f writes to a file,
        -g searches all sessions (glob), -l the last n lines, -u unique (with -g)."""
        shell = self.shell
        hm = shell.history
        if hm is None:
            raise UsageError('%history: history is off in this shell')
        opts, rest = parse_options('history', line, 'noptf:gluq')
        if 'l' in opts and rest.split()[:1] and rest.split()[0].isdigit():
            n, _, more = rest.strip().partition(' ')   # -l N, then more options
            extra, more = parse_options('history', more, 'noptf:gluq')
            opts.update(extra)
            rest = (n + ' ' + more).strip()
        raw = 't' not in opts
        output = 'o' in opts
        if 'g' in opts:
            pattern = '*%s*' % rest if rest else '*'
            rows = hm.search(pattern, raw=raw, output=output, unique='u' in opts)
            opts['n'] = 'full'
        elif 'l' in opts:
            try:
                n = int(rest) if rest else 10
            except ValueError:
                raise UsageError('%%history: -l takes a number, not %r' % rest) from None
            rows = hm.get_tail(n, raw=raw, output=output, include_latest=False)
        elif rest:
            try:
                rows = hm.get_range_by_str(rest, raw=raw, output=output)
            except ValueError as e:
                raise UsageError('%%history: %s' % e) from None
        else:
            rows = hm.get_range(0, 1, shell.execution_count + 1, raw=raw, output=output)
        lines = []
        this = hm.session_number
        for session, number, entry in rows:
            source, out = entry if output else (entry, None)
            if 'p' in opts:
                source = '>>> ' + source.replace('\n', '\n... ')
            if 'n' in opts:
                prefix = ('%d/%d:' % (session, number) if opts['n'] == 'full' or session != this
                          else '%4d:' % number)
                # a multi-line entry starts on the next line, unindented, as in IPython
                source = prefix + ('\n' if '\n' in source else ' ') + source
            lines.append(source)
            if out is not None:
                lines.append(out)
        text = '\n'.join(lines)
        if 'f' in opts:
            filename = os.path.expanduser(opts['f'])
            if os.path.exists(filename):
                answer = input('File %r exists. Overwrite? [y/N] ' % opts['f'])
                if answer.strip().lower() not in ('y', 'yes'):
                    print('Aborting.')
                    return
            with open(filename, 'w', encoding='utf-8') as f:
                f.write(text + '\n')
            print('Wrote %d entries to %s' % (len(rows), opts['f']))
            return
        if text:
            print(text)

    line_hist = line_history

    def line_recall(self, line):
        """%recall [n | range]: put a previous input (default the last) in the next
        prompt. Also %rep."""
        shell = self.shell
        arg = line.strip()
        if not arg:
            rows = shell.history.get_tail(1, include_latest=False) if shell.history else []
            text = rows[0][2] if rows else ''
        elif arg in shell.user_ns:
            text = str(shell.user_ns[arg])
        else:
            text = source_for(shell, 'recall', arg).rstrip('\n')
        shell.set_next_input(text)

    line_rep = line_recall

    def line_rerun(self, line):
        """%rerun [-l n] [-g pattern] [range]: run earlier input again (default: the
        last line)."""
        shell = self.shell
        if shell.history is None:
            raise UsageError('%rerun: history is off')
        opts, arg = parse_options('rerun', line, 'l:g:')
        if 'l' in opts:
            n = int_option('rerun', opts, 'l', 1)
            rows = shell.history.get_tail(n, include_latest=False)
        elif 'g' in opts:
            rows = [r for r in shell.history.search('*%s*' % opts['g'])
                    if not r[2].lstrip().startswith(('%rerun', 'rerun'))][-1:]
        elif arg:
            try:
                rows = shell.history.get_range_by_str(arg)
            except ValueError as e:
                raise UsageError('%%rerun: %s' % e) from None
        else:
            rows = shell.history.get_tail(1, include_latest=False)
        if not rows:
            raise UsageError('%rerun: no lines in history match')
        source = '\n'.join(r[2] for r in rows)
        print('=== Executing: ===\n%s\n=== Output: ===' % source)
        shell.run_cell(source, store_history=False)

    def line_notebook(self, line):
        """%notebook file.ipynb: write this session's history as a notebook, a code
        cell per input, with its output where Out[] still has it."""
        from . import nbfile
        shell = self.shell
        words = line.split()
        if len(words) != 1:
            raise UsageError('%notebook: expected one file name (e.g. %notebook out.ipynb)')
        path = os.path.expanduser(words[0])
        if shell.history is not None:
            inputs = [(n, src) for _, n, src in shell.history.get_range(raw=True)]
        else:
            inputs = list(enumerate(shell.In))[1:]
        inputs = [(n, src) for n, src in inputs if n < shell.execution_count]  # not this one
        if not inputs:
            raise UsageError('%notebook: history is empty, nothing to export')
        nb = nbfile.new_notebook()
        for n, source in inputs:
            outputs = []
            if n in shell.Out:
                data, md = shell.display_formatter.format(shell.Out[n])
                outputs.append({'output_type': 'execute_result', 'execution_count': n,
                                'data': data, 'metadata': md})
            nb['cells'].append({'cell_type': 'code', 'id': nbfile.new_cell_id(),
                                'execution_count': n, 'metadata': {},
                                'source': source.rstrip('\n'), 'outputs': outputs})
        try:
            nbfile.write(nb, path)
        except OSError as e:
            raise UsageError('%%notebook: cannot write %s: %s' % (path, e.strerror)) from None


# ------------------------------------------------------------------------ logging

class LoggingMagics(Magics):
    """%logstart, %logstop, %logstate, %logon, %logoff."""

    def line_logstart(self, line):
        """%logstart [-o] [-t] [-r] [file [append|backup|global|over|rotate]]: log every
        input (with -o outputs, with -t timestamps) to file (default
        ipython_log.py)."""
        import time
        state = self.shell.magics_state
        if state.log is not None:
            raise UsageError('%%logstart: already logging to %s (use %%logstop first)'
                             % state.log['file'])
        opts, rest = parse_options('logstart', line, 'otr')
        words = split_words('logstart', rest)
        filename = os.path.expanduser(words[0]) if words else 'ipython_log.py'
        mode = words[1] if len(words) > 1 else 'backup'
        if mode not in ('append', 'backup', 'global', 'over', 'rotate'):
            raise UsageError('%%logstart: unknown mode %r' % mode)
        if mode == 'backup' and os.path.exists(filename):
            os.replace(filename, filename + '~')
        elif mode == 'rotate' and os.path.exists(filename):
            n = 1
            while os.path.exists('%s.%03d~' % (filename, n)):
                n += 1
            os.replace(filename, '%s.%03d~' % (filename, n))
        try:
            f = open(filename, 'a' if mode in ('append', 'global') else 'w', encoding='utf-8')
        except OSError as e:
            raise UsageError('%%logstart: cannot open %s: %s' % (filename, e.strerror)) from None
        f.write('# IPython log file\n\n')
        shell = self.shell
        if shell.history is not None:           # the session so far, then what follows
            rows = shell.history.get_range(0, 1, shell.execution_count, raw='r' in opts)
            earlier = [source for _, _, source in rows]
        else:
            earlier = shell.In[1:shell.execution_count]
        for cell in earlier:
            if cell.strip():
                f.write(cell.rstrip('\n') + '\n')
        f.flush()

        def log_cell(result):
            if state.log is None or not state.log['on']:
                return
            cell = result.info.raw_cell
            if not cell.strip() or result.info.silent:
                return
            if 't' in opts:
                f.write(time.strftime('# %a, %d %b %Y %H:%M:%S\n'))
            f.write((cell if 'r' in opts else shell.transform_cell(cell)).rstrip('\n') + '\n')
            if 'o' in opts and result.result is not None:
                f.write('#[Out]# %s\n' % repr(result.result).replace('\n', '\n#[Out]# '))
            f.flush()
        state.log = {'file': filename, 'mode': mode, 'fh': f, 'hook': log_cell, 'on': True}
        shell.events.register('post_run_cell', log_cell)
        print('Activating auto-logging. Current session state plus future input saved.\n'
              'Filename       : %s\nMode           : %s\nOutput logging : %s\n'
              'Timestamping   : %s\nState          : active' % (
                  filename, mode, 'o' in opts, 't' in opts))

    def line_logstop(self, line):
        """%logstop: stop logging and close the log file."""
        state = self.shell.magics_state
        if state.log is None:
            print('Logging hadn\'t been started.')
            return
        self.shell.events.unregister('post_run_cell', state.log['hook'])
        state.log['fh'].close()
        state.log = None

    def line_logstate(self, line):
        """%logstate: whether and where logging is on."""
        log = self.shell.magics_state.log
        print('Logging has not been activated.' if log is None else
              'Filename       : %s\nMode           : %s\nState          : %s' % (
                  log['file'], log['mode'], 'active' if log['on'] else 'temporarily off'))

    def line_logoff(self, line):
        """%logoff: pause logging."""
        self._switch(False)

    def line_logon(self, line):
        """%logon: resume logging."""
        self._switch(True)

    def _switch(self, on):
        log = self.shell.magics_state.log
        if log is None:
            raise UsageError('Logging has not been started: use %logstart first')
        log['on'] = on


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (HistoryMagics, LoggingMagics)
