"""ipylite.parallel: a cluster of engines driven interactively or in batch, ipyparallel style.

Public API::

    Cluster(n=4)                  start a controller and n local engines; a context
                                  manager: ``with Cluster(n=4) as rc: ...``
    Client(url_file=None, profile="default", cluster_id="")
        rc.ids, rc.wait_for_engines(n, timeout), rc[:], rc[0], rc[-1], rc.direct_view(),
        rc.load_balanced_view(), rc.wait(jobs, timeout), rc.outstanding, rc.abort(),
        rc.send_signal(SIGINT, targets), rc.queue_status(), rc.shutdown(), rc.close()
    DirectView                    apply / apply_sync / apply_async, map / map_sync /
                                  map_async / imap, execute, run, push, pull, view["x"],
                                  scatter, gather, sync_imports, remote, parallel, activate
    LoadBalancedView              the same calls, plus retries, timeout, chunksize, after,
                                  follow (dependencies)
    AsyncResult                   get, wait, ready, successful, metadata, stdout,
                                  wall_time, serial_time, elapsed, wait_interactive,
                                  display_outputs, get_dict, ar[i], and Future's
                                  result / done / exception / add_done_callback
    Reference, require, depend, Dependency, interactive   (dependency.py)
    error (RemoteError, CompositeError, EngineError, TaskTimeout, TaskAborted,
           KernelError, UnmetDependency, ImpossibleDependency)   (asyncresult.py)
    datapub.publish_data; rc.db_query / get_result / metadata / results / history
    (taskrecords.py); %px, %%px, %autopx, %pxresult, %pxconfig (pxmagics.py);
    executors, register_joblib_backend, broadcast_view; the async Cluster API;
    rc.resubmit (taskrecords.py), rc.spin_thread / stop_spin_thread (spinthread.py),
    rc.become_dask / stop_dask (daskbridge.py); bind_kernel() on an engine (engine.py);
    the client's sockets, sending and receiving (clientwire.py)

Command line (ipcluster.py)::

    python -m ipylite.parallel start -n 4 [--daemonize] [--profile P] [--cluster-id C] [--ip IP]
        [--location ADDR] [--engines local|ssh|mpi|slurm|pbs|sge|lsf] [launcher options]
    python -m ipylite.parallel stop|list|clean [--cluster-id C] [--all]
    python -m ipylite.parallel engines -n 2 [--cluster-id C]

The processes: a controller (controller.py; the ``start`` process itself) and engines
(engine.py) started by a launcher. Direct requests go from the client straight to an
engine's socket; load-balanced tasks go through the controller. The wire format and
the pickling of interactively defined code are in serialize.py.
"""

import asyncio
import builtins
import collections
import concurrent.futures
import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import weakref

from . import asyncresult as error, datapub
from .asyncresult import (AsyncResult, CompositeError, EngineError, ImpossibleDependency,
                          KernelError, RemoteError, TaskAborted, TaskTimeout,
                          UnmetDependency)
from .config import profile_dir
from .dependency import Dependency, Reference, depend, interactive, require, specs
from .protocol import Session
from .pxmagics import parse_px, register_magics  # noqa: F401  (part of the API)
from .serialize import Wire, dumps, use as _use_serializer
from .clientwire import ClientTransport
from .daskbridge import DaskClient
from .spinthread import SpinThread
from .taskrecords import TaskRecords, msg_ids_of as _ids

# ``from ipylite.parallel.error import RemoteError`` as from ipyparallel.error (os.path
# is registered the same way)
sys.modules.setdefault(__name__ + ".error", error)
sys.modules.setdefault(__name__ + ".datapub", datapub)

log = logging.getLogger("ipylite.parallel")

__all__ = ["Client", "Cluster", "DirectView", "LoadBalancedView", "BroadcastView",
           "AsyncResult", "register_joblib_backend", "bind_kernel",
           "RemoteError", "CompositeError", "EngineError", "TaskTimeout", "TaskAborted",
           "ImpossibleDependency", "UnmetDependency", "KernelError", "Reference",
           "Dependency", "depend", "require", "interactive", "error"]


# ========================================================================= client

def cluster_file_name(kind, cluster_id):
    """The name of a cluster's ``client`` or ``engine`` connection file."""
    return f"ipcontroller-{cluster_id}-{kind}.json" if cluster_id else f"ipcontroller-{kind}.json"


def security_dir(profile):
    """The profile's ``security`` folder, where connection files live."""
    pdir = profile_dir(profile)
    if pdir is None:
        raise OSError(f"the profile folder for {profile!r} cannot be created")
    return os.path.join(pdir, "security")


class Client(ClientTransport, TaskRecords, SpinThread, DaskClient):
    """A connection to a running cluster (controller plus engines).

    Direct requests go straight to each engine's own socket; with ``direct=False``
    they go through the controller instead (for engines the client cannot reach; the
    default when the cluster's connection file says ``"direct": false``, as with the
    ssh launcher's tunnel). Sending and receiving are in clientwire.ClientTransport.
    """

    def __init__(self, url_file=None, profile="default", cluster_id="", timeout=10,
                 direct=None):
        import zmq
        self._zmq = zmq
        path = url_file or os.path.join(security_dir(profile), cluster_file_name("client", cluster_id))
        try:
            with open(path) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no cluster connection file {path}: start a cluster with "
                f"`python -m ipylite.parallel start -n 4`") from None
        except ValueError as e:
            raise ValueError(f"{path} is not a cluster connection file ({e})") from None
        self.url_file = path
        self.info = info
        # the cluster says when engines cannot be reached directly (ssh tunnels)
        self.direct = info.get("direct", True) if direct is None else direct
        self.session = Session(key=info["key"].encode())
        self.wire = Wire(self.session)
        self._lock = threading.RLock()  # held around every use of the sockets
        self.ctx = zmq.Context()
        self._ctl = self._socket(info["client_url"])
        self._poller = zmq.Poller()
        self._poller.register(self._ctl, zmq.POLLIN)
        self._engines = {}           # id -> direct url
        self._local_urls = {}        # id -> [host, ipc url] of its direct socket
        self._socks = {}             # id -> DEALER to the engine
        self._sock_ids = {}
        self._pending = {}           # msg_id -> AsyncResult
        self._on_engine = {}         # engine id -> {msg_id} of direct tasks
        self._replies = {}
        self._prefix = self.session.session[:8] + "-"
        self._count = 0
        self._closed = False
        self.last = None
        self._heard = time.monotonic()  # last word from the controller
        self._ping = None               # when an unanswered ping was sent
        self._lost = None               # why the controller counts as gone
        self._looper = None             # the event loop's task spinning for callbacks
        self._waiters = set()           # AsyncResults with done-callbacks to run
        self._records = collections.OrderedDict()    # msg_id -> result head (bounded)
        self._ars = weakref.WeakValueDictionary()    # msg_id -> its AsyncResult
        self.block = False              # the default of views made from now on
        self._held = {}                 # engine id -> {name: weakref to the value it has}
        reply = self._request({"t": "connect"}, timeout)
        self._engines.update(reply["engines"])
        self._local_urls.update(reply.get("local_urls") or {})
        self._maybe_register_magics()

    # -- what engines hold: values pushed to them (or sent as a function's globals)
    #    are not sent again with a __main__ function that uses them
    def _knows(self, eids):
        held = self._held

        def known(name, value):
            for eid in eids:
                ref = held.get(eid, {}).get(name)
                if ref is None or ref() is not value:
                    return False
            return bool(eids)
        return known

    def _hold(self, eids, items):
        for eid in eids:
            d = self._held.setdefault(eid, {})
            for name, value in items:
                try:
                    d[name] = weakref.ref(value)
                except TypeError:       # (ints, strs, tuples...: small, sent again)
                    d.pop(name, None)

    def _forget(self, eids):
        for eid in eids:
            self._held.pop(eid, None)

    def _engine_gone(self, eid, reason):
        self._engines.pop(eid, None)
        self._local_urls.pop(eid, None)
        self._held.pop(eid, None)
        sock = self._socks.pop(eid, None)
        if sock is not None:
            self._poller.unregister(sock)
            sock.close(0)
        for msg_id in self._on_engine.pop(eid, ()):
            ar = self._pending.pop(msg_id, None)
            if ar is not None:
                ar._deliver({"t": "result", "id": msg_id, "eid": eid, "md": {"engine_id": eid},
                             "err": {"ename": "EngineError", "engine_id": eid,
                                     "evalue": f"engine {eid} died while running the task "
                                               f"({reason})", "traceback": ""}}, b"", [])

    def _wait_for(self, ar, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        raw, n = ar._raw, len(ar.msg_ids)
        while len(raw) < n:
            if deadline is None:
                self.spin(1.0)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.spin(0)
                    return len(raw) >= n
                self.spin(left)
        return True

    # -- engines
    @property
    def ids(self):
        self.spin(0)
        return sorted(self._engines)

    def wait_for_engines(self, n=None, timeout=30, block=True):
        """Wait until at least n engines (default: any) have registered."""
        n = 1 if n is None else n
        deadline = time.monotonic() + timeout
        self.spin(0)                    # (engines that left since: gone first)
        while len(self._engines) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(self._engines)} engines registered, not {n}, "
                                   f"after {timeout} s")
            self.spin(min(left, 0.5))
        return None

    # -- sending
    def _spin_in_loop(self):
        """In a running event loop, a task of the loop's receives results, so that
        done-callbacks (asyncio.wrap_future) run without a blocking call."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._looper is not None and not self._looper.done():
            return

        async def spin_while_pending():
            while self._waiters and not self._closed:
                self.spin(0)
                self._waiters = {ar for ar in self._waiters if ar._callbacks}
                await asyncio.sleep(0.002)
        self._looper = loop.create_task(spin_while_pending())

    # -- views
    def __getitem__(self, key):
        if isinstance(key, int):
            ids = self.ids
            if key < 0 and -key <= len(ids):
                key = ids[key]              # rc[-1]: the last engine, as in a list
            if key not in ids:
                raise IndexError(f"no engine with id {key} (engines: {ids})")
            return DirectView(self, key)
        if isinstance(key, slice):
            return DirectView(self, self.ids[key])
        if isinstance(key, (list, tuple)):
            return DirectView(self, list(key))
        raise TypeError(f"index a Client with an engine id, a slice or a list, not {key!r}")

    def __len__(self):
        return len(self.ids)

    def direct_view(self, targets="all"):
        return DirectView(self, targets)

    def load_balanced_view(self, targets=None):
        return LoadBalancedView(self, targets)

    @property
    def outstanding(self):
        """The msg ids of tasks sent by this client and not yet finished."""
        self.spin(0)
        return set(self._pending)

    def wait(self, jobs=None, timeout=-1):
        """Wait for jobs (AsyncResults or msg ids; default: everything outstanding),
        at most timeout seconds (-1 or None: no limit). True if all are done."""
        if timeout is not None and timeout < 0:
            timeout = None
        if jobs is None:
            ids = set(self._pending)
        else:
            ids = set(_ids(jobs))
        deadline = None if timeout is None else time.monotonic() + timeout
        while ids & self._pending.keys():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                self.spin(0)
                return not ids & self._pending.keys()
            self.spin(1.0 if left is None else min(left, 1.0))
        return True

    def send_signal(self, sig=None, targets=None, block=None):
        """Send a signal (default SIGINT: interrupt the running task, which then fails
        with KeyboardInterrupt; idle engines ignore it) to engines (default: all).
        The controller sends it, so it reaches engines on the controller's host;
        returns the ids it was sent to."""
        import signal
        sig = signal.SIGINT if sig is None else int(sig)
        tl = None if targets in (None, "all") else (
            [targets] if isinstance(targets, int) else list(targets))
        if tl is not None:
            missing = [t for t in tl if t not in self.ids]
            if missing:
                raise ValueError(f"no engine with id {missing[0]!r} (engines: {self.ids})")
        reply = self._request({"t": "signal", "sig": sig, "targets": tl})
        if reply.get("elsewhere"):
            log.warning("engines %s run on other hosts and were not signalled",
                        reply["elsewhere"])
        return reply["sent"]

    def use_dill(self):
        """Pickle with dill here and on every engine (closures over files, ...)."""
        return self.direct_view().use_dill()

    def use_cloudpickle(self):
        """Pickle with cloudpickle here and on every engine."""
        return self.direct_view().use_cloudpickle()

    def use_pickle(self):
        """Back to ipylite's own pickling, here and on every engine."""
        return self.direct_view().use_pickle()

    def activate(self, targets="all", suffix=""):
        """%px, %%px, %autopx, %pxresult and %pxconfig (with suffix) run on targets."""
        view = self.direct_view(targets)
        view.block = True
        view.activate(suffix)
        return view

    def executor(self, targets=None):
        """A concurrent.futures.Executor submitting to a load-balanced view."""
        return self.load_balanced_view(targets).executor

    def register_joblib_backend(self, name="ipylite", make_default=False):
        """Make a load-balanced view of this cluster joblib's backend ``name``."""
        return self.load_balanced_view().register_joblib_backend(name, make_default)

    def broadcast_view(self, targets="all", is_coalescing=False, **flags):
        """ipyparallel's BroadcastView: here a DirectView (direct requests already go
        to each engine in one hop), so scripts written for it run unchanged."""
        return BroadcastView(self, targets, **flags)

    def wait_interactive(self, jobs=None, interval=1.0, timeout=-1):
        """Wait for jobs (default: everything outstanding), showing progress."""
        ids = list(self._pending) if jobs is None else _ids(jobs)
        ar = self.get_result(ids, block=False) if ids else None
        if ar is not None:
            ar.wait_interactive(interval, None if timeout is None or timeout < 0 else timeout)

    def queue_status(self, targets=None, verbose=False):
        """{engine id: {"queue": tasks waiting or running there, "tasks": the same},
        "unassigned": load-balanced tasks not yet given to an engine}"""
        reply = self._request({"t": "queue_status"})
        status = {"unassigned": reply["unassigned"], "engines": reply["engines"]}
        for eid, n in reply["engines"].items():
            status[eid] = {"queue": n, "tasks": n}
        return status

    def abort(self, jobs=None, targets=None):
        """Abort tasks not yet started: an AsyncResult, msg ids, or (default) all pending."""
        if jobs is None:
            ids = list(self._pending)
        elif isinstance(jobs, AsyncResult):
            ids = list(jobs.msg_ids)
        else:
            ids = [j for x in jobs for j in (x.msg_ids if isinstance(x, AsyncResult) else [x])]
        with self._lock:
            for eid in list(self._socks):
                mine = [m for m in ids if m in self._on_engine.get(eid, ())]
                if mine:
                    self.wire.send(self._socks[eid], {"t": "abort", "ids": mine})
        self._request({"t": "abort", "ids": ids})

    def shutdown(self, targets="all", hub=False, block=True):
        """Stop engines (targets) and, with hub=True, the controller too."""
        tl = None if targets in ("all", None) else ([targets] if isinstance(targets, int)
                                                    else list(targets))
        self._request({"t": "shutdown", "targets": tl, "hub": hub})

    def close(self):
        if self._closed:
            return
        self.stop_spin_thread()
        with self._lock:
            self._closed = True
            try:
                self.wire.send(self._ctl, {"t": "disconnect"})
            except Exception:
                pass
            self.ctx.destroy(linger=0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _maybe_register_magics(self):
        from .shell import Shell
        shell = Shell.current()
        if shell is not None and "px" not in shell.magics["line"] and not _is_engine():
            view = self.direct_view()
            view.block = True
            register_magics(shell, view)


def bind_kernel(**kwargs):
    """On an engine (``%px ipp.bind_kernel()``): serve the engine as a Jupyter kernel
    too, so ``%px %connect_info`` / ``%px %qtconsole`` work (engine.bind_kernel)."""
    from .engine import bind_kernel as bind
    return bind(**kwargs)


def register_joblib_backend(name="ipylite", make_default=False):
    """joblib backend ``name`` on the default profile's running cluster (connected when
    joblib first uses it); see Client.register_joblib_backend for a given cluster."""
    from .joblibbackend import register
    register(name, lambda: Client().load_balanced_view(), make_default)


def _is_engine():
    engine = sys.modules.get(f"{PACKAGE}.engine")
    return engine is not None and engine.__dict__.get("_RUNNING", False)


# ========================================================================== views

class View:
    """What direct and load-balanced views share: flags, apply, map, decorators."""
    block = False
    label = None
    _flags = ("block", "targets", "label")

    def __init__(self, client, targets=None, **flags):
        self.client = client
        self.targets = targets
        self.block = getattr(client, "block", False)
        self.set_flags(**flags)

    def set_flags(self, **flags):
        for k, v in flags.items():
            if k not in self._flags:
                raise KeyError(f"{type(self).__name__} has no flag {k!r} "
                               f"(flags: {', '.join(self._flags)})")
            setattr(self, k, v)
        return self

    @contextlib.contextmanager
    def temp_flags(self, **flags):
        saved = {k: getattr(self, k) for k in flags}
        self.set_flags(**flags)
        try:
            yield
        finally:
            self.set_flags(**saved)

    def _block(self, block):
        return self.block if block is None else block

    def apply(self, f, *args, **kwargs):
        ar = self._apply(f, args, kwargs)
        return ar.get() if self.block else ar

    def apply_async(self, f, *args, **kwargs):
        return self._apply(f, args, kwargs)

    def apply_sync(self, f, *args, **kwargs):
        return self._apply(f, args, kwargs).get()

    def map(self, f, *seqs, block=None, **kw):
        ar = self._map(f, seqs, **kw)
        return ar.get() if self._block(block) else ar

    def map_async(self, f, *seqs, **kw):
        return self._map(f, seqs, **kw)

    def map_sync(self, f, *seqs, **kw):
        return self._map(f, seqs, **kw).get()

    def imap(self, f, *seqs, ordered=True, **kw):
        """Results one by one as they finish (ordered: in input order)."""
        ar = self._map(f, seqs, **kw)
        ar._ordered = ordered
        return iter(ar)

    def remote(self, block=None):
        """Decorator: calling the function runs it with view.apply (``f.block`` may be
        changed later, as in ipyparallel)."""
        def deco(f):
            return RemoteFunction(self, f, block)
        return deco

    def parallel(self, dist="b", block=None, chunksize=None):
        """Decorator, as ipyparallel's: calling the function with equal-length sequences
        splits them (a direct view: one part per engine, dist "b" contiguous blocks or
        "r" round robin; a load-balanced view: chunks of ``chunksize`` items, default
        the view's, 1), calls it ONCE per part, and joins the parts' results (arrays
        concatenated, lists chained, scalars listed). ``f.map(seq)`` instead calls it
        on each element."""
        if dist not in ("b", "r"):
            raise ValueError(f"dist must be 'b' (blocks) or 'r' (round robin), not {dist!r}")

        def deco(f):
            def call(*seqs):
                seqs = [_seq(s) for s in seqs]
                lengths = [len(s) for s in seqs]
                if len(set(lengths)) > 1:
                    raise ValueError(f"all sequences must have equal length, but have "
                                     f"{lengths}")
                if not seqs or not lengths[0]:
                    return []
                ar = self._parallel_parts(f, seqs, lengths[0], dist, chunksize)
                return ar.get() if self._block(block) else ar

            def map(*seqs):
                return self.map(f, *seqs, block=block)
            call.__name__, call.__doc__, call.__wrapped__ = f.__name__, f.__doc__, f
            call.map = map
            return call
        return deco

    def abort(self, jobs=None):
        self.client.abort(jobs)

    # ipyparallel's serializer switches: here and on the view's engines
    def _use(self, name):
        from .serialize import use
        dv = self if isinstance(self, DirectView) else self.client.direct_view(
            self.targets if self.targets is not None else "all")
        ar = dv.apply_async(use, name)
        ar.get()                        # the engines first, then here
        _use_serializer(name)
        return ar

    def use_dill(self):
        return self._use("dill")

    def use_cloudpickle(self):
        return self._use("cloudpickle")

    def use_pickle(self):
        return self._use("pickle")

    @property
    def executor(self):
        """A concurrent.futures.Executor whose submit() and map() run on this view."""
        return ViewExecutor(self)

    def register_joblib_backend(self, name="ipylite", make_default=False):
        """Make this view joblib's backend ``name`` (joblib.parallel_backend(name))."""
        from .joblibbackend import register
        register(name, lambda: self, make_default)

    def wait(self, jobs=None, timeout=None):
        jobs = [jobs] if isinstance(jobs, AsyncResult) else (jobs or [])
        return all(j.wait(timeout) for j in jobs)


class RemoteFunction:
    """A function whose calls run on a view (``@view.remote()``)."""

    def __init__(self, view, f, block=None):
        self.view, self.func, self.block = view, f, block
        self.__name__ = getattr(f, "__name__", "remote")
        self.__doc__ = getattr(f, "__doc__", None)
        self.__wrapped__ = f

    def __call__(self, *args, **kwargs):
        ar = self.view._apply(self.func, args, kwargs)
        return ar.get() if self.view._block(self.block) else ar


class ViewExecutor(concurrent.futures.Executor):
    """concurrent.futures' Executor API on a view: submit() gives AsyncResults."""

    def __init__(self, view):
        self.view = view
        self._futures = []

    def submit(self, fn, *args, **kwargs):
        ar = self.view.apply_async(fn, *args, **kwargs)
        self._futures.append(ar)
        return ar

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        ar = self.view.map_async(fn, *iterables)
        self._futures.append(ar)
        if timeout is not None and not ar.wait(timeout):
            raise TimeoutError(f"map not done after {timeout} s")
        return iter(ar)

    def shutdown(self, wait=True, *, cancel_futures=False):
        if wait:
            for f in self._futures:
                f.wait()
        self._futures = []


def _partition(seq, n):
    """n contiguous slices of seq, sizes differing by at most one."""
    length = len(seq)
    q, r = divmod(length, n)
    out, start = [], 0
    for i in range(n):
        stop = start + q + (1 if i < r else 0)
        out.append(seq[start:stop])
        start = stop
    return out


def _is_array(x):
    return hasattr(x, "__array__") and hasattr(x, "shape")


def _seq(s):
    """s as something with len() and slicing (generators and sets become lists)."""
    if _is_array(s) or isinstance(s, (list, tuple, range, str, bytes)):
        return s
    return list(s)


def _concat(parts):
    """Join per-engine parts as ipyparallel does: arrays concatenated, lists and tuples
    chained, anything else (scalars) returned as a list with one item per engine."""
    if parts and all(_is_array(p) for p in parts):
        import numpy
        return numpy.concatenate(parts)
    if parts and isinstance(parts[0], (list, tuple)):
        out = []
        for p in parts:
            out.extend(p)
        return out
    return list(parts)


def _interleave(parts):
    """The inverse of round-robin partitioning (part i holds items i, i+n, ...)."""
    if parts and all(_is_array(p) for p in parts):
        import numpy
        first = numpy.asarray(parts[0])
        out = numpy.empty((sum(len(p) for p in parts),) + first.shape[1:], first.dtype)
        for i, p in enumerate(parts):
            out[i::len(parts)] = p
        return out
    if parts and isinstance(parts[0], (list, tuple)):
        out = []
        for i in range(max((len(p) for p in parts), default=0)):
            out.extend(p[i] for p in parts if len(p) > i)
        return out
    return list(parts)


class DirectView(View):
    """Runs everything on chosen engines (targets: an id, a list of ids, or "all")."""

    def _target_list(self, targets=None):
        t = self.targets if targets is None else targets
        if t is None or t == "all":
            return self.client.ids
        if isinstance(t, int):
            return [t]
        return list(t)

    def _single(self, targets=None):
        return isinstance(self.targets if targets is None else targets, int)

    def __repr__(self):
        return f"<DirectView {self.targets!r}>"

    def __len__(self):
        return len(self._target_list())

    def _send(self, head, payload, bufs, targets=None, fname="", **arkw):
        tl = self._target_list(targets)
        if not tl:
            raise RuntimeError("no engines to run on: start some, or wait_for_engines()")
        ar = AsyncResult(self.client, [], fname, single=self._single(targets),
                         label=self.label, **arkw)
        return self.client._send_direct(tl, head, payload, bufs, ar)

    def _apply(self, f, args, kwargs, targets=None):
        tl = self._target_list(targets)
        sent = []
        payload, bufs = dumps((f, args, kwargs), self.client._knows(tl), sent)
        ar = self._send({"t": "apply"}, payload, bufs, targets,
                        getattr(f, "__name__", "apply"))
        self.client._hold(tl, sent)
        return ar

    def _map(self, f, seqs, targets=None):
        from .engine import remote_map
        tl = self._target_list(targets)
        if not tl:
            raise RuntimeError("no engines to run on: start some, or wait_for_engines()")
        seqs = [_seq(s) for s in seqs]
        length = min(len(s) for s in seqs)
        seqs = [s[:length] if len(s) > length else s for s in seqs]
        parts = [_partition(s, len(tl)) for s in seqs]
        ar = AsyncResult(self.client, [], getattr(f, "__name__", "map"), mapped=True,
                         label=self.label)
        with self.client._lock:     # (a spin thread sees the whole result)
            for i, eid in enumerate(tl):
                chunk = [p[i] for p in parts]
                if len(chunk[0]) == 0:
                    continue
                payload, bufs = dumps((remote_map, (f, *chunk), {}), self.client._knows([eid]))
                self.client._send_direct([eid], {"t": "apply"}, payload, bufs, ar)
        return ar

    def _parallel_parts(self, f, seqs, length, dist, chunksize):
        """@parallel on engines: f once per engine on its part (see View.parallel)."""
        tl = self._target_list()
        if not tl:
            raise RuntimeError("no engines to run on: start some, or wait_for_engines()")
        n = len(tl)
        parts = [_partition(s, n) if dist == "b" else [s[i::n] for i in range(n)]
                 for s in seqs]
        ar = AsyncResult(self.client, [], getattr(f, "__name__", "parallel"),
                         gather=_concat if dist == "b" else _interleave)
        with self.client._lock:     # (a spin thread sees the whole result)
            for i, eid in enumerate(tl):
                chunk = [p[i] for p in parts]
                if len(chunk[0]) == 0:
                    continue
                payload, bufs = dumps((f, chunk, {}), self.client._knows([eid]))
                self.client._send_direct([eid], {"t": "apply"}, payload, bufs, ar)
        return ar

    def execute(self, code, silent=True, targets=None, block=None):
        """Run code in the engines' namespaces, as at their prompt."""
        self.client._forget(self._target_list(targets))     # it may rebind anything
        ar = self._send({"t": "execute", "silent": silent}, code.encode("utf8"), (), targets,
                        "execute")
        if self._block(block):
            ar.get()
        return ar

    def run(self, filename, targets=None, block=None):
        with open(filename, encoding="utf8") as f:
            code = f.read()
        return self.execute(code, targets=targets, block=block)

    def push(self, ns, targets=None, block=None):
        from .engine import remote_push
        if not isinstance(ns, dict):
            raise TypeError("push() takes a dict of names and values")
        payload, bufs = dumps((remote_push, (ns,), {}))
        ar = self._send({"t": "apply"}, payload, bufs, targets, "push")
        self.client._hold(self._target_list(targets), ns.items())
        return ar.get() if self._block(block) else ar

    def pull(self, names, targets=None, block=None):
        from .engine import remote_pull
        payload, bufs = dumps((remote_pull, (names,), {}))
        ar = self._send({"t": "apply"}, payload, bufs, targets, "pull")
        return ar.get() if self._block(block) else ar

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.pull(key, block=True)
        tl = self._target_list()
        if isinstance(key, int):
            return DirectView(self.client, tl[key])
        return DirectView(self.client, tl[key] if isinstance(key, slice) else list(key))

    def __setitem__(self, key, value):
        self.push({key: value}, block=True)

    def update(self, ns):
        """view.update(dict): push, as a dict's update."""
        return self.push(ns)

    def get(self, key_s):
        """view.get(name or names): pull, waiting for the values."""
        return self.pull(key_s, block=True)

    def clear(self, targets=None, block=None):
        """Empty the engines' namespaces (engine_id and the interpreter's names stay)."""
        from .engine import clear_namespace
        payload, bufs = dumps((clear_namespace, (), {}))
        ar = self._send({"t": "apply"}, payload, bufs, targets, "clear")
        self.client._forget(self._target_list(targets))
        return ar.get() if self._block(block) else ar

    def queue_status(self, targets=None, verbose=False):
        status = self.client.queue_status()
        tl = self._target_list(targets)
        out = {eid: status[eid] for eid in tl if eid in status}
        out["unassigned"] = status["unassigned"]
        return out[tl[0]] if self._single(targets) and tl[0] in out else out

    def shutdown(self, targets=None, restart=False, hub=False, block=None):
        """Stop this view's engines (and with hub=True the controller)."""
        if restart:
            raise NotImplementedError("restart=True: restart engines with "
                                      "Cluster.restart_engines()")
        self.client.shutdown(self._target_list(targets), hub=hub)

    def scatter(self, key, seq, targets=None, flatten=False, block=None):
        """Partition seq over the engines: each gets its slice as `key`."""
        from .engine import remote_push
        tl = self._target_list(targets)
        ar = AsyncResult(self.client, [], "scatter")
        with self.client._lock:     # (a spin thread sees the whole result)
            for eid, part in zip(tl, _partition(seq, len(tl))):
                if flatten and len(part) == 1:
                    part = part[0]
                payload, bufs = dumps((remote_push, ({key: part},), {}))
                self.client._send_direct([eid], {"t": "apply"}, payload, bufs, ar)
        if self._block(block):
            ar.get()
            return None
        return ar

    def gather(self, key, targets=None, block=None):
        """Concatenate each engine's `key` (lists or numpy arrays), in engine order."""
        ar = self.pull(key, targets, block=False)
        ar._single = False
        ar._gather = _concat
        return ar.get() if self._block(block) else ar

    @contextlib.contextmanager
    def sync_imports(self, local=True, quiet=False):
        """``with view.sync_imports(): import numpy`` imports here and on the engines.
        ``from m import a, b`` binds a and b on the engines (``as`` names are not seen)."""
        from .engine import remote_import
        caller = sys._getframe(2).f_globals
        names = []
        real = builtins.__import__

        def hook(name, globals=None, locals=None, fromlist=(), level=0):
            if level == 0 and globals is caller:     # the block's own statements only
                names.append((name, tuple(fromlist or ())))
            if local:
                return real(name, globals, locals, fromlist, level)
            return None
        builtins.__import__ = hook
        try:
            yield
        finally:
            builtins.__import__ = real
        if names:
            if not quiet:
                print("importing " + ", ".join(n for n, _ in names) + " on engine(s)")
            payload, bufs = dumps((remote_import, (names,), {}))
            self._send({"t": "apply"}, payload, bufs).get()

    def activate(self, suffix=""):
        """Register %px, %%px, %autopx and %pxresult (with suffix) on the current Shell."""
        from .shell import Shell
        shell = Shell.current()
        if shell is None:
            raise RuntimeError("activate() needs an ipylite Shell")
        register_magics(shell, self, suffix)


class BroadcastView(DirectView):
    """What ipyparallel's broadcast view does, by direct requests (see broadcast_view)."""

    def __repr__(self):
        return f"<BroadcastView {self.targets!r}>"


class LoadBalancedView(View):
    """Each call goes to whichever engine is least loaded."""
    _flags = ("block", "targets", "retries", "timeout", "after", "follow", "chunksize",
              "ordered", "label")
    retries = 0
    timeout = None
    after = None
    follow = None
    chunksize = 1
    ordered = True

    def __repr__(self):
        return "<LoadBalancedView>"

    def __len__(self):
        return len(self.client.ids if self.targets is None else (
            [self.targets] if isinstance(self.targets, int) else list(self.targets)))

    def _head(self, t="apply"):
        head = {"t": t}
        if self.retries:
            head["retries"] = int(self.retries)
        if self.timeout:
            head["deadline"] = time.time() + self.timeout
        if self.after:
            head["after"] = specs(self.after)
        if self.follow:
            head["follow"] = specs(self.follow)
        if self.targets is not None:
            head["targets"] = [self.targets] if isinstance(self.targets, int) else list(
                self.targets)
        return head

    def _apply(self, f, args, kwargs):
        tl = self.client.ids if self.targets is None else (
            [self.targets] if isinstance(self.targets, int) else list(self.targets))
        payload, bufs = dumps((f, args, kwargs), self.client._knows(tl))
        ar = AsyncResult(self.client, [], getattr(f, "__name__", "apply"), single=True,
                         label=self.label)
        self.client._send_lb(self._head(), payload, bufs, ar)
        return ar

    def _map(self, f, seqs, chunksize=None, ordered=None):
        from .engine import remote_chunk
        chunksize = max(1, int(chunksize or self.chunksize or 1))
        items = list(zip(*seqs))
        tl = self.client.ids if self.targets is None else (
            [self.targets] if isinstance(self.targets, int) else list(self.targets))
        fb, fbufs = dumps(f, self.client._knows(tl))
        ar = AsyncResult(self.client, [], getattr(f, "__name__", "map"), mapped=True,
                         ordered=self.ordered if ordered is None else ordered,
                         label=self.label)
        head = self._head()
        with self.client._lock:     # (a spin thread sees the whole result)
            batch = []
            for i in range(0, len(items), chunksize):
                payload, bufs = dumps((remote_chunk, (f if fbufs else fb,
                                                    items[i:i + chunksize]), {}))
                if bufs:
                    self.client._send_lb(dict(head), payload, bufs, ar)
                else:
                    batch.append((dict(head), payload))
            self.client._send_lb_many(batch, ar)
        return ar

    def imap(self, f, *seqs, ordered=True, chunksize=None):
        return iter(self._map(f, seqs, chunksize=chunksize, ordered=ordered))

    def _parallel_parts(self, f, seqs, length, dist, chunksize):
        """@parallel load-balanced: f once per chunk of ``chunksize`` items."""
        cs = max(1, int(chunksize or self.chunksize or 1))
        chunks = [[s[i:i + cs] if _is_array(s) or isinstance(s, list) else list(s[i:i + cs])
                   for i in range(0, length, cs)] for s in seqs]
        ar = self._map(f, chunks, chunksize=1)
        ar._gather = _concat
        return ar


# ====================================================================== launchers
# local, ssh, mpi, slurm, pbs, sge, lsf: see launchers.py
from .launchers import LAUNCHERS, planned  # noqa: E402
from .protocol import PACKAGE  # noqa: E402


# ======================================================================== Cluster

class Cluster:
    """Start a controller and n engines; ``with Cluster(n=4) as rc:`` gives a Client."""

    def __init__(self, n=None, profile="default", cluster_id=None, ip="127.0.0.1",
                 engines="local", timeout=60, location=None, **launcher_options):
        """``engines``: local, ssh, mpi, slurm, pbs, sge or lsf; ``launcher_options``
        go to that launcher (hosts=, tunnel=, ssh_args=, remote_python=, mpiexec=,
        template=, queue=, ...: see launchers.py)."""
        engines = engines.lower()
        n = planned(engines, n, launcher_options)     # ssh: explicit host counts
        self.n = os.cpu_count() if n is None else n
        self.engine_sets = {}           # id -> launcher of engines start_engines started
        self.location = location
        self.launcher_options = launcher_options
        self.profile = profile
        self.cluster_id = cluster_id or f"{int(time.time())}-{secrets.token_hex(3)}"
        self.ip = ip
        self.engines = engines
        self.timeout = timeout
        self.proc = None
        self.client = None

    @property
    def client_file(self):
        return os.path.join(security_dir(self.profile), cluster_file_name("client", self.cluster_id))

    def start(self):
        if self.engines not in LAUNCHERS:
            raise ValueError(f"unknown engine launcher {self.engines!r} "
                             f"(choose from: {', '.join(LAUNCHERS)})")
        path = self.client_file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"{PACKAGE}.parallel", "start", "-n", str(self.n),
             "--profile", self.profile, "--cluster-id", self.cluster_id, "--ip", self.ip,
             "--engines", self.engines, "--parent-pid", str(os.getpid()), "--quiet",
             "--launcher-options", json.dumps(self.launcher_options)]
            + (["--location", self.location] if self.location else []),
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(path):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the controller exited with status {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the controller did not start within {self.timeout} s")
            time.sleep(0.005)
        return self

    def connect_client_sync(self):
        self.client = Client(self.client_file)
        return self.client

    def wait_for_engines(self, n=None, timeout=None):
        self.client.wait_for_engines(self.n if n is None else n, timeout or self.timeout)

    def stop(self):
        for launcher in self.engine_sets.values():
            launcher.stop()
        self.engine_sets.clear()
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)          # launchers may wait for / cancel jobs
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start_and_connect_sync()

    # ipyparallel 7's names
    def start_and_connect_sync(self):
        """Start the cluster, connect, wait for its engines; returns the Client."""
        self.start()
        try:
            self.connect_client_sync()
            self.wait_for_engines()
        except BaseException:
            self.stop()
            raise
        return self.client

    start_cluster_sync = start
    stop_cluster_sync = stop

    def __exit__(self, *exc):
        self.stop()

    # -- engines in sets of their own, and ipyparallel 7's async API
    def start_controller_sync(self):
        """Start the controller alone (engines come with start_engines)."""
        n, self.n = self.n, 0
        try:
            self.start()
        finally:
            self.n = n
        return self

    def start_engines_sync(self, n=None):
        """Start n engines (default: the cluster's n) with the cluster's launcher, as a
        set of their own; returns the set's id (for stop_engines)."""
        if self.proc is None:
            raise RuntimeError("start the controller first (start_controller)")
        engine_file = self.client_file.replace("-client.json", "-engine.json")
        log_dir = os.path.join(os.path.dirname(os.path.dirname(engine_file)), "log")
        launcher = LAUNCHERS[self.engines](engine_file, log_dir, **self.launcher_options)
        n = self.n if n is None else n
        launcher.start(n)
        launcher.engine_count = n
        set_id = f"{int(time.time())}-{secrets.token_hex(3)}"
        self.engine_sets[set_id] = launcher
        return set_id

    def stop_engines_sync(self, engine_set_id=None):
        """Stop one set of engines (from start_engines), or (default) every engine."""
        if engine_set_id is None:
            if self.proc is not None:
                with Client(self.client_file) as rc:
                    rc.shutdown(block=True)
            sets = list(self.engine_sets)
        else:
            if engine_set_id not in self.engine_sets:
                raise KeyError(f"no engine set {engine_set_id!r} "
                               f"(sets: {', '.join(self.engine_sets) or 'none'})")
            sets = [engine_set_id]
        stopped = 0
        for s in sets:
            launcher = self.engine_sets.pop(s)
            launcher.stop()
            stopped += getattr(launcher, "engine_count", 0)
        if self.proc is not None and (stopped or engine_set_id is None):
            self._wait_unregistered(stopped, engine_set_id is None)

    def _wait_unregistered(self, stopped, every):
        """Return once the controller has let go of the engines just stopped (so a
        client's wait_for_engines() after restart_engines() waits for the new ones)."""
        with Client(self.client_file) as rc:
            left = 0 if every else max(0, len(rc.ids) - stopped)
            deadline = time.monotonic() + 10
            while len(rc.ids) > left and time.monotonic() < deadline:
                rc.spin(0.1)

    def signal_engines_sync(self, signum, engine_set_id=None):
        """Send a signal (e.g. SIGINT: interrupt their tasks) to the engines."""
        with Client(self.client_file) as rc:
            return rc.send_signal(signum)

    def restart_engines_sync(self, engine_set_id=None):
        """Stop every engine, then start the cluster's n engines afresh."""
        self.stop_engines_sync(engine_set_id)
        return self.start_engines_sync()

    def start_and_connect_sync_n(self, n=None, activate=False):
        if n is not None:
            self.n = n
        rc = self.start_and_connect_sync()
        if activate:
            rc.activate()
        return rc

    @classmethod
    def from_file(cls, profile="default", cluster_id=""):
        """The cluster of a profile (and cluster id) started elsewhere, e.g. by
        ``python -m ipylite.parallel start --daemonize``, to connect to or stop."""
        path = os.path.join(security_dir(profile), f"cluster-{cluster_id or 'default'}.json")
        try:
            with open(path) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(f"no cluster {cluster_id or 'default'!s} in profile "
                                    f"{profile!r} ({path})") from None
        c = cls(n=info.get("n"), profile=profile, cluster_id=cluster_id or "",
                engines=info.get("launcher", "local"))
        c.cluster_id = cluster_id
        c.pid = info.get("pid")
        return c

    def __repr__(self):
        state = "running" if self.proc is not None or getattr(self, "pid", None) else "idle"
        return (f"<Cluster(cluster_id={self.cluster_id!r}, profile={self.profile!r}, "
                f"engines={self.engines!r}, n={self.n}) {state}>")

    def stop_cluster_file(self):
        pid = getattr(self, "pid", None)
        if pid and self.proc is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            self.pid = None

    async def start_controller(self):
        return self.start_controller_sync()

    async def start_engines(self, n=None):
        return self.start_engines_sync(n)

    async def start_cluster(self, n=None):
        if n is not None:
            self.n = n
        return self.start()

    async def connect_client(self):
        return self.connect_client_sync()

    async def stop_engines(self, engine_set_id=None):
        return self.stop_engines_sync(engine_set_id)

    async def signal_engines(self, signum, engine_set_id=None):
        return self.signal_engines_sync(signum, engine_set_id)

    async def restart_engines(self, engine_set_id=None):
        return self.restart_engines_sync(engine_set_id)

    async def stop_cluster(self):
        self.stop_cluster_file()
        return self.stop()

    async def start_and_connect(self, n=None, activate=False):
        return self.start_and_connect_sync_n(n, activate)

    async def __aenter__(self):
        return self.start_and_connect_sync()

    async def __aexit__(self, *exc):
        self.stop()


class ClusterManager:
    """The clusters of a profile's (or every profile's) security folders."""

    def load_clusters(self, profile="default"):
        out = {}
        sec = security_dir(profile)
        for name in sorted(os.listdir(sec)) if os.path.isdir(sec) else ():
            if name.startswith("cluster-") and name.endswith(".json"):
                cid = name[len("cluster-"):-len(".json")]
                cid = "" if cid == "default" else cid
                out[f"{profile}:{cid}"] = Cluster.from_file(profile, cid)
        return out


# ================================================================ command line

if __name__ == "__main__":
    # ``python -m ipylite.parallel start|stop|list|engines|clean``: the command line
    # lives in ipcluster.py, above this module; run it as the main program
    import runpy
    runpy.run_module(__spec__.parent + ".ipcluster", run_name="__main__", alter_sys=True)
