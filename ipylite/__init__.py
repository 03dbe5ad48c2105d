"""ipylite: a compact interactive Python: shell, Jupyter kernel, clients.

Importing this package has no side effects: no files, no threads, no zmq or numpy.
"""

__version__ = "0.1.0"
version_info = (0, 1, 0)


def get_ipython():
    """The running Shell, or None outside ipylite."""
    from .shell import get_ipython as _get
    return _get()


def embed(header="", **kwargs):
    """Open an ipylite prompt here, on the caller's variables; see terminal.embed."""
    from .terminal import embed as _embed
    kwargs.setdefault("stack_depth", 2)
    return _embed(header, **kwargs)


def embed_kernel(local_ns=None, **kwargs):
    """Start a kernel in this program, on the caller's namespace; see kernel.embed_kernel."""
    import sys
    from .kernel import embed_kernel as _embed
    frame = sys._getframe(1)
    return _embed(frame.f_locals if local_ns is None else local_ns,
                  kwargs.pop("global_ns", frame.f_globals), **kwargs)
