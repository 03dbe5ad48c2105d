"""The interpreter: run cells in a user namespace and report what happened.

    shell = Shell()
    result = shell.run_cell('x = 6 * 7\\nx')     # Out[1]: 42 via shell.display_pub
    result.success, result.result                 # True, 42
    shell.complete('import o'), shell.inspect('len'), shell.is_complete('if x:')

A cell is transformed (pasted prompts, %magic, !shell, obj?), compiled with ast so
the value of its last expression reaches displayhook() (unless the cell ends with
';'), and run in user_ns; top-level `await` runs on an event loop kept by the shell.
Output leaves only through sys.stdout/sys.stderr and self.display_pub, so a kernel
swaps those and nothing else.  Errors become a content dict {ename, evalue,
traceback} handed to display_pub.error().

Sections: results and events, the Shell (running cells), input transforms, the
pager, completion, is_complete. Mixed in from lower modules: magic dispatch
(magics.MagicDispatch), tracebacks and obj? (inspector.Tracebacks, .Introspection),
!commands (syscommands.SystemCommands). The built-in magics are magics_<topic>.py.
"""
import builtins
import os
import sys

from .completer import MISSING, lookup
from .display import DisplayFormatter, DisplayPublisher, UsageError, active_shell, set_active_shell
from .inspector import Introspection, Tracebacks
from .magics import MagicDispatch, MagicState, register_magics
from .syscommands import SList, SystemCommands  # noqa: F401 (SList: API)
from .transforms import LineScan, autocall_line, strip_prompts, transform_line

__all__ = ['Shell', 'ExecutionInfo', 'ExecutionResult', 'EventManager', 'UsageError',
           'SList', 'get_ipython']

CO_COROUTINE = 0x80                 # inspect.CO_COROUTINE
_MISSING = MISSING


def get_ipython():
    """The active Shell, or None when there is none."""
    return Shell.current()


# ------------------------------------------------------- results and events

class ExecutionInfo:
    """What run_cell was asked to do; passed to pre_run_cell callbacks."""

    def __init__(self, raw_cell, store_history=True, silent=False):
        self.raw_cell, self.store_history, self.silent = raw_cell, store_history, silent

    def __repr__(self):
        return '<ExecutionInfo raw_cell=%r store_history=%s silent=%s>' % (
            self.raw_cell[:50], self.store_history, self.silent)


class ExecutionResult:
    """What happened: execution_count, result (the displayed value), the errors."""

    def __init__(self, info):
        self.info = info
        self.execution_count = None
        self.result = None
        self.error_before_exec = None
        self.error_in_exec = None

    @property
    def success(self):
        return self.error_before_exec is None and self.error_in_exec is None

    def raise_error(self):
        """Re-raise the error that stopped the cell, if any."""
        if self.error_before_exec is not None:
            raise self.error_before_exec
        if self.error_in_exec is not None:
            raise self.error_in_exec

    def __repr__(self):
        return '<ExecutionResult execution_count=%s success=%s result=%r>' % (
            self.execution_count, self.success, self.result)


class EventManager:
    """Callbacks around execution: pre_execute(), pre_run_cell(info),
    post_execute(), post_run_cell(result).  A failing callback is reported and
    the others still run."""
    names = ('pre_execute', 'pre_run_cell', 'post_execute', 'post_run_cell')

    def __init__(self, shell):
        self.shell = shell
        self.callbacks = {name: [] for name in self.names}

    def _list(self, name):
        try:
            return self.callbacks[name]
        except KeyError:
            raise KeyError('Unknown event %r: use one of %s' % (name, ', '.join(self.names)))

    def register(self, name, callback):
        if not callable(callback):
            raise TypeError('%r is not callable' % (callback,))
        if callback not in self._list(name):
            self.callbacks[name].append(callback)

    def unregister(self, name, callback):
        try:
            self._list(name).remove(callback)
        except ValueError:
            raise ValueError('%r is not registered for %s' % (callback, name)) from None

    def trigger(self, name, *args):
        for callback in list(self._list(name)):
            try:
                callback(*args)
            except Exception:
                sys.stderr.write('Error in callback %r (for %s):\n' % (callback, name))
                self.shell.showtraceback()


class ExitAutocall:
    """`exit` and `quit` in the namespace: calling one, or evaluating it alone,
    asks the frontend to stop (shell.exit_now); nothing is raised."""

    def __init__(self, shell):
        self.shell = shell

    def __repr__(self):
        return 'Use exit() or quit() to exit'

    def __call__(self, keep_kernel=False):
        self.shell.keepkernel = keep_kernel
        self.shell.ask_exit()


class Hooks:
    """The hooks IPython code calls through ``shell.hooks`` (IPython.core.page.page
    calls show_in_pager): here they go to the shell's own methods."""

    def __init__(self, shell):
        self.shell = shell

    def show_in_pager(self, data, start=0, screen_lines=0):
        self.shell.page(data, start)


class TracebackText:
    """``shell.InteractiveTB`` for IPython code (IPython.lib.backgroundjobs, for one):
    text(etype, value, tb) is the traceback as the shell shows it, without colours."""

    def __init__(self, shell):
        self.shell = shell

    def text(self, etype, value, tb, tb_offset=None, context=5):
        from .protocol import strip_ansi
        return strip_ansi('\n'.join(self.shell.format_traceback(etype, value, tb)))


class DictModule:
    """A stand-in module whose namespace is a given dict (pickle finds classes in it)."""

    def __init__(self, ns):
        self.__dict__ = ns


def make_shell(profile="default", overrides=(), **shell_kwargs):
    """A Shell on the profile: its history, config (file + overrides) and
    startup files."""
    from .config import Config, profile_dir, run_startup
    from .history import HistoryManager
    cfg = Config.load(profile, overrides)
    path = profile_dir(profile)
    if path and cfg["History"]["enabled"]:
        history = HistoryManager(os.path.join(path, "history.sqlite"))
    else:
        history = HistoryManager(":memory:")
    shell = Shell(history=history, **shell_kwargs)
    shell.profile, shell.profile_dir = profile, path
    cfg.apply(shell)
    run_startup(shell, path, cfg)
    return shell


# ------------------------------------------------------------------ the Shell

class Shell(MagicDispatch, Tracebacks, Introspection, SystemCommands):
    """An interactive namespace that runs cells, IPython style.

    Settings are class attributes a subclass or a frontend may change:
    pager_payload (the kernel sets it: page() output goes to self.payload),
    system_stdin (stdin for !commands; None inherits), tb_before/tb_after
    (context lines around the failing line in tracebacks).
    """
    tb_before, tb_after = 2, 1
    pager_payload = False
    system_stdin = None
    builtin_magics = True           # False: a bare shell with only its own few magics
    figure_scale = 1                # inline figures' pixels per logical pixel (HiDPI: 2)
    autoawait = True                # top-level `await` in cells (%autoawait)
    autocall = 0                    # `f x` runs f(x): 0 off, 1 smart, 2 full (%autocall)

    def __init__(self, user_ns=None, user_module=None, display_pub=None, history=None,
                 colors='NoColor', xmode='Context'):
        self.display_pub = display_pub if display_pub is not None else DisplayPublisher()
        self.display_formatter = DisplayFormatter()
        self.hooks = Hooks(self)
        self.InteractiveTB = TracebackText(self)
        self.history = history
        self.events = EventManager(self)
        self.magics = {'line': {}, 'cell': {}}
        self.ast_transformers = []      # ast.NodeTransformer objects run on each cell
        for name in ('xmode', 'matplotlib', 'pinfo', 'pinfo2', 'tb'):
            self.magics['line'][name] = getattr(self, 'magic_' + name)
        self.colors = colors
        self.xmode = xmode
        self.payload = []
        self.last_error = None
        self.exit_now = self.keepkernel = False
        self.loop = None                # event loop for top-level await, made on first use
        self.compile_flags = 0          # __future__ features carried from cell to cell
        self._store_history = True
        self._cells_running = 0         # run_cell calls under way (nested ones inside)
        self._last_exc = None
        self._completer = None
        self._init_namespace(user_ns, user_module)
        self.automagic = True           # a bare `name args` runs magic `name`
        self.profile, self.profile_dir, self.config = 'default', None, None
        self.next_input = None          # text for the next prompt (%load, %recall)
        self.activate()
        if self.builtin_magics:
            self.load_builtin_magics()

    def load_builtin_magics(self):
        """Register the built-in magics: each topic module's (magics_<topic>.py),
        imported only now."""
        from . import (magics_code, magics_config, magics_display, magics_execution,
                       magics_extensions, magics_history, magics_namespace, magics_os)
        state = self.magics_state = MagicState(self)
        self.user_ns['_dh'] = state.dir_history
        for module in (magics_config, magics_extensions, magics_code, magics_execution,
                       magics_namespace, magics_history, magics_os, magics_display):
            for cls in module.CLASSES:
                register_magics(self, cls(self))
        magics_os.install_default_aliases(self)
        state.hidden = set(self.user_ns)

    def set_next_input(self, text, replace=False):
        """Offer text as the next input: a set_next_input payload in a kernel,
        shell.next_input for an in-process frontend."""
        self.next_input = text
        if self.pager_payload:
            self.payload.append({'source': 'set_next_input', 'text': text,
                                 'replace': replace})

    @classmethod
    def instance(cls, *args, **kwargs):
        """The current shell, or a new one (IPython's InteractiveShell.instance())."""
        return Shell.current() or cls(*args, **kwargs)

    @property
    def input_transformer_manager(self):
        """What IPython code calls to turn IPython syntax into Python: transform_cell."""
        return self

    @classmethod
    def current(cls):
        """The most recently created or activated Shell, or None."""
        return active_shell()

    def activate(self):
        """Make this the shell that get_ipython() and display() use."""
        set_active_shell(self)

    def get_ipython(self):
        return self

    def _init_namespace(self, user_ns, user_module):
        if user_module is None:
            if user_ns is None:
                import types
                user_module = types.ModuleType('__main__')
            else:
                user_module = DictModule(user_ns)
        self.user_module = user_module
        self.user_global_ns = user_module.__dict__
        self.user_ns = self.user_global_ns if user_ns is None else user_ns
        self.execution_count = 1
        self._fill_namespace()

    def _fill_namespace(self):
        self.In, self.Out = [''], {}
        self.user_global_ns.setdefault('__builtins__', builtins)
        from .display import display         # builtins in IPython, for %run scripts too
        builtins.display, builtins.get_ipython = display, get_ipython
        self.user_ns.setdefault('__name__', '__main__')
        exit_ = ExitAutocall(self)
        self.user_ns.update(
            get_ipython=self.get_ipython, In=self.In, Out=self.Out, _ih=self.In,
            _oh=self.Out, _='', __='', ___='', _i='', _ii='', _iii='', _i00='',
            exit=exit_, quit=exit_)

    # -- namespace ---------------------------------------------------------

    def push(self, variables):
        """Put a dict of names into the user namespace."""
        self.user_ns.update(variables)

    def ev(self, expr):
        """Evaluate an expression in the user namespace."""
        return eval(expr, self.user_global_ns, self.user_ns)

    def ex(self, cmd):
        """Execute statements in the user namespace."""
        exec(cmd, self.user_global_ns, self.user_ns)

    def reset(self, new_session=True):
        """Empty the namespace and the In/Out caches; new_session restarts counting."""
        self.user_ns.clear()
        if self.user_global_ns is not self.user_ns:
            self.user_global_ns.clear()
            self.user_global_ns['__name__'] = '__main__'
        self.user_ns['__name__'] = '__main__'
        self._fill_namespace()
        self.last_error = self._last_exc = None
        if new_session:
            self.execution_count = 1
        if new_session and self.history is not None and hasattr(self.history, 'new_session'):
            self._history_call('new_session')

    def ask_exit(self):
        self.exit_now = True

    # -- running cells -----------------------------------------------------

    def run_cell(self, raw_cell, store_history=True, silent=False):
        """Run one cell; return an ExecutionResult.

        store_history numbers the cell (execution_count, In, Out, history);
        silent runs it with no displayed value, no history, no *_run_cell events.
        A cell run from inside another (get_ipython().run_cell(...)) is not
        numbered: the running cell holds its number.
        """
        if silent or self._cells_running:
            store_history = False
        info = ExecutionInfo(raw_cell, store_history, silent)
        result = ExecutionResult(info)
        self.events.trigger('pre_execute')
        if not silent:
            self.events.trigger('pre_run_cell', info)
        self._cells_running += 1
        try:
            self._run_cell(raw_cell, result, store_history, silent)
        finally:
            self._cells_running -= 1
            self.events.trigger('post_execute')
            if not silent:
                self.events.trigger('post_run_cell', result)
        return result

    def _run_cell(self, raw_cell, result, store_history, silent):
        import linecache
        count = result.execution_count = self.execution_count
        if not raw_cell.strip():
            return          # as in IPython, an empty cell is not numbered
        self._store_history = store_history
        try:
            try:
                cell = self.transform_cell(raw_cell, run=True)
            except Exception as e:
                self.showtraceback()
                result.error_before_exec = e
                return
            if store_history:
                self._store_input(count, cell, raw_cell)
            filename = '<ipython-input-%d-%012x>' % (count, hash(cell) & 0xffffffffffff)
            linecache.cache[filename] = (len(cell), None, _keeplines(cell), filename)
            try:
                codes = self._compile(cell, filename, silent)
            except (SyntaxError, ValueError, OverflowError) as e:
                if isinstance(e, SyntaxError):
                    self.showsyntaxerror()
                else:
                    self.showtraceback()
                result.error_before_exec = e
                return
            self._execute(codes, result)
        finally:
            self._store_history = True
            if store_history:
                self.execution_count += 1

    def _compile(self, cell, filename, silent):
        """Code objects for the cell: [(code, is_last_expression)]."""
        import ast
        flags = self.compile_flags | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if self.autoawait else 0)
        tree = compile(cell, filename, 'exec', flags | ast.PyCF_ONLY_AST, dont_inherit=True)
        body = tree.body
        quiet = silent or (body and isinstance(body[-1], ast.Expr)
                           and _ends_with_semicolon(cell, body[-1]))
        if self.ast_transformers:
            body = self._transform_ast(tree).body
        last = None
        if body and isinstance(body[-1], ast.Expr) and not quiet:
            last = ast.Expression(body.pop().value)
        # A `from __future__` import after the cell's first statement is legal in IPython,
        # which compiles statement by statement: it starts a module of its own here.
        chunks = [[]]
        for node in body:
            future = isinstance(node, ast.ImportFrom) and node.module == '__future__'
            if future and chunks[-1]:
                chunks.append([])
            chunks[-1].append(node)
            if future:
                chunks.append([])
        codes = []
        for chunk in filter(None, chunks):
            module = ast.Module(chunk, type_ignores=[])
            code = compile(module, filename, 'exec', flags, dont_inherit=True)
            flags |= code.co_flags & _future_flags()
            codes.append((code, False))
        if last is not None:
            codes.append((compile(last, filename, 'eval', flags, dont_inherit=True), True))
        for code, _ in codes:
            self.compile_flags |= code.co_flags & _future_flags()
        return codes

    def _transform_ast(self, tree):
        """The cell's tree through each of self.ast_transformers (ast.NodeTransformer
        objects, as in IPython); one that fails is dropped with a warning."""
        import ast
        import warnings
        for transformer in list(self.ast_transformers):
            try:
                new = transformer.visit(tree)
                if not isinstance(new, ast.Module):
                    raise TypeError('it returned %r, not a Module' % type(new).__name__)
                tree = new
            except Exception as e:
                warnings.warn('AST transformer %r threw an error. It will be unregistered. '
                              '(%s)' % (transformer, e))
                self.ast_transformers.remove(transformer)
        return ast.fix_missing_locations(tree)

    _pending_interrupt = False   # set by a kernel whose interrupt came before the code ran

    def _execute(self, codes, result):
        if self._pending_interrupt:      # interrupted before its code could start
            self._pending_interrupt = False
            result.error_in_exec = e = KeyboardInterrupt()
            self._publish_error('KeyboardInterrupt', e, [self._exception_line(e)])
            return
        main = sys.modules.get('__main__')
        sys.modules['__main__'] = self.user_module      # so pickle finds cell classes
        try:
            if any(code.co_flags & CO_COROUTINE for code, _ in codes):
                # the whole cell runs inside the loop, so every statement sees it
                self._run_coroutine(self._execute_async(codes, result))
            else:
                for code, is_expr in codes:
                    self._show_value(eval(code, self.user_global_ns, self.user_ns),
                                     is_expr, result)
        except SystemExit as e:
            result.error_in_exec = e
            self._last_exc = sys.exc_info()
            self._publish_error('SystemExit', e, [
                'An exception has occurred, use %tb to see the full traceback.\n',
                self._exception_line(e)])
        except BaseException as e:
            result.error_in_exec = e
            if not getattr(e, '_ipylite_shown', False):     # %run showed it already
                self.showtraceback()
        finally:
            if main is not None:
                sys.modules['__main__'] = main

    async def _execute_async(self, codes, result):
        for code, is_expr in codes:
            value = eval(code, self.user_global_ns, self.user_ns)
            if code.co_flags & CO_COROUTINE:
                value = await value
            self._show_value(value, is_expr, result)

    def _show_value(self, value, is_expr, result):
        if is_expr and value is not None:
            result.result = value
            self.displayhook(value)

    def _run_coroutine(self, coro):
        """Run a top-level-await cell on the shell's own loop, reused across cells."""
        import asyncio
        if self.loop is None or self.loop.is_closed():
            self.loop = asyncio.new_event_loop()
        if asyncio._get_running_loop() is None:
            return self.loop.run_until_complete(coro)
        # Called from inside a running loop (an asyncio frontend): use a thread.
        import threading
        outcome = {}

        def run():
            try:
                outcome['value'] = self.loop.run_until_complete(coro)
            except BaseException as e:
                outcome['error'] = e
        worker = threading.Thread(target=run, name='ipylite-await')
        worker.start()
        worker.join()
        if 'error' in outcome:
            raise outcome['error']
        return outcome['value']

    def displayhook(self, value):
        """Show the value of a cell's last expression as Out[n] and cache it."""
        if value is None:
            return
        if isinstance(value, ExitAutocall):
            return value()
        count = self.execution_count
        if self._store_history:
            ns = self.user_ns
            ns['___'], ns['__'], ns['_'] = ns.get('__', ''), ns.get('_', ''), value
            self.Out[count] = ns['_%d' % count] = value
        data, md = self.display_formatter.format(value)
        if not data:
            return
        if self._store_history and self.history is not None:
            self._history_call('store_output', count, data.get('text/plain'))
        self.display_pub.execute_result(count, data, md)

    def _store_input(self, count, cell, raw_cell):
        ns = self.user_ns
        while len(self.In) < count:
            self.In.append('')
        self.In[count:count + 1] = [cell]
        ns['_iii'], ns['_ii'], ns['_i'] = ns.get('_ii', ''), ns.get('_i', ''), ns.get('_i00', '')
        ns['_i00'] = ns['_i%d' % count] = cell
        if self.history is not None:
            self._history_call('store_input', count, cell, raw_cell)

    def _history_call(self, name, *args):
        try:
            getattr(self.history, name)(*args)
        except Exception:
            import logging
            logging.getLogger(__name__).exception('history.%s failed', name)

    # -- input transforms --------------------------------------------------

    def transform_cell(self, cell, run=False):
        """IPython syntax to Python: pasted prompts, %%cell and %line magics,
        !shell commands (x = !cmd too), obj? / obj?? help.  Lines inside strings,
        brackets or continuations are left alone."""
        lines = strip_prompts(cell.splitlines(True))
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and lines[first][:1] in (' ', '\t'):    # a common indent goes
            pad = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
            lines = [line[len(pad):] if line.startswith(pad) else line for line in lines]
        if first is not None and lines[first].startswith('%%') and (     # not %%name?
                len(lines) > first + 1 or not lines[first].rstrip().endswith('?')):
            name, arg = (lines[first][2:].split(None, 1) + [''])[:2]
            body = ''.join(lines[first + 1:])
            if body and not body.endswith('\n'):    # as IPython: the body ends its last line
                body += '\n'
            return 'get_ipython().run_cell_magic(%r, %r, %r)\n' % (name, arg.rstrip(), body)
        out, scan = [], LineScan()
        for line in lines:
            if scan.at_start():
                new = transform_line(line)
                if new is None and self.automagic:
                    new = self._automagic(line, cell)
                if new is None and self.autocall and len(lines) == 1:
                    new = autocall_line(self, line, echo=run)
                if new is not None:
                    out.append(new)
                    continue
            scan.feed(line)
            out.append(line)
        return ''.join(out)

    # -- the shell's own magic, and the pager ---------------------------------

    def magic_matplotlib(self, line):
        """%matplotlib [inline | widget | notebook]: show matplotlib figures as images in
        the output, or as interactive canvases drawn by the frontend (widget: ipympl's;
        notebook: matplotlib's nbagg)."""
        gui = line.strip() or 'inline'
        if gui in ('widget', 'ipympl', 'notebook', 'nbagg'):
            from .display import enable_matplotlib_comm_backend
            return enable_matplotlib_comm_backend(self, gui)
        if gui != 'inline':
            raise UsageError('%%matplotlib: %r is not a backend a kernel can show; use '
                             'inline, widget (with ipympl) or notebook' % gui)
        from .display import enable_matplotlib_inline
        enable_matplotlib_inline(self)

    def enable_gui(self, gui=None):
        """IPython's API (matplotlib calls it): run the toolkit's event loop while the
        prompt waits. Backends drawn by the frontend (inline, nbagg, widget...) need none."""
        if gui in (None, 'inline', 'nbagg', 'notebook', 'webagg', 'widget', 'ipympl'):
            return
        try:
            self.run_line_magic('gui', gui)
        except UsageError as e:     # (a toolkit %gui lacks: its windows wait for show())
            import logging
            logging.getLogger(__name__).warning('%s', e)

    def page(self, data, start=0):
        """Show long text (or a mime bundle) in the frontend's pager."""
        bundle = {'text/plain': data} if isinstance(data, str) else data
        if self.pager_payload:
            self.payload.append({'source': 'page', 'data': bundle, 'start': start})
        else:
            sys.stdout.write(bundle.get('text/plain', '') + '\n')

    # -- completion (completer.py) -------------------------------------------

    def complete(self, code, cursor_pos=None):
        """Completions for the text before cursor_pos, as a complete_reply content."""
        if self._completer is None:
            from .completer import Completer
            self._completer = Completer(self)
        return self._completer.complete(code, cursor_pos)

    def _lookup(self, dotted, descriptors=False):
        """The object a plain dotted name in the user's namespace refers to, or
        _MISSING; properties and other descriptors are not run."""
        return lookup((self.user_ns, self.user_global_ns), dotted, descriptors)

    # -- is_complete ---------------------------------------------------------

    def is_complete(self, code):
        """Whether code is ready to run, as an is_complete_reply content: 'complete',
        'incomplete' (with the indent for the next line) or 'invalid'."""
        import re
        ends_blank = re.search(r'\n[ \t]*\n[ \t]*\Z', code) is not None
        first = next((line for line in code.splitlines() if line.strip()), '')
        if first.startswith('%%'):
            return {'status': 'complete'} if ends_blank else \
                {'status': 'incomplete', 'indent': ''}
        try:
            source = self.transform_cell(code)
        except Exception:
            return {'status': 'invalid'}
        if not source.strip():
            return {'status': 'complete'}
        scan, statement = LineScan(), ''
        for line in source.splitlines(True):
            if scan.at_start() and line.strip() and not line.lstrip().startswith('#'):
                statement = line
            scan.feed(line)
        indent = statement[:len(statement) - len(statement.lstrip())]
        last = source.rstrip().splitlines()[-1]
        if last.lstrip().startswith('#'):    # a comment keeps its own indent (ipykernel)
            indent = last[:len(last) - len(last.lstrip())] or indent
        elif re.sub(r'#[^\'"]*$', '', last).rstrip().endswith(':'):
            indent += '    '
        elif re.match(r'\s*(return|pass|raise|break|continue)\b', last):
            indent = indent[:-4]
        import ast
        import codeop
        compiler = codeop.CommandCompiler()
        compiler.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            code_obj = compiler(source, '<input>', 'exec')
        except (SyntaxError, OverflowError, ValueError):
            return {'status': 'invalid'}
        if code_obj is None or scan.quote or scan.depth or scan.cont:
            return {'status': 'incomplete', 'indent': indent}
        if statement[:1] in (' ', '\t') and not ends_blank:    # a block needs a blank line
            return {'status': 'incomplete', 'indent': indent}
        return {'status': 'complete'}


# ------------------------------------------------------------------- helpers

def _future_flags():
    import __future__
    return sum(getattr(__future__, f).compiler_flag for f in __future__.all_feature_names)


def _ends_with_semicolon(cell, node):
    """Whether the last statement (an expression) is followed by ';'."""
    lines = _keeplines(cell)
    line = lines[node.end_lineno - 1].encode('utf-8')
    rest = line[node.end_col_offset:].decode('utf-8', 'replace') + ''.join(lines[node.end_lineno:])
    return rest.lstrip(' \t\r\n\\)').startswith(';')


def _keeplines(text):
    """text cut after each newline, as Python numbers lines (str.splitlines also
    cuts at \\f, \\v and others)."""
    lines = text.split('\n')
    return [line + '\n' for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


