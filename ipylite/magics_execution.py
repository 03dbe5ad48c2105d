"""Built-in magics for timing, profiling and debugging: %time, %timeit, %prun,
%debug (and %%debug), %pdb; TimeitResult, what %timeit -o returns; %%code_wrap (a
template wrapped around each later cell: CodeWrapper).

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import ast
import copy
import os
import time

from .debugger import make_debugger
from .display import UsageError
from .magics import (Magics, int_option, no_var_expand, parse_options, post_mortem,
                     split_words)


class TimeitResult:
    """What %timeit -o returns: loops, repeat, best, worst, all_runs (seconds per
    run of `loops` loops), average and stdev per loop."""

    def __init__(self, loops, repeat, best, worst, all_runs, compile_time, precision=3):
        self.loops, self.repeat = loops, repeat
        self.best, self.worst, self.all_runs = best, worst, all_runs
        self.compile_time, self._precision = compile_time, precision
        self.timings = [t / loops for t in all_runs]

    @property
    def average(self):
        return sum(self.timings) / len(self.timings)

    @property
    def stdev(self):
        mean = self.average
        return (sum((t - mean) ** 2 for t in self.timings) / len(self.timings)) ** 0.5

    def __str__(self):
        return '%s ± %s per loop (mean ± std. dev. of %d run%s, %s loop%s each)' % (
            _fmt_time(self.average, self._precision), _fmt_time(self.stdev, self._precision),
            self.repeat, '' if self.repeat == 1 else 's',
            format(self.loops, ','), '' if self.loops == 1 else 's')

    def __repr__(self):
        return '<TimeitResult : %s>' % self

    def _repr_pretty_(self, p, cycle):
        p.text('<TimeitResult : %s>' % self)


class ExecutionMagics(Magics):
    """%time, %timeit, %prun, %debug, %pdb."""

    @no_var_expand
    def line_time(self, line, cell=None):
        """%time statement / %%time: run once and report CPU and wall time; the
        value of a last expression is returned."""
        __tracebackhide__ = True  # noqa: F841
        shell = self.shell
        source = cell if cell is not None else line
        if not source.strip():
            raise UsageError('%time: nothing to time')
        t0 = time.perf_counter()
        body, expr = _compile_code(shell, source, '<timed exec>')
        compile_time = time.perf_counter() - t0
        ns = shell.user_ns
        c0, w0 = os.times(), time.perf_counter()
        value = None
        try:
            if body is not None:
                exec(body, shell.user_global_ns, ns)
            if expr is not None:
                value = eval(expr, shell.user_global_ns, ns)
        finally:
            c1, w1 = os.times(), time.perf_counter()
            user, system = c1.user - c0.user, c1.system - c0.system
            print('CPU times: user %s, sys: %s, total: %s\nWall time: %s' % (
                _fmt_time(user), _fmt_time(system), _fmt_time(user + system),
                _fmt_time(w1 - w0)))
            if compile_time > 0.1:
                print('Compiler : %s' % _fmt_time(compile_time))
        return value

    @no_var_expand
    def cell_time(self, line, cell):
        """%%time: time the whole cell."""
        __tracebackhide__ = True  # noqa: F841
        return self.line_time(line, cell)

    @no_var_expand
    def line_timeit(self, line, cell=None):
        """%timeit [-n N] [-r R] [-p P] [-o] [-q] statement
        %%timeit [options] setup  (then the cell is the statement)

        Runs the statement N times per run, R runs (default 7); N is chosen so a
        run takes at least 0.2 s. Prints the mean and std. dev. per loop; -o
        returns a TimeitResult; -q prints nothing."""
        import timeit
        shell = self.shell
        opts, stmt = parse_options('timeit', line, 'n:r:p:oqt')
        setup = 'pass'
        if cell is not None:
            setup, stmt = stmt or 'pass', cell
        if not stmt.strip():
            raise UsageError('%timeit: nothing to time')
        cfg = shell.config['Timeit'] if shell.config is not None else {}
        repeat = int_option('timeit', opts, 'r', cfg.get('repeat', 7))
        precision = int_option('timeit', opts, 'p', 3)
        if repeat < 1 or ('n' in opts and int_option('timeit', opts, 'n', 1) < 1):
            raise UsageError('%timeit: -n and -r must be at least 1')
        stmt, setup = shell.transform_cell(stmt), shell.transform_cell(setup)
        t0 = time.perf_counter()
        try:
            timer = timeit.Timer(stmt, setup, globals=shell.user_ns)
        except SyntaxError as e:
            raise UsageError('%%timeit: syntax error: %s' % e) from None
        compile_time = time.perf_counter() - t0
        if 'n' in opts:
            number = int_option('timeit', opts, 'n', 1)
        else:
            min_time = cfg.get('min_time', 0.2)
            number = 1
            for _ in range(10):
                for factor in (1, 2, 5):
                    n = number * factor
                    if timer.timeit(n) >= min_time:
                        number = n
                        break
                else:
                    number *= 10
                    continue
                break
        runs = timer.repeat(repeat, number)
        result = TimeitResult(number, repeat, min(runs) / number, max(runs) / number,
                              runs, compile_time, precision)
        if 'q' not in opts:     # the warning first, as IPython prints it
            if result.worst > 4 * result.best and result.best > 0 and result.worst > 1e-6:
                print('The slowest run took %.2f times longer than the fastest. This could '
                      'mean that an intermediate result is being cached.'
                      % (result.worst / result.best))
            print(result)
        if 'o' in opts:
            return result

    @no_var_expand
    def cell_timeit(self, line, cell):
        """%%timeit [options] [setup]: time the cell's statements."""
        return self.line_timeit(line, cell)

    @no_var_expand
    def line_prun(self, line, cell=None):
        """%prun [-s key] [-l limit] [-D file] [-T file] [-q] [-r] statement
        %%prun [options]: run under cProfile and print its statistics, sorted by
        -s (default: time), restricted by -l (a number, fraction or regex)."""
        __tracebackhide__ = True  # noqa: F841
        opts, stmt = parse_options('prun', line, 's:l:D:T:qr')
        if cell is not None:
            stmt = cell
        if not stmt.strip():
            raise UsageError('%prun: nothing to profile')
        shell = self.shell
        code = compile(shell.transform_cell(stmt), '<string>', 'exec')
        return run_profiled(shell, 'prun', opts, code, shell.user_global_ns, shell.user_ns)

    @no_var_expand
    def cell_prun(self, line, cell):
        """%%prun [options]: profile the cell."""
        return self.line_prun(line, cell)

    @no_var_expand
    def line_debug(self, line):
        """%debug: post-mortem debugger on the last exception;
        %debug statement: run the statement under pdb."""
        shell = self.shell
        opts, stmt = parse_options('debug', line, '', ('breakpoint=',))
        if stmt.strip():
            debugger = make_debugger()
            code = compile(shell.transform_cell(stmt), '<string>', 'exec')
            if 'breakpoint' in opts:
                where, _, lineno = opts['breakpoint'].rpartition(':')
                if not lineno.isdigit():
                    raise UsageError('%%debug: --breakpoint takes file:line, not %r'
                                     % opts['breakpoint'])
                debugger.set_break(where, int(lineno))
            debugger.run(code, shell.user_global_ns, shell.user_ns)
            return
        exc = shell._last_exc
        if exc is None or exc[2] is None:
            raise UsageError('%debug: no traceback to debug (run code that fails first, '
                             'or %debug statement)')
        post_mortem(shell, exc[2])

    def line_pdb(self, line):
        """%pdb [on|off]: start the debugger after every uncaught exception."""
        state = self.shell.magics_state
        arg = line.strip().lower()
        if arg in ('on', '1'):
            state.set_pdb(True)
        elif arg in ('off', '0'):
            state.set_pdb(False)
        elif not arg:
            state.set_pdb(not state.call_pdb)
        else:
            raise UsageError('%%pdb: expected on or off, not %r' % line.strip())
        print('Automatic pdb calling has been turned %s' % ('ON' if state.call_pdb else 'OFF'))

    def cell_debug(self, line, cell):
        """%%debug [--breakpoint file:line]: run the cell under the debugger (pdb),
        as %debug statement does for one line (an empty cell: %debug post-mortem)."""
        return self.shell.magics['line']['debug'](line + '\n' + cell)

    @no_var_expand
    def line_code_wrap(self, line, cell=None):
        """%%code_wrap [name]: wrap every later cell's code in the cell's template.

        In the template, a statement `__code__` stands for the cell's statements and
        `__ret__` for the value of its last expression (what Out shows); names that
        start with ___ are renamed so that they cannot clash with the cell's.

            %%code_wrap timed
            import time as ___time
            ___t0 = ___time.perf_counter()
            __code__
            print('took', ___time.perf_counter() - ___t0)
            __ret__

        %code_wrap name (or --remove name) drops wrapper name; --list names the
        wrappers, --list-all shows their templates. The name defaults to 'default';
        a new template under a name replaces the old one."""
        words = split_words('code_wrap', line)
        flags = {w for w in words if w.startswith('-')}
        unknown = flags - {'--remove', '--list', '--list-all'}
        if unknown:
            raise UsageError('%%code_wrap: unknown option %s' % sorted(unknown)[0])
        names = [w for w in words if not w.startswith('-')]
        if len(names) > 1:
            raise UsageError('%%code_wrap: expected one name, not %s' % ' '.join(names))
        wrappers = self.shell.magics_state.__dict__.setdefault('code_wrappers', {})
        if '--list' in flags:
            for name in wrappers:
                print(name)
            return
        if '--list-all' in flags:
            import textwrap
            for name, wrapper in wrappers.items():
                print(name, ':')
                print(textwrap.indent(ast.unparse(wrapper.template), '    '))
            print()
            return
        name = names[0] if names else 'default'
        old = wrappers.pop(name, None)
        if old in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(old)
        if cell is None or '--remove' in flags:
            return
        try:
            wrapper = CodeWrapper(ast.parse(cell))
        except SyntaxError as e:
            raise UsageError('%%%%code_wrap: the template is not Python: %s' % e) from None
        wrappers[name] = wrapper
        self.shell.ast_transformers.append(wrapper)

    cell_code_wrap = line_code_wrap


class CodeWrapper(ast.NodeTransformer):
    """An AST transformer (Shell.ast_transformers) that puts a cell's statements in
    place of `__code__` in a template and its last expression's value in place of
    `__ret__`; names in the template starting with ___ get a prefix no Python name can
    have, so they stay apart from the cell's."""

    def __init__(self, template):
        self.template = template
        self.parts = {}

    def visit_Module(self, module):
        body = list(module.body)
        if not body:
            return module
        if isinstance(body[-1], ast.Expr):       # keep the value to hand to __ret__
            body[-1] = ast.Assign([ast.Name('ret-tmp', ast.Store())], body[-1].value)
            ret = ast.Expr(ast.Name('ret-tmp', ast.Load()))
        else:
            ret = ast.Expr(ast.Constant(None))
        self.parts = {'__code__': body, '__ret__': [ret]}
        tree = _mangle(copy.deepcopy(self.template))
        tree = self.generic_visit(tree)
        tree.type_ignores = list(getattr(module, 'type_ignores', []))
        return ast.fix_missing_locations(tree)

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.parts:
            return copy.deepcopy(self.parts[node.value.id])
        return self.generic_visit(node)


def _mangle(tree):
    """Rename the names starting with ___ in tree (variables, functions, their
    arguments, import aliases) to 'mangle-' + name."""
    def rename(name):
        return 'mangle-' + name if name and name.startswith('___') else name
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = rename(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            node.name = rename(node.name)
        elif isinstance(node, ast.arg):
            node.arg = rename(node.arg)
        elif isinstance(node, ast.alias) and (node.asname or node.name).startswith('___'):
            node.asname = rename(node.asname or node.name)
    return tree


def run_profiled(shell, magic, opts, code, global_ns, local_ns):
    import cProfile
    import io
    import pstats
    prof = cProfile.Profile()
    try:
        prof.runctx(code, global_ns, local_ns)
    finally:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.strip_dirs()
        keys = opts.get('s', 'time')
        keys = keys if isinstance(keys, list) else [keys]
        try:
            stats.sort_stats(*keys)
        except KeyError as e:
            raise UsageError('%%%s: unknown sort key %s' % (magic, e)) from None
        limits = opts.get('l', [])
        limits = limits if isinstance(limits, list) else [limits]
        restrictions = []
        for lim in limits:
            try:
                restrictions.append(float(lim) if '.' in lim else int(lim))
            except ValueError:
                restrictions.append(lim)
        stats.print_stats(*restrictions)
        text = out.getvalue()
        if 'q' not in opts:
            shell.page(text.lstrip('\n'))
        if 'D' in opts:
            prof.dump_stats(opts['D'])
            print('\n*** Profile stats marshalled to file %r.' % opts['D'])
        if 'T' in opts:
            with open(opts['T'], 'w') as f:
                f.write(text)
            print('\n*** Profile printout saved to text file %r.' % opts['T'])
    if 'r' in opts:
        return stats


def _compile_code(shell, source, filename='<magic-timeit>'):
    """(code for all but a last expression, code for that expression or None)."""
    import ast
    source = shell.transform_cell(source)
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        raise
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, 'exec') if tree.body else None
    expr = compile(last, filename, 'eval') if last is not None else None
    return body, expr


def _fmt_time(seconds, precision=3):
    if seconds >= 1:
        return '%.*g s' % (precision, seconds)
    for unit, scale in (('ms', 1e3), ('\u03bcs', 1e6), ('ns', 1e9)):   # IPython's Greek mu
        if seconds * scale >= 1:
            return '%.*g %s' % (precision, seconds * scale, unit)
    return '%.*g ns' % (precision, seconds * 1e9)


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (ExecutionMagics,)
