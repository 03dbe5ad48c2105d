"""What ipylite.parallel's calls give back: AsyncResult (the future of one or many
tasks, with their metadata and output) and the errors a cluster raises. This module is
also ``ipylite.parallel.error``, as ipyparallel's ``ipyparallel.error``."""

import asyncio
import concurrent.futures
import datetime
import logging
import sys
import time

from .serialize import loads

log = logging.getLogger("ipylite.parallel")


# ========================================================================= errors

class KernelError(Exception):
    """What every error of a cluster is (ipyparallel's base class of its errors)."""


class RemoteError(KernelError):
    """An exception raised on an engine, with the engine's traceback."""

    def __init__(self, ename, evalue="", traceback="", engine_info=None):
        super().__init__(ename, evalue)
        self.ename, self.evalue, self.traceback = ename, evalue, traceback
        self.engine_info = engine_info or {}

    @property
    def engine_id(self):
        return self.engine_info.get("engine_id")

    def __str__(self):
        where = "" if self.engine_id is None else f"[engine {self.engine_id}] "
        text = f"{where}{self.ename}: {self.evalue}"
        if self.traceback:
            text += "\n" + self.traceback.rstrip()
        return text

    def _render_traceback_(self):
        return str(self).splitlines()


class EngineError(RemoteError):
    """The engine running a task died or went away."""


class TaskTimeout(RemoteError):
    """A load-balanced task did not start within its timeout."""


class TaskAborted(RemoteError):
    """A task was aborted before it ran."""


class UnmetDependency(RemoteError):
    """A task's dependencies are not met on the engine it was sent to."""


class ImpossibleDependency(UnmetDependency):
    """A task's dependencies cannot be met."""


class DependencyTimeout(ImpossibleDependency):
    """A task's dependencies were not met within its timeout."""


class InvalidDependency(ImpossibleDependency):
    """A task's dependencies are not well formed."""


class SerializationError(RemoteError):
    """A task's function, arguments or result could not be pickled or unpickled."""


_ERRORS = {c.__name__: c for c in (EngineError, TaskTimeout, TaskAborted, UnmetDependency,
                                   ImpossibleDependency, DependencyTimeout,
                                   InvalidDependency, SerializationError)}


def remote_error(err):
    cls = _ERRORS.get(err.get("ename"), RemoteError)
    return cls(err.get("ename", "Error"), err.get("evalue", ""), err.get("traceback", ""),
               {"engine_id": err.get("engine_id")})


class CompositeError(RemoteError):
    """Several tasks failed: ``elist`` holds their RemoteErrors."""

    def __init__(self, message, elist):
        super().__init__("CompositeError", message)
        self.elist = elist

    def __str__(self):
        lines = [f"{self.evalue}:"]
        lines += [f"[engine {e.engine_id}] {e.ename}: {e.evalue}" for e in self.elist]
        first = self.elist[0]
        if first.traceback:
            lines += [f"\nThe first error ([engine {first.engine_id}]):",
                      first.traceback.rstrip()]
        return "\n".join(lines)

    def raise_exception(self, excid=0):
        raise self.elist[excid]


# ==================================================================== AsyncResult

class Metadata(dict):
    """A task's metadata: a dict whose keys are also attributes (md.engine_id)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"task metadata has no {key!r} "
                                 f"(keys: {', '.join(sorted(map(str, self)))})") from None


TIMES = ("submitted", "started", "completed", "received")


def as_datetime(t):
    return None if t is None else datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


class FutureWaiters(list):
    """An AsyncResult's list of concurrent.futures waiters: concurrent.futures.wait()
    and as_completed() install one and then block, so installing one has the client
    receive results in a thread of its own until the AsyncResult is done."""

    def __init__(self, ar):
        super().__init__()
        self.ar = ar

    def append(self, waiter):
        super().append(waiter)
        ar = self.ar
        if len(ar._raw) == len(ar.msg_ids):
            ar._finish()
        else:
            ar._client._watch(ar)


class AsyncResult(concurrent.futures.Future):
    """The future of one or many tasks (a concurrent.futures.Future: ``await ar`` and
    ``asyncio.wrap_future(ar)`` work in a running event loop, and
    concurrent.futures.wait() / as_completed() take it)."""

    def __init__(self, client, msg_ids, fname="", single=False, mapped=False, ordered=True,
                 gather=None, label=None):
        super().__init__()
        self._waiters = FutureWaiters(self)
        self._client = client
        self._label = label
        self._data = {}             # msg_id -> what the task published (datapub)
        self.msg_ids = list(msg_ids)
        self._fname = fname
        self._single = single
        self._mapped = mapped
        self._ordered = ordered
        self._gather = gather
        self._raw = {}              # msg_id -> (head, payload, buffers)
        self._requests = {}         # msg_id -> (eid or None, head, payload, buffers,
        #                             submitted): what was sent, for Client.resubmit
        self._values = {}
        self._submitted = {}
        self._arrival = []
        self._live = {}             # msg_id -> stdout/stderr so far of running tasks
        self._callbacks = []
        self.echo = False           # print running tasks' output as it arrives

    # -- filled in by the client
    def _stream(self, head):
        """Output from a task still running: kept for stdout/stderr and echoed if asked."""
        live = self._live.setdefault(head["id"], {"stdout": "", "stderr": ""})
        live[head["name"]] += head["text"]
        if self.echo:
            out = sys.stdout if head["name"] == "stdout" else sys.stderr
            out.write(f"[{head['name']}:{head.get('eid')}] {head['text']}")

    def _publish(self, head, payload, buffers):
        try:
            self._data.setdefault(head["id"], {}).update(loads(payload, buffers))
        except Exception as e:
            log.warning("data published by a task could not be read: %s", e)

    @property
    def data(self):
        """What the task(s) published with publish_data() so far (merged per task)."""
        self._client.spin(0)
        out = [self._data.get(m, {}) for m in self.msg_ids]
        return out[0] if self._single else out

    def _deliver(self, head, payload, buffers):
        md = head.get("md")
        if md is not None:
            md["received"] = time.time()
        self._raw[head["id"]] = (head, payload, buffers)
        self._arrival.append(head["id"])
        if len(self._raw) == len(self.msg_ids):
            self._finish()
            if self._callbacks:
                callbacks, self._callbacks = self._callbacks, []
                for fn in callbacks:
                    self._call(fn)

    def _finish(self):
        """Every task is done: the Future's own state says so (which wakes
        concurrent.futures.wait() and as_completed())."""
        try:
            failed = next((h for h, _, _ in self._raw.values() if h.get("err")), None)
            if failed is None:
                concurrent.futures.Future.set_result(self, None)
            else:
                concurrent.futures.Future.set_exception(self, remote_error(failed["err"]))
        except concurrent.futures.InvalidStateError:
            pass                        # (already finished)

    def _call(self, fn):
        try:
            fn(self)
        except Exception:
            log.exception("a done-callback of %r failed", self)

    def _decode(self, msg_id):
        if msg_id not in self._values:
            head, payload, buffers = self._raw[msg_id]
            err = head.get("err")
            if err is not None:
                self._values[msg_id] = (False, remote_error(err))
            else:
                try:
                    self._values[msg_id] = (True, loads(payload, buffers))
                except Exception as e:
                    self._values[msg_id] = (False, RemoteError(
                        "SerializationError", f"the result could not be unpickled here: "
                        f"{type(e).__name__}: {e}", "", {"engine_id": head.get("eid")}))
        return self._values[msg_id]

    # -- state
    def ready(self):
        if len(self._raw) < len(self.msg_ids):
            self._client.spin()
        return len(self._raw) == len(self.msg_ids)

    def wait(self, timeout=None):
        """Wait until every task is done (or timeout seconds); returns ready()."""
        return self._client._wait_for(self, timeout)

    def successful(self):
        if not self.ready():
            raise ValueError("the result is not ready yet: call wait() first")
        return all(h.get("err") is None for h, _, _ in self._raw.values())

    def get(self, timeout=None):
        """The result(s); raises RemoteError / CompositeError, or TimeoutError."""
        if not self.wait(timeout):
            raise TimeoutError(f"Result not ready after {timeout} s "
                               f"({len(self._raw)}/{len(self.msg_ids)} tasks done)")
        outcomes = [self._decode(m) for m in self.msg_ids]
        errors = [v for ok, v in outcomes if not ok]
        if errors:
            if self._single or len(self.msg_ids) == 1 and not self._mapped:
                raise errors[0]
            raise CompositeError(f"{len(errors)} of {len(self.msg_ids)} tasks failed", errors)
        values = [v for _, v in outcomes]
        if self._mapped:
            out = []
            for v in values:
                out.extend(v)
            return out if self._gather is None else self._gather(out)
        if self._gather is not None:
            return self._gather(values)
        return values[0] if self._single else values

    def __iter__(self):
        """Results as they finish (mapped: element by element)."""
        it = self.msg_ids if self._ordered else None
        done = 0
        while done < len(self.msg_ids):
            if it is not None:
                m = it[done]
                while m not in self._raw:
                    self._client.spin(1.0)
            else:
                while len(self._arrival) <= done:
                    self._client.spin(1.0)
                m = self._arrival[done]
            done += 1
            ok, v = self._decode(m)
            if not ok:
                raise v
            if self._mapped:
                yield from v
            else:
                yield v

    def __len__(self):
        return len(self.msg_ids)

    def get_dict(self, timeout=None):
        """{engine id: result} of an apply or execute on several engines."""
        if self._mapped:
            raise ValueError("get_dict() is for one result per engine (apply, execute, "
                             "pull), not for a map: use get()")
        self.get(timeout)
        eids = [self._raw[m][0].get("eid") for m in self.msg_ids]
        if len(set(eids)) < len(eids):
            raise ValueError(f"several results came from one engine ({eids}): use get()")
        return {e: self._decode(m)[1] for e, m in zip(eids, self.msg_ids)}

    def __getitem__(self, key):
        """ar[i]: the i-th result (of a map: the i-th element), waiting for all;
        ar["key"]: that metadata key (of each task)."""
        if isinstance(key, str):
            md = self.metadata
            return md[key] if self._single else [m[key] for m in md]
        values = self.get()
        if self._single:
            raise TypeError("a single result cannot be indexed: use get()")
        return values[key]

    @property
    def r(self):
        return self.get()

    # -- concurrent.futures.Future's API (callbacks run in whichever call of
    #    this client receives the last result: get, wait, ready, spin, ...)
    def result(self, timeout=None):
        return self.get(timeout)

    def done(self):
        return self.ready()

    def exception(self, timeout=None):
        """The error get() would raise (None if every task succeeded)."""
        try:
            self.get(timeout)
        except TimeoutError:
            if not self.ready():
                raise
        except RemoteError as e:
            return e
        return None

    def add_done_callback(self, fn):
        """fn(ar) once every task is done (at once if they already are). Callbacks run
        in whichever call of this client receives the last result; in a running event
        loop, a task of the loop's receives it."""
        if len(self._raw) == len(self.msg_ids):
            self._call(fn)
        else:
            self._callbacks.append(fn)
            self._client._waiters.add(self)
            self._client._spin_in_loop()

    def __await__(self):
        while len(self._raw) < len(self.msg_ids):
            self._client.spin(0)
            if len(self._raw) < len(self.msg_ids):
                yield from asyncio.sleep(0.005).__await__()
        return self.get()

    def cancel(self):
        return False

    def cancelled(self):
        return False

    def running(self):
        return not self.ready()

    @property
    def sent(self):
        return True                 # sends happen in the call that made the result

    @property
    def elapsed(self):
        """Seconds since the first task was submitted (wall_time once done)."""
        if self.ready():
            return self.wall_time
        if not self._submitted:
            return 0.0
        return time.time() - min(self._submitted.values())

    def abort(self):
        self._client.abort(self)

    # -- metadata
    @property
    def metadata(self):
        """Each task's metadata (engine_id, stdout, stderr, outputs, status, error,
        label, and submitted / started / completed / received as datetimes)."""
        mds = self._raw_mds()
        for md in mds:
            for k in TIMES:
                md[k] = as_datetime(md.get(k))
        return mds[0] if self._single else mds

    def _raw_mds(self):
        mds = []
        for m in self.msg_ids:
            raw = self._raw.get(m)
            md = Metadata(raw[0].get("md") or {}) if raw else Metadata(self._live.get(m, {}))
            md["msg_id"] = m
            md["label"] = self._label
            md["submitted"] = self._submitted.get(m)
            md["status"] = None if not raw else "error" if raw[0].get("err") else "ok"
            if raw and raw[0].get("err"):
                md["error"] = raw[0]["err"]
            mds.append(md)
        return mds

    def _mds(self):
        return self._raw_mds()

    @property
    def engine_id(self):
        ids = [md.get("engine_id") for md in self._mds()]
        return ids[0] if self._single else ids

    @property
    def stdout(self):
        out = [md.get("stdout", "") for md in self._mds()]
        return out[0] if self._single else out

    @property
    def stderr(self):
        out = [md.get("stderr", "") for md in self._mds()]
        return out[0] if self._single else out

    @property
    def outputs(self):
        out = [md.get("outputs", []) for md in self._mds()]
        return out[0] if self._single else out

    @property
    def execute_result(self):
        out = [md.get("execute_result") for md in self._mds()]
        return out[0] if self._single else out

    @property
    def wall_time(self):
        mds = [md for md in self._mds() if md.get("completed")]
        if not mds:
            return 0.0
        return max(md["completed"] for md in mds) - min(md["submitted"] for md in mds)

    @property
    def serial_time(self):
        return sum(md["completed"] - md["started"] for md in self._mds()
                   if md.get("completed") and md.get("started"))

    @property
    def progress(self):
        return len(self._raw)

    def wait_interactive(self, interval=0.5, timeout=None, file=None):
        """Wait, printing a progress line (done/total, elapsed) every interval seconds."""
        file = file or sys.stderr
        start = time.monotonic()
        while not self.wait(interval):
            elapsed = time.monotonic() - start
            file.write(f"\r{self.progress:4d}/{len(self.msg_ids)} tasks finished after "
                       f"{elapsed:5.1f} s")
            file.flush()
            if timeout is not None and elapsed > timeout:
                break
        file.write(f"\rdone: {self.progress}/{len(self.msg_ids)} tasks, "
                   f"{time.monotonic() - start:.1f} s\n")

    def display_outputs(self, groupby="engine", _skip_streamed=False):
        """Print each engine's stdout, stderr, displays and value, labelled:
        groupby "engine" (or "order"): all of one engine's, then the next's; "type":
        every engine's stdout, then every stderr, displays, values. In a notebook or
        console (a kernel's shell) rich displays (figures, HTML) are shown as such,
        with "engine" in their metadata, as ipyparallel does; elsewhere as text."""
        if groupby not in ("engine", "type", "order"):
            raise ValueError(f"groupby must be 'engine', 'type' or 'order', not {groupby!r}")
        from .display import publish_display_data
        from .shell import Shell
        shell = Shell.current()
        rich = shell is not None and getattr(shell, "kernel", None) is not None
        items = []                      # (engine index, kind, file, text or bundle)
        for i, md in enumerate(self._mds()):
            eid = md.get("engine_id")
            live = self._live.get(md["msg_id"], {}) if _skip_streamed else {}
            for kind, (name, file) in enumerate((("stdout", sys.stdout),
                                                 ("stderr", sys.stderr))):
                text = md.get(name, "")[len(live.get(name, "")):]
                if text:
                    items.append((i, kind, file, f"[{name}:{eid}] " + text.rstrip("\n")))
            for out in md.get("outputs", []):
                text = out["data"].get("text/plain")
                if rich and set(out["data"]) - {"text/plain"}:
                    items.append((i, 2, sys.stdout, (f"[output:{eid}]", out, eid)))
                elif text is not None:
                    items.append((i, 2, sys.stdout, f"[output:{eid}] {text}"))
            er = md.get("execute_result")
            if er:
                items.append((i, 3, sys.stdout, f"Out[{eid}:{er['execution_count']}]: "
                                                f"{er['data'].get('text/plain', '')}"))
        if groupby == "type":
            items.sort(key=lambda x: (x[1], x[0]))
        for _, _, file, text in items:
            if isinstance(text, tuple):
                label, out, eid = text
                print(label, file=file)
                file.flush()            # (the label before the display it names)
                publish_display_data(out["data"], dict(out.get("metadata") or {},
                                                       engine=eid))
            else:
                print(text, file=file)

    def __repr__(self):
        state = "finished" if len(self._raw) == len(self.msg_ids) else "pending"
        return f"<AsyncResult({self._fname}): {state}>"
