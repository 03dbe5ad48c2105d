"""Where and after what a task may run, ipyparallel style, and names resolved on engines.

    Reference("a")                 an argument that is the engine's own ``a``
    @interactive                   run a function in the engine's namespace
    @require("numpy", f=g)         import modules / bind names on the engine first; an
                                   engine that cannot import them is not used
    @depend(cond, *args)           run only where ``cond(*args)`` is true
    Dependency(ids, all=True, success=True, failure=False)
                                   for the ``after`` / ``follow`` flags: wait for all (or
                                   any) of these tasks to succeed (and/or fail)

A load-balanced task whose @require or @depend is unmet on one engine is sent to
another; when no engine meets it, it fails with ImpossibleDependency.
"""

import importlib
import sys
import types

from .asyncresult import AsyncResult, UnmetDependency
from .serialize import main_ns


class Reference:
    """A name in the engine's namespace, standing for its value in a call's arguments:
    ``view.apply(f, Reference("a"))`` calls f with each engine's own ``a``."""

    def __init__(self, name):
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"Reference needs a variable name, not {name!r}")
        self.name = name

    def __repr__(self):
        return f"<Reference: {self.name!r}>"

    def __reduce__(self):
        return deref, (self.name,)

    def get_object(self, namespace=None):
        return deref(self.name, namespace)

    getObject = get_object


def deref(name, namespace=None):
    ns = main_ns() if namespace is None else namespace
    try:
        return ns[name]
    except KeyError:
        raise NameError(f"name {name!r} is not defined on the engine "
                        f"(a Reference to it was passed)") from None


def interactive(f):
    """Make a function (or class) belong to ``__main__``: sent to an engine, it runs
    with the engine's namespace as its globals."""
    if isinstance(f, types.FunctionType):
        g = f
        f = types.FunctionType(g.__code__, sys.modules["__main__"].__dict__, g.__name__,
                               g.__defaults__, g.__closure__)
        f.__kwdefaults__, f.__doc__, f.__qualname__ = (g.__kwdefaults__, g.__doc__,
                                                       g.__qualname__)
        f.__dict__.update(g.__dict__)
    f.__module__ = "__main__"
    return f


class _Wrapped:
    """A callable that checks something on the engine, then calls the function."""

    def __init__(self, f):
        self.f = f
        self.__name__ = getattr(f, "__name__", "task")
        self.__doc__ = getattr(f, "__doc__", None)
        self.__wrapped__ = f

    def __call__(self, *args, **kwargs):
        self.check()
        return self.f(*args, **kwargs)


class Required(_Wrapped):
    def __init__(self, f, modules, names):
        super().__init__(f)
        self.modules, self.names = modules, names

    def check(self):
        ns = main_ns()
        g = getattr(self.f, "__globals__", None)
        spaces = [ns] if g is None or g is ns else [ns, g]
        for name in self.modules:
            try:
                importlib.import_module(name)
            except ImportError as e:
                raise UnmetDependency("UnmetDependency",
                                      f"cannot import {name} here: {e}") from None
            top = name.partition(".")[0]
            for space in spaces:
                space[top] = sys.modules[top]
        for space in spaces:
            space.update(self.names)


class Depending(_Wrapped):
    def __init__(self, f, cond, args, kwargs):
        super().__init__(f)
        self.cond, self.args, self.kwargs = cond, args, kwargs

    def check(self):
        if not self.cond(*self.args, **self.kwargs):
            name = getattr(self.cond, "__name__", "the condition")
            raise UnmetDependency("UnmetDependency",
                                  f"{name}{self.args!r} is false on this engine")


def require(*objects, **mapping):
    """Decorator: before the function runs on an engine, import the modules named
    (strings) and bind the functions given (by their names) and ``name=value``."""
    modules = []
    names = dict(mapping)
    for o in objects:
        if isinstance(o, str):
            modules.append(o)
        elif getattr(o, "__name__", None):
            if type(o).__name__ == "module":
                modules.append(o.__name__)
            else:
                names[o.__name__] = o
        else:
            raise TypeError(f"require() takes module names, modules and named functions, "
                            f"not {o!r}")

    def deco(f):
        return Required(f, modules, names)
    return deco


def depend(cond, *args, **kwargs):
    """Decorator: the function runs only on engines where ``cond(*args, **kwargs)`` is
    true (checked there, just before)."""
    def deco(f):
        return Depending(f, cond, args, kwargs)
    return deco


class Dependency(set):
    """Task ids (or AsyncResults) for the ``after`` and ``follow`` flags, with how they
    must end: ``all`` (or any one), ``success`` and/or ``failure``."""

    def __init__(self, dependencies=(), all=True, success=True, failure=False):
        if isinstance(dependencies, (str, AsyncResult)):
            dependencies = [dependencies]
        ids = []
        for d in dependencies:
            ids.extend(d.msg_ids if isinstance(d, AsyncResult) else
                       sorted(d) if isinstance(d, Dependency) else [d])
        super().__init__(ids)
        if not (success or failure):
            raise ValueError("a Dependency needs success=True, failure=True or both")
        self.all, self.success, self.failure = bool(all), bool(success), bool(failure)

    def as_dict(self):
        return {"ids": sorted(self), "all": self.all, "success": self.success,
                "failure": self.failure}

    def __repr__(self):
        return (f"Dependency({sorted(self)!r}, all={self.all}, success={self.success}, "
                f"failure={self.failure})")


def specs(value):
    """The wire form of an after/follow flag: a list of Dependency dicts."""
    if not value:
        return []
    if isinstance(value, Dependency):
        return [value.as_dict()]
    if isinstance(value, (str, AsyncResult)):
        value = [value]
    out, plain = [], []
    for v in value:
        if isinstance(v, Dependency):
            out.append(v.as_dict())
        elif isinstance(v, AsyncResult):
            plain.extend(v.msg_ids)
        elif isinstance(v, str):
            plain.append(v)
        else:
            plain.extend(specs_ids(v))
    if plain:
        out.append(Dependency(plain).as_dict())
    return out


def specs_ids(v):
    if isinstance(v, AsyncResult):
        return list(v.msg_ids)
    if isinstance(v, str):
        return [v]
    return [i for x in v for i in specs_ids(x)]
