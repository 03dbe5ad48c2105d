"""What the interpreter shows of objects and errors: tracebacks in IPython's layout
(Plain/Context/Verbose, colours, exception chains) and obj?/obj?? (``Tracebacks`` and
``Introspection``, mixed into Shell), and the helpers other modules share: which
traceback frames a user sees (the shell's own machinery and frames that set
``__tracebackhide__`` hidden) and a repr that never raises.
"""

import os
import sys

from .completer import MISSING as _MISSING
from .display import UsageError

CO_VARARGS, CO_VARKEYWORDS = 0x04, 0x08
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def internal_frame(frame):
    """Frames of the shell's own machinery (ipylite, asyncio) above the user's code."""
    filename = frame.f_code.co_filename
    return filename.startswith(_PACKAGE_DIR) or '%sasyncio%s' % (os.sep, os.sep) in filename \
        or filename.endswith('threading.py')


def visible_frames(tb, exc=None):
    """[(frame, lineno)] of a traceback without the shell's machinery on top and
    without frames that set __tracebackhide__; for a KeyboardInterrupt, also without
    ipylite's frames below the user's (the interrupt landed in our print(), say)."""
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno if tb.tb_lineno is not None else
                       tb.tb_frame.f_lineno))
        tb = tb.tb_next
    start = 0
    while start < len(frames) and internal_frame(frames[start][0]):
        start += 1
    if start == len(frames):
        start = 0           # nothing but ipylite: show it all, it is our bug
    elif isinstance(exc, KeyboardInterrupt):
        # from the user's last frame on, what was interrupted is our machinery (and
        # what it called: zmq waiting for an input() reply, say)
        for i in range(start + 1, len(frames)):
            if internal_frame(frames[i][0]):
                del frames[i:]
                break
    return [(f, n) for f, n in frames[start:]
            if f.f_code.co_name == '<module>' or '__tracebackhide__' not in f.f_locals]


def safe_repr(obj, limit):
    """repr(obj) cut to ``limit`` characters; a repr that raises is named instead."""
    try:
        text = repr(obj)
    except Exception:
        text = '<unprintable %s object>' % type(obj).__name__
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _exception_chain(value, tb):
    """[(exception, traceback, message printed before it)], oldest first."""
    chain, seen = [], set()
    exc, etb = value, tb
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if exc.__cause__ is not None:
            nxt, message = exc.__cause__, _CAUSE
        elif exc.__context__ is not None and not exc.__suppress_context__:
            nxt, message = exc.__context__, _CONTEXT
        else:
            nxt, message = None, None
        chain.append((exc, etb, message if nxt is not None and id(nxt) not in seen else None))
        exc, etb = nxt, getattr(nxt, '__traceback__', None)
    return chain[::-1]

_CAUSE = '\nThe above exception was the direct cause of the following exception:\n'

_CONTEXT = '\nDuring handling of the above exception, another exception occurred:\n'

_COLORS = {
    'Linux': dict(topline='31', exc='31', file='32', lineno='32', arrow='32',
                  name='36', var='36', val='32', head='31'),
    'LightBG': dict(topline='31', exc='31', file='32', lineno='32', arrow='32',
                    name='35', var='34', val='32', head='31'),
}

_COLORS['Neutral'] = _COLORS['Linux']

def _first_tb(tb, frame):
    while tb is not None and tb.tb_frame is not frame:
        tb = tb.tb_next
    return tb

def _short_name(filename):
    """'Cell In[n]' for a cell's filename, else the path with ~ for the home folder."""
    if filename.startswith('<ipython-input-'):
        return 'Cell In[%s]' % filename.split('-')[2]
    home = os.path.expanduser('~')
    if home not in ('~', '/') and filename.startswith(home + os.sep):
        filename = '~' + filename[len(home):]
    return filename

def _where(filename, lineno):
    """'Cell In[3], line 2' for a cell, 'File ~/mod.py:2' for a file."""
    name = _short_name(filename)
    if name.startswith('Cell In['):
        return name + (', line %d' % lineno if lineno else '')
    return 'File %s' % name + (':%d' % lineno if lineno else '')

def _string_form(obj):
    try:
        text = str(obj)
    except Exception:
        return None
    return text if len(text) <= 200 else text[:100] + '<...>' + text[-100:]


def _pick(value, choices, what):
    """The choice that value names, case-insensitively; UsageError if none."""
    for choice in choices:
        if choice.lower() == str(value).lower():
            return choice
    raise UsageError('Invalid %s %r: use one of %s' % (what, value, ', '.join(choices)))


# ------------------------------------------------------------------ tracebacks

class Tracebacks:
    """The Shell's traceback methods (a mixin: ``self`` is the Shell), IPython's
    layout: colours by ``self.colors``, ``self.xmode`` Plain/Context/Verbose/Minimal
    (both checked when set), and the shell's own %xmode and %tb."""
    xmodes = ('Plain', 'Context', 'Verbose', 'Minimal')
    color_schemes = ('NoColor', 'Linux', 'LightBG', 'Neutral')

    @property
    def xmode(self):
        return self._xmode

    @xmode.setter
    def xmode(self, mode):
        self._xmode = _pick(mode, self.xmodes, 'xmode')

    @property
    def colors(self):
        return self._colors

    @colors.setter
    def colors(self, scheme):
        self._colors = _pick(scheme, self.color_schemes, 'color scheme')

    def magic_xmode(self, line):
        """%xmode [Plain|Context|Verbose|Minimal]: how exceptions are reported
        (no argument cycles through the modes)."""
        mode = line.strip()
        if not mode:
            mode = self.xmodes[(self.xmodes.index(self.xmode) + 1) % len(self.xmodes)]
        self.xmode = mode
        sys.stdout.write('Exception reporting mode: %s\n' % self.xmode)

    def magic_tb(self, line):
        """%tb [mode]: print the last traceback in full (mode as in %xmode)."""
        if self._last_exc is None:
            raise UsageError('No traceback available to show.')
        mode = _pick(line.strip(), self.xmodes, 'xmode') if line.strip() else (
            'Context' if self.xmode == 'Minimal' else self.xmode)
        etype, value, tb = self._last_exc
        self._publish_error(etype.__name__, value, self.format_traceback(etype, value, tb, mode))

    def showtraceback(self, exc_tuple=None, filename=None, tb_offset=None,
                      exception_only=False, running_compiled_code=False):
        """Report the exception being handled (or exc_tuple) through display_pub.
        (IPython's signature: callers such as ipywidgets pass tb_offset.)"""
        etype, value, tb = exc_tuple or sys.exc_info()
        if etype is None:
            sys.stderr.write('No traceback available to show.\n')
            return
        if exception_only:
            lines = self._exception_only(value)
        elif isinstance(value, UsageError):
            lines = ['UsageError: %s' % value]
        else:
            self._last_exc = (etype, value, tb)
            render = getattr(value, '_render_traceback_', None)  # e.g. a remote error
            try:
                lines = render() if render else None
            except Exception:
                lines = None
            if lines is None:
                lines = self.format_traceback(etype, value, tb)
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
        self._publish_error(etype.__name__, value, lines)

    def showsyntaxerror(self, filename=None):
        """Report the SyntaxError being handled: where, the line, a caret."""
        etype, value, tb = sys.exc_info()
        sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
        self._last_exc = (etype, value, None)
        self._publish_error(etype.__name__, value, self._exception_only(value))

    def get_exception_only(self, exc_tuple=None):
        """'ExcType: message\\n' for the exception being handled (or exc_tuple)."""
        value = (exc_tuple or sys.exc_info())[1]
        from .protocol import strip_ansi
        return strip_ansi('\n'.join(self._exception_only(value))) + '\n'

    def _publish_error(self, ename, value, traceback_lines):
        try:
            evalue = str(value)
        except Exception:
            evalue = '<unprintable %s object>' % type(value).__name__
        self.last_error = {'ename': ename, 'evalue': evalue, 'traceback': traceback_lines}
        self.display_pub.error(self.last_error)

    def format_traceback(self, etype, value, tb, mode=None):
        """The traceback as a list of strings, in xmode `mode` (default self.xmode)."""
        mode = mode or self.xmode
        if mode == 'Minimal':
            return self._exception_only(value)
        if mode == 'Plain':
            return [self._plain_traceback(etype, value, tb)]
        out = []
        for i, (exc, etb, message) in enumerate(_exception_chain(value, tb)):
            if message:
                out.append(message)
            name = type(exc).__name__
            header = self._c('exc', name) + ' ' * max(1, 42 - len(name)) + \
                'Traceback (most recent call last)'
            out.append(self._c('topline', '-' * 75) + '\n' + header if i == 0 else header)
            out.extend(self._format_frame(frame, lineno, mode == 'Verbose')
                       for frame, lineno in visible_frames(etb, exc))
            out.extend(self._exception_only(exc))
        return out

    def _c(self, kind, text):
        """text in the colour the scheme gives `kind`."""
        codes = _COLORS.get(self._colors)
        return '\033[%sm%s\033[0m' % (codes[kind], text) if codes else text

    def _format_frame(self, frame, lineno, verbose):
        import linecache
        code = frame.f_code
        where = self._c('file', _where(code.co_filename, lineno))
        if code.co_name != '<module>':
            where += ', in %s(%s)' % (self._c('name', getattr(code, 'co_qualname', code.co_name)),
                                      self._format_args(frame, verbose))
        lines = [where]
        source = linecache.getlines(code.co_filename, frame.f_globals)
        if 0 < lineno <= len(source):
            first, last = max(1, lineno - self.tb_before), min(len(source), lineno + self.tb_after)
            for n in range(first, last + 1):
                text = source[n - 1].rstrip()
                if n == lineno:
                    mark = '-' * max(0, 5 - len(str(n))) + '> ' + str(n)
                    lines.append(self._c('arrow', mark) + ' ' + text)
                else:
                    lines.append(self._c('lineno', str(n).rjust(7)) + ' ' + text)
            if verbose:
                lines.extend(self._format_locals(frame, source[lineno - 1]))
        return '\n'.join(lines) + '\n'

    def _format_args(self, frame, verbose):
        code = frame.f_code
        nargs, nkw = code.co_argcount, code.co_kwonlyargcount
        names = list(code.co_varnames[:nargs])
        i = nargs + nkw
        if code.co_flags & CO_VARARGS:
            names.append('*' + code.co_varnames[i])
            i += 1
        elif nkw:
            names.append('*')
        names.extend(code.co_varnames[nargs:nargs + nkw])
        if code.co_flags & CO_VARKEYWORDS:
            names.append('**' + code.co_varnames[i])
        if not verbose:
            return ', '.join(names)
        values = frame.f_locals
        return ', '.join(n if n.lstrip('*') not in values else '%s=%s' % (
            self._c('var', n), self._c('val', safe_repr(values[n.lstrip('*')], 60)))
            for n in names if n != '*')

    def _format_locals(self, frame, line):
        """Verbose mode: a function's locals; at module level, the names on the line."""
        import re
        if frame.f_code.co_name == '<module>':
            ns = frame.f_globals
            names = [n for n in dict.fromkeys(re.findall(r'[^\W\d]\w*', line)) if n in ns
                     and type(ns[n]).__name__ != 'module' and not n.startswith('__')]
        else:
            ns = frame.f_locals
            names = [n for n in ns if not n.startswith('__')]
        return ['%s%s = %s' % (' ' * 8, self._c('var', n), self._c('val', safe_repr(ns[n], 80)))
                for n in names]

    def _exception_only(self, value):
        """The last lines of a traceback: for a SyntaxError the place and a caret,
        then 'ExcType: message' and any notes."""
        lines = []
        if isinstance(value, SyntaxError):
            lines.append(self._syntax_location(value))
        line = self._exception_line(value)
        notes = getattr(value, '__notes__', None)
        if isinstance(notes, (list, tuple)):
            line = '\n'.join([line] + [str(note) for note in notes])
        lines.append(line)
        return lines

    def _exception_line(self, value):
        if isinstance(value, SyntaxError):
            message = value.msg
        else:
            try:
                message = str(value)
            except Exception:
                message = '<exception str() failed>'
        name = self._c('exc', type(value).__name__)
        return '%s: %s' % (name, message) if message else name

    def _syntax_location(self, value):
        import linecache
        lines = ['  ' + self._c('file', _where(value.filename or '<unknown>', value.lineno))]
        text = value.text
        if text is None and value.lineno and value.filename:
            text = linecache.getline(value.filename, value.lineno) or None
        if text:
            text = text.rstrip('\r\n')
            indent = len(text) - len(text.lstrip())
            lines.append('    ' + text.strip())
            if value.offset and value.offset > indent:
                width = 1
                end = value.end_offset
                if end and value.end_lineno == value.lineno and end > value.offset:
                    width = min(end, len(text) + 1) - value.offset
                lines.append('    ' + ' ' * (value.offset - 1 - indent) +
                             self._c('exc', '^' * max(1, width)))
        return '\n'.join(lines)

    def _plain_traceback(self, etype, value, tb):
        import re
        import traceback
        frames = visible_frames(tb)
        tb = _first_tb(tb, frames[0][0]) if frames else tb
        text = ''.join(traceback.format_exception(etype, value, tb)).rstrip('\n')

        def cell(m):
            where = '' if m[3] == '<module>' else ' in ' + m[3]
            return 'Cell In[%s], line %s%s' % (m[1], m[2], where)
        return re.sub(r'File "<ipython-input-(\d+)-[0-9a-f]+>", line (\d+), in (.*)', cell, text)


# ---------------------------------------------------------------- obj? and obj??

class Introspection:
    """The Shell's obj?/obj?? and inspect_request (a mixin: ``self`` is the Shell), and
    a bare shell's %pinfo/%pinfo2 (magics_namespace has the full ones)."""

    def magic_pinfo(self, line, detail_level=0):
        """%pinfo obj (or obj?): signature, docstring and more about obj."""
        name = line.strip()
        text = self.object_inspect_text(name, detail_level) if name else None
        if text is None:
            sys.stdout.write('Object `%s` not found.\n' % name)
        else:
            self.page(text)

    def magic_pinfo2(self, line):
        """%pinfo2 obj (or obj??): like %pinfo, with the source code."""
        self.magic_pinfo(line, 1)

    def inspect(self, code, cursor_pos=None, detail_level=0):
        """Information about the object at the cursor, as an inspect_reply content."""
        if cursor_pos is None:
            cursor_pos = len(code)
        name = _name_at(code, cursor_pos)
        try:
            text = self.object_inspect_text(name, detail_level) if name else None
        except Exception:
            import logging
            logging.getLogger(__name__).debug('inspect failed', exc_info=True)
            text = None
        if text is None:
            return {'status': 'ok', 'found': False, 'data': {}, 'metadata': {}}
        return {'status': 'ok', 'found': True, 'data': {'text/plain': text}, 'metadata': {}}

    def object_inspect_text(self, oname, detail_level=0):
        """IPython-style information about the object named oname (a dotted name or
        %magic), or None when there is no such object; detail_level=1 adds source."""
        oname = oname.strip()
        if oname.startswith('%'):
            kind = 'cell' if oname.startswith('%%') else 'line'
            obj = self.magics[kind].get(oname.lstrip('%'), _MISSING)
        else:
            obj = self._lookup(oname, descriptors=True)
        if obj is _MISSING:
            return None
        return self._info_text(obj, oname, detail_level)

    def _info_text(self, obj, oname, detail_level):
        import inspect
        fields = []
        is_class = isinstance(obj, type)
        is_routine = inspect.isroutine(obj)
        plain_object = not (is_class or is_routine)
        if callable(obj):
            try:
                signature = '%s%s' % (oname, inspect.signature(obj))
            except (TypeError, ValueError):
                signature = None
            fields.append(('Init signature' if is_class else 'Signature', signature))
        if plain_object:
            fields.append(('Type', type(obj).__name__))
            fields.append(('String form', _string_form(obj)))
            if not inspect.ismodule(obj) and hasattr(type(obj), '__len__'):
                try:
                    fields.append(('Length', str(len(obj))))
                except Exception:
                    pass
        source = None
        if detail_level and (not plain_object or inspect.ismodule(obj)):
            try:
                source = inspect.getsource(obj)
            except (TypeError, OSError, IndexError):
                pass
        if source:
            fields.append(('Source', source.rstrip('\n')))
        else:
            fields.append(('Docstring', inspect.getdoc(obj) or '<no docstring>'))
        if is_class:
            init = getattr(obj, '__init__', None)
            if init is not None and init is not object.__init__ and init.__doc__ \
                    and init.__doc__ != object.__init__.__doc__:
                fields.append(('Init docstring', inspect.cleandoc(init.__doc__)))
        elif plain_object and callable(obj):
            call_doc = getattr(type(obj).__call__, '__doc__', None)
            if call_doc and call_doc != type.__call__.__doc__:
                fields.append(('Call docstring', inspect.cleandoc(call_doc)))
        if not plain_object or inspect.ismodule(obj):
            try:
                src = obj if not is_class or obj.__module__ != '__main__' else next(  # a cell's
                    (f for f in vars(obj).values() if hasattr(f, '__code__')), None)  # class: not
                filename = inspect.getsourcefile(src) or inspect.getfile(src)  # __main__'s file
                if filename.startswith('<frozen '):     # frozen stdlib modules have a file
                    filename = getattr(inspect.getmodule(obj), '__file__', None) or filename
            except (TypeError, OSError):
                filename = None
            fields.append(('File', filename and _short_name(filename)))
        if not plain_object:
            fields.append(('Type', type(obj).__name__))
        if is_class:
            try:
                subclasses = type.__subclasses__(obj)
            except TypeError:
                subclasses = []
            fields.append(('Subclasses', ', '.join(c.__name__ for c in subclasses[:10])))
        return self._format_fields([(k, v) for k, v in fields if v is not None])

    def _format_fields(self, fields):
        width = max(len(key) for key, _ in fields) + 1
        out = []
        for key, value in fields:
            head = self._c('head', key + ':') + ' ' * (width - len(key) - 1)
            if '\n' in value or key == 'Source':
                out.append(head + '\n' + value)
            else:
                out.append(head + ' ' + value)
        return '\n'.join(out)


def _name_at(code, cursor):
    """The name to inspect: the callable whose call the cursor is in, else the
    dotted name at (or just before) the cursor."""
    import re
    before = code[:cursor]
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        ch = before[i]
        if ch in ')]}':
            depth += 1
        elif ch in '([{':
            if depth:
                depth -= 1
            elif ch == '(':
                m = re.search(r'[^\W\d][\w.]*$', before[:i].rstrip())
                if m:
                    return m[0].rstrip('.')
    m = re.search(r'%{0,2}[^\W\d][\w.]*$', before)
    head = m[0] if m else ''
    tail = re.match(r'\w*', code[cursor:])[0]
    return (head + tail).rstrip('.') or None
