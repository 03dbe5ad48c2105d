"""The house rules of ../shared/DESIGN.md, checked on the source: no import cycles
between ipylite's modules (top-level imports and imports inside functions alike), and
no module importing another's private (_name) names."""

import ast
import os

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ipylite")


def modules():
    return sorted(f[:-3] for f in os.listdir(PKG) if f.endswith(".py"))


def imports(mod, names):
    """[(imported module, [names taken from it])] for every relative import in ``mod``,
    wherever it stands (module level, a function, a class, an if)."""
    with open(os.path.join(PKG, mod + ".py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                target = node.module.split(".")[0]
                if target in names and target != mod:
                    out.append((target, [a.name for a in node.names]))
            else:                       # from . import a, b
                out.extend((a.name, []) for a in node.names if a.name in names and a.name != mod)
    return out


def graph():
    names = set(modules())
    return {m: {t for t, _ in imports(m, names)} for m in names}


def cycles(g):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    g = graph()
    assert len(g) > 20 and g["kernel"] >= {"protocol", "display"}     # the graph is read
    assert cycles(g) == []


def test_no_private_names_taken_from_other_modules():
    names = set(modules())
    taken = [(m, t, n) for m in sorted(names) for t, ns in imports(m, names)
             for n in ns if n.startswith("_") and not n.startswith("__")]
    assert taken == []


CLASS_LINES = 500      # a class over it is split by responsibility (DESIGN.md)


def class_sizes():
    out = {}
    for m in modules():
        with open(os.path.join(PKG, m + ".py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                out[(m, node.name)] = node.end_lineno - node.lineno + 1
    return out


def test_no_class_outgrows_one_readers_head():
    sizes = class_sizes()
    assert sizes[("qtconsole", "ConsoleWidget")] > 100      # the classes are read
    over = {k: n for k, n in sizes.items() if n > CLASS_LINES}
    assert over == {}
