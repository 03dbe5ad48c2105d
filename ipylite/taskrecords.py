"""A client's records of its own tasks, ipyparallel's task-database API answered
locally: history, metadata, get_result, result_status, purge_results, db_query."""

import fnmatch
import time

from .asyncresult import TIMES, AsyncResult, Metadata, as_datetime


def msg_ids_of(x):
    """The msg ids in x: an AsyncResult, a msg id, or a (nested) list of those."""
    if x is None:
        return []
    if isinstance(x, AsyncResult):
        return list(x.msg_ids)
    if isinstance(x, str):
        return [x]
    out = []
    for y in x:
        out.extend(msg_ids_of(y))
    return out


def msg_ids_of_or_ints(x):
    """msg_ids_of(x), keeping history indices (ints) as they are."""
    out = []
    for y in x:
        out.extend([y] if isinstance(y, int) else msg_ids_of(y))
    return out


class TaskRecords:
    """Mixed into Client: needs _records (msg_id -> result head, bounded), _pending,
    _ars (msg_id -> AsyncResult, weak), spin() and block."""

    # -- task records: this client's tasks (the most recent history_limit of them)
    history_limit = 100_000

    @property
    def history(self):
        """The msg ids of this client's tasks, oldest first (finished, then pending)."""
        return list(self._records) + [m for m in self._pending if m not in self._records]

    def hub_history(self):
        return self.history

    def _record(self, msg_id):
        head = self._records.get(msg_id)
        if head is None:
            ar = self._pending.get(msg_id)
            if ar is None:
                raise KeyError(f"no task {msg_id!r} in this client's records")
            md = dict(ar._raw_mds()[ar.msg_ids.index(msg_id)])
        else:
            md = dict(head.get("md") or {}, msg_id=msg_id, label=head.get("label"),
                      submitted=head.get("submitted"),
                      status="error" if head.get("err") else "ok")
            if head.get("err"):
                md["error"] = head["err"]
        for k in TIMES:
            md[k] = as_datetime(md.get(k))
        md.setdefault("engine_id", md.get("engine_id"))
        md["engine_uuid"] = md["engine_id"]
        md["completed"] = md.get("completed")
        return Metadata(md)

    @property
    def metadata(self):
        """{msg_id: metadata} of this client's tasks."""
        self.spin(0)
        return {m: self._record(m) for m in self.history}

    def _history_ids(self, ids):
        if ids is None:
            ids = [-1]
        if isinstance(ids, (int, str, AsyncResult)):
            ids = [ids]
        history = self.history
        return [history[i] if isinstance(i, int) else i for i in msg_ids_of_or_ints(ids)]

    def resubmit(self, indices_or_msg_ids=None, metadata=None, block=None):
        """Send tasks (msg ids, AsyncResults or history indices; default: the last)
        again as they were first sent: a direct task to the same engine (load-balanced
        if that engine is gone), a load-balanced one with the same flags. Gives a new
        AsyncResult with one result per task."""
        msg_ids = self._history_ids(indices_or_msg_ids)
        requests = []
        for m in msg_ids:
            src = self._ars.get(m)
            req = None if src is None else src._requests.get(m)
            if req is None:
                raise KeyError(f"no task {m!r} to resubmit (this client sent no such task, "
                               f"or its AsyncResult is not held any more)")
            requests.append((src, req))
        label = requests[0][0]._label if requests else None
        ar = AsyncResult(self, [], "resubmit", label=label)
        with self._lock:
            for src, (eid, head, payload, bufs, submitted) in requests:
                head = {k: v for k, v in head.items() if k != "id"}
                if head.get("deadline") is not None:    # the same timeout, from now
                    head["deadline"] = time.time() + (head["deadline"] - submitted)
                if eid is not None and eid in self._engines:
                    self._send_direct([eid], head, payload, bufs, ar)
                else:
                    head.pop("direct", None)
                    if eid is not None:
                        head.pop("targets", None)
                    self._send_lb(head, payload, bufs, ar)
        if self._block(block):
            ar.wait()
        return ar

    def get_result(self, indices_or_msg_ids=None, block=None, owner=True):
        """An AsyncResult for msg ids (or history indices) of this client's tasks, whose
        AsyncResult is still held (the client does not keep results of its own)."""
        msg_ids = self._history_ids(indices_or_msg_ids)
        parts = []
        for m in msg_ids:
            src = self._ars.get(m)
            if src is None:
                raise KeyError(f"the result of {m!r} is not held any more (keep the "
                               f"AsyncResult to get it later)")
            parts.append(src)
        single_src = parts[0] if len(parts) == 1 else None
        ar = AsyncResult(self, msg_ids, "get_result", single=len(msg_ids) == 1,
                         mapped=bool(single_src and single_src._mapped and
                                     len(single_src.msg_ids) == 1),
                         label=single_src._label if single_src else None)
        for m, src in zip(msg_ids, parts):
            ar._submitted[m] = src._submitted.get(m)
            if m in src._raw:
                ar._raw[m] = src._raw[m]
                ar._arrival.append(m)
            else:                       # still running: both hear of it
                src._callbacks.append(lambda s, m=m: ar._deliver(*s._raw[m]))
        if self._block(block):
            return ar.get()
        return ar

    @property
    def results(self):
        """{msg_id: result (or the RemoteError)} of finished tasks whose AsyncResult
        is still held."""
        self.spin(0)
        out = {}
        for m, ar in list(self._ars.items()):
            if m in ar._raw:
                out[m] = ar._decode(m)[1]
        return out

    def _block(self, block):
        return self.block if block is None else block

    def result_status(self, msg_ids, status_only=True):
        """{"pending": [...], "completed": [...]} (and, unless status_only, each
        completed id's result)."""
        self.spin(0)
        out = {"pending": [], "completed": []}
        for m in msg_ids_of(msg_ids):
            if m in self._pending:
                out["pending"].append(m)
            elif m in self._records:
                out["completed"].append(m)
                if not status_only:
                    out[m] = self.get_result(m).get()
            else:
                raise KeyError(f"no task {m!r} in this client's records")
        return out

    def purge_results(self, jobs=(), targets=(), owner=True):
        """Forget the records of finished tasks: jobs (msg ids / AsyncResults),
        those that ran on targets, or "all"."""
        if jobs == "all" or targets == "all":
            self._records.clear()
            return
        tl = [targets] if isinstance(targets, int) else list(targets or ())
        for m in msg_ids_of(jobs if jobs else []):
            self._records.pop(m, None)
        for m, head in list(self._records.items()):
            if head.get("eid") in tl:
                del self._records[m]

    purge_local_results = purge_hub_results = purge_everything = purge_results

    def db_query(self, query, keys=None):
        """Records of this client's tasks matching a query, as ipyparallel's hub database
        answers it: {key: value} or {key: {"$in": [...], "$nin", "$glob", "$eq", "$ne",
        "$lt", "$le", "$gt", "$ge": ...}} (keys: msg_id, engine_id, label, status,
        submitted, started, completed, received, stdout, stderr, ...)."""
        self.spin(0)
        out = []
        for m in self.history:
            rec = self._record(m)
            if all(_match(rec.get(k), cond) for k, cond in query.items()):
                out.append({k: rec.get(k) for k in keys} if keys else dict(rec))
                if keys and "msg_id" not in keys:
                    out[-1]["msg_id"] = m
        return out


def _match(value, cond):
    if not isinstance(cond, dict):
        return value == cond
    for op, arg in cond.items():
        ok = {"$in": lambda: value in arg, "$nin": lambda: value not in arg,
              "$eq": lambda: value == arg, "$ne": lambda: value != arg,
              "$lt": lambda: value is not None and value < arg,
              "$le": lambda: value is not None and value <= arg,
              "$gt": lambda: value is not None and value > arg,
              "$ge": lambda: value is not None and value >= arg,
              "$glob": lambda: isinstance(value, str) and fnmatch.fnmatchcase(value, arg),
              "$exists": lambda: (value is not None) == bool(arg)}.get(op)
        if ok is None:
            raise ValueError(f"db_query: unknown operator {op!r} (known: $in $nin $eq $ne "
                             f"$lt $le $gt $ge $glob $exists)")
        if not ok():
            return False
    return True
