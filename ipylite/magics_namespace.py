"""Built-in magics about the user's namespace: %who, %who_ls, %whos, %reset,
%reset_selective, %xdel; %store (variables kept in the profile across sessions); and
the objects in it: %pinfo (obj?), %pinfo2 (obj??), %pdef, %pdoc, %psource, %pfile,
%psearch, %page.

Registered on every Shell by Shell.load_builtin_magics(); see magics.py for the machinery.
"""

import os
import re

from .magics import Magics, db_dir, no_var_expand, parse_options
from .display import UsageError
from .inspector import safe_repr


# ------------------------------------------------------------------- namespace

class NamespaceMagics(Magics):
    """%who, %who_ls, %whos, %reset, %reset_selective, %xdel."""

    def _names(self, types=()):
        ns, hidden = self.shell.user_ns, self.shell.magics_state.hidden
        ours = self.shell.magics_state.hidden_values
        out = []
        for name in sorted(ns):
            if name.startswith('_') or (name in hidden and ns[name] is not None
                                        and name in ('In', 'Out', 'get_ipython', 'exit',
                                                     'quit')):
                continue
            if name in ours and ns[name] is ours[name]:
                continue
            if types and type(ns[name]).__name__ not in types:
                continue
            out.append(name)
        return out

    def line_who_ls(self, line):
        """%who_ls [type...]: a sorted list of the interactive variables' names."""
        return self._names(line.split())

    def line_who(self, line):
        """%who [type...]: print the interactive variables' names."""
        names = self._names(line.split())
        if not names:
            print('Interactive namespace is empty.' if not line.split()
                  else 'No variables match your requested type.')
            return
        print('\t'.join(names))

    def line_whos(self, line):
        """%whos [type...]: a table of the interactive variables: type, size, value."""
        names = self._names(line.split())
        if not names:
            print('Interactive namespace is empty.')
            return
        ns = self.shell.user_ns
        rows = [(n, type(ns[n]).__name__, _whos_info(ns[n])) for n in names]
        w1 = max(8, *(len(r[0]) for r in rows)) + 3
        w2 = max(4, *(len(r[1]) for r in rows)) + 3
        print('Variable'.ljust(w1) + 'Type'.ljust(w2) + 'Data/Info')
        print('-' * (w1 + w2 + 9))
        for n, t, info in rows:
            print(n.ljust(w1) + t.ljust(w2) + info)

    def line_reset(self, line):
        """%reset [-f] [in|out|dhist|array]: delete every variable (or only the
        input or output caches, or the directory history); -f skips the question."""
        opts, rest = parse_options('reset', line, 'fs')
        parts = rest.split()
        if 'f' not in opts:
            answer = input('Once deleted, variables cannot be recovered. Proceed (y/[n])? ')
            if answer.strip().lower() not in ('y', 'yes'):
                print('Nothing done.')
                return
        shell = self.shell
        for part in parts:
            if part == 'in':
                shell.In[:] = ['']
                for k in [k for k in shell.user_ns if re.fullmatch(r'_i(\d+|i*|00)', k)]:
                    shell.user_ns[k] = '' if k in ('_i', '_ii', '_iii', '_i00') else None
                    if k not in ('_i', '_ii', '_iii', '_i00'):
                        del shell.user_ns[k]
            elif part == 'out':
                shell.Out.clear()
                for k in [k for k in shell.user_ns if re.fullmatch(r'_\d+', k)]:
                    del shell.user_ns[k]
                shell.user_ns.update(_='', __='', ___='')
            elif part == 'dhist':
                shell.magics_state.dir_history[:] = [os.getcwd()]
            elif part == 'array':
                for k in [k for k in self._names() if type(shell.user_ns[k]).__name__ == 'ndarray']:
                    del shell.user_ns[k]
            else:
                raise UsageError('%%reset: unknown target %r: use in, out, dhist or array' % part)
        if not parts:
            shell.reset(new_session=False)

    def line_reset_selective(self, line):
        """%reset_selective [-f] regex: delete the variables whose names match."""
        opts, pattern = parse_options('reset_selective', line, 'f')
        if not pattern:
            raise UsageError('%reset_selective: missing regular expression')
        try:
            m = re.compile(pattern)
        except re.error as e:
            raise UsageError('%%reset_selective: bad regular expression: %s' % e) from None
        if 'f' not in opts:
            answer = input('Once deleted, variables cannot be recovered. Proceed (y/[n])? ')
            if answer.strip().lower() not in ('y', 'yes'):
                print('Nothing done.')
                return
        for name in self._names():
            if m.search(name):
                del self.shell.user_ns[name]

    def line_xdel(self, line):
        """%xdel name: delete a variable and every cached reference to its value."""
        name = line.strip()
        ns = self.shell.user_ns
        if name not in ns:
            raise UsageError('%%xdel: name %r is not defined' % name)
        value = ns.pop(name)
        for key, v in list(self.shell.Out.items()):
            if v is value:
                del self.shell.Out[key]
                ns.pop('_%d' % key, None)
        for key in ('_', '__', '___'):
            if ns.get(key) is value:
                ns[key] = ''


def _whos_info(value):
    kind = type(value).__name__
    if kind == 'ndarray':
        return '%s: %d elems, type `%s`, %d bytes' % (
            'x'.join(map(str, value.shape)), value.size, value.dtype, value.nbytes)
    if kind in ('list', 'tuple', 'dict', 'set', 'frozenset'):
        return 'n=%d' % len(value)
    if kind == 'module':
        return getattr(value, '__name__', '?')
    text = safe_repr(value, 50).replace('\n', ' ')
    return text


class StoreMagics(Magics):
    """%store: variables kept in the profile across sessions."""

    def line_store(self, line):
        """%store var...: keep variables in the profile across sessions;
        %store lists them, -r restores (all, or the named), -d var forgets one,
        -z forgets all; %store var >file / >>file writes repr to a file."""
        import pickle
        shell = self.shell
        opts, rest = parse_options('store', line, 'rdz')
        folder = db_dir(shell, 'autorestore')
        names = rest.split()
        if 'z' in opts:
            for n in os.listdir(folder):
                os.remove(os.path.join(folder, n))
            return
        if 'd' in opts:
            if not names:
                raise UsageError('%store: -d needs a variable name')
            for n in names:
                try:
                    os.remove(os.path.join(folder, n))
                except FileNotFoundError:
                    raise UsageError("%%store: no stored variable %r" % n) from None
            return
        if 'r' in opts:
            for n in names or sorted(os.listdir(folder)):
                path = os.path.join(folder, n)
                try:
                    with open(path, 'rb') as f:
                        shell.user_ns[n] = pickle.load(f)
                except FileNotFoundError:
                    raise UsageError('%%store: no stored variable %r' % n) from None
                except Exception as e:
                    print('Unable to restore variable %r (%s)' % (n, e))
            return
        if not names:
            stored = sorted(os.listdir(folder))
            print('Stored variables and their in-db values:')
            for n in stored:
                try:
                    with open(os.path.join(folder, n), 'rb') as f:
                        value = pickle.load(f)
                    print('%-20s-> %s' % (n, safe_repr(value, 50)))
                except Exception as e:
                    print('%-20s-> <unreadable: %s>' % (n, e))
            return
        m = re.fullmatch(r'(\w+)\s*(>>?)\s*(\S+)', rest)
        if m:
            if m[1] not in shell.user_ns:
                raise UsageError('%%store: unknown variable %r' % m[1])
            with open(os.path.expanduser(m[3]), 'a' if m[2] == '>>' else 'w') as f:
                value = shell.user_ns[m[1]]
                f.write(value if isinstance(value, str) else repr(value))
                f.write('\n')
            print('Writing %r (%s) to file %r.' % (m[1], type(value).__name__, m[3]))
            return
        for n in names:
            if n not in shell.user_ns:
                raise UsageError('%%store: unknown variable %r' % n)
            value = shell.user_ns[n]
            if type(value).__name__ == 'module':
                raise UsageError('%%store: %r is a module; modules cannot be stored' % n)
            try:
                data = pickle.dumps(value)
            except Exception as e:
                raise UsageError('%%store: cannot store %r: %s' % (n, e)) from None
            with open(os.path.join(folder, n), 'wb') as f:
                f.write(data)
            print('Stored %r (%s)' % (n, type(value).__name__))


# --------------------------------------------------------------- introspection

class IntrospectionMagics(Magics):
    """obj?, obj??, %pinfo, %pinfo2, %pdef, %pdoc, %psource, %pfile, %psearch, %page."""

    def _object(self, magic, name):
        from .completer import MISSING
        name = name.strip()
        if not name:
            raise UsageError('%%%s: missing object name' % magic)
        if name.startswith('%'):
            kind = 'cell' if name.startswith('%%') else 'line'
            obj = self.shell.magics[kind].get(name.lstrip('%'), MISSING)
        else:
            obj = self.shell._lookup(name)
        if obj is MISSING:
            raise UsageError('%%%s: object %r not found' % (magic, name))
        return obj

    @no_var_expand
    def line_pinfo(self, line, detail_level=0):
        """%pinfo obj (or obj?, ?obj): signature, docstring, file of obj; a name
        with * searches (np.*load*?)."""
        name = line.strip()
        if '*' in name:
            return self.line_psearch(name)
        text = self.shell.object_inspect_text(name, detail_level) if name else None
        if text is None:
            print('Object `%s` not found.' % name)
        else:
            self.shell.page(text)

    @no_var_expand
    def line_pinfo2(self, line):
        """%pinfo2 obj (or obj??): like %pinfo, with the source code."""
        self.line_pinfo(line, 1)

    def line_pdef(self, line):
        """%pdef obj: the call signature of obj."""
        import inspect
        obj = self._object('pdef', line)
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            raise UsageError('%%pdef: no signature for %s' % line.strip()) from None
        print(' %s%s' % (line.strip().split('.')[-1], sig))

    def line_pdoc(self, line):
        """%pdoc obj: the docstring of obj."""
        import inspect
        obj = self._object('pdoc', line)
        doc = inspect.getdoc(obj)
        self.shell.page('Docstring:\n' + doc if doc else 'No documentation found for %s'
                        % line.strip())

    def line_psource(self, line):
        """%psource obj: the source code of obj."""
        import inspect
        obj = self._object('psource', line)
        try:
            self.shell.page(inspect.getsource(obj))
        except (TypeError, OSError):
            raise UsageError('%%psource: no source found for %s' % line.strip()) from None

    def line_pfile(self, line):
        """%pfile obj (or file name): the whole file obj is defined in."""
        import inspect
        arg = line.strip()
        path = os.path.expanduser(arg)
        if not os.path.isfile(path):
            obj = self._object('pfile', arg)
            try:
                path = inspect.getsourcefile(obj) or inspect.getfile(obj)
            except TypeError:
                raise UsageError('%%pfile: no file found for %s' % arg) from None
        with open(path, encoding='utf-8', errors='replace') as f:
            self.shell.page(f.read())

    @no_var_expand
    def line_psearch(self, line):
        """%psearch [-i] [-a] pattern [type]: names matching a wildcard pattern
        (a.b*c*), optionally only of a type; -a includes _private names, -i
        ignores case."""
        import fnmatch
        opts, rest = parse_options('psearch', line, 'iae:s:')
        words = rest.split()
        if not words:
            raise UsageError('%psearch: missing pattern')
        pattern = words[0].rstrip('?')
        kind = words[1] if len(words) > 1 else None
        head, _, last = pattern.rpartition('.')
        if '*' in head:
            raise UsageError('%psearch: wildcards go only in the last part of the name')
        if head:
            obj = self._object('psearch', head)
            try:
                space = {n: getattr(obj, n, None) for n in dir(obj)}
            except Exception:
                space = {}
        else:
            import builtins
            space = dict(builtins.__dict__)
            space.update(self.shell.user_ns)
        matches = []
        flags = re.IGNORECASE if 'i' in opts else 0
        regex = re.compile(fnmatch.translate(last), flags)
        for name, value in space.items():
            if name.startswith('_') and 'a' not in opts and not last.startswith('_'):
                continue
            if regex.match(name) and (kind is None or type(value).__name__ == kind):
                matches.append((head + '.' if head else '') + name)
        self.shell.page('\n'.join(sorted(matches)))

    def line_page(self, line):
        """%page [-r] obj: show obj (its pretty repr; -r its str) in the pager."""
        import pprint
        opts, name = parse_options('page', line, 'r')
        try:
            value = self.shell.ev(name)
        except Exception:
            raise UsageError('%%page: %r is not defined' % name) from None
        self.shell.page(str(value) if 'r' in opts else pprint.pformat(value))


# the built-in magics this module holds (Shell.load_builtin_magics registers them)
CLASSES = (NamespaceMagics, StoreMagics, IntrospectionMagics)
