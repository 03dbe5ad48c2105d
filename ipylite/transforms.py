"""Input transforms: IPython syntax to Python, one line at a time, and the scanner that
tells whether a line starts a statement or continues a string, a bracket or a line.
Used by shell.py (transform_cell, is_complete); imports nothing of ipylite.

    strip_prompts(lines)   pasted '>>> ' / 'In [n]: ' prompts removed
    transform_line(line)   '%magic', '!cmd', 'x = !cmd', 'obj?', '?' as Python, or None
    assignable(text)       whether text is a complete assignment target
    LineScan               .feed(line), .at_start(): inside a string, bracket or `\\`?
    autocall_line(shell, line)   `f x` as `f(x)` when f is callable (%autocall), or None
"""

import re


def strip_prompts(lines):
    """Remove pasted '>>> '/'... ' or 'In [n]: '/'   ...: ' prompts, when the first
    line has one and every non-blank line has one."""
    import re
    body = [line for line in lines if line.strip()]
    if not body:
        return lines
    for first, any_prompt in ((r'>>>( |$)', r'(>>>|\.\.\.)( |$)'),
                              (r'In \[\d+\]: ?', r'(In \[\d+\]:|\s*\.\.\.:)( |$)')):
        if re.match(first, body[0]) and all(re.match(any_prompt, line) for line in body):
            return [re.sub('^' + any_prompt, '', line) for line in lines]
    return lines


def transform_line(line):
    """The Python for one IPython-syntax line (%magic, !cmd, x = !cmd, obj?),
    or None when the line is plain Python."""
    import re
    text = line.rstrip('\r\n')
    eol, stripped = line[len(text):], text.strip()
    indent = text[:len(text) - len(text.lstrip())]
    if not stripped or stripped.startswith('#'):
        return None
    if stripped == '?':         # IPython's own help, as a bare ? shows it
        return indent + 'get_ipython().run_line_magic(%r, %r)%s' % ('quickref', '', eol)
    m = re.fullmatch(r'(\?\??)?(%{0,2}(?:[^\W\d]|\*)[\w.*]*)(\?\??)?', stripped)
    if m and bool(m[1]) != bool(m[3]):
        magic = 'pinfo2' if len(m[1] or m[3]) == 2 else 'pinfo'
        return indent + 'get_ipython().run_line_magic(%r, %r)%s' % (magic, m[2], eol)
    m = re.fullmatch(r'(?:([\w.\[\]\'", ()*]+?)\s*=\s*)?(!!?|%(?=[^\W\d]))(.*)', stripped)
    if not m:
        return None
    if m[1] and not assignable(m[1]):
        return None     # `print('n=%d' % 5)`: the = was inside a string or a call
    target = indent + (m[1] + ' = ' if m[1] else '')
    rest = m[3]
    if m[2] == '%':
        name, arg = (rest.split(None, 1) + [''])[:2]
        call = 'run_line_magic(%r, %r)' % (name, arg.rstrip())
    elif m[2] == '!!' or m[1]:
        call = 'getoutput(%r)' % rest
    else:
        call = 'system(%r)' % rest
    return target + 'get_ipython().' + call + eol


def assignable(text):
    """Whether text, as Python's tokenizer reads it, is a complete assignment target
    (`x`, `a.b`, `x, y`, `d['k']`): not the start of a string or a call."""
    import ast
    try:
        tree = ast.parse(text + ' = None')
    except SyntaxError:
        return False
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign)


_EXCLUDE = re.compile(r'[,&^|*/+-]|is |not |in |and |or ')


def autocall_line(shell, line, echo=False):
    """`f args` as `f(args)` when f is a callable (IPython's autocall), with the
    rewrite shown as `------> f(args)` when the cell is about to run (called from
    Shell.transform_cell); None when the line is left as it is."""
    text = line.rstrip('\r\n')
    m = re.fullmatch(r'(\s*)([^\W\d][\w.]*)(\s.*)?', text)
    if not m or m[2].endswith('.'):
        return None
    indent, name, rest = m[1], m[2], (m[3] or '').strip()
    obj = shell._lookup(name)
    if not callable(obj):
        return None
    if _EXCLUDE.match(rest) or rest[:1] in tuple('!=()<>%') or rest.startswith('='):
        return None
    if not rest and shell.autocall < 2:
        return None
    if rest.startswith('[') and hasattr(obj, '__getitem__'):
        return None
    if rest.endswith(';'):
        new = '%s(%s);' % (name, rest[:-1])
    else:
        new = '%s(%s)' % (name, rest)
    if echo:            # the cell is about to run (not an is_complete check, a %timeit)
        print('------> ' + new)
    return indent + new + line[len(text):]


class LineScan:
    """Tracks, line by line, whether the next line starts a new statement or
    continues a string, a bracket or a backslash continuation."""

    def __init__(self):
        self.quote = None       # the open string's quote (', ", ''' or """)
        self.qstart = 0         # where that string's text starts (with feed's offset)
        self.depth = 0          # open brackets
        self.cont = False       # the last line ended with a backslash
        self.comment = False    # the last line ended inside a comment

    def at_start(self):
        return self.quote is None and not self.depth and not self.cont

    def feed(self, line, offset=0):
        i, n, quote = 0, len(line), self.quote
        self.cont = self.comment = False
        while i < n:
            ch = line[i]
            if quote:
                if ch == '\\':
                    i += 2
                elif line.startswith(quote, i):
                    i += len(quote)
                    quote = None
                else:
                    i += 1
                continue
            if ch == '#':
                self.comment = True
                break
            if ch in '\'"':
                quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else ch
                i += len(quote)
                self.qstart = offset + i
                continue
            if ch in '([{':
                self.depth += 1
            elif ch in ')]}':
                self.depth = max(0, self.depth - 1)
            elif ch == '\\' and not line[i + 1:].strip():
                self.cont = True
            i += 1
        if quote and len(quote) == 1 and line.endswith(('\n', '\r')) \
                and not line.rstrip('\r\n').endswith('\\'):
            quote = None        # an unterminated one-line string ends with its line
        self.quote = quote
