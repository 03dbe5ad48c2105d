"""Completion: what Tab offers for the text before the cursor.

    Completer(shell).complete('import o', 8)   # a complete_reply content

Names in the user's namespace, attributes (without running properties), dict keys,
modules for import, file paths inside strings and after ! or %magic, magic names.
Also here, because the interpreter shares it: lookup (the object a dotted name refers
to). Where strings, brackets and comments start and end comes from transforms.LineScan.
"""
import builtins
import os
import sys

from .transforms import LineScan

__all__ = ['Completer', 'lookup', 'MISSING']

MISSING = object()          # what lookup() returns for a name that refers to nothing


class Completer:
    """Completions against a Shell's namespaces and magics."""

    def __init__(self, shell):
        self.shell = shell
        self._root_modules = None

    def lookup(self, dotted, descriptors=False):
        return lookup((self.shell.user_ns, self.shell.user_global_ns), dotted, descriptors)

    def complete(self, code, cursor_pos=None):
        """Completions for the text before cursor_pos, as a complete_reply content."""
        if cursor_pos is None:
            cursor_pos = len(code)
        text = code[:cursor_pos]
        self._kind, self._params = None, ()
        try:
            start, matches = self._completions(text)
            types = [{'start': start, 'end': cursor_pos, 'text': m, 'type': self._type(m),
                      'signature': ''} for m in matches[:self.typed_matches]]
        except Exception:
            import logging
            logging.getLogger(__name__).debug('completion failed', exc_info=True)
            start, matches, types = cursor_pos, [], []
        return {'matches': matches, 'cursor_start': start, 'cursor_end': cursor_pos,
                'metadata': {'_jupyter_types_experimental': types}, 'status': 'ok'}

    typed_matches = 500     # matches given a type in the reply's metadata (as ipykernel)

    def _type(self, match):
        """What a match is, in jedi's words as ipykernel reports them: module, class,
        function, instance, keyword, param, path, magic, dict key, symbol."""
        if self._kind:
            return self._kind
        if match in self._params:
            return 'param'
        import keyword
        import types
        if keyword.iskeyword(match):
            return 'keyword'
        obj = self.lookup(match)
        if obj is MISSING:
            return 'property' if '.' in match else 'instance'
        if isinstance(obj, types.ModuleType):
            return 'module'
        if isinstance(obj, type):
            return 'class'
        if callable(obj) and isinstance(obj, (types.FunctionType, types.BuiltinFunctionType,
                                              types.MethodType, types.MethodDescriptorType,
                                              types.WrapperDescriptorType)):
            return 'function'
        return 'instance'

    def _completions(self, text):
        """(cursor_start, sorted matches) for the end of text; self._kind names what
        they all are when that is known without looking them up."""
        import re
        end = len(text)
        line = text[text.rfind('\n') + 1:]
        stripped = line.lstrip()
        m = re.search(r'\\[\^_]?[\w+\-=()]*$', line)
        if m:                                                   # \alpha -> α
            symbols = latex_matches(m[0])
            if symbols:
                self._kind = 'symbol'
                return end - len(m[0]), symbols
        m = re.fullmatch(r'(%%?)(\w*)', stripped)
        if m:                                                   # %magic, %%magic
            kinds = ('cell',) if m[1] == '%%' else ('line', 'cell')
            names = {('%' if kind == 'line' else '%%') + name
                     for kind in kinds for name in self.shell.magics[kind] if name.startswith(m[2])}
            self._kind = 'magic'
            return end - len(m[0]), sorted(names)
        if stripped[:1] in ('!', '%'):                          # paths for commands
            word = re.search(r'[^\s\'"]*$', line)[0]
            self._kind = 'path'
            return end - len(word), path_matches(word)
        scan = LineScan()
        offset = 0
        for physical in text.splitlines(True):
            scan.feed(physical, offset)
            offset += len(physical)
        if text.endswith(('\n', '\r')):
            scan.comment = False
        if scan.comment:
            return end, []
        if scan.quote:                                          # inside a string
            prefix = text[scan.qstart:]
            if '\n' in prefix:
                return end, []
            before = text[:scan.qstart - len(scan.quote)]
            m = re.search(r'([^\W\d][\w.]*)\s*\[\s*[rbuRBU]?$', before)
            if m:
                keys = self._keys(m[1])
                if keys is not None:
                    self._kind = 'dict key'
                    return scan.qstart, sorted({k for k in keys if isinstance(k, str)
                                                and k.startswith(prefix)})
            self._kind = 'path'
            return scan.qstart, path_matches(prefix)
        m = re.match(r'\s*(?:import\s+(?:[\w.]+\s*(?:as\s+\w+\s*)?,\s*)*|from\s+)([\w.]*)$', line)
        if m and not m[1].startswith('.'):
            self._kind = 'module'
            return end - len(m[1]), self._module_matches(m[1])
        m = re.match(r'\s*from\s+([\w.]+)\s+import\s+(?:.*,\s*|\(\s*)?(\w*)$', line)
        if m:
            return end - len(m[2]), self._module_names(m[1], m[2])
        m = re.search(r'([^\W\d][\w.]*)\[$', text)
        if m:                                                   # d[  -> keys
            keys = self._keys(m[1])
            if keys:
                self._kind = 'dict key'
                return end, sorted({repr(k) for k in keys if isinstance(k, (str, bytes, int))})
        m = re.search(r'(\.?)(\w*)$', text)
        prefix = m[2]
        if m[1]:                                                # obj.attr
            chain = re.search(r'(?<![\w.)\]\'"])[^\W\d]\w*(?:\.[^\W\d]\w*)*$', text[:m.start()])
            obj = self.lookup(chain[0]) if chain else MISSING
            if obj is MISSING:
                return end, []
            try:
                names = dir(obj)
            except Exception:
                names = []
            # IPython's shape: 'obj.attr' matches, replacing the whole dotted name
            return chain.start(), [chain[0] + '.' + n for n in filter_names(names, prefix)]
        if prefix[:1].isdigit():
            return end, []
        import keyword
        names = [*self.shell.user_ns, *builtins.__dict__, *keyword.kwlist]
        if self.shell.user_global_ns is not self.shell.user_ns:
            names.extend(self.shell.user_global_ns)
        params = self._keyword_arguments(text, prefix)
        self._params = set(params)
        return end - len(prefix), params + filter_names(names, prefix)

    def _keyword_arguments(self, text, prefix):
        """`name=` for the parameters of the call the cursor is an argument of
        (f(alp -> alpha_param=), or []."""
        import inspect
        import re
        if not re.search(r'[(,]\s*\w*$', text):
            return []
        depth = 0
        for i in range(len(text) - len(prefix) - 1, -1, -1):
            ch = text[i]
            if ch in ')]}':
                depth += 1
            elif ch in '([{':
                if depth:
                    depth -= 1
                    continue
                if ch != '(':
                    return []
                m = re.search(r'(?<![\w.])[^\W\d][\w.]*$', text[:i].rstrip())
                obj = self.lookup(m[0]) if m else MISSING
                if obj is MISSING or not callable(obj):
                    return []
                try:
                    params = inspect.signature(obj).parameters.values()
                except (TypeError, ValueError):
                    return []
                kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                         inspect.Parameter.KEYWORD_ONLY)
                return [p.name + '=' for p in params
                        if p.kind in kinds and p.name.startswith(prefix)]
        return []

    def _keys(self, dotted):
        """The keys of the mapping `dotted` names (dicts, or anything with keys() and
        __getitem__), or None."""
        obj = self.lookup(dotted)
        if obj is MISSING or not (hasattr(obj, 'keys') and hasattr(obj, '__getitem__')):
            return None
        try:
            return list(obj.keys())
        except Exception:
            return None

    def _module_matches(self, dotted):
        """Importable modules whose dotted names start with `dotted`."""
        package, _, prefix = dotted.rpartition('.')
        if package:
            module = import_quietly(package)
            names = [] if module is None else submodules(module) + [
                name for name, value in vars(module).items() if type(value) is type(sys)]
            return ['%s.%s' % (package, n) for n in filter_names(names, prefix)]
        if self._root_modules is None:
            import pkgutil
            names = set(sys.builtin_module_names)
            names.update(info.name for info in pkgutil.iter_modules())
            names.update(name for name in sys.modules if '.' not in name)
            self._root_modules = sorted(names)
        return filter_names(self._root_modules, prefix)

    def _module_names(self, module_name, prefix):
        """Names a `from module import ...` can take."""
        module = import_quietly(module_name)
        if module is None:
            return []
        return filter_names(list(vars(module)) + submodules(module), prefix)


def latex_matches(word):
    """For a backslash word: [the symbol] when it names one exactly (\\alpha -> α),
    else the names that start with it."""
    table = latex_symbols()
    if word in table:
        return [table[word]]
    return sorted(name for name in table if name.startswith(word))


_LATEX = {}


def latex_symbols():
    """LaTeX names for Unicode symbols, as IPython and Julia complete them: the Greek
    alphabet (from unicodedata), common mathematical signs, sub- and superscripts."""
    if _LATEX:
        return _LATEX
    import re
    import unicodedata
    for code in range(0x391, 0x3CA):
        m = re.fullmatch(r'GREEK (SMALL|CAPITAL) LETTER (\w+)', unicodedata.name(chr(code), ''))
        if m:
            word = m[2].lower().replace('lamda', 'lambda')
            _LATEX['\\' + (word if m[1] == 'SMALL' else word.capitalize())] = chr(code)
    signs = ('infty ∞ pm ± mp ∓ times × div ÷ cdot ⋅ leq ≤ le ≤ geq ≥ ge ≥ neq ≠ ne ≠ '
             'approx ≈ equiv ≡ sim ∼ propto ∝ in ∈ notin ∉ subset ⊂ subseteq ⊆ supset ⊃ '
             'supseteq ⊇ cup ∪ cap ∩ emptyset ∅ forall ∀ exists ∃ neg ¬ wedge ∧ vee ∨ '
             'to → rightarrow → leftarrow ← Rightarrow ⇒ Leftarrow ⇐ Leftrightarrow ⇔ '
             'leftrightarrow ↔ mapsto ↦ uparrow ↑ downarrow ↓ partial ∂ nabla ∇ sum ∑ '
             'prod ∏ int ∫ iint ∬ oint ∮ sqrt √ degree ° circ ∘ ell ℓ hbar ℏ Re ℜ Im ℑ '
             'aleph ℵ dagger † star ⋆ angle ∠ perp ⊥ parallel ∥ therefore ∴ ldots … '
             'cdots ⋯ varepsilon ε vartheta ϑ varphi φ oplus ⊕ otimes ⊗ langle ⟨ rangle ⟩ '
             'lfloor ⌊ rfloor ⌋ lceil ⌈ rceil ⌉ euler ℯ').split()
    _LATEX.update(('\\' + name, sign) for name, sign in zip(signs[::2], signs[1::2]))
    for marks, table in (('^', '⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ'), ('_', '₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₙᵢ')):
        for key, sign in zip('0123456789+-=()ni', table):
            _LATEX['\\' + marks + key] = sign
    return _LATEX


def lookup(namespaces, dotted, descriptors=False):
    """The object a plain dotted name refers to in the first of namespaces
    (then builtins) that has it, without running properties or
    other descriptors (descriptors=True returns the descriptor itself)."""
    import inspect
    import types
    first, *rest = dotted.split('.')
    for ns in (*namespaces, builtins.__dict__):
        if first in ns:
            obj = ns[first]
            break
    else:
        return MISSING
    for i, name in enumerate(rest):
        try:
            attr = inspect.getattr_static(obj, name)
        except AttributeError:
            return MISSING
        if isinstance(attr, (staticmethod, classmethod, types.FunctionType,
                             types.BuiltinFunctionType, types.MethodDescriptorType,
                             types.WrapperDescriptorType, types.MemberDescriptorType,
                             types.ClassMethodDescriptorType,
                             type, types.ModuleType)):
            try:
                obj = getattr(obj, name)
            except Exception:
                return MISSING
        elif not hasattr(type(attr), '__get__'):
            obj = attr
        elif descriptors and i == len(rest) - 1:
            obj = attr
        else:
            return MISSING     # a property or other computed attribute
    return obj


def path_matches(prefix):
    """Files and directories (with a trailing /) whose path starts with prefix."""
    head, sep, base = prefix.rpartition('/')
    directory = os.path.expanduser(head + sep) if sep else '.'
    try:
        entries = list(os.scandir(directory or '/'))
    except OSError:
        return []
    matches = []
    for entry in entries:
        hidden = entry.name.startswith('.') and not base.startswith('.')
        if entry.name.startswith(base) and not hidden:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            matches.append(head + sep + entry.name + ('/' if is_dir else ''))
    return sorted(matches)


def filter_names(names, prefix):
    """Sorted names starting with prefix; _private ones only when prefix starts with _."""
    private = prefix.startswith('_')
    return sorted({n for n in names if n.startswith(prefix) and (private or n[:1] != '_')})


def import_quietly(name):
    module = sys.modules.get(name)
    if module is not None:
        return module
    import importlib
    try:
        return importlib.import_module(name)
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return None


def submodules(module):
    path = getattr(module, '__path__', None)
    if not path:
        return []
    import pkgutil
    try:
        return [info.name for info in pkgutil.iter_modules(path)]
    except Exception:
        return []
