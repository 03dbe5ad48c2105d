"""What the interpreter shows of objects and tracebacks, as functions other modules
share: which traceback frames a user sees (the shell's own machinery and frames that
set ``__tracebackhide__`` hidden) and a repr that never raises. (Tracebacks' layout and
obj?/obj?? still live in Shell; this module is where they are headed.)
Imports nothing of ipylite.
"""

import os

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
